"""YAML read safely, with the position of every value.

PyYAML composes the node graph (which keeps marks); the conversion to Python values is ours, so
that: only plain data is accepted (an explicit tag such as `!!python/object` is an error, not an
object), aliases cannot expand into a bomb (the expanded size is capped), duplicate keys are
errors instead of silently losing the first value, and mapping keys stay text (YAML 1.1 reads a
bare `on:` as the boolean true, which would hide the `on:` trigger of a rule). Values follow YAML
1.2's core schema for booleans: only `true`/`false` are booleans, so `no` stays the text "no".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from app.config.problems import ConfigInvalid, Problem

MAX_BYTES = 256 * 1024
MAX_NODES = 20_000
MAX_DEPTH = 64

Path = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")}


@dataclass(frozen=True)
class Position:
    """1-based line and column where a value (or key) starts; `quoted` for '…' and "…"."""

    line: int
    column: int
    quoted: bool = False
    single_line: bool = True

    def at_offset(self, offset: int) -> Position:
        """The position `offset` characters into a scalar, where that can be known."""
        if not self.single_line:
            return self
        return Position(self.line, self.column + offset + int(self.quoted), self.quoted)


@dataclass
class YamlDocument:
    file: str
    data: Any
    values: dict[Path, Position] = field(default_factory=dict)
    keys: dict[Path, Position] = field(default_factory=dict)

    def position(self, path: Path, *, key: bool = False) -> Position:
        """Where `path` is; the nearest enclosing value when the path itself is not in the file."""
        if key and path in self.keys:
            return self.keys[path]
        while path:
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), Position(1, 1))

    def problem(
        self, path: Path, message: str, *, key: bool = False, offset: int | None = None
    ) -> Problem:
        """A problem at `path`; `offset` characters into its (text) value when given."""
        position = self.position(path, key=key)
        if offset is not None:
            position = position.at_offset(offset)
        return Problem(self.file, position.line, position.column, message, dotted(path))


def dotted(path: Path) -> str:
    """`rules[0].if[1]` for ('rules', 0, 'if', 1)."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def load_yaml(content: str | bytes, file: str) -> YamlDocument:
    """The document in `content`; ConfigInvalid naming the file, line and column when it is not
    plain, well-formed YAML of a sane size."""
    text = _decode(content, file)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except _TooDeep as error:
        line, column = error.mark.line + 1, error.mark.column + 1
        raise ConfigInvalid([Problem(file, line, column, _TOO_DEEP)]) from None
    except yaml.MarkedYAMLError as error:
        raise ConfigInvalid([_syntax_problem(file, error)]) from None
    except yaml.YAMLError as error:
        raise ConfigInvalid([Problem(file, 1, 1, f"invalid YAML: {error}")]) from None
    document = YamlDocument(file, None)
    if root is None:
        document.data = {}
        return document
    converter = _Converter(document)
    document.data = converter.convert(root, ())
    if converter.problems:
        raise ConfigInvalid(converter.problems)
    if document.data is None:  # `---` or `null` alone: nothing configured, as an empty file
        document.data = {}
    return document


def _decode(content: str | bytes, file: str) -> str:
    size = len(content.encode() if isinstance(content, str) else content)
    if size > MAX_BYTES:
        message = f"the file is {size:,} bytes; the limit is {MAX_BYTES:,}"
        raise ConfigInvalid([Problem(file, 1, 1, message)])
    if isinstance(content, str):
        return content
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as error:
        message = f"the file is not UTF-8 text ({error.reason})"
        raise ConfigInvalid([Problem(file, 1, 1, message)]) from None


def _syntax_problem(file: str, error: yaml.MarkedYAMLError) -> Problem:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    reason = " ".join(part for part in (error.context, error.problem) if part)
    return Problem(file, line, column, f"invalid YAML: {reason or 'cannot be read'}")


_TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep"


class _TooDeep(yaml.YAMLError):
    def __init__(self, mark: yaml.Mark) -> None:
        super().__init__(_TOO_DEEP)
        self.mark = mark


class _Loader(yaml.SafeLoader):
    """Composes no deeper than MAX_DEPTH: PyYAML recurses once per level, so a file of many `[`
    would otherwise exhaust the stack before the converter could count the levels."""

    depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH + 1:
                raise _TooDeep(self.peek_event().start_mark)
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self.depth -= 1


def _shown(tag: str) -> str:
    """`!!python/object` for `tag:yaml.org,2002:python/object`, as a file writes it."""
    return f"!!{tag.removeprefix(_TAG)}" if tag.startswith(_TAG) else tag


def _position(node: Node) -> Position:
    style = getattr(node, "style", None)
    single = node.start_mark.line == node.end_mark.line and style not in ("|", ">")
    return Position(
        node.start_mark.line + 1, node.start_mark.column + 1, style in ("'", '"'), single
    )


def _key(node: Node) -> Any:
    """What identifies a key among its mapping's keys: its text (the node itself if not text)."""
    return node.value if isinstance(node, ScalarNode) else id(node)


class _Converter:
    def __init__(self, document: YamlDocument) -> None:
        self.document = document
        self.problems: list[Problem] = []
        self.nodes = 0
        self.exhausted = False
        self.open: set[int] = set()  # ids of the collections being converted or merged
        self.converted: set[int] = set()  # ids of the nodes converted (again: through an alias)
        self.aliased = False
        self.constructor = SafeConstructor()

    def fail(self, node: Node, path: Path, message: str) -> None:
        position = _position(node)
        self.problems.append(
            Problem(self.document.file, position.line, position.column, message, dotted(path))
        )

    def count(self, node: Node, path: Path, values: int = 1) -> bool:
        """False once the document expands to more than MAX_NODES values (reported once)."""
        self.nodes += values
        if self.nodes <= MAX_NODES:
            return True
        if not self.exhausted:
            self.exhausted = True
            aliases = " (counting what aliases expand to)" if self.aliased else ""
            self.fail(node, path, f"more than {MAX_NODES:,} values{aliases}")
        return False

    def convert(self, node: Node, path: Path) -> Any:
        self.aliased = self.aliased or id(node) in self.converted
        self.converted.add(id(node))
        if not self.count(node, path):
            return None
        if id(node) in self.open:
            self.fail(node, path, "an alias refers to a value that contains it")
            return None
        if len(path) > MAX_DEPTH:
            self.fail(node, path, _TOO_DEEP)
            return None
        self.document.values.setdefault(path, _position(node))
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        self.open.add(id(node))
        try:
            return self.collection(node, path)
        finally:
            self.open.discard(id(node))

    def collection(self, node: Node, path: Path) -> Any:
        if isinstance(node, SequenceNode) and node.tag == f"{_TAG}seq":
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode) and node.tag == f"{_TAG}map":
            return self.mapping(node, path)
        message = f"the tag {_shown(node.tag)} is not allowed; use plain values, lists and mappings"
        self.fail(node, path, message)
        return None

    def scalar(self, node: ScalarNode, path: Path) -> Any:
        if node.tag not in _SCALAR_TAGS:
            self.fail(node, path, f"the tag {_shown(node.tag)} is not allowed; use plain values")
            return None
        if node.tag in (f"{_TAG}str", f"{_TAG}timestamp"):
            return node.value
        if node.tag == f"{_TAG}bool" and node.value.lower() not in ("true", "false"):
            return node.value
        try:
            return self.constructor.construct_object(node, deep=True)
        except (ConstructorError, ValueError) as error:
            self.fail(node, path, f"cannot read {node.value!r}: {error}")
            return None

    def mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in self.pairs(node, path):
            if not isinstance(key_node, ScalarNode) or key_node.tag not in _SCALAR_TAGS:
                self.fail(key_node, path, "a key must be plain text, not a list or a mapping")
                continue
            key = key_node.value
            if key in result:
                self.fail(key_node, (*path, key), f"the key {key!r} appears twice")
                continue
            self.document.keys[(*path, key)] = _position(key_node)
            result[key] = self.convert(value_node, (*path, key))
        return result

    def pairs(self, node: MappingNode, path: Path) -> list[tuple[Node, Node]]:
        """The mapping's own pairs, after those merged in with `<<` that it does not override."""
        own: list[tuple[Node, Node]] = []
        merged: list[tuple[Node, Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == f"{_TAG}merge":
                merged.extend(self.merge_sources(value_node, path))
            else:
                own.append((key_node, value_node))
        own_keys = {_key(key) for key, _ in own}
        inherited: dict[Any, tuple[Node, Node]] = {}
        for key_node, value_node in merged:
            key = _key(key_node)
            if key not in own_keys:
                inherited.setdefault(key, (key_node, value_node))
        return own + list(inherited.values())

    def merge_sources(self, node: Node, path: Path) -> list[tuple[Node, Node]]:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        pairs: list[tuple[Node, Node]] = []
        for source in sources:
            if not isinstance(source, MappingNode):
                self.fail(source, path, "`<<` merges mappings only")
                continue
            if id(source) in self.open:
                self.fail(source, path, "`<<` merges a mapping into itself")
                continue
            # Merging costs what the merged values cost, even those the mapping overrides.
            self.aliased = True
            if not self.count(source, path, 1 + len(source.value)):
                break
            self.open.add(id(source))
            try:
                pairs.extend(self.pairs(source, path))
            finally:
                self.open.discard(id(source))
        return pairs
