"""Frozen results: verdicts, flows, decisions, reports. No Z3 object ever reaches this package.

Every report format (text, JSON, JUnit, SARIF, …) renders these values and nothing else, so
formats can be tested with hand-built results, without running a solver. Callers import
every name from here; the modules say where each lives:

- `verifier.results.flows`: endpoints, flows, rule references, the oracle's decisions;
- `verifier.results.verdicts`: verdicts, property results, the check report, the port matrix;
- `verifier.results.explain`: ``explain``'s chain of checks behind one flow;
- `verifier.results.regions`: sets of flows as regions — ``diff``, the gate, ``exposure``;
- `verifier.results.lint`: lint findings and reports;
- `verifier.results.fix`: ``fix``'s candidate edits (JSON patches) and their proofs;
- `verifier.results.probe`: ``probe``'s plan (probes, the pods and namespaces it creates);
- `verifier.results.connectivity` and `verifier.results.bits`: the connectivity relation
  (``matrix`` without ``--port``, docs/matrix.md) and the bitset helpers it and its views use.
"""

from verifier.results.connectivity import (
    NOTHING,
    Connection,
    Connectivity,
    ExternalConnectivity,
    portmap_text,
    ranges_text,
)
from verifier.results.explain import (
    Explanation,
    PeerCheck,
    PolicyCheck,
    PortCheck,
    RuleCheck,
    SideExplanation,
    TierPolicyCheck,
    TierRuleCheck,
)
from verifier.results.fix import EditKind, Fix, FixEdit, FixReport, FixStatus, PatchOp, PropertyFix
from verifier.results.flows import (
    AnyRuleRef,
    Decision,
    DirectionDecision,
    Endpoint,
    EndpointKind,
    Flow,
    RuleRef,
    TierRuleRef,
)
from verifier.results.lint import (
    Finding,
    LintReport,
    Severity,
    finding_fingerprint,
)
from verifier.results.probe import (
    Expectation,
    Probe,
    ProbeEnd,
    ProbeEndKind,
    ProbeNamespace,
    ProbePlan,
    ProbePod,
)
from verifier.results.regions import (
    AddressRange,
    DiffResult,
    EndpointSet,
    ExposureResult,
    FlowRegion,
    GateResult,
    GateStep,
    PodGroup,
    RegionList,
    RegionStatus,
)
from verifier.results.starter import StarterProperty, StarterSpec
from verifier.results.verdicts import (
    BASELINE_NAME,
    CheckReport,
    MatrixResult,
    PropertyResult,
    Verdict,
)

__all__ = [
    "BASELINE_NAME",
    "NOTHING",
    "AddressRange",
    "AnyRuleRef",
    "CheckReport",
    "Connection",
    "Connectivity",
    "Decision",
    "DiffResult",
    "DirectionDecision",
    "EditKind",
    "Endpoint",
    "EndpointKind",
    "EndpointSet",
    "Expectation",
    "Explanation",
    "ExposureResult",
    "ExternalConnectivity",
    "Finding",
    "Fix",
    "FixEdit",
    "FixReport",
    "FixStatus",
    "Flow",
    "FlowRegion",
    "GateResult",
    "GateStep",
    "LintReport",
    "MatrixResult",
    "PatchOp",
    "PeerCheck",
    "PodGroup",
    "PolicyCheck",
    "PortCheck",
    "Probe",
    "ProbeEnd",
    "ProbeEndKind",
    "ProbeNamespace",
    "ProbePlan",
    "ProbePod",
    "PropertyFix",
    "PropertyResult",
    "RegionList",
    "RegionStatus",
    "RuleCheck",
    "RuleRef",
    "Severity",
    "SideExplanation",
    "StarterProperty",
    "StarterSpec",
    "TierPolicyCheck",
    "TierRuleCheck",
    "TierRuleRef",
    "Verdict",
    "finding_fingerprint",
    "portmap_text",
    "ranges_text",
]
