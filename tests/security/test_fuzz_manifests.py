"""Fuzzing every manifest editor (`app.bumps.manifests.EDITORS`): arbitrary text and manifests
built from each format's own pieces (requirement lines with random specifiers, package.json of
random shapes, pyproject tables, go.mod directives, pom XML, Dockerfile FROM lines).

Every editor answers a `Bump` or raises `ManifestError` (what `dependent_plan` catches), never
another exception. When it edits:
- the text differs from the original only inside the constraints it reports (`before`): every
  other line and key stays byte for byte;
- its own parser reads the result (editing another package of it raises nothing new);
- editing again to the same version changes nothing (ALREADY);
- editing an exact pin back to the version it had either restores the original text exactly or
  leaves the edited text alone (editors that never downgrade), never a third text.

Budgets are fixed and derandomized so CI replays the same examples every run."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.version import Version

from app.bumps.lockfiles import refresh_note, stale_lockfiles
from app.bumps.manifests import EDITORS
from app.bumps.model import Bump, ManifestError, Outcome
from app.bumps.pep440 import allows, bump_specifier
from app.bumps.poetry_constraints import bump_poetry_constraint, poetry_allows

EXAMPLES = 120
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
Editor = Callable[[str, str, str], Bump]
OTHER = "zz-unrelated"  # a package no generated manifest names: editing it only parses

# The package each kind of manifest is fuzzed for, how its versions are written, and the
# versions it is moved to (with the one it is pinned at in the round trip).
TARGETS = {
    "requirements": "acme-auth",
    "pyproject": "acme-auth",
    "package.json": "@acme/auth",
    "go.mod": "github.com/acme/auth",
    "pom.xml": "com.acme:auth",
    "dockerfile": "acme/auth",
}
VERSIONS = {
    "requirements": ["1.3.0", "1.4.0", "2.0.0", "1.4.0rc1", "0.9", "1.3.0.post1", "10.0"],
    "pyproject": ["1.3.0", "1.4.0", "2.0.0", "1.4.0rc1", "0.9", "1.3.0.post1", "10.0"],
    "package.json": ["1.3.0", "1.4.0", "2.0.0", "1.4.0-rc.1", "0.9.0", "10.0.0"],
    "go.mod": ["v1.3.0", "v1.4.0", "1.4.0", "v2.0.0", "v1.4.0-rc.1", "v0.9.0"],
    "pom.xml": ["1.3.0", "1.4.0", "2.0", "1.4.0-SNAPSHOT", "0.9", "1.4.0.Final"],
    "dockerfile": ["1.3.0", "1.4.0", "2", "1.4", "0.9.1", "10.0.0"],
}


# Pieces shared by the generators.

OLD = st.sampled_from(["1.3.0", "1.3", "1", "0.9.2", "1.4.0", "2.0.0", "1.3.0rc1", "1.3.*"])
WORD = st.text("abcdefxyz-_.", min_size=1, max_size=8)
JUNK = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


def lines_of(parts: list[str], ending: str) -> str:
    return ending.join(parts) + (ending if parts else "")


# requirements.txt

PIP_NAMES = st.sampled_from(["acme-auth", "Acme_Auth", "acme.auth", "ACME-auth", "other", "lib2"])
PIP_CLAUSE = st.builds(
    lambda op, gap, version: f"{op}{gap}{version}",
    st.sampled_from(["==", ">=", "<=", "<", ">", "~=", "==", ">=", "<", "!=", "===", "=", ""]),
    st.sampled_from(["", " "]),
    OLD,
)
PIP_SPEC = st.lists(PIP_CLAUSE, max_size=3).map(",".join)


@st.composite
def requirement_line(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 19))
    if kind == 0:
        return draw(st.sampled_from(["", "# comment", "-r other.txt", "--index-url https://x/"]))
    if kind == 1:
        return draw(st.sampled_from(["-e .", "./local", "git+https://x/y.git#egg=acme-auth"]))
    if kind == 2:
        return draw(JUNK)
    tail = draw(st.sampled_from(["", "  # pinned", " --hash=sha256:abc", " \\\n    --hash=x"]))
    return draw(pep508()) + tail


@st.composite
def pep508(draw: st.DrawFn) -> str:
    name = draw(PIP_NAMES)
    extras = draw(st.sampled_from(["", "[jwt]", "[a,b]"]))
    spec = draw(PIP_SPEC)
    if draw(st.booleans()) and spec:
        spec = f" ({spec})"
    marker = draw(
        st.sampled_from(
            ["", ' ; python_version < "3.12"', "; sys_platform=='linux'", "; os_name=='a\\u'"]
        )
    )
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(["acme-auth @ https://x/a.whl", "acme-auth>=", "acme auth"]))
    return f"{name}{extras}{spec}{marker}"


@st.composite
def requirements_txt(draw: st.DrawFn) -> str:
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    return lines_of(draw(st.lists(requirement_line(), max_size=5)), ending)


# package.json

NPM_RANGES = st.sampled_from(
    [
        *("^1.3.0", "~1.3.0", "1.3.0", "=1.3.0", "v1.3.0", ">=1.2.0", ">=1.0.0 <1.4.0", "1.x"),
        *("*", "", "latest", "next", "github:acme/auth#v1", "file:../auth", "workspace:*"),
        *("^1.3.0-rc.1", "1.3.0-", "^1.2.3+", "~1.2.3-..", "1.2.3 - 1.4.0", "^0.9.2", "x"),
        *("01.3.0", "^1.3.0-", "=1.2.3+b.", "v1.3.0-+", "^1.3.0+build.1", "~01.2.3"),
        *("<2.0.0 || >=3", "npm:@acme/auth@^1.3.0", "http://x/y.tgz", "1.3"),
    ]
)
NPM_NAMES = st.sampled_from(["@acme/auth", "@acme/auth", "@acme/Auth", "left-pad", "@acme/auth2"])
NPM_SECTIONS = st.sampled_from(
    ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies", "scripts"]
)
JSON_SCALARS = st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["1.3.0", "^1"])


@st.composite
def package_json(draw: st.DrawFn) -> str:
    """One member per line (so line-level diffs are meaningful); sections of every JSON type,
    duplicated keys, the package under several sections."""
    members = [f'  "name": {json.dumps(draw(WORD))}']
    for _ in range(draw(st.integers(0, 5))):
        section = draw(NPM_SECTIONS)
        shape = draw(st.integers(0, 5))
        if shape == 0:
            members.append(f"  {json.dumps(section)}: {json.dumps(draw(JSON_SCALARS))}")
            continue
        if shape == 1:
            members.append(f"  {json.dumps(section)}: {json.dumps([draw(NPM_RANGES)])}")
            continue
        entries = []
        for _ in range(draw(st.integers(0, 4))):
            value = draw(NPM_RANGES) if draw(st.integers(0, 5)) else draw(JSON_SCALARS)
            entries.append(f"    {json.dumps(draw(NPM_NAMES))}: {json.dumps(value)}")
        inner = ",\n".join(entries)
        value = f"{{\n{inner}\n  }}" if entries else "{}"
        members.append(f"  {json.dumps(section)}: {value}")
    return "{\n" + ",\n".join(members) + "\n}\n"


# pyproject.toml

POETRY_CONSTRAINTS = st.sampled_from(
    [
        *("^1.3", "^1.3.0", "~1.3", "~1.3.0", "1.3.0", "==1.3.0", "=1.3", ">=1.2,<1.4", "*", ""),
        *("^0.9.2", ">=1.2 || <1.0", "~=1.3", "1.3.*", "^1.3.0rc1", "bogus", ">=1,<2", "^0.0.1"),
    ]
)


def toml_string(value: str, literal: bool) -> str:
    return f"'{value}'" if literal and "'" not in value else json.dumps(value)


@st.composite
def pyproject_toml(draw: st.DrawFn) -> str:
    blocks = ['[build-system]\nrequires = ["setuptools"]\n']
    requirements = draw(st.lists(pep508(), max_size=4))
    literal = draw(st.booleans())
    if draw(st.booleans()):
        entries = ",\n".join(f"  {toml_string(r, literal)}" for r in requirements)
        blocks.append(f'[project]\nname = "x"\ndependencies = [\n{entries}\n]\n')
    if draw(st.booleans()):
        extras = draw(st.lists(pep508(), max_size=2))
        listed = ", ".join(toml_string(r, literal) for r in extras)
        blocks.append(f"[project.optional-dependencies]\njwt = [{listed}]\n")
    if draw(st.booleans()):
        group = ", ".join(toml_string(r, literal) for r in requirements[:2])
        blocks.append(f'[dependency-groups]\ndev = [{group}, {{include-group = "x"}}]\n')
    for table in draw(
        st.lists(
            st.sampled_from(
                [
                    "tool.poetry.dependencies",
                    "tool.poetry.dev-dependencies",
                    "tool.poetry.group.test.dependencies",
                ]
            ),
            max_size=2,
            unique=True,
        )
    ):
        rows = ['python = "^3.11"']
        for _ in range(draw(st.integers(0, 3))):
            name = draw(st.sampled_from(["acme-auth", "Acme_Auth", "acme.auth", "other"]))
            constraint = draw(POETRY_CONSTRAINTS)
            shape = draw(st.integers(0, 4))
            if shape == 0:
                value = f'{{version = "{constraint}", extras = ["jwt"]}}'
            elif shape == 1:
                value = '{path = "../auth"}'
            elif shape == 2:
                value = f'[{{version = "{constraint}", python = "<3.12"}}]'
            else:
                value = toml_string(constraint, literal)
            rows.append(f"{json.dumps(name)} = {value}  # note")
        blocks.append(f"[{table}]\n" + "\n".join(rows) + "\n")
    if draw(st.integers(0, 5)) == 0:
        blocks.append(draw(JUNK))
    return "\n".join(draw(st.permutations(blocks)))


# go.mod

GO_MODULES = st.sampled_from(
    [
        *("github.com/acme/auth", '"github.com/acme/auth"', "github.com/acme/auth/v2"),
        *("github.com/acme/other", "gopkg.in/yaml.v3", "example.com/m"),
    ]
)
GO_VERSIONS = st.sampled_from(
    [
        *("v1.3.0", "v1.4.0", "v0.9.2", "v2.1.0", "v2.3.0+incompatible", "v1.3.0-rc.1"),
        *("v0.0.0-20230101120000-abcdef123456", "1.3.0", "v1.3", "latest"),
    ]
)


@st.composite
def go_require(draw: st.DrawFn) -> str:
    comment = draw(st.sampled_from(["", " // indirect", "// x"]))
    return f"{draw(GO_MODULES)} {draw(GO_VERSIONS)}{comment}"


@st.composite
def go_mod(draw: st.DrawFn) -> str:
    lines = ["module example.com/app", "", "go 1.22"]
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.integers(0, 6))
        if kind == 0:
            lines.append(f"require {draw(go_require())}")
        elif kind == 1:
            members = draw(st.lists(go_require(), max_size=4))
            lines += ["require (", *(f"\t{m}" for m in members), ")"]
        elif kind == 2:
            lines.append(f"replace {draw(GO_MODULES)} => ../fork")
        elif kind == 3:
            lines.append(f"exclude {draw(GO_MODULES)} {draw(GO_VERSIONS)}")
        elif kind == 4:
            lines.append("// " + draw(JUNK).replace("\n", " "))
        elif kind == 5:
            lines.append(draw(st.sampled_from(["require (", ")", "require", "toolchain go1.22.1"])))
        else:
            lines.append(draw(JUNK))
    return lines_of(lines, draw(st.sampled_from(["\n", "\r\n"])))


# pom.xml

POM_VERSIONS = st.sampled_from(
    [
        *("1.3.0", "1.4.0", "0.9", "2.0", "1.3.0-SNAPSHOT", "[1.2,2.0)", "[1.5,)", "(,1.0]"),
        *("${auth.version}", "${other.version}", "${undefined}", "", " 1.3.0 ", "1.3.0.Final"),
        *("[1.2]", "[1,2),(2,3]", "RELEASE"),
    ]
)


@st.composite
def pom_dependency(draw: st.DrawFn, element: str) -> str:
    group = draw(st.sampled_from(["com.acme", "com.acme", "org.other", "org.apache.maven.plugins"]))
    artifact = draw(st.sampled_from(["auth", "auth", "util", "maven-surefire-plugin"]))
    parts = [f"<artifactId>{artifact}</artifactId>"]
    if group != "org.apache.maven.plugins" or element == "dependency":
        parts.insert(0, f"<groupId>{group}</groupId>")
    shape = draw(st.integers(0, 4))
    if shape in (0, 3):
        parts.append(f"<version>{draw(POM_VERSIONS)}</version>")
    elif shape == 1:
        parts.append("<version/>")
    elif shape == 2:
        parts.append(f"<!-- c --><version><!-- pinned -->{draw(POM_VERSIONS)}</version>")
    return f"      <{element}>\n        " + "\n        ".join(parts) + f"\n      </{element}>"


@st.composite
def pom_xml(draw: st.DrawFn) -> str:
    sections = []
    if draw(st.booleans()):
        props = [
            f"    <{name}>{draw(POM_VERSIONS)}</{name}>"
            for name in draw(
                st.lists(st.sampled_from(["auth.version", "other.version"]), unique=True)
            )
        ]
        sections.append("  <properties>\n" + "\n".join(props) + "\n  </properties>")
    dependencies = draw(st.lists(pom_dependency("dependency"), max_size=3))
    sections.append("    <dependencies>\n" + "\n".join(dependencies) + "\n    </dependencies>")
    if draw(st.booleans()):
        managed = "\n".join(draw(st.lists(pom_dependency("dependency"), max_size=2)))
        sections.append(
            "  <dependencyManagement>\n    <dependencies>\n"
            + managed
            + "\n    </dependencies>\n  </dependencyManagement>"
        )
    if draw(st.booleans()):
        plugins = "\n".join(draw(st.lists(pom_dependency("plugin"), max_size=2)))
        sections.append(f"  <build>\n    <plugins>\n{plugins}\n    </plugins>\n  </build>")
    namespace = draw(st.sampled_from(["", ' xmlns="http://maven.apache.org/POM/4.0.0"']))
    prolog = draw(st.sampled_from(["", '<?xml version="1.0" encoding="UTF-8"?>\n']))
    body = "\n".join(draw(st.permutations(sections)))
    return f"{prolog}<project{namespace}>\n{body}\n</project>\n"


# Dockerfile

DOCKER_IMAGES = st.sampled_from(
    [
        *("acme/auth", "docker.io/acme/auth", "ACME/auth", "registry.acme.io:5000/acme/auth"),
        *("python", "build", "acme/auth2"),
    ]
)
DOCKER_TAGS = st.sampled_from(
    [
        *(":1.3.0", ":1.3", ":1", ":v1.3.0", ":1.3.0-alpine", ":latest", "", "@sha256:0123"),
        *(":1.3.0@sha256:0123", ":${AUTH}", ":$AUTH", ":${AUTH:-1.3}", ":${FREE}", ":${A}${B}"),
        *(":1.4.0", ":0.9", ":bookworm", ":99999999999999999999"),
    ]
)


@st.composite
def dockerfile(draw: st.DrawFn) -> str:
    lines = []
    if draw(st.booleans()):
        lines.append(draw(st.sampled_from(["# escape=`", "# syntax=docker/dockerfile:1"])))
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.sampled_from(["AUTH", "FREE", "A", "B"]))
        value = draw(st.sampled_from(["=1.3.0", '="1.3"', "='1'", "", "=v1.3.0", "=x"]))
        lines.append(f"ARG {name}{value}")
    for _ in range(draw(st.integers(0, 4))):
        flag = draw(st.sampled_from(["", "--platform=$BUILDPLATFORM "]))
        stage = draw(st.sampled_from(["", " AS build", " as final", " AS"]))
        reference = draw(DOCKER_IMAGES) + draw(DOCKER_TAGS)
        keyword = draw(st.sampled_from(["FROM", "from", "FROM \\\n  "]))
        lines.append(f"{keyword} {flag}{reference}{stage}")
        lines.append(draw(st.sampled_from(["RUN make", "COPY --from=build /a /a", "", "# c"])))
    if draw(st.integers(0, 4)) == 0:
        lines.append(draw(JUNK))
    return lines_of(lines, draw(st.sampled_from(["\n", "\r\n"])))


PLAUSIBLE = {
    "requirements": requirements_txt(),
    "pyproject": pyproject_toml(),
    "package.json": package_json(),
    "go.mod": go_mod(),
    "pom.xml": pom_xml(),
    "dockerfile": dockerfile(),
}


@st.composite
def mutated(draw: st.DrawFn, kind: str) -> str:
    text = draw(PLAUSIBLE[kind])
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.integers(0, 2))
        if action == 0:
            text = (
                text[:at] + draw(st.sampled_from(['"', "'", "[", "{", "<", "\\", "\n"])) + text[at:]
            )
        elif action == 1:
            text = text[:at] + text[at + draw(st.integers(1, 8)) :]
        else:
            text = text[:at]
    return text


# The properties


def edit(editor: Editor, text: str, package: str, version: str) -> Bump | None:
    """The editor's answer, or None for a ManifestError (a clear refusal to read the file)."""
    try:
        bump = editor(text, package, version)
    except ManifestError as error:
        assert str(error)
        return None
    assert isinstance(bump, Bump)
    if bump.outcome is not Outcome.UPDATED:
        assert bump.text == text
    return bump


def assert_only_constraints_changed(before_text: str, bump: Bump) -> None:
    """Every difference between the texts lies inside a reported constraint of the original."""
    spans = [
        (start, start + len(value))
        for value in {v for v in bump.before if v}
        for start in _occurrences(before_text, value)
    ]
    matcher = difflib.SequenceMatcher(None, before_text, bump.text, autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag != "equal":
            assert any(start <= i1 and i2 <= end for start, end in spans), (
                f"changed {before_text[max(i1 - 20, 0) : i2 + 20]!r} outside {bump.before}"
            )
    assert before_text.count("\n") == bump.text.count("\n")


def _occurrences(text: str, value: str) -> list[int]:
    found, start = [], text.find(value)
    while start != -1:
        found.append(start)
        start = text.find(value, start + 1)
    return found


# An exact pin, as each format writes one: the version moved back to in the round trip.
EXACT = re.compile(r"(?:==|v)?(\d+(?:\.\d+)*)")


def check_manifest(kind: str, text: str, version: str) -> None:
    editor: Editor = EDITORS[kind]  # type: ignore[assignment]
    package = TARGETS[kind]
    readable = edit(editor, text, OTHER, version) is not None
    bump = edit(editor, text, package, version)
    if bump is None or bump.outcome is not Outcome.UPDATED:
        return
    assert readable, "an unreadable file was edited"
    assert bump.text != text
    assert_only_constraints_changed(text, bump)
    assert edit(editor, bump.text, OTHER, version) is not None, "the edit made the file unreadable"
    again = edit(editor, bump.text, package, version)
    assert again is not None and again.outcome is Outcome.ALREADY, again
    pinned = {EXACT.fullmatch(value) for value in bump.before}
    if len(pinned) == 1 and None not in pinned:
        (back,) = {match[1] for match in pinned if match}
        returned = edit(editor, bump.text, package, back)
        assert returned is not None
        assert returned.text in (text, bump.text), "moving back gave a third text"


KINDS = sorted(EDITORS)


def test_every_editor_is_fuzzed() -> None:
    assert set(PLAUSIBLE) == set(EDITORS) == set(TARGETS) == set(VERSIONS)


@pytest.mark.parametrize("kind", KINDS)
def test_arbitrary_text_is_edited_or_refused(kind: str) -> None:
    @FUZZ
    @given(st.text(max_size=400) | mutated(kind), st.sampled_from(VERSIONS[kind]))
    def run(text: str, version: str) -> None:
        edit(EDITORS[kind], text, TARGETS[kind], version)  # type: ignore[arg-type]

    run()


@pytest.mark.parametrize("kind", KINDS)
def test_plausible_manifests_keep_their_properties(kind: str) -> None:
    @FUZZ
    @given(PLAUSIBLE[kind], st.sampled_from(VERSIONS[kind]))
    def run(text: str, version: str) -> None:
        check_manifest(kind, text, version)

    run()


@pytest.mark.parametrize("kind", KINDS)
def test_the_generators_reach_edits(kind: str) -> None:
    """Worth fuzzing only if the generated manifests get edited: a generator that produced only
    unreadable files or never named the package would test nothing but refusals."""
    outcomes: set[Outcome] = set()

    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(PLAUSIBLE[kind], st.sampled_from(VERSIONS[kind]))
    def run(text: str, version: str) -> None:
        bump = edit(EDITORS[kind], text, TARGETS[kind], version)  # type: ignore[arg-type]
        if bump is not None:
            outcomes.add(bump.outcome)

    run()
    assert Outcome.UPDATED in outcomes


# The helpers the editors share, on their own: specifiers, Poetry constraints and lock files.

SPEC_TEXT = st.lists(
    st.one_of(PIP_CLAUSE, POETRY_CONSTRAINTS, st.text("<>=!~^*.,| 0123abrcpostdev+", max_size=8)),
    max_size=3,
).map(",".join)
PEP440_TARGETS = st.sampled_from(VERSIONS["requirements"])


@FUZZ
@given(SPEC_TEXT | st.text(max_size=20), PEP440_TARGETS)
def test_a_specifier_is_moved_or_refused(spec: str, version: str) -> None:
    try:
        bumped = bump_specifier(spec, version)
    except ManifestError as error:
        assert str(error)
        return
    if bumped.outcome is Outcome.UPDATED:
        assert allows(bumped.spec, Version(version))
    else:
        assert bumped.spec == spec


@FUZZ
@given(SPEC_TEXT | st.text(max_size=20), PEP440_TARGETS)
def test_a_poetry_constraint_is_moved_or_refused(constraint: str, version: str) -> None:
    try:
        bumped = bump_poetry_constraint(constraint, version)
    except ManifestError as error:
        assert str(error)
        return
    if bumped.outcome is Outcome.UPDATED:
        assert poetry_allows(bumped.spec, version)
    else:
        assert bumped.spec == constraint


LOCK_PATHS = st.lists(
    st.builds(
        "/".join,
        st.lists(
            st.sampled_from(
                [
                    *("", ".", "..", "a", "node_modules", "package.json", "package-lock.json"),
                    *("yarn.lock", "go.mod", "go.sum", "pyproject.toml", "poetry.lock"),
                    *("requirements.txt", "requirements-dev.txt", "uv.lock", "Pipfile.lock"),
                ]
            ),
            min_size=1,
            max_size=3,
        ),
    ),
    max_size=8,
)


@FUZZ
@given(LOCK_PATHS, LOCK_PATHS, LOCK_PATHS)
def test_stale_lock_files_are_among_the_paths(
    paths: list[str], edited: list[str], compiled: list[str]
) -> None:
    stale = stale_lockfiles(paths, edited, compiled)
    assert stale == sorted(set(stale))
    assert set(stale) <= set(paths) - set(edited)
    for lockfile in stale:
        assert lockfile in refresh_note(lockfile)
