import pytest

from app.bumps.model import ManifestError, Outcome
from app.bumps.pep440 import at_precision, bump_specifier, next_at_precision, parse_version

UPDATED, ALREADY, REFUSED = Outcome.UPDATED, Outcome.ALREADY, Outcome.REFUSED


@pytest.mark.parametrize(
    ("spec", "version", "outcome", "after"),
    [
        ("==1.3.0", "1.4.0", UPDATED, "==1.4.0"),
        ("== 1.3.0", "1.4.0", UPDATED, "== 1.4.0"),
        ("==1.3.*", "1.4.2", UPDATED, "==1.4.*"),
        ("==1.4.0", "1.4.0", ALREADY, "==1.4.0"),
        ("==1.4", "1.4.0", ALREADY, "==1.4"),
        ("~=1.3", "1.4.0", ALREADY, "~=1.3"),
        ("~=1.3.0", "1.4.0", UPDATED, "~=1.4.0"),
        ("~=1.3.0", "2", UPDATED, "~=2.0.0"),
        ("~=1.3", "2.1.5", UPDATED, "~=2.1"),
        (">=1.2,<1.4", "1.4.0", UPDATED, ">=1.2,<1.5"),
        (">=1.2,,<1.4", "1.4.0", UPDATED, ">=1.2,,<1.5"),
        (">=1.2, <1.4", "1.7.2", UPDATED, ">=1.2, <1.8"),
        (">=1.2,<2", "2.3.0", UPDATED, ">=1.2,<3"),
        ("<1.4.0,>=1.2", "1.4.0", UPDATED, "<1.4.1,>=1.2"),
        ("<=1.4", "1.5.0", UPDATED, "<=1.5"),
        ("<=1.4", "1.5.2", UPDATED, "<=1.5.2"),
        (">=1.2,<2", "1.9", ALREADY, ">=1.2,<2"),
        (">=1.2", "1.4.0", ALREADY, ">=1.2"),
        ("", "1.4.0", ALREADY, ""),
        ("!=1.3.0", "1.4.0", ALREADY, "!=1.3.0"),
        (">=1.2,!=1.4.0", "1.4.0", REFUSED, ">=1.2,!=1.4.0"),
        ("!=1.4.*", "1.4.1", REFUSED, "!=1.4.*"),
        ("==1.3.0", "1.2.0", REFUSED, "==1.3.0"),
        (">=1.5", "1.4.0", REFUSED, ">=1.5"),
        ("~=1.5.0", "1.4.0", REFUSED, "~=1.5.0"),
        ("===1.3.0", "1.4.0", REFUSED, "===1.3.0"),
        # pre-release targets: judged with pre-releases allowed ...
        (">=1.2", "2.0.0rc1", ALREADY, ">=1.2"),
        # ... moved onto only when the specifier already names a pre-release
        ("==1.3.0", "2.0.0rc1", REFUSED, "==1.3.0"),
        ("~=1.3.0", "2.0.0rc1", REFUSED, "~=1.3.0"),
        ("==2.0.0b1", "2.0.0rc1", UPDATED, "==2.0.0rc1"),
        ("~=2.0.0b1", "2.1.0rc1", UPDATED, "~=2.1.0rc1"),
        (">=2.0.0a1,<2.0.0b1", "2.0.0rc1", UPDATED, ">=2.0.0a1,<2.0.1"),
    ],
)
def test_bump_specifier(spec: str, version: str, outcome: Outcome, after: str) -> None:
    bumped = bump_specifier(spec, version)
    assert (bumped.outcome, bumped.spec) == (outcome, after)
    assert bool(bumped.note) == (outcome is not UPDATED)


@pytest.mark.parametrize(
    ("spec", "version", "words"),
    [
        (">=1.2,!=1.4.0", "1.4.0", "excludes 1.4.0 explicitly"),
        ("==1.3.0", "1.2.0", "does not downgrade"),
        ("==1.3.0", "2.0.0rc1", "does not opt into pre-releases"),
        ("===1.3.0", "1.4.0", "arbitrary string match"),
    ],
)
def test_refusals_say_why(spec: str, version: str, words: str) -> None:
    assert words in bump_specifier(spec, version).note


@pytest.mark.parametrize("spec", ["=>1.2", "==", "~=1", "1.2", "<<2"])
def test_a_broken_specifier_is_a_manifest_error(spec: str) -> None:
    with pytest.raises(ManifestError, match="not a PEP 440 version specifier"):
        bump_specifier(spec, "1.4.0")


def test_a_broken_target_version_is_the_callers_error() -> None:
    with pytest.raises(ValueError, match="not a PEP 440 version"):
        bump_specifier("==1.3.0", "latest")


@pytest.mark.parametrize(
    ("version", "precision", "suffix", "expected"),
    [
        ("1.4.0", 2, False, "1.4"),
        ("2", 3, False, "2.0.0"),
        ("2.0.0rc1", 3, True, "2.0.0rc1"),
        ("2.0.0rc1", 2, True, "2.0rc1"),
        ("2.0.1rc1", 2, True, "2.0"),
        ("1.4.0.dev3", 3, True, "1.4.0.dev3"),
    ],
)
def test_at_precision(version: str, precision: int, suffix: bool, expected: str) -> None:
    assert at_precision(parse_version(version), precision, suffix=suffix) == expected


@pytest.mark.parametrize(
    ("version", "precision", "expected"),
    [("1.4.0", 2, "1.5"), ("2.3.0", 1, "3"), ("1.4.0", 3, "1.4.1"), ("2", 2, "2.1")],
)
def test_next_at_precision(version: str, precision: int, expected: str) -> None:
    assert next_at_precision(parse_version(version), precision) == expected
