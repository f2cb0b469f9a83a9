"""The onboarding PR's `.paasbot.yml` and description, chosen from what the repository contains.
Pure. The file extends golden-path, so the repository gets the platform team's rules as they
evolve; what differs per repository is said in comments and in the PR's description."""

from __future__ import annotations

import json

from app.onboarding.detect import RepoFacts, ecosystem_of

BRANCH = "paasbot/configure"
TITLE = "Configure paasbot"
CONFIG_PATH = ".paasbot.yml"
MARKER = "<!-- paasbot:onboarding -->"
TRAILER = "Paasbot-Onboarding: configure"

# How CI produces and uploads each language's reports (formats paasbot reads; docs/reports.md).
REPORT_HINTS: dict[str, tuple[str, ...]] = {
    "python": (
        "pytest --cov --cov-report=xml",
        "paasbot upload coverage.xml --kind coverage --name pytest",
        "ruff check --output-format=sarif . > ruff.sarif || true",
        "paasbot upload ruff.sarif --kind lint --name ruff",
    ),
    "javascript": (
        "npx jest --coverage --coverageReporters=lcov",
        "paasbot upload coverage/lcov.info --kind coverage --name jest",
        "npx eslint . --format json --output-file eslint.json || true",
        "paasbot upload eslint.json --kind lint --name eslint",
    ),
    "java": (
        "mvn verify  # with the jacoco-maven-plugin's report goal",
        "paasbot upload target/site/jacoco/jacoco.xml --kind coverage --name jacoco",
        "mvn checkstyle:checkstyle",
        "paasbot upload target/checkstyle-result.xml --kind lint --name checkstyle",
    ),
    "go": (
        "go test -coverprofile=coverage.out ./...",
        "paasbot upload coverage.out --kind coverage --name go",
        "golangci-lint run --out-format=checkstyle > golangci.xml || true",
        "paasbot upload golangci.xml --kind lint --name golangci-lint",
    ),
}


def starter_config(facts: RepoFacts) -> str:
    lines = [
        f"# paasbot's rules for {facts.repository}. This pull request's description says what",
        "# each one does; docs/config.md in paasbot's documentation has every option.",
        "extends: golden-path",
    ]
    lines += _hint_comments(facts)
    rules = _rule_lines(facts)
    example = _propagate_example(facts)
    if rules:
        lines += ["", "rules:", *rules, *example]
    elif example:
        lines += ["", "# rules:", *example]
    return "\n".join(lines) + "\n"


def _hint_comments(facts: RepoFacts) -> list[str]:
    if not facts.languages:
        return [
            "",
            "# Coverage and lint annotations need CI to upload its reports with `paasbot upload`",
            "# (see paasbot's docs/reports.md); until then those rules wait.",
        ]
    lines = [
        "",
        "# Coverage and lint: paasbot annotates the lines a PR touched once CI uploads its",
        "# reports. In a GitHub Actions job with `permissions: id-token: write` (no secret",
        "# needed), after the tests:",
    ]
    for language in facts.languages:
        lines.append(f"#   {language}:")
        lines += [f"#     - run: {command}" for command in REPORT_HINTS[language]]
    return lines


def _rule_lines(facts: RepoFacts) -> list[str]:
    if facts.codeowners is not None:
        return []
    return [
        "  # There is no CODEOWNERS file, so there is nobody to ask for reviews yet: add one",
        "  # (e.g. .github/CODEOWNERS) and delete these two lines.",
        "  - name: Ask the code owners",
        "    enabled: false",
    ]


def _propagate_example(facts: RepoFacts) -> list[str]:
    if facts.release_workflow is None:
        return []
    package = facts.package or "your-package"
    ecosystem = ecosystem_of(facts.languages[0]) if facts.languages else "pip"
    return [
        f"  # {facts.release_workflow} publishes releases: paasbot can open a bump PR in every",
        "  # repository that uses this one when a release is published. To turn it on, uncomment:",
        "  # - name: Bump the repositories that use me",
        "  #   on: [release.published]",
        "  #   if: [-prerelease]",
        "  #   do:",
        "  #     propagate:",
        f"  #       package: {json.dumps(package)}",
        f"  #       ecosystem: {ecosystem}",
        "  #       discover: true",
    ]


def pull_body(facts: RepoFacts) -> str:
    reviews = (
        f"paasbot asks the code owners listed in `{facts.codeowners}` to review the files a"
        " PR changes, spreading the load among them."
        if facts.codeowners
        else "Off: the repository has no CODEOWNERS file. Add one and remove the two lines"
        " that turn this rule off."
    )
    parts = [
        f"This PR turns on paasbot for `{facts.repository}`: merge it and paasbot starts"
        " on the next pull request. Close it and paasbot leaves this repository alone and"
        " never asks again (an issue comment `/paasbot onboard` asks for a new PR).",
        "The `.paasbot.yml` it adds extends **golden-path**, the platform team's rules:",
        "\n".join(
            [
                f"- **Ask the code owners**: {reviews}",
                "- **Coverage**: when CI uploads a coverage report, a `paasbot/coverage` check"
                " shows the patch coverage and annotates the added lines no test runs; it fails"
                " below 80%.",
                "- **Lint**: when CI uploads lint findings, a `paasbot/lint` check annotates the"
                " ones on lines the PR touched (and only those); errors fail it.",
                "- **Keep approved PRs up to date** and **Merge when approved and green**: an"
                " approved PR whose checks all passed joins the merge queue of its base branch;"
                " when it is next, paasbot brings it up to date, waits for its checks and merges"
                " it (squash), then deletes its branch. `do-not-merge` holds a PR back.",
                "- **Merge dependency bumps**: off. Turned on, paasbot merges its own bump PRs"
                " (a library this repository uses was released) once CI passes.",
            ]
        ),
        _reports_paragraph(facts),
        "Every pull request gets a `paasbot` check that says what each rule did and why a PR"
        " is not merging yet. The `paasbot/config` check on this PR validates the file.",
        MARKER,
    ]
    if facts.release_workflow is not None:
        parts.insert(
            -2,
            f"`{facts.release_workflow}` publishes releases: the file has a commented example"
            " that makes each release open bump PRs in the repositories that use this one.",
        )
    return "\n\n".join(part for part in parts if part)


def _reports_paragraph(facts: RepoFacts) -> str:
    if not facts.languages:
        return (
            "Coverage and lint wait until CI uploads reports with `paasbot upload`; the file's"
            " comments say how."
        )
    languages = ", ".join(language.capitalize() for language in facts.languages)
    return (
        f"This looks like a {languages} project: the file's comments show the CI steps that"
        " produce and upload its coverage and lint reports."
    )


def commit_message(facts: RepoFacts) -> str:
    return f"Configure paasbot\n\nAdd {CONFIG_PATH}, extending golden-path.\n\n{TRAILER}\n"
