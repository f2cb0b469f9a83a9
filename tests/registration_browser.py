"""A browser for the registration flow: reads a page's form and submits it, follows redirects by
hand (so that each hop can be checked), as a person's browser would."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from html.parser import HTMLParser

import aiohttp


@dataclass
class Form:
    action: str = ""
    method: str = "get"
    fields: dict[str, str] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(
                Form(action=values.get("action", ""), method=values.get("method", "get"))
            )
        elif tag == "input" and self.forms and "name" in values:
            self.forms[-1].fields[values["name"]] = values.get("value", "")


def the_form(page: str) -> Form:
    parser = _FormParser()
    parser.feed(page)
    (form,) = parser.forms
    return form


async def submit(http: aiohttp.ClientSession, form: Form) -> aiohttp.ClientResponse:
    """Posts the form to GitHub without following GitHub's redirect."""
    assert form.method.lower() == "post"
    return await http.post(form.action, data=form.fields, allow_redirects=False)


async def register_in_browser(
    http: aiohttp.ClientSession, start_url: str
) -> tuple[aiohttp.ClientResponse, str]:
    """GET the start page, submit its form to GitHub, follow the redirect to the callback: the
    callback's answer and its text."""
    page = await http.get(start_url)
    assert page.status == 200, await page.text()
    confirmed = await submit(http, the_form(await page.text()))
    assert confirmed.status == 302, await confirmed.text()
    done = await http.get(confirmed.headers["Location"])
    return done, await done.text()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
