"""Where a repository's configuration lives, first match wins."""

CONFIG_PATHS = (".paasbot.yml", ".github/paasbot.yml")
