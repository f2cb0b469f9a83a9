import pytest

from app.reviewers.candidates import (
    Candidates,
    Exclusions,
    PullPeople,
    already_counted,
    code_owner_candidates,
    eligible,
    folded,
    team_candidates,
    why_not,
)

PEOPLE = PullPeople(
    author="Alice",
    requested=folded(["bob"]),
    reviewed=folded(["carol", "alice"]),
    previously_requested=folded(["dave"]),
)


@pytest.mark.parametrize(
    ("login", "exclusions", "reason"),
    [
        ("alice", Exclusions(), "the author"),
        ("renovate[bot]", Exclusions(), "a bot"),
        ("Erin", Exclusions(exclude=folded(["erin"])), "excluded"),
        ("erin", Exclusions(unavailable=folded(["ERIN"])), "unavailable"),
        ("BOB", Exclusions(), "already requested"),
        ("carol", Exclusions(), "already reviewed"),
        ("dave", Exclusions(), "asked before"),
        ("dave", Exclusions(ask_again=True), None),
        ("erin", Exclusions(), None),
    ],
)
def test_why_someone_cannot_be_asked(
    login: str, exclusions: Exclusions, reason: str | None
) -> None:
    assert why_not(login, PEOPLE, exclusions) == reason


def test_requested_people_and_reviewers_count_but_not_the_author() -> None:
    assert already_counted(PEOPLE) == 2  # bob requested, carol reviewed


def test_code_owners_give_users_team_members_and_report_emails() -> None:
    candidates = Candidates()
    owners = {
        "services/api/app.py": ["@acme/Backend", "@carol"],
        "README.md": ["@carol", "docs@example.com"],
    }
    emails = code_owner_candidates(owners, {"acme/backend": {"erin", "Bob"}}, candidates)
    assert emails == ["docs@example.com"]
    assert candidates.logins() == ["Bob", "erin", "carol"]
    assert candidates.reason("bob") == "owner of `services/api/app.py` via @acme/Backend"
    assert candidates.reason("carol") == ("owner of `services/api/app.py`; owner of `README.md`")


def test_the_eligible_keep_the_order_found() -> None:
    candidates = Candidates()
    team_candidates({"acme/backend": {"dave", "erin", "alice", "frank"}}, candidates)
    candidates.add("bob", "listed in `users`")
    assert eligible(candidates, PEOPLE, Exclusions()) == ["erin", "frank"]
    assert candidates.reason("frank") == "member of @acme/backend"
