"""``netverify probe``: a plan to confirm flows on a live cluster — which pods and namespaces
to create for hypothetical endpoints, which connections to try from where, and the outcome the
policies predict for each (`verifier.query.probe` makes it, `verifier.report.probe` writes it
as a bash script or as the manifests it creates)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from verifier.model import ContainerPort, Protocol

#: The image of every pod and debug container a probe script starts.
AGNHOST_IMAGE = "registry.k8s.io/e2e-test-images/agnhost:2.47"
#: The label every object a probe script creates carries (value: the plan's id), so that it
#: can be found and deleted; no policy selector should name this key.
PROBE_LABEL = "netverify.io/probe"


class ProbeEndKind(StrEnum):
    POD = "pod"  # an inventory pod: looked up live by namespace and name
    WORKLOAD = "workload"  # a workload's pod template: one running pod with its labels
    CREATED = "created"  # a pod the script creates for a hypothetical endpoint
    EXTERNAL = "external"  # an address outside the cluster


class ProbeEnd(BaseModel):
    """One end of a probe, as the script finds it on the cluster.

    ``name`` is the pod's name (`POD`, `CREATED`); ``selector`` the labels a running pod of a
    workload carries (`WORKLOAD`; ``index`` 1 picks a second pod, for replica-to-replica
    flows). ``address`` is the external address (`EXTERNAL`) or the address the input or
    counterexample gives the pod (None when unknown) — the script uses the live one.
    ``address_matters`` is True when the predicted outcome changes if the pod has no address
    an ipBlock matches: the script then prints the live address beside the predicted one.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: ProbeEndKind
    text: str
    namespace: str | None = None
    name: str | None = None
    selector: dict[str, str] = {}
    index: int = 0
    address: str | None = None
    address_matters: bool = False


class Expectation(StrEnum):
    """The outcome the policies predict for a probe."""

    ALLOWED = "allowed"
    DENIED = "denied"
    UNDECIDED = "undecided"  # the manifests leave it to the implementation (tiers)


class Probe(BaseModel):
    """One connection to try: ``source -> destination port/protocol`` and what to expect.

    ``key`` names the probe in the script (``p1``, ``p2``, …). ``because`` are the rules
    involved, as reports write them. ``timeout_means_blocked`` is False when silence proves
    nothing: an external destination, or UDP/SCTP to a pod that is not the script's own echo
    server (it may not answer agnhost's payload). ``skip`` says why the probe cannot run (an
    external source): the script reports it and does not count it.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    key: str
    title: str
    source: ProbeEnd
    destination: ProbeEnd
    port: int
    protocol: Protocol
    expected: Expectation
    property: str | None = None
    because: tuple[str, ...] = ()
    timeout_means_blocked: bool = True
    notes: tuple[str, ...] = ()
    skip: str = ""


class ProbeNamespace(BaseModel):
    """A namespace the input does not declare, which the script creates (with ``labels``)
    when the cluster has none of that name. ``new`` is True when the prediction assumed a
    namespace that does not exist (the counterexample's new namespace)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    name: str
    labels: dict[str, str] = {}
    new: bool = False


class ProbePod(BaseModel):
    """A pod the script creates: agnhost ``pause`` for a source, ``netexec`` serving
    ``serve`` for a destination; ``ports`` are the container ports it declares (the named
    ports of the counterexample's pod and the served port)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    namespace: str
    name: str
    labels: dict[str, str]
    serve: tuple[int, Protocol] | None = None
    ports: tuple[ContainerPort, ...] = ()

    @property
    def args(self) -> tuple[str, ...]:
        """The agnhost command line of its container."""
        if self.serve is None:
            return ("pause",)
        port, protocol = self.serve
        if protocol is Protocol.TCP:
            return ("netexec", f"--http-port={port}", "--udp-port=-1")
        if protocol is Protocol.UDP:
            return ("netexec", "--http-port=8080", f"--udp-port={port}")
        return ("netexec", "--http-port=8080", "--udp-port=-1", f"--sctp-port={port}")


class ProbePlan(BaseModel):
    """Everything a probe script does, in order: create ``namespaces`` (when missing) and
    ``pods``, run ``probes`` (at most ``parallel`` at once, each connection given
    ``connect_timeout`` seconds; kubectl on ``context`` unless the script is told another,
    None: the current one), delete what it created.

    ``id`` is stable for the same probes (a hash): the value of `PROBE_LABEL` on every object
    the script creates. ``title`` says what the plan probes, ``command`` the command line
    that made it (for the script's header); ``warnings`` what could not become a probe."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    title: str
    command: str = ""
    probes: tuple[Probe, ...] = ()
    namespaces: tuple[ProbeNamespace, ...] = ()
    pods: tuple[ProbePod, ...] = ()
    image: str = AGNHOST_IMAGE
    connect_timeout: int = 5
    parallel: int = 1
    context: str | None = None
    matrix: bool = False
    warnings: tuple[str, ...] = ()
