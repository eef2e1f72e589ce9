"""Each classification rule on two small builds written as real artifacts: dbt-core's contract
rules, changes to models that others read, the known traps, and the ways out."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import msgspec
import pytest
from cli_support import run_dbtgate
from diff_support import (
    PACKAGE,
    constraint,
    data_test,
    exposure,
    model,
    semantic_model,
    write_build,
)

from dbtgate.checks import CheckContext
from dbtgate.config import Config, load_config
from dbtgate.diff.changes import Change, SchemaDiff
from dbtgate.diff.check import breaking_changes
from dbtgate.diff.compare import diff_projects
from dbtgate.diff.impact_text import impact_message
from dbtgate.diff.properties import edited_lines
from dbtgate.errors import DbtgateError
from dbtgate.gate import run_gate
from dbtgate.project import Project

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)
ORDERS_COLUMNS = [("order_id", "integer"), ("amount", "decimal(18,2)"), ("status", "varchar")]


def builds(tmp_path: Path, base_nodes, pr_nodes, **kwargs) -> tuple[Project, Project]:
    base_kwargs = {k[5:]: v for k, v in kwargs.items() if k.startswith("base_")}
    pr_kwargs = {k[3:]: v for k, v in kwargs.items() if k.startswith("pr_")}
    shared = {k: v for k, v in kwargs.items() if not k.startswith(("base_", "pr_"))}
    base = write_build(tmp_path / "base", base_nodes, **{**shared, **base_kwargs})
    pr = write_build(tmp_path / "pr", pr_nodes, **{**shared, **pr_kwargs})
    return base, pr


def diff(tmp_path: Path, base_nodes, pr_nodes, **kwargs) -> SchemaDiff:
    base, pr = builds(tmp_path, base_nodes, pr_nodes, **kwargs)
    return diff_projects(base, pr, today=NOW)


def codes(result: SchemaDiff) -> list[tuple[str, str, str]]:
    """(code, name after the package, column or "") of every change, in the diff's order."""
    return [(c.code, c.unique_id.split(".", 2)[2], c.column or "") for c in result.changes]


def only(result: SchemaDiff, code: str) -> Change:
    found = [c for c in result.changes if c.code == code]
    assert len(found) == 1, codes(result)
    return found[0]


# -- dbt-core's contract rules ------------------------------------------------------------------


def test_removed_contracted_column_is_breaking(tmp_path: Path) -> None:
    before = model("orders", ORDERS_COLUMNS, contract=True)
    after = model("orders", ORDERS_COLUMNS[:2], contract=True)
    result = diff(tmp_path, [before], [after])
    assert codes(result) == [("breaking.column_removed", "orders", "status")]
    change = result.changes[0]
    assert change.policy == "unversioned_contract"  # dbt-core warns on unversioned models
    assert change.column_source == "declared"


def test_breaking_change_on_versioned_contracted_model_is_governed_as_versioned(
    tmp_path: Path,
) -> None:
    before = model("orders", ORDERS_COLUMNS, contract=True, version=2, latest_version=2)
    after = model("orders", ORDERS_COLUMNS[:2], contract=True, version=2, latest_version=2)
    change = only(diff(tmp_path, [before], [after]), "breaking.column_removed")
    assert change.policy == "versioned_contract"
    assert change.version == "2"


def test_contract_enforcement_removed_is_breaking(tmp_path: Path) -> None:
    before = model("orders", ORDERS_COLUMNS, contract=True)
    after = model("orders", ORDERS_COLUMNS, contract=False)
    assert codes(diff(tmp_path, [before], [after])) == [("breaking.contract_removed", "orders", "")]


def test_contracted_type_change_is_breaking_but_size_only_changes_are_not(tmp_path: Path) -> None:
    before = model(
        "orders",
        [("id", "int"), ("code", "varchar(10)"), ("amount", "decimal(18,2)"), ("n", "int")],
        contract=True,
    )
    after = model(
        "orders",
        [("id", "integer"), ("code", "varchar(20)"), ("amount", "decimal(10,2)"), ("n", "bigint")],
        contract=True,
    )
    result = diff(tmp_path, [before], [after])
    assert sorted(codes(result)) == [
        # `int` -> `integer`: an alias, which dbt-core's check reports all the same.
        ("breaking.type_changed", "orders", "id"),
        ("breaking.type_changed", "orders", "n"),
        ("risky.type_precision_changed", "orders", "amount"),
        ("safe.type_size_widened", "orders", "code"),
    ]
    retyped = {c.column: c for c in result.changes if c.code == "breaking.type_changed"}
    assert retyped["n"].old == "int" and retyped["id"].details == {"type_change": "alias"}


def test_enforced_constraint_removed_is_breaking_and_an_unenforced_one_is_risky(
    tmp_path: Path,
) -> None:
    columns = [("id", "integer", [constraint("not_null")]), ("name", "varchar")]
    before = model(
        "orders", columns, contract=True, constraints=[constraint("primary_key", ["id"])]
    )
    after = model("orders", [("id", "integer"), ("name", "varchar")], contract=True)
    on_duckdb = diff(tmp_path / "duckdb", [before], [after], adapter="duckdb")
    assert sorted(codes(on_duckdb)) == [
        ("breaking.constraint_removed", "orders", ""),
        ("breaking.constraint_removed", "orders", "id"),
    ]
    # Snowflake does not enforce primary keys: removing one loosens metadata only.
    on_snowflake = diff(tmp_path / "snowflake", [before], [after], adapter="snowflake")
    assert sorted(codes(on_snowflake)) == [
        ("breaking.constraint_removed", "orders", "id"),
        ("risky.constraint_loosened", "orders", ""),
    ]


def test_constraint_removed_from_a_view_is_not_breaking(tmp_path: Path) -> None:
    before = model(
        "orders", [("id", "integer", [constraint("not_null")])], contract=True, materialized="view"
    )
    after = model("orders", [("id", "integer")], contract=True, materialized="view")
    assert codes(diff(tmp_path, [before], [after])) == []


def test_table_with_constraints_materialized_as_view_is_breaking(tmp_path: Path) -> None:
    columns = [("id", "integer", [constraint("not_null")])]
    before = model("orders", columns, contract=True, materialized="table")
    after = model("orders", columns, contract=True, materialized="view")
    change = only(diff(tmp_path, [before], [after]), "breaking.materialization_changed")
    assert (change.old, change.new) == ("table", "view")


def test_table_without_constraints_materialized_as_view_is_safe(tmp_path: Path) -> None:
    before = model("orders", ORDERS_COLUMNS, contract=True, materialized="table")
    after = model("orders", ORDERS_COLUMNS, contract=True, materialized="view")
    assert codes(diff(tmp_path, [before], [after])) == [
        ("safe.materialization_changed", "orders", "")
    ]


def test_deleted_contracted_model_is_breaking(tmp_path: Path) -> None:
    keep = model("customers", [("id", "integer")])
    gone = model("orders", ORDERS_COLUMNS, contract=True)
    change = only(diff(tmp_path, [keep, gone], [keep]), "breaking.model_removed")
    assert change.details == {"how": "deleted_or_renamed"}
    assert change.path == "models/schema.yml"


def test_disabled_contracted_model_is_breaking(tmp_path: Path) -> None:
    gone = model("orders", ORDERS_COLUMNS, contract=True)
    disabled = model("orders", ORDERS_COLUMNS, contract=True, enabled=False)
    result = diff(tmp_path, [gone], [], pr_disabled=[disabled])
    change = only(result, "breaking.model_removed")
    assert change.details == {"how": "disabled"}
    assert "disabled" in change.reason


def test_contracted_model_removed_after_its_deprecation_date_is_safe(tmp_path: Path) -> None:
    gone = model("orders", ORDERS_COLUMNS, contract=True, deprecation_date="2025-01-01T00:00:00")
    assert codes(diff(tmp_path, [gone], [])) == [("safe.deprecated_model_removed", "orders", "")]


def test_uncontracted_public_model_removed_is_breaking_and_a_private_one_risky(
    tmp_path: Path,
) -> None:
    public = model("orders", ORDERS_COLUMNS, access="public")
    internal = model("stg_orders", ORDERS_COLUMNS)
    result = diff(tmp_path, [public, internal], [])
    assert sorted(codes(result)) == [
        ("breaking.model_removed", "orders", ""),
        ("risky.model_removed", "stg_orders", ""),
    ]
    assert only(result, "breaking.model_removed").policy == "uncontracted_with_consumers"


def test_a_model_or_seed_removed_says_its_old_relation_stays_stale(tmp_path: Path) -> None:
    """dbt drops nothing when a model or seed goes (tests/test_diff_removed_dbt.py builds it):
    what queries the old table reads stale data, it does not fail."""
    legacy = model("stg_legacy")
    countries = model("countries", resource_type="seed", materialized="seed")
    reasons = sorted(
        c.reason for c in diff(tmp_path, [legacy, countries], []).changes if c.code.startswith("r")
    )
    assert reasons == [
        "countries: seed deleted or renamed: dbt leaves its old relation in place, no longer "
        "updated; tools outside dbt that query it read stale data",
        "stg_legacy: model deleted or renamed: dbt leaves its old relation in place, no longer "
        "updated; tools outside dbt that query it read stale data",
    ]


def test_a_model_renamed_without_an_edit_says_to_what_and_its_new_name_from_what(
    tmp_path: Path,
) -> None:
    """A release that renamed finance_revenue to monthly_revenue (`git mv`: dbt's checksum of
    the file is the same) read "finance_revenue: model deleted or renamed" and "monthly_revenue:
    new model": its reader had to guess they were one model, whose old relation stays behind."""
    keep = model("customers", checksum="c1")
    old = model("finance_revenue", checksum="c9")
    new = model("monthly_revenue", checksum="c9")
    result = diff(tmp_path, [keep, old], [keep, new])
    removed = only(result, "risky.model_removed")
    assert removed.reason == (
        "finance_revenue: model renamed to monthly_revenue: dbt leaves its old relation in "
        "place, no longer updated; tools outside dbt that query it read stale data"
    )
    assert removed.details == {"how": "renamed", "renamed_to": "model.proj.monthly_revenue"}
    added = only(result, "safe.model_added")
    assert added.reason == "monthly_revenue: new model, renamed from finance_revenue"
    assert added.details == {"renamed_from": "model.proj.finance_revenue"}
    # Edited as well as renamed, or beside an unchanged copy, or across dbt versions (whose
    # checksums differ for one file): nothing says which new model the old one became.
    for name, pr, kwargs in (
        ("edited", [keep, model("monthly_revenue", checksum="c8")], {}),
        ("copied", [keep, new, model("revenue_copy", checksum="c9")], {}),
        ("versions", [keep, new], {"base_dbt_version": "1.10.4"}),
    ):
        result = diff(tmp_path / name, [keep, old], pr, **kwargs)
        assert only(result, "risky.model_removed").details == {"how": "deleted_or_renamed"}
        assert all(
            c.reason.endswith(": new model") for c in result.changes if c.code == "safe.model_added"
        )


def test_a_snapshot_renamed_says_its_history_stays_behind(tmp_path: Path) -> None:
    """dbt never drops the old snapshot table and the renamed one starts with no history: "tools
    that query it will fail" said neither."""
    old = model("orders_snapshot", resource_type="snapshot", materialized="snapshot")
    new = model("orders_snap", resource_type="snapshot", materialized="snapshot")
    result = diff(tmp_path, [old], [new])
    assert only(result, "risky.model_removed").reason == (
        "orders_snapshot: snapshot deleted or renamed: the history it recorded stays in its old "
        "table, no longer updated, and a snapshot renamed starts empty"
    )


def test_a_column_removed_from_a_snapshot_says_its_table_keeps_it(tmp_path: Path) -> None:
    """`dbt snapshot` adds columns and never drops one: production's table keeps the column,
    NULL in the rows recorded from now on; only a snapshot built afresh loses it."""
    snap = model("orders_snapshot", resource_type="snapshot", materialized="snapshot")
    uid = snap["unique_id"]
    result = diff(
        tmp_path,
        [snap],
        [snap],
        base_catalog={uid: [("id", "INTEGER"), ("status", "VARCHAR")]},
        pr_catalog={uid: [("id", "INTEGER")]},
    )
    assert only(result, "risky.column_removed").reason == (
        "orders_snapshot: column status removed; nothing in the project reads it; the "
        "snapshot's table keeps status, NULL in new rows"
    )


def test_a_column_removed_from_a_model_only_singular_tests_read_names_them(tmp_path: Path) -> None:
    """A singular test is SQL the team wrote against the model's columns: 'nothing in the
    project reads it' would hide that it fails if it selects the column (a generic test on the
    column goes with it, and is no reader)."""
    orders = model("orders")
    uid = orders["unique_id"]
    singular = {
        "unique_id": f"test.{PACKAGE}.assert_orders_status_known",
        "resource_type": "test",
        "name": "assert_orders_status_known",
        "package_name": PACKAGE,
        "depends_on": {"nodes": [uid]},
        "config": {"severity": "ERROR"},
    }
    nodes = [orders, singular, data_test("not_null", uid, "status")]
    catalogs = {
        "base_catalog": {uid: [("id", "INTEGER"), ("status", "VARCHAR")]},
        "pr_catalog": {uid: [("id", "INTEGER")]},
    }
    result = diff(tmp_path, nodes, nodes, **catalogs)
    assert only(result, "risky.column_removed").reason == (
        "orders: column status removed; nothing in the project reads it but its singular test "
        "assert_orders_status_known"
    )
    plain = diff(tmp_path / "plain", [orders], [orders], **catalogs)
    assert only(plain, "risky.column_removed").reason.endswith("; nothing in the project reads it")


def test_model_removed_that_an_exposure_read_in_the_base_is_breaking_with_the_exposure(
    tmp_path: Path,
) -> None:
    """dbt cannot parse an exposure that refs a missing model, so the pull request cut the ref
    out of the exposure or deleted its YAML; neither changes the dashboard behind it, which may
    still query the table. Deleting the declaration is no way round the gate."""
    kept, retired = model("orders", ORDERS_COLUMNS), model("legacy", ORDERS_COLUMNS)
    internal, other = model("stg_legacy"), model("customers")
    dashboard = exposure("dashboard", [kept["unique_id"], other["unique_id"]], owner="Finance")
    old_report = exposure("old_report", [retired["unique_id"]])
    result = diff(
        tmp_path,
        [kept, retired, internal, other],
        [other],
        base_exposures=[dashboard, old_report],
        pr_exposures=[exposure("dashboard", [other["unique_id"]], owner="Finance")],
    )
    assert sorted(codes(result)) == [
        ("breaking.model_removed", "legacy", ""),
        ("breaking.model_removed", "orders", ""),
        ("risky.model_removed", "stg_legacy", ""),
        ("safe.exposure_removed", "old_report", ""),
    ]
    by_name = {c.name: c for c in result.changes if c.code == "breaking.model_removed"}
    assert by_name["orders"].reason == (
        "orders: model deleted or renamed: dbt leaves its old relation in place, no longer "
        "updated, and the readers that query it read stale data"
    )
    # What the impact cannot say: the exposure's YAML went, its dashboard did not.
    assert by_name["legacy"].reason == (
        "legacy: model deleted or renamed: dbt leaves its old relation in place, no longer "
        "updated, and the readers that query it read stale data (the YAML of exposure old_report is deleted in this pull request; its dashboard may "
        "still query the relation)"
    )
    change = by_name["orders"]
    assert change.policy == "uncontracted_with_consumers"
    assert change.impact is not None
    assert [(c.name, c.owner) for c in change.impact.exposures] == [("dashboard", "Finance")]


def test_a_contracted_or_public_model_removed_with_its_exposures_yaml_says_so_too(
    tmp_path: Path,
) -> None:
    """The note on an exposure whose YAML the pull request deletes is not only for the removal
    that is breaking because of it: a contracted or public model's removal lists the exposure in
    its impact as well."""
    contracted = model("orders", ORDERS_COLUMNS, contract=True)
    public = model("customers", access="public")
    reports = [
        exposure("orders_report", [contracted["unique_id"]]),
        exposure("customers_report", [public["unique_id"]]),
    ]
    result = diff(tmp_path, [contracted, public], [], base_exposures=reports)
    reasons = sorted(c.reason for c in result.changes if c.code == "breaking.model_removed")
    assert reasons == [
        "customers: public model deleted or renamed (the YAML of exposure customers_report is "
        "deleted in this pull request; its dashboard may still query the relation)",
        "orders: contracted model deleted or renamed (the YAML of exposure orders_report is "
        "deleted in this pull request; its dashboard may still query the relation)",
    ]


def test_model_made_ephemeral_is_breaking_when_an_exposure_or_project_queries_it(
    tmp_path: Path,
) -> None:
    """An ephemeral model builds no relation: its dbt readers inline it, a dashboard or another
    project that queries the table does not."""
    names = ("dashboarded", "shared", "internal")
    base = [model(n, access="public" if n == "shared" else "protected") for n in names]
    pr = [
        model(n, access="public" if n == "shared" else "protected", materialized="ephemeral")
        for n in names
    ]
    reader = model("reader", depends_on=[f"model.proj.{n}" for n in names])
    dashboard = exposure("dashboard", ["model.proj.dashboarded"])
    result = diff(tmp_path, [*base, reader], [*pr, reader], exposures=[dashboard])
    assert sorted(codes(result)) == [
        ("breaking.materialization_changed", "dashboarded", ""),
        ("breaking.materialization_changed", "shared", ""),
        # Nothing known queries it; the old relation is left stale, as after a removal.
        ("risky.materialization_changed", "internal", ""),
    ]
    by_name = {c.name: c for c in result.changes}
    assert by_name["dashboarded"].reason == (
        "dashboarded: materialized table -> ephemeral: no relation is built any more for the "
        "readers that query it"
    )
    # The readers are named once, by the impact.
    assert [c.name for c in by_name["dashboarded"].impact.exposures] == ["dashboard"]
    assert by_name["shared"].impact.public
    assert by_name["dashboarded"].policy == "uncontracted_with_consumers"


def test_model_made_ephemeral_counts_the_exposures_of_the_base_build_like_a_removal(
    tmp_path: Path,
) -> None:
    """The exposures are those of the base build, as for a removal: a pull request that deletes
    an exposure's YAML, or cuts its ref, while making the model ephemeral leaves the dashboard
    querying a relation no longer built. Both rules then agree on one pull request."""
    names = ("cut", "undeclared")
    base = [model(n) for n in names]
    pr = [model(n, materialized="ephemeral") for n in names]
    other = model("other")
    kept = exposure("kept", ["model.proj.cut"])
    dropped = exposure("dropped", ["model.proj.undeclared"])
    result = diff(
        tmp_path,
        [*base, other],
        [*pr, other],
        base_exposures=[kept, dropped],
        pr_exposures=[exposure("kept", [other["unique_id"]])],
    )
    by_name = {c.name: c for c in result.changes if c.code.startswith("breaking")}
    assert sorted(by_name) == ["cut", "undeclared"]
    assert by_name["cut"].reason.endswith("for the readers that query it")
    assert [c.name for c in by_name["cut"].impact.exposures] == ["kept"]
    # What the impact cannot say: the exposure's YAML went, its dashboard did not.
    assert by_name["undeclared"].reason.endswith(
        "for the readers that query it (the YAML of exposure dropped is deleted in this pull "
        "request; its dashboard may still query the relation)"
    )
    assert [c.name for c in by_name["undeclared"].impact.exposures] == ["dropped"]


def test_semantic_models_count_as_the_pull_request_declares_them(tmp_path: Path) -> None:
    """The semantic layer is deployed from the pull request's manifest: a semantic model it
    still declares on the model loses its relation, one it deletes or moves queries nothing."""
    names = ("kept", "moved")
    base = [model(n) for n in names]
    pr = [model(n, materialized="ephemeral") for n in names]
    other = model("other")
    result = diff(
        tmp_path,
        [*base, other],
        [*pr, other],
        base_semantic_models=[
            semantic_model("kept_sm", "model.proj.kept"),
            semantic_model("moved_sm", "model.proj.moved"),
        ],
        pr_semantic_models=[
            semantic_model("kept_sm", "model.proj.kept"),
            semantic_model("moved_sm", other["unique_id"]),
        ],
    )
    assert sorted(codes(result)) == [
        ("breaking.materialization_changed", "kept", ""),
        ("risky.materialization_changed", "moved", ""),
    ]
    impact = only(result, "breaking.materialization_changed").impact
    assert [c.name for c in impact.models] == ["kept_sm"]


def test_a_model_made_ephemeral_hurts_who_queries_its_relation_not_the_models_that_ref_it(
    tmp_path: Path,
) -> None:
    """dbt inlines an ephemeral model into the models that ref() it: they, and whatever reads
    them, keep working. The exposure and semantic model that query its relation are hurt."""
    orders = model("orders", ORDERS_COLUMNS)
    revenue = model("revenue", depends_on=[orders["unique_id"]], meta={"owner": "@finance"})
    report = model("report", depends_on=[revenue["unique_id"]], meta={"owner": "@bi"})
    dashboard = exposure("dashboard", [orders["unique_id"]], owner="Finance")
    revenue_dashboard = exposure("revenue_dashboard", [revenue["unique_id"]], owner="Sales")
    semantic = semantic_model("orders_sm", orders["unique_id"])
    result = diff(
        tmp_path,
        [orders, revenue, report],
        [model("orders", ORDERS_COLUMNS, materialized="ephemeral"), revenue, report],
        exposures=[dashboard, revenue_dashboard],
        semantic_models=[semantic],
    )
    impact = only(result, "breaking.materialization_changed").impact
    assert impact is not None
    assert [(c.name, c.resource_type, c.depth) for c in impact.models] == [
        ("orders_sm", "semantic_model", 1)
    ]
    assert [(c.name, c.owner) for c in impact.exposures] == [("dashboard", "Finance")]
    assert impact.owners == ["Finance"]
    assert [c.name for c in impact.not_hurt] == ["revenue"]
    assert impact.not_hurt_because == "inlined"
    assert impact_message(msgspec.to_builtins(impact), None) == (
        "; affects 1 semantic model (orders_sm) and 1 exposure (dashboard); revenue refs it "
        "and is not affected: dbt inlines an ephemeral model; readers' owners: Finance"
    )


def test_a_removed_model_hurts_who_queries_its_relation_not_the_readers_the_pr_changed(
    tmp_path: Path,
) -> None:
    """dbt cannot parse a ref to a missing model, so the models that read a removed one in the
    base build read something else in the pull request: not hurt, and said so. What is left is
    who queries the relation: other projects (public), a dashboard."""
    orders = model("orders", ORDERS_COLUMNS, contract=True, access="public")
    staging = model("stg_orders", ORDERS_COLUMNS)
    revenue = model("revenue", depends_on=[orders["unique_id"]], meta={"owner": "@finance"})
    moved = model("revenue", depends_on=[staging["unique_id"]], meta={"owner": "@finance"})
    report = model("report", depends_on=[revenue["unique_id"]], meta={"owner": "@bi"})
    result = diff(
        tmp_path,
        [orders, staging, revenue, report],
        [staging, moved, report],
        exposures=[exposure("revenue_dashboard", [revenue["unique_id"]], owner="Sales")],
    )
    impact = only(result, "breaking.model_removed").impact
    assert impact is not None
    assert (impact.models, impact.exposures, impact.owners, impact.public) == ([], [], [], True)
    assert [c.name for c in impact.not_hurt] == ["revenue"]
    assert impact.not_hurt_because == "updated"
    assert impact_message(msgspec.to_builtins(impact), None) == (
        "; affects other projects (public model); revenue no longer reads it (changed in this "
        "pull request) and is not affected"
    )


# -- models without a contract that others read ---------------------------------------------------


def test_column_removed_from_a_model_others_read_is_breaking_with_its_impact(
    tmp_path: Path,
) -> None:
    orders = model("orders", ORDERS_COLUMNS, meta={"owner": "@orders-team"})
    revenue = model(
        "revenue",
        [("amount", "decimal(18,2)")],
        depends_on=[orders["unique_id"]],
        meta={"owner": "@finance"},
    )
    report = model("report", depends_on=[revenue["unique_id"]], meta={"owner": "@bi"})
    statuses = model("statuses", depends_on=[orders["unique_id"]])
    dashboard = exposure("dashboard", [revenue["unique_id"]], owner="Finance")
    catalog_before = {orders["unique_id"]: [("order_id", "INTEGER"), ("amount", "DECIMAL(18,2)")]}
    catalog_after = {orders["unique_id"]: [("order_id", "INTEGER")]}
    compiled = {
        revenue["unique_id"]: 'select sum(o.amount) as amount from "db"."main"."orders" as o',
        statuses["unique_id"]: 'select order_id from "db"."main"."orders"',
    }
    result = diff(
        tmp_path,
        [orders, revenue, report, statuses],
        [model("orders", ORDERS_COLUMNS[:1]), revenue, report, statuses],
        exposures=[dashboard],
        base_catalog=catalog_before,
        pr_catalog=catalog_after,
        pr_compiled=compiled,
    )
    change = only(result, "breaking.column_removed")
    assert (change.column, change.column_source, change.policy) == (
        "amount",
        "catalog",
        "uncontracted_with_consumers",
    )
    impact = change.impact
    assert impact is not None
    assert [(c.name, c.depth, c.owner, c.selects_column) for c in impact.models] == [
        ("revenue", 1, "@finance", "yes"),
        ("statuses", 1, None, "no"),
        ("report", 2, "@bi", None),
    ]
    assert [(c.name, c.depth, c.owner) for c in impact.exposures] == [("dashboard", 2, "Finance")]
    assert impact.owners == ["@bi", "@finance", "Finance"]
    assert impact.public is False


def test_only_what_a_reader_that_selects_the_column_leads_to_is_further_downstream(
    tmp_path: Path,
) -> None:
    """A dashboard behind a model that does not select the removed column is not affected:
    it was listed "2 steps downstream", and its owner asked to check."""
    orders = model("orders")
    statuses = model("statuses", depends_on=[orders["unique_id"]])
    export = model("export", depends_on=[orders["unique_id"]])
    archive = model("archive", depends_on=[export["unique_id"]])
    dashboard = exposure("dashboard", [statuses["unique_id"]], owner="Finance")
    catalog = [(n, t.upper()) for n, t in ORDERS_COLUMNS]
    result = diff(
        tmp_path,
        [orders, statuses, export, archive],
        [orders, statuses, export, archive],
        exposures=[dashboard],
        base_catalog={orders["unique_id"]: catalog},
        pr_catalog={orders["unique_id"]: catalog[:2]},
        pr_compiled={
            statuses["unique_id"]: 'select order_id from "db"."main"."orders"',
            export["unique_id"]: 'select status from "db"."main"."orders"',
        },
    )
    impact = only(result, "breaking.column_removed").impact
    assert [(c.name, c.depth) for c in impact.models] == [
        ("export", 1),
        ("statuses", 1),
        ("archive", 2),
    ]
    assert impact.exposures == [] and impact.owners == []


def _orders_and_statuses(
    tmp_path: Path,
    pr_orders_columns,
    *,
    exposures=(),
    compiled=True,
    reader_sql='select order_id from "db"."main"."orders"',
):
    """orders (columns from the catalog) read by statuses, whose SQL selects order_id only."""
    orders = model("orders")
    statuses = model("statuses", depends_on=[orders["unique_id"]])
    sql = {statuses["unique_id"]: reader_sql}
    return diff(
        tmp_path,
        [orders, statuses],
        [orders, statuses],
        exposures=list(exposures),
        base_catalog={orders["unique_id"]: [(n, t.upper()) for n, t in ORDERS_COLUMNS]},
        pr_catalog={orders["unique_id"]: pr_orders_columns},
        pr_compiled=sql if compiled else None,
    )


def test_a_column_no_reader_selects_any_more_is_risky_not_breaking(tmp_path: Path) -> None:
    """The usual pull request renames or drops a column and updates its readers in the same
    commit: the readers' compiled SQL no longer names it, so nothing in the project breaks."""
    removed = _orders_and_statuses(
        tmp_path / "removed", [("order_id", "INTEGER"), ("amount", "DECIMAL(18,2)")]
    )
    change = only(removed, "risky.column_removed")
    assert change.column == "status"
    assert change.reason == "orders: column status removed; no reader selects it (statuses)"
    renamed = _orders_and_statuses(
        tmp_path / "renamed",
        [("order_id", "INTEGER"), ("amount", "DECIMAL(18,2)"), ("state", "VARCHAR")],
    )
    assert only(renamed, "risky.column_renamed").new == "state"
    retyped = _orders_and_statuses(
        tmp_path / "retyped",
        [("order_id", "INTEGER"), ("amount", "DECIMAL(18,2)"), ("status", "INTEGER")],
    )
    assert only(retyped, "risky.type_changed").reason.endswith("; no reader selects it (statuses)")
    assert not [c for c in removed.changes + renamed.changes if c.change_class == "breaking"]


def test_a_semantic_model_that_dropped_the_column_is_said_to_have_named_it(
    tmp_path: Path,
) -> None:
    """A pull request that removes a column and its dimension: who queries the semantic layer
    for the dimension loses it (the removal stays breaking), and the message says the semantic
    model named it in the base build, not that it "selects" a column it no longer has."""
    orders = model("orders")
    catalog = [(n, t.upper()) for n, t in ORDERS_COLUMNS]
    result = diff(
        tmp_path,
        [orders],
        [orders],
        base_catalog={orders["unique_id"]: catalog},
        pr_catalog={orders["unique_id"]: catalog[:2]},
        base_semantic_models=[semantic_model("orders_sm", orders["unique_id"], ["status"])],
        pr_semantic_models=[semantic_model("orders_sm", orders["unique_id"])],
        pr_compiled={},
    )
    change = only(result, "breaking.column_removed")
    assert [(c.name, c.selects_column) for c in change.impact.models] == [("orders_sm", "was")]
    message = impact_message(msgspec.to_builtins(change.impact), "status")
    assert "orders_sm named status in the base build" in message, message


def test_a_relation_the_run_skipped_is_not_compared_by_its_old_table(tmp_path: Path) -> None:
    """The run skipped orders (a failure upstream): the catalog a `dbt docs generate` wrote
    after it lists the table of an earlier build, with the column the pull request removed.
    Compared by that table, the removal was missed and the column read as still there; the
    relation is compared by its declared columns, and a note says what that cannot see."""
    orders = model("orders", [("order_id", "integer"), ("status", "varchar")])
    catalog = {orders["unique_id"]: [(n, t.upper()) for n, t in ORDERS_COLUMNS]}
    result = diff(
        tmp_path,
        [orders],
        [model("orders", [("order_id", "integer")])],
        base_catalog=catalog,
        pr_catalog=catalog,
        pr_results={orders["unique_id"]: "skipped"},
    )
    assert codes(result) == [("risky.column_removed", "orders", "status")]
    assert only(result, "risky.column_removed").column_source == "declared"
    assert [note for note in result.notes if "did not build" in note] == [
        "1 relation the run did not build (errored or skipped) compared by the columns declared "
        "in YAML only: catalog.json lists its table of an earlier build, so a column removed "
        "that no YAML declares is not seen (`model.proj.orders`); build it and run `dbt docs "
        "generate` again to compare all its columns"
    ]
    built = diff(
        tmp_path / "built",
        [orders],
        [model("orders", [("order_id", "integer")])],
        base_catalog=catalog,
        pr_catalog=catalog,
        pr_results={orders["unique_id"]: "success"},
    )
    assert codes(built) == [] and not [n for n in built.notes if "did not build" in n]


def test_a_relation_renamed_by_its_alias_or_schema_leaves_its_outside_readers_a_stale_one(
    tmp_path: Path,
) -> None:
    """dbt builds the relation under its new name and never drops the old one: the dashboard
    behind an exposure reads the old, stale relation without an error. The models that ref() it
    follow the new name; a move nothing outside dbt reads is risky."""
    orders = model("orders", ORDERS_COLUMNS)
    revenue = model("revenue", depends_on=[orders["unique_id"]])
    dashboard = exposure("dashboard", [orders["unique_id"]])
    renamed = model("orders", ORDERS_COLUMNS, custom_alias="orders_v2", schema="main_finance")
    renamed["config"]["schema"] = "finance"
    result = diff(tmp_path, [orders, revenue], [renamed, revenue], exposures=[dashboard])
    change = only(result, "breaking.relation_renamed")
    assert change.reason == (
        "orders: relation renamed (schema (default) -> finance, alias (default) -> orders_v2): "
        "dbt builds it under the new name and leaves the old relation in place, no longer "
        "updated, and the readers that query it read stale data"
    )
    impact = msgspec.to_builtins(change.impact)
    assert [c["name"] for c in impact["exposures"]] == ["dashboard"]
    assert impact_message(impact, None) == (
        "; affects 1 exposure (dashboard); revenue refs it and is not affected: ref() follows "
        "the new name; readers' owners: BI team"
    )
    alone = diff(tmp_path / "alone", [orders], [model("orders", ORDERS_COLUMNS, custom_alias="o")])
    assert codes(alone) == [("risky.relation_renamed", "orders", "")]
    # The schema an environment made of the same configuration is no change (CI against prod).
    ci = model("orders", ORDERS_COLUMNS, schema="dbt_ci_123_finance")
    ci["config"]["schema"] = "finance"
    prod = model("orders", ORDERS_COLUMNS, schema="analytics_finance")
    prod["config"]["schema"] = "finance"
    assert codes(diff(tmp_path / "env", [prod], [ci])) == []


def test_a_snapshot_moved_by_its_target_schema_is_a_relation_renamed(tmp_path: Path) -> None:
    """A snapshot written as dbt <1.9 wrote them names its schema with `target_schema` (dbt's
    manifest: config.target_schema, and node.schema as is); moving it read as "SQL changed",
    though the next `dbt snapshot` starts an empty table in the new schema."""

    def snapshot(schema: str) -> dict:
        snap = model("orders_snapshot", resource_type="snapshot", materialized="snapshot")
        snap["schema"] = schema
        snap["config"].update(target_schema=schema, strategy="timestamp", unique_key="id")
        snap["unrendered_config"] = {"target_schema": schema, "strategy": "timestamp"}
        return snap

    result = diff(tmp_path, [snapshot("snapshots")], [snapshot("history")])
    assert only(result, "risky.relation_renamed").reason == (
        "orders_snapshot: relation renamed (target_schema snapshots -> history): dbt builds it "
        "under the new name and leaves the old relation in place, no longer updated; the new "
        "snapshot starts empty, the history recorded so far stays in the old one; tools outside "
        "dbt that query the old name read stale data"
    )


def test_a_snapshots_strategy_or_an_incremental_models_key_changed_is_risky(
    tmp_path: Path,
) -> None:
    """The rows already in such a table were written under the old setting: it read as "SQL
    changed", or as nothing."""
    snap = model("orders_snapshot", resource_type="snapshot", materialized="snapshot")
    snap["config"].update(strategy="timestamp", unique_key="id")
    checked = {**snap, "config": {**snap["config"], "strategy": "check"}}
    result = diff(tmp_path, [snap], [checked])
    change = only(result, "risky.history_config_changed")
    assert change.reason == (
        "orders_snapshot: snapshot's strategy timestamp -> check: the rows already in its table "
        "were written under the old setting"
    )
    events = model("events", materialized="incremental")
    events["config"]["unique_key"] = "id"
    rekeyed = {**events, "config": {**events["config"], "unique_key": ["id", "day"]}}
    result = diff(tmp_path / "inc", [events], [rekeyed])
    assert only(result, "risky.history_config_changed").reason.startswith(
        "events: incremental model's unique_key id -> id, day:"
    )
    # A table's key is no history: nothing to say.
    table = model("events")
    table["config"]["unique_key"] = "id"
    assert (
        codes(
            diff(
                tmp_path / "t",
                [table],
                [{**table, "config": {**table["config"], "unique_key": "x"}}],
            )
        )
        == []
    )


def test_an_incremental_strategy_set_to_what_the_adapter_ran_by_default_is_no_change(
    tmp_path: Path,
) -> None:
    """dbt-duckdb's `default` strategy is delete+insert (its get_incremental_default_sql): a
    pull request that writes it out changes nothing, and was told its rows were written under
    an old setting. Another adapter's default is not assumed."""
    events = model("events", materialized="incremental")
    events["config"]["unique_key"] = "id"

    def strategy(value: str) -> dict:
        return {**events, "config": {**events["config"], "incremental_strategy": value}}

    assert codes(diff(tmp_path, [events], [strategy("delete+insert")])) == []
    appended = diff(tmp_path / "append", [events], [strategy("append")])
    assert only(appended, "risky.history_config_changed").reason.startswith(
        "events: incremental model's incremental_strategy (default: delete+insert) -> append:"
    )
    other = diff(tmp_path / "pg", [events], [strategy("delete+insert")], adapter="postgres")
    assert only(other, "risky.history_config_changed").reason.startswith(
        "events: incremental model's incremental_strategy (default) -> delete+insert:"
    )


def incremental(policy: str | None, checksum: str = "c0", **config) -> dict:
    events = model("events", materialized="incremental", checksum=checksum)
    events["config"].update(on_schema_change=policy, **config)
    return events


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (
            None,
            "events: incremental model (on_schema_change: ignore): its next incremental run "
            "fails: the table keeps b, which the model no longer selects; c not added to the "
            "existing table: readers that select it fail; a keeps the old type in the table: "
            "new values are cast to it, or the run fails",
        ),
        (
            "fail",
            "events: incremental model (on_schema_change: fail): its next incremental run "
            "fails: this change adds c and removes b and retypes a",
        ),
        (
            "append_new_columns",
            "events: incremental model (on_schema_change: append_new_columns): the table keeps "
            "b, NULL in new rows; a keeps the old type in the table: new values are cast to it, "
            "or the run fails",
        ),
        ("sync_all_columns", None),
        ("bogus", "events: incremental model (on_schema_change: ignore): its next"),
    ],
)
def test_an_incremental_models_column_change_says_what_its_next_run_does(
    tmp_path: Path, policy: str | None, expected: str | None
) -> None:
    """The pull request's fresh table passes; production's next incremental run reconciles the
    table it has as on_schema_change says (dbt-core's on_schema_change.sql): a removed column
    fails an `ignore` run, an added one is left out. An unknown value is dbt's `ignore`."""
    uid = f"model.{PACKAGE}.events"
    result = diff(
        tmp_path,
        [incremental(policy)],
        [incremental(policy, "c1")],
        base_catalog={uid: [("a", "INTEGER"), ("b", "INTEGER")]},
        pr_catalog={uid: [("a", "BIGINT"), ("c", "INTEGER")]},
    )
    found = [c for c in result.changes if c.code == "risky.incremental_schema_change"]
    if expected is None:
        assert found == []
        return
    assert len(found) == 1, codes(result)
    assert found[0].reason.startswith(expected)


def test_an_incremental_change_the_next_run_follows_is_not_reported(tmp_path: Path) -> None:
    """Added columns under append_new_columns, a model rebuilt on every run
    (`full_refresh: true`), a table made incremental, and a YAML-only edit of an uncontracted
    model's columns change nothing in the table production has."""
    uid = f"model.{PACKAGE}.events"
    added = {
        "base_catalog": {uid: [("a", "INTEGER")]},
        "pr_catalog": {uid: [("a", "INTEGER"), ("c", "INTEGER")]},
    }
    appended = diff(
        tmp_path / "a",
        [incremental("append_new_columns")],
        [incremental("append_new_columns", "c1")],
        **added,
    )
    rebuilt = diff(
        tmp_path / "r",
        [incremental(None, full_refresh=True)],
        [incremental(None, "c1", full_refresh=True)],
        **added,
    )
    made = diff(tmp_path / "m", [model("events")], [incremental(None, "c1")], **added)
    declared = diff(
        tmp_path / "d",
        [model("events", [("a", "integer"), ("b", "integer")], materialized="incremental")],
        [model("events", [("a", "integer")], materialized="incremental", checksum="c1")],
    )
    for result in (appended, rebuilt, made, declared):
        found = [c.code for c in result.changes]
        assert "safe.column_added" in found or "risky.column_removed" in found, found
        assert "risky.incremental_schema_change" not in found, found
    # A model that no `--full-refresh` can rebuild says so.
    frozen = diff(
        tmp_path / "f",
        [incremental(None, full_refresh=False)],
        [incremental(None, "c1", full_refresh=False)],
        base_catalog={uid: [("a", "INTEGER"), ("b", "INTEGER")]},
        pr_catalog={uid: [("a", "INTEGER")]},
    )
    assert only(frozen, "risky.incremental_schema_change").reason.endswith(
        "; `full_refresh: false` keeps even `--full-refresh` from rebuilding it"
    )


def test_a_contracted_columns_type_alias_is_a_change_as_dbt_core_sees_it(tmp_path: Path) -> None:
    """`integer` -> `int` in a contract: one type to the warehouse, but dbt-core's contract
    check compares the names as written and stops `dbt build --state` on it; dbtgate said "no
    schema changes". Case and size are no change to either."""
    before = model("orders", [("id", "integer"), ("name", "varchar(10)")], contract=True)
    after = model("orders", [("id", "int"), ("name", "VARCHAR(20)")], contract=True)
    change = only(diff(tmp_path, [before], [after]), "breaking.type_changed")
    assert (change.column, change.old, change.new) == ("id", "integer", "int")
    assert change.reason == (
        "orders: contracted column id data_type integer -> int: the same type, but dbt-core's "
        "contract check compares the names as written and reports a breaking change"
    )
    assert change.details == {"type_change": "alias"}


def test_what_the_semantic_layer_loses_is_risky(tmp_path: Path) -> None:
    """A dimension, measure or entity, a semantic model, a metric or a saved query removed:
    the project builds as before, and "no schema changes" was said, but a query of the
    semantic layer that names it fails."""
    orders = model("orders", ORDERS_COLUMNS)
    before = semantic_model("orders_sm", orders["unique_id"], ["status", "amount"])
    after = semantic_model("orders_sm", orders["unique_id"], ["amount"])
    result = diff(
        tmp_path,
        [orders],
        [orders],
        base_semantic_models=[before],
        pr_semantic_models=[after],
    )
    change = only(result, "risky.semantic_removed")
    assert change.reason == (
        "semantic model orders_sm: dimension status removed: queries of the semantic layer that "
        "name it fail"
    )
    assert change.path == "models/semantic.yml"
    gone = diff(tmp_path / "gone", [orders], [orders], base_semantic_models=[before])
    assert codes(gone) == [("risky.semantic_removed", "orders_sm", "")]


def test_an_analysis_is_no_reader_a_change_hurts(tmp_path: Path) -> None:
    """An analysis is compiled on demand, never built: `dbt build` leaves its SQL unwritten, so
    it read as a reader "not known whether it selects" the column, and a removal no model
    selects blocked as breaking."""
    orders = model("orders")
    statuses = model("statuses", depends_on=[orders["unique_id"]])
    check = model("orders_check", depends_on=[orders["unique_id"]], resource_type="analysis")
    result = diff(
        tmp_path,
        [orders, statuses, check],
        [orders, statuses, check],
        base_catalog={orders["unique_id"]: [(n, t.upper()) for n, t in ORDERS_COLUMNS]},
        pr_catalog={orders["unique_id"]: [("order_id", "INTEGER"), ("amount", "DECIMAL(18,2)")]},
        pr_compiled={statuses["unique_id"]: 'select order_id from "db"."main"."orders"'},
    )
    change = only(result, "risky.column_removed")
    assert change.reason == "orders: column status removed; no reader selects it (statuses)"


@pytest.mark.parametrize(
    "reader_sql",
    [
        'select o.order_id from "db"."main"."orders" o join "db"."main"."s" x using (status)',
        'select order_id from "db"."main"."orders" natural join "db"."main"."s"',
        'select * from "db"."main"."old" union all select * from "db"."main"."orders"',
        'select s.status from (select * from "db"."main"."orders") s',
        'select s.* from (select * from "db"."main"."orders") as s',
        'select to_json(o) from "db"."main"."orders" o',
        'select struct_pack(o.*) as row from "db"."main"."orders" o',
        'select o.order_id, l.* from "db"."main"."orders" o, lateral (select o.*) l',
    ],
    ids=[
        "join-using",
        "natural-join",
        "union-star",
        "derived-table",
        "derived-table-star",
        "whole-row",
        "nested-star",
        "lateral-star",
    ],
)
def test_a_column_a_reader_names_without_a_column_reference_stays_breaking(
    tmp_path: Path, reader_sql: str
) -> None:
    """USING and NATURAL joins name the column without a column reference, a UNION passes
    it on through `*` in any branch, a derived table through its own `*`, and a whole-row
    reference holds every column: the reader selects it."""
    result = _orders_and_statuses(
        tmp_path,
        [("order_id", "INTEGER"), ("amount", "DECIMAL(18,2)")],
        reader_sql=reader_sql,
    )
    assert only(result, "breaking.column_removed").impact.models[0].selects_column == "yes"


def test_a_column_an_exposure_or_unreadable_sql_may_read_stays_breaking(tmp_path: Path) -> None:
    """An exposure (a dashboard's SQL is not in the manifest) or a reader whose compiled SQL is
    not on disk may select the column: the removal still blocks."""
    pr_columns = [("order_id", "INTEGER"), ("amount", "DECIMAL(18,2)")]
    dashboard = exposure("dashboard", ["model.proj.orders"])
    with_exposure = _orders_and_statuses(tmp_path / "exposure", pr_columns, exposures=[dashboard])
    assert only(with_exposure, "breaking.column_removed").column == "status"
    unreadable = _orders_and_statuses(tmp_path / "no_sql", pr_columns, compiled=False)
    assert only(unreadable, "breaking.column_removed").column == "status"


def test_a_reader_the_run_skipped_is_read_from_its_unchanged_sql_in_the_base(
    tmp_path: Path,
) -> None:
    """A failure upstream made the pull request's run skip the reader, so its compiled SQL is
    not in the PR's build; the PR did not change its file, so its SQL in the base build is the
    same query and says whether it selects the column. Changed, the reader stays unknown."""
    orders = model("orders")
    statuses = model("statuses", depends_on=[orders["unique_id"]])
    catalogs = {
        "base_catalog": {orders["unique_id"]: [(n, t.upper()) for n, t in ORDERS_COLUMNS]},
        "pr_catalog": {orders["unique_id"]: [("order_id", "INTEGER"), ("amount", "DECIMAL")]},
    }

    def removal(where: str, reader_sql: str, pr_reader: dict) -> Change:
        result = diff(
            tmp_path / where,
            [orders, statuses],
            [orders, pr_reader],
            base_compiled={statuses["unique_id"]: reader_sql},
            **catalogs,
        )
        return next(c for c in result.changes if c.column == "status")

    not_read = removal("no", 'select order_id from "db"."main"."orders"', statuses)
    assert (not_read.code, not_read.reason) == (
        "risky.column_removed",
        "orders: column status removed; no reader selects it (statuses)",
    )
    read = removal("yes", 'select status from "db"."main"."orders"', statuses)
    assert read.code == "breaking.column_removed"
    assert read.impact.models[0].selects_column == "yes"
    edited = {**statuses, "checksum": {"name": "sha256", "checksum": "edited"}}
    unknown = removal("edited", 'select order_id from "db"."main"."orders"', edited)
    assert unknown.code == "breaking.column_removed"
    assert unknown.impact.models[0].selects_column == "unknown"


def test_readers_of_a_changed_model_are_named_with_their_version(tmp_path: Path) -> None:
    """Two versions of one reader are two readers: `customers v1, customers v2`, not the same
    name twice."""
    orders = model("orders", ORDERS_COLUMNS, contract=True)
    readers = [
        model("customers", depends_on=[orders["unique_id"]], version=v, latest_version=2)
        for v in (1, 2)
    ]
    result = diff(
        tmp_path, [orders, *readers], [model("orders", ORDERS_COLUMNS[:2], contract=True), *readers]
    )
    change = only(result, "breaking.column_removed")
    assert [c.name for c in change.impact.models] == ["customers v1", "customers v2"]
    assert "(customers v1, customers v2)" in impact_message(
        msgspec.to_builtins(change.impact), None
    )


def test_column_removed_from_a_model_nothing_reads_is_risky(tmp_path: Path) -> None:
    before = model("orders", ORDERS_COLUMNS)
    after = model("orders", ORDERS_COLUMNS[:2])
    catalog_before = {before["unique_id"]: [(n, t) for n, t in ORDERS_COLUMNS]}
    catalog_after = {before["unique_id"]: [(n, t) for n, t in ORDERS_COLUMNS[:2]]}
    result = diff(
        tmp_path, [before], [after], base_catalog=catalog_before, pr_catalog=catalog_after
    )
    assert codes(result) == [("risky.column_removed", "orders", "status")]


def test_renamed_column_is_a_rename_when_type_and_position_match(tmp_path: Path) -> None:
    orders = model("orders")
    child = model("child", depends_on=[orders["unique_id"]])
    uid = orders["unique_id"]
    result = diff(
        tmp_path,
        [orders, child],
        [orders, child],
        base_catalog={uid: [("id", "INTEGER"), ("amount", "DOUBLE"), ("note", "VARCHAR")]},
        pr_catalog={uid: [("id", "INTEGER"), ("amount_usd", "DOUBLE"), ("comment", "INTEGER")]},
    )
    assert sorted(codes(result)) == [
        ("breaking.column_removed", "orders", "note"),  # at its position: another type
        ("breaking.column_renamed", "orders", "amount"),
        ("safe.column_added", "orders", "comment"),
    ]
    assert only(result, "breaking.column_renamed").new == "amount_usd"


def test_renamed_column_on_a_versioned_model_is_a_removal(tmp_path: Path) -> None:
    orders = model("orders", version=1, latest_version=1)
    child = model("child", depends_on=[orders["unique_id"]])
    uid = orders["unique_id"]
    result = diff(
        tmp_path,
        [orders, child],
        [orders, child],
        base_catalog={uid: [("id", "INTEGER"), ("amount", "DOUBLE")]},
        pr_catalog={uid: [("id", "INTEGER"), ("amount_usd", "DOUBLE")]},
    )
    assert sorted(codes(result)) == [
        ("breaking.column_removed", "orders.v1", "amount"),
        ("safe.column_added", "orders.v1", "amount_usd"),
    ]
    assert (
        "a rename on a versioned model is a removal"
        in only(result, "breaking.column_removed").reason
    )


def test_type_narrowed_on_a_model_others_read_is_breaking_and_widened_is_risky(
    tmp_path: Path,
) -> None:
    orders = model("orders")
    child = model("child", depends_on=[orders["unique_id"]])
    uid = orders["unique_id"]
    result = diff(
        tmp_path,
        [orders, child],
        [orders, child],
        base_catalog={uid: [("id", "BIGINT"), ("n", "INTEGER"), ("code", "VARCHAR")]},
        pr_catalog={uid: [("id", "INTEGER"), ("n", "BIGINT"), ("code", "DATE")]},
    )
    assert sorted(codes(result)) == [
        ("breaking.type_changed", "orders", "code"),
        ("breaking.type_narrowed", "orders", "id"),
        ("risky.type_widened", "orders", "n"),
    ]


def test_declared_column_removed_but_still_built_is_safe(tmp_path: Path) -> None:
    before = model("orders", ORDERS_COLUMNS)
    after = model("orders", ORDERS_COLUMNS[:2])
    built = {before["unique_id"]: [(n, t.upper()) for n, t in ORDERS_COLUMNS]}
    # Only the PR has a catalog: the common witness is YAML, and the PR catalog confirms.
    result = diff(tmp_path, [before], [after], pr_catalog=built)
    assert codes(result) == [("safe.column_undeclared", "orders", "status")]


# -- known traps -----------------------------------------------------------------------------


@pytest.mark.parametrize("partial", ["base", "pr"])
def test_model_missing_from_one_catalog_is_unknown_never_columns_removed(
    tmp_path: Path, partial: str
) -> None:
    orders = model("orders")
    other = model("customers")
    child = model("child", depends_on=[orders["unique_id"]])
    full = {
        orders["unique_id"]: [("id", "INTEGER"), ("amount", "DOUBLE")],
        other["unique_id"]: [("id", "INTEGER")],
    }
    # A `--select state:modified+` build documents only what it built.
    cut = {other["unique_id"]: [("id", "INTEGER")]}
    catalogs = {"base_catalog": cut, "pr_catalog": full}
    if partial == "pr":
        catalogs = {"base_catalog": full, "pr_catalog": cut}
    result = diff(tmp_path, [orders, other, child], [orders, other, child], **catalogs)
    assert codes(result) == []
    assert [u.unique_id for u in result.unknown] == [orders["unique_id"]]
    assert "partial catalog" in result.unknown[0].reason


def test_column_name_casing_differs_across_environments_is_no_change(tmp_path: Path) -> None:
    orders = model("orders")
    child = model("child", depends_on=[orders["unique_id"]])
    uid = orders["unique_id"]
    result = diff(
        tmp_path,
        [orders, child],
        [orders, child],
        adapter="snowflake",
        base_catalog={uid: [("ORDER_ID", "NUMBER(38,0)"), ("NOTE", "TEXT")]},
        pr_catalog={uid: [("order_id", "INT"), ("note", "VARCHAR(16777216)")]},
    )
    assert codes(result) == []


def test_environment_dependent_config_is_no_change(tmp_path: Path) -> None:
    prod = model("orders", ORDERS_COLUMNS, schema="analytics_prod")
    dev = model("orders", ORDERS_COLUMNS, schema="dbt_alice")
    assert codes(diff(tmp_path, [prod], [dev])) == []


def test_builds_by_different_dbt_versions_do_not_compare_checksums(tmp_path: Path) -> None:
    before = model("orders", ORDERS_COLUMNS, checksum="written-by-1.10")
    after = model("orders", ORDERS_COLUMNS, checksum="written-by-1.12")
    result = diff(tmp_path, [before], [after], base_dbt_version="1.10.2", pr_dbt_version="1.12.0")
    assert codes(result) == []
    assert any("dbt 1.10.2" in note and "dbt 1.12.0" in note for note in result.notes)
    same_minor = diff(
        tmp_path / "same", [before], [after], base_dbt_version="1.11.1", pr_dbt_version="1.11.9"
    )
    assert codes(same_minor) == [("safe.code_changed", "orders", "")]


# -- docs, tests, access, versions ---------------------------------------------------------------


def test_a_unit_test_removed_or_added_is_listed_with_the_tests(tmp_path: Path) -> None:
    """A unit test deleted from the YAML was coverage lost that the diff did not list."""
    orders = model("orders", ORDERS_COLUMNS)
    unit_test = {
        "unique_id": "unit_test.proj.orders.test_totals",
        "name": "test_totals",
        "resource_type": "unit_test",
        "package_name": PACKAGE,
        "model": "orders",
        "depends_on": {"nodes": [orders["unique_id"]]},
    }
    removed = diff(tmp_path, [orders], [orders], base_unit_tests=[unit_test])
    assert only(removed, "safe.tests_changed").reason == (
        "orders: 1 test removed (unit test test_totals)"
    )
    added = diff(tmp_path / "added", [orders], [orders], pr_unit_tests=[unit_test])
    assert only(added, "safe.tests_changed").details == {
        "added": ["unit test test_totals"],
        "removed": [],
    }


def test_docs_tests_and_meta_changes_are_safe_and_a_removed_not_null_is_risky(
    tmp_path: Path,
) -> None:
    before = model("orders", ORDERS_COLUMNS, description="Orders.", meta={"tier": 1})
    after = model("orders", ORDERS_COLUMNS, description="One row per order.", meta={"tier": 2})
    uid = before["unique_id"]
    tests_before = [data_test("not_null", uid, "order_id"), data_test("unique", uid, "order_id")]
    tests_after = [data_test("unique", uid, "order_id"), data_test("my_test", uid, "status")]
    result = diff(tmp_path, [before, *tests_before], [after, *tests_after])
    assert sorted(codes(result)) == [
        ("risky.constraint_loosened", "orders", "order_id"),
        ("safe.description_changed", "orders", ""),
        ("safe.meta_changed", "orders", ""),
        ("safe.tests_changed", "orders", ""),
    ]
    assert only(result, "safe.tests_changed").details == {
        "added": ["my_test(status)"],
        "removed": [],
    }
    # The message names the tests, up to three, and leaves out a side with none.
    assert only(result, "safe.tests_changed").reason == "orders: 1 test added (my_test on status)"
    several = [data_test(kind, uid, "status") for kind in ("a_test", "b_test", "c_test", "d_test")]
    old_test = data_test("old_test", uid, "")
    result = diff(tmp_path / "more", [before, old_test], [before, *several])
    assert only(result, "safe.tests_changed").reason == (
        "orders: 4 tests added (a_test on status, b_test on status, c_test on status and 1 more), "
        "1 removed (old_test)"
    )
    result = diff(tmp_path / "gone", [before, old_test], [before])
    assert only(result, "safe.tests_changed").reason == "orders: 1 test removed (old_test)"


@pytest.mark.parametrize(
    ("model_text", "columns", "said"),
    [
        ("New.", [], "orders: the model's description changed"),
        ("Orders.", ["status"], "orders: 1 column's description changed"),
        ("Orders.", ["amount", "status"], "orders: 2 columns' descriptions changed"),
        ("New.", ["status"], "orders: the model's and 1 column's descriptions changed"),
    ],
)
def test_a_description_change_names_whose_descriptions_changed(
    tmp_path: Path, model_text: str, columns: list[str], said: str
) -> None:
    """One column's change read "1 column' description changed"."""
    before = model("orders", ORDERS_COLUMNS, description="Orders.")
    after = model("orders", ORDERS_COLUMNS, description=model_text)
    for name in columns:
        before["columns"][name]["description"] = f"A {name}."
        after["columns"][name]["description"] = f"The {name}."
    assert only(diff(tmp_path, [before], [after]), "safe.description_changed").reason == said


@pytest.mark.parametrize(
    ("before_text", "after_text", "said"),
    [
        ("Orders.", "", "orders: the model's and 1 column's descriptions removed"),
        ("", "Orders.", "orders: the model's and 1 column's descriptions added"),
    ],
)
def test_descriptions_deleted_or_written_say_so_not_changed(
    tmp_path: Path, before_text: str, after_text: str, said: str
) -> None:
    """A release that deletes docs read "description changed", as a rewording does: who
    must write them again could not tell from the diff."""
    before = model("orders", ORDERS_COLUMNS, description=before_text)
    after = model("orders", ORDERS_COLUMNS, description=after_text)
    before["columns"]["status"]["description"] = before_text
    after["columns"]["status"]["description"] = after_text
    assert only(diff(tmp_path, [before], [after]), "safe.description_changed").reason == said
    # One removed and one written is neither: changed.
    before["columns"]["status"]["description"] = after_text
    after["columns"]["status"]["description"] = before_text
    mixed = only(diff(tmp_path / "mixed", [before], [after]), "safe.description_changed")
    assert mixed.reason == "orders: the model's and 1 column's descriptions changed"


def test_access_narrowed_from_public_breaks_other_projects_and_within_one_is_risky(
    tmp_path: Path,
) -> None:
    """public -> protected loses the model to every other project, as removing it would
    (breaking, the impact naming other projects); protected -> private only to models outside
    its group, which the build shows."""
    before = model("orders", ORDERS_COLUMNS, access="public")
    after = model("orders", ORDERS_COLUMNS, access="protected")
    change = only(diff(tmp_path, [before], [after]), "breaking.access_narrowed")
    assert (change.old, change.new, change.policy) == (
        "public",
        "protected",
        "uncontracted_with_consumers",
    )
    assert change.impact is not None and change.impact.public
    assert change.impact.models == [] and change.impact.exposures == []
    private = model("orders", ORDERS_COLUMNS, access="private")
    change = only(diff(tmp_path / "private", [after], [private]), "risky.access_narrowed")
    assert (change.old, change.new) == ("protected", "private")


def test_new_version_without_deprecating_the_old_one_is_risky(tmp_path: Path) -> None:
    v1 = model("orders", ORDERS_COLUMNS, contract=True, version=1, latest_version=1)
    v1_next = model("orders", ORDERS_COLUMNS, contract=True, version=1, latest_version=2)
    v2 = model("orders", ORDERS_COLUMNS[:2], contract=True, version=2, latest_version=2)
    result = diff(tmp_path, [v1], [v1_next, v2])
    assert codes(result) == [
        ("risky.latest_version_changed", "orders.v1", ""),
        ("risky.version_without_deprecation", "orders.v2", ""),
    ]
    deprecated = model(
        "orders",
        ORDERS_COLUMNS,
        contract=True,
        version=1,
        latest_version=2,
        deprecation_date="2026-01-01",
    )
    result = diff(tmp_path / "deprecated", [v1], [deprecated, v2])
    assert sorted(codes(result)) == [
        ("risky.latest_version_changed", "orders.v1", ""),
        ("safe.deprecation_set", "orders.v1", ""),
        ("safe.version_added", "orders.v2", ""),
    ]


def test_a_latest_version_that_moves_is_risky_and_said_once(tmp_path: Path) -> None:
    """v2 was a prerelease (latest_version 1); promoting it moves every unpinned ref to v2.
    Both versions carry latest_version: the change is said once, on the old latest."""
    v1 = model("orders", ORDERS_COLUMNS, version=1, latest_version=1)
    v2 = model("orders", ORDERS_COLUMNS[:2], version=2, latest_version=1)
    v1_after = model("orders", ORDERS_COLUMNS, version=1, latest_version=2)
    v2_after = model("orders", ORDERS_COLUMNS[:2], version=2, latest_version=2)
    result = diff(tmp_path, [v1, v2], [v1_after, v2_after])
    change = only(result, "risky.latest_version_changed")
    assert (change.unique_id, change.old, change.new) == ("model.proj.orders.v1", "1", "2")
    assert change.reason == (
        "orders: latest_version 1 -> 2; `ref('orders')` without a version now reads v2, not v1"
    )
    assert codes(diff(tmp_path / "same", [v1, v2], [v1, v2])) == []


def test_a_moved_latest_version_names_who_reads_it_without_a_version(tmp_path: Path) -> None:
    """The exposure and the models whose `ref('orders')` pins no version now read v2's columns;
    a model pinned to `v=2` chose them, and is not named."""
    v1 = model("orders", ORDERS_COLUMNS, version=1, latest_version=1)
    v2 = model("orders", ORDERS_COLUMNS[:2], version=2, latest_version=1)
    v1_after = model("orders", ORDERS_COLUMNS, version=1, latest_version=2)
    v2_after = model("orders", ORDERS_COLUMNS[:2], version=2, latest_version=2)
    loose = {
        **model("revenue", depends_on=[v2["unique_id"]]),
        "refs": [{"name": "orders", "package": None, "version": None}],
    }
    pinned = {
        **model("audit", depends_on=[v2["unique_id"]]),
        "refs": [{"name": "orders", "package": None, "version": 2}],
    }
    dashboard = exposure("dashboard", [v2["unique_id"]])
    result = diff(
        tmp_path,
        [v1, v2],
        [v1_after, v2_after, loose, pinned],
        pr_exposures=[dashboard],
    )
    change = only(result, "risky.latest_version_changed")
    assert change.reason == (
        "orders: latest_version 1 -> 2; `ref('orders')` without a version now reads v2, not v1; "
        "readers without a version: dashboard (exposure), revenue"
    )
    assert change.details == {"unpinned_readers": ["dashboard (exposure)", "revenue"]}


# -- the check: severities and the ways out -----------------------------------------------------


def test_removing_the_latest_version_says_that_unpinned_refs_move(tmp_path: Path) -> None:
    """v1 was the latest and goes: every ref('orders') without a version reads v2 from now on,
    which the removal of v1 does not say. Said once, on the removed version."""
    v1 = model("orders", ORDERS_COLUMNS, version=1, latest_version=1)
    v2 = model("orders", ORDERS_COLUMNS[:2], version=2, latest_version=1)
    v2_after = model("orders", ORDERS_COLUMNS[:2], version=2, latest_version=2)
    result = diff(tmp_path, [v1, v2], [v2_after])
    assert sorted(codes(result)) == [
        ("risky.latest_version_changed", "orders.v1", ""),
        ("risky.model_removed", "orders.v1", ""),
    ]
    change = only(result, "risky.latest_version_changed")
    assert change.reason == (
        "orders: latest_version 1 -> 2 (v1 removed); `ref('orders')` without a version now reads v2"
    )
    assert (change.old, change.new, change.path) == ("1", "2", "models/schema.yml")
    # An older version removed moves nothing.
    older_v1 = model("orders", ORDERS_COLUMNS, version=1, latest_version=2)
    assert codes(diff(tmp_path / "older", [older_v1, v2_after], [v2_after])) == [
        ("risky.model_removed", "orders.v1", "")
    ]


def test_a_version_added_in_place_of_a_removed_one_is_not_said_to_deprecate_it(
    tmp_path: Path,
) -> None:
    """v1 deleted and v2 added in one pull request: nothing older is left to be deprecated."""
    v1 = model("orders", ORDERS_COLUMNS, version=1, latest_version=1)
    v2 = model("orders", ORDERS_COLUMNS[:2], version=2, latest_version=2)
    change = only(diff(tmp_path, [v1], [v2]), "safe.version_added")
    assert change.reason == "orders v2 added in place of orders v1, removed in this pull request"


def run_check(
    base: Project, pr: Project, config: Config | None = None, labels: list[str] | None = None
) -> tuple[list, CheckContext]:
    context = CheckContext(
        project=pr,
        config=config or Config(),
        base=base,
        options={"ack_labels": labels or [], "now": NOW},
    )
    return list(breaking_changes(context)), context


def test_severity_follows_dbt_core_and_is_configurable(tmp_path: Path) -> None:
    unversioned = model("a", ORDERS_COLUMNS, contract=True)
    versioned = model("b", ORDERS_COLUMNS, contract=True, version=1, latest_version=1)
    base, pr = builds(
        tmp_path,
        [unversioned, versioned],
        [
            model("a", ORDERS_COLUMNS[:2], contract=True),
            model("b", ORDERS_COLUMNS[:2], contract=True, version=1, latest_version=1),
        ],
    )
    findings, context = run_check(base, pr)
    assert sorted((f.unique_id, f.code, f.severity) for f in findings) == [
        ("model.proj.a", "breaking.column_removed", "warn"),
        ("model.proj.b.v1", "breaking.column_removed", "error"),
    ]
    assert context.sections["diff"].counts["breaking"] == 2
    config_file = tmp_path / "dbtgate.yml"
    config_file.write_text("breaking:\n  unversioned_contract: error\n", encoding="utf-8")
    findings, _ = run_check(base, pr, load_config(config_file))
    assert {f.severity for f in findings} == {"error"}


def test_a_contracted_model_others_read_is_held_at_least_as_the_uncontracted(
    tmp_path: Path,
) -> None:
    """dbt-core warns about an unversioned contract's breaking change, not seeing who reads
    the model; dbtgate does. A contract must not leave its readers less protected than none:
    with a reader that selects the column (or an exposure on it) the change is as severe as
    `uncontracted_with_consumers`; with only a reader whose SQL does not select it, the
    contract's own severity stands."""
    orders = model("orders", ORDERS_COLUMNS, contract=True)
    revenue = model("revenue", depends_on=[orders["unique_id"]])
    statuses = model("statuses", depends_on=[orders["unique_id"]])
    after = model("orders", ORDERS_COLUMNS[:2], contract=True)  # status removed
    reads = {revenue["unique_id"]: 'select status from "db"."main"."orders"'}
    does_not = {statuses["unique_id"]: 'select order_id from "db"."main"."orders"'}

    def severities(where: str, readers: list, compiled: dict, exposures=()) -> list[str]:
        base, pr = builds(
            tmp_path / where,
            [orders, *readers],
            [after, *readers],
            pr_compiled=compiled,
            exposures=list(exposures),
        )
        findings, _ = run_check(base, pr)
        return [f.severity for f in findings if f.code == "breaking.column_removed"]

    assert severities("reader", [revenue], reads) == ["error"]
    assert severities("not_read", [statuses], does_not) == ["warn"]
    dashboard = exposure("dashboard", [orders["unique_id"]])
    assert severities("exposure", [], {}, exposures=[dashboard]) == ["error"]
    # The floor is the team's setting: a team that only warns for uncontracted models warns.
    config_file = tmp_path / "dbtgate.yml"
    config_file.write_text("breaking:\n  uncontracted_with_consumers: warn\n", encoding="utf-8")
    config = load_config(config_file)
    base, pr = builds(tmp_path / "lenient", [orders, revenue], [after, revenue], pr_compiled=reads)
    findings, _ = run_check(base, pr, config)
    assert [f.severity for f in findings] == ["warn"]


def test_acknowledgement_in_config_turns_the_error_into_an_info_finding(tmp_path: Path) -> None:
    before = model("orders", ORDERS_COLUMNS, contract=True, version=1, latest_version=1)
    after = model("orders", ORDERS_COLUMNS[:2], contract=True, version=1, latest_version=1)
    base, pr = builds(tmp_path, [before], [after])
    config_file = tmp_path / "dbtgate.yml"
    config_file.write_text(
        "breaking:\n"
        "  acknowledge:\n"
        "    - select: orders\n"
        "      change: breaking.column_removed\n"
        "      column: STATUS\n"
        "      reason: status moved to order_events\n"
        "      owner: '@orders-team'\n"
        "    - unique_id: model.proj.customers\n"
        "      change: breaking.*\n"
        "      reason: nothing matches this one\n"
        "      owner: '@crm'\n",
        encoding="utf-8",
    )
    findings, context = run_check(base, pr, load_config(config_file))
    (finding,) = findings
    assert finding.severity == "info"
    # Which entry (the config file, named as every path is, and the entry's line), who and why:
    # what a release manager reads of a breaking change let through.
    assert finding.message.startswith(
        f"acknowledged (config {config_file.as_posix()}:3) by @orders-team: "
        '"status moved to order_events" — orders v1: contracted column status removed'
    )
    assert finding.details["acknowledged"] == {
        "way": "config",
        "reason": "status moved to order_events",
        "owner": "@orders-team",
        "source": f"{config_file}:3",
    }
    assert any(f"{config_file}:8" in note and "stale" in note for note in context.notes)


def test_acknowledgement_naming_an_unknown_change_code_is_a_config_error(tmp_path: Path) -> None:
    base, pr = builds(tmp_path, [model("orders")], [model("orders")])
    config_file = tmp_path / "dbtgate.yml"
    config_file.write_text(
        "breaking:\n  acknowledge:\n    - select: orders\n      change: breaking.colum_removed\n"
        "      reason: typo\n      owner: me\n",
        encoding="utf-8",
    )
    with pytest.raises(DbtgateError, match=r"dbtgate.yml:4: .*'breaking.colum_removed'"):
        run_check(base, pr, load_config(config_file))


def test_pull_request_label_acknowledges_breaking_changes(tmp_path: Path) -> None:
    before = model("orders", ORDERS_COLUMNS, contract=True, version=1, latest_version=1)
    after = model("orders", ORDERS_COLUMNS[:2], contract=True, version=1, latest_version=1)
    base, pr = builds(tmp_path, [before], [after])
    (blocked,), _ = run_check(base, pr, labels=["documentation"])
    assert blocked.severity == "error"
    # The reviewer reads the way out, with this project's label, in the finding itself.
    assert blocked.fix.endswith(
        "To keep the change as it is: label the pull request 'breaking-change-ok' (locally, "
        "`--ack-label breaking-change-ok`), or add a breaking.acknowledge entry with a reason "
        "and an owner."
    )
    (allowed,), context = run_check(base, pr, labels=["breaking-change-ok", "documentation"])
    assert allowed.severity == "info"
    assert allowed.message.startswith("acknowledged (label breaking-change-ok) — orders v1: ")
    assert allowed.details["acknowledged"]["way"] == "label"
    assert context.sections["diff"].counts["acknowledged"] == 1
    # GitHub label names are case-insensitive: `Breaking-Change-OK` is the same label.
    (allowed,), _ = run_check(base, pr, labels=["Breaking-Change-OK"])
    assert allowed.severity == "info"


def test_deprecation_date_acknowledges_a_breaking_change(tmp_path: Path) -> None:
    before = model("orders", ORDERS_COLUMNS, contract=True, version=1, latest_version=1)
    after = model(
        "orders",
        ORDERS_COLUMNS[:2],
        contract=True,
        version=1,
        latest_version=1,
        deprecation_date="2026-12-31",
    )
    base, pr = builds(tmp_path, [before], [after])
    findings, _ = run_check(base, pr)
    removed = [f for f in findings if f.code == "breaking.column_removed"]
    assert [f.severity for f in removed] == ["info"]
    assert removed[0].details["acknowledged"]["way"] == "deprecation_date"
    assert "announced" in removed[0].details["acknowledged"]["reason"]


def test_removing_a_versioned_model_before_its_deprecation_date_still_blocks(
    tmp_path: Path,
) -> None:
    # The date announces the removal; dbt-core fails it until the date has passed.
    kept = model("orders", ORDERS_COLUMNS, contract=True, version=2, latest_version=2)
    going = model(
        "orders",
        ORDERS_COLUMNS,
        contract=True,
        version=1,
        latest_version=2,
        deprecation_date="2026-12-31",
    )
    base, pr = builds(tmp_path, [going, kept], [kept])
    findings, _ = run_check(base, pr)
    (removed,) = [f for f in findings if f.code == "breaking.model_removed"]
    assert (removed.severity, removed.unique_id) == ("error", "model.proj.orders.v1")
    assert "acknowledged" not in removed.details


def test_new_model_version_acknowledges_retiring_the_unversioned_model(tmp_path: Path) -> None:
    unversioned = model("orders", ORDERS_COLUMNS, contract=True)
    v1 = model("orders", ORDERS_COLUMNS, contract=True, version=1, latest_version=2)
    v2 = model("orders", ORDERS_COLUMNS[:2], contract=True, version=2, latest_version=2)
    base, pr = builds(tmp_path, [unversioned], [v1, v2])
    findings, context = run_check(base, pr)
    by_code = {f.code: f for f in findings}
    assert by_code["breaking.model_removed"].severity == "info"
    assert by_code["breaking.model_removed"].details["acknowledged"]["way"] == "new_version"
    assert context.sections["diff"].counts == {
        "breaking": 1,
        "risky": 0,
        "safe": 2,
        "acknowledged": 1,
    }


def test_filter_and_grain_changes_in_compiled_sql_are_risky(tmp_path: Path) -> None:
    before = model("payments", checksum="a")
    after = model("payments", checksum="b")
    uid = before["unique_id"]
    result = diff(
        tmp_path,
        [before],
        [after],
        base_compiled={
            uid: 'select order_id, sum(amount) as paid from "db"."prod"."raw" group by 1'
        },
        pr_compiled={
            uid: 'SELECT order_id, SUM(amount) AS paid FROM "db"."dbt_alice"."raw" '
            "WHERE status = 'success' GROUP BY 1"
        },
    )
    assert codes(result) == [("risky.filter_changed", "payments", "")]
    assert only(result, "risky.filter_changed").details == {
        "added": ["where:status = 'success'"],
        "removed": [],
    }
    regrouped = diff(
        tmp_path / "grain",
        [before],
        [after],
        base_compiled={uid: "select a, count(*) as n from raw group by a"},
        pr_compiled={uid: "select a, b, count(*) as n from raw group by a, b"},
    )
    # No catalog, no YAML: the new column is seen in the compiled SQL.
    assert codes(regrouped) == [
        ("risky.grain_changed", "payments", ""),
        ("safe.column_added", "payments", "b"),
    ]
    assert only(regrouped, "safe.column_added").column_source == "inferred"


def test_an_incremental_models_is_incremental_branch_is_no_filter_change(tmp_path: Path) -> None:
    """Production's incremental run compiles the `is_incremental()` WHERE that a CI build of a
    fresh table leaves out: every edit of the model read as a filter change."""
    code = (
        "select * from {{ ref('raw') }}\n{% if is_incremental() %}\n"
        "where at > (select max(at) from {{ this }})\n{% endif %}"
    )
    before = {**model("events", checksum="a", materialized="incremental"), "raw_code": code}
    after = {**model("events", checksum="b", materialized="incremental"), "raw_code": code + " "}
    uid = before["unique_id"]
    result = diff(
        tmp_path,
        [before],
        [after],
        base_compiled={uid: "select * from raw where at > (select max(at) from events)"},
        pr_compiled={uid: "select *, 1 as one from raw"},
    )
    assert codes(result) == [("safe.code_changed", "events", "")]
    assert "its filters are not compared" in only(result, "safe.code_changed").reason
    # A table's WHERE is compared as ever.
    table = {**before, "config": {**before["config"], "materialized": "table"}}
    table_after = {**after, "config": {**after["config"], "materialized": "table"}}
    result = diff(
        tmp_path / "table",
        [table],
        [table_after],
        base_compiled={uid: "select * from raw where at > 0"},
        pr_compiled={uid: "select *, 1 as one from raw"},
    )
    assert codes(result) == [("risky.filter_changed", "events", "")]


def test_a_filter_or_grain_change_is_on_the_line_the_pull_request_edited(tmp_path: Path) -> None:
    """Not on the model's YAML entry, which the pull request did not touch: on the edited line
    of the model's SQL file that holds the clause (the first edited line when none does)."""
    base_code = "select a, count(*) as n\nfrom raw\ngroup by a"
    pr_code = "-- rows by a and b\nselect a, b, count(*) as n\nfrom raw\nwhere ok\ngroup by a, b"
    before = {**model("counts", checksum="a"), "raw_code": base_code}
    after = {**model("counts", checksum="b"), "raw_code": pr_code}
    uid = before["unique_id"]
    base, pr = builds(
        tmp_path,
        [before],
        [after],
        base_compiled={uid: "select a, count(*) as n from raw group by a"},
        pr_compiled={uid: "select a, b, count(*) as n from raw where ok group by a, b"},
    )
    sql_file = tmp_path / "pr" / "models" / "counts.sql"
    sql_file.parent.mkdir(parents=True)
    sql_file.write_text("\n\n" + pr_code + "\n", encoding="utf-8")  # dbt strips the blank lines
    result = diff_projects(base, pr, today=NOW)
    assert only(result, "risky.filter_changed").line == 2 + 4  # where ok
    assert only(result, "risky.grain_changed").line == 2 + 5  # group by a, b
    context = CheckContext(project=pr, config=Config(), base=base, options={"now": NOW})
    gated = run_gate(context, families={"breaking"})
    assert sorted((f.code, f.path, f.line) for f in gated.findings) == [
        ("risky.filter_changed", "models/counts.sql", 6),
        ("risky.grain_changed", "models/counts.sql", 7),
    ]
    # A file edited since the manifest was written holds other lines: the entry, as before.
    sql_file.write_text("select 1\n", encoding="utf-8")
    edited_since = Project.from_artifacts(pr.artifacts, pr.project_dir)
    result = diff_projects(base, edited_since, today=NOW)
    assert only(result, "risky.filter_changed").line is None


def test_edited_lines_are_those_of_the_new_text_the_edit_touched() -> None:
    assert edited_lines("a\nb\nc", "a\nB\nc") == [2]
    assert edited_lines("a\nb\nc", "a\nb\nc\nd\ne") == [4, 5]  # added at the end
    assert edited_lines("a\nb\nc", "a\nc") == [2]  # removed: where it was
    assert edited_lines("a\nb\nc", "a\nb") == [2]  # removed at the end: the last line
    assert edited_lines("x\na\nb", "a\nb\ny") == [1, 3]
    assert edited_lines("a\r\nb", "a\nb") == []  # line endings are not an edit


def test_the_fix_of_a_materialization_change_fits_what_the_change_takes_away(
    tmp_path: Path,
) -> None:
    """A view loses the constraints (keep it a table); a model without constraints made
    ephemeral keeps its dbt readers and loses its relation (keep one for who queries it)."""
    columns = [("id", "integer", [constraint("not_null")])]
    constrained = model("constrained", columns, contract=True)
    dashboarded = model("dashboarded")
    base, pr = builds(
        tmp_path,
        [constrained, dashboarded],
        [
            model("constrained", columns, contract=True, materialized="view"),
            model("dashboarded", materialized="ephemeral"),
        ],
        exposures=[exposure("dashboard", [dashboarded["unique_id"]])],
    )
    findings, _ = run_check(base, pr)
    fixes = {f.resource_name: f.fix for f in findings}
    assert fixes["constrained"].startswith(
        "Keep the model a table or incremental while it has constraints, or make the change in "
        "a new model version. To keep the change as it is:"
    )
    assert fixes["dashboarded"].startswith(
        "Keep a relation for the readers that query it (make it a view rather than ephemeral), "
        "point them to another model first, or make the change in a new model version. To keep "
        "the change as it is:"
    )
    assert "constraints" not in fixes["dashboarded"]


def test_a_model_made_ephemeral_names_the_readers_of_its_relation_once(tmp_path: Path) -> None:
    """The reason says what the change takes away, the impact who loses it: the finding's
    message does not name the exposure twice."""
    orders = model("orders")
    dashboard = exposure("dashboard", [orders["unique_id"]])
    base, pr = builds(
        tmp_path, [orders], [model("orders", materialized="ephemeral")], exposures=[dashboard]
    )
    (finding,), _ = run_check(base, pr)
    assert finding.message == (
        "orders: materialized table -> ephemeral: no relation is built any more for the readers "
        "that query it; affects 1 exposure (dashboard); readers' owners: BI team"
    )


def test_a_removed_model_names_its_readers_once(tmp_path: Path) -> None:
    """The reason says what the removal takes away, the impact who loses it: the finding's
    message names the exposure once, and a public model's other projects once."""
    orders, shared = model("orders"), model("shared", access="public")
    dashboard = exposure("dashboard", [orders["unique_id"]])
    base, pr = builds(
        tmp_path,
        [orders, shared],
        [],
        base_exposures=[dashboard],
        # dbt parses the pull request only with the ref cut out of the exposure.
        pr_exposures=[exposure("dashboard", [])],
    )
    findings, _ = run_check(base, pr)
    assert sorted(f.message for f in findings) == [
        "orders: model deleted or renamed: dbt leaves its old relation in place, no longer "
        "updated, and the readers that query it read stale data; affects 1 exposure (dashboard); readers' owners: BI team",
        "shared: public model deleted or renamed; affects other projects (public model)",
    ]


def test_a_contracted_model_with_constraints_made_ephemeral_says_both_losses(
    tmp_path: Path,
) -> None:
    """Its constraints go, and so does the relation the exposure queries: the reason says both,
    as the impact lists the exposure."""
    columns = [("id", "integer", [constraint("not_null")])]
    orders = model("orders", columns, contract=True)
    dashboard = exposure("dashboard", [orders["unique_id"]])
    base, pr = builds(
        tmp_path,
        [orders],
        [model("orders", columns, contract=True, materialized="ephemeral")],
        exposures=[dashboard],
    )
    (finding,), _ = run_check(base, pr)
    assert finding.message == (
        "orders: materialized table -> ephemeral: its constraints are no longer enforced, and "
        "no relation is built any more for the readers that query it; affects 1 exposure "
        "(dashboard); readers' owners: BI team"
    )


def test_a_removed_models_file_is_named_from_the_repository_root(tmp_path: Path) -> None:
    """The diff takes a removed model's file from the base manifest, relative to the dbt
    project; a project in a subfolder of the repository (`analytics/`) names it from the root,
    as every other finding does (links, annotations and SARIF resolve it from there)."""
    import subprocess

    repo = tmp_path / "repo"
    project = repo / "analytics"
    project.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (project / "dbt_project.yml").write_text(f"name: {PACKAGE}\n")
    kept, gone = model("orders", ORDERS_COLUMNS), model("legacy", ORDERS_COLUMNS)
    write_build(tmp_path / "base", [kept, gone])
    write_build(project, [kept])
    result = run_dbtgate("check", "--base", "../../base/target", "--json", "x", cwd=project)
    assert result.returncode in (0, 1), result.stderr
    report = msgspec.json.decode((project / "x").read_bytes())
    [removed] = [f for f in report["findings"] if f["code"].endswith("model_removed")]
    assert removed["path"] == "analytics/models/schema.yml"


def test_a_change_of_layout_or_comments_only_says_so(tmp_path: Path) -> None:
    """A formatter's run (sqlfluff fix) touches every model's SQL and none of its queries: the
    reviewer reads that it changed layout only, not that the SQL changed."""
    before = model("payments", checksum="a")
    after = model("payments", checksum="b")
    uid = before["unique_id"]
    reformatted = diff(
        tmp_path,
        [before],
        [after],
        base_compiled={
            uid: 'select order_id, sum(amount) as paid from "db"."prod"."raw" group by 1'
        },
        pr_compiled={
            uid: "-- one row per order\nSELECT\n    order_id,\n    SUM(amount) AS paid\n"
            'FROM "db"."dbt_alice"."raw" /* payments */\nGROUP BY 1\n'
        },
    )
    assert codes(reformatted) == [("safe.code_changed", "payments", "")]
    assert "layout, comments or config only" in only(reformatted, "safe.code_changed").reason
    changed = diff(
        tmp_path / "changed",
        [before],
        [after],
        base_compiled={uid: "select order_id, sum(amount) as paid from raw group by 1"},
        pr_compiled={uid: "select order_id, sum(amount) + 0 as paid from raw group by 1"},
    )
    assert codes(changed) == [("safe.code_changed", "payments", "")]
    assert only(changed, "safe.code_changed").reason == (
        "payments: SQL changed; filters and grain did not"
    )


def test_a_code_change_that_compiles_to_the_same_query_says_so_unparsed(tmp_path: Path) -> None:
    """A `config()` call or a comment edited: the checksum moves, the compiled SQL is the same
    to the character, even SQL sqlglot could not parse."""
    before, after = model("payments", checksum="a"), model("payments", checksum="b")
    uid = before["unique_id"]
    same = "select (((( from raw"
    result = diff(tmp_path, [before], [after], base_compiled={uid: same}, pr_compiled={uid: same})
    assert only(result, "safe.code_changed").reason == (
        "payments: SQL changed in layout, comments or config only (the compiled query is the same)"
    )


def test_a_python_model_s_change_is_python_code_and_unreadable_sql_names_its_build(
    tmp_path: Path,
) -> None:
    """A Python model has no SQL whose filters and grain could move: its change reads as its
    code's, not as SQL whose compiled files were missing. Compiled SQL on disk that sqlglot
    cannot parse names the build it could not read (a missing file is a note of its own)."""
    before = {**model("scores", checksum="a"), "language": "python"}
    after = {**model("scores", checksum="b"), "language": "python"}
    result = diff(tmp_path, [before], [after])
    assert only(result, "safe.code_changed").reason == "scores: Python code changed"
    assert not [n for n in result.notes if "filters and grain" in n]
    before, after = model("payments", checksum="a"), model("payments", checksum="b")
    uid = before["unique_id"]
    unread = diff(
        tmp_path / "unread",
        [before],
        [after],
        base_compiled={uid: "select order_id from raw"},
        pr_compiled={uid: "select (((( from"},
    )
    assert only(unread, "safe.code_changed").reason == (
        "payments: SQL changed (its filters and grain not compared: the PR build's compiled "
        "SQL could not be parsed)"
    )
    assert not [n for n in unread.notes if "filters and grain" in n]


def test_the_note_on_a_missing_catalog_gives_a_way_to_the_types_that_works(
    tmp_path: Path,
) -> None:
    """`dbt docs generate` in target/ would write over the build's manifest and run results:
    the note names its own target path. A base parsed from a git ref never has a catalog:
    generating one in the pull request's project does not help it."""
    orders = model("orders", ORDERS_COLUMNS)
    catalog = {orders["unique_id"]: list(ORDERS_COLUMNS)}
    base, pr = builds(tmp_path / "none", [orders], [orders])
    [note] = diff_projects(base, pr, today=NOW).notes
    assert note.startswith("no catalog.json for the base and PR builds: ")
    assert "`dbt docs generate --target-path docs-target` and copy its catalog.json" in note
    base, pr = builds(tmp_path / "parsed", [orders], [orders], pr_catalog=catalog)
    [note] = diff_projects(base, pr, today=NOW, base_parsed=True).notes
    assert note.startswith("no catalog.json for the base build: ")
    assert "docs generate" not in note
    assert "a --base git ref is only parsed by dbt: for its types, pass --base DIR" in note


def test_an_owner_moved_says_from_whom_to_whom(tmp_path: Path) -> None:
    """`meta (owner) changed` did not say whom a release hands the model to; a group's owner
    renamed moves the owner of its models with no meta of theirs changed."""
    before = model("orders", ORDERS_COLUMNS, meta={"owner": "@finance-eng"})
    after = model("orders", ORDERS_COLUMNS, meta={"owner": "@payments-eng"})
    change = only(diff(tmp_path, [before], [after]), "safe.meta_changed")
    assert change.reason == "orders: meta (owner) changed; owner @finance-eng -> @payments-eng"
    assert change.details == {"owner": "@finance-eng", "new_owner": "@payments-eng"}
    unowned = model("orders", ORDERS_COLUMNS, meta={"tier": 1})
    change = only(diff(tmp_path / "dropped", [before], [unowned]), "safe.meta_changed")
    assert change.reason == "orders: meta (owner, tier) changed; owner @finance-eng -> (none)"
    # A meta key that is not the owner moves no one.
    tiered = model("orders", ORDERS_COLUMNS, meta={"owner": "@finance-eng", "tier": 1})
    change = only(diff(tmp_path / "tier", [before], [tiered]), "safe.meta_changed")
    assert change.reason == "orders: meta (tier) changed" and change.details == {}


def test_meta_tags_and_group_read_as_one_sentence(tmp_path: Path) -> None:
    """`meta (tier), tags changed`, `group (none) -> finance changed`: the group's line read
    as if the group itself had changed. Each part in words, the group's as a move."""
    before = model("orders", ORDERS_COLUMNS, meta={"tier": 2})
    after = model("orders", ORDERS_COLUMNS, meta={"tier": 1})
    after["tags"] = ["finance"]
    after["group"] = "finance"
    change = only(diff(tmp_path, [before], [after]), "safe.meta_changed")
    assert change.reason == "orders: meta (tier) and tags changed; put in group finance"
    moved = {**after, "group": "revenue"}
    change = only(diff(tmp_path / "moved", [after], [moved]), "safe.meta_changed")
    assert change.reason == "orders: moved from group finance to group revenue"
    change = only(diff(tmp_path / "out", [moved], [{**moved, "group": None}]), "safe.meta_changed")
    assert change.reason == "orders: taken out of group revenue"


def test_a_groups_owner_renamed_moves_the_owner_of_a_model_the_change_compares(
    tmp_path: Path,
) -> None:
    """The model's meta and group are as they were; its group's owner is not."""

    def group(owner: str) -> dict:
        return {
            "unique_id": "group.shop.marketing",
            "name": "marketing",
            "package_name": "shop",
            "resource_type": "group",
            "owner": {"name": owner},
        }

    before = model("orders", ORDERS_COLUMNS, description="Orders.")
    before["group"] = before["config"]["group"] = "marketing"
    after = copy.deepcopy(before)
    after["description"] = "Orders, one a row."
    result = diff(
        tmp_path,
        [before],
        [after],
        base_groups=[group("Marketing Analytics")],
        pr_groups=[group("Growth Analytics")],
    )
    change = only(result, "safe.meta_changed")
    assert change.reason == "orders: owner Marketing Analytics -> Growth Analytics"
