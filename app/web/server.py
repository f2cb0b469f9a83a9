"""The aiohttp application: webhook intake, report uploads, probes, the config schema, and the
bot's lifecycle."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from app.reports.oidc import github_actions_oidc_method
from app.reports.tokens import UploadMethod, secret_token_method
from app.service import Paasbot
from app.settings import Settings
from app.web.auth import LoginConfig, add_login_routes
from app.web.client_errors import quiet_client_errors
from app.web.health import DATABASE, healthz, readyz
from app.web.insights import add_insights_routes
from app.web.metrics import MetricsEndpoint, add_metrics_route
from app.web.reports import REPORT_INTAKE, ReportIntake, UploadSlots, add_report_routes
from app.web.schema import SCHEMA_PATH, paasbot_schema
from app.web.simulate import SIMULATIONS, Simulations, add_simulate_routes
from app.web.webhooks import (
    INTAKE,
    WEBHOOK_CONFIG,
    WEBHOOK_METRICS,
    WebhookConfig,
    handle_webhook,
)

WEBHOOK_PATH = "/api/github/webhooks"
BOT = web.AppKey("paasbot", Paasbot)


def create_web_app(bot: Paasbot, *, run_workers: bool = True) -> web.Application:
    quiet_client_errors()
    app = web.Application()
    app[BOT] = bot
    app[INTAKE] = bot.intake
    app[DATABASE] = bot.db
    app[WEBHOOK_CONFIG] = WebhookConfig(
        secret=bot.settings.webhook_secret, max_bytes=bot.settings.webhook_max_bytes
    )
    app[REPORT_INTAKE] = ReportIntake(
        db=bot.db,
        router=bot.router,
        max_bytes=bot.settings.report_max_bytes,
        methods=upload_methods(bot.settings),
        wake=bot.intake.work_available.set,
        slots=UploadSlots(bot.settings.report_uploads_at_once),
    )
    app.router.add_post(WEBHOOK_PATH, handle_webhook)
    add_report_routes(app)
    # Authenticated as report uploads are (the same methods).
    app[SIMULATIONS] = Simulations(bot, app[REPORT_INTAKE].methods)
    add_simulate_routes(app)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get(SCHEMA_PATH, paasbot_schema)
    # The insights dashboard: login with GitHub, /insights pages, /api/insights.
    add_login_routes(app, LoginConfig(bot.settings, bot.db))
    add_insights_routes(app)
    app[WEBHOOK_METRICS] = bot.metrics
    add_metrics_route(app, MetricsEndpoint(bot.metrics, bot.settings.metrics_token))

    async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
        await bot.start(workers=run_workers)
        yield
        await bot.stop()

    app.cleanup_ctx.append(lifecycle)
    return app


def upload_methods(settings: Settings) -> tuple[UploadMethod, ...]:
    """Upload tokens, then GitHub Actions OIDC tokens unless OIDC_ISSUER is off."""
    methods = [secret_token_method(settings.webhook_secret)]
    if settings.oidc_issuer is not None:
        methods.append(github_actions_oidc_method(settings.oidc_issuer, settings.oidc_audience))
    return tuple(methods)
