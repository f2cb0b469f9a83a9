"""A release subject (`owner/repo@tag`): the library's release rules, judged on the release's
facts, run their `propagate` actions; each one's progress is the `paasbot/propagate` check run on
the tag's commit. PRs beyond the installation's per-minute limit wait: the subject comes back
when the limit allows, with the same events, and resumes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gidgethub import BadRequest
from gidgethub.abc import GitHubAPI

from app.actions.propagate import PropagateOptions
from app.bumps.propagation import Propagation, Release
from app.bumps.release_summary import CHECK_NAME, summary_content
from app.config.model import Config, Rule
from app.config.triggers import is_release_only
from app.engine.condition_types import StaticFacts
from app.engine.evaluate import evaluate_rules
from app.engine.pull_evaluation import wakeup_from
from app.github.checks import publish_check_run
from app.github.errors import RescheduleRequired
from app.store.deliveries import load_deliveries
from app.store.queue import Claim
from app.worker.context import Outcome, WorkContext


async def propagate_release(claim: Claim, context: WorkContext) -> Outcome:
    ref = claim.ref
    if ref.installation_id is None or ref.repository is None or ref.name is None:
        return Outcome("skipped", "no installation in the events: paasbot cannot act for it")
    api = context.github.installation(ref.installation_id)
    loaded = await context.engine.config.load(api, ref.repository)
    if loaded.config is None:
        return Outcome("skipped", "the configuration is invalid: its problems are on PR checks")
    async with context.db.reader() as conn:
        deliveries = await load_deliveries(conn, [event.delivery_id for event in claim.events])
    events = wakeup_from(deliveries).events
    if not any(rule.triggers & events for rule in release_rules(loaded.config)):
        # Most release events (created, edited, a rule on published only) end here, unread.
        return Outcome("no_rule", "no release rule runs on these events")
    release = await _published_release(api, ref.repository, ref.name)
    if release is None:
        return Outcome("skipped", f"no published release {ref.name} (deleted, or a draft)")
    actions = _matched_actions(loaded.config, release, ref.repository, events, context)
    if not actions:
        return Outcome("no_rule", "no release rule matched")
    tag_sha = await _tag_commit(api, ref.repository, ref.name)
    continues: list[float] = []
    shown: list[str] = []
    for rule, options in actions:
        view = await Propagation(
            api,
            context.db,
            ref.installation_id,
            Release(ref.repository, ref.name, release.get("body"), release.get("html_url"),
                    bool(release.get("prerelease"))),
            options,
            context.now,
            dry_run=loaded.config.dry_run,
        ).run()  # fmt: skip
        name = CHECK_NAME if len(actions) == 1 else f"{CHECK_NAME}: {rule.name}"
        content = summary_content(view, name)
        await publish_check_run(context.db, api, ref.repository, tag_sha, content, context.now())
        shown.append(content.title)
        if view.continues_at is not None:
            continues.append(view.continues_at)
    if continues:
        at = min(continues)
        raise RescheduleRequired(at, f"PRs per minute reached; continuing at {_clock(at)}")
    return Outcome("propagated", "; ".join(shown))


async def _published_release(api: GitHubAPI, repository: str, tag: str) -> dict[str, Any] | None:
    """The release as GitHub has it now (an event may be old); None when gone or a draft."""
    try:
        release = await api.getitem(
            "/repos/{+repository}/releases/tags/{tag}",
            url_vars={"repository": repository, "tag": tag},
        )
    except BadRequest as error:
        if error.status_code == 404:
            return None
        raise
    return None if release.get("draft") else release


def release_rules(config: Config) -> list[Rule]:
    return [rule for rule in config.rules if is_release_only(rule.triggers)]


def _matched_actions(
    config: Config,
    release: dict[str, Any],
    repository: str,
    events: frozenset[str],
    context: WorkContext,
) -> list[tuple[Rule, PropagateOptions]]:
    facts = StaticFacts(
        {
            "tag": release.get("tag_name"),
            "prerelease": bool(release.get("prerelease")),
            "repository": repository,
        }
    )
    now = datetime.fromtimestamp(context.now(), UTC)
    results = evaluate_rules(release_rules(config), facts, events, now)
    return [
        (result.rule, spec.options)
        for result in results
        if result.matched
        for spec in result.rule.actions
        if isinstance(spec.options, PropagateOptions)
    ]


async def _tag_commit(api: GitHubAPI, repository: str, tag: str) -> str:
    commit = await api.getitem(
        "/repos/{+repository}/commits/{+ref}",
        url_vars={"repository": repository, "ref": f"tags/{tag}"},
    )
    return str(commit["sha"])


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%H:%M:%S UTC")
