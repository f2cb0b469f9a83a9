"""aiohttp's logs of requests the client broke become one warning; paasbot's own errors do not."""

from __future__ import annotations

import logging

from aiohttp.http_exceptions import BadHttpMessage, ContentEncodingError, HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError

from app.logs import JsonFormatter, SecretMasker
from app.web.client_errors import ClientErrorFilter, client_error_reason, quiet_client_errors


def raised(error: BaseException, cause: BaseException | None = None) -> BaseException:
    try:
        raise error from cause
    except BaseException as caught:
        return caught


def record_of(error: BaseException, message: str = "Unhandled exception") -> logging.LogRecord:
    return logging.LogRecord(
        "aiohttp.server",
        logging.ERROR,
        __file__,
        1,
        message,
        (),
        (type(error), error, error.__traceback__),
    )


def test_what_the_client_broke_is_named() -> None:
    encoding = ContentEncodingError("Can not decode content-encoding: deflate")
    assert client_error_reason(encoding) == "400: Can not decode content-encoding: deflate"
    drained = raised(RequestPayloadError("Can not decode\n  content-encoding: gzip"), encoding)
    assert client_error_reason(drained) == "Can not decode content-encoding: gzip"
    framing = BadHttpMessage("Invalid header value char " + "x" * 1000)
    reason = client_error_reason(framing)
    assert reason is not None and reason.startswith("400: Invalid header") and len(reason) == 300


def test_paasbots_own_failures_are_not_the_clients() -> None:
    assert client_error_reason(None) is None
    assert client_error_reason(raised(RuntimeError("the database went away"))) is None
    assert client_error_reason(HttpProcessingError(code=500, message="ours")) is None
    # A cause that is the client's does not excuse a failure of paasbot's own on top of it.
    wrapped = raised(KeyError("x"), ContentEncodingError("Can not decode content-encoding: br"))
    assert client_error_reason(wrapped) is None


def test_the_record_becomes_one_warning_line_without_a_traceback() -> None:
    error = raised(RequestPayloadError("Can not decode content-encoding: br"))
    record = record_of(error)
    assert ClientErrorFilter().filter(record)
    line = JsonFormatter(SecretMasker()).format(record)
    assert record.levelno == logging.WARNING
    assert '"level": "warning"' in line and "Traceback" not in line
    assert '"reason": "Can not decode content-encoding: br"' in line


def test_other_records_pass_unchanged() -> None:
    error = raised(RuntimeError("boom"))
    record = record_of(error, "Error handling request")
    assert ClientErrorFilter().filter(record)
    assert record.levelno == logging.ERROR and record.exc_info is not None
    plain = logging.LogRecord("aiohttp.server", logging.INFO, __file__, 1, "hi", (), None)
    assert ClientErrorFilter().filter(plain) and plain.levelno == logging.INFO


def test_the_filter_is_installed_once() -> None:
    quiet_client_errors()
    quiet_client_errors()
    logger = logging.getLogger("aiohttp.server")
    assert sum(isinstance(f, ClientErrorFilter) for f in logger.filters) == 1
