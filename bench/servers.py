"""The servers the intake benchmark loads, run in their own process: paasbot's intake (workers
off, so the figure is the intake's own) and a bare aiohttp handler that only answers 202."""

from __future__ import annotations

import argparse
import tempfile

from aiohttp import web


def bare_app() -> web.Application:
    async def accept(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"status": "ok"}, status=202)

    app = web.Application()
    app.router.add_post("/api/github/webhooks", accept)
    return app


def paasbot_app(database_url: str, secret: str) -> web.Application:
    from app.sandbox.keys import new_app_key_pem
    from app.service import Paasbot
    from app.settings import load_settings
    from app.store.migrate import upgrade
    from app.web.server import create_web_app

    upgrade(database_url)
    settings = load_settings(
        {
            "APP_ID": "1",
            "PRIVATE_KEY": new_app_key_pem(),
            "WEBHOOK_SECRET": secret,
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "warning",
        }
    )
    return create_web_app(Paasbot(settings), run_workers=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["bare", "paasbot"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--secret", default="bench-secret")
    args = parser.parse_args()
    if args.mode == "bare":
        app = bare_app()
    else:
        url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
        app = paasbot_app(url, args.secret)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
