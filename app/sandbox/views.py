"""A read-only HTML view of the simulated GitHub, for a person watching `paasbot demo`.

Served by the simulator's application outside the API root, without authentication, GET only:

- ``/``: the installations, their repositories with open and closed pull request counts, and
  the latest events;
- ``/{owner}/{repo}``: branches, pull requests and releases;
- ``/{owner}/{repo}/pull/{number}``: one pull request with its conversation, files, statuses,
  check runs and timeline;
- ``/events``: every published event, newest first, a hundred a page.

View requests are not API traffic: the simulator's pipeline (request log, faults, rate limits)
and the conformance checker let them through untouched (`is_view_request`). Every template is
autoescaped, and nothing user-controlled becomes a link (a ``javascript:`` URL would survive
escaping).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined

from app.sandbox.context import STATE_KEY
from app.sandbox.events import SimEvent
from app.sandbox.models import (
    CheckRun,
    CommitStatus,
    Installation,
    IssueComment,
    Label,
    PullRequest,
    Release,
    Repository,
    Review,
)
from app.sandbox.ops.diffs import FileDiff, pull_diff
from app.sandbox.ops.issues import comments_on
from app.sandbox.ops.protection import mergeable_state
from app.sandbox.ops.releases import releases_in
from app.sandbox.ops.statuses import combined_state, latest_per_context, statuses_for
from app.sandbox.state import SimulatedGitHub
from app.sandbox.timefmt import iso8601

ROUTE_NAME_PREFIX = "sandbox-view"
RECENT_EVENTS = 20
EVENTS_PER_PAGE = 100
SHORT_SHA = 7
# Owner names never start the API root: /api/v3 stays GitHub's JSON 404 and a violation.
OWNER = "{owner:(?!api/)[^/]+}"
SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
}
TEMPLATES_KEY = web.AppKey("sandbox_view_templates", Environment)


# --- routing ----------------------------------------------------------------------------------


def add_view_routes(app: web.Application) -> None:
    """Registers the HTML view (after the API routes, which keep precedence)."""
    app[TEMPLATES_KEY] = template_environment()
    routes = (
        ("/", index, "index"),
        ("/events", events_page, "events"),
        (f"/{OWNER}/{{repo}}", repository_page, "repository"),
        (f"/{OWNER}/{{repo}}/pull/{{number:\\d+}}", pull_page, "pull"),
    )
    for path, handler, name in routes:
        app.router.add_get(path, handler, name=f"{ROUTE_NAME_PREFIX}.{name}")


def is_view_request(request: web.Request) -> bool:
    """Whether a view route answers the request. Anything else, including unrouted paths outside
    the API root, still goes through the API pipeline."""
    name = request.match_info.route.name
    return name is not None and name.startswith(ROUTE_NAME_PREFIX + ".")


def template_environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("app.sandbox", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["when"] = when
    environment.filters["moment"] = moment
    environment.filters["short"] = short_sha
    return environment


# --- handlers ---------------------------------------------------------------------------------


async def index(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    return render(
        request,
        "index.html",
        installations=[installation_row(state, item) for item in state.installations.values()],
        uninstalled=[repository_row(state, item) for item in uninstalled_repositories(state)],
        events=event_rows(newest_first(state)[:RECENT_EVENTS]),
        total_events=len(state.published),
    )


async def events_page(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    events = newest_first(state)
    pages = max(1, math.ceil(len(events) / EVENTS_PER_PAGE))
    page = requested_page(request.query.get("page", "1"), pages)
    if page is None:
        return not_found(request, f"There is no such page of events (pages 1 to {pages}).")
    start = (page - 1) * EVENTS_PER_PAGE
    return render(
        request,
        "events.html",
        events=event_rows(events[start : start + EVENTS_PER_PAGE]),
        page=page,
        pages=pages,
        total_events=len(events),
    )


async def repository_page(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    repository = find_repository(state, request.match_info)
    if repository is None:
        return not_found(request, "There is no such repository.")
    pulls = sorted(state.pulls_in(repository.full_name), key=lambda pull: pull.number)
    return render(
        request,
        "repository.html",
        repository=repository,
        branches=sorted(repository.branches.items(), key=branch_order(repository)),
        open_pulls=[pull_row(state, pull) for pull in pulls if pull.state == "open"],
        closed_pulls=[pull_row(state, pull) for pull in pulls if pull.state == "closed"],
        releases=releases_in(state, repository, drafts=True),
    )


async def pull_page(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    repository = find_repository(state, request.match_info)
    number = int(request.match_info["number"])
    pull = None if repository is None else state.find_pull(repository.full_name, number)
    if repository is None or pull is None:
        return not_found(request, "There is no such pull request.")
    return render(request, "pull.html", **pull_context(state, repository, pull))


# --- rendering --------------------------------------------------------------------------------


def render(
    request: web.Request, template: str, *, status: int = 200, **values: Any
) -> web.Response:
    html = request.app[TEMPLATES_KEY].get_template(template).render(**values)
    response = web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
    response.headers.update(SECURITY_HEADERS)
    return response


def not_found(request: web.Request, message: str) -> web.Response:
    return render(request, "not_found.html", status=404, message=message, path=request.path)


def when(epoch: float | None) -> str:
    return "—" if epoch is None else iso8601(epoch)


def moment(epoch: float) -> str:
    """An event's time, to the millisecond: many happen within the same second."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def short_sha(sha: str | None) -> str:
    return "" if sha is None else sha[:SHORT_SHA]


def repository_href(full_name: str) -> str:
    owner, _, name = full_name.partition("/")
    return f"/{quote(owner, safe='')}/{quote(name, safe='')}"


def pull_href(pull: PullRequest) -> str:
    return f"{repository_href(pull.repo_full_name)}/pull/{pull.number}"


# --- the index --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepositoryRow:
    full_name: str
    href: str
    default_branch: str
    private: bool
    open_pulls: int
    closed_pulls: int


@dataclass(frozen=True)
class InstallationRow:
    id: int
    account: str
    account_type: str
    repository_selection: str
    repositories: list[RepositoryRow]


def installation_row(state: SimulatedGitHub, installation: Installation) -> InstallationRow:
    found = (state.find_repository(name) for name in installation.repositories)
    account = state.accounts.get(installation.account.lower())
    return InstallationRow(
        id=installation.id,
        account=installation.account,
        account_type=account.type if account is not None else "",
        repository_selection=installation.repository_selection,
        repositories=[repository_row(state, item) for item in found if item is not None],
    )


def uninstalled_repositories(state: SimulatedGitHub) -> list[Repository]:
    """Repositories no installation covers any more (removed from their installation)."""
    return [item for item in state.repositories.values() if state.installation_for(item) is None]


def repository_row(state: SimulatedGitHub, repository: Repository) -> RepositoryRow:
    pulls = state.pulls_in(repository.full_name)
    opened = sum(pull.state == "open" for pull in pulls)
    return RepositoryRow(
        full_name=repository.full_name,
        href=repository_href(repository.full_name),
        default_branch=repository.default_branch,
        private=repository.private,
        open_pulls=opened,
        closed_pulls=len(pulls) - opened,
    )


# --- events -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventRow:
    at: float
    label: str
    sender: str
    repository: str | None
    subject: str
    href: str | None


def newest_first(state: SimulatedGitHub) -> list[SimEvent]:
    return list(reversed(state.published))


def requested_page(raw: str, pages: int) -> int | None:
    if not raw.isdigit() or not 1 <= int(raw) <= pages:
        return None
    return int(raw)


def event_rows(events: Iterable[SimEvent]) -> list[EventRow]:
    return [
        EventRow(
            at=event.at,
            label=event.label,
            sender=event.sender,
            repository=event.repository,
            subject=describe_subject(event),
            href=event_href(event),
        )
        for event in events
    ]


def pull_of(event: SimEvent) -> PullRequest | None:
    """The pull request an event is about: its subject, or the ``pull`` of its details."""
    for candidate in (event.subject, event.details.get("pull")):
        if isinstance(candidate, PullRequest):
            return candidate
    return None


def concerns(event: SimEvent, pull: PullRequest) -> bool:
    return event.subject is pull or any(value is pull for value in event.details.values())


def event_href(event: SimEvent) -> str | None:
    pull = pull_of(event)
    if pull is not None:
        return pull_href(pull)
    return None if event.repository is None else repository_href(event.repository)


def describe_subject(event: SimEvent) -> str:
    describe = SUBJECT_DESCRIPTIONS.get(type(event.subject))
    if describe is not None:
        return describe(event.subject, event.details)
    return describe_details(event)


def _pull_request(pull: PullRequest, _details: Mapping[str, Any]) -> str:
    return f"#{pull.number} {pull.title}"


def _review(review: Review, details: Mapping[str, Any]) -> str:
    pull = details.get("pull")
    on = f" on #{pull.number}" if isinstance(pull, PullRequest) else ""
    return f"review {review.state} by {review.user}{on}"


def _comment(comment: IssueComment, _details: Mapping[str, Any]) -> str:
    return f"comment by {comment.user} on #{comment.issue_number}"


def _status(status: CommitStatus, _details: Mapping[str, Any]) -> str:
    return f"status {status.context} {status.state} on {short_sha(status.sha)}"


def _check_run(run: CheckRun, _details: Mapping[str, Any]) -> str:
    outcome = run.status if run.conclusion is None else f"{run.status} {run.conclusion}"
    return f"check run {run.name} {outcome} on {short_sha(run.head_sha)}"


def _release(release: Release, _details: Mapping[str, Any]) -> str:
    return f"release {release.tag_name}"


def _label(label: Label, _details: Mapping[str, Any]) -> str:
    return f"label {label.name}"


def _installation(installation: Installation, _details: Mapping[str, Any]) -> str:
    return f"installation {installation.id} of {installation.account}"


SUBJECT_DESCRIPTIONS: Mapping[type, Callable[[Any, Mapping[str, Any]], str]] = {
    PullRequest: _pull_request,
    Review: _review,
    IssueComment: _comment,
    CommitStatus: _status,
    CheckRun: _check_run,
    Release: _release,
    Label: _label,
    Installation: _installation,
}


def describe_details(event: SimEvent) -> str:
    """Events without a subject (push, create, delete, check_suite) are described by details."""
    details = event.details
    if event.name == "push":
        before, after = short_sha(details.get("before")), short_sha(details.get("after"))
        return f"{details.get('ref', '')} {before}..{after}"
    if event.name in ("create", "delete"):
        return f"{details.get('ref_type', '')} {details.get('ref', '')}"
    if event.name == "check_suite":
        conclusion = details.get("conclusion") or details.get("status") or ""
        return f"check suite on {short_sha(details.get('head_sha'))} {conclusion}".rstrip()
    return ""


# --- a repository -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PullRow:
    number: int
    title: str
    author: str
    state: str
    mergeable_state: str
    href: str


def find_repository(state: SimulatedGitHub, match_info: Mapping[str, str]) -> Repository | None:
    return state.find_repository(f"{match_info['owner']}/{match_info['repo']}")


def branch_order(repository: Repository) -> Callable[[tuple[str, str]], tuple[bool, str]]:
    """The default branch first, then by name."""
    return lambda item: (item[0] != repository.default_branch, item[0])


def pull_state(pull: PullRequest) -> str:
    if pull.merged:
        return "merged"
    if pull.state == "closed":
        return "closed"
    return "draft" if pull.draft else "open"


def shown_mergeable_state(state: SimulatedGitHub, pull: PullRequest) -> str:
    """GitHub's ``mergeable_state`` (as the API reports it) while the PR is open."""
    return mergeable_state(state, pull)[1] if pull.state == "open" else "—"


def pull_row(state: SimulatedGitHub, pull: PullRequest) -> PullRow:
    return PullRow(
        number=pull.number,
        title=pull.title,
        author=pull.author,
        state=pull_state(pull),
        mergeable_state=shown_mergeable_state(state, pull),
        href=pull_href(pull),
    )


# --- a pull request ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AnnotationRow:
    path: str
    lines: str
    level: str
    message: str


@dataclass(frozen=True)
class CheckRunRow:
    name: str
    status: str
    conclusion: str | None
    title: str | None
    summary: str | None
    annotations: list[AnnotationRow]

    @property
    def annotations_count(self) -> int:
        return len(self.annotations)


def pull_context(
    state: SimulatedGitHub, repository: Repository, pull: PullRequest
) -> dict[str, Any]:
    statuses = latest_per_context(statuses_for(state, repository, pull.head_sha))
    return {
        "repository": repository,
        "repository_href": repository_href(repository.full_name),
        "pull": pull,
        "state": pull_state(pull),
        "mergeable_state": shown_mergeable_state(state, pull),
        "comments": comments_on(state, repository.full_name, pull.number),
        "files": changed_files(state, pull),
        "statuses": statuses,
        "combined_state": combined_state(statuses),
        "check_runs": [check_run_row(run) for run in check_runs_on_head(state, pull)],
        "timeline": event_rows(event for event in state.published if concerns(event, pull)),
    }


def changed_files(state: SimulatedGitHub, pull: PullRequest) -> list[FileDiff] | None:
    """None while the head or base is a made-up SHA, which has no files to compare."""
    diff = pull_diff(state, pull)
    return None if diff is None else diff.files


def check_runs_on_head(state: SimulatedGitHub, pull: PullRequest) -> list[CheckRun]:
    return sorted(state.check_runs_for(pull.repo_full_name, pull.head_sha), key=lambda r: r.id)


def check_run_row(run: CheckRun) -> CheckRunRow:
    return CheckRunRow(
        name=run.name,
        status=run.status,
        conclusion=run.conclusion,
        title=run.output.get("title"),
        summary=run.output.get("summary"),
        annotations=[annotation_row(item) for item in run.annotations],
    )


def annotation_row(annotation: Mapping[str, Any]) -> AnnotationRow:
    start, end = annotation.get("start_line"), annotation.get("end_line")
    lines = str(start) if end in (None, start) else f"{start}-{end}"
    return AnnotationRow(
        path=str(annotation.get("path", "")),
        lines=lines,
        level=str(annotation.get("annotation_level", "")),
        message=str(annotation.get("message", "")),
    )
