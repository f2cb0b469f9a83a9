"""GitHub Actions' OIDC provider, as a GitHub Enterprise Server instance runs it.

The issuer is `{origin}/_services/token`; it publishes its discovery document and its keys
(`app.sandbox.oidc_routes`). A simulated workflow run (`ActionsOidc.start_run`) has the
environment a job sees: with `permissions: id-token: write`, ACTIONS_ID_TOKEN_REQUEST_URL and
ACTIONS_ID_TOKEN_REQUEST_TOKEN, through which the job asks for an ID token for an audience
(`GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=X` with the request token as bearer, answered
`{"value": "<jwt>"}`). The ID token carries GitHub's claims, valid for five minutes, signed with
RS256 by the newest key; `rotate_key` makes a new one, as GitHub rotates its keys.
"""

from __future__ import annotations

import itertools
import secrets
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from app.sandbox.keys import new_app_key
from app.sandbox.models import Repository
from app.sandbox.state import SimulatedGitHub

ISSUER_PATH = "/_services/token"
IDTOKEN_PATH = (
    "/_services/pipelines/_apis/distributedtask/hubs/Actions/plans/{plan_id}/jobs/{job_id}/idtoken"
)
PIPELINES_API_VERSION = "2.0"
ALGORITHM = "RS256"
ID_TOKEN_LIFETIME_SECONDS = 300
NOT_BEFORE_SECONDS = 600  # GitHub's tokens are valid from ten minutes before they are issued
CLAIMS_SUPPORTED = (
    "sub",
    "aud",
    "exp",
    "iat",
    "iss",
    "jti",
    "nbf",
    "ref",
    "sha",
    "repository",
    "repository_id",
    "repository_owner",
    "repository_owner_id",
    "repository_visibility",
    "run_id",
    "run_number",
    "run_attempt",
    "runner_environment",
    "actor",
    "actor_id",
    "workflow",
    "workflow_ref",
    "workflow_sha",
    "head_ref",
    "base_ref",
    "event_name",
    "ref_type",
    "ref_protected",
    "job_workflow_ref",
    "job_workflow_sha",
)


def issuer_url(origin: str) -> str:
    return origin.rstrip("/") + ISSUER_PATH


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey = field(repr=False)

    @classmethod
    def new(cls) -> SigningKey:
        return cls(kid=uuid.uuid4().hex.upper(), private_key=new_app_key())

    def jwk(self) -> dict[str, Any]:
        public = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**public, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}


@dataclass(frozen=True)
class WorkflowRun:
    """One job of a workflow run, as far as its identity goes."""

    repository: Repository
    owner_id: int
    run_id: int
    run_number: int
    run_attempt: int
    ref: str
    sha: str
    workflow: str
    workflow_path: str
    event_name: str
    actor: str
    actor_id: int
    head_ref: str
    base_ref: str
    plan_id: str
    job_id: str
    request_token: str = field(repr=False)
    id_token_permission: bool

    @property
    def workflow_ref(self) -> str:
        return f"{self.repository.full_name}/{self.workflow_path}@{self.ref}"

    @property
    def subject(self) -> str:
        prefix = f"repo:{self.repository.full_name}"
        if self.event_name.startswith("pull_request"):
            return f"{prefix}:pull_request"
        return f"{prefix}:ref:{self.ref}"

    def id_token_request_url(self, origin: str) -> str:
        path = IDTOKEN_PATH.format(plan_id=self.plan_id, job_id=self.job_id)
        return f"{origin.rstrip('/')}{path}?api-version={PIPELINES_API_VERSION}"

    def environment(self, origin: str) -> dict[str, str]:
        """The variables a step of this job sees, for a simulator served at `origin`."""
        origin = origin.rstrip("/")
        env = {
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_SERVER_URL": origin,
            "GITHUB_API_URL": f"{origin}/api/v3",
            "GITHUB_REPOSITORY": self.repository.full_name,
            "GITHUB_REPOSITORY_OWNER": self.repository.owner,
            "GITHUB_SHA": self.sha,
            "GITHUB_REF": self.ref,
            "GITHUB_RUN_ID": str(self.run_id),
            "GITHUB_RUN_NUMBER": str(self.run_number),
            "GITHUB_RUN_ATTEMPT": str(self.run_attempt),
            "GITHUB_WORKFLOW": self.workflow,
            "GITHUB_WORKFLOW_REF": self.workflow_ref,
            "GITHUB_EVENT_NAME": self.event_name,
            "GITHUB_ACTOR": self.actor,
            "ACTIONS_RUNTIME_TOKEN": self.request_token,
        }
        if self.id_token_permission:
            env["ACTIONS_ID_TOKEN_REQUEST_URL"] = self.id_token_request_url(origin)
            env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = self.request_token
        return env


@dataclass(eq=False)
class ActionsOidc:
    """The OIDC provider of a simulated GitHub: its keys and the workflow runs it knows."""

    state: SimulatedGitHub
    runs: dict[str, WorkflowRun] = field(default_factory=dict)  # by request token
    _keys: list[SigningKey] = field(default_factory=list, repr=False)  # newest first
    _run_numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1), repr=False)

    @property
    def keys(self) -> list[SigningKey]:
        """The published keys, newest (the signing one) first; made on first use, since RSA key
        generation is slow and most simulations never issue an ID token."""
        if not self._keys:
            self._keys.append(SigningKey.new())
        return list(self._keys)

    @property
    def signing_key(self) -> SigningKey:
        return self.keys[0]

    def rotate_key(self, *, keep_previous: bool = True) -> SigningKey:
        """A new signing key; the previous ones stay published unless `keep_previous` is false."""
        key = SigningKey.new()
        self._keys[:] = [key, *self._keys] if keep_previous else [key]
        return key

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.jwk() for key in self.keys]}

    def start_run(
        self,
        repository: str,
        *,
        ref: str | None = None,
        sha: str | None = None,
        event_name: str = "push",
        workflow: str = "CI",
        workflow_file: str = "ci.yml",
        actor: str | None = None,
        head_ref: str = "",
        base_ref: str = "",
        id_token_permission: bool = True,
    ) -> WorkflowRun:
        """A job of `repository` (which must exist) building `ref`, by default the default branch
        at its head; `id_token_permission` is the job's `permissions: id-token: write`."""
        repo = self.state.repository(repository)
        ref = ref or f"refs/heads/{repo.default_branch}"
        login = actor or repo.owner
        run = WorkflowRun(
            repository=repo,
            owner_id=self.state.account(repo.owner).id,
            run_id=self.state.next_id(),
            run_number=next(self._run_numbers),
            run_attempt=1,
            ref=ref,
            sha=sha or _head_of(repo, ref),
            workflow=workflow,
            workflow_path=f".github/workflows/{workflow_file}",
            event_name=event_name,
            actor=login,
            actor_id=self.state.account(login).id,
            head_ref=head_ref,
            base_ref=base_ref,
            plan_id=str(uuid.uuid4()),
            job_id=str(uuid.uuid4()),
            request_token=secrets.token_urlsafe(32),
            id_token_permission=id_token_permission,
        )
        self.runs[run.request_token] = run
        return run

    def run_for(self, request_token: str) -> WorkflowRun | None:
        return self.runs.get(request_token)

    def id_token(self, run: WorkflowRun, *, issuer: str, audience: str) -> str:
        return self.sign(self.claims(run, issuer=issuer, audience=audience))

    def claims(self, run: WorkflowRun, *, issuer: str, audience: str) -> dict[str, Any]:
        now = int(self.state.now())
        repo = run.repository
        return {
            "jti": str(uuid.uuid4()),
            "sub": run.subject,
            "aud": audience,
            "ref": run.ref,
            "sha": run.sha,
            "repository": repo.full_name,
            "repository_owner": repo.owner,
            "repository_owner_id": str(run.owner_id),
            "run_id": str(run.run_id),
            "run_number": str(run.run_number),
            "run_attempt": str(run.run_attempt),
            "repository_visibility": "private" if repo.private else "public",
            "repository_id": str(repo.id),
            "actor_id": str(run.actor_id),
            "actor": run.actor,
            "workflow": run.workflow,
            "head_ref": run.head_ref,
            "base_ref": run.base_ref,
            "event_name": run.event_name,
            "ref_protected": "false",
            "ref_type": "tag" if run.ref.startswith("refs/tags/") else "branch",
            "workflow_ref": run.workflow_ref,
            "workflow_sha": run.sha,
            "job_workflow_ref": run.workflow_ref,
            "job_workflow_sha": run.sha,
            "runner_environment": "self-hosted",
            "iss": issuer,
            "nbf": now - NOT_BEFORE_SECONDS,
            "exp": now + ID_TOKEN_LIFETIME_SECONDS,
            "iat": now,
        }

    def sign(self, claims: Mapping[str, Any], key: SigningKey | None = None) -> str:
        """`claims` as a JWT signed like GitHub signs ID tokens (tests forge variants with it)."""
        signer = key or self.signing_key
        return jwt.encode(
            dict(claims), signer.private_key, algorithm=ALGORITHM, headers={"kid": signer.kid}
        )


def _head_of(repository: Repository, ref: str) -> str:
    if ref.startswith("refs/heads/") and ref.removeprefix("refs/heads/") in repository.branches:
        return repository.branches[ref.removeprefix("refs/heads/")]
    if ref.startswith("refs/tags/") and ref.removeprefix("refs/tags/") in repository.tags:
        return repository.tags[ref.removeprefix("refs/tags/")]
    raise ValueError(f"{repository.full_name} has no {ref}: pass the run's sha")
