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


async def check_pull_config(
    target: PullTarget, now: float, readable: tuple[str, ...], *, publish: bool = True
) -> str | None:
    """Publishes the check when the PR changes a config file (unless not `publish`: a
    simulation); a note for the summary, or None. `readable`: the repositories the default
    branch's configuration reads, the only ones the PR's file may extend (`load_at_ref`)."""
    files = await target.snapshot.files()
    changed = {entry.get("filename") for entry in files} & set(CONFIG_PATHS)
    if not changed:
        return None
    own = await fetch_config_file(target.api, target.repository, target.head_sha)
    content = await _content(target, own, readable)
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


async def _content(
    target: PullTarget, own: FetchedFile | None, readable: tuple[str, ...]
) -> CheckRunContent:
    if own is None:
        summary = "This PR removes the configuration file: paasbot would run no repository rules."
        return CheckRunContent(
            CONFIG_CHECK_NAME, "The configuration is removed", summary, "neutral"
        )
    loaded = await load_at_ref(target.api, target.repository, own, readable)
    if not loaded.valid:
        return _invalid(own.path, loaded.problems, loaded.withheld)
    count = len(loaded.config.rules) if loaded.config else 0
    sources = ", ".join(f"`{name}`" for name in loaded.files)
    if loaded.withheld:
        # Neutral, not failure: the file may well be right, paasbot may not read it all here.
        unread = len(loaded.withheld)
        title = f"Checked in part: {count} rules, {unread} extended repositories not read"
        if unread == 1:
            title = f"Checked in part: {count} rules, 1 extended repository not read"
        summary = f"{count} rules from {sources} are valid.\n\n" + _lines(loaded.withheld)
        notices = _annotations(own.path, loaded.withheld, "notice")
        return CheckRunContent(CONFIG_CHECK_NAME, title, summary, "neutral", annotations=notices)
    summary = f"Valid: {count} rules from {sources}."
    return CheckRunContent(CONFIG_CHECK_NAME, f"Valid: {count} rules", summary, "success")


def _invalid(
    path: str, problems: tuple[Problem, ...], withheld: tuple[Problem, ...]
) -> CheckRunContent:
    summary = _lines(problems) + (f"\n\n{_lines(withheld)}" if withheld else "")
    annotations = _annotations(path, problems, "failure") + _annotations(path, withheld, "notice")
    title = f"Invalid: {len(problems)} problem{'s' if len(problems) != 1 else ''}"
    return CheckRunContent(CONFIG_CHECK_NAME, title, summary, "failure", annotations=annotations)


def _lines(problems: tuple[Problem, ...]) -> str:
    return "\n".join(f"- `{p.file}:{p.line}:{p.column}`: {p.message}" for p in problems)


def _annotations(path: str, problems: tuple[Problem, ...], level: str) -> tuple[Annotation, ...]:
    return tuple(
        Annotation(path, p.line, p.line, p.message, level, p.where or None, p.column, p.column)
        for p in problems
        if p.file == path
    )
