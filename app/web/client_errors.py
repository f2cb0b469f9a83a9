"""aiohttp's server logs, as an ERROR with a traceback, a request its parser cannot read (a body
that does not match its `Content-Encoding`, an encoding it does not know, broken framing), also
after a handler has answered 400 and aiohttp drains the rest of the body. The sender broke it, not
paasbot: anyone could fill the logs with tracebacks and page whoever watches the errors. Those
records become one warning line that names the reason."""

from __future__ import annotations

import logging

from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError

SERVER_LOGGER = "aiohttp.server"
MAX_REASON = 300


def client_error_reason(error: BaseException | None) -> str | None:
    """Why the client's request could not be read, when `error` says that the client sent it
    broken; None for anything else: paasbot's own failures stay errors, even when a client's
    error caused them."""
    if isinstance(error, RequestPayloadError):
        return " ".join(str(error).split())[:MAX_REASON]
    if isinstance(error, HttpProcessingError) and 400 <= (error.code or 0) < 500:
        return f"{error.code}: {' '.join(str(error.message).split())}"[:MAX_REASON]
    return None


class ClientErrorFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        reason = client_error_reason(error)
        if reason is None:
            return True
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.msg, record.args = "request refused: its body or framing cannot be read", ()
        record.exc_info, record.exc_text = None, None
        record.fields = {**getattr(record, "fields", {}), "reason": reason}
        return True


def quiet_client_errors() -> None:
    """Installs the filter on aiohttp's server logger, once per process."""
    logger = logging.getLogger(SERVER_LOGGER)
    if not any(isinstance(f, ClientErrorFilter) for f in logger.filters):
        logger.addFilter(ClientErrorFilter())
