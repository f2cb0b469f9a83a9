"""The env file the app's credentials go to: KEY=value lines, created 0600, atomically.

The private key is one value with its newlines written as ``\\n`` (settings.py turns them back),
unquoted, so that ``docker run --env-file``, ``kubectl create secret --from-env-file`` and
``paasbot serve`` (PAASBOT_ENV_FILE) read the same file. Values are never logged.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

ENV_FILE_MODE = 0o600
DEFAULT_ENV_FILE = "paasbot.env"


class EnvFileError(OSError):
    """The env file cannot be written (or read); the message names the file and the problem."""


def credential_values(
    conversion: Mapping[str, Any], *, ghe_host: str, ghe_protocol: str
) -> dict[str, str]:
    """The settings a manifest conversion answer gives, by their variable names."""
    return {
        "APP_ID": str(conversion["id"]),
        "PRIVATE_KEY": str(conversion["pem"]).strip().replace("\n", "\\n"),
        "WEBHOOK_SECRET": str(conversion.get("webhook_secret") or ""),
        # The app's OAuth client: login to the insights dashboard.
        "GITHUB_CLIENT_ID": str(conversion.get("client_id") or ""),
        "GITHUB_CLIENT_SECRET": str(conversion.get("client_secret") or ""),
        "GHE_HOST": ghe_host,
        "GHE_PROTOCOL": ghe_protocol,
    }


def render_env(values: Mapping[str, str], *, comment: str = "") -> str:
    lines = [f"# {line}" for line in comment.splitlines()]
    for name, value in values.items():
        if "\n" in value or "\r" in value:
            raise ValueError(f"{name} spans lines")
        lines.append(f"{name}={value}")
    return "\n".join(lines) + "\n"


def check_writable(path: Path, *, force: bool = False) -> None:
    """Raises EnvFileError when writing ``path`` would fail: it exists (without force), or its
    folder is missing or not writable."""
    if path.exists() and not force:
        raise EnvFileError(
            f"{path} already exists: paasbot will not overwrite credentials (move it away, or "
            "pass --force)"
        )
    folder = path.parent
    if not folder.is_dir():
        raise EnvFileError(f"cannot write {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise EnvFileError(f"cannot write {path}: the folder {folder} is not writable")


def write_env_file(path: Path, text: str, *, force: bool = False) -> None:
    """Writes a temporary file with mode 0600 beside ``path`` and moves it into place: never a
    partial file, never readable by others; an existing file is kept unless ``force``."""
    check_writable(path, force=force)
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise EnvFileError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w") as handle:
            os.fchmod(handle.fileno(), ENV_FILE_MODE)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if force:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)  # fails if the file appeared meanwhile
    except FileExistsError:
        raise EnvFileError(f"{path} already exists: paasbot will not overwrite it") from None
    except OSError as exc:
        raise EnvFileError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines (comments, blank lines and ``export`` allowed; matching quotes removed)."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise EnvFileError(f"cannot read {path}: {exc.strerror}") from None
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name.strip()] = value
    return values


def apply_env_file(environ: MutableMapping[str, str], path: Path) -> bool:
    """Fills ``environ`` with the file's values where the environment sets none; False when the
    file does not exist."""
    if not path.is_file():
        return False
    for name, value in read_env_file(path).items():
        if not environ.get(name, "").strip():
            environ[name] = value
    return True
