"""Dependency bumps: editing the manifests of a library's dependents to its new version."""
