"""package.json: ranges edited in place with their operator kept; everything else untouched."""

from __future__ import annotations

import pytest

from app.bumps.model import ManifestError, Outcome
from app.bumps.package_json import bump_package_json

MANIFEST = """{
  "name": "web",
  "version": "1.3.0",
  "dependencies": {
    "left-pad": "^1.3.0",
    "@acme/auth": "~1.3.0"
  },
  "devDependencies": {"exact": "1.3.0", "floor": ">=1.2.0", "star": "*",
    "tag": "latest", "capped": ">=1.0.0 <1.4.0", "git": "github:acme/git#v1",
    "file": "file:../file", "ws": "workspace:*", "newer": "^1.5.0", "escaped": "\\u005e1.3.0"},
  "peerDependencies": { "left-pad" : "1.x" },
  "optionalDependencies": {"opt": "=1.3.0"},
  "scripts": {"left-pad": "^1.3.0"}
}
"""

CASES = [
    # package, version, outcome, before, after, the changed line(s) (old, new)
    (
        "left-pad",
        "1.4.0",
        Outcome.UPDATED,
        ("^1.3.0", "1.x"),
        ("^1.4.0", "1.x"),
        [('"left-pad": "^1.3.0"', '"left-pad": "^1.4.0"')],
    ),
    ("left-pad", "2.0.0", Outcome.REFUSED, ("^1.3.0", "1.x"), ("^1.3.0", "1.x"), []),
    (
        "@acme/auth",
        "1.4.0",
        Outcome.UPDATED,
        ("~1.3.0",),
        ("~1.4.0",),
        [('"@acme/auth": "~1.3.0"', '"@acme/auth": "~1.4.0"')],
    ),
    (
        "exact",
        "1.4.0",
        Outcome.UPDATED,
        ("1.3.0",),
        ("1.4.0",),
        [('"exact": "1.3.0"', '"exact": "1.4.0"')],
    ),
    ("exact", "1.3.0", Outcome.ALREADY, ("1.3.0",), ("1.3.0",), []),
    (
        "opt",
        "v1.4.0",
        Outcome.UPDATED,
        ("=1.3.0",),
        ("=1.4.0",),
        [('"opt": "=1.3.0"', '"opt": "=1.4.0"')],
    ),
    ("floor", "1.4.0", Outcome.ALREADY, (">=1.2.0",), (">=1.2.0",), []),
    ("star", "1.4.0", Outcome.ALREADY, ("*",), ("*",), []),
    ("tag", "1.4.0", Outcome.ALREADY, ("latest",), ("latest",), []),
    ("capped", "1.4.0", Outcome.REFUSED, (">=1.0.0 <1.4.0",), (">=1.0.0 <1.4.0",), []),
    ("git", "1.4.0", Outcome.REFUSED, ("github:acme/git#v1",), ("github:acme/git#v1",), []),
    ("file", "1.4.0", Outcome.REFUSED, ("file:../file",), ("file:../file",), []),
    ("ws", "1.4.0", Outcome.REFUSED, ("workspace:*",), ("workspace:*",), []),
    ("newer", "1.4.0", Outcome.ALREADY, ("^1.5.0",), ("^1.5.0",), []),
    (
        "escaped",
        "1.4.0",
        Outcome.UPDATED,
        ("^1.3.0",),
        ("^1.4.0",),
        [('"escaped": "\\u005e1.3.0"', '"escaped": "^1.4.0"')],
    ),
    ("web", "1.4.0", Outcome.NOT_USED, (), (), []),
    ("scripts", "1.4.0", Outcome.NOT_USED, (), (), []),
]


@pytest.mark.parametrize(("package", "version", "outcome", "before", "after", "lines"), CASES)
def test_bump(package, version, outcome, before, after, lines):
    bump = bump_package_json(MANIFEST, package, version)
    expected = MANIFEST
    for old, new in lines:
        expected = expected.replace(old, new, 1)
    assert (bump.outcome, bump.before, bump.after) == (outcome, before, after)
    assert bump.text == expected
    assert bool(bump.note) is (outcome in (Outcome.ALREADY, Outcome.REFUSED))


def test_invalid_version_is_refused():
    bump = bump_package_json(MANIFEST, "exact", "next")
    assert (bump.outcome, bump.text) == (Outcome.REFUSED, MANIFEST)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{\n  "dependencies": {"a": "1.0.0",}\n}', "line 2"),
        ("[1, 2]", "not a JSON object"),
        ("", "line 1"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_unreadable(text, message):
    with pytest.raises(ManifestError, match=message):
        bump_package_json(text, "a", "1.1.0")


def test_large_file_is_linear():
    deps = ",\n".join(f'    "pkg{i}": "^1.0.{i}"' for i in range(20000))
    text = '{\n  "dependencies": {\n' + deps + "\n  }\n}\n"
    bump = bump_package_json(text, "pkg19999", "2.0.0")
    assert bump.text == text.replace('"pkg19999": "^1.0.19999"', '"pkg19999": "^2.0.0"')


@pytest.mark.parametrize("spec", ["1.3.0-", "^1.2.3+", "~1.2.3-..", "01.2.3", "=1.3.0-+"])
def test_a_simple_range_with_an_invalid_version_is_refused(spec):
    text = f'{{"dependencies": {{"a": "{spec}"}}}}'
    bump = bump_package_json(text, "a", "1.4.0")
    assert (bump.outcome, bump.text, bump.before) == (Outcome.REFUSED, text, (spec,))
    assert bump.note == f"`{spec}` is not a valid semver version; edit it by hand"


@pytest.mark.parametrize(
    ("text", "edited"),
    [
        (  # npm reads the last of a repeated key; the first may not even be an object
            '{"dependencies": {"a": "^1.0.0"},\n "dependencies": null}',
            None,
        ),
        (
            '{"dependencies": {"a": "^1.0.0"},\n "dependencies": {"a": "^1.1.0"}}',
            '{"dependencies": {"a": "^1.0.0"},\n "dependencies": {"a": "^1.4.0"}}',
        ),
        (
            '{"dependencies": {"a": "^1.0.0", "a": []}}',
            None,
        ),
        (
            '{"dependencies": {"a": [], "a": "^1.0.0"}}',
            '{"dependencies": {"a": [], "a": "^1.4.0"}}',
        ),
    ],
)
def test_of_a_repeated_key_only_the_last_counts(text, edited):
    bump = bump_package_json(text, "a", "1.4.0")
    if edited is None:
        assert (bump.outcome, bump.text) == (Outcome.NOT_USED, text)
    else:
        assert (bump.outcome, bump.text) == (Outcome.UPDATED, edited)
