"""The upstream network-policy-api conformance probes for the policy tiers, run three ways.

Data and format: conformance/README.md; the runner: conformance_runner.py. One test per
(data file, step) grades the step's probes; a step with ``uncertain`` probes also gets a
``<step>-uncertain`` test for them, so that a failing uncertain probe shows under its own id.
Every probe must be judged as its ``expect`` by the oracle, by Z3 (one ``allow`` property per
probe, one check call per step) and by the concrete engine's matrix cell.

`KNOWN_GAPS` lists probes where netverify's documented semantics and upstream disagree on
purpose (not a transcription or engine error). They run under a ``<step>-known-gap`` id as a
strict xfail: the day netverify agrees with upstream the test XPASSes and fails, and the
entry must go.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.tiers import conformance_runner as runner

#: (data file, probe name) -> why netverify does not give upstream's answer.
KNOWN_GAPS: dict[tuple[str, str], str] = {
    ("admin-network-policy-hairpin-rules.yaml", "hairpin-self"): (
        "CNPAdminTierHairpin (optional upstream feature ClusterNetworkPolicyHairpin): a pod "
        "reaching itself through its Service is subject to ingress policy, but netverify treats "
        "a pod sending to itself as not governed by any tier (a documented limitation: "
        "docs/semantics-and-limitations.md), and a property never contains self traffic (Z3 "
        "answers 'empty scope')"
    ),
}


def _params() -> list[object]:
    params: list[object] = []
    for name, step, _ in runner.all_steps():
        stem = name.removesuffix(".yaml")
        probes = runner.probes_of(name, step)
        params.append(pytest.param(name, step, "certain", id=f"{stem}/{step}"))
        if any(p.uncertain and (name, p.name) not in KNOWN_GAPS for p in probes):
            params.append(pytest.param(name, step, "uncertain", id=f"{stem}/{step}-uncertain"))
        gaps = [KNOWN_GAPS[(name, p.name)] for p in probes if (name, p.name) in KNOWN_GAPS]
        if gaps:
            mark = pytest.mark.xfail(strict=True, reason="; ".join(gaps))
            params.append(pytest.param(name, step, "known-gap", id=f"{stem}/{step}-known-gap", marks=mark))
    return params


def _group(name: str, probe: runner.Probe) -> str:
    if (name, probe.name) in KNOWN_GAPS:
        return "known-gap"
    return "uncertain" if probe.uncertain else "certain"


@pytest.mark.parametrize(("name", "step", "group"), _params())
def test_step(name: str, step: str, group: str) -> None:
    judged = [j for j in runner.judge_step(name, step) if _group(name, j.probe) == group]
    wrong = [str(j) for j in judged if not j.matches]
    assert not wrong, f"{name} step {step}: {len(wrong)} of {len(judged)} {group} probes disagree:\n" + (
        "\n".join(wrong)
    )


def test_known_gaps_name_existing_probes() -> None:
    probes = {
        (p.name, q.name)
        for p in runner.data_files()
        for s in runner.read_data(p.name)["steps"]
        for q in runner.probes_of(p.name, s["name"])
    }
    assert set(KNOWN_GAPS) <= probes, set(KNOWN_GAPS) - probes


#: What a ``change`` text may describe -> the step key that must say it machine-readably.
_CHANGE_KEYS = {
    r"\.action\b": "actions",
    r"namedPort|destinationNamedPort": "rule_ports",
    r"spec\.priority": "priorities",
    r"\binsert\b": "inserted_rule",
    r"\bdelete NetworkPolicy\b": "networkpolicies",
    r"\bapplies\b": "applied",
}


def test_every_change_text_has_its_machine_readable_key() -> None:
    missing = []
    for path in runner.data_files():
        for step in runner.read_data(path.name)["steps"]:
            for pattern, key in _CHANGE_KEYS.items():
                if re.search(pattern, str(step["change"])) and key not in step:
                    missing.append(
                        f"{path.name} step {step['name']}: change mentions {pattern!r}, no {key!r}"
                    )
    assert not missing, "\n".join(missing)


def test_readme_states_the_current_counts() -> None:
    counts: Counter[str] = Counter()
    for path in runner.data_files():
        counts["files"] += 1
        for probe in runner.read_data(path.name)["probes"]:
            counts["probes"] += 1
            counts["uncertain"] += bool(probe.get("uncertain"))
    readme = (runner.CONFORMANCE / "README.md").read_text()
    totals = f"{counts['files']} files, {counts['probes']} probes, {counts['uncertain']} uncertain"
    assert totals in " ".join(readme.split()), f"README.md should state: {totals}"
