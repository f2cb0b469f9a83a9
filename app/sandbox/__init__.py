"""A stateful GitHub Enterprise Server simulator for testing GitHub clients over real HTTP."""

from app.sandbox.faults import Fault, FaultPlan
from app.sandbox.models import (
    CheckRun,
    CheckRunPatch,
    Installation,
    Issue,
    IssuedToken,
    PullRequest,
    RecordedRequest,
    Repository,
)
from app.sandbox.server import create_simulator_app
from app.sandbox.state import SimulatedGitHub

__all__ = [
    "CheckRun",
    "CheckRunPatch",
    "Fault",
    "FaultPlan",
    "Installation",
    "Issue",
    "IssuedToken",
    "PullRequest",
    "RecordedRequest",
    "Repository",
    "SimulatedGitHub",
    "create_simulator_app",
]
