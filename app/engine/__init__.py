"""The rule engine: snapshots of pull requests, conditions, evaluation, the summary."""
