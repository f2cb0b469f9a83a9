"""`paasbot simulate`: what paasbot would do on a pull request, without doing any of it.

The PR is evaluated by the worker's own `PullEvaluation` in simulation mode (same configuration,
memory, facts, rules and action plans), with the live configuration or a given file's text, and
nothing is written anywhere: no check run, comment, label, review request, merge or reaction on
GitHub, no memory, merge queue place, review ledger entry or known check run in the database.
Besides the engine's own guards (`PullTarget.simulation`, the executor's `simulation`), the
GitHub client and the database handle given to it refuse every write (`SimulationWrite`), so a
write path missed by those guards fails the simulation instead of acting.

Used by the CLI (`paasbot simulate owner/repo#123`) and the server
(`POST /api/simulate/{owner}/{repo}/{number}`)."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from cachetools import LRUCache
from gidgethub import BadRequest
from sqlalchemy.ext.asyncio import AsyncConnection

from app.actions.base import PullTarget
from app.config.loader import FetchedFile, LoadedConfig, load_at_ref
from app.config.problems import Problem
from app.engine.conditions import FactValue, GroupOutcome, LeafOutcome, Outcome
from app.engine.execute import ActionReport
from app.engine.permissions import PermissionCache
from app.engine.pull_evaluation import PullEvaluation, Wakeup
from app.engine.services import EngineServices
from app.engine.snapshot import PullRequestSnapshot
from app.engine.summary import SummaryView, is_unconfigured, summary_content
from app.engine.teams import TeamCache
from app.github.checks import CheckRunContent
from app.github.client import GitHubApp, InstallationAPI
from app.merging.protection import ProtectionCache
from app.store.db import Database

GIVEN_CONFIG_NAME = ".paasbot.yml"
_READS = frozenset({"GET", "HEAD"})


class SimulationWrite(RuntimeError):
    """Something tried to write during a simulation (a bug: the simulation stops)."""


class SimulationRefused(Exception):
    """The PR cannot be simulated: `status` is the HTTP answer that says why (404: no such PR, or
    the app is not installed there; 422: the given configuration is invalid, see `problems`)."""

    def __init__(self, status: int, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.problems = problems


class ReadOnlyAPI(InstallationAPI):
    """An installation's client that sends reads only (GraphQL queries are reads too)."""

    async def _request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes = b""
    ) -> tuple[int, Mapping[str, str], bytes]:
        if method not in _READS and not _graphql_query(url, body):
            raise SimulationWrite(f"a simulation does not write to GitHub: {method} {url}")
        return await super()._request(method, url, headers, body)


def _graphql_query(url: str, body: bytes) -> bool:
    if not url.rstrip("/").endswith("/graphql"):
        return False
    try:
        query = json.loads(body or b"{}").get("query", "")
    except (ValueError, AttributeError):
        return False
    return isinstance(query, str) and not query.lstrip().startswith("mutation")


class ReadOnlyDatabase(Database):
    """The same engines as `db`, but `transaction()` refuses: a simulation only reads."""

    def __init__(self, db: Database) -> None:  # shares db's engines, owns nothing
        self.__dict__.update(db.__dict__)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        raise SimulationWrite("a simulation does not write to the database")
        yield  # pragma: no cover (a generator, for the context manager)

    async def close(self) -> None:
        """The database belongs to its owner, who closes it."""


def read_only_api(github: GitHubApp, installation_id: int) -> ReadOnlyAPI:
    return ReadOnlyAPI(
        github.tokens,
        session=github.session,
        base_url=github.base_url,
        counter=github.counter,
        policy=github.policy,
        installation_id=installation_id,
        cache=LRUCache(maxsize=github.policy.etag_cache_entries),
        clock=github.clock,
    )


@dataclass(frozen=True)
class Simulation:
    repository: str
    number: int
    head_sha: str
    state: str  # open, closed or merged
    config: str  # "live", or the given file's name
    view: SummaryView
    # The `paasbot` check run as it would be written; None: none would be (no configuration).
    summary: CheckRunContent | None

    def as_json(self) -> dict[str, Any]:
        view = self.view
        return {
            "repository": self.repository,
            "number": self.number,
            "head_sha": self.head_sha,
            "state": self.state,
            "config": {
                "source": self.config,
                "files": list(view.files),
                "valid": not view.problems,
                "problems": [problem_json(problem) for problem in view.problems],
                "dry_run": view.dry_run,
            },
            "notes": list(view.notes),
            "rules": [
                {
                    "name": result.rule.name,
                    "matched": result.matched,
                    "woken": result.triggered,
                    "on": sorted(result.rule.triggers),
                    "conditions": _conditions_json(result.outcome),
                    "actions": [
                        _action_json(report)
                        for report in view.reports
                        if report.rule == result.rule.name
                    ],
                }
                for result in view.results
            ],
            "summary": None
            if self.summary is None
            else {
                "name": self.summary.name,
                "title": self.summary.title,
                "conclusion": self.summary.conclusion,
                "markdown": self.summary.summary,
            },
        }


def problem_json(problem: Problem) -> dict[str, Any]:
    return {
        "file": problem.file,
        "line": problem.line,
        "column": problem.column,
        "message": problem.message,
    }


def _conditions_json(outcome: Outcome | None) -> list[dict[str, Any]]:
    if outcome is None:
        return []
    if isinstance(outcome, GroupOutcome) and outcome.kind == "all":
        return [_outcome_json(child) for child in outcome.children]
    return [_outcome_json(outcome)]


def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    if isinstance(outcome, LeafOutcome):
        condition = outcome.condition
        name = condition.attribute.name
        return {
            "condition": condition.text.strip(),
            # None: not read, the rule's other conditions decide it.
            "holds": outcome.holds if outcome.read else None,
            "attribute": f"#{name}" if condition.count else name,
            "value": _value_json(outcome.seen),
        }
    return {
        outcome.kind: [_outcome_json(child) for child in outcome.children],
        "holds": outcome.holds if outcome.read else None,
    }


def _value_json(value: FactValue) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return value


def _action_json(report: ActionReport) -> dict[str, Any]:
    return {
        "action": report.action,
        "status": report.status,
        "detail": report.detail,
        # What it would change, were paasbot to evaluate the PR now (nothing was changed).
        "changes": list(report.changes),
    }


async def installation_of(github: GitHubApp, repository: str) -> int:
    """`GET /repos/{owner}/{repo}/installation`, as the app (its JWT)."""
    try:
        found = await github.as_app().getitem(
            "/repos/{+repository}/installation",
            url_vars={"repository": repository},
            jwt=github.jwt.get(),
        )
    except BadRequest as error:
        if error.status_code == 404:
            raise SimulationRefused(
                404, f"paasbot is not installed on {repository} (or there is no such repository)"
            ) from None
        _refused(error, f"reading the installation of {repository}")
    return int(found["id"])


async def given_config(
    api: InstallationAPI,
    repository: str,
    text: str | bytes,
    readable: tuple[str, ...],
    name: str = GIVEN_CONFIG_NAME,
) -> LoadedConfig:
    """`text` as the repository's configuration file, with the org defaults and what it extends
    (as the `paasbot/config` check reads a PR's version: only what the live configuration reads,
    `readable`); SimulationRefused (422) with every problem when the result is invalid or extends
    another repository."""
    raw = text.encode() if isinstance(text, str) else text
    loaded = await load_at_ref(api, repository, FetchedFile(name, raw, ""), readable)
    if loaded.withheld:
        count = len(loaded.withheld)
        raise SimulationRefused(
            422,
            f"the configuration extends {count} repositor{'y' if count == 1 else 'ies'} that the"
            " live configuration does not: a simulation reads no other repository",
            (*loaded.problems, *loaded.withheld),
        )
    if loaded.problems:
        count = len(loaded.problems)
        raise SimulationRefused(
            422,
            f"the configuration is invalid: {count} problem{'s' if count != 1 else ''}",
            loaded.problems,
        )
    return loaded


async def simulate_pull(
    github: GitHubApp,
    db: Database,
    repository: str,
    number: int,
    *,
    own_app_id: int,
    config_text: str | bytes | None = None,
    config_name: str = GIVEN_CONFIG_NAME,
    now: float | None = None,
) -> Simulation:
    """What an evaluation of `repository#number` would do now (the live configuration, or
    `config_text`), with nothing written. SimulationRefused when it cannot be simulated."""
    installation_id = await installation_of(github, repository)
    api = read_only_api(github, installation_id)
    snapshot = PullRequestSnapshot(api, repository, number)
    try:
        pull = await snapshot.pull()
    except BadRequest as error:
        if error.status_code == 404:
            raise SimulationRefused(404, f"{repository} has no pull request #{number}") from None
        _refused(error, f"reading {repository}#{number}")
    # Spelled as GitHub spells it, as the worker's subject key (and the PR's memory) is.
    repository = str(pull["base"]["repo"]["full_name"])
    read_only = ReadOnlyDatabase(db)
    moment = time.time() if now is None else now
    services = EngineServices.create(read_only, lambda: moment, own_app_id)
    given = None
    if config_text is not None:
        live = await services.config.load(api, repository)
        given = await given_config(api, repository, config_text, live.dependencies, config_name)
    target = PullTarget(
        api,
        read_only,
        snapshot,
        repository,
        number,
        str(pull["head"]["sha"]),
        TeamCache(),
        PermissionCache(),
        ProtectionCache(),
        simulation=True,
    )
    evaluation = PullEvaluation(
        target, services, read_only, f"{repository}#{number}", Wakeup(), moment, simulation=True
    )
    state = "merged" if pull.get("merged") else str(pull.get("state"))
    if state != "open":
        evaluation.notes.append(
            f"#{number} is {state}: paasbot evaluates a pull request once more when it closes,"
            " then no more."
        )
    view, _memory = await evaluation.evaluate(given)
    return Simulation(
        repository,
        number,
        target.head_sha,
        state,
        "live" if given is None else config_name,
        view,
        None if is_unconfigured(view) else summary_content(view),
    )


def _refused(error: BadRequest, doing: str) -> NoReturn:
    message = error.args[0] if error.args else ""
    raise SimulationRefused(
        502, f"GitHub answered {error.status_code} {doing}" + (f": {message}" if message else "")
    ) from None


# The readable report (the CLI's)

_STATUS = {
    "done": "done",
    "would": "would (dry run)",
    "waiting": "waiting",
    "failed": "failed",
    "skipped": "not run",
    "stopped": "stopped",
    "unavailable": "not available",
}


def report_text(simulation: Simulation) -> str:
    """What each rule would do, for a terminal."""
    view = simulation.view
    source = "the live configuration" if simulation.config == "live" else simulation.config
    lines = [
        f"{simulation.repository}#{simulation.number} at {simulation.head_sha[:12]}"
        f" ({simulation.state}), with {source}"
        + (f": {', '.join(view.files)}" if view.files else ""),
        "Nothing was changed: this is what paasbot would do if it evaluated the PR now.",
    ]
    if view.dry_run:
        lines.append("The configuration is a dry run: paasbot itself would change nothing either.")
    lines += [f"note: {note}" for note in view.notes]
    if view.problems:
        lines.append("The configuration is invalid; paasbot runs no rule:")
        lines += [f"  {problem}" for problem in view.problems]
    elif not view.files:
        lines.append("No configuration: paasbot runs no rule on this repository.")
    for result in view.results:
        mark = (
            "MATCH" if result.matched else ("NOT WOKEN" if result.conditions_hold else "NO MATCH")
        )
        lines += ["", f"[{mark}] {result.rule.name}"]
        if result.rule.triggers:
            woken = "woken" if result.triggered else "not woken: a simulation has no event"
            lines.append(f"  on {', '.join(sorted(result.rule.triggers))} ({woken})")
        conditions = _conditions_json(result.outcome)
        lines += [line for item in conditions for line in _condition_lines(item, 1)] or [
            "  (no conditions)"
        ]
        for report in view.reports:
            if report.rule != result.rule.name:
                continue
            status = _STATUS.get(report.status, report.status)
            if report.status == "done":
                status = "would act" if report.changes else "nothing to change"
            head = f"  -> {report.action}: {status}"
            lines.append(head + (f" — {report.detail}" if report.detail else ""))
            lines += [f"       would: {change}" for change in report.changes]
    summary = simulation.summary
    if summary is None:
        lines += ["", "No summary check: paasbot writes none where no configuration applies."]
    else:
        lines += [
            "",
            f"Summary check `{summary.name}` ({summary.conclusion}): {summary.title}",
            "",
            summary.summary,
        ]
    return "\n".join(lines) + "\n"


def _condition_lines(item: dict[str, Any], depth: int) -> list[str]:
    indent = "  " * depth
    mark = "✓" if item["holds"] else "✗"
    if "condition" in item:
        seen = json.dumps(item["value"], ensure_ascii=False)
        return [f"{indent}{mark} {item['condition']}  ({item['attribute']}: {seen})"]
    kind = next(key for key in ("all", "any", "not") if key in item)
    lines = [f"{indent}{mark} {kind} of:"]
    for child in item[kind]:
        lines += _condition_lines(child, depth + 1)
    return lines
