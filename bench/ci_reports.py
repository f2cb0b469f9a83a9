"""CI's reports in the trace: on every open PR head of the trace's services not reported on yet, a
coverage report (LCOV) and a lint report (SARIF) of its Python files, uploaded to paasbot's report
intake with the repository's upload token, as `paasbot upload` would. paasbot then annotates
the lines the PR added (both reports name every file, so only the PR's own lines are annotated)
and writes `paasbot/coverage` and `paasbot/lint`, whose conclusions and annotations
bench/final_state.py compares.

What a file gets is decided by its path alone, so both runs of a comparison upload the same.
Each file has a finding on its first line. About one file in eight is broken: its first line is
not covered and its finding is an error, so its PR's `paasbot/coverage` and `paasbot/lint` fail
and the PR never merges (paasbot's merge refuses while its own checks fail); the others are
covered, with a warning or a note, and merge as the trace has them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp

from app.reports.tokens import upload_token
from app.sandbox import SimulatedGitHub
from app.sandbox.demo import DemoStage
from bench.trace import ORG, SERVICES


def _digest(path: str) -> bytes:
    return hashlib.sha256(path.encode()).digest()


def broken(path: str) -> bool:
    return _digest(path)[0] % 8 == 0


def level(path: str) -> str:
    if broken(path):
        return "error"
    return "warning" if _digest(path)[1] % 2 else "note"


def python_files(state: SimulatedGitHub, sha: str) -> list[str]:
    return sorted(path for path in state.git.commits[sha].tree if path.endswith(".py"))


def lcov(paths: list[str]) -> bytes:
    records = [f"SF:{path}\nDA:1,{0 if broken(path) else 1}\nend_of_record\n" for path in paths]
    return "".join(records).encode()


def sarif(paths: list[str]) -> bytes:
    results = [
        {
            "ruleId": "B101",
            "level": level(path),
            "message": {"text": f"a finding in {path}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": path},
                        "region": {"startLine": 1},
                    }
                }
            ],
        }
        for path in paths
    ]
    document = {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "bandit"}}, "results": results}],
    }
    return json.dumps(document).encode()


@dataclass
class CiReports:
    stage: DemoStage
    reported: set[tuple[str, str]] = field(default_factory=set)
    uploads: int = 0

    def settle_with_reports(
        self, settle: Callable[[], Awaitable[None]]
    ) -> Callable[[], Awaitable[None]]:
        """`settle` for play_ticks, uploading the new heads' reports first."""

        async def upload_then_settle() -> None:
            await self.upload_new()
            await settle()

        return upload_then_settle

    async def upload_new(self) -> None:
        state = self.stage.state
        secret = self.stage.bot.settings.webhook_secret
        async with aiohttp.ClientSession() as session:
            for repo in (f"{ORG}/{name}" for name in SERVICES):
                for pull in state.pulls_in(repo):
                    key = (repo, pull.head_sha)
                    if pull.state != "open" or key in self.reported:
                        continue
                    self.reported.add(key)
                    paths = python_files(state, pull.head_sha)
                    token = upload_token(secret, repo)
                    for kind, name, body in (
                        ("coverage", "lcov", lcov(paths)),
                        ("lint", "bandit", sarif(paths)),
                    ):
                        await self._upload(session, token, repo, pull.head_sha, kind, name, body)

    async def _upload(
        self,
        session: aiohttp.ClientSession,
        token: str,
        repo: str,
        sha: str,
        kind: str,
        name: str,
        body: bytes,
    ) -> None:
        url = f"{self.stage.paasbot_url}/api/reports/{repo}/{sha}?kind={kind}&name={name}"
        headers = {"Authorization": f"Bearer {token}"}
        async with session.post(url, data=body, headers=headers) as answer:
            if answer.status != 202:
                raise RuntimeError(f"{kind} upload for {repo}@{sha[:12]}: {answer.status}")
        self.uploads += 1
