"""The templates of actions, rendered so that a template's failure fails its action and never the
whole evaluation: Jinja2's sandbox lets some Python errors through (`{{ body | length }}` on a PR
without a description raises TypeError), and an exception escaping an action would fail every
evaluation of the PR, for ever."""

from __future__ import annotations

from collections.abc import Mapping

from app.engine.conditions import FactValue
from app.engine.templates import TemplateProblem, render


def render_text(source: str, values: Mapping[str, FactValue], rule: str) -> str:
    """`render`, with every failure of the template as a TemplateProblem."""
    try:
        return render(source, values, rule)
    except TemplateProblem:
        raise
    except Exception as error:  # the template's fault, whatever Python calls it
        raise TemplateProblem(f"the template failed: {error}") from None
