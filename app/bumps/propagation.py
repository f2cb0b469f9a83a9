"""One release propagated by one `propagate` action: the dependents found once and recorded, then
each pending one bumped in turn, its outcome recorded as soon as it is known. A crash (or a pause
for the per-minute limit) resumes with the dependents still pending, and GitHub's state (the
deterministic branch, the PR's marker, paasbot's commit trailer) keeps a dependent whose outcome
was not recorded from getting a second PR."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gidgethub import BadRequest, RateLimitExceeded
from gidgethub.abc import GitHubAPI

from app.actions.propagate import PropagateOptions
from app.bumps import pr_text
from app.bumps.dependent_plan import (
    DependentPlan,
    Verdict,
    file_changes,
    plan_dependent,
    refused_notes,
)
from app.bumps.dependents import DependentsQuery, find_dependents
from app.bumps.existing import Decision, DecisionKind, decide
from app.bumps.pull_io import (
    BranchTaken,
    add_labels,
    close_superseded,
    commit_message,
    find_bump_pulls,
    open_pull,
    point_branch,
    write_bump_commit,
)
from app.bumps.release_summary import ReleaseView, TargetLine
from app.bumps.repo_reader import read_manifests, repository_facts
from app.bumps.version_tag import TagError, version_from_tag
from app.github.pacing import WINDOW_SECONDS, PaceReached, check_pace
from app.store.db import Database
from app.store.ledger import record_action
from app.store.manifest_cache import load_scan
from app.store.propagations import (
    add_targets,
    finish_propagation,
    load_targets,
    pulls_opened_since,
    record_target,
    start_propagation,
)

RETRIED = frozenset({"pending", "failed"})


@dataclass(frozen=True)
class Release:
    repository: str
    tag: str
    body: str | None = None
    html_url: str | None = None
    prerelease: bool = False


@dataclass
class Propagation:
    api: GitHubAPI
    db: Database
    installation_id: int
    release: Release
    options: PropagateOptions
    clock: Callable[[], float]
    dry_run: bool = False
    lines: dict[str, TargetLine] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def package(self) -> str:
        return self.options.display_name

    @property
    def record_key(self) -> str:
        """The propagation's record: the package and where this action looks for dependents,
        so two rules propagating one package to different repositories each keep (and report)
        their own targets instead of the second finding the first's record."""
        where = [f"to={','.join(sorted(name.lower() for name in self.options.to))}"]
        if self.options.topics:
            where.append(f"topics={','.join(sorted(self.options.topics))}")
        if self.options.discover:
            where.append("discover")
        return f"{self.options.package_key} {' '.join(where)}"

    async def run(self) -> ReleaseView:
        try:
            version = version_from_tag(self.release.tag, self.options.tag_pattern)
        except TagError as error:
            return ReleaseView(self.package, "", self.release.tag, (), problem=str(error))
        propagation_id = await self._start(version)
        continues_at = None
        try:
            for repository, line in list(self.lines.items()):
                if line.status in RETRIED:
                    await self._bump(propagation_id, repository, version)
        except PaceReached as paused:
            continues_at = paused.at
        else:
            if not self.dry_run:
                async with self.db.transaction() as conn:
                    await finish_propagation(conn, propagation_id, self.clock())
        targets = tuple(self.lines.values())
        return ReleaseView(
            self.package, version, self.release.tag, targets, continues_at, notes=self.notes
        )

    async def _start(self, version: str) -> int:
        """The propagation's record, with its dependents found the first time."""
        now = self.clock()
        if self.dry_run:
            found = await self._dependents(version, now)
            self.lines = {name: TargetLine(name, "pending") for name in found}
            return 0
        async with self.db.transaction() as conn:
            key = self.record_key
            propagation_id = await start_propagation(
                conn, self.installation_id, self.release.repository, self.release.tag, key,
                version, now,
            )  # fmt: skip
            rows = await load_targets(conn, propagation_id)
        if not rows:
            found = await self._dependents(version, now)
            async with self.db.transaction() as conn:
                await add_targets(conn, propagation_id, found, now)
                rows = await load_targets(conn, propagation_id)
        self.lines = {
            row.repository: TargetLine(
                row.repository, row.status, row.detail, row.pull_url, row.pull_number
            )
            for row in rows
        }
        return propagation_id

    async def _dependents(self, version: str, now: float) -> list[str]:
        query = DependentsQuery(
            self.release.repository,
            self.options.to,
            self.options.topics,
            self.options.discover,
            self.options.packages(),
            version,
        )
        found = await find_dependents(self.api, self.db, self.installation_id, query, now)
        for name, answer in found.unreadable.items():
            self.notes.append(f"Discovery could not read `{name}`: {answer}.")
        return list(found.repositories)

    async def _bump(self, propagation_id: int, repository: str, version: str) -> None:
        if not self.dry_run:
            # At the limit already: wait before reading this dependent, not after (its reads
            # would be made again when the propagation resumes).
            await self._pace()
        try:
            line = await self._bump_one(propagation_id, repository, version)
        except BranchTaken as taken:
            line = TargetLine(repository, "skipped", str(taken))
        except BadRequest as error:
            if isinstance(error, RateLimitExceeded):
                raise
            line = TargetLine(repository, "failed", _refusal(error))
        await self._record(propagation_id, line)

    async def _bump_one(self, propagation_id: int, repository: str, version: str) -> TargetLine:
        try:
            facts = await repository_facts(self.api, repository)
        except BadRequest as error:
            if error.status_code == 404:
                return TargetLine(repository, "skipped", "not found, or paasbot is not on it")
            raise
        if facts.get("archived"):
            return TargetLine(repository, "skipped", "archived")
        base = facts["default_branch"]
        manifests = await read_manifests(self.api, repository, base, await self._known(repository))
        plan = plan_dependent(
            manifests.files, manifests.paths, self.options.packages(), version,
            manifests.compiled,
        )  # fmt: skip
        if plan.verdict is not Verdict.BUMP:
            return TargetLine(repository, "skipped", plan.reason)
        branch = pr_text.branch_name(self.package, version)
        pulls = await find_bump_pulls(self.api, repository, self.package, branch)
        decision = decide(pulls, self.package, version)
        if decision.kind is DecisionKind.ALREADY_OPEN and decision.pull is not None:
            pull = decision.pull
            # An earlier attempt opened it and failed before it finished (a crash, or an answer
            # GitHub lost): finish what it left, the labels and the older PRs' closing.
            await add_labels(self.api, repository, pull.number, self.options.labels, pull.labels)
            await self._supersede(repository, decision, pull.number, version, retried=True)
            return TargetLine(repository, "existing", decision.reason, pull.html_url, pull.number)
        if decision.kind is not DecisionKind.OPEN:
            return TargetLine(repository, "skipped", decision.reason)
        if self.dry_run:
            return TargetLine(repository, "skipped", f"dry run: would open a PR ({plan.reason})")
        await self._pace()
        pull = await self._open(repository, base, manifests.commit_sha, manifests.tree_sha, plan)
        detail = _opened_detail(plan, decision)
        line = TargetLine(repository, "opened", detail, pull["html_url"], pull["number"])
        await self._ledger(repository, pull["number"], "propagate")
        await add_labels(self.api, repository, pull["number"], self.options.labels)
        await self._supersede(repository, decision, pull["number"], version)
        # Recorded once labelled and the older PRs closed: until then the dependent is retried,
        # and the retry finds this PR already open (never opens another) and finishes the rest.
        await self._record(propagation_id, line, opened=True)
        return line

    async def _open(
        self, repository: str, base: str, commit: str, tree: str, plan: DependentPlan
    ) -> dict[str, Any]:
        version = plan.version
        source = self.release.repository
        message = commit_message(self.package, version, f"{source} {self.release.tag}")
        sha = await write_bump_commit(self.api, repository, commit, tree, plan.edits, message)
        branch = pr_text.branch_name(self.package, version)
        await point_branch(self.api, repository, branch, sha, self.package, version)
        body = pr_text.body(
            self.package,
            version,
            source,
            self.release.html_url,
            self.release.body,
            file_changes(plan),
            plan.lockfile_notes,
            refused_notes(plan),
        )
        title = pr_text.title(self.package, version)
        return await open_pull(self.api, repository, branch, base, title, body)

    async def _known(self, repository: str) -> dict[str, str]:
        """Manifest texts by blob sha from the discovery cache: a blob's sha names its content,
        so even a stale scan's texts are right for the blobs that did not change."""
        async with self.db.reader() as conn:
            scan = await load_scan(conn, repository)
        if scan is None:
            return {}
        return {sha: scan.files[path] for path, sha in scan.blob_shas.items()}

    async def _supersede(
        self,
        repository: str,
        decision: Decision,
        number: int,
        version: str,
        *,
        retried: bool = False,
    ) -> None:
        if self.dry_run:
            return
        for old in decision.supersede:
            await close_superseded(self.api, repository, old, number, version, maybe_said=retried)
            await self._ledger(repository, old.number, "supersede")

    async def _ledger(self, repository: str, number: int, action: str) -> None:
        """A PR opened or closed, in the insights ledger."""
        async with self.db.transaction() as conn:
            await record_action(
                conn, repository=repository, number=number, action=action, outcome="done",
                at=self.clock(), installation_id=self.installation_id,
            )  # fmt: skip

    async def _pace(self) -> None:
        now = self.clock()
        async with self.db.reader() as conn:
            opened = await pulls_opened_since(conn, self.installation_id, now - WINDOW_SECONDS)
        check_pace(opened, now, self.options.max_prs_per_minute)

    async def _record(self, propagation_id: int, line: TargetLine, *, opened: bool = False) -> None:
        self.lines[line.repository] = line
        if self.dry_run:
            return
        async with self.db.transaction() as conn:
            await record_target(
                conn,
                propagation_id,
                line.repository,
                line.status,
                line.detail,
                pull_number=line.pull_number,
                pull_url=line.pull_url,
                opened=opened,
                now=self.clock(),
            )


def _opened_detail(plan: DependentPlan, decision: Decision) -> str:
    detail = plan.reason
    if decision.supersede:
        detail += "; supersedes " + ", ".join(f"#{pull.number}" for pull in decision.supersede)
    if decision.keep:
        kept = ", ".join(f"#{pull.number}" for pull in decision.keep)
        detail += f"; {kept} left open (edited by a person)"
    return detail


def _refusal(error: BadRequest) -> str:
    message = str(error.args[0]) if error.args else ""
    return f"GitHub answered {error.status_code}" + (f": {message}" if message else "")
