"""The aiohttp application: webhook intake, probes, the config schema, and the bot's lifecycle."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from app.service import Paasbot
from app.web.health import DATABASE, healthz, readyz
from app.web.schema import SCHEMA_PATH, paasbot_schema
from app.web.webhooks import INTAKE, WEBHOOK_CONFIG, WebhookConfig, handle_webhook

WEBHOOK_PATH = "/api/github/webhooks"
BOT = web.AppKey("paasbot", Paasbot)


def create_web_app(bot: Paasbot, *, run_workers: bool = True) -> web.Application:
    app = web.Application()
    app[BOT] = bot
    app[INTAKE] = bot.intake
    app[DATABASE] = bot.db
    app[WEBHOOK_CONFIG] = WebhookConfig(
        secret=bot.settings.webhook_secret, max_bytes=bot.settings.webhook_max_bytes
    )
    app.router.add_post(WEBHOOK_PATH, handle_webhook)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get(SCHEMA_PATH, paasbot_schema)

    async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
        await bot.start(workers=run_workers)
        yield
        await bot.stop()

    app.cleanup_ctx.append(lifecycle)
    return app
