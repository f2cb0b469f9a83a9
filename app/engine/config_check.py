"""The `paasbot/config` check run: a PR that changes `.paasbot.yml` gets its version validated
(with the org defaults and presets it would combine with), errors annotated on their lines."""

from __future__ import annotations

from dataclasses import replace

from app.actions.base import PullTarget
from app.config.loader import FetchedFile, fetch_config_file, load_at_ref
from app.config.paths import CONFIG_PATHS
from app.config.problems import Problem
from app.github.checks import Annotation, CheckRunContent, publish_check_run

CONFIG_CHECK_NAME = "paasbot/config"


async def check_pull_config(target: PullTarget, now: float, *, publish: bool = True) -> str | None:
    """Publishes the check when the PR changes a config file (unless not `publish`: a
    simulation); a note for the summary, or None."""
    files = await target.snapshot.files()
    changed = {entry.get("filename") for entry in files} & set(CONFIG_PATHS)
    if not changed:
        return None
    own = await fetch_config_file(target.api, target.repository, target.head_sha)
    content = await _content(target, own)
    shadowed = sorted(changed - {own.path}) if own is not None else []
    if shadowed:
        ignored = (
            f"{', '.join(f'`{path}`' for path in shadowed)} is ignored while `{own.path}` exists."
        )
        content = replace(content, summary=f"{ignored}\n\n{content.summary}")
    if not publish:
        return (
            f"This PR changes the configuration: the `{CONFIG_CHECK_NAME}` check would say"
            f" {content.title}."
        )
    await publish_check_run(target.db, target.api, target.repository, target.head_sha, content, now)
    return (
        f"This PR changes the configuration: see the `{CONFIG_CHECK_NAME}` check ({content.title})."
    )


async def _content(target: PullTarget, own: FetchedFile | None) -> CheckRunContent:
    if own is None:
        summary = "This PR removes the configuration file: paasbot would run no repository rules."
        return CheckRunContent(
            CONFIG_CHECK_NAME, "The configuration is removed", summary, "neutral"
        )
    loaded = await load_at_ref(target.api, target.repository, own)
    if loaded.valid:
        count = len(loaded.config.rules) if loaded.config else 0
        sources = ", ".join(f"`{name}`" for name in loaded.files)
        summary = f"Valid: {count} rules from {sources}."
        return CheckRunContent(CONFIG_CHECK_NAME, f"Valid: {count} rules", summary, "success")
    return _invalid(own.path, loaded.problems)


def _invalid(path: str, problems: tuple[Problem, ...]) -> CheckRunContent:
    lines = [f"- `{p.file}:{p.line}:{p.column}`: {p.message}" for p in problems]
    annotations = tuple(
        Annotation(path, p.line, p.line, p.message, "failure", p.where or None, p.column, p.column)
        for p in problems
        if p.file == path
    )
    title = f"Invalid: {len(problems)} problem{'s' if len(problems) != 1 else ''}"
    return CheckRunContent(
        CONFIG_CHECK_NAME, title, "\n".join(lines), "failure", annotations=annotations
    )
