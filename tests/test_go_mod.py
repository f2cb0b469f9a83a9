"""go.mod: require versions edited in place, same major only, comments kept."""

from __future__ import annotations

import pytest

from app.bumps.go_mod import bump_go_mod
from app.bumps.model import ManifestError, Outcome

GO_MOD = """module example.com/app

go 1.22

require github.com/single/mod v1.3.0 // pinned for the CI image

require (
\tgithub.com/acme/auth v1.3.0
\tgithub.com/acme/util v1.3.0 // indirect
\tgithub.com/acme/v2lib/v2 v2.1.0
\tgopkg.in/yaml.v3 v3.0.1
\tgolang.org/x/pseudo v0.0.0-20230101120000-abcdef123456
\tgithub.com/old/lib v2.3.0+incompatible
\tgithub.com/acme/forked v1.3.0
\t"github.com/acme/quoted" v1.3.0
)

replace github.com/acme/forked => ../forked
"""

CASES = [
    # module, version, outcome, before, after, (old line, new line) or None
    (
        "github.com/acme/auth",
        "1.4.0",
        Outcome.UPDATED,
        ("v1.3.0",),
        ("v1.4.0",),
        ("\tgithub.com/acme/auth v1.3.0\n", "\tgithub.com/acme/auth v1.4.0\n"),
    ),
    (
        "github.com/acme/util",
        "v1.4.0",
        Outcome.UPDATED,
        ("v1.3.0",),
        ("v1.4.0",),
        ("util v1.3.0 // indirect", "util v1.4.0 // indirect"),
    ),
    (
        "github.com/single/mod",
        "v1.3.1",
        Outcome.UPDATED,
        ("v1.3.0",),
        ("v1.3.1",),
        ("mod v1.3.0 // pinned", "mod v1.3.1 // pinned"),
    ),
    (
        "github.com/acme/quoted",
        "1.4.0",
        Outcome.UPDATED,
        ("v1.3.0",),
        ("v1.4.0",),
        ('"github.com/acme/quoted" v1.3.0', '"github.com/acme/quoted" v1.4.0'),
    ),
    (
        "github.com/acme/v2lib/v2",
        "2.2.0",
        Outcome.UPDATED,
        ("v2.1.0",),
        ("v2.2.0",),
        ("v2 v2.1.0", "v2 v2.2.0"),
    ),
    (
        "gopkg.in/yaml.v3",
        "3.0.2",
        Outcome.UPDATED,
        ("v3.0.1",),
        ("v3.0.2",),
        ("yaml.v3 v3.0.1", "yaml.v3 v3.0.2"),
    ),
    (
        "golang.org/x/pseudo",
        "0.1.0",
        Outcome.UPDATED,
        ("v0.0.0-20230101120000-abcdef123456",),
        ("v0.1.0",),
        ("pseudo v0.0.0-20230101120000-abcdef123456", "pseudo v0.1.0"),
    ),
    (
        "github.com/old/lib",
        "2.4.0",
        Outcome.UPDATED,
        ("v2.3.0+incompatible",),
        ("v2.4.0+incompatible",),
        ("lib v2.3.0+incompatible", "lib v2.4.0+incompatible"),
    ),
    ("github.com/acme/auth", "1.3.0", Outcome.ALREADY, ("v1.3.0",), ("v1.3.0",), None),
    ("github.com/acme/auth", "1.2.0", Outcome.ALREADY, ("v1.3.0",), ("v1.3.0",), None),
    ("github.com/acme/auth", "2.0.0", Outcome.REFUSED, ("v1.3.0",), ("v1.3.0",), None),
    ("github.com/acme/v2lib/v2", "3.0.0", Outcome.REFUSED, ("v2.1.0",), ("v2.1.0",), None),
    ("github.com/acme/forked", "1.4.0", Outcome.REFUSED, ("v1.3.0",), ("v1.3.0",), None),
    ("github.com/absent/mod", "1.4.0", Outcome.NOT_USED, (), (), None),
    ("example.com/app", "1.4.0", Outcome.NOT_USED, (), (), None),
]


@pytest.mark.parametrize(("module", "version", "outcome", "before", "after", "edit"), CASES)
def test_bump(module, version, outcome, before, after, edit):
    bump = bump_go_mod(GO_MOD, module, version)
    expected = GO_MOD.replace(*edit, 1) if edit else GO_MOD
    assert (bump.outcome, bump.before, bump.after) == (outcome, before, after)
    assert bump.text == expected


@pytest.mark.parametrize(
    ("module", "version", "note"),
    [
        ("github.com/acme/auth", "2.0.0", "(github.com/acme/auth/v2); update imports by hand"),
        ("github.com/acme/v2lib/v2", "3.0.0", "(github.com/acme/v2lib/v3)"),
        ("gopkg.in/yaml.v3", "4.0.0", "(gopkg.in/yaml.v4)"),
        ("github.com/acme/forked", "1.4.0", "replaces github.com/acme/forked with ../forked"),
        ("github.com/acme/auth", "1.4", "not a Go module version"),
    ],
)
def test_refusal_notes(module, version, note):
    bump = bump_go_mod(GO_MOD, module, version)
    assert bump.outcome is Outcome.REFUSED
    assert note in bump.note


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("module m\n\nrequire (\n\ta v1.0.0\n", "not closed"),
        ("module m\nrequire a\n", "line 2: malformed require"),
        ("module m\nrequire (\n\ta 1.0.0\n)\n", "line 3: 1.0.0 is not a version"),
        ("module m\nreplace a => \n", "line 2: malformed replace"),
    ],
)
def test_unreadable(text, message):
    with pytest.raises(ManifestError, match=message):
        bump_go_mod(text, "a", "1.1.0")


def test_large_file_is_linear():
    body = "".join(f"\texample.com/m{i} v1.0.{i}\n" for i in range(20000))
    text = f"module m\n\nrequire (\n{body})\n"
    bump = bump_go_mod(text, "example.com/m19999", "1.1.0")
    assert bump.text == text.replace("m19999 v1.0.19999", "m19999 v1.1.0")
