"""What `/paasbot merge` and `/paasbot update` do beyond waking rules with `on: [command.…]`.

- `/paasbot merge` puts the PR in its base branch's merge queue, as asked by its author: the
  rule with the `merge` action then carries it out (its options say how) even while its
  conditions do not hold; branch protection still applies. Without such a rule there is nothing
  to merge with, and the summary says so.
- `/paasbot update` brings the PR's branch up to date with its base (GitHub's update-branch,
  a merge), unless a rule runs on `command.update` (then that rule decides how).

In a dry run both only say what they would do."""

from __future__ import annotations

from collections.abc import Sequence

from gidgethub import BadRequest, RateLimitExceeded

from app.actions.base import PullTarget
from app.actions.update_branch import branch_updater
from app.config.model import Rule
from app.engine.commands import CommandRequest
from app.store.merge_queue import join_queue


async def carry_out_commands(
    target: PullTarget,
    rules: Sequence[Rule],
    accepted: Sequence[CommandRequest],
    *,
    dry_run: bool,
    now: float,
) -> list[str]:
    notes: list[str] = []
    for request in accepted:
        if request.name == "merge":
            notes.append(await _merge(target, rules, request, dry_run, now))
        elif request.name == "update" and not _rules_run_on(rules, "command.update"):
            notes.append(await _update(target, request, dry_run))
    return notes


def _rules_run_on(rules: Sequence[Rule], event: str) -> bool:
    return any(event in rule.triggers or "command" in rule.triggers for rule in rules)


async def _merge(
    target: PullTarget, rules: Sequence[Rule], request: CommandRequest, dry_run: bool, now: float
) -> str:
    if not any(spec.name == "merge" for rule in rules for spec in rule.actions):
        return (
            f"@{request.author}: `/paasbot merge` needs a rule with the `merge` action in"
            " `.paasbot.yml` (its options say how to merge)."
        )
    pull = await target.snapshot.pull()
    base = str(pull["base"]["ref"])
    if dry_run:
        return f"@{request.author} asked to merge: #{target.number} would join the `{base}` queue."
    async with target.db.transaction() as conn:
        await join_queue(
            conn,
            target.repository,
            target.number,
            base,
            priority=0,
            now=now,
            requested_by=request.author,
        )
    return f"@{request.author} asked to merge: #{target.number} is in the `{base}` merge queue."


async def _update(target: PullTarget, request: CommandRequest, dry_run: bool) -> str:
    pull = await target.snapshot.pull()
    base = str(pull["base"]["ref"])
    behind = await target.snapshot.commits_behind()
    if not behind:
        return f"@{request.author}: the branch is already up to date with `{base}`."
    if dry_run:
        return f"@{request.author}: the branch would be updated with `{base}`."
    try:
        await branch_updater(target, pull, "merge")()
    except BadRequest as error:
        if isinstance(error, RateLimitExceeded):
            raise
        message = error.args[0] if error.args else ""
        return (
            f"@{request.author}: the branch could not be updated with `{base}`: GitHub answered"
            f" {error.status_code}" + (f": {message}" if message else "")
        )
    return f"@{request.author}: updated the branch with `{base}` ({behind} commit(s) behind)."
