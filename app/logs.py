"""Structured logs: one JSON object per line, with the delivery, installation, repository, pull
request and subject of the work in progress taken from context variables, and known secrets
masked."""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

LOG_CONTEXT: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "paasbot_log_context", default=MappingProxyType({})
)
CONTEXT_KEYS = ("delivery", "installation", "repository", "pull", "subject")
_TOKEN_PATTERN = re.compile(r"\b(gh[opsu]_[A-Za-z0-9]{8,}|v1\.[0-9a-f]{40})\b")
_PEM_PATTERN = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S
)
_JWT_PATTERN = re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


@contextlib.contextmanager
def log_context(**values: Any) -> Iterator[None]:
    """Adds fields to every log line written inside the block (and in tasks it starts)."""
    merged = {**LOG_CONTEXT.get(), **{k: v for k, v in values.items() if v is not None}}
    token = LOG_CONTEXT.set(merged)
    try:
        yield
    finally:
        LOG_CONTEXT.reset(token)


class SecretMasker:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = [s for s in secrets if s and len(s) >= 4]

    def add(self, secret: str) -> None:
        if secret and len(secret) >= 4:
            self._secrets.append(secret)

    def mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        text = _PEM_PATTERN.sub("***private key***", text)
        text = _JWT_PATTERN.sub("***jwt***", text)
        return _TOKEN_PATTERN.sub("***token***", text)


class JsonFormatter(logging.Formatter):
    def __init__(self, masker: SecretMasker) -> None:
        super().__init__()
        self._masker = masker

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        context = LOG_CONTEXT.get()
        entry.update({key: context[key] for key in CONTEXT_KEYS if key in context})
        entry.update({k: v for k, v in context.items() if k not in CONTEXT_KEYS})
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return self._masker.mask(json.dumps(entry, default=str, ensure_ascii=False))


MASKER = SecretMasker()


def configure_logging(level: str = "info", secrets: Iterable[str] = ()) -> None:
    for secret in secrets:
        MASKER.add(secret)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(MASKER))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


def fields(**values: Any) -> dict[str, Any]:
    """`log.info("...", extra=fields(k=v))`: extra structured fields for one line."""
    return {"fields": values}
