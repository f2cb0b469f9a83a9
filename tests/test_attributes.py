import pytest

from app.engine.attributes import (
    ATTRIBUTES,
    Attribute,
    ConditionError,
    Kind,
    Scope,
    attribute_names,
    find_attribute,
    get_attribute,
)

TABLE = {
    Kind.TEXT: "base head author title body sender milestone repository tag",
    Kind.LIST: (
        "label files assignee approved-reviews-by changes-requested-reviews-by"
        " commented-reviews-by review-requested check-success check-failure check-pending"
        " check-neutral check-skipped"
    ),
    # The brief's numbers, and the coverage figures (issue 6).
    Kind.NUMBER: (
        "number #commits #commits-behind additions deletions changed-lines"
        " coverage-patch coverage-project"
    ),
    Kind.BOOLEAN: "draft conflict from-fork merged closed locked prerelease",
    Kind.TIME: "created-at updated-at",
}
EXPECTED = [(name, kind) for kind, names in TABLE.items() for name in names.split()]
LOGINS = {
    "author",
    "sender",
    "assignee",
    "approved-reviews-by",
    "changes-requested-reviews-by",
    "commented-reviews-by",
    "review-requested",
}


@pytest.mark.parametrize(("name", "kind"), EXPECTED)
def test_every_attribute_of_the_brief_has_its_kind(name: str, kind: Kind) -> None:
    assert get_attribute(name).kind is kind


def test_the_table_holds_exactly_the_brief() -> None:
    assert sorted(a.name for a in ATTRIBUTES) == sorted(name for name, _ in EXPECTED)
    assert len({a.name for a in ATTRIBUTES}) == len(ATTRIBUTES)


@pytest.mark.parametrize("name", [a.name for a in ATTRIBUTES])
def test_logins_are_marked(name: str) -> None:
    assert get_attribute(name).logins is (name in LOGINS)


@pytest.mark.parametrize(
    ("name", "scope"),
    [
        ("tag", Scope.RELEASE),
        ("prerelease", Scope.RELEASE),
        ("base", Scope.PULL_REQUEST),
        ("draft", Scope.PULL_REQUEST),
    ],
)
def test_release_attributes_are_scoped(name: str, scope: Scope) -> None:
    assert get_attribute(name).scope is scope


def test_attributes_are_frozen() -> None:
    attribute = get_attribute("base")
    with pytest.raises(AttributeError):
        attribute.name = "head"  # type: ignore[misc]
    assert attribute == Attribute("base", Kind.TEXT)


def test_counts_of_lists_are_listed_as_names() -> None:
    names = attribute_names()
    assert "#files" in names
    assert "#approved-reviews-by" in names
    assert "#title" not in names


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("lable", "'label'"),
        ("labels", "'label'"),
        ("drafts", "'draft'"),
        ("approved-review-by", "'approved-reviews-by'"),
        ("check-sucess", "'check-success'"),
        ("created_at", "'created-at'"),
        ("commits", "'#commits'"),
        ("pre-release", "'prerelease'"),
    ],
)
def test_unknown_names_suggest_close_ones(name: str, suggestion: str) -> None:
    with pytest.raises(ConditionError) as caught:
        get_attribute(name, column=3)
    assert f"unknown attribute '{name}'" in caught.value.message
    assert "did you mean" in caught.value.message
    assert suggestion in caught.value.message
    assert caught.value.column == 3


def test_unknown_names_without_close_ones_suggest_nothing() -> None:
    with pytest.raises(ConditionError) as caught:
        get_attribute("xyzzy")
    assert caught.value.message == "unknown attribute 'xyzzy'"
    assert caught.value.column is None


def test_find_attribute_returns_none_for_unknown_names() -> None:
    assert find_attribute("nope") is None
    assert find_attribute("label") == get_attribute("label")


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (ConditionError("bad"), "bad"),
        (ConditionError("bad", 0), "bad (column 1)"),
        (ConditionError("bad", 4, "if[2].any[0]"), "if[2].any[0]: bad (column 5)"),
        (ConditionError("bad", None, "if"), "if: bad"),
        (ConditionError("bad", 2).at("if[1]"), "if[1]: bad (column 3)"),
    ],
)
def test_condition_errors_render_their_place(error: ConditionError, text: str) -> None:
    assert str(error) == text
    assert isinstance(error, ValueError)
