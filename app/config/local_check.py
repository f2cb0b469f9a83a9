"""`paasbot check-config`: validate configuration files on disk as paasbot would read them.

A file is merged with the built-in presets it extends; another repository it extends cannot be
fetched from here, so the file is then validated without it (and a note says so)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from app.config.merge import merge_layers
from app.config.model import Config, ConfigLayer
from app.config.paths import CONFIG_PATHS
from app.config.presets import preset_file, presets
from app.config.problems import ConfigInvalid, Problem
from app.config.validate import parse_config_file

OK, INVALID, UNREADABLE = 0, 1, 2


class Unreadable(Exception):
    """A file that cannot be checked at all (missing, a folder, unreadable)."""


@dataclass
class _Layers:
    """The layers of one file: the presets it extends (earliest first), then the file."""

    layers: list[ConfigLayer] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)


def check_config_files(files: Sequence[str], out: TextIO, err: TextIO) -> int:
    """Check `files` (the default config file of the current folder when empty); the exit
    status: OK, INVALID when any has a problem, UNREADABLE when any cannot be read."""
    try:
        paths = [Path(name) for name in files] or [default_file(Path.cwd())]
    except Unreadable as error:
        print(f"paasbot: {error}", file=err)
        return UNREADABLE
    return max(_check_one(path, out, err) for path in paths)


def default_file(folder: Path) -> Path:
    for name in CONFIG_PATHS:
        if (folder / name).is_file():
            return Path(name)
    listed = " or ".join(CONFIG_PATHS)
    raise Unreadable(f"no {listed} in {folder}; name the file to check")


def _check_one(path: Path, out: TextIO, err: TextIO) -> int:
    try:
        content = _read(path)
        config, notes = check_config(content, str(path))
    except Unreadable as error:
        print(f"paasbot: {error}", file=err)
        return UNREADABLE
    except ConfigInvalid as invalid:
        for problem in invalid.problems:
            print(problem, file=err)
        return INVALID
    for note in notes:
        print(f"paasbot: note: {note}", file=err)
    print(f"{path}: OK, {_rules(len(config.rules))}{_extends(config)}", file=out)
    return OK


def check_config(content: bytes | str, file: str) -> tuple[Config, list[str]]:
    """The configuration `content` adds up to with the presets it extends, and notes about what
    could not be checked; ConfigInvalid with every problem."""
    found = _Layers()
    problems = _add(found, content, file)
    if problems:
        raise ConfigInvalid(problems)
    return merge_layers(found.layers), found.notes


def _add(found: _Layers, content: bytes | str, file: str) -> list[Problem]:
    if file in found.seen:
        return []
    found.seen.add(file)
    try:
        layer = parse_config_file(content, file, presets=presets())
    except ConfigInvalid as invalid:
        return invalid.problems
    problems: list[Problem] = []
    for extended in layer.extends:
        if extended in presets():
            problems += _add(found, presets()[extended], preset_file(extended))
        else:
            found.notes.append(
                f"{file} extends {extended}, which cannot be fetched here;"
                " checked without it (its rules and defaults are not included)"
            )
    found.layers.append(layer)
    return problems


def _read(path: Path) -> bytes:
    if not path.exists():
        raise Unreadable(f"{path}: no such file")
    if path.is_dir():
        raise Unreadable(f"{path} is a folder, not a file")
    try:
        return path.read_bytes()
    except OSError as error:
        raise Unreadable(f"{path}: cannot be read ({error.strerror or error})") from None


def _rules(count: int) -> str:
    return f"{count} rule{'' if count == 1 else 's'}"


def _extends(config: Config) -> str:
    presets_used = [source for source in config.sources if source.startswith(preset_file(""))]
    return f" (with {', '.join(presets_used)})" if presets_used else ""
