"""The text of a SARIF result's message.

`message.text`, else `message.markdown` (shown as it is, not rendered), else the string
`message.id` names in the rule's `messageStrings` or the component's `globalMessageStrings`,
else the rule's shortDescription. Placeholders `{0}`, `{1}`, ... are replaced by
`message.arguments`, and `{{` / `}}` stand for literal braces, as SARIF §3.11.5 says."""

from __future__ import annotations

import re

from app.reports.lint_formats._common import JsonObject, get_list, get_object, get_str
from app.reports.lint_formats.sarif_rules import Component

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(\d{1,6})\}")


def message_text(
    result: JsonObject, component: Component, descriptor: JsonObject, where: str
) -> str | None:
    message = get_object(result, "message", where)
    where = f"{where}.message"
    text = (
        get_str(message, "text", where)
        or get_str(message, "markdown", where)
        or _by_id(get_str(message, "id", where), component, descriptor)
        or _string(descriptor.get("shortDescription"))
    )
    if not text:
        return None
    arguments = [str(argument) for argument in get_list(message, "arguments", where)]
    return _substituted(text, arguments).strip()


def _by_id(message_id: str | None, component: Component, descriptor: JsonObject) -> str | None:
    if not message_id:
        return None
    for strings in (
        descriptor.get("messageStrings"),
        component.definition.get("globalMessageStrings"),
    ):
        if isinstance(strings, dict) and message_id in strings:
            return _string(strings[message_id])
    return None


def _string(multiformat: object) -> str | None:
    """The text (else the markdown) of a multiformatMessageString."""
    if not isinstance(multiformat, dict):
        return None
    for key in ("text", "markdown"):
        value = multiformat.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _substituted(text: str, arguments: list[str]) -> str:
    def replace(match: re.Match[str]) -> str:
        token, index = match.group(0), match.group(1)
        if index is None:
            return token[0]
        number = int(index)
        return arguments[number] if number < len(arguments) else token

    return _PLACEHOLDER.sub(replace, text)
