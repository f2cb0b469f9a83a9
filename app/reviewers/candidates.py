"""Who may be asked to review a pull request, and why. Pure: the caller fetched the PR, its
reviews, the CODEOWNERS matches and the teams' members.

A candidate comes from the code owners of the changed files, from `users`, or from the members
of `teams`; it is eligible unless it is the author, a bot, excluded, unavailable, already
requested, or someone who already reviewed (they count towards `count` instead)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass
class Candidates:
    """Logins in the order they were found, each with the reasons it is a candidate."""

    reasons: dict[str, list[str]] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)  # folded login -> login as written

    def add(self, login: str, reason: str) -> None:
        folded = login.casefold()
        self.shown.setdefault(folded, login)
        entry = self.reasons.setdefault(folded, [])
        if reason not in entry:
            entry.append(reason)

    def logins(self) -> list[str]:
        return [self.shown[folded] for folded in self.reasons]

    def reason(self, login: str) -> str:
        return "; ".join(self.reasons.get(login.casefold(), []))


@dataclass(frozen=True)
class PullPeople:
    """The people already involved in the pull request."""

    author: str
    requested: frozenset[str]  # folded logins with a pending review request
    reviewed: frozenset[str]  # folded logins who submitted a review (any state)
    previously_requested: frozenset[str] = frozenset()  # folded: paasbot asked them before


@dataclass(frozen=True)
class Exclusions:
    exclude: frozenset[str] = frozenset()  # folded
    unavailable: frozenset[str] = frozenset()  # folded
    ask_again: bool = False  # ask people paasbot asked before (e.g. after they reviewed)


def folded(logins: Iterable[str]) -> frozenset[str]:
    return frozenset(login.casefold() for login in logins)


def is_bot(login: str) -> bool:
    return login.casefold().endswith("[bot]")


def why_not(login: str, people: PullPeople, exclusions: Exclusions) -> str | None:
    """Why `login` cannot be asked now, or None when it can."""
    key = login.casefold()
    checks = (
        (key == people.author.casefold(), "the author"),
        (is_bot(login), "a bot"),
        (key in exclusions.exclude, "excluded"),
        (key in exclusions.unavailable, "unavailable"),
        (key in people.requested, "already requested"),
        (key in people.reviewed, "already reviewed"),
        (key in people.previously_requested and not exclusions.ask_again, "asked before"),
    )
    return next((reason for failed, reason in checks if failed), None)


def eligible(candidates: Candidates, people: PullPeople, exclusions: Exclusions) -> list[str]:
    return [login for login in candidates.logins() if why_not(login, people, exclusions) is None]


def already_counted(people: PullPeople) -> int:
    """People who count towards `count`: pending requests and reviewers, not the author."""
    author = people.author.casefold()
    return len((people.requested | people.reviewed) - {author})


def code_owner_candidates(
    owners_by_path: Mapping[str, Sequence[str]],
    members: Mapping[str, set[str]],
    candidates: Candidates,
) -> list[str]:
    """Adds the users owning changed files, and the members of owning teams; returns the
    e-mail owners, which GitHub's API cannot request."""
    emails: list[str] = []
    for path, owners in owners_by_path.items():
        for owner in owners:
            if owner.startswith("@") and "/" in owner:
                for member in sorted(members.get(owner[1:].casefold(), set()), key=str.casefold):
                    candidates.add(member, f"owner of `{path}` via {owner}")
            elif owner.startswith("@"):
                candidates.add(owner[1:], f"owner of `{path}`")
            elif owner not in emails:
                emails.append(owner)
    return emails


def team_candidates(members: Mapping[str, set[str]], candidates: Candidates) -> None:
    for team, logins in members.items():
        for login in sorted(logins, key=str.casefold):
            candidates.add(login, f"member of @{team}")
