"""JSON representations using GitHub's REST field names."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from app.sandbox.context import Urls
from app.sandbox.models import (
    DEFAULT_EVENTS,
    DEFAULT_PERMISSIONS,
    Account,
    CheckRun,
    Installation,
    IssuedToken,
    Label,
    PullRequest,
    Repository,
    Team,
    fake_sha,
    label_id,
)
from app.sandbox.ops.pull_facts import pull_facts
from app.sandbox.ops.roles import author_association
from app.sandbox.state import SimulatedGitHub
from app.sandbox.timefmt import iso8601, optional_iso8601

Json = dict[str, Any]


def legacy_node_id(type_name: str, object_id: int) -> str:
    """GitHub's legacy global node IDs are base64 of ``0<len(type)>:<Type><id>``."""
    return base64.b64encode(f"0{len(type_name)}:{type_name}{object_id}".encode()).decode()


def association(state: SimulatedGitHub, repo_full_name: str, login: str) -> str:
    """GitHub's ``author_association`` of `login` in the repository."""
    return author_association(state, state.repository(repo_full_name), login)


def account_json(urls: Urls, account: Account) -> Json:
    return {
        "login": account.login,
        "id": account.id,
        "node_id": legacy_node_id(account.type, account.id),
        "type": account.type,
        "site_admin": False,
        "url": urls.api(f"/users/{account.login}"),
        "html_url": urls.html(f"/{account.login}"),
    } | _account_links(urls, account)


def avatar_url(urls: Urls, account: Account) -> str:
    return urls.html(f"/avatars/u/{account.id}?")


def _account_links(urls: Urls, account: Account) -> Json:
    api = urls.api(f"/users/{account.login}")
    return {
        "avatar_url": avatar_url(urls, account),
        "gravatar_id": "",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
    }


def organization_json(urls: Urls, account: Account) -> Json:
    api = urls.api(f"/orgs/{account.login}")
    return {
        "login": account.login,
        "id": account.id,
        "node_id": legacy_node_id("Organization", account.id),
        "url": api,
        "html_url": urls.html(f"/{account.login}"),
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events",
        "hooks_url": f"{api}/hooks",
        "issues_url": f"{api}/issues",
        "members_url": f"{api}/members{{/member}}",
        "public_members_url": f"{api}/public_members{{/member}}",
        "avatar_url": avatar_url(urls, account),
        "description": None,
    }


def repository_json(state: SimulatedGitHub, urls: Urls, repository: Repository) -> Json:
    return {
        "id": repository.id,
        "node_id": legacy_node_id("Repository", repository.id),
        "name": repository.name,
        "full_name": repository.full_name,
        "private": repository.private,
        "visibility": "private" if repository.private else "public",
        "fork": repository.parent is not None,
        "owner": account_json(urls, state.account(repository.owner)),
        "default_branch": repository.default_branch,
        "url": urls.api(f"/repos/{repository.full_name}"),
        "html_url": urls.html(f"/{repository.full_name}"),
    } | _repository_details(state, urls, repository)


# The hypermedia links of a repository, relative to its API URL (RFC 6570 templates included).
_REPOSITORY_LINKS: tuple[tuple[str, str], ...] = (
    ("forks_url", "/forks"),
    ("keys_url", "/keys{/key_id}"),
    ("collaborators_url", "/collaborators{/collaborator}"),
    ("teams_url", "/teams"),
    ("hooks_url", "/hooks"),
    ("issue_events_url", "/issues/events{/number}"),
    ("events_url", "/events"),
    ("assignees_url", "/assignees{/user}"),
    ("branches_url", "/branches{/branch}"),
    ("tags_url", "/tags"),
    ("blobs_url", "/git/blobs{/sha}"),
    ("git_tags_url", "/git/tags{/sha}"),
    ("git_refs_url", "/git/refs{/sha}"),
    ("trees_url", "/git/trees{/sha}"),
    ("statuses_url", "/statuses/{sha}"),
    ("languages_url", "/languages"),
    ("stargazers_url", "/stargazers"),
    ("contributors_url", "/contributors"),
    ("subscribers_url", "/subscribers"),
    ("subscription_url", "/subscription"),
    ("commits_url", "/commits{/sha}"),
    ("git_commits_url", "/git/commits{/sha}"),
    ("comments_url", "/comments{/number}"),
    ("issue_comment_url", "/issues/comments{/number}"),
    ("contents_url", "/contents/{+path}"),
    ("compare_url", "/compare/{base}...{head}"),
    ("merges_url", "/merges"),
    ("archive_url", "/{archive_format}{/ref}"),
    ("downloads_url", "/downloads"),
    ("issues_url", "/issues{/number}"),
    ("pulls_url", "/pulls{/number}"),
    ("milestones_url", "/milestones{/number}"),
    ("notifications_url", "/notifications{?since,all,participating}"),
    ("labels_url", "/labels{/name}"),
    ("releases_url", "/releases{/id}"),
    ("deployments_url", "/deployments"),
)


def _repository_details(state: SimulatedGitHub, urls: Urls, repository: Repository) -> Json:
    api = urls.api(f"/repos/{repository.full_name}")
    host = urls.origin.split("://", 1)[-1]
    created_at, pushed_at = repository_times(state, repository)
    open_pulls = sum(pull.state == "open" for pull in state.pulls_in(repository.full_name)) + sum(
        issue.state == "open" for issue in state.issues_in(repository.full_name)
    )
    return {
        "description": None,
        **{key: api + path for key, path in _REPOSITORY_LINKS},
        "created_at": iso8601(created_at),
        "updated_at": iso8601(pushed_at),
        "pushed_at": iso8601(pushed_at),
        "git_url": f"git://{host}/{repository.full_name}.git",
        "ssh_url": f"git@{host.rsplit(':', 1)[0]}:{repository.full_name}.git",
        "clone_url": urls.html(f"/{repository.full_name}.git"),
        "svn_url": urls.html(f"/{repository.full_name}"),
        "homepage": None,
        "size": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "language": None,
        "has_issues": True,
        "has_projects": True,
        "has_downloads": True,
        "has_wiki": True,
        "has_pages": False,
        "forks_count": 0,
        "mirror_url": None,
        "archived": repository.archived,
        "disabled": False,
        "open_issues_count": open_pulls,
        "license": None,
        "forks": 0,
        "open_issues": open_pulls,
        "watchers": 0,
        "is_template": False,
        "web_commit_signoff_required": False,
        "topics": list(repository.topics),
        "custom_properties": {},
    }


def repository_times(state: SimulatedGitHub, repository: Repository) -> tuple[float, float]:
    """(created, last pushed): the oldest commit of the default branch and the newest branch
    head, for want of a creation time on the model."""
    heads = [
        state.git.commits[sha] for sha in repository.branches.values() if state.git.has_commit(sha)
    ]
    if not heads:
        return state.now(), state.now()
    pushed = max(commit.committer.timestamp for commit in heads)
    default_head = repository.branches.get(repository.default_branch, "")
    history = [
        state.git.commits[sha].committer.timestamp for sha in state.git.ancestors(default_head)
    ]
    return min(history, default=pushed), pushed


def label_json(urls: Urls, repository: Repository, name: str) -> Json:
    """The repository's label `name`; a name it has no label for (put on a pull request
    directly by a test) gets an id and a colour derived from it."""
    label = repository.labels.get(name.lower())
    if label is None:
        label = Label(label_id(repository.full_name, name), name, fake_sha(name)[-6:])
    return repository_label_json(urls, repository, label)


def repository_label_json(urls: Urls, repository: Repository, label: Label) -> Json:
    return {
        "id": label.id,
        "node_id": legacy_node_id("Label", label.id),
        "url": urls.api(f"/repos/{repository.full_name}/labels/{quote(label.name)}"),
        "name": label.name,
        "color": label.color,
        "default": label.default,
        "description": label.description,
    }


def team_json(state: SimulatedGitHub, urls: Urls, org: str, slug: str) -> Json:
    team = state.teams.get((org.lower(), slug)) or Team(
        id=int(fake_sha(f"{org}:team:{slug}")[:8], 16), org=org, slug=slug, name=slug
    )
    api = urls.api(f"/organizations/{state.account(org).id}/team/{team.id}")
    return {
        "name": team.name,
        "id": team.id,
        "node_id": legacy_node_id("Team", team.id),
        "slug": team.slug,
        "description": None,
        "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "url": api,
        "html_url": urls.html(f"/orgs/{org}/teams/{team.slug}"),
        "members_url": f"{api}/members{{/member}}",
        "repositories_url": f"{api}/repos",
        "permission": "pull",
        "type": "organization",
        "parent": _parent_team_json(state, urls, team),
    }


def _parent_team_json(state: SimulatedGitHub, urls: Urls, team: Team) -> Json | None:
    if team.parent_slug is None:
        return None
    parent = team_json(state, urls, team.org, team.parent_slug)
    parent.pop("parent")
    return parent


def _branch_json(
    state: SimulatedGitHub, urls: Urls, repository: Repository, ref: str, sha: str
) -> Json:
    return {
        "label": f"{repository.owner}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": account_json(urls, state.account(repository.owner)),
        "repo": repository_json(state, urls, repository),
    }


def pull_simple_json(state: SimulatedGitHub, urls: Urls, pull: PullRequest) -> Json:
    """The shape of list items; the single-PR endpoint adds merge details on top."""
    repository = state.repository(pull.repo_full_name)
    api = urls.api(f"/repos/{repository.full_name}")
    html = urls.html(f"/{repository.full_name}/pull/{pull.number}")
    assignees = [account_json(urls, state.account(login)) for login in pull.assignees]
    return {
        "url": f"{api}/pulls/{pull.number}",
        "id": pull.id,
        "node_id": legacy_node_id("PullRequest", pull.id),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": f"{api}/issues/{pull.number}",
        "number": pull.number,
        "state": pull.state,
        "locked": pull.locked,
        "title": pull.title,
        "user": account_json(urls, state.account(pull.author)),
        "body": pull.body,
        # pull-request-simple's labels have a non-nullable description (the full pull's do not).
        "labels": [
            {**label, "description": label["description"] or ""}
            for label in (label_json(urls, repository, name) for name in pull.labels)
        ],
        "milestone": None,
        "created_at": iso8601(pull.created_at),
        "updated_at": iso8601(pull.updated_at),
        "closed_at": optional_iso8601(pull.closed_at),
        "merged_at": optional_iso8601(pull.merged_at),
        "merge_commit_sha": pull.merge_commit_sha or (pull.head_sha if pull.merged else None),
        "assignee": assignees[0] if assignees else None,
        "assignees": assignees,
        "requested_reviewers": [
            account_json(urls, state.account(login)) for login in pull.requested_reviewers
        ],
        "requested_teams": [
            team_json(state, urls, repository.owner, slug) for slug in pull.requested_teams
        ],
        # A fork's PR: `head.repo` is the fork and `head.label` names its owner.
        "head": _branch_json(
            state, urls, state.head_repository(pull), pull.head_ref, pull.head_sha
        ),
        "base": _branch_json(state, urls, repository, pull.base_ref, pull.base_sha),
        "author_association": association(state, pull.repo_full_name, pull.author),
        "draft": pull.draft,
    } | _pull_links(api, html, pull)


def _pull_links(api: str, html: str, pull: PullRequest) -> Json:
    links = {
        "commits_url": f"{api}/pulls/{pull.number}/commits",
        "review_comments_url": f"{api}/pulls/{pull.number}/comments",
        "review_comment_url": f"{api}/pulls/comments{{/number}}",
        "comments_url": f"{api}/issues/{pull.number}/comments",
        "statuses_url": f"{api}/statuses/{pull.head_sha}",
    }
    return links | {
        "_links": {
            "self": {"href": f"{api}/pulls/{pull.number}"},
            "html": {"href": html},
            "issue": {"href": f"{api}/issues/{pull.number}"},
            "comments": {"href": links["comments_url"]},
            "review_comments": {"href": links["review_comments_url"]},
            "review_comment": {"href": links["review_comment_url"]},
            "commits": {"href": links["commits_url"]},
            "statuses": {"href": links["statuses_url"]},
        },
        "auto_merge": None,
        "active_lock_reason": None,
    }


def pull_json(state: SimulatedGitHub, urls: Urls, pull: PullRequest) -> Json:
    """GitHub computes mergeability in the background and reports null until it is known: here,
    while the head is a made-up SHA with no commit behind it."""
    merger = None if pull.merged_by is None else state.account(pull.merged_by)
    merged_by = None if merger is None else account_json(urls, merger)
    details = {
        "merged": pull.merged,
        "merged_by": merged_by,
        "maintainer_can_modify": pull.maintainer_can_modify,
    }
    return pull_simple_json(state, urls, pull) | details | pull_facts(state, pull)


def _pull_reference_json(urls: Urls, repository: Repository, pull: PullRequest) -> Json:
    repo = {
        "id": repository.id,
        "url": urls.api(f"/repos/{repository.full_name}"),
        "name": repository.name,
    }
    return {
        "url": urls.api(f"/repos/{repository.full_name}/pulls/{pull.number}"),
        "id": pull.id,
        "number": pull.number,
        "head": {"ref": pull.head_ref, "sha": pull.head_sha, "repo": repo},
        "base": {"ref": pull.base_ref, "sha": pull.base_sha, "repo": repo},
    }


def pulls_for_sha_json(
    state: SimulatedGitHub, urls: Urls, repository: Repository, sha: str
) -> list[Json]:
    """The open pull requests whose head is `sha`, as check runs and suites list them."""
    return [
        _pull_reference_json(urls, repository, pull)
        for pull in state.pulls_in(repository.full_name)
        if pull.state == "open" and pull.head_sha == sha
    ]


def app_owner(state: SimulatedGitHub) -> Account:
    """The simulated app is registered by an organisation of its own, outside the accounts."""
    return Account(login=f"{state.app_slug}-developers", id=state.app_id, type="Organization")


def app_json(state: SimulatedGitHub, urls: Urls) -> Json:
    html_url = urls.html(f"/github-apps/{state.app_slug}")
    created = min(
        (installation.created_at for installation in state.installations.values()),
        default=state.now(),
    )
    return {
        "id": state.app_id,
        "slug": state.app_slug,
        "node_id": legacy_node_id("Integration", state.app_id),
        "owner": account_json(urls, app_owner(state)),
        "name": state.app_slug,
        "description": "",
        "external_url": html_url,
        "html_url": html_url,
        "created_at": iso8601(created),
        "updated_at": iso8601(created),
        "permissions": dict(DEFAULT_PERMISSIONS),
        "events": list(DEFAULT_EVENTS),
    }


def acting_app_json(state: SimulatedGitHub, urls: Urls, app_id: int) -> Json:
    """The app that made something (a check run): the built-in app, an app registered here, or
    another app (CI's, e.g. GitHub Actions' 15368) the simulator knows only by its id."""
    if app_id == state.app_id:
        return app_json(state, urls)
    registered = state.apps.get(app_id)
    slug = registered.slug if registered is not None else f"app-{app_id}"
    html_url = urls.html(f"/github-apps/{slug}")
    return app_json(state, urls) | {
        "id": app_id,
        "slug": slug,
        "node_id": legacy_node_id("Integration", app_id),
        "name": registered.name if registered is not None else slug,
        "external_url": html_url,
        "html_url": html_url,
    }


def check_run_json(state: SimulatedGitHub, urls: Urls, run: CheckRun) -> Json:
    """``pull_requests`` lists open pull requests whose head is the run's commit."""
    repository = state.repository(run.repo_full_name)
    pulls = pulls_for_sha_json(state, urls, repository, run.head_sha)
    url = urls.api(f"/repos/{repository.full_name}/check-runs/{run.id}")
    return {
        "id": run.id,
        "node_id": legacy_node_id("CheckRun", run.id),
        "head_sha": run.head_sha,
        "external_id": run.external_id,
        "url": url,
        "html_url": urls.html(f"/{repository.full_name}/runs/{run.id}"),
        "details_url": run.details_url,
        "status": run.status,
        "conclusion": run.conclusion,
        "started_at": optional_iso8601(run.started_at),
        "completed_at": optional_iso8601(run.completed_at),
        "output": {
            "title": run.output.get("title"),
            "summary": run.output.get("summary"),
            "text": run.output.get("text"),
            "annotations_count": len(run.annotations),
            "annotations_url": f"{url}/annotations",
        },
        "name": run.name,
        "check_suite": {"id": run.check_suite_id},
        "app": acting_app_json(state, urls, run.app_id),
        "pull_requests": pulls,
    }


def _installation_settings_path(account: Account, installation_id: int) -> str:
    if account.type == "Organization":
        return f"/organizations/{account.login}/settings/installations/{installation_id}"
    return f"/settings/installations/{installation_id}"


def installation_json(state: SimulatedGitHub, urls: Urls, installation: Installation) -> Json:
    account = state.account(installation.account)
    return {
        "id": installation.id,
        "account": account_json(urls, account),
        "app_id": state.installation_app_id(installation),
        "app_slug": _installation_app_slug(state, installation),
        "target_id": account.id,
        "target_type": account.type,
        "repository_selection": installation.repository_selection,
        "permissions": dict(installation.permissions),
        "events": list(installation.events),
        "access_tokens_url": urls.api(f"/app/installations/{installation.id}/access_tokens"),
        "repositories_url": urls.api("/installation/repositories"),
        "html_url": urls.html(_installation_settings_path(account, installation.id)),
        "created_at": iso8601(installation.created_at),
        "updated_at": iso8601(installation.created_at),
        "single_file_name": None,
        "has_multiple_single_files": False,
        "single_file_paths": [],
        "suspended_at": None,
        "suspended_by": None,
    }


def _installation_app_slug(state: SimulatedGitHub, installation: Installation) -> str:
    registered = state.apps.get(installation.app_id) if installation.app_id is not None else None
    return state.app_slug if registered is None else registered.slug


def access_token_json(
    state: SimulatedGitHub, urls: Urls, token: IssuedToken, installation: Installation
) -> Json:
    body: Json = {
        "token": token.token,
        "expires_at": iso8601(token.expires_at),
        "permissions": dict(token.permissions),
        "repository_selection": installation.repository_selection,
    }
    if token.repositories is not None:
        body["repositories"] = [
            repository_json(state, urls, repository)
            for repository in state.repositories.values()
            if token.covers(repository.full_name)
        ]
    return body
