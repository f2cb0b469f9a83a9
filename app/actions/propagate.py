"""The `propagate` action's options: a release rule of a library's `.paasbot.yml` opens bump
PRs in the repositories that use it (see docs/bumps.md). It runs on releases, not on pull
requests, so it is not one of the pull request actions of `app/actions/registry.py`."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import AfterValidator, Field, model_validator

from app.actions.options import ActionOptions
from app.bumps.manifests import Ecosystem
from app.bumps.version_tag import DEFAULT_TAG_PATTERN, check_tag_pattern


def _no_dot_segments(name: str) -> str:
    # `..` would climb out of `/repos/{owner}/{repo}/…` in the API paths built from the name.
    if any(part in (".", "..") for part in name.split("/")):
        raise ValueError(f"{name!r} is not a repository name (owner/repo)")
    return name


Repository = Annotated[
    str,
    Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"),
    AfterValidator(_no_dot_segments),
]
# GitHub's rule for a topic: lower case letters, digits and hyphens, at most 50 characters.
Topic = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,49}$")]
PackageName = Annotated[str, Field(min_length=1, max_length=214)]

# GitHub's secondary limits allow about 80 content-creating requests a minute; a bump PR takes
# four (tree, commit, ref, pull) and more with labels, so the default leaves room for the rest.
DEFAULT_PRS_PER_MINUTE = 10


class PropagateOptions(ActionOptions):
    # One name for one ecosystem, or a name per ecosystem: {pip: acme-auth, npm: "@acme/auth"}.
    package: PackageName | dict[Ecosystem, PackageName]
    ecosystem: Ecosystem | list[Ecosystem] | None = None
    # Where the dependents are: named, by topic, and/or found by reading every repository's
    # manifests (cached, read again after a push to its default branch).
    to: list[Repository] = []
    topics: list[Topic] = []
    discover: bool = False
    # The golden-path preset's opt-in "Merge dependency bumps" rule looks for this label.
    labels: list[Annotated[str, Field(min_length=1, max_length=50)]] = ["dependencies"]
    # How the release's tag names the version (`v1.4.0` -> `1.4.0` by default).
    tag_pattern: Annotated[str, AfterValidator(check_tag_pattern)] = DEFAULT_TAG_PATTERN
    max_prs_per_minute: Annotated[int, Field(ge=1, le=60)] = DEFAULT_PRS_PER_MINUTE

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if isinstance(self.package, dict):
            if not self.package:
                raise ValueError("package: name at least one ecosystem's package")
            if self.ecosystem is not None:
                raise ValueError("give either package per ecosystem or ecosystem, not both")
        elif self.ecosystem is None or self.ecosystem == []:
            raise ValueError(
                "ecosystem: missing (pip, poetry, pep621, npm, gomod, maven or docker),"
                " or give package per ecosystem"
            )
        if not (self.to or self.topics or self.discover):
            raise ValueError(
                "say where the dependents are: to (repositories), topics, and/or discover: true"
            )
        return self

    def packages(self) -> dict[str, str]:
        """Ecosystem -> the package's name in it, in the order written."""
        if isinstance(self.package, dict):
            return dict(self.package)
        ecosystems = self.ecosystem if isinstance(self.ecosystem, list) else [self.ecosystem]
        return {ecosystem: self.package for ecosystem in ecosystems if ecosystem is not None}

    @property
    def display_name(self) -> str:
        """The name PR titles, branches and markers use: the first one written."""
        return next(iter(self.packages().values()))

    @property
    def package_key(self) -> str:
        """A stable key for the propagation's record: `pip:acme-auth,npm:@acme/auth`."""
        return ",".join(f"{eco}:{name}" for eco, name in sorted(self.packages().items()))


RELEASE_OPTIONS: dict[str, type[ActionOptions]] = {
    "propagate": PropagateOptions,
}
