"""The `paasbot/propagate` check run's content (pure): titles and conclusions when every
dependent is done, with failures, while some wait for the per-minute limit, when the tag names
no version; the table's escaping and its cut at MAX_ROWS."""

from __future__ import annotations

from datetime import UTC, datetime

from app.bumps.release_summary import (
    CHECK_NAME,
    MAX_ROWS,
    ReleaseView,
    TargetLine,
    summary_content,
)

OPENED = TargetLine(
    "acme/orders", "opened", "bumped in requirements.txt", "https://ghe/acme/orders/pull/3", 3
)
EXISTING = TargetLine("acme/web", "existing", "already open", "https://ghe/acme/web/pull/9", 9)
SKIPPED = TargetLine("acme/docs", "skipped", "not used")
FAILED = TargetLine("acme/legacy", "failed", "GitHub answered 403: Repository was archived")


def view(*targets: TargetLine, **kwargs: object) -> ReleaseView:
    return ReleaseView("acme-auth", "1.4.0", "v1.4.0", targets, **kwargs)  # type: ignore[arg-type]


def test_all_done_is_a_success_with_counts_in_the_title() -> None:
    content = summary_content(view(OPENED, EXISTING, SKIPPED))
    assert content.name == CHECK_NAME == "paasbot/propagate"
    assert (content.status, content.conclusion) == ("completed", "success")
    assert content.title == "acme-auth 1.4.0: 2 bump PRs, 1 skipped"
    assert content.summary == ("Release `v1.4.0` propagates **acme-auth 1.4.0** to 3 repositories.")
    assert content.text is not None
    assert content.text.splitlines() == [
        "| repository | result | details |",
        "|---|---|---|",
        "| `acme/orders` | PR opened ([#3](https://ghe/acme/orders/pull/3))"
        " | bumped in requirements.txt |",
        "| `acme/web` | PR already open ([#9](https://ghe/acme/web/pull/9)) | already open |",
        "| `acme/docs` | skipped | not used |",
    ]


def test_one_bump_pr_and_one_repository_are_singular() -> None:
    content = summary_content(view(OPENED))
    assert content.title == "acme-auth 1.4.0: 1 bump PR"
    assert content.summary.endswith("to 1 repository.")


def test_a_failure_makes_the_conclusion_failure() -> None:
    content = summary_content(view(OPENED, FAILED))
    assert (content.status, content.conclusion) == ("completed", "failure")
    assert content.title == "acme-auth 1.4.0: 1 bump PR, 1 failed"
    assert "| `acme/legacy` | failed | GitHub answered 403: Repository was archived |" in (
        content.text or ""
    )


def test_no_dependents() -> None:
    content = summary_content(view())
    assert content.title == "acme-auth 1.4.0: no dependents"
    assert content.conclusion == "success"
    assert content.text in ("", None)


def test_pending_ones_keep_the_run_in_progress_and_say_when_they_follow() -> None:
    at = datetime(2027, 1, 15, 8, 30, 5, tzinfo=UTC).timestamp()
    pending = TargetLine("acme/gateway", "pending")
    content = summary_content(view(OPENED, SKIPPED, pending, continues_at=at))
    assert content.status == "in_progress"
    assert content.payload()["status"] == "in_progress"
    assert "conclusion" not in content.payload()
    assert content.title == "acme-auth 1.4.0: 1 bump PR, 1 skipped, 1 waiting"
    assert content.summary == (
        "Release `v1.4.0` propagates **acme-auth 1.4.0** to 3 repositories. 2 done; the other 1"
        " follow at 08:30:05 UTC (paasbot opens a limited number of PRs a minute)."
    )
    assert "| `acme/gateway` | waiting |  |" in (content.text or "")


def test_notes_follow_the_progress_line() -> None:
    content = summary_content(view(OPENED, notes=["Discovery could not read `acme/x`: 403."]))
    assert content.summary.split("\n\n") == [
        "Release `v1.4.0` propagates **acme-auth 1.4.0** to 1 repository.",
        "Discovery could not read `acme/x`: 403.",
    ]


def test_a_tag_naming_no_version_is_the_problem() -> None:
    problem = "the tag latest names no version"
    content = summary_content(
        ReleaseView("acme-auth", "", "latest", (), problem=problem), "paasbot/propagate: Bump"
    )
    assert content.name == "paasbot/propagate: Bump"
    assert content.title == f"Nothing propagated: {problem}"
    assert (content.summary, content.conclusion, content.status) == (
        problem,
        "failure",
        "completed",
    )
    assert content.text is None


def test_pipes_and_newlines_in_details_do_not_break_the_table() -> None:
    line = TargetLine("acme/orders", "skipped", "refused: a | b\nsecond line")
    text = summary_content(view(line)).text or ""
    assert text.splitlines()[-1] == "| `acme/orders` | skipped | refused: a \\| b second line |"


def test_the_table_stops_at_max_rows_and_counts_the_rest() -> None:
    targets = [TargetLine(f"acme/r{number}", "skipped", "not used") for number in range(503)]
    content = summary_content(view(*targets))
    rows = [row for row in (content.text or "").splitlines() if row.startswith("| `")]
    assert len(rows) == MAX_ROWS == 500
    assert rows[-1] == "| `acme/r499` | skipped | not used |"
    assert (content.text or "").endswith("\n… and 3 more repositories.")
    assert content.title == "acme-auth 1.4.0: 503 skipped"
