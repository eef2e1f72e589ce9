"""`state:modified` and its parts read the change set as dbt does (dbtgate.state_modified), on
the real bouncer build edited as a pull request edits one; tests/test_state_modified_dbt.py
holds the same against the real `dbt ls --state`."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
import pytest
from policy_support import corpus_project, edited_bouncer

from dbtgate.artifacts.manifest import PersistDocs
from dbtgate.project import Project
from dbtgate.select import Selection, SelectorError, parse_selector
from dbtgate.state import compare_builds
from dbtgate.state_modified import PARTS, DbtState, dbt_builds

PKG = "dbt_bouncer_test_project"
STG_ORDERS = f"model.{PKG}.stg_orders"
ORDERS = f"model.{PKG}.orders"


def selected(pr: Project, base: Project, text: str) -> set[str]:
    """The root project's models and macros `text` selects, by name."""
    selection = Selection(pr, DbtState(pr, base, compare_builds(pr, base)))
    return {uid.split(".", 2)[2] for uid in selection.select(parse_selector(text))}


def node_edit(uid: str, change: Callable[[dict], None]) -> Callable[[dict], None]:
    return lambda data: change(data["nodes"][uid])


@pytest.fixture(scope="module")
def base() -> Project:
    return corpus_project("bouncer-dbt112")


def test_a_description_counts_only_where_dbt_persists_it(base, tmp_path):
    def described(node: dict) -> None:
        node["description"] = "Orders, staged."

    (tmp_path / "plain").mkdir()
    pr = edited_bouncer(tmp_path / "plain", node_edit(STG_ORDERS, described))
    assert compare_builds(pr, base).modified[STG_ORDERS] == ["description"]
    assert selected(pr, base, "state:modified") == set()
    assert "stg_orders" in selected(pr, base, "state:unmodified")

    def persisted(node: dict) -> None:
        described(node)
        node["config"]["persist_docs"] = {"relation": True}

    (tmp_path / "persisted").mkdir()
    pr = edited_bouncer(tmp_path / "persisted", node_edit(STG_ORDERS, persisted))
    assert selected(pr, base, "state:modified") == {"stg_orders"}
    assert selected(pr, base, "state:modified.persisted_descriptions") == {"stg_orders"}
    for part in set(PARTS) - {"persisted_descriptions"}:
        assert selected(pr, base, f"state:modified.{part}") == set(), part


def test_a_column_description_counts_under_persist_docs_columns(base, tmp_path):
    def edit(node: dict) -> None:
        node["columns"]["status"]["description"] = "Where the order is."
        node["config"]["persist_docs"] = {"columns": True}

    pr = edited_bouncer(tmp_path, node_edit(STG_ORDERS, edit))
    assert selected(pr, base, "state:modified.persisted_descriptions") == {"stg_orders"}


def test_tags_are_the_change_sets_not_dbts(base, tmp_path):
    def tagged(node: dict) -> None:
        node["tags"] = node["config"]["tags"] = node["unrendered_config"]["tags"] = ["crm", "x"]

    pr = edited_bouncer(tmp_path, node_edit(STG_ORDERS, tagged))
    assert compare_builds(pr, base).modified[STG_ORDERS] == ["config.tags"]
    assert selected(pr, base, "state:modified") == set()


def test_relation_and_configs_are_the_config_as_written(base, tmp_path):
    def edit(node: dict) -> None:
        node["unrendered_config"]["alias"] = "orders_staged"
        node["unrendered_config"]["post-hook"] = ["select 1"]

    pr = edited_bouncer(tmp_path, node_edit(STG_ORDERS, edit))
    # Neither resolved value differs: the change set counts them as written, as dbt does.
    assert compare_builds(pr, base).modified[STG_ORDERS] == ["config.alias", "config.post_hook"]
    assert selected(pr, base, "state:modified.relation") == {"stg_orders"}
    assert selected(pr, base, "state:modified.configs") == {"stg_orders"}
    assert selected(pr, base, "state:modified.body") == set()


def test_a_contract_is_compared_by_dbts_checksum(base, tmp_path):
    def edit(node: dict) -> None:
        node["contract"]["checksum"] = "0" * 64

    pr = edited_bouncer(tmp_path, node_edit(ORDERS, edit))
    assert selected(pr, base, "state:modified.contract") == {"orders"}
    assert selected(pr, base, "state:modified") == {"orders"}


def test_a_macro_body_modifies_what_calls_it_directly_or_through_macros(base, tmp_path):
    def edit(data: dict) -> None:
        for name in ("cents_to_dollars", "dbt_version_at_least"):
            macro = data["macros"][f"macro.{PKG}.{name}"]
            macro["macro_sql"] = macro["macro_sql"].replace("{%", "{%-", 1)

    pr = edited_bouncer(tmp_path, edit)
    # stg_payments calls cents_to_dollars; apply_grants calls dbt_version_at_least.
    assert compare_builds(pr, base).modified == {
        f"macro.{PKG}.apply_grants": ["macros"],
        f"macro.{PKG}.cents_to_dollars": ["body"],
        f"macro.{PKG}.dbt_version_at_least": ["body"],
        f"model.{PKG}.stg_payments": ["macros"],
    }
    macros = {"cents_to_dollars", "dbt_version_at_least", "apply_grants"}
    assert selected(pr, base, "state:modified.macros") == {"stg_payments", *macros}
    assert selected(pr, base, "state:modified") == {"stg_payments", *macros}
    assert selected(pr, base, "state:modified.body") == set()


def test_a_file_moved_to_another_folder_is_modified_in_no_part(base, tmp_path):
    def moved(node: dict) -> None:
        node["fqn"] = [PKG, "elsewhere", "stg_orders"]

    pr = edited_bouncer(tmp_path, node_edit(STG_ORDERS, moved))
    assert selected(pr, base, "state:modified") == {"stg_orders"}
    assert not any(selected(pr, base, f"state:modified.{part}") for part in PARTS)


def test_what_dbt_builds_for_the_change_sets_reasons(base):
    orders, stg_orders = base.nodes[ORDERS], base.nodes[STG_ORDERS]
    assert not dbt_builds(stg_orders, ["description", "tests", "config.tags", "column x added"])
    assert dbt_builds(stg_orders, ["config.materialized"])
    assert dbt_builds(stg_orders, ["body"])
    # The declared columns are the contract's only where it is enforced.
    assert not dbt_builds(stg_orders, ["column status data_type"])
    assert dbt_builds(orders, ["column status data_type"])
    assert not dbt_builds(orders, ["column status description"])
    # Under persist_docs, dbt builds it to write the descriptions.
    config = msgspec.structs.replace(
        stg_orders.config, persist_docs=PersistDocs(relation=True, columns=True)
    )
    persisted = msgspec.structs.replace(stg_orders, config=config)
    assert dbt_builds(persisted, ["description"])
    assert dbt_builds(persisted, ["column status description"])
    assert not dbt_builds(persisted, ["tests", "config.tags"])


def test_every_part_parses_and_an_unknown_one_is_refused():
    for part in PARTS:
        assert parse_selector(f"state:modified.{part}+").terms[0][0].value == f"modified.{part}"
    with pytest.raises(SelectorError, match=r"state: takes one of .*modified\.contract"):
        parse_selector("state:modified.docs")
