"""The pure parts of registration: app.yml -> manifest, GitHub's URLs, the env file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from app.registration.env_file import (
    EnvFileError,
    apply_env_file,
    credential_values,
    read_env_file,
    render_env,
    write_env_file,
)
from app.registration.manifest import (
    ManifestSourceError,
    api_url,
    build_manifest,
    conversion_url,
    load_app_definition,
    new_app_url,
    public_base_url,
)
from app.settings import load_settings


def test_the_manifest_is_app_yml_with_this_deployments_urls() -> None:
    definition = load_app_definition()

    manifest = build_manifest(
        definition, public_url="https://bot.example.com/", redirect_url="http://localhost:1/cb"
    )

    assert manifest["name"] == definition["name"] == "paasbot"
    assert manifest["url"] == "https://bot.example.com"
    assert manifest["hook_attributes"] == {
        "url": "https://bot.example.com/api/github/webhooks",
        "active": True,
    }
    assert manifest["redirect_url"] == "http://localhost:1/cb"
    assert manifest["default_permissions"] == definition["default_permissions"]
    assert manifest["default_events"] == definition["default_events"]
    assert manifest["public"] is False
    assert definition["hook_attributes"]["url"].startswith("https://paasbot.example.com")


def test_keys_github_does_not_read_stay_out_of_the_manifest() -> None:
    manifest = build_manifest(
        {"name": "x", "secret": "no", "setup_url": "https://old"},
        public_url="http://h",
        redirect_url="http://r",
    )

    assert set(manifest) == {"name", "url", "hook_attributes", "redirect_url", "callback_urls"}
    assert manifest["callback_urls"] == ["http://h/oauth/callback"]


@pytest.mark.parametrize("url", ["bot.example.com", "ftp://x", "https://x/?a=1", "https://"])
def test_a_public_url_must_be_an_http_url(url: str) -> None:
    with pytest.raises(ValueError, match="public URL"):
        public_base_url(url)


def test_a_missing_app_yml_is_named(tmp_path: Path) -> None:
    with pytest.raises(ManifestSourceError, match="not found"):
        load_app_definition(tmp_path / "app.yml")
    (tmp_path / "app.yml").write_text("- a list\n")
    with pytest.raises(ManifestSourceError, match="not an app manifest"):
        load_app_definition(tmp_path / "app.yml")


def test_githubs_urls() -> None:
    assert new_app_url("ghe.example.com") == "https://ghe.example.com/settings/apps/new"
    assert (
        new_app_url("ghe:8080", "http", "my org")
        == "http://ghe:8080/organizations/my%20org/settings/apps/new"
    )
    assert api_url("ghe.example.com") == "https://ghe.example.com/api/v3"
    assert api_url("github.com") == "https://api.github.com"
    assert (
        conversion_url("ghe", "https", "a/b")
        == "https://ghe/api/v3/app-manifests/a%2Fb/conversions"
    )


def test_the_env_file_is_what_the_settings_read(tmp_path: Path, private_key: str) -> None:
    values = credential_values(
        {
            "id": 42,
            "pem": private_key,
            "webhook_secret": "hush",
            "client_id": "Iv1.abc",
            "client_secret": "shh",
        },
        ghe_host="ghe.example.com",
        ghe_protocol="https",
    )
    path = tmp_path / "paasbot.env"

    write_env_file(path, render_env(values, comment="paasbot\nline two"))

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("# paasbot\n# line two\nAPP_ID=42\n")
    settings = load_settings(read_env_file(path))
    assert settings.app_id == 42 and settings.webhook_secret == "hush"
    assert (settings.github_client_id, settings.github_client_secret) == ("Iv1.abc", "shh")
    assert settings.private_key.strip() == private_key.strip()
    assert settings.github_api_url == "https://ghe.example.com/api/v3"


def test_an_existing_env_file_is_never_overwritten_without_force(tmp_path: Path) -> None:
    path = tmp_path / "paasbot.env"
    path.write_text("KEEP=1\n")

    with pytest.raises(EnvFileError, match="already exists"):
        write_env_file(path, "APP_ID=1\n")
    assert path.read_text() == "KEEP=1\n"
    write_env_file(path, "APP_ID=1\n", force=True)
    assert path.read_text() == "APP_ID=1\n"
    assert [entry.name for entry in tmp_path.iterdir()] == ["paasbot.env"]


def test_an_unwritable_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(EnvFileError, match="does not exist"):
        write_env_file(tmp_path / "missing" / "paasbot.env", "A=1\n")


def test_reading_tolerates_comments_quotes_and_export(tmp_path: Path) -> None:
    path = tmp_path / "x.env"
    path.write_text("# c\n\nexport A=1\nB='two words'\nC=\"3\"\nnot a line\nD=a=b\n")

    assert read_env_file(path) == {"A": "1", "B": "two words", "C": "3", "D": "a=b"}


def test_the_environment_wins_over_the_env_file(tmp_path: Path) -> None:
    path = tmp_path / "x.env"
    path.write_text("A=file\nB=file\n")
    environ = {"A": "env", "B": ""}

    assert apply_env_file(environ, path) is True
    assert environ == {"A": "env", "B": "file"}
    assert apply_env_file(environ, tmp_path / "absent.env") is False


def test_multiline_values_are_refused() -> None:
    with pytest.raises(ValueError, match="spans lines"):
        render_env({"A": "1\n2"})
