"""Maven pom.xml: the `<version>` of a dependency (in `<dependencies>` or `<dependencyManagement>`,
profiles included) or a plugin, edited in place: only the characters of the version text change,
so comments, namespaces and indentation stay.

A `${name}` version is edited where `<properties>` of the same pom defines it and refused when the
property comes from elsewhere (a parent). A version range (`[1.2,2.0)`) that contains the new
version is left alone; one that does not is refused: paasbot does not guess a range's new bounds.
A dependency without a version takes it from a parent or an imported BOM and is refused."""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass, field
from itertools import zip_longest

import defusedxml.ElementTree
from defusedxml.common import DefusedXmlException

from app.bumps.model import Bump, ManifestError, Outcome

PROPERTY = re.compile(r"\$\{([^}]+)\}")
DEFAULT_PLUGIN_GROUP = "org.apache.maven.plugins"
OWNERS = {"dependency": "dependencies", "plugin": "plugins"}


@dataclass
class Node:
    """An element with byte offsets into the UTF-8 text: its content spans [content, end)."""

    name: str
    content: int = -1
    end: int = -1
    text: str = ""
    children: list[Node] = field(default_factory=list)

    def child(self, name: str) -> Node | None:
        return next((node for node in self.children if node.name == name), None)

    def value(self, name: str) -> str | None:
        node = self.child(name)
        return None if node is None else node.text.strip()


def bump_pom(text: str, artifact: str, version: str) -> Bump:
    root = parse(text)
    declarations = matching(root, artifact)
    if not declarations:
        return Bump(Outcome.NOT_USED, text)
    versions = [node for node in (d.child("version") for d in declarations) if node is not None]
    if not versions:
        note = f"{artifact} takes its version from a parent or an imported BOM"
        return Bump(Outcome.REFUSED, text, note=note)
    located = [locate(node, root.child("properties")) for node in versions]
    sites = list({site.content: site for site, _ in located}.values())
    before = tuple(site.text.strip() for site in sites)
    refusals = [refusal for _, refusal in located if refusal]
    if refusals:
        return Bump(Outcome.REFUSED, text, before, before, note=refusals[0])
    return edit(text, artifact, version, sites)


def edit(text: str, artifact: str, version: str, sites: list[Node]) -> Bump:
    before = tuple(site.text.strip() for site in sites)
    for written in before:
        if is_range(written) and not in_range(version, written):
            note = f"the range {written} excludes {version}; edit it by hand"
            return Bump(Outcome.REFUSED, text, before, before, note=note)
    stale = [not is_range(written) and compare(written, version) < 0 for written in before]
    if not any(stale):
        note = f"pom.xml already requires {', '.join(before)}"
        return Bump(Outcome.ALREADY, text, before, before, note=note)
    data = text.encode("utf-8")
    for site, old in zip(sites, stale, strict=True):
        # A comment, CDATA or entity among the version's characters would be lost by the edit.
        if old and data[site.content : site.end].decode("utf-8").strip() != site.text.strip():
            note = f"the version of {artifact} has markup inside its element; edit it by hand"
            return Bump(Outcome.REFUSED, text, before, before, note=note)
    new_text = replace(text, [site for site, old in zip(sites, stale, strict=True) if old], version)
    verify(new_text, artifact, version)
    after = tuple(version if old else written for written, old in zip(before, stale, strict=True))
    return Bump(Outcome.UPDATED, new_text, before, after)


def locate(version: Node, properties: Node | None) -> tuple[Node, str]:
    """The node holding the version (the `<version>` itself or the property it names), or a
    refusal when the property is defined elsewhere."""
    written = version.text.strip()
    reference = PROPERTY.fullmatch(written)
    if reference is None:
        return version, ""
    defined = properties.child(reference[1]) if properties is not None else None
    if defined is None:
        note = f"{written} is not defined in this pom's <properties> (a parent's?); edit it there"
        return version, note
    return defined, ""


def matching(root: Node, artifact: str) -> list[Node]:
    group, _, artifact_id = artifact.partition(":")
    found: list[Node] = []
    stack = [root]
    while stack:
        node = stack.pop()
        for child in node.children:
            if OWNERS.get(child.name) == node.name:
                default_group = DEFAULT_PLUGIN_GROUP if child.name == "plugin" else None
                declared = (child.value("groupId") or default_group, child.value("artifactId"))
                if declared == (group, artifact_id):
                    found.append(child)
            stack.append(child)
    return sorted(found, key=lambda node: node.content)


def replace(text: str, nodes: list[Node], version: str) -> str:
    data = text.encode("utf-8")
    parts: list[bytes] = []
    cursor = 0
    for node in sorted(nodes, key=lambda node: node.content):
        raw = data[node.content : node.end]
        stripped = raw.strip()
        start = node.content + raw.index(stripped) if stripped else node.content
        parts.extend((data[cursor:start], version.encode("utf-8")))
        cursor = start + len(stripped)
    parts.append(data[cursor:])
    return b"".join(parts).decode("utf-8")


def verify(text: str, artifact: str, version: str) -> None:
    root = parse(text)
    properties = root.child("properties")
    for declaration in matching(root, artifact):
        node = declaration.child("version")
        if node is None:
            continue
        site, _ = locate(node, properties)
        current = site.text.strip()
        if not is_range(current) and compare(current, version) < 0:
            raise ManifestError(f"the edit of {artifact} did not survive re-parsing")


def is_range(written: str) -> bool:
    return written[:1] in "[(" and written[-1:] in ")]"


def in_range(version: str, written: str) -> bool:
    """Maven range syntax: `[1.2,2.0)`, `[1.5,)`, `(,1.0]`, `[1.2]`, unions `[1,2),(2,3]`."""
    for interval in re.findall(r"[\[(][^\])]*[\])]", written):
        low, comma, high = interval[1:-1].partition(",")
        if not comma:
            high = low
        above = not low.strip() or compare(version, low.strip()) >= (interval[0] == "(")
        below = not high.strip() or compare(version, high.strip()) <= -(interval[-1] == ")")
        if above and below:
            return True
    return False


def compare(left: str, right: str) -> int:
    """Maven's ordering, simplified: numbers compare numerically and before qualifiers; a missing
    part counts as 0; a qualifier (`-SNAPSHOT`, `-rc1`) sorts before the plain release."""
    for a, b in zip_longest(version_key(left), version_key(right), fillvalue=(1, 0, "")):
        if a != b:
            return -1 if a < b else 1
    return 0


def version_key(version: str) -> list[tuple[int, int, str]]:
    parts = re.findall(r"\d+|[A-Za-z]+", version)
    return [(1, int(part), "") if part.isdigit() else (0, 0, part.lower()) for part in parts]


def parse(text: str) -> Node:
    try:
        defusedxml.ElementTree.fromstring(text, forbid_dtd=True)
    except DefusedXmlException as error:
        raise ManifestError(
            f"pom.xml: {type(error).__name__} (DTDs and entities are refused)"
        ) from None
    except defusedxml.ElementTree.ParseError as error:
        raise ManifestError(f"pom.xml line {error.position[0]}: {error}") from None
    return positions(text)


def positions(text: str) -> Node:
    """The element tree with byte offsets, read by expat (the DTD was already refused)."""
    parser = xml.parsers.expat.ParserCreate("utf-8")
    top = Node("")
    stack = [top]
    pending: list[Node] = []  # an element whose content starts at the next event

    def mark() -> None:
        if pending:
            pending.pop().content = parser.CurrentByteIndex

    def start(name: str, _attributes: dict[str, str]) -> None:
        mark()
        node = Node(name.rpartition(":")[2])
        stack[-1].children.append(node)
        stack.append(node)
        pending.append(node)

    def end(_name: str) -> None:
        mark()
        stack.pop().end = parser.CurrentByteIndex

    def chars(data: str) -> None:
        mark()
        stack[-1].text += data

    def refuse(*_args: object) -> None:
        raise ManifestError("pom.xml: DTDs and entities are refused")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.CommentHandler = lambda _data: mark()
    parser.ProcessingInstructionHandler = lambda _target, _data: mark()
    parser.StartDoctypeDeclHandler = refuse
    parser.Parse(text.encode("utf-8"), True)
    return top.children[0]
