"""Selectors pick what dbt's `--select` would pick, on a real 39-model project (bouncer-dbt112)."""

from __future__ import annotations

import pytest
from corpus import CORPUS

from dbtgate.artifacts import load_artifacts
from dbtgate.project import Project
from dbtgate.select import Selection, SelectorError, parse_selector

PKG = "dbt_bouncer_test_project"


@pytest.fixture(scope="module")
def bouncer() -> Project:
    path = CORPUS / "bouncer-dbt112"
    if not path.is_dir():
        pytest.skip(f"corpus absent: {path}")
    return Project.from_artifacts(load_artifacts(path))


def names(selection: Selection, text: str, exclude: str | None = None) -> set[str]:
    """unique_ids without the resource type, e.g. `dbt_bouncer_test_project.orders`."""
    excluded = parse_selector(exclude) if exclude else None
    return {uid.split(".", 1)[1] for uid in selection.select(parse_selector(text), excluded)}


def short(*items: str) -> set[str]:
    return {f"{PKG}.{item}" for item in items}


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("tag:crm", short("stg_customers", "stg_orders", "stg_raw_orders_for_snapshot")),
        (
            "path:models/staging/crm",
            short(
                "stg_customers",
                "stg_orders",
                "stg_raw_orders_for_snapshot",
                "dummy_source.customers",
            ),
        ),
        ("file:orders.sql", short("orders")),
        ("access:public", short("customers.v1", "customers.v2", "customers.v3", "orders")),
        (
            "config.materialized:ephemeral",
            short("int_disabled_model", "int_model_1", "stg_raw_orders_for_snapshot"),
        ),
        (
            "config.contract.enforced:true",
            short("customers.v1", "customers.v2", "customers.v3", "orders"),
        ),
        (
            "resource_type:snapshot",
            short("snapshot_orders", "snapshot_orders_multiple_unique_keys"),
        ),
        ("source:dummy_source", short("dummy_source.customers")),
        ("exposure:pulse*", short("pulse_queries")),
        ("unique_id:model.*.orders", short("orders")),
        ("customers.v2", short("customers.v2")),
        ("model.dbt_bouncer_test_project.orders", short("orders")),
    ],
)
def test_each_method_selects_what_dbt_would(bouncer, selector, expected):
    assert names(Selection(bouncer), selector) == expected


def test_fqn_prefix_with_wildcards_selects_a_folder(bouncer):
    selection = Selection(bouncer)
    marts = short("customers.v1", "customers.v2", "customers.v3", "orders")
    assert names(selection, "fqn:dbt_bouncer_test_project.marts.*,resource_type:model") == marts
    # Without the package name, as dbt allows.
    assert names(selection, "fqn:marts.finance,resource_type:model") == marts


def test_a_bare_name_selects_every_version_of_a_model(bouncer):
    selected = names(Selection(bouncer), "customers,resource_type:model")
    assert selected == short("customers.v1", "customers.v2", "customers.v3")


def test_union_intersection_and_exclude(bouncer):
    selection = Selection(bouncer)
    assert names(selection, "tag:crm access:public") == names(selection, "tag:crm") | names(
        selection, "access:public"
    )
    assert names(selection, "access:public,config.materialized:table") == short(
        "customers.v1", "customers.v2", "customers.v3", "orders"
    )
    assert names(selection, "access:public", exclude="customers") == short("orders")


def test_graph_operators_walk_parents_and_children_to_a_depth(bouncer):
    selection = Selection(bouncer)
    assert names(selection, "1+orders") == short("orders", "stg_orders", "stg_payments")
    assert names(selection, "+orders") == short(
        "orders", "stg_orders", "stg_payments", "raw_orders", "raw_payments"
    )
    assert names(selection, "orders+") == short("orders", "pulse_queries")
    # @: the model, everything downstream, and everything those need.
    at = names(selection, "@stg_orders")
    assert short("stg_orders", "orders", "customers.v3", "pulse_queries", "stg_customers") <= at


def test_selection_is_the_root_project_unless_a_package_is_named(bouncer):
    selection = Selection(bouncer)
    everything = names(selection, "*")
    assert all(name.startswith(f"{PKG}.") for name in everything)
    tiktok = names(selection, "package:tiktok_ads")
    assert tiktok and all(name.startswith("tiktok_ads.") for name in tiktok)


def test_tier_comparisons(bouncer):
    selection = Selection(bouncer)
    # No resource of this project declares a tier: all have the default tier 3.
    assert names(selection, "tier:3") == names(selection, "*")
    assert names(selection, "tier:<=2") == set()
    assert names(selection, "tier:>=3") == names(selection, "*")


def test_a_tier_source_without_numbers_is_named_in_a_note():
    """bouncer's `meta.maturity` holds gold, lead...: read as tiers, every model takes the
    default, and `tier:1` would select nothing in silence."""
    from dbtgate.project import TierSettings, unreadable_tiers_note

    path = CORPUS / "bouncer-dbt112"
    if not path.is_dir():
        pytest.skip(f"corpus absent: {path}")
    settings = TierSettings(("meta.maturity",), 3)
    project = Project.from_artifacts(load_artifacts(path), None, settings)
    assert unreadable_tiers_note(project) is None  # nothing asked yet
    tiers = {uid: project.tier(uid) for uid in project.nodes if uid.startswith("model.")}
    assert set(tiers.values()) == {3}
    note = unreadable_tiers_note(project)
    assert note is not None and "set a tier to a value that is no whole number" in note
    assert "meta.maturity: gold" in note and "took the default tier (3)" in note
    # A source the models leave unset is no mistake: no note.
    tagged = Project.from_artifacts(load_artifacts(path), None, TierSettings(("meta.tier",), 3))
    tagged.tier(next(iter(tiers)))
    assert unreadable_tiers_note(tagged) is None


@pytest.mark.parametrize(
    ("value", "tier"),
    [
        *[(1, 1), (2.0, 2), ("tier-1", 1), ("T2", 2), ("2.0", 2)],
        *[(1.5, None), ("1.5", None), (True, None), (False, None), ("gold", None)],
    ],
)
def test_a_tier_value_names_a_whole_number_or_no_tier(value, tier):
    """`tier: 1.5` read as tier 1 and `tier: true` as the default, both without a word."""
    from dbtgate.project import _tier_number

    assert _tier_number(value) == tier


def test_state_methods_need_a_base(bouncer):
    with pytest.raises(SelectorError, match="needs a base build"):
        Selection(bouncer).select(parse_selector("state:modified"))


def test_state_modified_includes_new_as_in_dbt(bouncer):
    orders = f"model.{PKG}.orders"
    stg = f"model.{PKG}.stg_orders"
    selection = Selection(bouncer, new={orders}, modified={stg})
    assert names(selection, "state:new") == short("orders")
    assert names(selection, "state:modified") == short("orders", "stg_orders")
    assert names(selection, "state:modified+") >= short("orders", "stg_orders", "pulse_queries")
    assert short("stg_orders") & names(selection, "state:unmodified") == set()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour:red", "unknown selector method 'colour'"),
        ("state:weird", "state: takes one of"),
        ("tier:gold", "tier: takes a number"),
        ("tag:a,,tag:b", "empty selector part"),
        ("config.:x", "config. needs a key"),
        ("tag:", "needs a value"),
        ("@2+x", "cannot be combined"),
        ("@", "cannot parse"),
        ("+@x", "cannot parse"),
        ("", "empty selector"),
    ],
)
def test_bad_selectors_are_named(text, message):
    with pytest.raises(SelectorError, match=message):
        parse_selector(text)


@pytest.mark.slow
def test_group_tier_and_state_on_the_fixture_pull_request(shop_builds):
    from dbtgate.state import compare_builds

    pr = Project.from_artifacts(load_artifacts(shop_builds.pr / "target"))
    base = Project.from_artifacts(load_artifacts(shop_builds.base / "target"))
    changes = compare_builds(pr, base)
    selection = Selection(pr, set(changes.new), set(changes.modified))

    def models(text: str) -> set[str]:
        selected = selection.select(parse_selector(text))
        return {uid.split(".", 2)[2] for uid in selected if uid.startswith("model.")}

    assert models("group:marketing") == {"dim_customers", "customer_ltv", "customer_segments"}
    assert models("tier:1") == {
        "dim_customers",
        "fct_orders",
        "orders_summary.v1",
        "orders_summary.v2",
    }
    # fixtures/README.md, "The pull request": the new model and the four modified ones.
    assert models("state:new") == {"customer_segments"}
    assert models("state:modified") == {
        "customer_segments",
        "customer_ltv",
        "int_order_payments",
        "orders_summary.v2",
        "stg_payments",
    }
    assert models("state:modified,tier:1") == {"orders_summary.v2"}
    # A value may hold `@` and `+`, as in dbt: an owner's GitHub handle.
    assert models("config.meta.owner:@finance-eng") == {"int_order_payments", "fct_orders"}
    # int_order_payments -> fct_orders -> orders_summary.v1: downstream of a change, too.
    assert models("state:modified+,group:finance") == {
        "orders_summary.v1",
        "orders_summary.v2",
        "finance_revenue",
    }


ROOT_MACROS = {
    "apply_grants",
    "cents_to_dollars",
    "dbt_version_at_least",
    "generate_schema_name",
    "test_values_below_threshold",
}


def test_the_root_projects_macros_are_selected_by_star_and_their_type(bouncer):
    selection = Selection(bouncer)
    every = short(*ROOT_MACROS)
    assert names(selection, "resource_type:macro") == every
    assert every <= names(selection, "*")
    assert names(selection, "package:dbt_bouncer_test_project,resource_type:macro") == every
    # Installed packages' macros only by the name of their package, as their models.
    dbt_macros = names(selection, "package:dbt")
    assert len(dbt_macros) > 100 and all(name.startswith("dbt.") for name in dbt_macros)


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("path:macros/system", {"apply_grants", "dbt_version_at_least", "generate_schema_name"}),
        ("path:tests/generic", {"test_values_below_threshold"}),
        ("file:cents_to_dollars.sql", {"cents_to_dollars"}),
        ("cents_to_dollars", {"cents_to_dollars"}),
        ("fqn:dbt_bouncer_test_project.dbt_version_*", {"dbt_version_at_least"}),
        ("unique_id:macro.*.apply_grants", {"apply_grants"}),
        ("macro.dbt_bouncer_test_project.apply_grants", {"apply_grants"}),
        ("config.meta.owner:Data*,resource_type:macro", ROOT_MACROS),
        ("resource_type:macro,*__*", set()),  # no adapter implementations of a dispatch here
        ("tag:*,resource_type:macro", set()),  # dbt does not tag macros
        ("config.tags:*,resource_type:macro", set()),
        ("group:*,resource_type:macro", set()),
        ("tier:3,resource_type:macro", ROOT_MACROS),  # the default tier, as models
    ],
)
def test_the_methods_that_mean_something_for_a_macro_select_it(bouncer, selector, expected):
    assert names(Selection(bouncer), selector) == short(*expected)


@pytest.mark.parametrize(
    "text", ["+cents_to_dollars", "cents_to_dollars+", "2+cents_to_dollars+1", "@cents_to_dollars"]
)
def test_graph_operators_on_a_macro_select_the_macro_alone(bouncer, text):
    """The manifest's edges join nodes; a macro is in no graph, and no walk fails on it."""
    assert names(Selection(bouncer), text) == short("cents_to_dollars")


def test_a_macro_is_in_the_change_set_of_state_selections(bouncer):
    new = f"macro.{PKG}.cents_to_dollars"
    selection = Selection(bouncer, new={new}, modified=set())
    assert names(selection, "state:new") == short("cents_to_dollars")
    assert short("cents_to_dollars") & names(selection, "state:old") == set()
