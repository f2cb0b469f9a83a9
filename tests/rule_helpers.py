"""Rules built from YAML for the engine's pure tests."""

from __future__ import annotations

from app.config.merge import merge_layers
from app.config.model import Rule
from app.config.presets import presets
from app.config.validate import parse_config_file


def rules_from(text: str) -> tuple[Rule, ...]:
    return merge_layers([parse_config_file(text, ".paasbot.yml", presets=presets())]).rules
