"""Streaming, defused XML for the XML report formats (Cobertura, JaCoCo, checkstyle).

`defusedxml`'s iterparse reads the input 16 KiB at a time; `elements` clears every element once
its end has been handled and detaches it from its parent, so memory stays flat however long the
report is. Entity declarations (billion laughs, XXE) are refused; a DOCTYPE is allowed, because
JaCoCo and Java Cobertura name an external DTD, but that DTD is never fetched or read (expat does
not load external subsets, and defusedxml refuses any external reference that would)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from defusedxml.ElementTree import iterparse

from app.reports.coverage_model import ReportError

MAX_DEPTH = 64  # Cobertura nests 11 deep, JaCoCo a few more per <group>, checkstyle 3

XmlSource = bytes | IO[bytes]


def elements(source: XmlSource, what: str) -> Iterator[tuple[str, Element, list[str]]]:
    """("start" | "end", element, tags from the root down to this element) for every element.

    An element's attributes are there at "start", its text at "end"; after "end" it is emptied,
    so read what you need before asking for the next event. `tags` is shared: read, don't keep.
    Malformed or unsafe XML becomes ReportError, its message starting with `what`."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    open_elements: list[Element] = []
    tags: list[str] = []
    try:
        events = iterparse(
            stream,
            events=("start", "end"),
            forbid_dtd=False,
            forbid_entities=True,
            forbid_external=True,
        )
        for event, element in events:
            if event == "start":
                if len(tags) >= MAX_DEPTH:
                    raise ReportError(f"{what}: elements nested more than {MAX_DEPTH} deep")
                open_elements.append(element)
                tags.append(element.tag)
                yield event, element, tags
                continue
            yield event, element, tags
            open_elements.pop()
            tags.pop()
            element.clear()
            if open_elements:
                # Done with: detach it (and any later siblings already built, which the
                # pending events still hold) so the parent does not keep empty shells.
                del open_elements[-1][:]
    except ParseError as error:
        raise ReportError(f"{what} is not well-formed XML: {error}") from None
    except EntitiesForbidden as error:
        raise ReportError(
            f"{what}: the XML declares an entity ({error.name!r}); entity declarations are"
            " refused (no entity expansion, no external entities)"
        ) from None
    except DTDForbidden:  # pragma: no cover - DOCTYPEs are allowed (forbid_dtd=False)
        raise ReportError(f"{what}: a DOCTYPE is not allowed") from None
    except DefusedXmlException:
        raise ReportError(f"{what}: the XML refers to an external resource; refused") from None
    except LookupError as error:  # <?xml encoding="..."?> that Python does not know
        raise ReportError(f"{what}: {error}") from None
    except UnicodeError as error:
        raise ReportError(f"{what}: undecodable text ({error.reason})") from None


def expect_root(element: Element, tag: str, what: str) -> None:
    """ReportError unless the document's root element is <tag>."""
    if element.tag != tag:
        raise ReportError(f"{what}: the root element is <{element.tag}>, not <{tag}>")
