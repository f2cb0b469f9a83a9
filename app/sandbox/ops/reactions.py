"""Emoji reactions to issue comments. GitHub sends no webhook for reactions, so none of these
publishes an event."""

from __future__ import annotations

from app.sandbox.errors import field_error, not_found, validation_failed
from app.sandbox.models import Reaction, repo_key
from app.sandbox.ops.access import ensure_actor
from app.sandbox.ops.issues import find_comment
from app.sandbox.state import SimulatedGitHub

# In the order GitHub's reaction rollups list them.
REACTION_CONTENTS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket")
RESOURCE = "Reaction"


def react(
    state: SimulatedGitHub, repo: str, comment_id: int, user: str, content: str
) -> tuple[Reaction, bool]:
    """`user` reacts to the comment with `content`; True when the reaction is new, False when
    the user had already reacted so (GitHub then answers with the existing reaction)."""
    found = find_comment(state, repo, comment_id)
    if content not in REACTION_CONTENTS:
        raise validation_failed([field_error(RESOURCE, "content", "invalid")])
    existing = next(
        (
            reaction
            for reaction in state.reactions_of(repo, comment_id)
            if reaction.user.lower() == user.lower() and reaction.content == content
        ),
        None,
    )
    if existing is not None:
        return existing, False
    reaction = Reaction(
        id=state.next_id(),
        repo_full_name=found.repo_full_name,
        comment_id=found.id,
        user=ensure_actor(state, user).login,
        content=content,
        created_at=state.now(),
    )
    state.reactions[reaction.id] = reaction
    return reaction, True


def remove_reaction(state: SimulatedGitHub, repo: str, comment_id: int, reaction_id: int) -> None:
    """Deletes a reaction of the comment; 404 when the comment has no such reaction."""
    find_comment(state, repo, comment_id)
    reaction = state.reactions.get(reaction_id)
    if (
        reaction is None
        or reaction.comment_id != comment_id
        or repo_key(reaction.repo_full_name) != repo_key(repo)
    ):
        raise not_found()
    del state.reactions[reaction_id]
