"""Two versions of one cluster: the old and the new policies over one inventory."""

from __future__ import annotations

from verifier.model.cluster import Cluster


def merge_versions(old: Cluster, new: Cluster) -> tuple[Cluster, Cluster, tuple[str, ...]]:
    """The two versions over one inventory (the union; the new input wins on a name clash),
    so that a diff compares policies, not inventories. Also a note when the inventories
    differ."""
    namespaces = dict(old.namespaces)
    for name, ns in new.namespaces.items():
        if name not in namespaces or ns.declared or not namespaces[name].declared:
            namespaces[name] = ns
    pods = {p.key: p for p in old.pods}
    pods.update({p.key: p for p in new.pods})
    notes = []
    only_old = sorted(set(p.key for p in old.pods) - set(p.key for p in new.pods))
    only_new = sorted(set(p.key for p in new.pods) - set(p.key for p in old.pods))
    if new.pods and old.pods and (only_old or only_new):
        notes.append(
            f"the inventories differ ({len(only_old)} pods only in the old input, {len(only_new)} only in the "
            "new one); both versions are compared over their union"
        )
    pod_list = tuple(pods.values())
    assume = old.assume_unlabelled_namespaces or new.assume_unlabelled_namespaces
    # Nodes are inventory like pods (the union, the new input wins); tier policies are
    # policies like NetworkPolicies (each version keeps its own).
    node_map = {n.name: n for n in old.nodes}
    node_map.update({n.name: n for n in new.nodes})
    nodes = tuple(node_map.values())

    def version(of: Cluster) -> Cluster:
        return Cluster(
            namespaces=namespaces,
            pods=pod_list,
            policies=of.policies,
            tier_policies=of.tier_policies,
            nodes=nodes,
            assume_unlabelled_namespaces=assume,
        )

    return version(old), version(new), tuple(notes)


__all__ = ["merge_versions"]
