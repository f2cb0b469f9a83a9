"""From a webhook delivery to the subjects it concerns: a pure plan, applied by the store."""
