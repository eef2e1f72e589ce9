"""How a breaking change's impact reads: the finding's message, the `dbtgate diff` table and the
"who reads it" column say the same thing, in words (no `d1`, no `selects: no`, no `model(s)`), and
a reader that does not select a removed column is never counted among those it affects."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from diff_support import exposure, model, write_build
from rich.console import Console

from dbtgate.checks import CheckContext
from dbtgate.config import Config
from dbtgate.diff.changes import Change, Consumer, Impact, SchemaDiff
from dbtgate.diff.check import breaking_changes
from dbtgate.diff.console import change_statuses, change_table, print_changes
from dbtgate.diff.impact_text import impact_message, reader_lines
from dbtgate.findings import Finding
from dbtgate.report.view import impact_lines, impact_owners

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)
JARGON = ("(d1", "d2", "selects:", "(s)")


def reader(name: str, depth: int = 1, selects: str | None = None, kind: str = "model") -> dict:
    return {
        "unique_id": f"{kind}.shop.{name}",
        "name": name,
        "resource_type": kind,
        "depth": depth,
        "owner": "Finance",
        "selects_column": selects,
    }


def test_a_removed_column_nobody_selects_affects_no_model_reading_the_model() -> None:
    impact = {
        "models": [reader("finance_revenue", selects="no")],
        "exposures": [reader("revenue_dashboard", selects="unknown", kind="exposure")],
        "owners": ["Finance"],
        "public": True,
    }
    message = impact_message(impact, "item_count")
    assert message == (
        "; finance_revenue reads the model but not item_count"
        "; exposure revenue_dashboard may use item_count"
        "; other projects may read it (public model)"
        "; readers' owners: Finance"
    )
    assert "affects" not in message


def test_a_changed_column_names_who_selects_it_and_who_may() -> None:
    impact = {
        "models": [
            reader("revenue", selects="yes"),
            reader("margins", selects="yes"),
            reader("forecast", selects="unknown"),
            reader("statuses", selects="no"),
            reader("report", depth=2),
        ],
        "exposures": [reader("dashboard", depth=3, kind="exposure")],
    }
    assert impact_message(impact, "amount") == (
        "; revenue, margins select amount"
        "; not known whether forecast selects amount"
        "; statuses reads the model but not amount"
        "; further downstream: report, dashboard"
    )


def test_nothing_further_downstream_is_affected_when_no_direct_reader_selects_the_column() -> None:
    impact = {"models": [reader("statuses", selects="no"), reader("report", depth=2)]}
    assert impact_message(impact, "amount") == "; statuses reads the model but not amount"


def test_a_model_level_change_affects_every_reader_counted_in_words() -> None:
    impact = {
        "models": [reader("a"), reader("b"), reader("c", depth=2)],
        "exposures": [reader("dash", kind="exposure")],
        "owners": ["@x", "Finance"],
        "public": True,
    }
    assert impact_message(impact, None) == (
        "; affects 3 downstream models (a, b, c), 1 exposure (dash) and other projects (public"
        " model); readers' owners: @x, Finance"
    )
    assert impact_message({"models": [reader("a")]}, None) == "; affects 1 downstream model (a)"
    assert impact_message({"models": [], "exposures": [], "owners": []}, "x") == ""


def test_long_reader_lists_name_five_and_count_the_rest() -> None:
    impact = {"models": [reader(f"m{i}") for i in range(8)]}
    assert impact_message(impact, None) == (
        "; affects 8 downstream models (m0, m1, m2, m3, m4 and 3 more)"
    )


def test_reader_lines_say_how_far_and_whether_each_selects_the_column_affected_first() -> None:
    impact = {
        "models": [
            reader("statuses", selects="no"),
            reader("revenue", selects="yes"),
            reader("forecast", selects="unknown"),
            reader("report", depth=2),
        ],
        "exposures": [reader("dashboard", selects="unknown", kind="exposure")],
        "public": True,
    }
    assert reader_lines(impact, "amount") == [
        "revenue (direct reader; selects amount)",
        "forecast (direct reader; not known whether it selects amount)",
        "dashboard (exposure, direct reader; may use amount)",
        "report (2 steps downstream)",
        "statuses (direct reader; does not select amount)",
        "other projects (public model)",
    ]
    # A change to the whole model: every reader is affected, nearest first, as listed.
    assert reader_lines({"models": [reader("a"), reader("b", depth=3)]}, None) == [
        "a (direct reader)",
        "b (3 steps downstream)",
    ]


def test_who_reads_it_in_the_reports_is_the_same_wording_and_fits_its_limit() -> None:
    finding = {
        "column_name": "item_count",
        "details": {"impact": {"models": [reader("finance_revenue", selects="no")]}},
    }
    assert impact_lines(finding) == ["finance_revenue (direct reader; does not select item_count)"]
    many = {
        "column_name": "c",
        "details": {
            "impact": {"models": [reader(f"model_{i:02d}", selects="yes") for i in range(40)]}
        },
    }
    lines = impact_lines(many, limit=200)
    assert lines[-1] == f"… and {40 - (len(lines) - 1)} more"
    assert all(
        line == f"model_{i:02d} (direct reader; selects c)" for i, line in enumerate(lines[:-1])
    )
    assert len("; ".join(lines)) <= 200
    # Another family's impact keeps the generic shape.
    other = {"details": {"impact": {"tables": ["a", "b"]}}}
    assert impact_lines(other) == ["tables: a, b"]


def run_check(tmp_path: Path, base_nodes, pr_nodes, **kwargs) -> list[Finding]:
    base = write_build(tmp_path / "base", base_nodes, catalog=kwargs.get("base_catalog"))
    pr = write_build(
        tmp_path / "pr",
        pr_nodes,
        catalog=kwargs.get("pr_catalog"),
        exposures=kwargs.get("exposures", ()),
        compiled=kwargs.get("compiled"),
    )
    context = CheckContext(project=pr, config=Config(), base=base, options={"now": NOW})
    return list(breaking_changes(context))


def test_the_column_removed_finding_tells_readers_that_select_it_from_those_that_do_not(
    tmp_path: Path,
) -> None:
    columns = [("order_id", "integer"), ("amount", "decimal(18,2)")]
    orders = model("orders", columns)
    revenue = model("revenue", depends_on=[orders["unique_id"]], meta={"owner": "@finance"})
    statuses = model("statuses", depends_on=[orders["unique_id"]])
    report = model("report", depends_on=[revenue["unique_id"]])
    nodes = [revenue, statuses, report]
    [finding] = run_check(
        tmp_path,
        [orders, *nodes],
        [model("orders", columns[:1]), *nodes],
        exposures=[exposure("dashboard", [revenue["unique_id"]], owner="Finance")],
        base_catalog={orders["unique_id"]: [("order_id", "INTEGER"), ("amount", "DECIMAL")]},
        pr_catalog={orders["unique_id"]: [("order_id", "INTEGER")]},
        compiled={
            revenue["unique_id"]: 'select sum(o.amount) as amount from "db"."main"."orders" as o',
            statuses["unique_id"]: 'select order_id from "db"."main"."orders"',
        },
    )
    assert finding.code == "breaking.column_removed"
    assert finding.message == (
        # The reason (classify's) says why the change is breaking: the model has readers.
        "orders: column amount removed; 2 downstream resources read the model"
        "; revenue selects amount; statuses reads the model but not amount"
        "; further downstream: report, dashboard; readers' owners: @finance, Finance"
    )
    assert not any(jargon in finding.message for jargon in JARGON)


def test_the_diff_table_words_the_impact_and_the_status() -> None:
    impact = Impact(
        models=[
            Consumer(
                unique_id="model.shop.finance_revenue",
                name="finance_revenue",
                resource_type="model",
                depth=1,
                selects_column="no",
            ),
            Consumer(unique_id="model.shop.report", name="report", resource_type="model", depth=2),
        ],
        owners=["Finance"],
    )
    change = Change(
        change_class="breaking",
        code="breaking.column_removed",
        unique_id="model.shop.orders",
        name="orders",
        resource_type="model",
        reason="orders: column item_count removed",
        policy="uncontracted_with_consumers",
        column="item_count",
        impact=impact,
    )
    finding = Finding(
        code=change.code,
        severity="error",
        message=change.reason,
        unique_id=change.unique_id,
        column_name="item_count",
        disposition="out_of_scope",
    )
    out = io.StringIO()
    Console(file=out, width=400, color_system=None).print(
        change_table(diff := SchemaDiff(changes=[change]), change_statuses(diff, [finding]))
    )
    text = out.getvalue()
    assert "finance_revenue (direct reader; does not select item_count)" in text
    # Behind a reader that does not select the column, the column reaches nobody.
    assert "report" not in text
    assert "readers' owners: Finance" in text
    assert "outside the change (error)" in text
    assert not any(jargon in text for jargon in (*JARGON, "out_of_scope", "out of scope"))


def test_readers_a_change_does_not_hurt_are_listed_last_as_not_affected() -> None:
    """A model made ephemeral: the dashboard that queried its table is hurt, the model that
    ref()s it is not (dbt inlines it); the reports say so rather than list it as a reader hurt."""
    impact = {
        "exposures": [reader("dashboard", kind="exposure")],
        "owners": ["Finance"],
        "public": True,
        "not_hurt": [{**reader("revenue"), "owner": None}],
        "not_hurt_because": "inlined",
    }
    assert reader_lines(impact, None) == [
        "dashboard (exposure, direct reader)",
        "other projects (public model)",
        "revenue (refs it; not affected: dbt inlines it)",
    ]
    finding = {"details": {"impact": {**impact, "not_hurt_because": "updated"}}}
    assert impact_lines(finding)[-1] == "revenue (no longer reads it; not affected)"
    only_spared = {"not_hurt": impact["not_hurt"], "not_hurt_because": "updated"}
    assert impact_lines({"details": {"impact": only_spared}}) == [
        "revenue (no longer reads it; not affected)"
    ]


def test_a_semantic_model_is_named_as_one_not_as_a_downstream_model() -> None:
    """`impact.models` holds the semantic models beside the models: the words tell them apart."""
    impact = {
        "models": [reader("revenue"), reader("orders_sm", kind="semantic_model")],
        "exposures": [reader("dashboard", kind="exposure")],
    }
    assert impact_message(impact, None) == (
        "; affects 1 downstream model (revenue), 1 semantic model (orders_sm) and 1 exposure "
        "(dashboard)"
    )
    assert reader_lines(impact, None) == [
        "revenue (direct reader)",
        "orders_sm (semantic model, direct reader)",
        "dashboard (exposure, direct reader)",
    ]


def test_reader_lines_leave_out_what_the_column_cannot_reach_as_the_message_does() -> None:
    """Behind a direct reader that does not select the column, nothing reads it: the report's
    reader lines do not list those readers when the message leaves them out."""
    impact = {
        "models": [reader("statuses", selects="no"), reader("report", depth=2)],
        "exposures": [reader("dashboard", depth=3, kind="exposure")],
        "public": True,
    }
    assert "report" not in impact_message(impact, "amount")
    assert reader_lines(impact, "amount") == [
        "statuses (direct reader; does not select amount)",
        "other projects (public model)",
    ]
    # A direct reader that may select it: the column may reach them, and both list them.
    impact["models"].append(reader("forecast", selects="unknown"))
    assert "further downstream: report, dashboard" in impact_message(impact, "amount")
    assert "report (2 steps downstream)" in reader_lines(impact, "amount")


def test_a_public_model_s_column_change_names_other_projects_once(tmp_path: Path) -> None:
    """Other projects are named by the impact, as every reader is; the reason no longer says
    "it is public" before the impact says "other projects may read it"."""
    columns = [("order_id", "integer"), ("amount", "decimal(18,2)")]
    orders = model("orders", columns, access="public")
    revenue = model("revenue", depends_on=[orders["unique_id"]])
    alone = model("alone", columns, access="public")
    findings = run_check(
        tmp_path,
        [orders, revenue, alone],
        [
            model("orders", columns[:1], access="public"),
            revenue,
            model("alone", [("order_id", "integer"), ("amount", "varchar")], access="public"),
        ],
        base_catalog={orders["unique_id"]: [("order_id", "INTEGER"), ("amount", "DECIMAL")]},
        pr_catalog={orders["unique_id"]: [("order_id", "INTEGER")]},
        compiled={revenue["unique_id"]: 'select amount from "db"."main"."orders"'},
    )
    assert sorted(f.message for f in findings) == [
        "alone: amount type changed (decimal(18,2) -> varchar); affects other projects "
        "(public model)",
        "orders: column amount removed; 1 downstream resource reads the model; revenue selects "
        "amount; other projects may read it (public model)",
    ]


def test_the_owners_of_a_column_change_are_those_of_the_readers_it_reaches(
    tmp_path: Path,
) -> None:
    """revenue does not select the removed column, so neither its owner nor that of the
    dashboard behind it has anything to check: the message's owners and the reports' owners
    column name the owner of the exposure that may use the column only."""
    columns = [("order_id", "integer"), ("status", "varchar")]
    orders = model("orders", columns)
    revenue = model("revenue", depends_on=[orders["unique_id"]], meta={"owner": "@finance"})
    [finding] = run_check(
        tmp_path,
        [orders, revenue],
        [model("orders", columns[:1]), revenue],
        exposures=[
            exposure("revenue_dashboard", [revenue["unique_id"]], owner="BI team"),
            exposure("orders_dashboard", [orders["unique_id"]], owner="Sales"),
        ],
        base_catalog={orders["unique_id"]: [("order_id", "INTEGER"), ("status", "VARCHAR")]},
        pr_catalog={orders["unique_id"]: [("order_id", "INTEGER")]},
        compiled={revenue["unique_id"]: 'select order_id from "db"."main"."orders"'},
    )
    assert finding.message.endswith(
        "; revenue reads the model but not status; exposure orders_dashboard may use status; "
        "readers' owners: Sales"
    )
    assert impact_owners({"details": finding.details, "owner": finding.owner}) == ["Sales"]


def test_the_diff_table_names_each_resource_once_and_keeps_codes_whole() -> None:
    """The reason column leaves out the `name: ` the resource column already shows, and a
    code is never folded across lines (it is what `dbtgate rules` and a waiver take), even at
    the narrowest width the table is printed at (narrower, each change is a block)."""
    changes = [
        Change(
            change_class="safe",
            code="safe.description_changed",
            unique_id="model.shop.stg_payments",
            name="stg_payments",
            resource_type="model",
            reason="stg_payments: the model's description changed",
            policy="safe",
        ),
        Change(
            change_class="breaking",
            code="breaking.column_removed",
            unique_id="model.shop.orders.v2",
            name="orders",
            resource_type="model",
            reason="orders v2: contracted column item_count removed",
            policy="versioned_contract",
            version="2",
            column="item_count",
        ),
    ]
    out = io.StringIO()
    Console(file=out, width=120, color_system=None).print(
        change_table(diff := SchemaDiff(changes=changes), change_statuses(diff, []))
    )
    text = out.getvalue()
    for width, table in ((120, True), (110, False)):
        printed = io.StringIO()
        print_changes(Console(file=printed, width=width, color_system=None), diff, [])
        assert ("┏" in printed.getvalue()) is table, width
    assert "safe.description_changed" in text and "breaking.column_removed" in text
    assert "stg_payments:" not in text and "orders v2:" not in text
    assert "the model's" in text and "contracted" in text
