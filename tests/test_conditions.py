from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.attributes import Kind
from app.engine.conditions import (
    AllOf,
    AnyOf,
    Condition,
    ConditionError,
    FactValue,
    GroupOutcome,
    Leaf,
    LeafOutcome,
    Not,
    Operator,
    Regex,
    RelativeTime,
    StaticFacts,
    Team,
    attributes_used,
    decided,
    evaluate,
    parse_condition,
    parse_tree,
)

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TEAMS = {"acme/backend": {"alice", "Bob"}, "acme/empty": set()}


def holds(text: str, values: dict[str, FactValue]) -> bool:
    outcome = evaluate(parse_tree(text), StaticFacts(values, TEAMS), NOW)
    return outcome.holds


# Parsing


@pytest.mark.parametrize(
    ("text", "name", "negated", "count", "operator", "value"),
    [
        ("draft", "draft", False, False, None, None),
        ("-draft", "draft", True, False, None, None),
        ("- draft", "draft", True, False, None, None),
        ("  conflict  ", "conflict", False, False, None, None),
        ("-prerelease", "prerelease", True, False, None, None),
        ("base=main", "base", False, False, Operator.EQ, "main"),
        ("base = main", "base", False, False, Operator.EQ, "main"),
        ("base!=main", "base", False, False, Operator.NE, "main"),
        ("-base=main", "base", True, False, Operator.EQ, "main"),
        ("title=a b c", "title", False, False, Operator.EQ, "a b c"),
        ("body=", "body", False, False, Operator.EQ, ""),
        ("tag=v1.2.3", "tag", False, False, Operator.EQ, "v1.2.3"),
        ("label=a=b", "label", False, False, Operator.EQ, "a=b"),
        ("label!=do-not-merge", "label", False, False, Operator.NE, "do-not-merge"),
        ("check-success=ci", "check-success", False, False, Operator.EQ, "ci"),
        ("number=42", "number", False, False, Operator.EQ, 42),
        ("number>=-1", "number", False, False, Operator.GE, -1),
        ("additions<=10", "additions", False, False, Operator.LE, 10),
        ("deletions>0", "deletions", False, False, Operator.GT, 0),
        ("changed-lines<1.5", "changed-lines", False, False, Operator.LT, 1.5),
        ("#commits>3", "#commits", False, False, Operator.GT, 3),
        ("#commits-behind>0", "#commits-behind", False, False, Operator.GT, 0),
        ("#files>=10", "files", False, True, Operator.GE, 10),
        ("-#label=0", "label", True, True, Operator.EQ, 0),
        ("#approved-reviews-by>=2", "approved-reviews-by", False, True, Operator.GE, 2),
        ("#changes-requested-reviews-by=0", "changes-requested-reviews-by", False, True,
         Operator.EQ, 0),
        ("author=@acme/backend", "author", False, False, Operator.EQ, Team("acme", "backend")),
        ("approved-reviews-by=@acme/backend", "approved-reviews-by", False, False, Operator.EQ,
         Team("acme", "backend")),
        ("assignee!=@acme/back.end_2", "assignee", False, False, Operator.NE,
         Team("acme", "back.end_2")),
        ("label=@acme/backend", "label", False, False, Operator.EQ, "@acme/backend"),
        ("created-at<3 days ago", "created-at", False, False, Operator.LT,
         RelativeTime(timedelta(days=3))),
        ("updated-at>=1 week ago", "updated-at", False, False, Operator.GE,
         RelativeTime(timedelta(weeks=1))),
        ("updated-at>90minutes ago", "updated-at", False, False, Operator.GT,
         RelativeTime(timedelta(minutes=90))),
        ("created-at<=2 HOURS AGO", "created-at", False, False, Operator.LE,
         RelativeTime(timedelta(hours=2))),
        ("created-at>2026-01-01", "created-at", False, False, Operator.GT,
         datetime(2026, 1, 1, tzinfo=UTC)),
        ("created-at!=2026-01-01T10:00:00+02:00", "created-at", False, False, Operator.NE,
         datetime(2026, 1, 1, 8, tzinfo=UTC)),
        ("created-at=2026-01-01T10:00:00Z", "created-at", False, False, Operator.EQ,
         datetime(2026, 1, 1, 10, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_parse(
    text: str, name: str, negated: bool, count: bool, operator: Operator | None, value: Any
) -> None:
    condition = parse_condition(text)
    assert condition.attribute.name == name
    assert condition.text == text
    assert (condition.negated, condition.count, condition.operator) == (negated, count, operator)
    assert condition.value == value


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("title~=^WIP", "^WIP"),
        ("files~=^services/api/", "^services/api/"),
        ("-label~=(?i)hold", "(?i)hold"),
        ("approved-reviews-by~=@acme", "@acme"),
        ("body~=", ""),
    ],
)
def test_parse_regex(text: str, pattern: str) -> None:
    value = parse_condition(text).value
    assert isinstance(value, Regex)
    assert value.pattern == pattern


def test_count_conditions_compare_numbers() -> None:
    assert parse_condition("#files>1").kind is Kind.NUMBER
    assert parse_condition("files=a").kind is Kind.LIST


def test_conditions_are_frozen() -> None:
    condition = parse_condition("base=main")
    with pytest.raises(AttributeError):
        condition.negated = True  # type: ignore[misc]
    assert condition == parse_condition("base=main")


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("", "empty condition", 0),
        ("   ", "empty condition", 0),
        ("-", "expected an attribute name, found the end", 1),
        ("=main", "expected an attribute name, found '='", 0),
        ("--draft", "expected an attribute name, found '-'", 1),
        ("#", "expected an attribute name, found the end", 1),
        ("lable=x", "unknown attribute 'lable' (did you mean 'label'", 0),
        ("-drfat", "unknown attribute 'drfat' (did you mean 'draft'", 1),
        ("#comits>1", "unknown attribute '#comits' (did you mean '#commits'", 0),
        ("-#lables>1", "unknown attribute '#lables' (did you mean '#label'", 1),
        ("#title>1", "'#' takes the length of a list attribute; title is a text attribute", 0),
        ("#number>1", "number is a number attribute", 0),
        ("-#draft", "draft is a boolean attribute", 1),
        ("draft=foo", "draft is a boolean and takes no operator; write draft or -draft", 5),
        ("merged != true", "merged is a boolean and takes no operator", 7),
        ("title>3", "'>' does not apply to title (text); use =, !=, ~=", 5),
        ("base<=main", "'<=' does not apply to base (text)", 4),
        ("label>=x", "'>=' does not apply to label (list of text); use =, !=, ~=", 5),
        ("number~=4", "'~=' does not apply to number (number); use =, !=, >=, <=, >, <", 6),
        ("#files~=3", "'~=' does not apply to #files (number)", 6),
        ("created-at~=2026", "'~=' does not apply to created-at (time)", 10),
        ("title", "title needs an operator and a value, e.g. title=...", 5),
        ("#files", "#files needs an operator and a value", 6),
        ("created-at ", "created-at needs an operator and a value", 11),
        ("title?x", "expected an operator (=, !=, ~=, >=, <=, >, <) after title, found '?'", 5),
        ("title ! x", "found '!'", 6),
        ("draft x", "found 'x'", 6),
        ("number=four", "expected a number, found 'four'", 7),
        ("number>= 1e3", "expected a number, found '1e3'", 9),
        ("#files>", "expected a number, found ''", 7),
        ("created-at<yesterday",
         "expected a time (ISO 8601, or 'N minutes|hours|days|weeks ago')", 11),
        ("created-at<3 days", "found '3 days'", 11),
        ("created-at<3 fortnights ago", "found '3 fortnights ago'", 11),
        ("created-at<2026-13-01", "expected a time", 11),
        ("created-at<99999999999 days ago", "is too far in the past", 11),
        ("title~=a(", "invalid regular expression 'a(': missing ): a(", 7),
        ("-files ~= (a)\\1", "invalid regular expression '(a)\\1': invalid escape sequence", 10),
        ("body~=(?=x)", "invalid regular expression '(?=x)'", 6),
        ("author=@alice", "a team is written @org/team-slug, found '@alice'", 7),
        ("approved-reviews-by=@acme/", "a team is written @org/team-slug", 20),
        ("assignee!=@a/b/c", "found '@a/b/c'", 10),
    ],
)  # fmt: skip
def test_parse_errors(text: str, message: str, column: int) -> None:
    with pytest.raises(ConditionError) as caught:
        parse_condition(text)
    assert message in caught.value.message
    assert caught.value.column == column
    assert caught.value.path is None


def test_parse_rejects_non_text() -> None:
    with pytest.raises(ConditionError, match="must be text, not int"):
        parse_condition(3)  # type: ignore[arg-type]


# Evaluation of single conditions

CREATED = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)  # five days before NOW


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        # booleans
        ("draft", {"draft": True}, True),
        ("draft", {"draft": False}, False),
        ("-draft", {"draft": True}, False),
        ("-draft", {"draft": False}, True),
        ("draft", {}, False),
        ("-draft", {}, True),
        ("prerelease", {"prerelease": True}, True),
        # text
        ("base=main", {"base": "main"}, True),
        ("base=main", {"base": "Main"}, False),
        ("base=main", {"base": "dev"}, False),
        ("base!=main", {"base": "dev"}, True),
        ("base!=main", {"base": "main"}, False),
        ("-base=main", {"base": "dev"}, True),
        ("-base!=main", {"base": "main"}, True),
        ("base=main", {}, False),
        ("base!=main", {}, False),
        ("-base=main", {}, True),
        ("title~=^WIP", {"title": "WIP: thing"}, True),
        ("title~=WIP", {"title": "a WIP thing"}, True),
        ("title~=^WIP", {"title": "a WIP thing"}, False),
        ("title~=(?i)^wip", {"title": "WIP: thing"}, True),
        ("-title~=^WIP", {"title": "done"}, True),
        ("body=", {"body": ""}, True),
        ("body~=", {"body": "anything"}, True),
        ("tag~=^v[0-9]+\\.", {"tag": "v1.2.0"}, True),
        ("author=alice", {"author": "Alice"}, True),
        ("author!=alice", {"author": "ALICE"}, False),
        ("author=@acme/backend", {"author": "bob"}, True),
        ("author=@acme/backend", {"author": "carol"}, False),
        ("author!=@acme/backend", {"author": "carol"}, True),
        ("author=@acme/unknown", {"author": "alice"}, False),
        # lists
        ("label=api", {"label": ["bug", "api"]}, True),
        ("label=api", {"label": ["bug"]}, False),
        ("label=api", {"label": []}, False),
        ("label!=api", {"label": ["bug"]}, True),
        ("label!=api", {"label": []}, True),
        ("label!=api", {"label": ["bug", "api"]}, False),
        ("-label=do-not-merge", {"label": ["api"]}, True),
        ("-label=do-not-merge", {"label": ["do-not-merge"]}, False),
        ("label=api", {}, False),
        ("label!=api", {}, False),
        ("files~=^services/api/", {"files": ["README.md", "services/api/x.py"]}, True),
        ("files~=^services/api/", {"files": ["services/web/x.py"]}, False),
        ("files~=^services/api/", {"files": []}, False),
        ("-files~=\\.md$", {"files": ["a.py"]}, True),
        ("check-success=ci", {"check-success": ["lint", "ci"]}, True),
        ("check-failure=ci", {"check-failure": ["lint"]}, False),
        ("approved-reviews-by=alice", {"approved-reviews-by": ["ALICE"]}, True),
        ("approved-reviews-by=@acme/backend", {"approved-reviews-by": ["carol", "bob"]}, True),
        ("approved-reviews-by=@acme/backend", {"approved-reviews-by": ["carol"]}, False),
        ("approved-reviews-by=@acme/empty", {"approved-reviews-by": ["carol"]}, False),
        ("approved-reviews-by!=@acme/backend", {"approved-reviews-by": ["carol"]}, True),
        ("approved-reviews-by!=@acme/backend", {"approved-reviews-by": ["alice"]}, False),
        ("review-requested=@acme/backend", {"review-requested": ["@acme/backend"]}, True),
        ("review-requested=@Acme/Backend", {"review-requested": ["@acme/backend"]}, True),
        ("-changes-requested-reviews-by=@acme/backend",
         {"changes-requested-reviews-by": ["carol"]}, True),
        ("label=@acme/backend", {"label": ["@acme/backend"]}, True),
        # numbers
        ("number=42", {"number": 42}, True),
        ("number=42", {"number": 41}, False),
        ("number!=42", {"number": 41}, True),
        ("number>=42", {"number": 42}, True),
        ("number>=42", {"number": 41}, False),
        ("number<=42", {"number": 42}, True),
        ("number<=42", {"number": 43}, False),
        ("number>42", {"number": 42}, False),
        ("number>42", {"number": 43}, True),
        ("number<42", {"number": 41}, True),
        ("number<42", {"number": 42}, False),
        ("changed-lines<1.5", {"changed-lines": 1}, True),
        ("additions>0", {}, False),
        ("-additions>0", {}, True),
        ("additions>0", {"additions": True}, False),
        ("additions>0", {"additions": "12"}, False),
        ("#commits>3", {"#commits": 4}, True),
        ("#commits-behind>0", {"#commits-behind": 0}, False),
        # counts
        ("#files>=2", {"files": ["a", "b"]}, True),
        ("#files>=2", {"files": ["a"]}, False),
        ("#label=0", {"label": []}, True),
        ("-#label=0", {"label": []}, False),
        ("#approved-reviews-by>=2", {"approved-reviews-by": ["a", "b", "c"]}, True),
        ("#changes-requested-reviews-by=0", {"changes-requested-reviews-by": []}, True),
        ("#changes-requested-reviews-by!=0", {"changes-requested-reviews-by": ["x"]}, True),
        ("#label<1", {}, False),
        # times, NOW = 2026-03-10T12:00Z and CREATED five days earlier
        ("created-at<3 days ago", {"created-at": CREATED}, True),
        ("created-at<7 days ago", {"created-at": CREATED}, False),
        ("created-at>7 days ago", {"created-at": CREATED}, True),
        ("created-at>=5 days ago", {"created-at": CREATED}, True),
        ("created-at>5 days ago", {"created-at": CREATED}, False),
        ("created-at<=120 hours ago", {"created-at": CREATED}, True),
        ("created-at<7199 minutes ago", {"created-at": CREATED}, True),
        ("created-at<1 week ago", {"created-at": CREATED}, False),
        ("created-at=5 days ago", {"created-at": CREATED}, True),
        ("created-at!=5 days ago", {"created-at": CREATED}, False),
        ("-created-at<3 days ago", {"created-at": CREATED}, False),
        ("created-at<3 days ago", {}, False),
        ("-created-at<3 days ago", {}, True),
        ("created-at<999999999 days ago", {"created-at": CREATED}, False),
        ("created-at>999999999 days ago", {"created-at": CREATED}, True),
        ("updated-at>2026-03-01", {"updated-at": CREATED}, True),
        ("updated-at<2026-03-01", {"updated-at": CREATED}, False),
        ("updated-at=2026-03-05T14:00:00+02:00", {"updated-at": CREATED}, True),
        ("updated-at=2026-03-05T12:00:00", {"updated-at": CREATED}, True),
        ("updated-at<2026-03-06", {"updated-at": datetime(2026, 3, 5, 23, 0)}, True),
        ("updated-at<2026-03-06", {"updated-at": "2026-03-05"}, False),
    ],
)  # fmt: skip
def test_evaluate_conditions(text: str, values: dict[str, FactValue], expected: bool) -> None:
    assert holds(text, values) is expected


@pytest.mark.parametrize(
    ("text", "values", "seen"),
    [
        ("base=main", {"base": "dev"}, "dev"),
        ("label=a", {"label": ["a", "b"]}, ["a", "b"]),
        ("#label>1", {"label": ["a", "b"]}, 2),
        ("draft", {"draft": False}, False),
        ("created-at<1 day ago", {"created-at": CREATED}, CREATED),
        ("number>1", {}, None),
    ],
)
def test_outcomes_show_the_value_seen(
    text: str, values: dict[str, FactValue], seen: FactValue
) -> None:
    outcome = evaluate(parse_tree(text, "if[0]"), StaticFacts(values), NOW)
    assert isinstance(outcome, LeafOutcome)
    assert outcome.seen == seen
    assert outcome.path == "if[0]"
    assert outcome.condition.text == text


def test_naive_now_is_taken_as_utc() -> None:
    tree = parse_tree("created-at<3 days ago")
    facts = StaticFacts({"created-at": CREATED})
    assert evaluate(tree, facts, NOW.replace(tzinfo=None)).holds


def test_team_members_are_asked_by_org_and_slug() -> None:
    asked: list[str] = []

    class Recording(StaticFacts):
        def members(self, team: str) -> set[str]:
            asked.append(team)
            return {"alice"}

    tree = parse_tree("approved-reviews-by=@acme/backend")
    assert evaluate(tree, Recording({"approved-reviews-by": ["alice"]}), NOW).holds
    assert asked == ["acme/backend"]


# Trees


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ("draft", Leaf(parse_condition("draft"), "if")),
        (["draft"], AllOf((Leaf(parse_condition("draft"), "if[0]"),), "if")),
        ([], AllOf((), "if")),
        (
            {"any": ["draft", "-conflict"]},
            AnyOf(
                (
                    Leaf(parse_condition("draft"), "if.any[0]"),
                    Leaf(parse_condition("-conflict"), "if.any[1]"),
                ),
                "if",
            ),
        ),
        ({"not": "draft"}, Not(Leaf(parse_condition("draft"), "if.not"), "if")),
        (
            {"not": ["draft"]},
            Not(AllOf((Leaf(parse_condition("draft"), "if.not[0]"),), "if.not"), "if"),
        ),
        (
            [{"all": ["draft"]}],
            AllOf((AllOf((Leaf(parse_condition("draft"), "if[0].all[0]"),), "if[0]"),), "if"),
        ),
    ],
)
def test_parse_tree(node: object, expected: object) -> None:
    assert parse_tree(node) == expected


@pytest.mark.parametrize(
    ("node", "path", "message", "column"),
    [
        (["draft", "-draft", {"any": ["base=main", "lable=x"]}], "if[2].any[1]",
         "unknown attribute 'lable'", 0),
        ([{"not": {"all": ["draft", "title>3"]}}], "if[0].not.all[1]", "'>' does not apply", 5),
        (["draft", 3], "if[1]", "found int 3", None),
        ([None], "if[0]", "found nothing", None),
        ([True], "if[0]", "found bool True", None),
        (["draft", ["x=1"]], "if[1][0]", "unknown attribute 'x'", 0),
        ({"any": ["draft"], "all": ["draft"]}, "if",
         "a mapping must have exactly one key, any:, all: or not: (found 'all', 'any')", None),
        ({}, "if", "exactly one key, any:, all: or not: (found none)", None),
        ({"or": ["draft"]}, "if", "unknown key 'or'; expected any:, all: or not:", None),
        ({1: ["draft"]}, "if", "unknown key 1", None),
        ({"any": []}, "if.any", "any: takes a non-empty list of conditions", None),
        ({"all": "draft"}, "if.all", "all: takes a non-empty list of conditions", None),
        ({"any": {"not": "draft"}}, "if.any", "any: takes a non-empty list", None),
        ({"not": None}, "if.not", "found nothing", None),
        ({"not": {"not": ""}}, "if.not.not", "empty condition", 0),
        (3.5, "if", "found float 3.5", None),
    ],
)  # fmt: skip
def test_parse_tree_errors(node: object, path: str, message: str, column: int | None) -> None:
    with pytest.raises(ConditionError) as caught:
        parse_tree(node)
    assert caught.value.path == path
    assert message in caught.value.message
    assert caught.value.column == column


def test_parse_tree_uses_the_given_root_path() -> None:
    with pytest.raises(ConditionError) as caught:
        parse_tree(["draft", "nope"], "rules[3].if")
    assert caught.value.path == "rules[3].if[1]"
    assert str(caught.value).startswith("rules[3].if[1]: unknown attribute 'nope'")


def test_parse_tree_limits_depth() -> None:
    node: object = "draft"
    for _ in range(100):
        node = {"not": node}
    with pytest.raises(ConditionError, match="nested more than"):
        parse_tree(node)


@pytest.mark.parametrize(
    ("node", "values", "expected"),
    [
        (["-draft", "base=main"], {"draft": False, "base": "main"}, True),
        (["-draft", "base=main"], {"draft": True, "base": "main"}, False),
        ([], {}, True),
        ({"any": ["label=api", "files~=^api/"]}, {"label": [], "files": ["api/x"]}, True),
        ({"any": ["label=api", "files~=^api/"]}, {"label": [], "files": ["web/x"]}, False),
        ({"not": "draft"}, {"draft": True}, False),
        ({"not": "draft"}, {}, True),
        ({"not": ["draft", "conflict"]}, {"draft": True, "conflict": False}, True),
        ({"not": ["draft", "conflict"]}, {"draft": True, "conflict": True}, False),
        (
            ["-draft", {"any": [{"all": ["label=a", "label=b"]}, {"not": "label~=."}]}],
            {"draft": False, "label": ["a", "b"]},
            True,
        ),
        (
            ["-draft", {"any": [{"all": ["label=a", "label=b"]}, {"not": "label~=."}]}],
            {"draft": False, "label": ["a"]},
            False,
        ),
        (
            ["-draft", {"any": [{"all": ["label=a", "label=b"]}, {"not": "label~=."}]}],
            {"draft": False, "label": []},
            True,
        ),
    ],
)
def test_evaluate_trees(node: object, values: dict[str, FactValue], expected: bool) -> None:
    assert evaluate(parse_tree(node), StaticFacts(values, TEAMS), NOW).holds is expected


def test_outcome_mirrors_the_tree() -> None:
    tree = parse_tree(["-draft", {"any": ["label=api", {"not": "#files>3"}]}])
    outcome = evaluate(tree, StaticFacts({"draft": False, "label": ["x"], "files": ["a"]}), NOW)
    assert isinstance(outcome, GroupOutcome)
    assert (outcome.kind, outcome.path, outcome.holds) == ("all", "if", True)
    first, second = outcome.children
    assert isinstance(first, LeafOutcome)
    assert (first.path, first.holds, first.seen) == ("if[0]", True, False)
    assert isinstance(second, GroupOutcome)
    assert (second.kind, second.path, second.holds) == ("any", "if[1]", True)
    label, negation = second.children
    assert isinstance(label, LeafOutcome)
    assert (label.path, label.holds, label.seen) == ("if[1].any[0]", False, ["x"])
    assert isinstance(negation, GroupOutcome)
    assert (negation.kind, negation.path, negation.holds) == ("not", "if[1].any[1]", True)
    (files,) = negation.children
    assert isinstance(files, LeafOutcome)
    assert (files.path, files.holds, files.seen) == ("if[1].any[1].not", False, 1)


@pytest.mark.parametrize(
    ("node", "used"),
    [
        ("draft", {"draft"}),
        ([], set()),
        (["-draft", "#files>1", "#commits>1"], {"draft", "files", "#commits"}),
        ({"any": ["label=a", {"not": ["label=b", "created-at<1 day ago"]}]},
         {"label", "created-at"}),
        ({"not": "approved-reviews-by=@acme/backend"}, {"approved-reviews-by"}),
    ],
)  # fmt: skip
def test_attributes_used(node: object, used: set[str]) -> None:
    assert attributes_used(parse_tree(node)) == used


def test_evaluate_asks_only_for_attributes_used() -> None:
    asked: list[str] = []

    class Recording(StaticFacts):
        def value(self, attribute: str) -> FactValue:
            asked.append(attribute)
            return super().value(attribute)

        def count(self, attribute: str) -> int | None:
            asked.append(attribute)
            return super().count(attribute)

    tree = parse_tree(["-draft", {"any": ["#files>1", "created-at<1 day ago"]}])
    evaluate(tree, Recording(), NOW)
    assert set(asked) == attributes_used(tree)


def test_hostile_patterns_run_in_linear_time() -> None:
    tree = parse_tree("title~=^(a+)+$")
    assert not evaluate(tree, StaticFacts({"title": "a" * 50_000 + "!"}), NOW).holds


# Properties

_CONDITION_ALPHABET = st.sampled_from(
    [
        *"-#=!~<>@/ .:+^$()[]\\?*0123456789aAdgz\t\x00\ud800é",
        *("draft", "label", "title", "created-at", "#files", " days ago", "@acme/backend", "2026-"),
    ]
)
condition_texts = st.one_of(st.text(), st.lists(_CONDITION_ALPHABET, max_size=12).map("".join))
trees = st.recursive(
    st.one_of(condition_texts, st.none(), st.booleans(), st.integers(), st.floats()),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(["any", "all", "not", "or"]), st.text(max_size=3)),
            children,
            max_size=2,
        ),
    ),
    max_leaves=12,
)
fact_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(),
    st.lists(st.text(), max_size=3),
    st.datetimes(timezones=st.just(UTC)),
)


@settings(max_examples=500)
@given(condition_texts)
def test_parse_condition_returns_a_condition_or_raises_condition_error(text: str) -> None:
    try:
        condition = parse_condition(text)
    except ConditionError as error:
        assert error.column is not None
        assert 0 <= error.column <= len(text)
    else:
        assert isinstance(condition, Condition)


@settings(max_examples=300)
@given(trees)
def test_parse_tree_returns_a_tree_or_raises_condition_error(node: object) -> None:
    try:
        tree = parse_tree(node)
    except ConditionError as error:
        assert error.path is not None and error.path.startswith("if")
    else:
        assert isinstance(tree, Leaf | AllOf | AnyOf | Not)


@settings(max_examples=300)
@given(condition_texts, fact_values)
def test_evaluate_never_crashes_on_odd_facts(text: str, seen: FactValue) -> None:
    try:
        tree = parse_tree(text)
    except ConditionError:
        return
    (name,) = attributes_used(tree)
    outcome = evaluate(tree, StaticFacts({name: seen}, TEAMS), NOW)
    assert isinstance(outcome.holds, bool)


# Unread attributes: three-valued evaluation (a rule decided without them does not read them)

UNREAD = frozenset({"#commits-behind", "conflict"})


@pytest.mark.parametrize(
    ("tree", "values", "expected"),
    [
        (["#approved-reviews-by>=1", "#commits-behind>0"], {"approved-reviews-by": []}, False),
        (["#approved-reviews-by>=1", "#commits-behind>0"], {"approved-reviews-by": ["a"]}, None),
        ({"any": ["draft", "-conflict"]}, {"draft": True}, True),
        ({"any": ["draft", "-conflict"]}, {"draft": False}, None),
        ({"not": {"any": ["draft", "conflict"]}}, {"draft": True}, False),
        ({"not": ["draft", "conflict"]}, {"draft": False}, True),
        (["draft", {"any": ["conflict", "-draft"]}], {"draft": True}, None),
        (["-draft", {"any": ["conflict", "-draft"]}], {"draft": True}, False),
        (["title~=x"], {"title": "x"}, True),
    ],
)
def test_decided_without_the_unread_attributes(
    tree: Any, values: dict[str, FactValue], expected: bool | None
) -> None:
    parsed = parse_tree(tree)
    assert decided(parsed, StaticFacts(values), NOW, UNREAD) is expected


@given(
    draft=st.booleans(),
    approvals=st.integers(0, 2),
    behind=st.integers(0, 3),
    conflict=st.booleans(),
)
@settings(max_examples=200, deadline=None)
def test_a_decided_tree_holds_as_it_would_with_any_value_of_the_unread(
    draft: bool, approvals: int, behind: int, conflict: bool
) -> None:
    tree = parse_tree(
        [
            {"any": ["#approved-reviews-by>=2", {"all": ["-draft", "#commits-behind>1"]}]},
            {"not": {"all": ["conflict", "#approved-reviews-by=0"]}},
        ]
    )
    values: dict[str, FactValue] = {
        "draft": draft,
        "approved-reviews-by": ["x"] * approvals,
        "#commits-behind": behind,
        "conflict": conflict,
    }
    full = evaluate(tree, StaticFacts(values), NOW)
    partial = evaluate(tree, StaticFacts(values), NOW, UNREAD)
    if partial.read:
        assert partial.holds == full.holds
    assert decided(tree, StaticFacts(values), NOW, UNREAD) == (
        partial.holds if partial.read else None
    )


def test_unread_leaves_are_marked_and_hold_no_value() -> None:
    outcome = evaluate(
        parse_tree(["#approved-reviews-by>=1", "#commits-behind>0"]),
        StaticFacts({"approved-reviews-by": []}),
        NOW,
        UNREAD,
    )
    assert isinstance(outcome, GroupOutcome) and outcome.read and not outcome.holds
    approved, behind = outcome.children
    assert isinstance(behind, LeafOutcome) and not behind.read and behind.seen is None
    assert approved.read
