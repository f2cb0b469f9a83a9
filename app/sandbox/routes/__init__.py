"""Route tables of the simulator, one module per area of the REST API."""

from __future__ import annotations

from app.sandbox.routes import (
    apps,
    auth,
    checks,
    commits,
    contents,
    deployments,
    git_objects,
    git_refs,
    hook_deliveries,
    issues,
    labels,
    merges,
    pull_writes,
    pulls,
    reactions,
    releases,
    repos,
    reviews,
    statuses,
    teams,
    user,
    users,
)
from app.sandbox.routing import Route

ROUTES: tuple[Route, ...] = (
    *auth.ROUTES,
    *apps.ROUTES,
    *hook_deliveries.ROUTES,
    *pulls.ROUTES,
    *checks.ROUTES,
    *pull_writes.ROUTES,
    *reviews.ROUTES,
    *merges.ROUTES,
    *issues.ROUTES,
    *reactions.ROUTES,
    *labels.ROUTES,
    *repos.ROUTES,
    *contents.ROUTES,
    *git_refs.ROUTES,
    *git_objects.ROUTES,
    *statuses.ROUTES,
    *commits.ROUTES,
    *teams.ROUTES,
    *users.ROUTES,
    *user.ROUTES,
    *releases.ROUTES,
    *deployments.ROUTES,
)

__all__ = ["ROUTES"]
