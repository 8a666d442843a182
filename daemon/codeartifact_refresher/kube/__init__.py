"""Kubernetes: what the Secret output and leader election share (imported only when a config uses them)."""
