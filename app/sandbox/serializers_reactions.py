"""JSON of reactions, and the rollup of them that comments and issues carry."""

from __future__ import annotations

from collections.abc import Iterable

from app.sandbox.context import Urls
from app.sandbox.models import Reaction
from app.sandbox.ops.reactions import REACTION_CONTENTS
from app.sandbox.serializers import Json, account_json, legacy_node_id
from app.sandbox.state import SimulatedGitHub
from app.sandbox.timefmt import iso8601


def reaction_json(state: SimulatedGitHub, urls: Urls, reaction: Reaction) -> Json:
    return {
        "id": reaction.id,
        "node_id": legacy_node_id("Reaction", reaction.id),
        "user": account_json(urls, state.account(reaction.user)),
        "content": reaction.content,
        "created_at": iso8601(reaction.created_at),
    }


def reaction_rollup_json(subject_url: str, reactions: Iterable[Reaction] = ()) -> Json:
    """The counts of each reaction to a comment or issue, at ``{subject_url}/reactions``."""
    counts = dict.fromkeys(REACTION_CONTENTS, 0)
    for reaction in reactions:
        counts[reaction.content] += 1
    return {"url": f"{subject_url}/reactions", "total_count": sum(counts.values()), **counts}
