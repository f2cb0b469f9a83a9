import pytest

from app.bumps.model import ManifestError, Outcome
from app.bumps.pip_requirements import bump_requirements, logical_lines

UPDATED, ALREADY, NOT_USED, REFUSED = (
    Outcome.UPDATED,
    Outcome.ALREADY,
    Outcome.NOT_USED,
    Outcome.REFUSED,
)

HASHED = """\
acme-auth==1.3.0 \\
    --hash=sha256:1111 \\
    --hash=sha256:2222
"""

UPDATES = [
    ("acme-auth==1.3.0\n", "acme-auth==1.4.0\n"),
    (
        "Acme_Auth == 1.3.0  # pinned for the login fix\n",
        "Acme_Auth == 1.4.0  # pinned for the login fix\n",
    ),
    ("acme.auth==1.3.0", "acme.auth==1.4.0"),
    ("acme-auth[jwt,cli]~=1.3.0\n", "acme-auth[jwt,cli]~=1.4.0\n"),
    ("acme-auth>=1.2,<1.4\n", "acme-auth>=1.2,<1.5\n"),
    ("acme-auth >= 1.2, < 1.4\n", "acme-auth >= 1.2, < 1.5\n"),
    ("acme-auth (==1.3.0)\n", "acme-auth (==1.4.0)\n"),
    (
        'acme-auth==1.3.0 ; python_version < "3.12" # old\n',
        'acme-auth==1.4.0 ; python_version < "3.12" # old\n',
    ),
    (
        "# deps\r\n\r\nacme-auth==1.3.0\r\nother==2\r\n",
        "# deps\r\n\r\nacme-auth==1.4.0\r\nother==2\r\n",
    ),
    (
        "-r base.txt\n-c constraints.txt\n--index-url https://pypi.example/simple\n"
        "-e ./libs/local\nacme-auth==1.3.0\n",
        "-r base.txt\n-c constraints.txt\n--index-url https://pypi.example/simple\n"
        "-e ./libs/local\nacme-auth==1.4.0\n",
    ),
    (
        "acme-auth==1.3.0 \\\n    ; python_version < '3.12'\nother==2\n",
        "acme-auth==1.4.0 \\\n    ; python_version < '3.12'\nother==2\n",
    ),
    (
        'acme-auth==1.2.0; python_version < "3.9"\nacme-auth~=1.3.0; python_version >= "3.9"\n',
        'acme-auth==1.4.0; python_version < "3.9"\nacme-auth~=1.4.0; python_version >= "3.9"\n',
    ),
    (
        "other==2 \\\n    --hash=sha256:abcd\nacme-auth==1.3.0\n",
        "other==2 \\\n    --hash=sha256:abcd\nacme-auth==1.4.0\n",
    ),
]


@pytest.mark.parametrize(("text", "expected"), UPDATES)
def test_updates_edit_only_the_specifier(text: str, expected: str) -> None:
    bump = bump_requirements(text, "acme-auth", "1.4.0")
    assert (bump.outcome, bump.text) == (UPDATED, expected)


@pytest.mark.parametrize(
    ("text", "version", "outcome", "before", "after"),
    [
        ("acme-auth==1.3.0\n", "1.4.0", UPDATED, ("==1.3.0",), ("==1.4.0",)),
        ("acme-auth~=1.3\n", "1.4.0", ALREADY, ("~=1.3",), ("~=1.3",)),
        ("acme-auth>=1.2\n", "1.4.0", ALREADY, (">=1.2",), (">=1.2",)),
        ("acme-auth\n", "1.4.0", ALREADY, ("",), ("",)),
        ("acme-auth[jwt]\n", "1.4.0", ALREADY, ("",), ("",)),
        ("acme-auth==1.4.0\n", "1.4.0", ALREADY, ("==1.4.0",), ("==1.4.0",)),
        (HASHED.replace("1.3.0", "1.4.0"), "1.4.0", ALREADY, ("==1.4.0",), ("==1.4.0",)),
        ("other==1.3.0\nacme-auth-extra==1.3.0\n", "1.4.0", NOT_USED, (), ()),
        ("# acme-auth==1.3.0\n", "1.4.0", NOT_USED, (), ()),
        ("", "1.4.0", NOT_USED, (), ()),
        ("acme-auth>=1.2,!=1.4.0\n", "1.4.0", REFUSED, (">=1.2,!=1.4.0",), (">=1.2,!=1.4.0",)),
        ("acme-auth==1.3.0\n", "2.0.0rc1", REFUSED, ("==1.3.0",), ("==1.3.0",)),
        ("acme-auth>=1.2\n", "2.0.0rc1", ALREADY, (">=1.2",), (">=1.2",)),
        ("acme-auth==2.0.0b1\n", "2.0.0rc1", UPDATED, ("==2.0.0b1",), ("==2.0.0rc1",)),
        (HASHED, "1.4.0", REFUSED, ("==1.3.0",), ("==1.3.0",)),
        (
            "acme-auth @ https://files.example/acme_auth-1.3.0.whl\n",
            "1.4.0",
            REFUSED,
            ("https://files.example/acme_auth-1.3.0.whl",),
            ("https://files.example/acme_auth-1.3.0.whl",),
        ),
        (
            "git+https://git.example/acme-auth.git@v1.3.0#egg=acme_auth\n",
            "1.4.0",
            REFUSED,
            ("git+https://git.example/acme-auth.git@v1.3.0#egg=acme_auth",),
            ("git+https://git.example/acme-auth.git@v1.3.0#egg=acme_auth",),
        ),
        ("git+https://git.example/other.git#egg=other\n./vendor/pkg\n", "1.4.0", NOT_USED, (), ()),
        # one refused line refuses the file: a half-bumped file would declare two versions
        (
            "acme-auth==1.3.0\nacme-auth!=1.4.0\n",
            "1.4.0",
            REFUSED,
            ("==1.3.0", "!=1.4.0"),
            ("==1.3.0", "!=1.4.0"),
        ),
    ],
)
def test_outcomes(
    text: str, version: str, outcome: Outcome, before: tuple[str, ...], after: tuple[str, ...]
) -> None:
    bump = bump_requirements(text, "acme-auth", version)
    assert (bump.outcome, bump.before, bump.after) == (outcome, before, after)
    if outcome is not UPDATED:
        assert bump.text == text
    assert bool(bump.note) == (outcome in {ALREADY, REFUSED})


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            HASHED,
            "line 1 pins acme-auth with --hash options: the hashes of 1.4.0 must be regenerated",
        ),
        ("acme-auth>=1.2,!=1.4.0\n", "!=1.4.0 excludes 1.4.0 explicitly"),
        ("acme-auth @ https://f.example/a.whl\n", "comes from https://f.example/a.whl"),
    ],
)
def test_refusals_say_why(text: str, words: str) -> None:
    assert words in bump_requirements(text, "acme-auth", "1.4.0").note


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("acme-auth==1.3.0\nacme-auth=>1.2\n", "line 2"),
        ("other==1\n\n# c\nacme auth==1.3\n", "line 4"),
        ("a==1 \\\n  --hash=sha256:00\nacme-auth[jwt==1.3\n", "line 3"),
        ("acme-auth==1.3.0 ; python_version <\n", "line 1"),
    ],
)
def test_an_invalid_requirement_is_a_manifest_error_with_its_line(text: str, line: str) -> None:
    with pytest.raises(ManifestError, match=f"^{line}: "):
        bump_requirements(text, "acme-auth", "1.4.0")


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("a\nb\n", [1, 2]),
        ("a \\\n  b\nc", [1, 3]),
        ("a \\\r\n  b\r\nc\r\n", [1, 3]),
        ("a \\", [1]),
        ("", []),
    ],
)
def test_logical_lines_keep_every_byte(text: str, numbers: list[int]) -> None:
    lines = logical_lines(text)
    assert [line.number for line in lines] == numbers
    assert "".join(line.text for line in lines) == text


def test_an_edit_that_does_not_survive_re_parsing_is_a_manifest_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.bumps import pip_requirements
    from app.bumps.occurrences import Occurrence

    real = pip_requirements.bump_requirement
    calls: list[str] = []

    def forgetful(text: str, package: str, version: str) -> tuple[Occurrence, str] | None:
        calls.append(text)
        if len(calls) == 1:
            return Occurrence(UPDATED, "==1.3.0", "==1.4.0"), text
        return real(text, package, version)

    monkeypatch.setattr(pip_requirements, "bump_requirement", forgetful)
    with pytest.raises(ManifestError, match="line 1: after the edit acme-auth still does not"):
        bump_requirements("acme-auth==1.3.0\n", "acme-auth", "1.4.0")
