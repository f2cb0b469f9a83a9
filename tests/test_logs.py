import json
import logging

from app.logs import JsonFormatter, SecretMasker, fields, log_context


def format_line(masker: SecretMasker, message: str, **extra: object) -> dict:
    record = logging.LogRecord("paasbot", logging.INFO, __file__, 1, message, None, None)
    record.fields = extra
    return json.loads(JsonFormatter(masker).format(record))


def test_context_fields_appear_on_every_line() -> None:
    with (
        log_context(delivery="d-1", installation=7),
        log_context(repository="acme/api", subject="acme/api#3"),
    ):
        line = format_line(SecretMasker(), "hello", outcome="ok")
    assert line["delivery"] == "d-1" and line["installation"] == 7
    assert line["repository"] == "acme/api" and line["subject"] == "acme/api#3"
    assert line["outcome"] == "ok" and line["msg"] == "hello" and line["level"] == "info"


def test_context_does_not_leak_out_of_its_block() -> None:
    with log_context(delivery="d-1"):
        pass
    assert "delivery" not in format_line(SecretMasker(), "later")


def test_secrets_are_masked() -> None:
    masker = SecretMasker(["webhook-secret-value"])
    text = json.dumps(
        format_line(
            masker,
            "token ghs_abcdefghijklmnopqrstuvwxyz0123456789 and webhook-secret-value",
            jwt="eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxIn0.c2lnbmF0dXJl",
            key="-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
        )
    )
    for secret in ("ghs_abc", "webhook-secret-value", "eyJhbGci", "MIIE"):
        assert secret not in text


def test_fields_helper() -> None:
    assert fields(a=1) == {"fields": {"a": 1}}
