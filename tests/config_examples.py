"""Valid `.paasbot.yml` files, shared by the validator's and the JSON Schema's tests."""

from __future__ import annotations

# The example of the language brief (docs/design CONFIG.md), as written there.
BRIEF_EXAMPLE = """\
extends: golden-path            # optional: a preset from rules/, or "org/repo", or a list
dry_run: false                  # true: report in the summary check what would be done
defaults:                       # default options per action
  merge: {method: squash}

rules:
  - name: Ask the owners              # unique within the file
    on: [pull_request.opened, pull_request.ready_for_review]
    if:                               # all must hold; nest with any: / all: / not:
      - -draft
      - base=main
      - any:
          - files~=^services/api/
          - label=api
    do:
      request_reviews:
        codeowners: true
        teams: [backend]
        count: 2
        strategy: load_balance        # round_robin | load_balance | random

  - name: Coverage
    do:
      coverage: {patch_target: 80%, project_threshold: 1%}

  - name: Lint
    do:
      lint: {filter: added, fail_on: error}

  - name: Keep approved PRs fresh
    if: ["#approved-reviews-by>=1", "#commits-behind>0"]
    do:
      update_branch: {}

  - name: Merge when ready
    if:
      - "#approved-reviews-by>=2"
      - "#changes-requested-reviews-by=0"
      - check-success=ci
      - -label=do-not-merge
      - -conflict
    do:
      merge: {delete_branch: true}

  - name: Bump the services that use me
    on: [release.published]
    if: [-prerelease]
    do:
      propagate:
        package: acme-auth
        ecosystem: pip                # pip | poetry/pep621 | npm | gomod | maven | docker
        to: [acme/orders, acme/payments]
        labels: [dependencies]
"""

ACTIONS_AND_TEMPLATES = """\
rules:
  - name: Welcome
    description: Greet first-time contributors.
    on: pull_request.opened
    if:
      - not:
          any: [label=internal, author=@acme/staff]
      - created-at>7 days ago
      - title~=(?i)^feat
    do:
      comment:
        body: |
          Thanks {{ author }}! {{ files | length }} files changed in "{{ rule }}".
          {% for name in label %}- {{ name }}
          {% endfor %}
        per: pull_request
      label: {add: [first-timer], remove: [triage]}
  - name: Size
    if: ["changed-lines>500", "#files>=20", additions>=1, deletions<10000]
    do:
      check:
        name: size
        title: "{{ changed_lines }} lines changed"
        summary: Split the PR, please.
        unmatched: neutral
  - name: Releases
    on: [release]
    if: ["tag~=^v[0-9]+", -prerelease, repository=acme/api]
    do:
      propagate: {package: registry.acme.io/acme/api, ecosystem: docker, topics: [uses-api]}
"""

ANCHORS_AND_MERGE_KEYS = """\
rules:
  - &reviewed
    name: Reviewed
    if: ["#approved-reviews-by>=1"]
    do:
      label: {add: [reviewed]}
  - <<: *reviewed
    name: Reviewed twice
    if: ["#approved-reviews-by>=2"]
"""

SETTINGS_ONLY = """\
extends: [minimal, acme/.github]
dry_run: true
defaults:
  merge: {method: rebase}
  request_reviews: {count: 1, teams: [reviewers]}
"""

VALID_EXAMPLES: dict[str, str] = {
    "brief example": BRIEF_EXAMPLE,
    "actions and templates": ACTIONS_AND_TEMPLATES,
    "anchors and merge keys": ANCHORS_AND_MERGE_KEYS,
    "settings only": SETTINGS_ONLY,
    "empty file": "",
    "comments only": "# nothing configured yet\n",
    "no rules": "rules: []\n",
    "a rule without conditions or actions": "rules:\n  - name: Nothing\n",
}
