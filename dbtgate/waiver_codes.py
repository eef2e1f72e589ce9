"""Docs for the codes the waiver step emits: `waiver.expired`, `waiver.expiring`, `waiver.stale`.

They are findings about the config itself (pointing at the waiver's line), not policy rules, so
they are documented here as data for `dbtgate rules CODE` and the SARIF/HTML rule help; kept
apart from `dbtgate.waivers` so reading the docs does not load the policy engine.
"""

from __future__ import annotations

from dbtgate.codes import CodeDoc, document

document(
    CodeDoc(
        code="waiver.expired",
        severity="warn",
        summary="A waiver is past its expiry date and no longer waives anything.",
        what="The waiver's `expires` date is before the day the gate judges waivers on "
        "(today by the UTC calendar, or `DBTGATE_TODAY`). It stops waiving: the findings it "
        "covered are no longer waived: they count with their own severity (and block if they "
        "are errors in scope), unless the baseline the check reads holds them: then they do "
        "not block, and the message says so (`but the baseline holds them: they do not "
        "block`), and how many of them when only some are; those it holds under the name "
        "their resource had before a rename are named so (`(1 of them under stg_customers, "
        "its resource's name before a rename)`), and the fix adds `dbtgate baseline --prune`, "
        "which records them under the new name. This finding points at the "
        "waiver's line in the config. It is about the team's config, not a resource: under `scope: changed` it is among the change's findings "
        "whatever the change touched (advisory, or blocking under `fail_on: warn`), never "
        "filed outside the change.",
        why="An exception without an end becomes the rule. Expiry makes someone decide again, "
        "with the current facts, whether the exception still holds.",
        fix="Fix the findings the waiver covered, or renew it: a new `expires` date and an "
        "updated `reason`, reviewed like any other change. When the baseline holds them all, "
        "remove it.",
        example="""\
waivers:
  - rule: docs.column_coverage
    select: "model.shop.legacy_orders"
    reason: "legacy model, replaced by fct_orders in Q1"
    owner: "@data-platform"
    expires: 2026-01-31          # in the past: waiver.expired""",
    ),
    CodeDoc(
        code="waiver.expiring",
        severity="info",
        summary="A waiver in use expires soon: its findings will no longer be waived.",
        what="An active waiver that covers findings expires in fewer days than "
        "`waiver_notice_days` (default 14). Nothing changes yet: the findings stay waived "
        "and this note never blocks; it says when they will no longer be, at the waiver's "
        "line in the config, for the waiver's owner (among the advisory findings, under "
        "`scope: changed` too, whatever the change touched). Findings that another waiver lasting "
        "longer also covers (a renewal added below the old entry) stay waived: the "
        "note names that waiver instead, and says the old entry can go. Findings the baseline "
        "the check reads holds too will be held by it once the waiver ends, and will not "
        "block: the note says so (`will no longer be waived but held by the baseline`), and "
        "how many of them when only some are, and under which old name when the baseline holds "
        "them under the name their resource had before a rename.",
        why="An expiry that arrives unannounced turns a green pull request red for a reason "
        "its author did not touch. A notice in the PR comment and the gate report while there "
        "is still time lets the owner fix the findings or renew the waiver on purpose.",
        fix="Fix the findings before the date, or renew the waiver: a new `expires` date and "
        "an updated `reason`, reviewed like any other change. `waiver_notice_days: 0` turns "
        "the notice off.",
        example="info  waiver.expiring  waiver for docs.column_coverage on 'dim_customers' "
        "(owner @marketing) expires in 9 days, on 2026-12-10; then its 1 finding will no longer be waived",
    ),
    CodeDoc(
        code="waiver.stale",
        severity="warn",
        summary="A waiver matches no finding (or selects no resource).",
        what="An active waiver whose rule and selection cover no finding of this run: the "
        "problem it excused was fixed, or the resource was renamed or deleted (the finding "
        "then says the selection picks nothing, with the closest tag or name the project has: a "
        "typo in `select` reads the same). A waiver whose findings another waiver "
        "holds (overlapping waivers: each finding is held by the one that lasts longest) "
        "still covers them and is not stale. Under `scope: changed` it is among the change's "
        "findings whatever the change touched, as `waiver.expired` is.",
        why="Stale waivers pile up and hide what is really excused; one that quietly matches "
        "again later waives a new problem nobody reviewed.",
        fix="Remove the waiver from the config (the finding names its line); if the resource "
        "was renamed, point the waiver's `select` at the new name.",
        example="warn  waiver.stale  waiver for owner.present on 'dim_products' (owner "
        "@data-platform) matches no finding: the owner.present finding it waived is no longer "
        "reported, so the entry at dbtgate.yml:31 can be removed",
    ),
)
