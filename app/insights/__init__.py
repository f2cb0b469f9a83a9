"""Delivery insights from paasbot's ledger: pull request lifecycles, deployments and the bot's
own work, aggregated per repository, team and organisation, never per person."""
