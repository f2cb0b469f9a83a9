"""CODEOWNERS parsing and matching, against GitHub's documented behaviour."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.reviewers import codeowners
from app.reviewers.codeowners import (
    CODEOWNERS_PATHS,
    MAX_BYTES,
    CodeOwners,
    CodeOwnersProblem,
    OwnerRule,
    is_email,
    is_team,
    is_user,
    parse_codeowners,
)


def matches(pattern: str, path: str) -> bool:
    owners = parse_codeowners(f"{pattern} @owner\n")
    assert owners.problems == (), owners.problems
    return owners.rule_for(path) is not None


# (pattern, path, matches?)
MATCHING = [
    # `*` alone owns every file, at any depth, dotfiles included.
    ("*", "README.md", True),
    ("*", "src/deep/nested/file.py", True),
    ("*", ".github/workflows/ci.yml", True),
    # An extension: any depth; case-sensitive; not a longer extension.
    ("*.js", "index.js", True),
    ("*.js", "web/static/app.js", True),
    ("*.js", "web/app.jsx", False),
    ("*.js", "web/APP.JS", False),
    ("*.go", "cmd/main.go", True),
    ("*.txt", "notes/todo.txt", True),
    # An anchored directory with a slash inside: at the root only, any depth below it.
    ("/build/logs/", "build/logs/today.log", True),
    ("/build/logs/", "build/logs/2024/01/today.log", True),
    ("/build/logs/", "src/build/logs/today.log", False),
    ("/build/logs/", "build/logs", False),
    # `docs/*`: the files directly in the root docs/, not nested ones (GitHub's example).
    ("docs/*", "docs/getting-started.md", True),
    ("docs/*", "docs/build-app/troubleshooting.md", False),
    ("docs/*", "guide/docs/getting-started.md", False),
    ("docs/*", "docs", False),
    # `apps/`: an apps directory anywhere, and everything under it.
    ("apps/", "apps/web/index.ts", True),
    ("apps/", "services/apps/api.py", True),
    ("apps/", "a/b/apps/c/d.txt", True),
    ("apps/", "apps", False),
    ("apps/", "myapps/index.ts", False),
    # `/docs/`: the root docs directory and all its subdirectories.
    ("/docs/", "docs/index.md", True),
    ("/docs/", "docs/build-app/troubleshooting.md", True),
    ("/docs/", "guide/docs/index.md", False),
    # `**/logs`: a logs directory (or file) at any depth, and everything in it.
    ("**/logs", "build/logs/a.log", True),
    ("**/logs", "scripts/logs/b.log", True),
    ("**/logs", "deeply/nested/logs/c/d.log", True),
    ("**/logs", "logs/e.log", True),
    ("**/logs", "logs", True),
    ("**/logs", "build/logs.txt", False),
    ("**/logs", "catalogs/x", False),
    # `/apps/github` names a directory without a trailing slash: it and everything under it.
    ("/apps/github", "apps/github/index.js", True),
    ("/apps/github", "apps/github", True),
    ("/apps/github", "apps/githubber/index.js", False),
    ("/apps/github", "x/apps/github/index.js", False),
    # A name without a slash: anywhere, as a file or a directory (gitignore).
    ("docs", "docs/a.md", True),
    ("docs", "site/docs/a.md", True),
    ("docs", "docs", True),
    ("docs", "docs.md", False),
    ("Makefile", "tools/Makefile", True),
    # A leading slash anchors a name at the root.
    ("/docs", "docs/a.md", True),
    ("/docs", "site/docs/a.md", False),
    # A slash in the middle anchors too.
    ("src/app", "src/app/main.py", True),
    ("src/app", "lib/src/app/main.py", False),
    # `/*`: files at the root only.
    ("/*", "README.md", True),
    ("/*", "src/main.py", False),
    # A wildcard segment followed by a trailing slash: directories matching it, anywhere.
    ("f*/", "foo/bar", True),
    ("f*/", "bar/foo/baz", True),
    ("f*/", "foo", False),
    # `?` is one character, never a slash.
    ("file?.txt", "file1.txt", True),
    ("file?.txt", "file10.txt", False),
    ("a?b", "a/b", False),
    # A wildcard inside a path does not cross directories.
    ("src/*/test.py", "src/pkg/test.py", True),
    ("src/*/test.py", "src/pkg/sub/test.py", False),
    ("src/*.py", "src/main.py", True),
    ("src/*.py", "src/pkg/main.py", False),
    # `**` in the middle: zero or more directories.
    ("a/**/b", "a/b", True),
    ("a/**/b", "a/x/b", True),
    ("a/**/b", "a/x/y/b/c.txt", True),
    ("a/**/b", "x/a/b", False),
    # A trailing `/**`: everything inside, not the name itself; anchored.
    ("logs/**", "logs/a.log", True),
    ("logs/**", "logs/a/b.log", True),
    ("logs/**", "logs", False),
    ("logs/**", "src/logs/a.log", False),
    # `**` alone owns everything.
    ("**", "any/path/at/all.txt", True),
    ("**/*.md", "README.md", True),
    ("**/*.md", "docs/guide/intro.md", True),
    # Backslash escapes: a literal `*`, a space inside a pattern, literal brackets.
    ("f\\*o", "f*o", True),
    ("f\\*o", "foo", False),
    ("my\\ file.txt", "my file.txt", True),
    ("pages/\\[id\\].tsx", "pages/[id].tsx", True),
    # `#` inside a field is part of the pattern.
    ("issue#12.md", "notes/issue#12.md", True),
    # Other characters that mean something to regular expressions are literal.
    ("a+b.(c)|d$", "a+b.(c)|d$", True),
    ("a+b.(c)|d$", "aab.(c)|d$", False),
    ("über/", "über/ä.txt", True),
]


@pytest.mark.parametrize(("pattern", "path", "expected"), MATCHING)
def test_pattern_matching(pattern: str, path: str, expected: bool) -> None:
    assert matches(pattern, path) is expected


# The example in GitHub's documentation, reproduced as one file, in the same order. Each later
# line overrides the earlier ones for the paths it matches.
EXAMPLE = """\
# Default owners for the whole repository.
*       @global-owner1 @global-owner2

# The last matching line wins: JavaScript files go to @js-owner alone.
*.js    @js-owner #an inline comment

# An e-mail address as an owner.
*.go docs@example.com

# A team as an owner.
*.txt @octo-org/octocats

# The root build/logs directory, at any depth below it.
/build/logs/ @doctocat

# Files directly in docs/, not nested ones.
docs/*  docs@example.com

# An apps directory anywhere.
apps/ @octocat

# The root docs directory and all its subdirectories.
/docs/ @doctocat

# Two owners.
/scripts/ @doctocat @octocat

# A logs directory at any depth.
**/logs @octocat

# The root apps directory, but apps/github has no owner...
/apps/ @octocat
/apps/github

# ...or, later in the file, its own owner.
/apps/ @octocat
/apps/github @doctocat
"""

GLOBAL = ("@global-owner1", "@global-owner2")

EXAMPLE_OWNERS = [
    ("README.md", GLOBAL),
    ("src/main.py", GLOBAL),
    ("web/app.js", ("@js-owner",)),
    ("cmd/main.go", ("docs@example.com",)),
    ("notes/todo.txt", ("@octo-org/octocats",)),
    # `**/logs` comes after `/build/logs/`, so it wins.
    ("build/logs/today.log", ("@octocat",)),
    # `/docs/` comes after `docs/*`, so it wins for the files directly in docs/ too.
    ("docs/getting-started.md", ("@doctocat",)),
    ("docs/build-app/troubleshooting.md", ("@doctocat",)),
    ("lib/apps/x.py", ("@octocat",)),
    ("lib/apps/x.js", ("@octocat",)),
    ("scripts/deploy.sh", ("@doctocat", "@octocat")),
    ("scripts/logs/run.log", ("@octocat",)),
    ("deeply/nested/logs/a.txt", ("@octocat",)),
    ("apps/web/index.html", ("@octocat",)),
    ("apps/github/index.js", ("@doctocat",)),
]


@pytest.mark.parametrize(("path", "expected"), EXAMPLE_OWNERS)
def test_documented_example_as_one_file(path: str, expected: tuple[str, ...]) -> None:
    owners = parse_codeowners(EXAMPLE)
    assert owners.problems == ()
    assert owners.owners_of(path) == expected


def test_documented_example_rule_lines() -> None:
    owners = parse_codeowners(EXAMPLE)
    assert [rule.line for rule in owners.rules] == [
        2,
        5,
        8,
        11,
        14,
        17,
        20,
        23,
        26,
        29,
        32,
        33,
        36,
        37,
    ]
    assert owners.rules[1] == OwnerRule(5, "*.js", ("@js-owner",))
    assert owners.rules[11] == OwnerRule(33, "/apps/github", ())
    assert owners.rule_for("apps/github/x.js") == OwnerRule(37, "/apps/github", ("@doctocat",))


# Each documented example on its own: (file, path, owners).
SEPARATE_EXAMPLES = [
    ("* @g1 @g2\n*.js @js\n", "src/a.js", ("@js",)),
    ("* @g1 @g2\n*.js @js\n", "src/a.py", ("@g1", "@g2")),
    ("docs/* docs@example.com\n", "docs/getting-started.md", ("docs@example.com",)),
    ("docs/* docs@example.com\n", "docs/build-app/troubleshooting.md", ()),
    ("/apps/ @octocat\n/apps/github\n", "apps/main.js", ("@octocat",)),
    ("/apps/ @octocat\n/apps/github\n", "apps/github/main.js", ()),
    ("/apps/ @octocat\n/apps/github @doctocat\n", "apps/main.js", ("@octocat",)),
    ("/apps/ @octocat\n/apps/github @doctocat\n", "apps/github/main.js", ("@doctocat",)),
    # Owners on separate lines for the same pattern: only the last line counts.
    ("apps/ @octocat\napps/ @doctocat\n", "apps/a", ("@doctocat",)),
]


@pytest.mark.parametrize(("text", "path", "expected"), SEPARATE_EXAMPLES)
def test_documented_examples_separately(text: str, path: str, expected: tuple[str, ...]) -> None:
    assert parse_codeowners(text).owners_of(path) == expected


def test_removed_ownership_is_a_match_without_owners() -> None:
    owners = parse_codeowners("* @all\n/vendor/\n")
    rule = owners.rule_for("vendor/lib.c")
    assert rule == OwnerRule(2, "/vendor/", ())
    assert owners.owners_of("vendor/lib.c") == ()
    assert owners.owners_of("src/main.c") == ("@all",)


def test_a_later_broad_rule_overrides_an_earlier_narrow_one() -> None:
    owners = parse_codeowners("/src/core/ @core\n* @all\n")
    assert owners.owners_of("src/core/x.py") == ("@all",)


def test_no_match_and_empty_file() -> None:
    owners = parse_codeowners("/docs/ @docs\n")
    assert owners.rule_for("src/a.py") is None
    assert owners.owners_of("src/a.py") == ()
    empty = parse_codeowners("")
    assert empty == CodeOwners((), ())
    assert empty.owners_of("a") == ()


OWNERS = [
    ("@octocat", "user"),
    ("@Octo-Cat", "user"),
    ("@a1", "user"),
    ("@user_shortcode", "user"),
    ("@octo-org/octocats", "team"),
    ("@Org/Team_Name-2", "team"),
    ("docs@example.com", "email"),
    ("first.last+tag@sub.example.co.uk", "email"),
    ("octocat", None),
    ("@", None),
    ("@-octocat", None),
    ("@@maintainer", None),
    ("@org/", None),
    ("@org/team/child", None),
    ("@org/te.am", None),
    ("user@localhost", None),
    ("user@@example.com", None),
    ("a/b@example.com", None),
    ("@user@example.com", None),
    ("#comment", None),
]


@pytest.mark.parametrize(("owner", "kind"), OWNERS)
def test_owner_kinds(owner: str, kind: str | None) -> None:
    assert (is_user(owner), is_team(owner), is_email(owner)) == (
        kind == "user",
        kind == "team",
        kind == "email",
    )


def test_owners_are_kept_as_written_in_order() -> None:
    owners = parse_codeowners("*.py @b a@example.com @org/team @A\n")
    assert owners.owners_of("x.py") == ("@b", "a@example.com", "@org/team", "@A")


INVALID_LINES = [
    ("!*.md @docs", "'!' negation is not supported by GitHub: line skipped"),
    ("!/vendor/", "'!' negation is not supported by GitHub: line skipped"),
    ("*.[ch] @c-team", "'[ ]' character ranges are not supported by GitHub: line skipped"),
    ("src/[a-z]*/ @a", "'[ ]' character ranges are not supported by GitHub: line skipped"),
    ("\\#notes.md @a", "escaping a leading '#' with '\\' is not supported by GitHub: line skipped"),
    ("/ @a", "pattern '/' matches nothing (did you mean '*'?): line skipped"),
    ("src//lib @a", "pattern 'src//lib' has an empty path segment ('//'): line skipped"),
    ("foo\\ @a", None),  # `foo\ @a` is one field: the pattern `foo\ @a`, no owners
    ("foo\\", "pattern 'foo\\\\' ends with a lone '\\': line skipped"),
    (
        "* octocat",
        "invalid owner 'octocat' (not @user, @org/team or an e-mail address): line skipped",
    ),
    (
        "* @ok @@maintainer",
        "invalid owner '@@maintainer' (not @user, @org/team or an e-mail address): line skipped",
    ),
    (
        "* @org/team/child",
        "invalid owner '@org/team/child' (not @user, @org/team or an e-mail address): line skipped",
    ),
]


@pytest.mark.parametrize(("line", "message"), INVALID_LINES)
def test_invalid_lines_are_skipped_and_reported(line: str, message: str | None) -> None:
    owners = parse_codeowners(f"# header\n\n* @default\n{line}\n/end/ @end\n")
    if message is None:
        assert owners.problems == ()
        return
    assert owners.problems == (CodeOwnersProblem(4, message),)
    assert [rule.line for rule in owners.rules] == [3, 5]
    assert owners.owners_of("anything.md") == ("@default",)


def test_every_invalid_line_is_reported_with_its_number() -> None:
    text = "* @a\n!x @b\n\n# c\n*.[ch] @c\nok/ @d\n* nobody\n"
    owners = parse_codeowners(text)
    assert [problem.line for problem in owners.problems] == [2, 5, 7]
    assert [rule.line for rule in owners.rules] == [1, 6]


COMMENTS = [
    # (file, path, owners)
    ("# just a comment\n", "a", ()),
    ("   # an indented comment\n", "a", ()),
    ("*.js @js # trailing comment\n", "a.js", ("@js",)),
    ("*.js @js #no space after the hash\n", "a.js", ("@js",)),
    ("*.js\t@js\t# after a tab\n", "a.js", ("@js",)),
    ("/apps/ @a\n/apps/github # no owners, then a comment\n", "apps/github/x", ()),
    ("*.js @js#not-a-comment\n", "a.js", ()),  # `@js#not-a-comment` is an invalid owner
    ("\n\n   \n\t\n", "a", ()),
]


@pytest.mark.parametrize(("text", "path", "expected"), COMMENTS)
def test_comments_and_blank_lines(text: str, path: str, expected: tuple[str, ...]) -> None:
    assert parse_codeowners(text).owners_of(path) == expected


def test_a_hash_in_the_middle_of_an_owner_makes_it_invalid() -> None:
    owners = parse_codeowners("*.js @js#x\n")
    assert owners.rules == ()
    assert owners.problems[0].line == 1


def test_crlf_line_endings() -> None:
    owners = parse_codeowners("# c\r\n* @a\r\n*.md @b @c\r\n/apps/github\r\n")
    assert owners.rules == (
        OwnerRule(2, "*", ("@a",)),
        OwnerRule(3, "*.md", ("@b", "@c")),
        OwnerRule(4, "/apps/github", ()),
    )
    assert owners.owners_of("x.md") == ("@b", "@c")


@pytest.mark.parametrize("content", ["\ufeff* @a\n*.md @b\n", b"\xef\xbb\xbf* @a\n*.md @b\n"])
def test_utf8_byte_order_mark(content: str | bytes) -> None:
    owners = parse_codeowners(content)
    assert owners.problems == ()
    assert owners.rules[0] == OwnerRule(1, "*", ("@a",))
    assert owners.owners_of("src/x.py") == ("@a",)


def test_trailing_and_leading_whitespace() -> None:
    owners = parse_codeowners("  *.md   @a\t @b   \t\n/docs/ \t\n")
    assert owners.rules == (OwnerRule(1, "*.md", ("@a", "@b")), OwnerRule(2, "/docs/", ()))


def test_bytes_and_text_give_the_same_result() -> None:
    text = "* @a\n/docs/ docs@example.com\nüber/ @u\n"
    assert parse_codeowners(text) == parse_codeowners(text.encode())


def test_invalid_utf8_is_reported_and_the_rest_parsed() -> None:
    owners = parse_codeowners(b"* @a\n/caf\xe9/ @b\n/ok/ @c\n")
    assert owners.problems == (
        CodeOwnersProblem(2, "the file is not valid UTF-8: undecodable bytes were replaced"),
    )
    assert owners.owners_of("ok/x") == ("@c",)
    assert owners.owners_of("cafe/x") == ("@a",)
    with_bom = parse_codeowners(b"\xef\xbb\xbf*\n\xff @a\n")
    assert [problem.line for problem in with_bom.problems] == [2]


def test_over_3_mb_is_ignored_whole() -> None:
    content = b"* @a\n" + b"#" * MAX_BYTES
    owners = parse_codeowners(content)
    assert owners.rules == ()
    assert len(owners.problems) == 1
    assert "3 MB" in owners.problems[0].message
    assert owners.owners_of("x") == ()


def test_exactly_3_mb_is_parsed() -> None:
    content = b"* @a\n" + b"#" * (MAX_BYTES - 5)
    assert len(content) == MAX_BYTES
    owners = parse_codeowners(content)
    assert owners.problems == ()
    assert owners.owners_of("x") == ("@a",)


def test_the_3_mb_cap_counts_utf8_bytes_of_text() -> None:
    text = "* @a\n#" + "é" * (MAX_BYTES // 2)  # fewer characters than MAX_BYTES, more bytes
    assert len(text) < MAX_BYTES
    owners = parse_codeowners(text)
    assert owners.rules == ()
    assert len(owners.problems) == 1


def test_lookup_order_of_the_file() -> None:
    assert CODEOWNERS_PATHS == (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
    assert MAX_BYTES == 3 * 1024 * 1024


def test_built_from_rules_directly() -> None:
    owners = CodeOwners((OwnerRule(1, "*", ("@a",)), OwnerRule(2, "/docs/", ("@d",))), ())
    assert owners.owners_of("docs/x.md") == ("@d",)
    assert owners.owners_of("x.md") == ("@a",)
    assert owners == parse_codeowners("* @a\n/docs/ @d\n")
    with pytest.raises(ValueError, match="negation"):
        CodeOwners((OwnerRule(1, "!x", ()),), ())


def test_last_match_wins_across_many_rules() -> None:
    # More rules than one re2.Set holds, so the lookup crosses blocks.
    lines = ["* @default"] + [f"/pkg{i}/ @owner{i}" for i in range(700)] + ["/pkg5/special/ @sp"]
    owners = parse_codeowners("\n".join(lines))
    assert owners.owners_of("pkg5/special/x") == ("@sp",)
    assert owners.owners_of("pkg5/x") == ("@owner5",)
    assert owners.owners_of("pkg699/x") == ("@owner699",)
    assert owners.owners_of("pkg300/x") == ("@owner300",)
    assert owners.owners_of("other/x") == ("@default",)
    assert owners.rule_for("pkg0/x") == OwnerRule(2, "/pkg0/", ("@owner0",))


def test_without_a_set_the_single_expressions_give_the_same_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # When RE2 cannot build or run a block's set, each rule's own expression answers.
    monkeypatch.setattr(codeowners, "_set_of", lambda expressions: None)
    for pattern, path, expected in MATCHING:
        assert matches(pattern, path) is expected, (pattern, path)
    for path, expected in EXAMPLE_OWNERS:
        assert parse_codeowners(EXAMPLE).owners_of(path) == expected


def test_paths_that_are_not_utf8_do_not_raise() -> None:
    owners = parse_codeowners("* @a\n/x/ @b\n")
    assert owners.owners_of("x/\ud800") == ("@b",)
    assert isinstance(owners.owners_of("\ud800"), tuple)


def test_a_hostile_pattern_matches_in_linear_time() -> None:
    # Backtracking regular expressions take ages on this; RE2 does not.
    owners = parse_codeowners("*a*a*a*a*a*a*a*a*a*a*b @slow\n")
    assert owners.owners_of("a" * 20_000) == ()
    assert owners.owners_of("a" * 20_000 + "b") == ("@slow",)


CODEOWNERS_ALPHABET = st.sampled_from([*"ab*?/\\#![] @.\t\r\n-_ü", "**", "@o", "@o/t"])
codeowners_like = st.lists(CODEOWNERS_ALPHABET, max_size=60).map("".join)
paths = st.text(max_size=40) | st.lists(st.sampled_from(["a", "b", "ü", "*", "/"])).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.text() | codeowners_like | st.binary(), paths)
def test_parsing_and_lookup_never_raise(content: str | bytes, path: str) -> None:
    owners = parse_codeowners(content)
    for problem in owners.problems:
        assert problem.line >= 1
    for rule in owners.rules:
        assert rule.line >= 1
        assert all(is_user(o) or is_team(o) or is_email(o) for o in rule.owners)
    found = owners.owners_of(path)
    assert isinstance(found, tuple)
    rule = owners.rule_for(path)
    assert found == (() if rule is None else rule.owners)
