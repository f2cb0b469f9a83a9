import json
import re

import pytest

from app.web.webhook_payload import PayloadError, parse_payload


def body(**payload: object) -> bytes:
    return json.dumps(payload).encode()


def test_the_columns_come_from_the_payload() -> None:
    parsed = parse_payload(
        body(action="opened", installation={"id": 7}, repository={"full_name": "acme/api"})
    )
    assert (parsed.action, parsed.installation_id, parsed.repository) == ("opened", 7, "acme/api")
    assert (
        parsed.text
        == body(
            action="opened", installation={"id": 7}, repository={"full_name": "acme/api"}
        ).decode()
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ('{"action": "x"}'.encode("utf-16"), "payload is not UTF-8 JSON"),
        (b"\xef\xbb\xbf{}", "payload is not valid JSON"),
        (b"[]", "payload must be a JSON object"),
        (body(action="a" * 65), "payload's action is longer than 64 characters"),
        (body(action="a\u0000"), "payload's action holds a NUL character"),
        (body(repository={"full_name": "\ud800"}), "payload's repository.full_name holds a lone"),
        (
            body(repository={"full_name": "a" * 257}),
            "payload's repository.full_name is longer than 256",
        ),
        (body(installation={"id": 2**63}), "payload's installation.id is not a 64-bit integer"),
    ],
    ids=["utf-16", "bom", "array", "long-action", "nul", "surrogate", "long-repo", "big-id"],
)
def test_what_no_column_can_hold_is_refused(raw: bytes, message: str) -> None:
    with pytest.raises(PayloadError, match="^" + re.escape(message)):
        parse_payload(raw)


def test_the_limits_are_inclusive() -> None:
    parsed = parse_payload(body(action="a" * 64, installation={"id": 2**63 - 1}))
    assert parsed.action == "a" * 64 and parsed.installation_id == 2**63 - 1
