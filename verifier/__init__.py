"""netverify: a formal verifier for Kubernetes NetworkPolicies."""

__version__ = "0.1.0"
