"""The schema, in SQLAlchemy Core: one definition for SQLite and PostgreSQL.

Times are epoch seconds (float): comparable the same way on both engines and in every process.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    true,
)

metadata = MetaData()

# Every webhook delivery, stored before it is acknowledged; routed_at is set once its subjects
# are marked.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("event", String(64), nullable=False),
    Column("action", String(64)),
    Column("installation_id", BigInteger),
    Column("repository", String(256)),
    Column("received_at", Double, nullable=False),
    Column("payload", Text, nullable=False),
    Column("routed_at", Double),
    Column("route_attempts", Integer, nullable=False, default=0),
    # SHA-256 of the body: the signature does not cover the delivery id, so a captured body sent
    # again under a new id is recognised as the same event.
    Column("body_sha256", String(64)),
    Index("ix_deliveries_unrouted", "routed_at", "received_at"),
    Index("ux_deliveries_body_sha256", "body_sha256", unique=True),
)

# The work queue: one row per subject (a pull request, a release, an installation, a repository's
# PR index). A mark bumps `version`; an evaluation completes `done_version`; `due_at` is set while
# it is pending.
subjects = Table(
    "subjects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(512), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("installation_id", BigInteger),
    Column("repository", String(256)),
    Column("number", Integer),
    Column("name", String(256)),
    Column("version", Integer, nullable=False, default=1),
    Column("done_version", Integer, nullable=False, default=0),
    Column("claimed_version", Integer),
    # NULL when idle; when pending, the earliest time a worker may take it.
    Column("due_at", Double),
    # After an evaluation, further events wait until then, so a burst makes one or two evaluations.
    Column("quiet_until", Double),
    Column("lease_owner", String(128)),
    Column("lease_until", Double),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("events_total", Integer, nullable=False, default=0),
    Column("evaluations", Integer, nullable=False, default=0),
    Column("last_event_id", BigInteger, nullable=False, default=0),
    Column("created_at", Double, nullable=False),
    Column("updated_at", Double, nullable=False),
    Index("ix_subjects_due", "due_at"),
)

# Which deliveries marked which subject: the events an evaluation is reacting to.
subject_events = Table(
    "subject_events",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("subject_id", Integer, ForeignKey("subjects.id", ondelete="CASCADE"), nullable=False),
    Column("delivery_id", String(64), nullable=False),
    Column("event", String(64), nullable=False),
    Column("action", String(64)),
    Column("created_at", Double, nullable=False),
    Index("ix_subject_events_subject", "subject_id", "id"),
)

# Each attempt that failed, for "why did this not happen" and for the ledger.
subject_failures = Table(
    "subject_failures",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("subject_id", Integer, ForeignKey("subjects.id", ondelete="CASCADE"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("error", Text, nullable=False),
    Column("gave_up", Integer, nullable=False, default=0),
    Column("failed_at", Double, nullable=False),
    Column("retry_at", Double),
)

# One row per evaluation: the ledger's first column.
evaluations = Table(
    "evaluations",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("subject_id", Integer, ForeignKey("subjects.id", ondelete="CASCADE"), nullable=False),
    Column("worker", String(128), nullable=False),
    Column("started_at", Double, nullable=False),
    Column("finished_at", Double, nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("events", Integer, nullable=False),
    Column("api_calls", Integer, nullable=False),
    Column("detail", Text),
)

# Open pull requests' heads and bases, so a status or a push finds its PRs without an API call.
open_pulls = Table(
    "open_pulls",
    metadata,
    Column("repository", String(256), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("installation_id", BigInteger),
    Column("head_sha", String(64), nullable=False),
    Column("base_ref", String(256), nullable=False),
    Column("updated_at", Double, nullable=False),
    # False once an evaluation found that no rule's outcome depends on the base branch's head.
    Column("wakes_on_base_push", Boolean, nullable=False, server_default=true()),
    Index("ix_open_pulls_head", "repository", "head_sha"),
    Index("ix_open_pulls_base", "repository", "base_ref"),
)

# When a repository's open PRs were last listed from the API (the index is complete from then on).
repository_syncs = Table(
    "repository_syncs",
    metadata,
    Column("repository", String(256), primary_key=True),
    Column("synced_at", Double, nullable=False),
)

# The paasbot check run per head SHA, and a digest of what it says: rewritten only when it changes.
check_runs = Table(
    "check_runs",
    metadata,
    Column("repository", String(256), primary_key=True),
    Column("head_sha", String(64), primary_key=True),
    Column("name", String(128), primary_key=True),
    Column("check_run_id", BigInteger, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("updated_at", Double, nullable=False),
)

# GitHub API calls, counted per installation, endpoint and subject.
api_calls = Table(
    "api_calls",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("recorded_at", Double, nullable=False),
    Column("installation_id", BigInteger),
    Column("subject", String(512)),
    Column("method", String(8), nullable=False),
    Column("endpoint", String(256), nullable=False),
    Column("calls", Integer, nullable=False),
    Column("not_modified", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
    Index("ix_api_calls_installation", "installation_id", "recorded_at"),
)

installations = Table(
    "installations",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("account", String(256)),
    Column("state", String(32), nullable=False),
    Column("updated_at", Double, nullable=False),
)

# Repositories an installation no longer covers (installation_repositories.removed): a late
# delivery for one routes to nothing, so its token is never used there. Lower-case names.
uncovered_repositories = Table(
    "uncovered_repositories",
    metadata,
    Column("installation_id", BigInteger, primary_key=True, autoincrement=False),
    Column("repository", String(256), primary_key=True),
    Column("removed_at", Double, nullable=False),
)

# Bumped when a push to a repository's default branch touches its `.paasbot.yml`: a cached
# configuration that read an older generation of any of its files is read again.
config_generations = Table(
    "config_generations",
    metadata,
    Column("repository", String(256), primary_key=True),
    Column("generation", Integer, nullable=False),
    Column("changed_at", Double, nullable=False),
)

# What the rule engine remembers per pull request between evaluations: which rules matched,
# each action's state (a comment posted, a check written), recent changes (to catch flapping).
pull_memories = Table(
    "pull_memories",
    metadata,
    Column("subject_key", String(512), primary_key=True),
    Column("document", Text, nullable=False),
    Column("updated_at", Double, nullable=False),
)

# Review requests paasbot made, for choosing reviewers (round robin, load balance): one row per
# request (a login requested again gets a new row). `completed_at` is set when the request stops
# being outstanding: the person reviewed, the request was removed, or the PR closed. `scope` (the
# account whose members share the load), `repository` and `login` are stored lower-case.
review_requests = Table(
    "review_requests",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("scope", String(256), nullable=False),
    Column("repository", String(256), nullable=False),
    Column("number", Integer, nullable=False),
    Column("login", String(256), nullable=False),
    Column("requested_at", Double, nullable=False),
    Column("completed_at", Double),
    # A team's history: last request, requests in the window, outstanding ones.
    Index("ix_review_requests_scope_login", "scope", "login", "requested_at", "completed_at"),
    # A pull request's outstanding requests, to complete them.
    Index("ix_review_requests_pull", "repository", "number", "completed_at"),
)

# Reports CI uploaded (coverage, lint) per commit: one per (repository, sha, kind, name), replaced
# when CI uploads it again. `body` is gzip-compressed by paasbot, `size` the uncompressed length;
# `repository` is lower-case.
reports = Table(
    "reports",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("repository", String(256), nullable=False),
    Column("sha", String(40), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("name", String(64), nullable=False),
    Column("format", String(64), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("received_at", Double, nullable=False),
    UniqueConstraint("repository", "sha", "kind", "name", name="uq_reports_key"),
)

# The merge queue: per repository and base branch, the open PRs whose merge rule matches (or that
# `/paasbot merge` queued), in order: priority first, then the time they joined. One row per PR;
# `repository` is lower-case. `touched_at`: the last evaluation that joined it or changed its row.
merge_queue = Table(
    "merge_queue",
    metadata,
    Column("repository", String(256), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("base_ref", String(256), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("enqueued_at", Double, nullable=False),
    Column("touched_at", Double, nullable=False),
    Column("requested_by", String(256)),  # the login that commented `/paasbot merge`, if any
    Index("ix_merge_queue_order", "repository", "base_ref", "priority", "enqueued_at"),
)

# Dependency-bump propagation: one row per (source repository, release tag, package), created when
# the release's propagate rule first runs; `state` is "running" until every target is settled,
# then "done". `package_key` is the package spec and where the rule looks for dependents, as a
# stable string ("pip:acme-auth to=acme/orders"); repositories are stored lower-case.
propagations = Table(
    "propagations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("installation_id", BigInteger, nullable=False),
    Column("source_repository", String(256), nullable=False),
    Column("tag", Text, nullable=False),
    Column("package_key", Text, nullable=False),
    Column("version", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("updated_at", Double, nullable=False),
    UniqueConstraint("source_repository", "tag", "package_key", name="uq_propagations_key"),
    # The PRs one installation opened lately (the per-minute limit) join through here.
    Index("ix_propagations_installation", "installation_id"),
)

# Each repository a propagation bumps, in the order they are worked through. `status`: pending,
# opened (paasbot created the PR), existing (a bump PR was already open), skipped, failed.
# `opened_at` is set only when paasbot itself created the PR, for the per-minute limit.
propagation_targets = Table(
    "propagation_targets",
    metadata,
    Column(
        "propagation_id",
        Integer,
        ForeignKey("propagations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("repository", String(256), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("detail", Text),
    Column("pull_number", Integer),
    Column("pull_url", Text),
    Column("opened_at", Double),
    Column("updated_at", Double, nullable=False),
    Index("ix_propagation_targets_opened", "opened_at"),
)

# The last scan of a repository's manifests (at the default branch's head): which commit and tree
# it read, whether the tree listing was truncated, and whether a push to the default branch has
# made it stale since. `repository` is lower-case.
manifest_scans = Table(
    "manifest_scans",
    metadata,
    Column("repository", String(256), primary_key=True),
    Column("installation_id", BigInteger),
    Column("commit_sha", String(64), nullable=False),
    Column("tree_sha", String(64), nullable=False),
    Column("truncated", Integer, nullable=False),
    Column("stale", Integer, nullable=False),
    Column("scanned_at", Double, nullable=False),
)

# The manifest files a scan read, with their blob SHAs: replaced as a whole on each scan.
manifest_files = Table(
    "manifest_files",
    metadata,
    Column(
        "repository",
        String(256),
        ForeignKey("manifest_scans.repository", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("path", Text, primary_key=True),
    Column("blob_sha", String(64), nullable=False),
    Column("text", Text, nullable=False),
)

# Onboarding: one row per repository paasbot offered (or will offer) a "Configure paasbot" PR.
# status: pending (to look at), opened (PR open), configured (it has a config file), declined
# (its onboarding PR was closed unmerged), skipped (archived, empty, onboarding off), failed
# (GitHub refused; tried again on the next installation event). `repository` is lower-case.
onboarding = Table(
    "onboarding",
    metadata,
    Column("repository", String(256), primary_key=True),
    Column("installation_id", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("detail", Text),
    Column("pull_number", Integer),
    Column("requested_by", String(256)),
    Column("opened_at", Double),
    Column("created_at", Double, nullable=False),
    Column("updated_at", Double, nullable=False),
    Index("ix_onboarding_installation", "installation_id", "status"),
)

# The ledger of delivery insights (docs/insights.md). No column names a person: repositories,
# pull request numbers, times, sizes and states only. `repository` is lower-case everywhere.

# One row per pull request: its lifecycle, merged from every webhook and backfill read about it in
# any order (earliest opened/ready/closed time, merged once, sizes from the newest PR payload).
pull_lifecycle = Table(
    "pull_lifecycle",
    metadata,
    Column("repository", String(256), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("base", String(256), nullable=False),
    Column("opened_at", Double, nullable=False),
    Column("ready_at", Double),
    Column("first_review_at", Double),
    Column("approved_at", Double),
    Column("merged_at", Double),
    # The latest time it was closed unmerged, and the latest time it was reopened: it counts as
    # closed when the first is later than the second.
    Column("closed_at", Double),
    Column("reopened_at", Double),
    Column("first_commit_at", Double),
    Column("additions", Integer),
    Column("deletions", Integer),
    Column("changed_files", Integer),
    # The PR payload's updated_at that the sizes (and base) come from: an older payload never
    # overwrites a newer one.
    Column("sized_at", Double),
    Column("based_at", Double),
    Column("review_rounds", Integer, nullable=False, default=0),
    Column("by_bot", Integer, nullable=False, default=0),
    Column("merge_sha", String(64)),
    Column("updated_at", Double, nullable=False),
    Index("ix_pull_lifecycle_merged", "merged_at"),
    Index("ix_pull_lifecycle_opened", "opened_at"),
    Index("ix_pull_lifecycle_closed", "closed_at"),
)

# The reviews submitted on those pull requests (no reviewer: only whether it was the PR's author),
# so the review figures are computed from them and a redelivered review counts once.
pull_reviews = Table(
    "pull_reviews",
    metadata,
    Column("repository", String(256), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("review_id", BigInteger, primary_key=True, autoincrement=False),
    Column("state", String(32), nullable=False),
    Column("submitted_at", Double, nullable=False),
    Column("by_author", Integer, nullable=False),
)

# Deployment statuses (`deployment_status` events, or read by the backfill): one row per status.
deployments = Table(
    "deployments",
    metadata,
    Column("repository", String(256), primary_key=True),
    Column("deployment_id", BigInteger, primary_key=True, autoincrement=False),
    Column("status_id", BigInteger, primary_key=True, autoincrement=False),
    Column("environment", String(256), nullable=False),
    Column("sha", String(64), nullable=False),
    Column("state", String(32), nullable=False),
    Column("at", Double, nullable=False),
    Index("ix_deployments_at", "at"),
)

# Each action paasbot carried out that changed something on GitHub (never a dry run or a
# simulation): rule actions, propagation's PRs opened and closed, onboarding PRs.
action_ledger = Table(
    "action_ledger",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("repository", String(256), nullable=False),
    Column("number", Integer),
    Column("rule", Text),
    Column("action", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("at", Double, nullable=False),
    Column("installation_id", BigInteger),
    Index("ix_action_ledger_at", "at"),
)

# The teams with push, maintain or admin access to a repository (`GET /repos/{r}/teams`), read at
# most once a day. A repository read with no such team has one row whose team is "".
repository_teams = Table(
    "repository_teams",
    metadata,
    Column("repository", String(256), primary_key=True),
    Column("team", String(256), primary_key=True),
    Column("permission", String(32), nullable=False),
    Column("refreshed_at", Double, nullable=False),
)

# Dashboard sessions (app/web/auth.py): a logged-in user and the repositories they could see at
# login. The cookie holds an opaque random id; only its SHA-256 is stored. No GitHub token is kept.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("login", String(256), nullable=False),
    Column("repositories", Text, nullable=False),  # JSON list of lower-case owner/name
    Column("created_at", Double, nullable=False),
    Column("expires_at", Double, nullable=False),
    Index("ix_web_sessions_expires_at", "expires_at"),
)
