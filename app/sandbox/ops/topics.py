"""Repository topics as GitHub's API replaces them: lower-cased, deduplicated and validated."""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.sandbox.errors import validation_failed
from app.sandbox.models import Repository

MAX_TOPICS = 20
TOPIC = re.compile(r"[a-z0-9][a-z0-9-]{0,49}")
# GitHub's sentences ("validation error simple": the errors are plain strings).
INVALID_TOPIC = (
    "Topics must start with a lowercase letter or number, consist of 50 characters or less, "
    "and can include hyphens."
)
TOO_MANY_TOPICS = f"A repository cannot have more than {MAX_TOPICS} topics."


def replace_topics(repository: Repository, names: Iterable[str]) -> list[str]:
    """Replaces the repository's topics with `names` (an empty list clears them); they are saved
    in lower case, each once, in the order given."""
    topics = list(dict.fromkeys(name.lower() for name in names))
    if any(TOPIC.fullmatch(topic) is None for topic in topics):
        raise validation_failed([INVALID_TOPIC])
    if len(topics) > MAX_TOPICS:
        raise validation_failed([TOO_MANY_TOPICS])
    repository.topics = topics
    return topics
