"""Actions: what a matched rule does. Each is a plugin that plans only the difference between what
it wants and what is there; the executor performs the plan (or, in a dry run, only reports it)."""
