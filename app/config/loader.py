"""Reads a repository's configuration from GitHub: its `.paasbot.yml` on the default branch (never
a PR's head: a PR must not rewrite its own merge rules), the organisation's defaults (the config
file of the org's `.github` repository), and what each file `extends:`.

A loaded configuration is kept in memory until a push changes one of its files (the router bumps
that repository's generation, which every replica reads from the database) or for `max_age`
seconds, after which it is read again through the ETag cache (a 304 costs no rate limit)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cachetools import LRUCache
from gidgethub import BadRequest
from gidgethub.abc import GitHubAPI

from app.config.merge import merge_layers
from app.config.model import Config, ConfigLayer
from app.config.paths import CONFIG_PATHS
from app.config.presets import preset_file, presets
from app.config.problems import ConfigInvalid, Problem
from app.config.validate import parse_config_file
from app.config.yaml_source import MAX_BYTES
from app.store.config_generations import generations
from app.store.db import Database

ORG_DEFAULTS_REPOSITORY = ".github"
MAX_LAYERS = 10


@dataclass(frozen=True)
class LoadedConfig:
    """The configuration in force (None when no file configures the repository, or when one is
    invalid: then `problems` says why and no rule runs)."""

    config: Config | None
    problems: tuple[Problem, ...] = ()
    files: tuple[str, ...] = ()
    dependencies: tuple[str, ...] = ()
    # Repositories a PR's or a simulation's file extends that were not read (`load_at_ref`).
    withheld: tuple[Problem, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class FetchedFile:
    path: str
    text: bytes
    sha: str
    # Why the entry cannot be read as a configuration (a folder, too big, undecodable content).
    unreadable: str | None = None


@dataclass
class _Cached:
    loaded: LoadedConfig
    generations: dict[str, int]
    loaded_at: float


def config_paths_touched(paths: set[str]) -> bool:
    return any(path in paths for path in CONFIG_PATHS)


def org_defaults_repository(repository: str) -> str:
    return f"{repository.split('/')[0]}/{ORG_DEFAULTS_REPOSITORY}"


async def fetch_config_file(api: GitHubAPI, repository: str, ref: str | None) -> FetchedFile | None:
    """The first of CONFIG_PATHS that exists in `repository` at `ref` (default branch: None)."""
    for path in CONFIG_PATHS:
        fetched = await fetch_file(api, repository, path, ref)
        if fetched is not None:
            return fetched
    return None


async def fetch_file(
    api: GitHubAPI, repository: str, path: str, ref: str | None
) -> FetchedFile | None:
    url = "/repos/{+repository}/contents/{+path}" + ("{?ref}" if ref else "")
    url_vars = {"repository": repository, "path": path, **({"ref": ref} if ref else {})}
    try:
        item = await api.getitem(url, url_vars=url_vars)
    except BadRequest as error:
        if error.status_code == 404:
            return None
        raise
    return _decoded(path, item)


def _decoded(path: str, item: Any) -> FetchedFile:
    if not isinstance(item, dict) or item.get("type") != "file":
        return FetchedFile(
            path, b"", "", f"this is {_kind(item)}; the configuration must be a file"
        )
    sha, size = item.get("sha", ""), item.get("size", 0)
    if size > MAX_BYTES:
        return FetchedFile(
            path, b"", sha, f"the file is {size:,} bytes; the limit is {MAX_BYTES:,}"
        )
    try:
        # GitHub sends base64 in lines; anything else in it is corrupt, not to be skipped.
        text = base64.b64decode("".join((item.get("content") or "").split()), validate=True)
    except (binascii.Error, ValueError):
        return FetchedFile(path, b"", sha, "the file's content is not valid base64")
    return FetchedFile(path, text, sha)


def _kind(item: Any) -> str:
    """What the contents API answered instead of a file: a folder's listing, or a symlink's or a
    submodule's entry."""
    if isinstance(item, list):
        return "a folder"
    kind = item.get("type") if isinstance(item, dict) else None
    return f"a {kind}" if isinstance(kind, str) else "not a file"


class LayerReader:
    """Reads the layers of one repository's configuration, for one evaluation."""

    def __init__(
        self, api: GitHubAPI, repository: str, readable: frozenset[str] | None = None
    ) -> None:
        """`readable`: the only repositories other than this one and its org defaults that may
        be read (None: any of the owner's)."""
        self.api = api
        self.repository = repository
        self.readable = None if readable is None else {r.casefold() for r in readable}
        self.problems: list[Problem] = []
        self.withheld: list[Problem] = []
        self.layers: list[ConfigLayer] = []
        self.dependencies: set[str] = set()
        self._visited: set[str] = set()
        self._fetched: dict[str, FetchedFile | None] = {}

    async def read(self, ref: str | None = None, own: FetchedFile | None = None) -> None:
        org = org_defaults_repository(self.repository)
        if org != self.repository:
            await self._repository_layer(org)
        if own is not None:
            await self._layer_from(own, self.repository, own=True)
        else:
            await self._repository_layer(self.repository, ref=ref)

    async def _repository_layer(self, repository: str, *, ref: str | None = None) -> bool:
        self.dependencies.add(repository)
        if repository not in self._fetched:  # a repository extended twice is fetched once
            self._fetched[repository] = await fetch_config_file(self.api, repository, ref)
        fetched = self._fetched[repository]
        if fetched is None:
            return False
        await self._layer_from(fetched, repository, own=repository == self.repository)
        return True

    async def _layer_from(self, fetched: FetchedFile, repository: str, *, own: bool) -> None:
        name = fetched.path if own else f"{repository}:{fetched.path}"
        if fetched.unreadable is not None:
            self.problems.append(Problem(name, 1, 1, fetched.unreadable))
            return
        await self._add(name, fetched.text)

    async def _add(self, name: str, content: bytes | str) -> None:
        if name in self._visited:
            return
        self._visited.add(name)
        if len(self._visited) > MAX_LAYERS:
            self.problems.append(
                Problem(name, 1, 1, f"more than {MAX_LAYERS} files extend each other")
            )
            return
        try:
            layer = parse_config_file(content, name, presets=presets())
        except ConfigInvalid as invalid:
            self.problems += invalid.problems
            return
        for extended in layer.extends:
            await self._extend(layer, extended)
        self.layers.append(layer)

    async def _extend(self, layer: ConfigLayer, extended: str) -> None:
        if extended in presets():
            await self._add(preset_file(extended), presets()[extended])
            return
        if extended == self.repository:
            return
        owner = self.repository.split("/")[0]
        if extended.split("/")[0].casefold() != owner.casefold():
            # GitHub lets any token read a public repository: without this, a stranger's file
            # could write this repository's rules (and no push webhook would say it changed).
            message = f"extends {extended!r}: only repositories of {owner} can be extended"
            origin = layer.extends_origin(extended)
            self.problems.append(
                Problem(layer.file, origin.line, origin.column, message, "extends")
            )
            return
        if self.readable is not None and extended.casefold() not in self.readable:
            # paasbot reads what its installation may read, not what the PR's author may: a
            # file on the default branch extends what its maintainers chose; a PR's or a
            # simulation's file could ask for any private repository of the owner and learn
            # from the answer (whether it has a file, its rules, their problems).
            message = (
                f"extends {extended!r}: not read, because the default branch's configuration"
                " does not extend it; it is read once this change is on the default branch"
            )
            origin = layer.extends_origin(extended)
            self.withheld.append(
                Problem(layer.file, origin.line, origin.column, message, "extends")
            )
            return
        if not await self._repository_layer(extended):
            message = f"extends {extended!r}, which has no .paasbot.yml paasbot can read"
            origin = layer.extends_origin(extended)
            self.problems.append(
                Problem(layer.file, origin.line, origin.column, message, "extends")
            )


def assemble(reader: LayerReader) -> LoadedConfig:
    files = tuple(layer.file for layer in reader.layers)
    dependencies = tuple(sorted(reader.dependencies))
    withheld = tuple(sorted(reader.withheld))
    if reader.problems:
        return LoadedConfig(None, tuple(sorted(reader.problems)), files, dependencies, withheld)
    if not reader.layers:
        return LoadedConfig(None, (), files, dependencies, withheld)
    try:
        return LoadedConfig(merge_layers(reader.layers), (), files, dependencies, withheld)
    except ConfigInvalid as invalid:
        return LoadedConfig(None, tuple(invalid.problems), files, dependencies, withheld)


@dataclass
class ConfigLoader:
    """Configurations by repository, cached until their files change."""

    db: Database
    clock: Callable[[], float]
    max_age: float = 600.0
    _cache: LRUCache[str, _Cached] = field(default_factory=lambda: LRUCache(maxsize=4096))

    async def load(self, api: GitHubAPI, repository: str) -> LoadedConfig:
        cached = self._cache.get(repository)
        if cached is not None and await self._still_valid(cached):
            return cached.loaded
        candidates = {repository, org_defaults_repository(repository)}
        async with self.db.reader() as conn:
            before = await generations(conn, candidates)
        reader = LayerReader(api, repository)
        await reader.read()
        loaded = assemble(reader)
        extra = set(loaded.dependencies) - candidates
        if extra:
            async with self.db.reader() as conn:
                before.update(await generations(conn, extra))
        self._cache[repository] = _Cached(loaded, before, self.clock())
        return loaded

    def forget(self, repository: str) -> None:
        self._cache.pop(repository, None)

    async def _still_valid(self, cached: _Cached) -> bool:
        if self.clock() - cached.loaded_at > self.max_age:
            return False
        async with self.db.reader() as conn:
            now = await generations(conn, cached.generations)
        return now == cached.generations


async def load_at_ref(
    api: GitHubAPI, repository: str, own: FetchedFile, readable: tuple[str, ...]
) -> LoadedConfig:
    """The configuration a PR's version of the file would give (the `paasbot/config` check, a
    simulation's given file): it may extend only the repositories in `readable`, those the
    default branch's configuration reads (`LoadedConfig.dependencies`); any other it extends is
    `withheld`, not read."""
    reader = LayerReader(api, repository, frozenset(readable))
    await reader.read(own=own)
    return assemble(reader)
