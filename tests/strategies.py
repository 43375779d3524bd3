"""The shared test vocabulary: builders for model objects and hypothesis strategies.

Builders (`make_pod`, `make_policy`, `rule`, `sel`, …) keep hand-written tests short and
apply the same API defaulting the loader applies (effective policyTypes). Strategies draw
small but adversarial clusters straight from the model types — labels from tiny pools so
selectors hit and miss, IPv4 and IPv6 addresses packed around the ipBlock boundaries, pods
without IP, named ports on every protocol — and concrete flows over them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence

from hypothesis import reject
from hypothesis import strategies as st

from verifier.model import (
    NAMESPACE_NAME_LABEL,
    Cluster,
    ContainerPort,
    Direction,
    IPAddress,
    IPBlock,
    LabelSelector,
    Namespace,
    NetworkPolicy,
    Operator,
    Peer,
    Pod,
    PolicyPort,
    Protocol,
    Requirement,
    Rule,
    parse_ip,
    parse_network,
)
from verifier.model.tiers import (
    Action,
    Node,
    Tier,
    TierPeer,
    TierPolicy,
    TierPort,
    TierRule,
    TierSubject,
)
from verifier.oracle import external_endpoint, pod_endpoint
from verifier.results import Endpoint, Flow

# ---------------------------------------------------------------------------------------------
# Builders


def sel(labels: Mapping[str, str] | None = None, *exprs: Requirement, **kw: str) -> LabelSelector:
    """A selector: ``sel(app="web")``, ``sel({"a": "b"})``, ``sel(None, expr("k", "Exists"))``."""
    pairs = dict(labels or {}) | kw
    return LabelSelector(match_labels=tuple(sorted(pairs.items())), match_expressions=tuple(exprs))


def expr(key: str, operator: str | Operator, *values: str) -> Requirement:
    return Requirement(key=key, operator=Operator(operator), values=tuple(values))


def pod_peer(
    pod_selector: LabelSelector | None = None, namespace_selector: LabelSelector | None = None
) -> Peer:
    return Peer(pod_selector=pod_selector, namespace_selector=namespace_selector)


def ns_peer(namespace_selector: LabelSelector) -> Peer:
    return Peer(namespace_selector=namespace_selector)


def ip_peer(cidr: str, *excepts: str) -> Peer:
    return Peer(
        ip_block=IPBlock.model_validate(
            {"cidr": parse_network(cidr), "except": tuple(parse_network(e) for e in excepts)}
        )
    )


def port(
    number: int | str | None = None, protocol: Protocol | str = Protocol.TCP, end_port: int | None = None
) -> PolicyPort:
    return PolicyPort(protocol=Protocol(protocol), port=number, end_port=end_port)


def rule(peers: Sequence[Peer] | None = None, ports: Sequence[PolicyPort] | None = None) -> Rule:
    """A rule; `make_policy` fills in its direction and index. None = all (as ``[]`` is)."""
    return Rule(
        direction=Direction.INGRESS,
        index=0,
        peers=tuple(peers) if peers else None,
        ports=tuple(ports) if ports else None,
    )


def make_policy(
    namespace: str,
    name: str,
    pod_selector: LabelSelector | None = None,
    *,
    ingress: Sequence[Rule] | None = None,
    egress: Sequence[Rule] | None = None,
    policy_types: Iterable[Direction | str] | None = None,
) -> NetworkPolicy:
    """A policy with API defaulting: without ``policy_types``, Ingress plus Egress iff
    ``egress`` is non-empty (``egress=[]`` is not egress isolation)."""
    if policy_types is None:
        types = {Direction.INGRESS} | ({Direction.EGRESS} if egress else set())
    else:
        types = {Direction(t) for t in policy_types}

    def placed(rules: Sequence[Rule] | None, direction: Direction) -> tuple[Rule, ...]:
        return tuple(
            r.model_copy(update={"direction": direction, "index": i}) for i, r in enumerate(rules or ())
        )

    return NetworkPolicy(
        namespace=namespace,
        name=name,
        pod_selector=pod_selector if pod_selector is not None else LabelSelector(),
        policy_types=frozenset(types),
        ingress=placed(ingress, Direction.INGRESS),
        egress=placed(egress, Direction.EGRESS),
    )


def make_pod(
    namespace: str,
    name: str,
    labels: Mapping[str, str] | None = None,
    ips: Sequence[str | IPAddress] = (),
    ports: Sequence[ContainerPort | tuple[str, int] | tuple[str, int, str]] = (),
    kind: str = "Pod",
    replicated: bool = False,
) -> Pod:
    """A pod; ``ports`` entries may be ``("http", 80)`` or ``("dns", 53, "UDP")``.
    ``replicated``: a template standing for two or more pods (``replicas: 3``, a DaemonSet)."""
    cps: list[ContainerPort] = []
    for p in ports:
        if isinstance(p, ContainerPort):
            cps.append(p)
        elif len(p) == 2:
            cps.append(ContainerPort(name=p[0], port=p[1]))
        else:
            cps.append(ContainerPort(name=p[0], port=p[1], protocol=Protocol(p[2])))
    return Pod(
        namespace=namespace,
        name=name,
        labels=dict(labels or {}),
        ips=tuple(parse_ip(ip) if isinstance(ip, str) else ip for ip in ips),
        ports=tuple(cps),
        kind=kind,
        replicated=replicated,
    )


def make_namespace(name: str, labels: Mapping[str, str] | None = None) -> Namespace:
    return Namespace(name=name, labels={NAMESPACE_NAME_LABEL: name, **(labels or {})})


def make_cluster(
    pods: Sequence[Pod] = (),
    policies: Sequence[NetworkPolicy] = (),
    namespaces: Mapping[str, Mapping[str, str]] | None = None,
    *,
    undeclared: Iterable[str] = (),
    assume_unlabelled: bool = False,
    tier_policies: Sequence[TierPolicy] = (),
    nodes: Sequence[Node] = (),
) -> Cluster:
    """A cluster; namespaces not given explicitly exist with just their name label.
    ``undeclared`` namespaces are only referenced (as a namespace a dump lacks): their labels
    besides the name are unknown unless ``assume_unlabelled``."""
    hidden = set(undeclared)
    spaces = {
        name: make_namespace(name, labels)
        for name, labels in (namespaces or {}).items()
        if name not in hidden
    }
    for ns in [p.namespace for p in pods] + [p.namespace for p in policies] + sorted(hidden):
        if ns in hidden:
            spaces.setdefault(ns, Namespace(name=ns, labels={NAMESPACE_NAME_LABEL: ns}, declared=False))
        spaces.setdefault(ns, make_namespace(ns))
    return Cluster(
        namespaces=spaces,
        pods=tuple(pods),
        policies=tuple(policies),
        assume_unlabelled_namespaces=assume_unlabelled,
        tier_policies=tuple(tier_policies),
        nodes=tuple(nodes),
    )


# --- tiers (verifier.model.tiers) ------------------------------------------------------------


def t_namespaces(selector: LabelSelector | None = None) -> TierPeer:
    """A ``namespaces`` peer (None: every namespace)."""
    return TierPeer(namespaces=selector or LabelSelector())


def t_pods(pods: LabelSelector | None = None, namespaces: LabelSelector | None = None) -> TierPeer:
    """A ``pods`` peer: the pods ``pods`` selects in the namespaces ``namespaces`` selects."""
    return TierPeer(pods=pods or LabelSelector(), pod_namespaces=namespaces or LabelSelector())


def t_networks(*cidrs: str) -> TierPeer:
    return TierPeer(networks=tuple(parse_network(c) for c in cidrs))


def t_nodes(selector: LabelSelector | None = None) -> TierPeer:
    return TierPeer(nodes=selector or LabelSelector())


def t_domains(*names: str) -> TierPeer:
    return TierPeer(domain_names=tuple(names))


def t_port(number: int | None = None, protocol: str = "TCP", end: int | None = None) -> TierPort:
    """A port entry: a number, a range (``end``), or every port of ``protocol`` (None)."""
    return TierPort(protocol=Protocol(protocol), first=number, last=end if end is not None else number)


def t_named(name: str, protocol: str | None = None) -> TierPort:
    return TierPort(name=name, protocol=Protocol(protocol) if protocol else None)


def t_rule(
    action: str, peers: Sequence[TierPeer], ports: Sequence[TierPort] | None = None, name: str = ""
) -> TierRule:
    """A tier rule; `make_tier_policy` fills in its direction and index ("Accept" = Allow)."""
    written = action
    return TierRule(
        direction=Direction.INGRESS,
        index=0,
        name=name,
        action=Action.ALLOW if action == "Accept" else Action(action),
        action_written=written,
        peers=tuple(peers),
        ports=tuple(ports) if ports is not None else None,
    )


def make_tier_policy(
    name: str,
    priority: int | None = 10,
    *,
    tier: str = "Admin",
    kind: str | None = None,
    namespaces: LabelSelector | None = None,
    pods: LabelSelector | None = None,
    pod_namespaces: LabelSelector | None = None,
    ingress: Sequence[TierRule] = (),
    egress: Sequence[TierRule] = (),
) -> TierPolicy:
    """An Admin (default) or Baseline tier policy. The subject is ``namespaces`` when given,
    else ``pods`` in ``pod_namespaces`` (both default to everything). ``kind`` defaults to
    AdminNetworkPolicy / BaselineAdminNetworkPolicy (priority None) by tier."""
    if kind is None:
        kind = "AdminNetworkPolicy" if tier == "Admin" else "BaselineAdminNetworkPolicy"
    if kind == "BaselineAdminNetworkPolicy":
        priority = None
    subject = (
        TierSubject(namespaces=namespaces)
        if namespaces is not None
        else TierSubject(pods=pods or LabelSelector(), pod_namespaces=pod_namespaces or LabelSelector())
    )

    def place(rules: Sequence[TierRule], direction: Direction) -> tuple[TierRule, ...]:
        return tuple(r.model_copy(update={"direction": direction, "index": i}) for i, r in enumerate(rules))

    return TierPolicy(
        kind=kind,  # type: ignore[arg-type]
        name=name,
        tier=Tier(tier),
        priority=priority,
        subject=subject,
        ingress=place(ingress, Direction.INGRESS),
        egress=place(egress, Direction.EGRESS),
    )


def make_node(name: str, labels: Mapping[str, str] | None = None, *addresses: str) -> Node:
    return Node(name=name, labels=dict(labels or {}), addresses=tuple(parse_ip(a) for a in addresses))


def flow(source: Endpoint, destination: Endpoint, number: int = 80, protocol: str = "TCP") -> Flow:
    return Flow(source=source, destination=destination, port=number, protocol=Protocol(protocol))


# ---------------------------------------------------------------------------------------------
# Strategies

NAMESPACES = ("x", "y", "z")
NS_LABELS = {"team": ("a", "b"), "env": ("prod", "dev")}
POD_LABELS = {"app": ("a", "b", "c"), "tier": ("web", "db"), "role": ("r",)}
PORT_NAMES = ("http", "dns", "metrics")
PORT_POOL = (53, 80, 81, 443, 8080)
PROTOCOLS = tuple(Protocol)
# Pod addresses sit on and around the ipBlock boundaries below.
V4_POOL = (*(f"10.0.0.{i}" for i in range(16)), "10.0.1.0", "192.168.1.1", "192.168.1.2")
V6_POOL = (*(f"fd00::{i:x}" for i in range(8)), "fd00::1:0")
EXTERNAL_POOL = ("8.8.8.8", "10.0.0.3", "10.0.0.200", "192.168.1.3", "2001:db8::1", "fd00::6")
CIDR_POOL = (
    "10.0.0.0/28",
    "10.0.0.0/30",
    "10.0.0.8/29",
    "10.0.0.0/16",
    "0.0.0.0/0",
    "192.168.1.0/30",
    "fd00::/120",
    "fd00::4/126",
    "::/0",
    # single addresses: two pods (or a pod and an external address) never share one
    "10.0.0.5/32",
    "fd00::3/128",
)
EXCEPT_POOL = (
    "10.0.0.0/30",
    "10.0.0.4/32",
    "10.0.0.8/31",
    "10.0.0.15/32",
    "10.0.0.0/28",
    "192.168.1.2/31",
    "fd00::/126",
    "fd00::5/128",
    "10.0.0.5/32",
)


def selectors(pool: Mapping[str, tuple[str, ...]]) -> st.SearchStrategy[LabelSelector]:
    """Selectors over a label pool: matchLabels and all four matchExpressions operators."""
    keys = sorted(pool)
    pair = st.one_of([st.tuples(st.just(k), st.sampled_from((*pool[k], "zz"))) for k in keys])
    requirement = st.one_of(
        [
            st.builds(
                Requirement,
                key=st.just(k),
                operator=st.sampled_from((Operator.IN, Operator.NOT_IN)),
                values=st.lists(st.sampled_from(pool[k]), min_size=1, max_size=2, unique=True).map(tuple),
            )
            for k in keys
        ]
        + [
            st.builds(
                Requirement,
                key=st.just(k),
                operator=st.sampled_from((Operator.EXISTS, Operator.DOES_NOT_EXIST)),
            )
            for k in keys
        ]
    )
    return st.builds(
        LabelSelector,
        match_labels=st.lists(pair, max_size=2, unique_by=lambda kv: kv[0]).map(
            lambda kvs: tuple(sorted(kvs))
        ),
        match_expressions=st.lists(requirement, max_size=2).map(tuple),
    )


def _inside(cidr: str) -> tuple[str, ...]:
    outer = parse_network(cidr)
    out = []
    for text in EXCEPT_POOL:
        net = parse_network(text)
        if (
            net.version == outer.version
            and int(net.network_address) >= int(outer.network_address)
            and int(net.broadcast_address) <= int(outer.broadcast_address)
        ):
            out.append(text)
    return tuple(out)


def _ip_block(cidr: str, excepts: list[str]) -> IPBlock:
    return IPBlock.model_validate(
        {"cidr": parse_network(cidr), "except": tuple(parse_network(e) for e in excepts)}
    )


def ip_blocks() -> st.SearchStrategy[IPBlock]:
    """ipBlocks from a pool of CIDRs, with 0-2 ``except`` entries inside the CIDR."""
    choices = []
    for cidr in CIDR_POOL:
        inside = _inside(cidr)
        excepts = st.lists(st.sampled_from(inside), max_size=2, unique=True) if inside else st.just([])
        choices.append(st.builds(_ip_block, st.just(cidr), excepts))
    return st.one_of(choices)


IP_BLOCKS = ip_blocks()
POD_SELECTORS = selectors(POD_LABELS)
NS_SELECTORS = selectors(NS_LABELS | {NAMESPACE_NAME_LABEL: NAMESPACES})


def peers() -> st.SearchStrategy[Peer]:
    """ipBlock, podSelector alone, namespaceSelector alone, or both."""
    return st.one_of(
        st.builds(Peer, ip_block=IP_BLOCKS),
        st.builds(Peer, pod_selector=POD_SELECTORS),
        st.builds(Peer, namespace_selector=NS_SELECTORS),
        st.builds(Peer, pod_selector=POD_SELECTORS, namespace_selector=NS_SELECTORS),
    )


def _range_port(protocol: Protocol, number: int, width: int) -> PolicyPort:
    return PolicyPort(protocol=protocol, port=number, end_port=number + width)


def policy_ports() -> st.SearchStrategy[PolicyPort]:
    """Every protocol; all ports, one number, an endPort range, or a named port."""
    protocols = st.sampled_from(PROTOCOLS)
    numbers = st.sampled_from(PORT_POOL)
    return st.one_of(
        st.builds(PolicyPort, protocol=protocols),
        st.builds(PolicyPort, protocol=protocols, port=numbers),
        st.builds(_range_port, protocols, numbers, st.sampled_from((0, 1, 28, 400))),
        st.builds(PolicyPort, protocol=protocols, port=st.sampled_from(PORT_NAMES)),
    )


def rules() -> st.SearchStrategy[Rule]:
    """A rule; ``None`` peers/ports mean all (how the loader reads missing or ``[]``)."""
    return st.builds(
        rule,
        st.none() | st.lists(peers(), min_size=1, max_size=3),
        st.none() | st.lists(policy_ports(), min_size=1, max_size=3),
    )


_RULES = rules()
_POLICY_PARTS = st.tuples(
    POD_SELECTORS,
    st.lists(_RULES, max_size=3),
    st.lists(_RULES, max_size=3),
    st.none() | st.sets(st.sampled_from(tuple(Direction)), min_size=1),
)


def policies(namespace: str, name: str) -> st.SearchStrategy[NetworkPolicy]:
    """A policy; ``policy_types`` explicit or API-defaulted from the egress rules."""
    return _POLICY_PARTS.map(
        lambda t: make_policy(namespace, name, t[0], ingress=t[1], egress=t[2], policy_types=t[3])
    )


#: Workload kinds a template is drawn as; a DaemonSet always stands for several pods.
TEMPLATE_KINDS = ("Deployment", "StatefulSet", "DaemonSet")

_POD_PARTS = st.tuples(
    st.dictionaries(st.sampled_from(sorted(POD_LABELS)), st.sampled_from(("a", "b", "c", "web", "db", "r"))),
    st.sampled_from(("v4", "v4", "v4", "v6", "dual", "none")),
    st.lists(
        st.builds(
            ContainerPort,
            port=st.sampled_from(PORT_POOL),
            protocol=st.sampled_from(PROTOCOLS),
            name=st.none() | st.sampled_from(PORT_NAMES),
        ),
        max_size=3,
    ),
    st.tuples(st.sampled_from(TEMPLATE_KINDS), st.booleans()),
)


def _pod(
    namespace: str,
    name: str,
    v4: str,
    v6: str,
    parts: tuple[dict[str, str], str, list[ContainerPort], tuple[str, bool]],
) -> Pod:
    labels, shape, container_ports, (kind, replicas) = parts
    ips = {"v4": (v4,), "v6": (v6,), "dual": (v4, v6), "none": ()}[shape]
    if ips:
        return make_pod(namespace, name, labels, ips, container_ports)
    replicated = replicas or kind == "DaemonSet"
    return make_pod(
        namespace, f"{name}[{kind}]", labels, ips, container_ports, kind=kind, replicated=replicated
    )


def pods(namespace: str, name: str, v4: str, v6: str) -> st.SearchStrategy[Pod]:
    """A pod with IPv4, IPv6, both or no IP (then a workload template, replicated or not),
    and named ports."""
    return _POD_PARTS.map(lambda parts: _pod(namespace, name, v4, v6, parts))


_NS_LABEL_DICTS = st.dictionaries(
    st.sampled_from(sorted(NS_LABELS)), st.sampled_from(("a", "b", "prod", "dev"))
)
_NS_NAMES = st.lists(st.sampled_from(NAMESPACES), min_size=1, max_size=3, unique=True)
_V4S = st.permutations(V4_POOL)
_V6S = st.permutations(V6_POOL)


@st.composite
def clusters(draw: st.DrawFn, max_pods: int = 6, max_policies: int = 4, undeclared: bool = False) -> Cluster:
    """A random valid cluster: 1-3 labelled namespaces, pods, namespace-local policies; with
    ``undeclared``, now and then a namespace the input only references (unknown labels)."""
    names = draw(_NS_NAMES)
    spaces = {n: draw(_NS_LABEL_DICTS) for n in names}
    v4s = draw(_V4S)
    v6s = draw(_V6S)
    where = st.sampled_from(names)
    pod_list = [
        _pod(draw(where), f"p{i}", v4s[i], v6s[i % len(v6s)], draw(_POD_PARTS))
        for i in range(draw(st.integers(0, max_pods)))
    ]
    pol_list = []
    for i in range(draw(st.integers(0, max_policies))):
        selector, ingress, egress, types = draw(_POLICY_PARTS)
        pol_list.append(
            make_policy(draw(where), f"np{i}", selector, ingress=ingress, egress=egress, policy_types=types)
        )
    # Now and then a namespace the input only references (a dump without Namespace objects):
    # its labels are unknown, and every label set it could carry counts.
    hidden = draw(st.sampled_from(((),) * 3 + ((names[-1],),))) if undeclared else ()
    return make_cluster(pod_list, pol_list, spaces, undeclared=hidden)


# --- tiered clusters ----------------------------------------------------------------------------

# Few priorities so that two policies of one tier often share one (a same-priority conflict).
TIER_PRIORITIES = (1, 2, 5)
NODE_POOL = (
    ("n1", {"role": "worker"}, ("192.168.1.3",)),
    ("n2", {"role": "infra"}, ("10.0.0.200", "fd00::6")),
)


def tier_peers(egress: bool) -> st.SearchStrategy[TierPeer]:
    """namespaces, pods, networks (pod addresses too), and for egress nodes and, rarely,
    domainNames (undecidable from manifests)."""
    choices = [
        st.builds(t_namespaces, NS_SELECTORS),
        st.builds(t_pods, POD_SELECTORS, NS_SELECTORS),
        st.lists(st.sampled_from(CIDR_POOL), min_size=1, max_size=2, unique=True).map(
            lambda c: t_networks(*c)
        ),
    ]
    if egress:
        choices.append(st.builds(t_nodes, selectors({"role": ("worker", "infra")})))
        choices.append(st.just(t_domains("example.com")))
    return st.one_of(choices)


def tier_ports() -> st.SearchStrategy[TierPort]:
    protocols = st.sampled_from(tuple(p.value for p in PROTOCOLS))
    numbers = st.sampled_from(PORT_POOL)
    return st.one_of(
        st.builds(t_port, st.none(), protocols),
        st.builds(t_port, numbers, protocols),
        st.builds(lambda n, p, w: t_port(n, p, n + w), numbers, protocols, st.integers(1, 400)),
        st.builds(t_named, st.sampled_from(PORT_NAMES), st.none() | protocols),
    )


def tier_rules(egress: bool, baseline: bool) -> st.SearchStrategy[TierRule]:
    actions = ("Allow", "Deny") if baseline else ("Allow", "Deny", "Pass")
    return st.builds(
        t_rule,
        st.sampled_from(actions),
        st.lists(tier_peers(egress), min_size=1, max_size=2),
        st.none() | st.lists(tier_ports(), min_size=1, max_size=2),
    )


@st.composite
def tier_policy_sets(draw: st.DrawFn, max_admin: int = 3, baseline: bool = True) -> list[TierPolicy]:
    """0-``max_admin`` Admin-tier policies (AdminNetworkPolicy or ClusterNetworkPolicy) and,
    with ``baseline``, now and then a BaselineAdminNetworkPolicy or a Baseline-tier
    ClusterNetworkPolicy; subjects by namespace or by pod, rules of every action and peer kind."""
    out: list[TierPolicy] = []

    def one(name: str, tier: str, kind: str) -> TierPolicy:
        by_namespace = draw(st.booleans())
        base = tier == "Baseline"
        return make_tier_policy(
            name,
            draw(st.sampled_from(TIER_PRIORITIES)),
            tier=tier,
            kind=kind,
            namespaces=draw(NS_SELECTORS) if by_namespace else None,
            pods=None if by_namespace else draw(POD_SELECTORS),
            pod_namespaces=None if by_namespace else draw(NS_SELECTORS),
            ingress=draw(st.lists(tier_rules(False, base and kind != "ClusterNetworkPolicy"), max_size=3)),
            egress=draw(st.lists(tier_rules(True, base and kind != "ClusterNetworkPolicy"), max_size=3)),
        )

    for i in range(draw(st.integers(0, max_admin))):
        out.append(
            one(f"admin{i}", "Admin", draw(st.sampled_from(("AdminNetworkPolicy", "ClusterNetworkPolicy"))))
        )
    if baseline and draw(st.booleans()):
        kind = draw(st.sampled_from(("BaselineAdminNetworkPolicy", "ClusterNetworkPolicy")))
        out.append(one("default" if kind == "BaselineAdminNetworkPolicy" else "baseline0", "Baseline", kind))
    return out


@st.composite
def tiered_clusters(
    draw: st.DrawFn, max_pods: int = 5, max_policies: int = 2, max_admin: int = 3, undeclared: bool = False
) -> Cluster:
    """`clusters` (namespaces, pods, NetworkPolicies) wrapped in random tier policies and the
    nodes of `NODE_POOL` (their addresses are also in the external pool)."""
    base = draw(clusters(max_pods=max_pods, max_policies=max_policies, undeclared=undeclared))
    tiered = draw(tier_policy_sets(max_admin=max_admin))
    nodes = tuple(make_node(n, labels, *addrs) for n, labels, addrs in NODE_POOL)
    return base.model_copy(update={"tier_policies": tuple(tiered), "nodes": nodes})


_BLOCK_RULES = st.lists(
    st.builds(rule, st.lists(st.builds(Peer, ip_block=IP_BLOCKS), min_size=1, max_size=2)),
    min_size=1,
    max_size=2,
)
_BLOCK_TYPES = st.sampled_from((["Ingress"], ["Egress"], ["Ingress", "Egress"]))


@st.composite
def ipblock_clusters(draw: st.DrawFn, max_pods: int = 4, max_policies: int = 2) -> Cluster:
    """`clusters` plus pods without IP and a policy whose only peers are ipBlocks, so that cells
    depending on an unknown pod IP (allowed for some addresses only) come up often."""
    base = draw(clusters(max_pods=max_pods, max_policies=max_policies, undeclared=False))
    names = sorted(base.namespaces)
    where = st.sampled_from(names)
    extra = [
        _pod(draw(where), f"t{i}", "", "", (draw(_POD_PARTS)[0], "none", [], draw(_POD_PARTS)[3]))
        for i in range(draw(st.integers(1, 2)))
    ]
    policy = make_policy(
        draw(where),
        "blocks",
        draw(POD_SELECTORS),
        ingress=draw(_BLOCK_RULES),
        egress=draw(_BLOCK_RULES),
        policy_types=draw(_BLOCK_TYPES),
    )
    spaces = {n: base.namespaces[n].labels for n in names}
    return make_cluster([*base.pods, *extra], [*base.policies, policy], spaces)


@st.composite
def endpoints_of(draw: st.DrawFn, cluster: Cluster, allow_external: bool = True) -> Endpoint:
    """A pod of the cluster (with one of its IPs, or any address when it has none) or an
    external address."""
    if cluster.pods and (not allow_external or draw(st.booleans())):
        pod = draw(st.sampled_from(cluster.pods))
        ip: IPAddress | None = draw(st.sampled_from(pod.ips)) if pod.ips else None
        return pod_endpoint(cluster, pod, ip)
    return external_endpoint(draw(st.sampled_from(EXTERNAL_POOL + V4_POOL[:4])))


@st.composite
def flows(draw: st.DrawFn, cluster: Cluster) -> Flow:
    """pod→pod, pod→external or external→pod flows, on a small port pool (never external →
    external: that traffic never enters the cluster)."""
    if not cluster.pods:
        reject()
    src = draw(endpoints_of(cluster))
    dst = draw(endpoints_of(cluster, allow_external=src.is_pod))
    return Flow(
        source=src,
        destination=dst,
        port=draw(st.sampled_from(PORT_POOL)),
        protocol=draw(st.sampled_from(PROTOCOLS)),
    )


def addresses_in(space: str) -> st.SearchStrategy[IPAddress]:
    """Addresses of a CIDR, biased to its edges."""
    net = parse_network(space)
    size = net.num_addresses
    offsets = st.sampled_from((0, 1, size - 1, size // 2)) | st.integers(0, size - 1)
    return offsets.map(lambda o: ipaddress.ip_address(int(net.network_address) + o))


__all__ = [
    "CIDR_POOL",
    "EXCEPT_POOL",
    "EXTERNAL_POOL",
    "NAMESPACES",
    "NS_LABELS",
    "NS_SELECTORS",
    "POD_LABELS",
    "POD_SELECTORS",
    "PORT_NAMES",
    "PORT_POOL",
    "PROTOCOLS",
    "V4_POOL",
    "V6_POOL",
    "addresses_in",
    "clusters",
    "endpoints_of",
    "expr",
    "flow",
    "flows",
    "ip_blocks",
    "ip_peer",
    "ipblock_clusters",
    "make_cluster",
    "make_namespace",
    "make_node",
    "make_pod",
    "make_policy",
    "make_tier_policy",
    "ns_peer",
    "peers",
    "pod_peer",
    "pods",
    "policies",
    "policy_ports",
    "port",
    "rule",
    "rules",
    "sel",
    "selectors",
    "t_domains",
    "t_named",
    "t_namespaces",
    "t_networks",
    "t_nodes",
    "t_pods",
    "t_port",
    "t_rule",
    "tier_policy_sets",
    "tiered_clusters",
]
