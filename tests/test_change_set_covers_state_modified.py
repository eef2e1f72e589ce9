"""The change set (`state.compare_builds`) holds everything dbt's `state:modified` selects
(`state_modified.DbtState`): `scope: changed` gates what `dbt build -s state:modified+` builds.
Checked on the real recce base/PR pair and on the bouncer build edited as pull requests edit
one, each edit of something dbt compares and the gate's own decode did not use to."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from policy_support import corpus_project, edited_bouncer

from dbtgate.project import Project
from dbtgate.state import compare_builds
from dbtgate.state_modified import PARTS, DbtState

PKG = "dbt_bouncer_test_project"
STG_ORDERS = f"model.{PKG}.stg_orders"
ORDERS = f"model.{PKG}.orders"
SEED = f"seed.{PKG}.raw_customers"
SNAPSHOT = f"snapshot.{PKG}.snapshot_orders"
TEST = f"test.{PKG}.unique_stg_customers_customer_id.c7614daada"
SOURCE = f"source.{PKG}.dummy_source.customers"
EXPOSURE = f"exposure.{PKG}.customers"
CENTS_TO_DOLLARS = f"macro.{PKG}.cents_to_dollars"
SEMANTIC_MODEL = f"semantic_model.{PKG}.orders"
METRIC = f"metric.{PKG}.total_order_amount"


def assert_covered(pr: Project, base: Project) -> tuple[set[str], dict[str, list[str]]]:
    """Every resource `state:modified` (and each of its parts) selects is in the change set;
    returns what `state:modified` selected and the change set's reasons."""
    changes = compare_builds(pr, base)
    state = DbtState(pr, base, changes)
    changed = changes.changed()
    for part in (None, *PARTS):
        missed = state.modified(part) - changed
        assert not missed, f"state:modified{'.' + part if part else ''} selects {sorted(missed)}"
    return set(state.modified()), changes.modified


@pytest.mark.parametrize("pr_name", ["pr2", "base"])
def test_the_recce_pull_request_in_both_directions(pr_name):
    other = "base" if pr_name == "pr2" else "pr2"
    pr, base = corpus_project(f"recce-pair/{pr_name}"), corpus_project(f"recce-pair/{other}")
    selected, _ = assert_covered(pr, base)
    assert selected  # the pair differs in the SQL of a model both ways


def _node(uid: str, edit: Callable[[dict], None]) -> Callable[[dict], None]:
    return lambda data: edit(data["nodes"][uid])


def _written(uid: str, key: str, value: object, section: str = "nodes") -> Callable[[dict], None]:
    """The config as written (`unrendered_config`) edited, the resolved config left alone: what
    a Jinja'd or hook-only edit looks like in the manifest."""

    def edit(data: dict) -> None:
        data[section][uid].setdefault("unrendered_config", {})[key] = value

    return edit


def _described(node: dict) -> None:
    node["config"]["persist_docs"] = {"relation": True}
    node["description"] = (node.get("description") or "") + "  "  # whitespace, exactly


def _column_renamed_in_case(node: dict) -> None:
    node["config"]["persist_docs"] = {"columns": True}
    column = node["columns"].pop("status")
    node["columns"]["Status"] = column


def _contract(node: dict) -> None:
    node["contract"]["checksum"] = "0" * 64


def _moved(node: dict) -> None:
    node["fqn"] = [PKG, "elsewhere", node["name"]]


def _macro(uid: str) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        macro = data["macros"][uid]
        macro["macro_sql"] = macro["macro_sql"].replace("{%", "{%-", 1)

    return edit


def _source_schema(data: dict) -> None:
    data["sources"][SOURCE]["schema"] = "raw_elsewhere"


def _source(key: str, value: object) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        data["sources"][SOURCE][key] = value

    return edit


def _semantic(uid: str, edit: Callable[[dict], None]) -> Callable[[dict], None]:
    section = "metrics" if uid.startswith("metric.") else "semantic_models"
    return lambda data: edit(data[section][uid])


def _dimension_described(model: dict) -> None:
    model["dimensions"][0]["description"] = "Date the order was placed"


def _set(key: str, value: object) -> Callable[[dict], None]:
    def edit(resource: dict) -> None:
        resource[key] = value

    return edit


EDITS = {
    "post-hook": (_written(STG_ORDERS, "post-hook", ["grant select on {{ this }} to x"]), STG_ORDERS, "config.post_hook"),
    "pre-hook": (_written(SNAPSHOT, "pre-hook", ["select 1"]), SNAPSHOT, "config.pre_hook"),
    "persist_docs": (_written(STG_ORDERS, "persist_docs", {"relation": True}), STG_ORDERS, "config.persist_docs"),
    "grants as written": (_written(ORDERS, "grants", {"select": ["{{ var('readers') }}"]}), ORDERS, "config.grants"),
    "full_refresh": (_written(SEED, "full_refresh", False), SEED, "config.full_refresh"),
    "alias as written": (_written(STG_ORDERS, "alias", "stg_orders"), STG_ORDERS, "config.alias"),
    "test store_failures": (_written(TEST, "store_failures", True), TEST, "config.store_failures"),
    "source config as written": (_written(SOURCE, "event_time", "loaded_at", "sources"), SOURCE, "config.event_time"),
    "source schema": (_source_schema, SOURCE, "schema"),
    "exposure config as written": (_written(EXPOSURE, "enabled", "{{ var('x', true) }}", "exposures"), EXPOSURE, "config.enabled"),
    "persisted description": (_node(STG_ORDERS, _described), STG_ORDERS, "description"),
    "persisted column, renamed in case": (_node(STG_ORDERS, _column_renamed_in_case), STG_ORDERS, "column Status description"),
    "contract checksum": (_node(ORDERS, _contract), ORDERS, "contract"),
    "moved to another folder": (_node(STG_ORDERS, _moved), STG_ORDERS, "fqn"),
    "root macro's body": (_macro(CENTS_TO_DOLLARS), CENTS_TO_DOLLARS, "body"),
    "root macro a model calls": (_macro(CENTS_TO_DOLLARS), f"model.{PKG}.stg_payments", "macros"),
    "dbt's macro a model calls": (_macro("macro.dbt.is_incremental"), f"model.{PKG}.int_incremental", "macros"),
    "dbt's macro a test calls": (_macro("macro.dbt.test_unique"), TEST, "macros"),
    "source quoting": (_source("quoting", {"database": None, "schema": None, "identifier": True, "column": None}), SOURCE, "quoting"),
    "source external": (_source("external", {"location": "s3://bucket/customers/"}), SOURCE, "external"),
    "semantic model's dimension described": (_semantic(SEMANTIC_MODEL, _dimension_described), SEMANTIC_MODEL, "dimension order_date changed"),
    "semantic model's defaults": (_semantic(SEMANTIC_MODEL, _set("defaults", None)), SEMANTIC_MODEL, "defaults"),
    "semantic model's meta": (_semantic(SEMANTIC_MODEL, _set("config", {"enabled": True, "group": None, "meta": {"x": 1}})), SEMANTIC_MODEL, "config.meta"),
    "metric's description": (_semantic(METRIC, _set("description", "All orders.")), METRIC, "description"),
    "metric's label": (_semantic(METRIC, _set("label", "Total order amount")), METRIC, "label"),
    "metric's config as written": (_semantic(METRIC, _set("unrendered_config", {"meta": {"x": 1}})), METRIC, "config.meta"),
}  # fmt: skip


@pytest.fixture(scope="module")
def bouncer() -> Project:
    return corpus_project("bouncer-dbt112")


@pytest.mark.parametrize("name", sorted(EDITS))
def test_an_edit_dbt_selects_is_in_the_change_set_by_name(bouncer, tmp_path, name):
    edit, uid, reason = EDITS[name]
    pr = edited_bouncer(tmp_path, edit)
    selected, reasons = assert_covered(pr, bouncer)
    assert uid in selected  # an edit dbt's `state:modified` counts...
    assert reason in reasons[uid]  # ...which the change set names


def test_the_unedited_build_selects_nothing(bouncer, tmp_path):
    selected, reasons = assert_covered(edited_bouncer(tmp_path, lambda data: None), bouncer)
    assert selected == set()
    assert reasons == {}


# Edits of the semantic layer dbt's `state:modified` does not count (dbt-core's `same_contents`
# leaves them out, or compares them with a `# TODO` that returns True): the change set holds
# them, for `scope: changed`; `state:modified` does not select them.
NOT_SELECTED = {
    "metric's type_params": (_semantic(METRIC, lambda m: m["type_params"].update(expr="amount * 2")), METRIC, "type_params"),
    "metric's group in config as written": (_semantic(METRIC, _set("unrendered_config", {"group": "finance"})), METRIC, "config.group"),
    "semantic model's label": (_semantic(SEMANTIC_MODEL, _set("label", "Orders")), SEMANTIC_MODEL, "label"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(NOT_SELECTED))
def test_a_semantic_edit_dbt_does_not_count_is_changed_but_not_state_modified(
    bouncer, tmp_path, name
):
    edit, uid, reason = NOT_SELECTED[name]
    selected, reasons = assert_covered(edited_bouncer(tmp_path, edit), bouncer)
    assert uid not in selected
    assert reasons[uid] == [reason]


def test_the_semantic_layer_added_and_removed(bouncer, tmp_path):
    """A metric the pull request adds is `state:new` and `state:modified` (and in its
    `configs`, as dbt's `same_config` of a new resource); one it removes is deleted."""

    def edit(data: dict) -> None:
        added = dict(data["metrics"][METRIC], name="orders_counted")
        added["unique_id"] = f"metric.{PKG}.orders_counted"
        data["metrics"][added["unique_id"]] = added
        del data["semantic_models"][SEMANTIC_MODEL]

    pr = edited_bouncer(tmp_path, edit)
    changes = compare_builds(pr, bouncer)
    assert changes.new == [f"metric.{PKG}.orders_counted"]
    assert changes.deleted == [SEMANTIC_MODEL]
    state = DbtState(pr, bouncer, changes)
    assert f"metric.{PKG}.orders_counted" in state.modified("configs") & state.new
