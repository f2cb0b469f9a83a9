"""Dockerfile: the tag of each `FROM` of an image (every stage of a multi-stage file), edited in
place, or the default of the global `ARG` a `FROM image:${VERSION}` names.

The tag keeps its style: a `v` prefix and a variant suffix (`-slim`, `-alpine`) stay, and a tag
with fewer components than the version keeps its count (`1.3` becomes `1.4` for 1.4.2: a floating
tag already follows the patches). A digest (`@sha256:…`) cannot be computed here, so it is refused;
so is a tag that is not a version (`bookworm`) or an `ARG` without a default."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from app.bumps.model import Bump, ManifestError, Outcome

ESCAPE_DIRECTIVE = re.compile(r"#\s*escape\s*=\s*(\S)\s*$", re.IGNORECASE)
TOKEN = re.compile(r"\S+")
VERSION_TAG = re.compile(r"(?P<prefix>v?)(?P<numbers>\d+(?:\.\d+)*)(?P<suffix>.*)")
VARIABLE = re.compile(r"\$\{(\w+)(?:[:-][^}]*)?\}|\$(\w+)")
NUMBERS = re.compile(r"v?(\d+(?:\.\d+)*)")
DOCKER_HUB = ("docker.io/library/", "index.docker.io/library/", "docker.io/", "library/")


@dataclass(frozen=True)
class Token:
    value: str
    start: int
    end: int


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper-cased
    args: tuple[Token, ...]
    line: int


FromImage = tuple[str, Token | None, str]  # normalized name, tag, digest


@dataclass(frozen=True)
class Site:
    """A version to edit: a FROM tag or an ARG default, with its span in the text."""

    value: str
    start: int
    end: int


def bump_dockerfile(text: str, image: str, version: str) -> Bump:
    wanted = NUMBERS.fullmatch(version)
    if wanted is None:
        return Bump(Outcome.REFUSED, text, note=f"{version} is not a numeric version")
    judged = judge(text, image, wanted[1])
    if not judged:
        return Bump(Outcome.NOT_USED, text)
    sites = list({site.start: site for site, _, _ in judged}.values())
    before = tuple(site.value for site in sites)
    refusals = [note for _, outcome, note in judged if outcome is Outcome.REFUSED]
    if refusals:
        return Bump(Outcome.REFUSED, text, before, before, note=refusals[0])
    edits = {site.start: (site, new) for site, outcome, new in judged if outcome is Outcome.UPDATED}
    if not edits:
        note = f"the Dockerfile already uses {', '.join(before)}"
        return Bump(Outcome.ALREADY, text, before, before, note=note)
    new_text = replace(text, list(edits.values()))
    if any(outcome is not Outcome.ALREADY for _, outcome, _ in judge(new_text, image, wanted[1])):
        raise ManifestError(f"the edit of {image} did not survive re-parsing")
    after = tuple(edits[site.start][1] if site.start in edits else site.value for site in sites)
    return Bump(Outcome.UPDATED, new_text, before, after)


def judge(text: str, image: str, version: str) -> list[tuple[Site, Outcome, str]]:
    """For each FROM of `image`: its site, and UPDATED with the new value, or ALREADY/REFUSED
    with a note."""
    global_args, images = from_images(parse(text))
    judged: list[tuple[Site, Outcome, str]] = []
    for name, tag, digest in images:
        if name != normal(image):
            continue
        shared = sorted(
            {other for other, t, _ in images if other != name and t and tag and uses(t, tag)}
        )
        if shared:
            note = (
                f"the build argument in {tag.value} also tags {', '.join(shared)}; edit it by hand"
            )
            judged.append((Site(tag.value, tag.start, tag.end), Outcome.REFUSED, note))
            continue
        judged.append(judge_from(tag, digest, global_args, version))
    return judged


def from_images(instructions: list[Instruction]) -> tuple[dict[str, Site], list[FromImage]]:
    """The global ARG defaults, and (normalized name, tag, digest) of each FROM of an image
    (not of an earlier stage)."""
    global_args = arg_defaults(instructions)
    stages: set[str] = set()
    images: list[FromImage] = []
    for instruction in instructions:
        if instruction.keyword != "FROM":
            continue
        reference, stage = from_parts(instruction)
        name, tag, digest = split_reference(reference)
        if name.value.lower() not in stages:
            images.append((normal(expand(name.value, global_args)), tag, digest))
        if stage:
            stages.add(stage.lower())
    return global_args, images


def uses(tag: Token, other: Token) -> bool:
    """Whether two tags name a common build argument."""
    return bool(variables(tag.value) & variables(other.value))


def variables(value: str) -> set[str]:
    return {match[1] or match[2] for match in VARIABLE.finditer(value)}


def judge_from(
    tag: Token | None, digest: str, global_args: dict[str, Site], version: str
) -> tuple[Site, Outcome, str]:
    if tag is None:
        site = Site("", 0, 0)
        if digest:
            return (
                site,
                Outcome.REFUSED,
                "the image is pinned by digest, which paasbot cannot compute",
            )
        return site, Outcome.ALREADY, "the image is untagged and follows latest"
    site = Site(tag.value, tag.start, tag.end)
    if digest:
        return site, Outcome.REFUSED, "the image is pinned by digest, which paasbot cannot compute"
    variables = [match[1] or match[2] for match in VARIABLE.finditer(tag.value)]
    if variables:
        if len(variables) > 1 or variables[0] not in global_args:
            note = f"the tag {tag.value} is set by a build argument without a default before FROM"
            return site, Outcome.REFUSED, note
        site = global_args[variables[0]]
    new, note = retag(site.value, version)
    if note:
        return site, Outcome.REFUSED, note
    if new is None:
        return site, Outcome.ALREADY, f"the tag {site.value} already covers {version}"
    return site, Outcome.UPDATED, new


def retag(tag: str, version: str) -> tuple[str | None, str]:
    """The tag for `version` in the style of `tag` (None when it already covers it), or a note."""
    match = VERSION_TAG.fullmatch(tag)
    if match is None:
        return None, f"the tag {tag} is not a version"
    old = [int(part) for part in match["numbers"].split(".")]
    new = [int(part) for part in version.split(".")][: len(old)]
    padded = new + [0] * (len(old) - len(new))
    if padded <= old:
        return None, ""
    return f"{match['prefix']}{'.'.join(map(str, new))}{match['suffix']}", ""


def from_parts(instruction: Instruction) -> tuple[Token, str]:
    """The image reference of a FROM (flags skipped) and its stage name (`AS name`) or ""."""
    words = [token for token in instruction.args if not token.value.startswith("--")]
    if (
        not words
        or len(words) not in (1, 3)
        or (len(words) == 3 and words[1].value.upper() != "AS")
    ):
        raise ManifestError(f"Dockerfile line {instruction.line}: malformed FROM")
    return words[0], words[2].value if len(words) == 3 else ""


def split_reference(reference: Token) -> tuple[Token, Token | None, str]:
    """name, tag (None when absent) and digest of `registry:5000/team/image:tag@sha256:…`."""
    value, _, digest = reference.value.partition("@")
    colon = value.find(":", value.rfind("/") + 1)  # a registry's port comes before a slash
    if colon < 0:
        return Token(value, reference.start, reference.start + len(value)), None, digest
    name = Token(value[:colon], reference.start, reference.start + colon)
    tag = Token(value[colon + 1 :], reference.start + colon + 1, reference.start + len(value))
    return name, tag, digest


def normal(name: str) -> str:
    name = name.lower()
    for prefix in DOCKER_HUB:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def expand(value: str, args: dict[str, Site]) -> str:
    def substitute(match: re.Match[str]) -> str:
        site = args.get(match[1] or match[2])
        return match[0] if site is None else site.value

    return VARIABLE.sub(substitute, value)


def arg_defaults(instructions: list[Instruction]) -> dict[str, Site]:
    """The global ARGs (before the first FROM) that have a default, with the default's span."""
    defaults: dict[str, Site] = {}
    for instruction in instructions:
        if instruction.keyword == "FROM":
            break
        if instruction.keyword == "ARG":
            for token in instruction.args:
                name, equals, value = token.value.partition("=")
                if equals and value:
                    start = token.start + len(name) + 1
                    quoted = value[0] in "'\"" and value[-1] == value[0] and len(value) > 1
                    inner = 1 if quoted else 0
                    end = start + len(value) - inner
                    defaults[name] = Site(value[inner : len(value) - inner], start + inner, end)
    return defaults


def replace(text: str, edits: list[tuple[Site, str]]) -> str:
    parts: list[str] = []
    cursor = 0
    for site, new in sorted(edits, key=lambda edit: edit[0].start):
        parts.extend((text[cursor : site.start], new))
        cursor = site.end
    parts.append(text[cursor:])
    return "".join(parts)


def parse(text: str) -> list[Instruction]:
    """The instructions, continuation lines joined, comments skipped, with token positions."""
    escape = escape_char(text)
    instructions: list[Instruction] = []
    tokens: list[Token] = []
    first_line = 0
    for number, start, line in lines(text):
        body = line.rstrip("\r\n")
        if body.lstrip().startswith("#") or not body.strip():
            continue
        continued = body.rstrip().endswith(escape)
        if continued:
            body = body.rstrip()[:-1]
        first_line = first_line or number
        tokens.extend(Token(m[0], start + m.start(), start + m.end()) for m in TOKEN.finditer(body))
        if not continued and tokens:
            keyword, *args = tokens
            instructions.append(Instruction(keyword.value.upper(), tuple(args), first_line))
            tokens, first_line = [], 0
    if tokens:
        keyword, *args = tokens
        instructions.append(Instruction(keyword.value.upper(), tuple(args), first_line))
    return instructions


def escape_char(text: str) -> str:
    """The `# escape=` parser directive's character (only valid before anything else), or `\\`."""
    for line in text.splitlines():
        directive = ESCAPE_DIRECTIVE.fullmatch(line.strip())
        if directive:
            return directive[1]
        if not re.fullmatch(r"#\s*\w+\s*=.*", line.strip()):
            break
    return "\\"


def lines(text: str) -> Iterator[tuple[int, int, str]]:
    start = 0
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        yield number, start, line
        start += len(line)
