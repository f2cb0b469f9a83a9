"""The environment, read once into frozen settings (Probot's variable names where they exist)."""

from __future__ import annotations

import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///paasbot.db"
GITHUB_COM_OIDC_ISSUER = "https://token.actions.githubusercontent.com"
GHES_OIDC_ISSUER_PATH = "/_services/token"
DEFAULT_OIDC_AUDIENCE = "paasbot"
OIDC_OFF = "off"
LOG_LEVELS = ("debug", "info", "warning", "error")
_HOST_PATTERN = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    app_id: int
    private_key: str
    webhook_secret: str
    ghe_host: str | None
    ghe_protocol: str
    port: int
    log_level: str
    database_url: str
    webhook_max_bytes: int
    workers: int
    coalesce_seconds: float
    rate_limit_reserve: int
    report_max_bytes: int
    oidc_issuer: str | None  # None: GitHub Actions OIDC tokens are not accepted
    oidc_audience: str
    # A bearer token for GET /metrics; None: the endpoint is open.
    metrics_token: str | None = None
    # The app's OAuth client (login to the /insights dashboard); None: nobody can log in.
    github_client_id: str | None = None
    github_client_secret: str | None = field(default=None, repr=False)
    # Signs the dashboard's login-state cookie (SESSION_SECRET, else derived from WEBHOOK_SECRET).
    session_secret: str = field(default="", repr=False)
    # A read-only bearer token for /api/insights that sees every repository; None: none.
    insights_token: str | None = field(default=None, repr=False)
    # Engineer minutes one action saves (INSIGHTS_MINUTES_PER_ACTION: "2" or "merge=5,label=1");
    # the default applies to actions not listed.
    insights_minutes_per_action: tuple[tuple[str, float], ...] = ()
    insights_default_minutes: float = 1.0
    # How long an evaluation may reuse the reviews, statuses and check runs the previous one read
    # when no webhook says they changed (CARRIED_FACTS_MAX_AGE seconds; 0: read them every time).
    carried_facts_max_age: float = 600.0
    # paasbot's public URL (PUBLIC_URL), as browsers and GitHub reach it: behind a proxy that
    # ends TLS, the login's callback and the cookies' Secure flag come from it, not the request.
    public_url: str | None = None
    # How often the sweeper asks GitHub to redeliver the webhooks paasbot missed
    # (REDELIVERY_INTERVAL_SECONDS; 0: never).
    redelivery_interval_seconds: float = 60.0
    # Report uploads read and checked at once (REPORT_UPLOADS_AT_ONCE): a JSON report takes about
    # ten times its size in memory while it is checked.
    report_uploads_at_once: int = 4
    # A worker's lease on the subject it evaluates (LEASE_SECONDS), renewed every third of it:
    # how long a replica's subjects wait after it dies before another replica takes them over.
    lease_seconds: float = 60.0

    @property
    def github_api_url(self) -> str:
        if self.ghe_host is None:
            return "https://api.github.com"
        return f"{self.ghe_protocol}://{self.ghe_host}/api/v3"

    def __repr__(self) -> str:
        # Secrets stay out of reprs, tracebacks and logs.
        return (
            f"Settings(app_id={self.app_id}, ghe_host={self.ghe_host!r}, port={self.port}, "
            f"database_url={redact_url(self.database_url)!r}, workers={self.workers})"
        )


def secret_values(settings: Settings) -> list[str]:
    """Every secret the settings hold, for the log masker (`app/logs.py`): the webhook secret,
    the private key, the OAuth client secret, the session secret and the bearer tokens."""
    values = (
        settings.webhook_secret,
        settings.private_key,
        settings.github_client_secret,
        settings.session_secret,
        settings.metrics_token,
        settings.insights_token,
    )
    return [value for value in values if value]


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    ghe_host = _ghe_host(env)
    ghe_protocol = _choice(env, "GHE_PROTOCOL", ("https", "http"), "https")
    return Settings(
        app_id=_positive_int(env, "APP_ID", None),
        private_key=_private_key(env),
        webhook_secret=_required(env, "WEBHOOK_SECRET", "the secret GitHub signs webhooks with"),
        ghe_host=ghe_host,
        ghe_protocol=ghe_protocol,
        port=_port(env),
        log_level=_choice(env, "LOG_LEVEL", LOG_LEVELS, "info"),
        database_url=load_database_url(env),
        webhook_max_bytes=_positive_int(env, "WEBHOOK_MAX_BYTES", 25 * 1024 * 1024),
        workers=_positive_int(env, "WORKERS", 4),
        coalesce_seconds=_non_negative_float(env, "COALESCE_SECONDS", 1.0),
        carried_facts_max_age=_non_negative_float(env, "CARRIED_FACTS_MAX_AGE", 600.0),
        rate_limit_reserve=_positive_int(env, "RATE_LIMIT_RESERVE", 100),
        report_max_bytes=_positive_int(env, "REPORT_MAX_BYTES", 50 * 1024 * 1024),
        report_uploads_at_once=_positive_int(env, "REPORT_UPLOADS_AT_ONCE", 4),
        oidc_issuer=_oidc_issuer(env, default_oidc_issuer(ghe_host, ghe_protocol)),
        oidc_audience=env.get("OIDC_AUDIENCE", "").strip() or DEFAULT_OIDC_AUDIENCE,
        metrics_token=env.get("METRICS_TOKEN", "").strip() or None,
        github_client_id=env.get("GITHUB_CLIENT_ID", "").strip() or None,
        github_client_secret=env.get("GITHUB_CLIENT_SECRET", "").strip() or None,
        session_secret=env.get("SESSION_SECRET", "").strip()
        or derived_session_secret(env.get("WEBHOOK_SECRET", "").strip()),
        insights_token=env.get("INSIGHTS_TOKEN", "").strip() or None,
        **_minutes_per_action(env),
        public_url=_public_url(env),
        redelivery_interval_seconds=_non_negative_float(env, "REDELIVERY_INTERVAL_SECONDS", 60.0),
        lease_seconds=_lease_seconds(env),
    )


# Renewed every third of it, a shorter lease would run out on a database pause of a second
# (its work is then cancelled and done again elsewhere: fenced, but wasted).
MIN_LEASE_SECONDS = 2.0


def _lease_seconds(env: Mapping[str, str]) -> float:
    value = _non_negative_float(env, "LEASE_SECONDS", 60.0)
    if value < MIN_LEASE_SECONDS:
        raise SettingsError(
            f"LEASE_SECONDS must be at least {MIN_LEASE_SECONDS:g} seconds, got {value:g}"
        )
    return value


def _public_url(env: Mapping[str, str]) -> str | None:
    value = env.get("PUBLIC_URL", "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise SettingsError(f"PUBLIC_URL must look like https://paasbot.example.com, got {value!r}")
    return value.rstrip("/")


def derived_session_secret(webhook_secret: str) -> str:
    """A key for the dashboard's cookies from the webhook secret (never the secret itself)."""
    return hmac.new(webhook_secret.encode(), b"paasbot dashboard sessions", "sha256").hexdigest()


def _minutes_per_action(env: Mapping[str, str]) -> dict[str, Any]:
    raw = env.get("INSIGHTS_MINUTES_PER_ACTION", "").strip()
    table: list[tuple[str, float]] = []
    default = 1.0
    problem = (
        "INSIGHTS_MINUTES_PER_ACTION must be minutes (such as 2) or action=minutes pairs "
        f"separated by commas (such as merge=5,label=1,default=1), got {raw!r}"
    )
    for item in filter(None, (part.strip() for part in raw.split(","))):
        name, sep, value = item.rpartition("=")
        try:
            minutes = float(value)
        except ValueError:
            raise SettingsError(problem) from None
        if not minutes >= 0 or minutes == float("inf") or (sep and not name.strip()):
            raise SettingsError(problem)
        if not sep or name.strip() == "default":
            default = minutes
        else:
            table.append((name.strip(), minutes))
    return {"insights_minutes_per_action": tuple(table), "insights_default_minutes": default}


def default_oidc_issuer(ghe_host: str | None, ghe_protocol: str = "https") -> str:
    """The issuer of the GitHub Actions OIDC tokens of github.com, or of a GHES instance."""
    if ghe_host is None:
        return GITHUB_COM_OIDC_ISSUER
    return f"{ghe_protocol}://{ghe_host}{GHES_OIDC_ISSUER_PATH}"


def load_database_url(env: Mapping[str, str] | None = None) -> str:
    """DATABASE_URL as an async SQLAlchemy URL (sqlite+aiosqlite or postgresql+asyncpg)."""
    env = os.environ if env is None else env
    raw = env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    scheme, sep, rest = raw.partition("://")
    if not sep:
        raise SettingsError(
            f"DATABASE_URL must look like sqlite:///path or postgresql://..., got {raw!r}"
        )
    base = scheme.split("+", 1)[0].lower()
    if base in ("postgres", "postgresql"):
        return f"postgresql+asyncpg://{rest}"
    if base == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    raise SettingsError(
        f"DATABASE_URL scheme {scheme!r} is not supported: use sqlite:///path or postgresql://..."
    )


def redact_url(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def _required(env: Mapping[str, str], name: str, what: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise SettingsError(f"{name} is not set ({what})")
    return value


def _positive_int(env: Mapping[str, str], name: str, default: int | None) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        if default is None:
            raise SettingsError(f"{name} is not set (a positive whole number)")
        return default
    if not raw.isdigit() or int(raw) <= 0:
        raise SettingsError(f"{name} must be a positive whole number, got {raw!r}")
    return int(raw)


def _non_negative_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise SettingsError(f"{name} must be a number of seconds >= 0, got {raw!r}")
    return value


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    raw = env.get(name, "").strip().lower() or default
    if raw not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
    return raw


def _port(env: Mapping[str, str]) -> int:
    port = _positive_int(env, "PORT", 3000)
    if port > 65535:
        raise SettingsError(f"PORT must be between 1 and 65535, got {port}")
    return port


def _ghe_host(env: Mapping[str, str]) -> str | None:
    raw = env.get("GHE_HOST", "").strip()
    if not raw:
        return None
    if not _HOST_PATTERN.match(raw):
        raise SettingsError(
            "GHE_HOST must be a host name such as ghe.example.com (no scheme, no path), "
            f"got {raw!r}"
        )
    return raw


def _oidc_issuer(env: Mapping[str, str], default: str) -> str | None:
    raw = env.get("OIDC_ISSUER", "").strip()
    if raw.lower() == OIDC_OFF:
        return None
    if not raw:
        return default
    parts = urlsplit(raw)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise SettingsError(
            "OIDC_ISSUER must be the URL of the OIDC issuer, such as "
            f"https://ghe.example.com{GHES_OIDC_ISSUER_PATH}, or {OIDC_OFF}; got {raw!r}"
        )
    # Tokens name the issuer without a trailing slash, and `iss` is compared exactly.
    return raw.rstrip("/")


def _private_key(env: Mapping[str, str]) -> str:
    inline = env.get("PRIVATE_KEY", "").strip()
    path = env.get("PRIVATE_KEY_PATH", "").strip()
    if inline:
        # Probot accepts keys whose newlines were flattened to "\n" in an env file.
        pem, source = inline.replace("\\n", "\n"), "PRIVATE_KEY"
    elif path:
        try:
            pem, source = Path(path).read_text(), "PRIVATE_KEY_PATH"
        except OSError as exc:
            raise SettingsError(
                f"PRIVATE_KEY_PATH cannot be read: {exc.strerror} ({path})"
            ) from None
    else:
        raise SettingsError("PRIVATE_KEY or PRIVATE_KEY_PATH is not set (the GitHub App's PEM key)")
    _check_rsa_key(pem, source)
    return pem


def _check_rsa_key(pem: str, source: str) -> None:
    try:
        key = load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        raise SettingsError(f"{source} is not a PEM-encoded private key") from None
    if not isinstance(key, RSAPrivateKey):
        raise SettingsError(f"{source} must be an RSA key (GitHub Apps sign with RS256)")
