from pathlib import Path

import pytest

from app.service import Paasbot
from app.settings import (
    DEFAULT_DATABASE_URL,
    SettingsError,
    load_database_url,
    load_settings,
    secret_values,
)


@pytest.fixture
def env(private_key: str) -> dict[str, str]:
    return {"APP_ID": "12", "PRIVATE_KEY": private_key, "WEBHOOK_SECRET": "s3cret!"}


def test_minimal_settings_and_defaults(env: dict[str, str]) -> None:
    settings = load_settings(env)
    assert settings.app_id == 12
    assert settings.github_api_url == "https://api.github.com"
    assert settings.port == 3000 and settings.log_level == "info"
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.webhook_max_bytes == 25 * 1024 * 1024


def test_ghes_base_url_keeps_the_api_v3_prefix(env: dict[str, str]) -> None:
    settings = load_settings({**env, "GHE_HOST": "ghe.acme.test:8443", "GHE_PROTOCOL": "http"})
    assert settings.github_api_url == "http://ghe.acme.test:8443/api/v3"


def test_flattened_newlines_in_the_key_are_accepted(env: dict[str, str]) -> None:
    flattened = env["PRIVATE_KEY"].strip().replace("\n", "\\n")
    assert load_settings({**env, "PRIVATE_KEY": flattened}).private_key.count("\n") > 5


def test_key_from_a_file(env: dict[str, str], tmp_path: Path) -> None:
    key_file = tmp_path / "app.pem"
    key_file.write_text(env.pop("PRIVATE_KEY"))
    assert "BEGIN" in load_settings({**env, "PRIVATE_KEY_PATH": str(key_file)}).private_key


@pytest.mark.parametrize(
    "change, variable",
    [
        ({"APP_ID": ""}, "APP_ID"),
        ({"APP_ID": "twelve"}, "APP_ID"),
        ({"APP_ID": "-3"}, "APP_ID"),
        ({"WEBHOOK_SECRET": " "}, "WEBHOOK_SECRET"),
        ({"PRIVATE_KEY": "not a key"}, "PRIVATE_KEY"),
        ({"PRIVATE_KEY": "", "PRIVATE_KEY_PATH": "/nonexistent/key.pem"}, "PRIVATE_KEY_PATH"),
        ({"PRIVATE_KEY": ""}, "PRIVATE_KEY or PRIVATE_KEY_PATH"),
        ({"GHE_HOST": "https://ghe.acme.test"}, "GHE_HOST"),
        ({"GHE_HOST": "ghe.acme.test/api/v3"}, "GHE_HOST"),
        ({"GHE_PROTOCOL": "ftp"}, "GHE_PROTOCOL"),
        ({"PORT": "70000"}, "PORT"),
        ({"PORT": "http"}, "PORT"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"DATABASE_URL": "paasbot.db"}, "DATABASE_URL"),
        ({"WORKERS": "0"}, "WORKERS"),
        ({"COALESCE_SECONDS": "soon"}, "COALESCE_SECONDS"),
        ({"COALESCE_SECONDS": "nan"}, "COALESCE_SECONDS"),
        ({"CARRIED_FACTS_MAX_AGE": "-1"}, "CARRIED_FACTS_MAX_AGE"),
        ({"CARRIED_FACTS_MAX_AGE": "ten minutes"}, "CARRIED_FACTS_MAX_AGE"),
        ({"REDELIVERY_INTERVAL_SECONDS": "-5"}, "REDELIVERY_INTERVAL_SECONDS"),
        ({"REDELIVERY_INTERVAL_SECONDS": "hourly"}, "REDELIVERY_INTERVAL_SECONDS"),
        ({"LEASE_SECONDS": "1"}, "LEASE_SECONDS"),
        ({"LEASE_SECONDS": "a minute"}, "LEASE_SECONDS"),
        ({"OIDC_ISSUER": "token.actions.githubusercontent.com"}, "OIDC_ISSUER"),
        ({"OIDC_ISSUER": "ftp://ghe.acme.test/_services/token"}, "OIDC_ISSUER"),
        ({"OIDC_ISSUER": "https://ghe.acme.test/_services/token?x=1"}, "OIDC_ISSUER"),
        ({"OIDC_ISSUER": "none"}, "OIDC_ISSUER"),
    ],
)
def test_a_bad_setting_names_its_variable(
    env: dict[str, str], change: dict[str, str], variable: str
) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings({**env, **change})
    assert str(error.value).startswith(variable)


def test_carried_facts_max_age(env: dict[str, str]) -> None:
    assert load_settings(env).carried_facts_max_age == 600.0
    assert load_settings({**env, "CARRIED_FACTS_MAX_AGE": "0"}).carried_facts_max_age == 0.0


def test_redelivery_interval(env: dict[str, str]) -> None:
    assert load_settings(env).redelivery_interval_seconds == 60.0
    off = load_settings({**env, "REDELIVERY_INTERVAL_SECONDS": "0"})
    assert off.redelivery_interval_seconds == 0.0


def test_lease_seconds(env: dict[str, str]) -> None:
    assert load_settings(env).lease_seconds == 60.0
    assert load_settings({**env, "LEASE_SECONDS": "15"}).lease_seconds == 15.0
    with pytest.raises(SettingsError) as error:
        load_settings({**env, "LEASE_SECONDS": "1.5"})
    assert str(error.value) == "LEASE_SECONDS must be at least 2 seconds, got 1.5"


async def test_the_work_queue_leases_for_lease_seconds(env: dict[str, str], tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'paasbot.db'}"
    bot = Paasbot(load_settings({**env, "LEASE_SECONDS": "7.5", "DATABASE_URL": url}))
    try:
        assert bot.queue.policy.lease_seconds == 7.5
    finally:
        await bot.db.close()


def test_an_ec_key_is_refused(env: dict[str, str]) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(SettingsError, match="RSA"):
        load_settings({**env, "PRIVATE_KEY": pem.decode()})


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("postgres://u:p@db/paasbot", "postgresql+asyncpg://u:p@db/paasbot"),
        ("postgresql://u@db/paasbot", "postgresql+asyncpg://u@db/paasbot"),
        ("postgresql+psycopg://u@db/x", "postgresql+asyncpg://u@db/x"),
        ("sqlite:////var/lib/paasbot.db", "sqlite+aiosqlite:////var/lib/paasbot.db"),
    ],
)
def test_database_urls_are_normalised(raw: str, expected: str) -> None:
    assert load_database_url({"DATABASE_URL": raw}) == expected


def test_secrets_stay_out_of_the_repr(env: dict[str, str]) -> None:
    settings = load_settings({**env, "DATABASE_URL": "postgresql://bot:hunter2@db/x"})
    text = repr(settings)
    assert "s3cret" not in text and "BEGIN" not in text and "hunter2" not in text


def test_the_oidc_issuer_is_githubs_or_the_enterprise_servers(env: dict[str, str]) -> None:
    settings = load_settings(env)
    assert settings.oidc_issuer == "https://token.actions.githubusercontent.com"
    assert settings.oidc_audience == "paasbot"
    ghes = load_settings({**env, "GHE_HOST": "ghe.acme.test"})
    assert ghes.oidc_issuer == "https://ghe.acme.test/_services/token"
    plain = load_settings({**env, "GHE_HOST": "10.0.0.5:8080", "GHE_PROTOCOL": "http"})
    assert plain.oidc_issuer == "http://10.0.0.5:8080/_services/token"


def test_the_oidc_issuer_and_audience_can_be_set(env: dict[str, str]) -> None:
    settings = load_settings(
        {
            **env,
            "GHE_HOST": "ghe.acme.test",
            "OIDC_ISSUER": " https://token.actions.githubusercontent.com/acme-enterprise/ ",
            "OIDC_AUDIENCE": "https://paasbot.acme.test",
        }
    )
    assert settings.oidc_issuer == "https://token.actions.githubusercontent.com/acme-enterprise"
    assert settings.oidc_audience == "https://paasbot.acme.test"
    assert load_settings({**env, "OIDC_AUDIENCE": " "}).oidc_audience == "paasbot"


@pytest.mark.parametrize("off", ["off", "OFF", " Off "])
def test_oidc_can_be_turned_off(env: dict[str, str], off: str) -> None:
    assert load_settings({**env, "OIDC_ISSUER": off}).oidc_issuer is None


def test_every_secret_setting_is_masked_in_the_logs(env: dict[str, str]) -> None:
    settings = load_settings(
        {
            **env,
            "GITHUB_CLIENT_ID": "Iv1.abc",
            "GITHUB_CLIENT_SECRET": "client-secret-value",
            "SESSION_SECRET": "session-secret-value",
            "METRICS_TOKEN": "metrics-token-value",
            "INSIGHTS_TOKEN": "insights-token-value",
        }
    )
    assert set(secret_values(settings)) == {
        settings.webhook_secret,
        settings.private_key,
        "client-secret-value",
        "session-secret-value",
        "metrics-token-value",
        "insights-token-value",
    }
    assert set(secret_values(load_settings(env))) == {
        settings.webhook_secret,
        settings.private_key,
        load_settings(env).session_secret,  # derived from the webhook secret
    }
