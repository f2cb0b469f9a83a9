import pytest

from app.bumps.model import ManifestError, Outcome
from app.bumps.pyproject import bump_pyproject

UPDATED, ALREADY, NOT_USED, REFUSED = (
    Outcome.UPDATED,
    Outcome.ALREADY,
    Outcome.NOT_USED,
    Outcome.REFUSED,
)

PEP621 = """\
[project]
name = "shop"  # the storefront
dependencies = [
    # auth first
    'acme-auth[jwt] == 1.3.0 ; python_version < "3.12"',  # pinned
    "requests>=2",
]
"""

UPDATES = [
    (PEP621, PEP621.replace("== 1.3.0", "== 1.4.0")),
    (
        '[project]\ndependencies = ["Acme_Auth>=1.2,<1.4",]\n',
        '[project]\ndependencies = ["Acme_Auth>=1.2,<1.5",]\n',
    ),
    (
        '[project]\ndependencies = ["acme-auth~=1.3.0"]\r\n\r\n[tool.x]\r\na = 1\r\n',
        '[project]\ndependencies = ["acme-auth~=1.4.0"]\r\n\r\n[tool.x]\r\na = 1\r\n',
    ),
    (
        '[project.optional-dependencies]\njwt = [\n  "acme-auth==1.3.0",\n  "pyjwt",\n]\n',
        '[project.optional-dependencies]\njwt = [\n  "acme-auth==1.4.0",\n  "pyjwt",\n]\n',
    ),
    (
        '[project]\ndependencies = ["acme-auth; python_version<\\"3.12\\"", "acme-auth==1.3"]\n',
        '[project]\ndependencies = ["acme-auth; python_version<\\"3.12\\"", "acme-auth==1.4.0"]\n',
    ),
    (
        '[dependency-groups]\ntest = [{include-group = "lint"}, "acme-auth==1.3.0"]\n',
        '[dependency-groups]\ntest = [{include-group = "lint"}, "acme-auth==1.4.0"]\n',
    ),
    (
        "[tool.poetry.dependencies]\npython = '^3.11'\nacme-auth = '~1.3'  # tilde\n",
        "[tool.poetry.dependencies]\npython = '^3.11'\nacme-auth = '~1.4'  # tilde\n",
    ),
    (
        '[tool.poetry.dependencies]\nacme_auth = "1.3.0"\n',
        '[tool.poetry.dependencies]\nacme_auth = "1.4.0"\n',
    ),
    (
        '[tool.poetry.group.dev.dependencies]\nacme-auth = {version = "~1.3", extras = ["jwt"]}\n',
        '[tool.poetry.group.dev.dependencies]\nacme-auth = {version = "~1.4", extras = ["jwt"]}\n',
    ),
    (
        '[tool.poetry.dev-dependencies]\nacme-auth = ">=1.2,<1.4"\n',
        '[tool.poetry.dev-dependencies]\nacme-auth = ">=1.2,<1.5"\n',
    ),
    (
        '[tool.poetry.dependencies.acme-auth]\nversion = "1.3.0"\noptional = true\n',
        '[tool.poetry.dependencies.acme-auth]\nversion = "1.4.0"\noptional = true\n',
    ),
    (
        '[project]\ndependencies = ["acme-auth==1.3.0"]\n\n'
        '[tool.poetry.dependencies]\nacme-auth = "^1.0"\n',
        '[project]\ndependencies = ["acme-auth==1.4.0"]\n\n'
        '[tool.poetry.dependencies]\nacme-auth = "^1.0"\n',
    ),
]


@pytest.mark.parametrize(("text", "expected"), UPDATES)
def test_updates_edit_only_the_constraint(text: str, expected: str) -> None:
    bump = bump_pyproject(text, "acme-auth", "1.4.0")
    assert (bump.outcome, bump.text) == (UPDATED, expected)


@pytest.mark.parametrize(
    ("text", "version", "outcome", "before", "after"),
    [
        (PEP621, "1.4.0", UPDATED, ("== 1.3.0",), ("== 1.4.0",)),
        (
            '[tool.poetry.dependencies]\nacme-auth = "^1.3"\n',
            "1.4.0",
            ALREADY,
            ("^1.3",),
            ("^1.3",),
        ),
        (
            '[tool.poetry.dependencies]\nacme-auth = "^1.3"\n',
            "2.0.0",
            UPDATED,
            ("^1.3",),
            ("^2.0",),
        ),
        (
            '[tool.poetry.dependencies]\nacme-auth = "^1.3.2"\n',
            "2.1.0",
            UPDATED,
            ("^1.3.2",),
            ("^2.1.0",),
        ),
        ('[tool.poetry.dependencies]\nacme-auth = "*"\n', "2.0.0", ALREADY, ("*",), ("*",)),
        ('[project]\ndependencies = ["acme-auth"]\n', "2.0.0", ALREADY, ("",), ("",)),
        ('[project]\nname = "x"\n', "1.4.0", NOT_USED, (), ()),
        ("", "1.4.0", NOT_USED, (), ()),
        ('[tool.poetry.dependencies]\npython = "^3.11"\n', "1.4.0", NOT_USED, (), ()),
        ('[tool.other]\nacme-auth = "1.3.0"\n', "1.4.0", NOT_USED, (), ()),
        (
            '[tool.poetry.dependencies]\nacme-auth = {path = "../auth", develop = true}\n',
            "1.4.0",
            REFUSED,
            ("path = ../auth",),
            ("path = ../auth",),
        ),
        (
            "[tool.poetry.dependencies]\n"
            'acme-auth = {git = "https://g.example/a.git", tag = "v1"}\n',
            "1.4.0",
            REFUSED,
            ("git = https://g.example/a.git",),
            ("git = https://g.example/a.git",),
        ),
        (
            '[project]\ndependencies = ["acme-auth @ https://f.example/a-1.3.0.whl"]\n',
            "1.4.0",
            REFUSED,
            ("https://f.example/a-1.3.0.whl",),
            ("https://f.example/a-1.3.0.whl",),
        ),
        (
            "[tool.poetry.dependencies]\nacme-auth = [\n"
            '  {version = "^1.3", python = "<3.12"},\n'
            '  {version = "^2.0", python = ">=3.12"},\n]\n',
            "2.1.0",
            REFUSED,
            ("tool.poetry.dependencies.acme-auth lists several constraints",),
            ("tool.poetry.dependencies.acme-auth lists several constraints",),
        ),
        (
            '[project]\ndependencies = ["acme-auth!=1.4.0"]\n',
            "1.4.0",
            REFUSED,
            ("!=1.4.0",),
            ("!=1.4.0",),
        ),
        (
            '[project]\ndependencies = ["acme-auth==1.3.0"]\n'
            '[tool.poetry.dependencies]\nacme-auth = "^1.3 || ^2.0"\n',
            "3.0.0",
            REFUSED,
            ("==1.3.0", "^1.3 || ^2.0"),
            ("==1.3.0", "^1.3 || ^2.0"),
        ),
        (
            '[tool.poetry.dependencies]\nacme-auth = "^1.3"\n',
            "2.0.0rc1",
            REFUSED,
            ("^1.3",),
            ("^1.3",),
        ),
    ],
)
def test_outcomes(
    text: str, version: str, outcome: Outcome, before: tuple[str, ...], after: tuple[str, ...]
) -> None:
    bump = bump_pyproject(text, "acme-auth", version)
    assert (bump.outcome, bump.before, bump.after) == (outcome, before, after)
    if outcome is not UPDATED:
        assert bump.text == text
    assert bool(bump.note) == (outcome in {ALREADY, REFUSED})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[project\ndependencies = []\n", r"^line 1: invalid TOML"),
        ('[project]\nname = "x"\nname = "y"\n', r"invalid TOML"),
        ('[project]\ndependencies = [\n  "a",\n', r"^line \d+: invalid TOML"),
        (
            '[project]\ndependencies = "acme-auth==1.3.0"\n',
            r"^project.dependencies is not an array",
        ),
        ("[project]\ndependencies = [1.3]\n", r"^project.dependencies\[0\] is not a string"),
        (
            '[project.optional-dependencies]\njwt = ["ok", {name = "acme-auth"}]\n',
            r"^project.optional-dependencies.jwt\[1\] is not a string",
        ),
        ('[project]\ndependencies = ["acme-auth=>1.3"]\n', r"^project.dependencies\[0\]: "),
        ('project = "shop"\n', r"^project is not a table"),
        ("[tool.poetry.dependencies]\nacme-auth = 1.3\n", r"neither a version constraint nor"),
        ("[tool.poetry.dependencies]\nacme-auth = {extras = []}\n", r"has no version string"),
        ("[tool.poetry.dependencies]\nacme-auth = {version = 1}\n", r"has no version string"),
        ('[tool.poetry]\ngroup = "dev"\n', r"^tool.poetry.group is not a table"),
    ],
)
def test_a_file_that_cannot_be_read_is_a_manifest_error(text: str, message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        bump_pyproject(text, "acme-auth", "1.4.0")


def test_an_edit_that_does_not_survive_re_parsing_is_a_manifest_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.bumps import pyproject
    from app.bumps.pep440 import SpecifierBump

    monkeypatch.setattr(
        pyproject,
        "bump_poetry_constraint",
        lambda constraint, version: SpecifierBump(UPDATED, constraint),
    )
    with pytest.raises(ManifestError, match="after the edit acme-auth still does not allow"):
        bump_pyproject('[tool.poetry.dependencies]\nacme-auth = "^1.3"\n', "acme-auth", "2.0.0")
