"""The built-in presets a `.paasbot.yml` can extend: the YAML files of the top-level `rules/`
folder, shipped in the wheel as the package data `app.presets`."""

from __future__ import annotations

import importlib.resources
from functools import cache
from importlib.resources.abc import Traversable
from pathlib import Path

import app

SUFFIX = ".yml"


def _folder() -> Traversable:
    try:
        return importlib.resources.files("app.presets")
    except ModuleNotFoundError:
        # A source checkout (or an editable install) has the folder beside the package.
        return Path(app.__file__).resolve().parent.parent / "rules"


@cache
def presets() -> dict[str, str]:
    """Preset name -> YAML text."""
    folder = _folder()
    return {
        entry.name.removesuffix(SUFFIX): entry.read_text(encoding="utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith(SUFFIX)
    }


def preset_file(name: str) -> str:
    """How errors name a preset's file."""
    return f"preset:{name}"
