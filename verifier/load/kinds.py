"""Which kinds change pod traffic: the table behind "what the input may hold" (design §1).

A kind is classified by its API group (the part of ``apiVersion`` before ``/``; the core
group is ``""``) and its name:

- **modelled**: Namespace, Pod, the workloads (their pod templates), Node (its labels and
  addresses, for ``nodes`` peers), ``networking.k8s.io/v1`` NetworkPolicy, and the policy
  tiers of ``policy.networking.k8s.io`` at the versions in `TIER_APIS`: ``v1alpha1``
  AdminNetworkPolicy and BaselineAdminNetworkPolicy, ``v1alpha2`` ClusterNetworkPolicy
  (`verifier.load.tiers`);
- **neutral**: cannot change which flows reach a pod — Services, ConfigMaps, Secrets,
  Ingresses, RBAC, CRD definitions, cert-manager, Prometheus operator, autoscalers, PDBs,
  GitOps objects (Argo CD, Flux), Gateway API routes (they route, they do not filter), … —
  skipped with one summary notice for the whole run;
- **traffic**: filters pod traffic but is not modelled (Cilium, Calico, Antrea, Istio and
  Linkerd authorization, MultiNetworkPolicy, OVN/OpenShift egress firewalls, GKE FQDN policies):
  the run stops with exit 2 unless the user passes ``--ignore-kind KIND``;
- **other version**: a tier kind at another ``policy.networking.k8s.io`` version (say
  ``v1beta1`` ClusterNetworkPolicy): not read, an error like ``traffic`` that names the
  version that is read;
- **unknown**: any other kind. We cannot tell whether it filters traffic, so it is an error
  too, with a hint to pass ``--ignore-kind`` once the user has checked it does not.

A group is neutral as a whole only when no kind of it filters traffic; groups that mix both
(``cilium.io``, ``crd.projectcalico.org``, ``networking.istio.io``, …) list their neutral
kinds one by one, so a new filtering kind of such a group is unknown, never silently skipped.
"""

from __future__ import annotations

from enum import Enum

NETWORK_POLICY_API = "networking.k8s.io/v1"


class KindClass(Enum):
    MODELLED = "modelled"
    NEUTRAL = "neutral"
    TRAFFIC = "traffic"
    OTHER_VERSION = "other version"
    UNKNOWN = "unknown"


#: Kinds of the core (``v1``) and ``apps``/``batch`` groups that are read.
MODELLED_KINDS = frozenset(
    {"Namespace", "Node", "Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob",
     "ReplicationController", "NetworkPolicy"}
)  # fmt: skip

#: The API group of the cluster-wide policy tiers.
TIER_GROUP = "policy.networking.k8s.io"

#: The tier kinds that are read, each at the one apiVersion it is read at.
TIER_APIS: dict[str, str] = {
    "AdminNetworkPolicy": f"{TIER_GROUP}/v1alpha1",
    "BaselineAdminNetworkPolicy": f"{TIER_GROUP}/v1alpha1",
    "ClusterNetworkPolicy": f"{TIER_GROUP}/v1alpha2",
}

#: Modelled kinds without a namespace.
CLUSTER_SCOPED_KINDS = frozenset({"Namespace", "Node", *TIER_APIS})

#: Core-group (and ``apps``) kinds that do not change which flows NetworkPolicies allow.
_NEUTRAL_CORE = frozenset(
    {"ComponentStatus", "ConfigMap", "ControllerRevision", "Endpoints", "Event", "LimitRange",
     "PersistentVolume", "PersistentVolumeClaim", "PodTemplate", "ResourceQuota", "Secret", "Service",
     "ServiceAccount", "Binding"}
)  # fmt: skip

#: Groups none of whose kinds filter pod traffic.
_NEUTRAL_GROUPS = frozenset(
    {
        "acme.cert-manager.io",
        "admissionregistration.k8s.io",
        "apiextensions.k8s.io",
        "apiregistration.k8s.io",
        "argoproj.io",
        "autoscaling",
        "autoscaling.k8s.io",
        "bitnami.com",
        "cert-manager.io",
        "certificates.k8s.io",
        "config.kubernetes.io",
        "coordination.k8s.io",
        "discovery.k8s.io",
        "events.k8s.io",
        "external-secrets.io",
        "flowcontrol.apiserver.k8s.io",
        "gateway.networking.k8s.io",
        "helm.toolkit.fluxcd.io",
        "image.toolkit.fluxcd.io",
        "install.istio.io",
        "keda.sh",
        "kustomize.config.k8s.io",
        "kustomize.toolkit.fluxcd.io",
        "metrics.k8s.io",
        "monitoring.coreos.com",
        "node.k8s.io",
        "notification.toolkit.fluxcd.io",
        "policy",
        "rbac.authorization.k8s.io",
        "resource.k8s.io",
        "scheduling.k8s.io",
        "secrets-store.csi.x-k8s.io",
        "snapshot.storage.k8s.io",
        "source.toolkit.fluxcd.io",
        "storage.k8s.io",
        "telemetry.istio.io",
        "velero.io",
    }
)

#: Neutral kinds of groups that also hold traffic-filtering kinds.
_NEUTRAL_IN_GROUP: dict[str, frozenset[str]] = {
    "networking.k8s.io": frozenset({"Ingress", "IngressClass", "IPAddress", "ServiceCIDR"}),
    "networking.istio.io": frozenset(
        {
            "DestinationRule",
            "EnvoyFilter",
            "Gateway",
            "ProxyConfig",
            "ServiceEntry",
            "VirtualService",
            "WorkloadEntry",
            "WorkloadGroup",
        }
    ),
    "security.istio.io": frozenset({"RequestAuthentication"}),
    "cilium.io": frozenset(
        {
            "CiliumBGPPeeringPolicy",
            "CiliumCIDRGroup",
            "CiliumEgressGatewayPolicy",
            "CiliumEndpoint",
            "CiliumExternalWorkload",
            "CiliumIdentity",
            "CiliumL2AnnouncementPolicy",
            "CiliumLoadBalancerIPPool",
            "CiliumNode",
            "CiliumNodeConfig",
            "CiliumPodIPPool",
        }
    ),
    "crd.projectcalico.org": frozenset(
        {
            "BGPConfiguration",
            "BGPPeer",
            "BlockAffinity",
            "ClusterInformation",
            "FelixConfiguration",
            "GlobalNetworkSet",
            "IPAMBlock",
            "IPAMConfig",
            "IPAMHandle",
            "IPPool",
            "IPReservation",
            "KubeControllersConfiguration",
            "NetworkSet",
            "Tier",
            "StagedNetworkPolicy",
            "StagedGlobalNetworkPolicy",
            "StagedKubernetesNetworkPolicy",
        }
    ),
    "crd.antrea.io": frozenset({"ClusterGroup", "Egress", "ExternalIPPool", "Group", "Tier"}),
    "k8s.cni.cncf.io": frozenset({"NetworkAttachmentDefinition"}),
    "k8s.ovn.org": frozenset({"AdminPolicyBasedExternalRoute", "EgressIP", "EgressQoS", "EgressService"}),
    "networking.gke.io": frozenset(
        {"FrontendConfig", "ManagedCertificate", "ServiceAttachment", "ServiceExportation"}
    ),
}
# Calico's API server (projectcalico.org) mirrors the CRD group's kinds.
_NEUTRAL_IN_GROUP["projectcalico.org"] = _NEUTRAL_IN_GROUP["crd.projectcalico.org"]

#: Kinds that filter pod traffic and are not modelled, by group.
_TRAFFIC: dict[str, frozenset[str]] = {
    "cilium.io": frozenset({"CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"}),
    "crd.projectcalico.org": frozenset({"NetworkPolicy", "GlobalNetworkPolicy"}),
    "projectcalico.org": frozenset({"NetworkPolicy", "GlobalNetworkPolicy"}),
    "crd.antrea.io": frozenset({"NetworkPolicy", "ClusterNetworkPolicy", "AntreaNetworkPolicy"}),
    "k8s.cni.cncf.io": frozenset({"MultiNetworkPolicy"}),
    "security.istio.io": frozenset({"AuthorizationPolicy", "PeerAuthentication"}),
    "networking.istio.io": frozenset({"Sidecar"}),
    "policy.linkerd.io": frozenset(
        {
            "AuthorizationPolicy",
            "ServerAuthorization",
            "Server",
            "MeshTLSAuthentication",
            "NetworkAuthentication",
        }
    ),
    "k8s.ovn.org": frozenset({"EgressFirewall"}),
    "network.openshift.io": frozenset({"EgressNetworkPolicy"}),
    "networking.gke.io": frozenset({"FQDNNetworkPolicy"}),
    "consul.hashicorp.com": frozenset({"ServiceIntentions"}),
    "kuma.io": frozenset({"MeshTrafficPermission", "TrafficPermission"}),
}


def api_group(api_version: str) -> str:
    """``apps/v1`` → ``apps``; ``v1`` → ``""`` (the core group)."""
    group, sep, _ = api_version.rpartition("/")
    return group if sep else ""


def classify(kind: str, api_version: str) -> KindClass:
    group = api_group(api_version)
    if group in ("", "apps", "batch", "extensions"):
        if kind == "NetworkPolicy":
            return KindClass.MODELLED if api_version == NETWORK_POLICY_API else KindClass.TRAFFIC
        if kind in MODELLED_KINDS:
            return KindClass.MODELLED
        if kind in _NEUTRAL_CORE:
            return KindClass.NEUTRAL
        if group == "extensions" and kind in ("Ingress", "PodSecurityPolicy"):
            return KindClass.NEUTRAL
        return KindClass.UNKNOWN
    if group == "networking.k8s.io" and kind == "NetworkPolicy":
        return KindClass.MODELLED if api_version == NETWORK_POLICY_API else KindClass.TRAFFIC
    if group == TIER_GROUP and kind in TIER_APIS:
        return KindClass.MODELLED if api_version == TIER_APIS[kind] else KindClass.OTHER_VERSION
    if kind in _TRAFFIC.get(group, ()):
        return KindClass.TRAFFIC
    if group in _NEUTRAL_GROUPS or kind in _NEUTRAL_IN_GROUP.get(group, ()):
        return KindClass.NEUTRAL
    return KindClass.UNKNOWN


def is_traffic_group(api_version: str) -> bool:
    """Whether the kind's group is one of the known network-policy engines."""
    group = api_group(api_version)
    return group in _TRAFFIC or group == TIER_GROUP


def tier_versions() -> str:
    """What is read of the tier group, for messages: ``AdminNetworkPolicy and
    BaselineAdminNetworkPolicy policy.networking.k8s.io/v1alpha1, ClusterNetworkPolicy …/v1alpha2``."""
    by_api: dict[str, list[str]] = {}
    for kind, api in TIER_APIS.items():
        by_api.setdefault(api, []).append(kind)
    return ", ".join(f"{' and '.join(kinds)} {api}" for api, kinds in by_api.items())
