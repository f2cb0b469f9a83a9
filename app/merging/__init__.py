"""Merging pull requests: the merge queue, branch protection, readiness and merge messages."""
