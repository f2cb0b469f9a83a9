"""Hostile report uploads through real HTTP against a running paasbot and the GitHub simulator
(issue 13): XML entities (local files, a local listener that must receive nothing, parameter
entities, billion laughs, quadratic blowup), gzip bombs (one member, thousands of members,
nested, behind `Content-Encoding`), broken gzip, lying content types, malformed reports of every
format, and reports whose paths try to leave the repository.

Each refused upload gets an HTTP status and a message naming the problem, stores nothing (the
`reports` table stays empty) and writes nothing on GitHub: a valid upload afterwards is the only
report the pull request's check runs show. Bombs are refused within a bounded peak of memory
(tracemalloc, whole process). What the existing suites already cover at the parser level is in
tests/test_coverage_formats.py, tests/test_lint_formats.py and tests/test_report_intake.py."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from app.reports.tokens import upload_token
from app.sandbox import SimulatedGitHub
from app.sandbox.demo import DemoStage
from app.store.tables import reports
from tests.e2e_world import eventually, upload_report

REPO = "acme/calc"
PATH = "calc/ops.py"
CI_PATH = "/home/runner/work/calc/calc/calc/ops.py"
CONFIG = """
rules:
  - name: Reports
    do:
      lint: {filter: added}
      coverage: {patch_target: 0%}
"""
BASE = "".join(f"x{n} = {n}\n" for n in range(1, 31))
HEAD = BASE.replace("x10 = 10\n", "x10 = 10\nnew_a = 1\nnew_b = 2\n")  # lines 11, 12 added
CAP = 50 * 1024 * 1024  # REPORT_MAX_BYTES' default, which the stage runs with
MEMORY_BOUND = 3 * CAP  # the cap held once, plus the copies a step may make of a piece


@dataclass
class Listener:
    """A TCP server on loopback that counts connections: an external entity or DTD that paasbot
    fetched would show up here."""

    port: int = 0
    connections: list[bytes] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections.append(await reader.read(1024))
        writer.close()


@asynccontextmanager
async def listening() -> AsyncIterator[Listener]:
    listener = Listener()
    server = await asyncio.start_server(listener.accept, "127.0.0.1", 0)
    listener.port = server.sockets[0].getsockname()[1]
    try:
        yield listener
    finally:
        server.close()
        await server.wait_closed()


def world() -> SimulatedGitHub:
    state = SimulatedGitHub(app_id=4242, app_slug="paasbot")
    installation = state.add_installation("acme")
    state.add_repository(installation, "calc", files={".paasbot.yml": CONFIG, PATH: BASE})
    return state


async def post(
    stage: DemoStage,
    sha: str,
    body: bytes,
    *,
    kind: str,
    name: str,
    headers: dict[str, str] | None = None,
) -> tuple[int, str]:
    """The status and the `error` (or the whole answer) of one upload with the repo's token."""
    token = upload_token(stage.bot.settings.webhook_secret, REPO)
    url = f"{stage.paasbot_url}/api/reports/{REPO}/{sha}?kind={kind}&name={name}"
    sent = {"Authorization": f"Bearer {token}", **(headers or {})}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=sent) as response,
    ):
        text = await response.text()
    try:
        return response.status, json.loads(text).get("error", text)
    except ValueError:
        return response.status, text


async def stored_reports(stage: DemoStage) -> int:
    async with stage.bot.db.reader() as conn:
        return int(await conn.scalar(select(func.count()).select_from(reports)) or 0)


def report_runs(state: SimulatedGitHub, sha: str) -> list[Any]:
    runs = state.check_runs_for(REPO, sha)
    return [run for run in runs if run.name.startswith(("paasbot/lint", "paasbot/coverage"))]


# Hostile XML, one document per XML format (root element, kind).

XML_FORMATS = [("coverage", "coverage"), ("report", "coverage"), ("checkstyle", "lint")]


def laughs(root: str) -> bytes:
    entities = "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "lol" * 10}">' for i in range(1, 10)
    )
    return f"<?xml version='1.0'?><!DOCTYPE {root} [{entities}]><{root}>&lol9;</{root}>".encode()


def quadratic(root: str) -> bytes:
    big = "x" * 200_000
    return f'<!DOCTYPE {root} [<!ENTITY big "{big}">]><{root}>{"&big;" * 5000}</{root}>'.encode()


def xxe(root: str, system: str) -> bytes:
    return f'<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "{system}">]><{root}>&xxe;</{root}>'.encode()


def parameter_entity(root: str, url: str) -> bytes:
    return f'<!DOCTYPE {root} [<!ENTITY % remote SYSTEM "{url}/p.dtd"> %remote;]><{root}/>'.encode()


def hostile_xml(listener: Listener) -> list[tuple[str, str, bytes, str]]:
    """(case, kind, body, the entity the refusal names) for each XML format."""
    cases = []
    for root, kind in XML_FORMATS:
        cases += [
            (f"{root}: billion laughs", kind, laughs(root), "lol1"),
            (f"{root}: quadratic blowup", kind, quadratic(root), "big"),
            (f"{root}: XXE file", kind, xxe(root, "file:///etc/passwd"), "xxe"),
            (f"{root}: XXE http", kind, xxe(root, f"{listener.url}/xxe"), "xxe"),
            (f"{root}: parameter entity", kind, parameter_entity(root, listener.url), "remote"),
        ]
    return cases


# Gzip bombs and broken gzip.

ZEROS_MEMBER = gzip.compress(bytes(1 << 20), 9)  # 1 MiB of zeros in about 1 KiB


def gzip_bomb(members: int) -> bytes:
    """`members` gzip members of 1 MiB each: 4096 of them are 4 GiB in a 4 MiB upload."""
    return ZEROS_MEMBER * members


def big_member(size: int) -> bytes:
    deflater = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(1 << 20)
    return b"".join([*(deflater.compress(chunk) for _ in range(size >> 20)), deflater.flush()])


TOO_LARGE = f"the report is larger than {CAP} bytes (REPORT_MAX_BYTES), uncompressed"
LCOV = b"SF:calc/ops.py\nDA:11,1\nDA:12,0\nend_of_record\n"


def gzip_cases() -> list[tuple[str, str, bytes, dict[str, str], int, str]]:
    """(case, kind, body, headers, status, message fragment)."""
    one_member = big_member(256 << 20)
    encoded = {"Content-Encoding": "gzip"}
    return [
        ("4 GiB in 4096 members", "coverage", gzip_bomb(4096), {}, 413, TOO_LARGE),
        ("256 MiB in one member", "lint", one_member, {}, 413, TOO_LARGE),
        ("bomb behind Content-Encoding", "lint", one_member, encoded, 413, TOO_LARGE),
        (
            "nested: a bomb inside gzip inside Content-Encoding",
            "coverage",
            gzip.compress(gzip.compress(gzip_bomb(64))),
            encoded,
            422,
            "unknown coverage format",
        ),
        (
            "nested gzip as a lint report",
            "lint",
            gzip.compress(gzip.compress(LCOV)),
            {},
            422,
            "not UTF-8 text",
        ),
        (
            "gzip then junk",
            "coverage",
            gzip.compress(LCOV) + b"junk",
            {},
            400,
            "the gzip body has trailing data that is not gzip",
        ),
        ("truncated gzip", "coverage", gzip.compress(LCOV)[:-9], {}, 400, "truncated"),
        ("corrupt deflate", "coverage", ZEROS_MEMBER[:12] + b"\xff" * 40, {}, 400, "not valid"),
        (
            "deflate that is not",
            "coverage",
            LCOV,
            {"Content-Encoding": "deflate"},
            400,
            "does not match its Content-Encoding",
        ),
        (
            "brotli that is not",
            "coverage",
            LCOV,
            {"Content-Encoding": "br"},
            400,
            "Can not decode content-encoding: brotli",  # aiohttp's answer, before paasbot's
        ),
    ]


# Malformed reports of every format, and lying content types.

SARIF_RUN = {"tool": {"driver": {"name": "x"}}}


def sarif(results: Any) -> bytes:
    return json.dumps({"version": "2.1.0", "runs": [{**SARIF_RUN, "results": results}]}).encode()


COBERTURA_LINE = (
    '<coverage><packages><package><classes><class filename="calc/ops.py"><lines>'
    '<line number="{}" hits="1"/></lines></class></classes></package></packages></coverage>'
)
JACOCO_LINE = (
    '<report name="r"><package name="calc"><sourcefile name="ops.py">'
    '<line nr="{}" mi="0" ci="1" mb="0" cb="0"/></sourcefile></package></report>'
)
MALFORMED: list[tuple[str, str, bytes, dict[str, str], int, str]] = [
    # (case, kind, body, headers, status, message fragment)
    ("empty", "coverage", b"", {}, 400, "the report is empty"),
    ("empty gzip", "lint", gzip.compress(b""), {}, 400, "the report is empty"),
    ("blank coverage", "coverage", b" \n\n", {}, 422, "the report is empty"),
    (
        "cobertura truncated",
        "coverage",
        COBERTURA_LINE.format(1)[:-20].encode(),
        {},
        422,
        "Cobertura XML is not well-formed XML",
    ),
    (
        "cobertura line 0",
        "coverage",
        COBERTURA_LINE.format(0).encode(),
        {},
        422,
        "positive line number, not 0",
    ),
    (
        "cobertura negative line",
        "coverage",
        COBERTURA_LINE.format(-3).encode(),
        {},
        422,
        "not '-3'",
    ),
    (
        "cobertura huge line",
        "coverage",
        COBERTURA_LINE.format("9" * 5000).encode(),
        {},
        422,
        "too long a number",
    ),
    (
        "cobertura wrong type",
        "coverage",
        COBERTURA_LINE.format("one").encode(),
        {},
        422,
        "not 'one'",
    ),
    (
        "jacoco truncated",
        "coverage",
        b'<report name="r"><package>',
        {},
        422,
        "JaCoCo XML is not well-formed",
    ),
    (
        "jacoco negative",
        "coverage",
        JACOCO_LINE.format(-1).encode(),
        {},
        422,
        "nr must be a non-negative integer",
    ),
    (
        "xml of another root",
        "coverage",
        b"<?xml version='1.0'?><html><body/></html>",
        {},
        422,
        "unknown coverage format",
    ),
    (
        "lcov negative hits",
        "coverage",
        b"SF:a.c\nDA:1,-1\n",
        {},
        422,
        "DA hits must be a non-negative integer",
    ),
    ("lcov line 0", "coverage", b"SF:a.c\nDA:0,1\n", {}, 422, "positive line number, not 0"),
    ("lcov not UTF-8", "coverage", b"SF:a.c\nDA:1,1\n\xff\xfe\n", {}, 422, "not UTF-8 text"),
    (
        "go line 0",
        "coverage",
        b"mode: set\na.go:0.1,2.1 1 1\n",
        {},
        422,
        "positive line number, not 0",
    ),
    ("go truncated", "coverage", b"mode: set\na.go:1.1,2", {}, 422, "Go coverprofile line 2"),
    (
        "coverage.py wrong type",
        "coverage",
        b'{"meta": {}, "files": {"a.py": {"executed_lines": ["1"], "missing_lines": []}}}',
        {},
        422,
        "must be a list of line numbers",
    ),
    (
        "coverage.py huge number",
        "coverage",
        b'{"meta": {}, "files": {"a.py": {"executed_lines": ['
        + b"9" * 5000
        + b'], "missing_lines": []}}}',
        {},
        422,
        "Exceeds the limit",
    ),
    ("coverage.py nested", "coverage", b'{"meta": ' + b"[" * 100_000, {}, 422, "nested too deeply"),
    ("sarif truncated", "lint", sarif([])[:-8], {}, 422, "SARIF line 1"),
    (
        "sarif wrong version",
        "lint",
        b'{"version": "2.0.0", "runs": []}',
        {},
        422,
        "only SARIF 2.1.0",
    ),
    ("sarif wrong type", "lint", sarif({}), {}, 422, "results must be a list"),
    (
        "sarif line as string",
        "lint",
        sarif(
            [
                {
                    "ruleId": "r",
                    "message": {"text": "m"},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": "a"},
                                "region": {"startLine": "3"},
                            }
                        }
                    ],
                }
            ]
        ),
        {},
        422,
        "startLine must be a whole number",
    ),
    (
        "sarif huge number",
        "lint",
        b'{"version": "2.1.0", "runs": [], "n": ' + b"9" * 5000 + b"}",
        {},
        422,
        "Exceeds the limit",
    ),
    (
        "eslint severity",
        "lint",
        b'[{"filePath": "a.js", "messages": [{"message": "m", "severity": 3}]}]',
        {},
        422,
        "severity must be 1 (warning) or 2 (error)",
    ),
    (
        "eslint fractional line",
        "lint",
        b'[{"filePath": "a.js", "messages": [{"message": "m", "severity": 2, "line": 1.5}]}]',
        {},
        422,
        "line must be a whole number",
    ),
    (
        "ruff without filename",
        "lint",
        b'[{"code": "F1", "end_location": {}, "message": "m"}]',
        {},
        422,
        "filename is missing",
    ),
    (
        "pylint line as string",
        "lint",
        b'{"messages": [{"message": "m", "path": "a.py", "line": "1"}]}',
        {},
        422,
        "line must be a whole number",
    ),
    (
        "checkstyle negative column",
        "lint",
        b'<checkstyle><file name="a"><error line="1" column="-1" message="m"/></file></checkstyle>',
        {},
        422,
        "column must be a whole number, not '-1'",
    ),
    (
        "checkstyle huge line",
        "lint",
        b'<checkstyle><file name="a"><error line="'
        + b"9" * 5000
        + b'" message="m"/></file></checkstyle>',
        {},
        422,
        "line must be a whole number",
    ),
    ("json of no known shape", "lint", b'{"findings": []}', {}, 422, "JSON of an unknown shape"),
    ("text not UTF-8", "lint", b"a.py:1:1: E1 m\n\xc3\x28\n", {}, 422, "not UTF-8 text"),
    ("text with NUL", "lint", b"a.py:1:1: E1 m\x00\n", {}, 422, "a NUL byte"),
    ("an image", "lint", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", {}, 422, "not UTF-8 text"),
    # The format is read from the body; a content type naming another is no way around that.
    (
        "SARIF sent as coverage",
        "coverage",
        sarif([]),
        {"Content-Type": "application/xml"},
        422,
        "unknown coverage format",
    ),
    (
        "broken JSON sent as XML",
        "lint",
        b'[{"filePath": "a.js", "messages": [}]',
        {"Content-Type": "application/xml"},
        422,
        "ESLint JSON line 1",
    ),
    (
        "multipart without a boundary",
        "lint",
        b"a.py:1:1: E1 m",
        {"Content-Type": "multipart/form-data"},
        400,
        "the body cannot be read",
    ),
    (
        "multipart that is not",
        "lint",
        b"a.py:1:1: E1 m",
        {"Content-Type": "multipart/form-data; boundary=xyz"},
        400,
        "the body cannot be read",
    ),
]


async def test_hostile_reports_are_refused_and_nothing_is_stored_or_written(
    stage_for: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    state = world()
    async with listening() as listener, stage_for(state) as stage:
        state.commit(REPO, "feature", {PATH: HEAD}, author="alice")
        pull = state.open_pull(REPO, "Add names", head_ref="feature")
        await stage.settle()
        cases = [
            (case, kind, body, {}, 422, f"the XML declares an entity ('{entity}')")
            for case, kind, body, entity in hostile_xml(listener)
        ]
        cases += gzip_cases() + MALFORMED
        wrong = []
        for number, (case, kind, body, headers, status, message) in enumerate(cases):
            answer = await post(
                stage, pull.head_sha, body, kind=kind, name=f"hostile{number}", headers=headers
            )
            if answer[0] != status or message not in answer[1]:
                wrong.append(f"{case}: {answer} (expected {status} {message!r})")
        assert not wrong, "\n".join(wrong)
        assert await stored_reports(stage) == 0
        assert listener.connections == []
        # What aiohttp's parser could not read is one warning naming why, never a traceback
        # logged as an error (anyone could fill the logs with them).
        server = [r for r in caplog.records if r.name == "aiohttp.server"]
        assert [r for r in server if r.levelno >= logging.ERROR or r.exc_info] == []
        reasons = [getattr(r, "fields", {}).get("reason", "") for r in server]
        assert any("Can not decode content-encoding: brotli" in reason for reason in reasons)
        # A valid upload wakes the pull request: its check runs are all the reports show.
        await upload_report(stage, REPO, pull.head_sha, LCOV, kind="coverage", name="valid")
        await stage.settle()
        assert [run.name for run in report_runs(state, pull.head_sha)] == ["paasbot/coverage"]
        assert await stored_reports(stage) == 1


async def test_a_doctype_naming_an_external_dtd_is_read_without_fetching_it(
    stage_for: Callable[..., Any],
) -> None:
    """JaCoCo and Java's Cobertura name a DTD, so a DOCTYPE is allowed: the DTD is never read."""
    state = world()
    async with listening() as listener, stage_for(state) as stage:
        for root, kind, body in [
            (
                "report",
                "coverage",
                JACOCO_LINE.format(11),
            ),
            ("coverage", "coverage", COBERTURA_LINE.format(11)),
            (
                "checkstyle",
                "lint",
                '<checkstyle><file name="calc/ops.py"><error line="11" message="m"/></file>'
                "</checkstyle>",
            ),
        ]:
            for doctype in (
                f'<!DOCTYPE {root} SYSTEM "{listener.url}/system.dtd">',
                f'<!DOCTYPE {root} PUBLIC "-//X//Y//EN" "{listener.url}/public.dtd">',
            ):
                status, answer = await post(
                    stage, "ab" * 20, (doctype + body).encode(), kind=kind, name=root
                )
                assert status == 202, answer
        assert listener.connections == []


PATHS = {
    # report path -> whether it is the repository's calc/ops.py (mapped) or must go nowhere
    PATH: True,
    CI_PATH: True,
    "./calc/ops.py": True,
    "calc\\ops.py": True,  # Windows separators
    "../../../../etc/passwd": False,
    "calc/../../../etc/passwd": False,
    "/etc/passwd": False,
    "/proc/self/environ": False,
    "~/.ssh/id_rsa": False,
    "C:\\Windows\\win.ini": False,
    "\\\\server\\share\\ops.py.lnk": False,
    "calc/ops.py\x00.txt": False,
    "calc%2Fops.py": False,  # a path, not a URI: no file has that name (SARIF decodes it)
    "calc/ops.py/..": False,
    "calc/ops.py -> /etc/passwd": False,
    "..\\..\\etc\\shadow": False,
    "file:///etc/passwd": False,
    "": False,
}


def ruff_finding(path: str, message: str) -> dict[str, Any]:
    return {
        "cell": None,
        "code": "F841",
        "end_location": {"column": 5, "row": 11},
        "filename": path,
        "fix": None,
        "location": {"column": 1, "row": 11},
        "message": message,
        "noqa_row": 11,
    }


async def test_paths_outside_the_repository_never_reach_an_annotation(
    stage_for: Callable[..., Any],
) -> None:
    """Report paths are only ever matched against the repository's file list (never opened):
    `..`, absolute paths, NUL bytes, backslashes, URL-encoding and symlink-looking names land on
    no file, or on the repository's own file when that is what they name."""
    state = world()
    async with stage_for(state) as stage:
        state.commit(REPO, "feature", {PATH: HEAD}, author="alice")
        pull = state.open_pull(REPO, "Add names", head_ref="feature")
        await stage.settle()
        findings = [ruff_finding(path, f"finding {n}") for n, path in enumerate(PATHS) if path]
        body = json.dumps(findings).encode()
        answer = await upload_report(stage, REPO, pull.head_sha, body, kind="lint", name="ruff")
        assert answer["format"] == "ruff"
        uris = [path for path in PATHS if path and "\x00" not in path]
        results = [
            {
                "ruleId": "R1",
                "level": "error",
                "message": {"text": f"sarif {uris.index(uri)}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri},
                            "region": {"startLine": 11},
                        }
                    }
                ],
            }
            for uri in uris
        ]
        await upload_report(stage, REPO, pull.head_sha, sarif(results), kind="lint", name="sarif")
        await stage.settle()
        runs = {run.name: run for run in report_runs(state, pull.head_sha)}
        assert set(runs) == {"paasbot/lint/ruff", "paasbot/lint/sarif"}
        annotated = {a["message"] for run in runs.values() for a in run.annotations}
        assert {a["path"] for run in runs.values() for a in run.annotations} == {PATH}
        mapped = [n for n, path in enumerate(PATHS) if path and PATHS[path]]
        expected = {f"finding {n}" for n in mapped}
        expected |= {f"sarif {uris.index(path)}" for path in uris if PATHS[path]}
        expected.add(f"sarif {uris.index('calc%2Fops.py')}")  # a URI, percent-decoded
        assert annotated == expected


def sarif_findings(count: int) -> bytes:
    """`count` findings: three on the PR's added lines, the rest on untouched lines, beyond the
    end of the file, in files the repository does not have, or whole-file."""
    results = []
    for n in range(count):
        line: int | None = 11 if n < 3 else [1, 25, 10**6, -5, None][n % 5]
        uri = PATH if n < 3 or n % 7 else f"gen/module{n}.py"
        region = {} if line is None else {"region": {"startLine": line}}
        location = {"physicalLocation": {"artifactLocation": {"uri": uri}, **region}}
        results.append(
            {"ruleId": f"R{n % 50}", "message": {"text": f"m{n}"}, "locations": [location]}
        )
    return sarif(results)


# Memory and the size of a report do not depend on the database: one is enough.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
async def test_a_sarif_of_100k_findings_keeps_only_those_on_changed_lines(
    stage_for: Callable[..., Any],
) -> None:
    """Within REPORT_MAX_BYTES and MAX_FINDINGS (docs/reports.md, docs/lint.md) it is accepted;
    the check run shows the three findings on added lines, the rest are counted, not written.
    Parsing it at upload holds about ten times its size (tracemalloc, whole process)."""
    body = sarif_findings(100_000)
    assert len(body) < CAP
    state = world()
    async with stage_for(state) as stage:
        state.commit(REPO, "feature", {PATH: HEAD}, author="alice")
        pull = state.open_pull(REPO, "Add names", head_ref="feature")
        await stage.settle()
        tracemalloc.start()
        try:
            answer = await upload_report(stage, REPO, pull.head_sha, body, kind="lint", name="big")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert answer["format"] == "sarif" and answer["pull_requests"] == [pull.number]
        assert peak < 16 * len(body), f"peak {peak / 2**20:.0f} MiB"

        def completed() -> Any:
            runs = report_runs(state, pull.head_sha)
            return runs if runs and runs[0].status == "completed" else None

        # Parsing 100k findings twice (upload, evaluation) takes a while on a loaded machine.
        (run,) = await eventually(completed, within=600)
        assert sorted(a["message"] for a in run.annotations) == ["m0", "m1", "m2"]
        assert run.output["title"].startswith("3 findings on the PR's lines")


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("body", "headers"),
    [
        pytest.param(gzip_bomb(4096), {}, id="4-GiB-in-members"),
        pytest.param(gzip_bomb(4096), {"Content-Encoding": "gzip"}, id="content-encoding"),
    ],
)
async def test_a_gzip_bomb_is_refused_within_bounded_memory(
    stage_for: Callable[..., Any], body: bytes, headers: dict[str, str]
) -> None:
    state = world()
    async with stage_for(state) as stage:
        tracemalloc.start()
        try:
            status, message = await post(
                stage, "cd" * 20, body, kind="lint", name="bomb", headers=headers
            )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert (status, message) == (413, TOO_LARGE)
        assert peak < MEMORY_BOUND, f"peak {peak / 2**20:.0f} MiB"
        assert await stored_reports(stage) == 0
