"""Gate results for the report tests: every family, disposition and section a report must render.

The findings are built the way the gate builds them (Finding structs, fingerprints from
`dbtgate.findings.fingerprint`) and turned into the report dict by the real `report_dict`, so the
renderers are exercised on exactly the shape `dbtgate check` writes. Paths and lines are those of
the fixture project (fixtures/README.md).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, NamedTuple

from dbtgate.config import Config
from dbtgate.findings import Finding, WaiverRef, fingerprint
from dbtgate.gate import GateResult
from dbtgate.report.json_report import report_dict
from dbtgate.waivers import finding_to_waive, suggested_waiver
from dbtgate.wording import code_span

INPUTS = {
    "artifacts": {
        "manifest": {
            "path": "target/manifest.json",
            "schema_version": 12,
            "dbt_version": "1.11.2",
            "generated_at": "2026-03-01T10:00:00.000000Z",
            "invocation_id": "11111111-2222-3333-4444-555555555555",
        },
        "run_results": {
            "path": "target/run_results.json",
            "schema_version": 6,
            "dbt_version": "1.11.2",
            "generated_at": "2026-03-01T10:02:00.000000Z",
            "invocation_id": "11111111-2222-3333-4444-555555555555",
        },
    },
    "base": {
        "manifest": {
            "path": "base/manifest.json",
            "schema_version": 12,
            "dbt_version": "1.11.2",
            "generated_at": "2026-02-28T10:00:00.000000Z",
            "invocation_id": "99999999-2222-3333-4444-555555555555",
        }
    },
    "config": "dbtgate.yml",
}

WAIVER = WaiverRef(
    rule="docs.column_coverage",
    select="model.shop.legacy_orders",
    reason="legacy model, rewritten in Q3",
    owner="@data-platform",
    expires="2026-03-20",
)


def finding(**fields: Any) -> Finding:
    made = Finding(**fields)
    made.fingerprint = fingerprint(made)
    return made


def blocking_owned_by(owners: list[str]) -> list[Finding]:
    """One blocking finding per owner given (an owner given twice has two), on models m0, m1,
    ...: a release's many teams, for the reports' owner lines."""
    return [
        finding(
            code="owner.present",
            severity="error",
            message=f"m{i} fails",
            unique_id=f"model.shop.m{i}",
            owner=owner,
            disposition="blocking",
        )
        for i, owner in enumerate(owners)
    ]


def selection_finding(select: str, line: int) -> Finding:
    """A blocking tests.coverage finding on the whole selection of the policy `select`, at its
    `line` of dbtgate.yml: on no resource, as a rule on a selection reports."""
    return finding(
        code="tests.coverage",
        severity="error",
        message=f"40% of the 5 models selected by {select} have a test, below 80%",
        key=f"{select} - ",
        path="dbtgate.yml",
        line=line,
        details={"policy": select},
        disposition="blocking",
    )


def project_and_unowned() -> list[Finding]:
    """A gated KPI below its target (about the whole project: no resource, so no owner), a rule
    on a policy's whole selection (tests.coverage) and a model without an owner, all blocking:
    the reports list the first two together and the model in a group of its own."""
    return [
        finding(
            code="kpi.test_pass_rate",
            severity="error",
            message="test pass rate is 97.5% (39/40), below the target 98.0%",
            fix="Raise it where it falls short by most: Marketing Analytics 90.0% (9/10) among "
            "owners. Or lower its target in kpi.targets.",
            disposition="blocking",
        ),
        selection_finding("tier:1", 12),
        finding(
            code="owner.present",
            severity="error",
            message="dim_orphans has no owner",
            unique_id="model.shop.dim_orphans",
            resource_name="dim_orphans",
            resource_type="model",
            disposition="blocking",
        ),
    ]


def code_span_finding() -> Finding:
    """A blocking finding whose message writes a command as a code span, as dbtgate's messages
    do, and a span holding what a pull request could write (markup that must stay text)."""
    return finding(
        code="run.not_run",
        severity="error",
        message="orders was not built by `dbt test`; `<b>x</b>` and *y* stay text",
        disposition="blocking",
    )


def sample_findings() -> list[Finding]:
    return [
        finding(
            code="breaking.column_removed",
            severity="error",
            message="orders_summary.v2: contracted column item_count removed",
            unique_id="model.shop.orders_summary.v2",
            resource_name="orders_summary",
            resource_type="model",
            column_name="item_count",
            path="models/marts/_orders_summary.yml",
            line=46,
            fix="Add a new model version instead of removing the column from v2.",
            owner="Finance Analytics",
            tier=1,
            changed=True,
            disposition="blocking",
            details={
                "impact": {
                    "models": [
                        {
                            "unique_id": "model.shop.finance_revenue",
                            "name": "finance_revenue",
                            "resource_type": "model",
                            "depth": 1,
                            "owner": "Finance Analytics",
                            "selects_column": "no",
                        }
                    ],
                    "exposures": [
                        {
                            "unique_id": "exposure.shop.revenue_dashboard",
                            "name": "revenue_dashboard",
                            "resource_type": "exposure",
                            "depth": 1,
                            "owner": "Finance Analytics",
                            "selects_column": "unknown",
                        }
                    ],
                    "owners": ["Finance Analytics"],
                }
            },
        ),
        finding(
            code="tests.primary_key",
            severity="error",
            message="fct_orders has no primary-key test (unique + not_null on order_id)",
            unique_id="model.shop.fct_orders",
            resource_name="fct_orders",
            resource_type="model",
            path="models/marts/_marts.yml",
            line=50,
            fix="Add unique and not_null tests on order_id.",
            owner="@finance-eng",
            tier=1,
            changed=True,
            disposition="blocking",
        ),
        finding(
            code="run.test_failures",
            severity="error",
            message="test not_null_customer_ltv_avg_order_value failed: 2 failing rows",
            unique_id="test.shop.not_null_customer_ltv_avg_order_value.d09aefd175",
            resource_name="not_null_customer_ltv_avg_order_value",
            resource_type="test",
            path="models/marts/_marts.yml",
            line=123,
            owner="Marketing Analytics",
            tier=2,
            changed=True,
            disposition="blocking",
            details={"failures": 2},
        ),
        finding(
            code="lint.LT01",
            severity="warn",
            message="Expected single whitespace between ')' and '='.",
            unique_id="model.shop.int_order_payments",
            resource_name="int_order_payments",
            resource_type="model",
            key="11:63",
            path="models/intermediate/int_order_payments.sql",
            line=11,
            column=63,
            owner="@finance-eng",
            tier=2,
            disposition="advisory",
        ),
        finding(
            code="lint.LT01",
            severity="warn",
            message="Expected single whitespace between '=' and '1'.",
            unique_id="model.shop.int_order_payments",
            resource_name="int_order_payments",
            resource_type="model",
            key="11:64",
            path="models/intermediate/int_order_payments.sql",
            line=11,
            column=64,
            owner="@finance-eng",
            tier=2,
            disposition="advisory",
        ),
        finding(
            code="owner.present",
            severity="error",
            message="dim_products has no owner",
            unique_id="model.shop.dim_products",
            resource_name="dim_products",
            resource_type="model",
            path="models/marts/_marts.yml",
            line=81,
            fix="Set meta.owner or put the model in a group.",
            tier=2,
            disposition="out_of_scope",
        ),
        finding(
            code="docs.column_coverage",
            severity="error",
            message="legacy_orders: 2 of 5 columns described (40%, policy: 100%)",
            unique_id="model.shop.legacy_orders",
            resource_name="legacy_orders",
            resource_type="model",
            path="models/legacy/_legacy.yml",
            line=3,
            owner="@data-platform",
            tier=1,
            disposition="waived",
            waiver=WAIVER,
        ),
        finding(
            code="freshness.error",
            severity="error",
            message="source shop_raw.raw_payments is stale",
            unique_id="source.shop.shop_raw.raw_payments",
            resource_name="raw_payments",
            resource_type="source",
            path="models/staging/_sources.yml",
            line=15,
            owner="@data-platform",
            tier=3,
            disposition="baselined",
        ),
        finding(
            code="kpi.tier1_test_coverage",
            severity="info",
            message="tier-1 test coverage 75% is below its target 80%",
            disposition="advisory",
        ),
    ]


SECTIONS: dict[str, Any] = {
    "kpis": {
        "project": "shop",
        "scorecard": {
            "tier1_test_coverage": {
                "value": 0.75,
                "numerator": 3,
                "denominator": 4,
                "label": "tier-1 test coverage",
                "target": 0.8,
                "status": "below",
                "gated": False,
            },
            "test_pass_rate": {
                "value": 0.975,
                "numerator": 39,
                "denominator": 40,
                "label": "test pass rate",
                "target": 0.98,
                "status": "below",
                "gated": True,
            },
        },
        "by_tier": {
            "1": {"test_coverage": {"value": 0.75, "numerator": 3, "denominator": 4}},
            "2": {"test_coverage": {"value": 1.0, "numerator": 6, "denominator": 6}},
        },
    },
    "lineage": {
        "nodes": [
            {
                "id": "exposure.shop.revenue_dashboard",
                "name": "revenue_dashboard",
                "resource_type": "exposure",
                "role": "consumer",
                "owner": "Finance Analytics",
                "tier": None,
            },
            {
                "id": "model.shop.finance_revenue",
                "name": "finance_revenue",
                "resource_type": "model",
                "role": "consumer",
                "owner": "Finance Analytics",
                "tier": 2,
            },
            {
                "id": "model.shop.orders_summary.v2",
                "name": "orders_summary.v2",
                "resource_type": "model",
                "role": "changed",
                "breaking": True,
                "owner": "Finance Analytics",
                "tier": 1,
            },
        ],
        "edges": [
            ["model.shop.orders_summary.v2", "exposure.shop.revenue_dashboard"],
            ["model.shop.orders_summary.v2", "model.shop.finance_revenue"],
        ],
        "omitted": 0,
    },
    "diff": {
        "changes": [
            {
                "change_class": "breaking",
                "code": "breaking.column_removed",
                "unique_id": "model.shop.orders_summary.v2",
                "column": "item_count",
                "reason": "orders_summary v2: contracted column item_count removed",
            },
            {
                "change_class": "safe",
                "code": "safe.column_added",
                "unique_id": "model.shop.customer_ltv",
                "reason": "column avg_order_value added",
            },
        ],
        "counts": {"breaking": 1, "risky": 0, "safe": 1},
    },
    "changes": {
        "new": [
            "model.shop.customer_segments",
            "test.shop.not_null_customer_segments_customer_id.bcd345d84b",
            "test.shop.unique_customer_segments_customer_id.f3a5b61998",
        ],
        "modified": {"model.shop.orders_summary.v2": ["body", "column item_count removed"]},
        "deleted": [],
        "body_compared_by": "checksum",
    },
}


# The day the samples' gate judged waivers on: the waiver it suggests ends 30 days later.
SAMPLE_DAY = dt.date(2026, 3, 1)


def sample_result(findings: list[Finding] | None = None, **overrides: Any) -> GateResult:
    found = sample_findings() if findings is None else findings
    sections = {name: value for name, value in SECTIONS.items()}
    # The waiver entry the gate suggests (`gate.run_gate`), chosen in report order.
    to_waive = finding_to_waive(sorted(found, key=Finding.sort_key), Config())
    if to_waive is not None:
        sections["suggested_waiver"] = suggested_waiver(to_waive, SAMPLE_DAY, Config())
    fields: dict[str, Any] = {
        "project_name": "shop",
        "findings": found,
        "decision": "fail" if any(f.disposition == "blocking" for f in found) else "pass",
        "sections": sections,
        "notes": ["sources.json absent: freshness not gated"],
        "warnings": [],
        "inputs": INPUTS,
        "config_digest": "0123456789abcdef",
        "tool_version": "0.1.0",
    }
    fields.update(overrides)
    return GateResult(**fields)


def sample_report(findings: list[Finding] | None = None, **overrides: Any) -> dict[str, Any]:
    return report_dict(sample_result(findings, **overrides))


class LeftOut(NamedTuple):
    """What a PR summary's closing note says it had no room for: its words naming the lines
    above the sections (`the counts, the warnings`), the sections it names (all of them, or the
    first few) and how many sections in all."""

    lines: str
    sections: list[str]
    count: int


_LEFT_OUT = re.compile(r"^> \*\*Truncated:\*\* .*?no room for (.*?); see ", re.M)
_SECTIONS = re.compile(r"(?:^|, | and )(\d[\d,]*) sections?(?:: (.*))?$")


def closing_note_left_out(markdown: str) -> LeftOut:
    """The closing note's `LeftOut` (empty when it left nothing out)."""
    note = _LEFT_OUT.search(markdown)
    if not note:
        return LeftOut("", [], 0)
    words = note.group(1)
    sections = _SECTIONS.search(words)
    if not sections:
        return LeftOut(words, [], 0)
    names = sections.group(2).split(", ") if sections.group(2) else []
    if names:  # `..., lineage and 10 more`
        names[-1] = re.sub(r" and [\d,]+ more$", "", names[-1])
    count = int(sections.group(1).replace(",", ""))
    return LeftOut(words[: sections.start()], names, count)


def expired_waiver() -> Finding:
    """What the gate reports of a waiver past its date (`waivers._expired`)."""
    return finding(
        code="waiver.expired",
        severity="warn",
        message="waiver for owner.present on 'dim_products' (owner @crm) expired on 2026-11-01",
        path="dbtgate.yml",
        line=40,
        disposition="advisory",
        details={
            "rule": "owner.present",
            "select": "dim_products",
            "owner": "@crm",
            "reason": "owned by the CRM team <soon>",
            "expires": "2026-11-01",
            "findings": 3,
        },
    )


def expiring_waiver(days_left: int = 9) -> Finding:
    """What the gate reports of a waiver in use in its last days (`waivers._expiring`)."""
    return finding(
        code="waiver.expiring",
        severity="info",
        message=f"waiver for docs.column_coverage on 'x' (owner @a) expires in {days_left} days",
        path="dbtgate.yml",
        line=12,
        disposition="advisory",
        details={
            "rule": "docs.column_coverage",
            "select": "model.shop.legacy_orders",
            "owner": "@data-platform",
            "reason": "legacy model, rewritten in Q3",
            "expires": "2026-11-20",
            "findings": 1,
            "held_by_others": 0,
            "days_left": days_left,
        },
    )


def waiver_suggestion(renews: dict[str, Any] | None = None, **entry: str) -> dict[str, Any]:
    """The gate's `sections.suggested_waiver` (`waivers.suggested_waiver`) for the sample's
    failed test, with `entry`'s keys in place of its own."""
    return {
        "code": "run.test_failures",
        "fingerprint": "0123456789abcdef0123",
        "entry": {
            "rule": "run.test_failures",
            "select": "model.shop.customer_ltv",
            "reason": "why it may ship as it is, and what will fix it",
            "owner": "Marketing Analytics",
            "expires": "2026-03-31",
        }
        | entry,
        "renews": renews,
    }


def many_findings(count: int) -> list[Finding]:
    """`count` blocking and advisory findings spread over owners, like a large legacy project."""
    made = []
    for index in range(count):
        made.append(
            finding(
                code=("docs.column_coverage", "tests.primary_key", "owner.present")[index % 3],
                severity="error" if index % 4 else "warn",
                message=f"model_{index:05d} fails the policy with a reasonably long message"
                " explaining what is missing and why it matters",
                unique_id=f"model.big.model_{index:05d}",
                resource_name=f"model_{index:05d}",
                resource_type="model",
                path=f"models/area_{index % 40}/_models.yml",
                line=1 + index % 500,
                fix="Describe every column of the model in its YAML file.",
                owner=f"@team-{index % 25}",
                tier=1 + index % 3,
                changed=True,
                disposition="blocking" if index % 4 else "advisory",
            )
        )
    return made


def backtick_named() -> list[Finding]:
    """Findings on a test and a column whose names hold backticks, named in their messages as
    the gate names them, as plain text (`run.test_failures`, `tests.primary_key`), and in a
    command of a fix as a code span (`run.not_run`)."""
    return [
        finding(
            code="run.test_failures",
            severity="error",
            message="test nn_`bt` on orders.a`b`c failed: 3 failing rows",
            unique_id="test.shop.nn_`bt`.0123456789",
            resource_name="nn_`bt`",
            resource_type="test",
            column_name="a`b`c",
            fix="Fix the model or the data.",
            disposition="blocking",
        ),
        finding(
            code="tests.primary_key",
            severity="error",
            message="orders has no tested primary key: a`b`c has unique but no not_null test",
            unique_id="model.shop.orders",
            resource_name="orders",
            resource_type="model",
            column_name="a`b`c",
            fix="Add a `not_null` test to a`b`c (or a primary_key constraint).",
            disposition="blocking",
        ),
        finding(
            code="run.not_run",
            severity="error",
            message="`x`y` changed but was not built",
            unique_id="model.shop.`x`y`",
            resource_name="`x`y`",
            resource_type="model",
            fix=f"Build it and its tests: {code_span('dbt build --select `x`y`')}.",
            disposition="blocking",
        ),
    ]


def scope_all_findings() -> list[Finding]:
    """The sample's findings as a gate under `scope: all` against a base build decides them:
    every finding blocks or informs by its severity (none is outside the change), and some
    are on resources the change did not touch (`changed: false`)."""
    found = sample_findings()
    for item in found:
        if item.disposition == "out_of_scope":
            item.disposition = "blocking" if item.severity == "error" else "advisory"
    return found


def scope_all_report() -> dict:
    """The sample gate report of `scope_all_findings`."""
    return sample_report(scope_all_findings())


def lint_repeats(count: int, line: int = 10, **fields: Any) -> list[Finding]:
    """`count` findings of one lint rule on one line of one file, as sqlfluff reports a keyword
    written in upper case at each place (the demo's six `lint.CP01`): one message, one fix."""
    made = []
    for index in range(count):
        values: dict[str, Any] = {
            "code": "lint.CP01",
            "severity": "error",
            "message": "Keywords must be consistently lower case. (capitalisation.keywords)",
            "unique_id": "model.shop.int_order_payments",
            "resource_name": "int_order_payments",
            "resource_type": "model",
            "key": f"{line}:{9 + 5 * index}",
            "path": "models/intermediate/int_order_payments.sql",
            "line": line,
            "column": 9 + 5 * index,
            "fix": "dbtgate lint --fix CP01 models/intermediate/int_order_payments.sql",
            "owner": "@finance-eng",
            "tier": 2,
            "changed": True,
            "disposition": "blocking",
            "details": {"rule": "capitalisation.keywords", "fixable": True},
        }
        values.update(fields)
        made.append(finding(**values))
    return made
