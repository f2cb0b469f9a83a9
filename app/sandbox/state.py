"""In-memory state of the simulated GitHub Enterprise Server."""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.sandbox.apps import ManifestCode, RegisteredApp
from app.sandbox.events import SimEvent, Subscriber
from app.sandbox.faults import FaultPlan
from app.sandbox.git import Commit, FileChanges, GitStore, Signature
from app.sandbox.keys import new_app_key, private_pem
from app.sandbox.models import (
    DEFAULT_PERMISSIONS,
    PATCHABLE_CHECK_RUN_FIELDS,
    Account,
    AccountType,
    BranchProtection,
    CheckRun,
    CheckRunPatch,
    CommitStatus,
    Deployment,
    Installation,
    Issue,
    IssueComment,
    IssuedToken,
    PullRequest,
    RateBudget,
    Reaction,
    RecordedRequest,
    Release,
    Repository,
    ReviewComment,
    Team,
    default_labels,
    fake_sha,
    new_token_value,
    repo_key,
)

if TYPE_CHECKING:
    from app.sandbox.oauth import OAuthCode, UserToken

Clock = Callable[[], float]

# The app whose installation token authenticated the request being served (None: the built-in
# app, as for actors' writes outside requests): its bot is who the request's writes are by.
ACTING_APP: ContextVar[int | None] = ContextVar("ACTING_APP", default=None)

__all__ = [
    "Account",
    "CheckRun",
    "CheckRunPatch",
    "Clock",
    "Installation",
    "IssuedToken",
    "PullRequest",
    "RateBudget",
    "RecordedRequest",
    "Repository",
    "SimulatedGitHub",
    "repo_key",
]


@dataclass(eq=False)
class SimulatedGitHub:
    """The whole simulated server: app credentials, installations, repositories and activity."""

    app_id: int = 1
    app_slug: str = "simulated-app"
    token_ttl_seconds: int = 3600
    clock: Clock = time.time
    fault_seed: int = 0
    accounts: dict[str, Account] = field(default_factory=dict)
    installations: dict[int, Installation] = field(default_factory=dict)
    repositories: dict[str, Repository] = field(default_factory=dict)
    pulls: dict[str, dict[int, PullRequest]] = field(default_factory=dict)
    # Issues that are not pull requests, by repository key and number (shared with the PRs').
    issues: dict[str, dict[int, Issue]] = field(default_factory=dict)
    check_runs: dict[int, CheckRun] = field(default_factory=dict)
    check_suites: dict[tuple[str, str], int] = field(default_factory=dict)
    tokens: dict[str, IssuedToken] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    git: GitStore = field(default_factory=GitStore)
    teams: dict[tuple[str, str], Team] = field(default_factory=dict)  # (org lower, slug)
    org_members: dict[str, set[str]] = field(default_factory=dict)  # org lower -> logins lower
    org_owners: dict[str, set[str]] = field(default_factory=dict)  # org lower -> logins lower
    comments: dict[int, IssueComment] = field(default_factory=dict)
    review_comments: dict[int, ReviewComment] = field(default_factory=dict)
    reactions: dict[int, Reaction] = field(default_factory=dict)
    statuses: list[CommitStatus] = field(default_factory=list)
    deployments: dict[int, Deployment] = field(default_factory=dict)
    releases: dict[int, Release] = field(default_factory=dict)
    subscribers: list[Subscriber] = field(default_factory=list)
    published: list[SimEvent] = field(default_factory=list)
    # GraphQL at /api/graphql (False: the instance answers 404 there), and the update methods its
    # schema's `PullRequestBranchUpdateMethod` offers: older GHES versions lack REBASE, and without
    # any the input has no `updateMethod` at all.
    graphql_enabled: bool = True
    graphql_update_methods: set[str] = field(default_factory=lambda: {"MERGE", "REBASE"})
    # Apps registered by the app-manifest flow (app/sandbox/apps.py), the one-time codes their
    # redirects carried, and the user signed in to the web UI who confirms registrations.
    apps: dict[int, RegisteredApp] = field(default_factory=dict)
    manifest_codes: dict[str, ManifestCode] = field(default_factory=dict)
    web_user: str = "ghe-admin"
    # The built-in app's OAuth client credentials (user-to-server tokens: app/sandbox/oauth.py),
    # the one-time codes of authorisations, and the user tokens issued for them.
    client_id: str = field(default_factory=lambda: "Iv1." + secrets.token_hex(8))
    client_secret: str = field(default_factory=lambda: secrets.token_hex(20), repr=False)
    oauth_codes: dict[str, OAuthCode] = field(default_factory=dict)
    user_tokens: dict[str, UserToken] = field(default_factory=dict, repr=False)
    faults: FaultPlan = field(init=False)
    private_key_pem: str = field(init=False, repr=False)
    public_key_pem: str = field(init=False, repr=False)
    _private_key: rsa.RSAPrivateKey = field(init=False, repr=False)
    _ids: Iterator[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.faults = FaultPlan(seed=self.fault_seed)
        self._ids = itertools.count(100)
        self._private_key = new_app_key()
        self.private_key_pem = private_pem(self._private_key)
        self.public_key_pem = (
            self._private_key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self._private_key.public_key()

    def now(self) -> float:
        return self.clock()

    def app_signing_key(self, issuer: str) -> tuple[int, rsa.RSAPublicKey]:
        """The app a JWT's ``iss`` names and the key its JWTs must be signed with: a registered
        app's, else the built-in app's."""
        registered = self.apps.get(int(issuer)) if issuer.isdigit() else None
        if registered is not None:
            return registered.id, registered.public_key
        return self.app_id, self.public_key

    def installation_app_id(self, installation: Installation) -> int:
        return self.app_id if installation.app_id is None else installation.app_id

    def next_id(self) -> int:
        return next(self._ids)

    def app_jwt(
        self, *, issued_at: int | None = None, lifetime: int = 600, issuer: str | None = None
    ) -> str:
        """A JWT for this app, backdated 60 s like GitHub's documentation recommends."""
        iat = int(self.now()) - 60 if issued_at is None else issued_at
        claims = {
            "iat": iat,
            "exp": iat + lifetime,
            "iss": str(self.app_id) if issuer is None else issuer,
        }
        return jwt.encode(claims, self._private_key, algorithm="RS256")

    def account(self, login: str, account_type: AccountType | None = None) -> Account:
        """The account, made on first sight: a `[bot]` login is an app's bot, as on GitHub,
        whichever part of the simulator sees it first (a webhook's sender, a PR's merger)."""
        key = login.lower()
        if key not in self.accounts:
            kind = account_type or ("Bot" if login.endswith("[bot]") else "User")
            self.accounts[key] = Account(
                login=login, id=self.next_id(), type=kind, created_at=self.now()
            )
        return self.accounts[key]

    def add_installation(
        self,
        account: str,
        *,
        account_type: AccountType = "Organization",
        permissions: Mapping[str, str] | None = None,
        rate_limit: int = 5000,
        app_id: int | None = None,
    ) -> Installation:
        """An installation of the built-in app, or of the registered app ``app_id``."""
        self.account(account, account_type)
        installation = Installation(
            id=self.next_id(),
            account=account,
            rate=RateBudget.fresh(rate_limit, self.now()),
            permissions=dict(DEFAULT_PERMISSIONS if permissions is None else permissions),
            created_at=self.now(),
            app_id=app_id,
        )
        self.installations[installation.id] = installation
        return installation

    def add_repository(
        self,
        installation: Installation,
        name: str,
        *,
        default_branch: str = "main",
        private: bool = True,
        files: FileChanges | None = None,
    ) -> Repository:
        repository = Repository(
            id=self.next_id(),
            owner=installation.account,
            name=name,
            installation_id=installation.id,
            default_branch=default_branch,
            private=private,
        )
        repository.labels = default_labels(repository.full_name)
        self.repositories[repo_key(repository.full_name)] = repository
        self.pulls[repo_key(repository.full_name)] = {}
        installation.repositories.append(repository.full_name)
        initial = self.git.commit(
            (),
            dict(files) if files is not None else {"README.md": f"# {name}\n"},
            message="Initial commit",
            author=self.signature(installation.account),
        )
        repository.branches[default_branch] = initial.sha
        return repository

    def find_repository(self, full_name: str) -> Repository | None:
        return self.repositories.get(repo_key(full_name))

    def repository(self, full_name: str) -> Repository:
        repository = self.find_repository(full_name)
        if repository is None:
            raise KeyError(f"no repository {full_name!r}")
        return repository

    def installation_for(self, repository: Repository) -> Installation | None:
        installation = self.installations.get(repository.installation_id)
        if installation is None or not installation.covers(repository.full_name):
            return None
        return installation

    def open_pull(
        self,
        repo_full_name: str,
        title: str,
        head_sha: str | None = None,
        head_ref: str = "",
        base_ref: str = "main",
        author: str = "alice",
        *,
        body: str | None = None,
        draft: bool = False,
        head_repo: str | None = None,
        maintainer_can_modify: bool = False,
    ) -> PullRequest:
        """Opens a PR from `head_ref` of `head_repo` (a fork; default: the repository itself):
        its current commit, or `head_sha` (which may be a made-up SHA with no commit behind it,
        for tests that need no files)."""
        repository = self.repository(repo_full_name)
        if not head_ref:
            raise ValueError("open_pull needs a head_ref")
        self.account(author)
        now = self.now()
        base_sha = repository.branches.setdefault(
            base_ref, fake_sha(f"{repo_full_name}@{base_ref}")
        )
        head_repository = repository if head_repo is None else self.repository(head_repo)
        if head_sha is None:
            head_sha = head_repository.branches[head_ref]
        head_repository.branches[head_ref] = head_sha
        pull = PullRequest(
            id=self.next_id(),
            number=repository.next_number,
            repo_full_name=repository.full_name,
            title=title,
            head_sha=head_sha,
            head_ref=head_ref,
            base_ref=base_ref,
            base_sha=base_sha,
            author=author,
            created_at=now,
            updated_at=now,
            body=body,
            draft=draft,
            head_repo_full_name=None if head_repo is None else head_repository.full_name,
            maintainer_can_modify=maintainer_can_modify,
        )
        repository.next_number += 1
        self.pulls[repo_key(repository.full_name)][pull.number] = pull
        self.publish("pull_request", "opened", repository, author, pull)
        return pull

    def add_issue(
        self, repo_full_name: str, title: str, author: str, *, body: str | None = None
    ) -> Issue:
        """Stores a new plain issue under the repository's next number (announcing it is the
        caller's part: `ops.issues.open_issue`)."""
        repository = self.repository(repo_full_name)
        now = self.now()
        issue = Issue(
            id=self.next_id(),
            number=repository.next_number,
            repo_full_name=repository.full_name,
            title=title,
            author=author,
            created_at=now,
            updated_at=now,
            body=body,
        )
        repository.next_number += 1
        self.issues.setdefault(repo_key(repository.full_name), {})[issue.number] = issue
        return issue

    def find_issue(self, repo_full_name: str, number: int) -> Issue | None:
        """A plain issue (not a pull request's issue side)."""
        return self.issues.get(repo_key(repo_full_name), {}).get(number)

    def issues_in(self, repo_full_name: str) -> list[Issue]:
        return list(self.issues.get(repo_key(repo_full_name), {}).values())

    def reactions_of(self, repo_full_name: str, comment_id: int) -> list[Reaction]:
        """The reactions to an issue comment of the repository, oldest first."""
        key = repo_key(repo_full_name)
        return sorted(
            (
                reaction
                for reaction in self.reactions.values()
                if reaction.comment_id == comment_id and repo_key(reaction.repo_full_name) == key
            ),
            key=lambda reaction: reaction.id,
        )

    def find_pull(self, repo_full_name: str, number: int) -> PullRequest | None:
        return self.pulls.get(repo_key(repo_full_name), {}).get(number)

    def pull(self, repo_full_name: str, number: int) -> PullRequest:
        pull = self.find_pull(repo_full_name, number)
        if pull is None:
            raise KeyError(f"no pull request {repo_full_name}#{number}")
        return pull

    def pulls_in(self, repo_full_name: str) -> list[PullRequest]:
        return list(self.pulls.get(repo_key(repo_full_name), {}).values())

    def head_repository(self, pull: PullRequest) -> Repository:
        """The repository holding the PR's head branch: a fork, or the PR's own."""
        return self.repository(pull.head_repo_full_name or pull.repo_full_name)

    def pulls_headed_by(self, repository: Repository, branch: str) -> list[PullRequest]:
        """The open PRs, of any repository, whose head is `branch` of `repository`."""
        key = repo_key(repository.full_name)
        return [
            pull
            for pulls in self.pulls.values()
            for pull in pulls.values()
            if pull.state == "open"
            and pull.head_ref == branch
            and repo_key(pull.head_repo_full_name or pull.repo_full_name) == key
        ]

    def push_to_pull(
        self, repo_full_name: str, number: int, new_sha: str, *, sender: str | None = None
    ) -> PullRequest:
        pull = self.pull(repo_full_name, number)
        before = pull.head_sha
        pull.head_sha = new_sha
        pull.updated_at = self.now()
        repository = self.repository(repo_full_name)
        self.head_repository(pull).branches[pull.head_ref] = new_sha
        self.publish(
            "pull_request",
            "synchronize",
            repository,
            sender or pull.author,
            pull,
            before=before,
            after=new_sha,
        )
        return pull

    def close_pull(self, repo_full_name: str, number: int, *, merged: bool = False) -> PullRequest:
        pull = self.pull(repo_full_name, number)
        now = self.now()
        pull.state = "closed"
        pull.closed_at = now
        pull.updated_at = now
        if merged:
            pull.merged = True
            pull.merged_at = now
            self.repository(repo_full_name).branches[pull.base_ref] = pull.head_sha
        return pull

    # --- git -----------------------------------------------------------------------------------

    def signature(self, login: str) -> Signature:
        return Signature(login, f"{login}@users.noreply.ghe.test", self.now())

    def commit(
        self,
        repo_full_name: str,
        branch: str,
        changes: FileChanges,
        *,
        message: str = "Update files",
        author: str = "alice",
        from_ref: str | None = None,
    ) -> Commit:
        """Commits `changes` on `branch` (created from `from_ref`, default the default branch, if
        it does not exist), moves the branch, and announces the push. The open PRs whose head is
        that branch get a `synchronize`."""
        repository = self.repository(repo_full_name)
        before = repository.branches.get(branch)
        parent = before or repository.resolve_ref(from_ref or repository.default_branch)
        commit = self.git.commit([parent], changes, message=message, author=self.signature(author))
        self.move_branch(repository, branch, commit.sha, sender=author, commits=[commit])
        return commit

    def move_branch(
        self,
        repository: Repository,
        branch: str,
        sha: str,
        *,
        sender: str,
        commits: list[Commit] | None = None,
        forced: bool = False,
    ) -> None:
        """Points a branch at `sha`, announcing the push and synchronising the PRs it heads (in
        the repository itself or, for a fork, in the repository the PRs were opened on)."""
        before = repository.branches.get(branch, "0" * 40)
        repository.branches[branch] = sha
        self.publish(
            "push",
            None,
            repository,
            sender,
            None,
            ref=f"refs/heads/{branch}",
            before=before,
            after=sha,
            commits=list(commits or ()),
            created=before == "0" * 40,
            forced=forced,
        )
        for pull in self.pulls_headed_by(repository, branch):
            if pull.head_sha != sha:
                previous = pull.head_sha
                pull.head_sha = sha
                pull.updated_at = self.now()
                self.publish(
                    "pull_request",
                    "synchronize",
                    self.repository(pull.repo_full_name),
                    sender,
                    pull,
                    before=previous,
                    after=sha,
                )

    def mergeability(self, pull: PullRequest) -> tuple[bool | None, str]:
        """GitHub's `mergeable` and `mergeable_state` for a PR, computed from the trees: a file
        changed on both sides since the merge base is a conflict. None while unknowable (a
        made-up head SHA with no commit behind it)."""
        repository = self.repository(pull.repo_full_name)
        base_head = repository.branches.get(pull.base_ref)
        if pull.state != "open" or base_head is None:
            return None, "unknown"
        if not (self.git.has_commit(base_head) and self.git.has_commit(pull.head_sha)):
            return None, "unknown"
        merge_base = self.git.merge_base(base_head, pull.head_sha) or ""
        if not self.git.merge(merge_base, base_head, pull.head_sha).clean:
            return False, "dirty"
        if pull.draft:
            return True, "draft"
        protection = repository.protections.get(pull.base_ref, BranchProtection())
        if protection.require_up_to_date and not self.git.is_ancestor(base_head, pull.head_sha):
            return True, "behind"
        return True, "clean"

    # --- events ----------------------------------------------------------------------------------

    def publish(
        self,
        name: str,
        action: str | None,
        repository: Repository | None,
        sender: str,
        subject: object = None,
        **details: object,
    ) -> SimEvent:
        event = SimEvent(
            name=name,
            action=action,
            repository=repository.full_name if repository else None,
            installation_id=repository.installation_id if repository else None,
            sender=sender,
            subject=subject,
            details=details,
            at=self.now(),
        )
        self.published.append(event)
        for subscriber in list(self.subscribers):
            subscriber(event)
        return event

    def create_check_run(
        self, repo_full_name: str, name: str, head_sha: str, patch: CheckRunPatch | None = None
    ) -> CheckRun:
        repository = self.repository(repo_full_name)
        suite_key = (repo_key(repository.full_name), head_sha)
        suite_id = self.check_suites.setdefault(suite_key, self.next_id())
        run = CheckRun(
            id=self.next_id(),
            repo_full_name=repository.full_name,
            head_sha=head_sha,
            name=name,
            app_id=self.acting_app_id,
            check_suite_id=suite_id,
            started_at=self.now(),
        )
        self.check_runs[run.id] = run
        completed = self._apply_check_run_patch(run, patch or CheckRunPatch())
        self.publish("check_run", "created", repository, self.bot_login, run)
        if completed:
            self._announce_completion(repository, run)
        return run

    def update_check_run(self, check_run_id: int, patch: CheckRunPatch) -> CheckRun:
        run = self.check_runs[check_run_id]
        if self._apply_check_run_patch(run, patch):
            self._announce_completion(self.repository(run.repo_full_name), run)
        return run

    @property
    def bot_login(self) -> str:
        """The bot of the app acting now (a registered app's, during its requests)."""
        registered = self.apps.get(ACTING_APP.get() or 0)
        return f"{registered.slug if registered else self.app_slug}[bot]"

    @property
    def acting_app_id(self) -> int:
        return ACTING_APP.get() or self.app_id

    def _apply_check_run_patch(self, run: CheckRun, patch: CheckRunPatch) -> bool:
        """Applies the patch; True when it completed the run."""
        was_completed = run.status == "completed"
        for attribute in PATCHABLE_CHECK_RUN_FIELDS:
            value = getattr(patch, attribute)
            if value is not None:
                setattr(run, attribute, value)
        if patch.output is not None:
            run.output.update(patch.output)
        run.annotations.extend(patch.annotations)
        if patch.conclusion is not None:
            run.status = "completed"
        if run.status == "completed" and run.completed_at is None:
            run.completed_at = self.now()
        return run.status == "completed" and not was_completed

    def _announce_completion(self, repository: Repository, run: CheckRun) -> None:
        self.publish("check_run", "completed", repository, self.bot_login, run)
        suite = [r for r in self.check_runs.values() if r.check_suite_id == run.check_suite_id]
        if all(r.status == "completed" for r in suite):
            self.publish(
                "check_suite",
                "completed",
                repository,
                self.bot_login,
                None,
                suite_id=run.check_suite_id,
                head_sha=run.head_sha,
                head_branch=self._branch_of(repository, run.head_sha),
                status="completed",
                conclusion=_suite_conclusion([r.conclusion for r in suite]),
                app_id=run.app_id,
            )

    @staticmethod
    def _branch_of(repository: Repository, sha: str) -> str | None:
        return next((name for name, head in repository.branches.items() if head == sha), None)

    def check_runs_for(self, repo_full_name: str, head_sha: str) -> list[CheckRun]:
        key = repo_key(repo_full_name)
        return [
            run
            for run in self.check_runs.values()
            if repo_key(run.repo_full_name) == key and run.head_sha == head_sha
        ]

    def issue_token(
        self,
        installation_id: int,
        *,
        repositories: Iterable[str] | None = None,
        permissions: Mapping[str, str] | None = None,
    ) -> IssuedToken:
        installation = self.installations[installation_id]
        now = self.now()
        token = IssuedToken(
            token=new_token_value(),
            installation_id=installation_id,
            issued_at=now,
            expires_at=now + self.token_ttl_seconds,
            permissions=dict(installation.permissions if permissions is None else permissions),
            repositories=None if repositories is None else frozenset(map(repo_key, repositories)),
        )
        self.tokens[token.token] = token
        return token

    def resolve_token(self, token: str) -> IssuedToken | None:
        issued = self.tokens.get(token)
        if issued is None or not issued.is_valid(self.now()):
            return None
        if issued.installation_id not in self.installations:
            return None
        return issued

    def token_covers(self, token: IssuedToken, repository: Repository) -> bool:
        installation = self.installation_for(repository)
        return (
            installation is not None
            and installation.id == token.installation_id
            and token.covers(repository.full_name)
        )

    def rate_budget(self, installation_id: int) -> RateBudget:
        budget = self.installations[installation_id].rate
        budget.refresh(self.now())
        return budget

    def exhaust_rate_limit(self, installation_id: int, reset_in_seconds: int = 3600) -> None:
        budget = self.installations[installation_id].rate
        budget.remaining = 0
        budget.reset_at = int(self.now()) + reset_in_seconds

    def record_request(
        self, method: str, path: str, query: Mapping[str, str], *, if_none_match: bool
    ) -> RecordedRequest:
        record = RecordedRequest(
            method=method,
            path=path,
            query=dict(query),
            if_none_match=if_none_match,
            received_at=self.now(),
        )
        self.requests.append(record)
        return record

    def requests_matching(
        self, method: str | None = None, path: str | None = None, *, path_prefix: str | None = None
    ) -> list[RecordedRequest]:
        return [
            record
            for record in self.requests
            if (method is None or record.method == method.upper())
            and (path is None or record.path == path)
            and (path_prefix is None or record.path.startswith(path_prefix))
        ]


_CONCLUSION_RANK = (
    "action_required",
    "cancelled",
    "timed_out",
    "failure",
    "neutral",
    "skipped",
    "stale",
    "success",
)


def _suite_conclusion(conclusions: list[str | None]) -> str | None:
    """A suite concludes with its runs' worst conclusion, as GitHub reports it."""
    known = [c for c in conclusions if c in _CONCLUSION_RANK]
    return min(known, key=_CONCLUSION_RANK.index) if known else None
