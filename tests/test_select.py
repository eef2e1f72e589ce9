"""Selectors pick what dbt's `--select` would pick, on a real 39-model project (bouncer-dbt112)."""

from __future__ import annotations

import pytest
from corpus import CORPUS, corpus_files, file_id

from dbtgate.artifacts import load_artifacts
from dbtgate.project import Project
from dbtgate.select import Selection, SelectorError, parse_selector
from dbtgate.state import Changes
from dbtgate.state_modified import DbtState

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
        ("source:dummy_source.customers", short("dummy_source.customers")),
        ("source:dummy_source.orders", set()),
        (f"source:{PKG}.dummy_source.customers", short("dummy_source.customers")),
        ("source:other_package.dummy_source.customers", set()),
        ("exposure:pulse*", short("pulse_queries")),
        ("unique_id:model.*.orders", short("orders")),
        ("customers.v2", short("customers.v2")),
        ("model.dbt_bouncer_test_project.orders", short("orders")),
    ],
)
def test_each_method_selects_what_dbt_would(bouncer, selector, expected):
    assert names(Selection(bouncer), selector) == expected


# dbt's answers, from dbt-core 1.11's NodeSelector on this project's manifest (bouncer-dbt111;
# tests/test_select_dbt.py asks `dbt ls` itself on the fixture project).
@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        # A name or fqn never selects a source (source: does), nor its children.
        ("customers", short("customers.v1", "customers.v2", "customers.v3", "customers")),
        ("customers+,resource_type:model", short("customers.v1", "customers.v2", "customers.v3")),
        ("staging,resource_type:source", set()),
        ("fqn:*,resource_type:source", set()),
        # A version as `name_v2` or below its folder; `name.v*` matches no fqn in dbt.
        ("customers_v2", short("customers.v2")),
        ("finance.customers.v1", short("customers.v1")),
        ("customers.v*", set()),
        ("exposure:dbt_bouncer_test_project.pulse*", short("pulse_queries")),
        (
            "config.contract.enforced:TRUE",
            short("customers.v1", "customers.v2", "customers.v3", "orders"),
        ),
        ("package:this,resource_type:exposure", short("customers", "pulse_queries")),
    ],
)
def test_names_versions_and_values_select_what_dbt_core_selects(bouncer, selector, expected):
    assert names(Selection(bouncer), selector) == expected


def test_a_tests_severity_is_matched_in_any_case(bouncer):
    selection = Selection(bouncer)
    warn = names(selection, "config.severity:warn,resource_type:test")
    assert warn == names(selection, "config.severity:WARN,resource_type:test")


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
    # Each named where it is set, so it can be fixed: the note named the values alone.
    assert "(meta.maturity: gold on customers v1, meta.maturity: gold on customers v2, " in note
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
    changes = Changes(new=[orders], modified={stg: ["body"]})
    selection = Selection(bouncer, DbtState(bouncer, bouncer, changes))
    assert names(selection, "state:new") == short("orders")
    assert names(selection, "state:modified") == short("orders", "stg_orders")
    assert names(selection, "state:modified+") >= short("orders", "stg_orders", "pulse_queries")
    assert short("stg_orders") & names(selection, "state:unmodified") == set()


def test_metrics_are_selected_as_dbt_selects_them():
    """dbt's `metric:` and `resource_type:metric`; a metric is a child of the semantic model
    it is built on, as in dbt's graph. `*` alone keeps to what a policy gates."""
    from policy_support import corpus_project

    project = corpus_project("bouncer-dbt112")
    selection = Selection(project)
    metric = f"metric.{PKG}.total_order_amount"
    assert selection.select(parse_selector("metric:total_order_amount")) == {metric}
    assert selection.select(parse_selector(f"metric:{PKG}.total_*")) == {metric}
    assert selection.select(parse_selector("resource_type:metric")) == {metric}
    upstream = selection.select(parse_selector("+metric:total_order_amount"))
    assert {metric, f"semantic_model.{PKG}.orders", f"model.{PKG}.orders"} <= upstream
    assert f"semantic_model.{PKG}.orders" in selection.select(
        parse_selector("orders+,resource_type:semantic_model")
    )
    assert selection.select(parse_selector("saved_query:*")) == set()
    assert not any(uid.startswith("metric.") for uid in selection.select(parse_selector("*")))


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


def test_an_error_names_the_bad_part_once():
    """The callers name the whole selector (`--select 'tag:': ...`): a part that is the whole
    selector is not named again; a part of a longer selector is."""
    with pytest.raises(SelectorError) as whole:
        parse_selector("tag:")
    assert str(whole.value) == "tag: needs a value"
    with pytest.raises(SelectorError) as part:
        parse_selector("tag:a tier:gold")
    assert str(part.value).startswith("'tier:gold': tier: takes a number")


@pytest.mark.slow
def test_group_tier_and_state_on_the_fixture_pull_request(shop_builds):
    from dbtgate.state import compare_builds

    pr = Project.from_artifacts(load_artifacts(shop_builds.pr / "target"))
    base = Project.from_artifacts(load_artifacts(shop_builds.base / "target"))
    changes = compare_builds(pr, base)
    selection = Selection(pr, DbtState(pr, base, changes))

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
    # fixtures/README.md, "The pull request": the new model and the three modified ones dbt
    # builds; stg_payments' description-only edit is no build's (no persist_docs).
    assert models("state:new") == {"customer_segments"}
    assert models("state:modified") == {
        "customer_segments",
        "customer_ltv",
        "int_order_payments",
        "orders_summary.v2",
    }
    assert models("state:modified.contract") == {"customer_segments", "orders_summary.v2"}
    assert models("state:modified.configs") == {"customer_segments"}
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
    selection = Selection(bouncer, DbtState(bouncer, bouncer, Changes(new=[new])))
    assert names(selection, "state:new") == short("cents_to_dollars")
    assert short("cents_to_dollars") & names(selection, "state:old") == set()


# -- path: of a YAML file, version:, tests and semantic models, as dbt-core's selector_methods --


CRM_MODELS = ("stg_customers", "stg_orders", "stg_raw_orders_for_snapshot")


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        # The models a properties file documents (their patch_path), as dbt selects them.
        (
            "path:models/marts/finance/_finance__models.yml",
            {"customers.v1", "customers.v2", "customers.v3", "orders"},
        ),
        # The sources a properties file defines (their own file).
        ("path:models/staging/crm/_crm__sources.yml", {"dummy_source.customers"}),
        # A glob is pathlib's, as dbt globs the project: `*` stays in one folder, `**` crosses
        # them, and a folder it matches selects what is below.
        ("path:models/*.sql", set()),
        ("path:models/*/crm", {"dummy_source.customers", *CRM_MODELS}),
        ("path:models/**/crm/*.yml", {"dummy_source.customers", *CRM_MODELS}),
        ("path:models/marts/*/orders.sql", {"orders"}),
        ("path:./models/staging/crm/stg_customers.sql", {"stg_customers"}),
        # A bare value ending in .sql is a file name, as dbt reads it.
        ("orders.sql", {"orders"}),
    ],
)
def test_path_selects_files_folders_and_the_yaml_that_documents_a_resource(
    bouncer, selector, expected
):
    assert names(Selection(bouncer), selector) == short(*expected)


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("version:latest", {"customers.v3"}),
        ("version:old", {"customers.v1", "customers.v2"}),
        ("version:prerelease", set()),
        (
            "version:none,path:models/marts",
            {"orders"},  # a model without versions; seeds and snapshots have none
        ),
    ],
)
def test_version_selects_by_a_models_version_and_latest_version(bouncer, selector, expected):
    assert names(Selection(bouncer), selector) == short(*expected)


def test_version_orders_numbers_as_numbers_and_text_as_text():
    from dbtgate.artifacts.manifest import Node
    from dbtgate.select import _version_matches

    def model(version, latest):
        return Node(resource_type="model", version=version, latest_version=latest)

    assert _version_matches(model(10, 9), "prerelease")
    assert _version_matches(model("2", "10"), "old")  # 2.0 < 10.0, though "2" > "10"
    assert _version_matches(model("beta", "gamma"), "old")
    assert not _version_matches(model(0, 3), "old")  # dbt: a version 0 is no version to order
    assert not _version_matches(model(3, 3), "old")
    assert not _version_matches(Node(resource_type="seed"), "none")


def test_test_methods_select_tests_as_dbt_does(bouncer):
    selection = Selection(bouncer)
    assert names(selection, "test_type:singular") == short("test_assert_something")
    generic = names(selection, "test_type:generic")
    assert len(generic) == 41 and short("test_assert_something") & generic == set()
    assert names(selection, "test_type:schema") == generic  # dbt's legacy name
    # Since dbt 1.8 named tests `data_tests`, `data` is both kinds.
    assert names(selection, "test_type:data") == generic | short("test_assert_something")
    unit = names(selection, "test_type:unit")
    assert unit == short(
        "orders.test_amount_logic",
        "customers.test_clv_logic_v3",
        "customers.test_clv_logic_historical_v2",
        "customers.test_clv_logic_historical_v1",
    )
    assert len(names(selection, "test_name:unique")) == 12
    # A package's generic test by its own name (dbt_expectations.expect_compound_columns_...).
    assert {name.split(".")[1] for name in names(selection, "test_name:expect_*")} == {
        "dbt_expectations_expect_compound_columns_to_be_unique_int_disabled_model_id__name",
        "dbt_expectations_expect_compound_columns_to_be_unique_int_model_1_id__name",
    }
    # A unit test's name, in test_name: and unit_test: (one name, two versions' tests).
    historical = short(
        "customers.test_clv_logic_historical_v2", "customers.test_clv_logic_historical_v1"
    )
    assert names(selection, "test_name:test_clv_logic_historical") == historical
    assert names(selection, f"unit_test:{PKG}.test_clv_logic_hist*") == historical
    assert names(selection, "resource_type:unit_test") == unit


def test_tests_join_an_intersection_only_when_one_of_its_parts_names_them(bouncer):
    """`tag:critical` selects the models it always did; with `test_name:` beside it, dbt's
    answer: the tests tagged critical."""
    selection = Selection(bouncer)
    assert not any(name.startswith(f"{PKG}.unique_") for name in names(selection, "tag:critical"))
    critical_unique = names(selection, "test_name:unique,tag:critical")
    assert {name.split(".")[1] for name in critical_unique} == {
        "unique_customers_v1_customer_id",
        "unique_customers_v2_customer_id",
        "unique_customers_v3_customer_id_pk",
        "unique_orders_order_id_pk",
    }
    payments = names(selection, "test_type:generic,path:models/staging/payments")
    assert {name.split(".")[1] for name in payments} == {
        "accepted_values_stg_payments_payment_method__credit_card__coupon__bank_transfer__"
        "gift_card",
        "not_null_stg_payments_payment_id",
        "unique_stg_payments_payment_id",
    }
    # Unit tests are children of the model they test, as in dbt's graph.
    assert names(selection, "orders+,test_type:unit") == short("orders.test_amount_logic")
    # ...and, asked after it, `orders+` alone still keeps to what a policy gates.
    assert names(selection, "orders+") == short("orders", "pulse_queries")


def test_semantic_model_selects_it_and_its_models_upstream(bouncer):
    selection = Selection(bouncer)
    semantic = f"semantic_model.{PKG}.orders"
    assert selection.select(parse_selector("semantic_model:orders")) == {semantic}
    upstream = selection.select(parse_selector("+semantic_model:orders"))
    assert upstream == {
        semantic,
        f"model.{PKG}.orders",
        f"model.{PKG}.stg_orders",
        f"model.{PKG}.stg_payments",
        f"seed.{PKG}.raw_orders",
        f"seed.{PKG}.raw_payments",
    }
    # `*` keeps to what a policy gates: no semantic model, no test.
    assert not any(
        uid.startswith(("semantic_model.", "test."))
        for uid in selection.select(parse_selector("*"))
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("result:fail", "result: is dbt's, but it selects by the results of a previous run"),
        ("source_status:fresher", "compares two source freshness runs"),
        ("metric:a.b.c", "metric: takes a name or package.name"),
        # dbt refuses an unknown type; one dbtgate never selects would select nothing here.
        ("resource_type:modle", "resource_type: takes one of exposure, macro, metric, model"),
        ("resource_type:Model", "resource_type: takes one of"),
        ("resource_type:analysis", "resource_type:analysis is dbt's, but dbtgate selects only"),
        ("exposure:a.b.c", "exposure: takes a name or package.name"),
        (
            "state:modified.code",
            "state: takes one of modified, new, old, unmodified, modified.body",
        ),
        ("version:newest", "version: takes one of latest, prerelease, old, none"),
        ("test_type:custom", "test_type: takes one of generic, singular, unit, data, schema"),
        # dbt compares the value with the model's access: a typo selected nothing, silently.
        ("access:bogus", "access: takes one of private, protected, public"),
        ("access:Public", "access: takes one of"),
        ("test_name:dbt_utils.expression_is_true", r"without its package \(test_name:expression"),
        ("unit_test:a.b.c", "unit_test: takes a name or package.name"),
        ("source:a.b.c.d", "source: takes source_name, source_name.table or package"),
    ],
)
def test_dbt_methods_dbtgate_cannot_evaluate_say_why(text, message):
    with pytest.raises(SelectorError, match=message):
        parse_selector(text)


@pytest.mark.parametrize("path", corpus_files("schema-versions/manifest_v*.json"), ids=file_id)
def test_every_schema_version_decodes_what_the_new_methods_read(path):
    """v1 (dbt 0.19) to v12: generic tests by their test_metadata, models by their patch_path;
    a manifest before v9 has no model versions, so every model is `version:none`."""
    import json

    from dbtgate.artifacts.load import load_manifest

    raw = json.loads(path.read_text())
    project = Project.from_manifest(load_manifest(path).data)
    tests = [n for n in raw["nodes"].values() if n["resource_type"] == "test"]
    selection = Selection(project)

    def selected(text: str) -> set[str]:
        return selection.select(parse_selector(text))

    generic = {n["unique_id"] for n in tests if n.get("test_metadata")}
    assert generic and selected("test_type:generic") == generic
    not_null = {
        n["unique_id"] for n in tests if (n.get("test_metadata") or {}).get("name") == "not_null"
    }
    assert not_null and selected("test_name:not_null") == not_null
    root = project.root_package
    models = [
        n
        for n in raw["nodes"].values()
        if n["resource_type"] == "model" and n["package_name"] == root
    ]
    documented = [n for n in models if n.get("patch_path")]
    assert documented
    for node in documented:
        patch = node["patch_path"].split("://")[-1]
        assert node["unique_id"] in selected(f"path:{patch}"), patch
    unversioned = {n["unique_id"] for n in models if n.get("version") is None}
    assert selected("version:none") == unversioned
    if "version" not in models[0]:
        assert len(unversioned) == len(models)


@pytest.mark.slow
def test_new_methods_on_the_fixture_build(shop_builds):
    """fixtures/shop: `_marts.yml` documents five models, orders_summary has versions 1 and 2
    (latest), and tests/ holds one singular test."""
    base = Project.from_artifacts(load_artifacts(shop_builds.base / "target"))
    selection = Selection(base)

    def selected(text: str) -> set[str]:
        """Names, without a test's hash (`unique_orders_summary_v1_order_id`)."""
        uids = selection.select(parse_selector(text))
        return {
            uid.split(".")[2] if uid.startswith("test.") else uid.split(".", 2)[2] for uid in uids
        }

    assert selected("path:models/marts/_marts.yml") == {
        "dim_customers",
        "fct_orders",
        "dim_products",
        "customer_ltv",
        "finance_revenue",
    }
    assert selected("path:models/staging/_sources.yml") == selected("resource_type:source")
    assert selected("version:latest") == {"orders_summary.v2"}
    assert selected("version:old") == {"orders_summary.v1"}
    assert selected("test_type:singular") == {"assert_paid_orders_have_items"}
    # The tests next to a model: its children that are tests, as `dbt ls` lists them.
    assert selected("test_name:unique,orders_summary.v1+1") == {"unique_orders_summary_v1_order_id"}
    assert selected("test_type:generic,path:models/marts/_orders_summary.yml") == {
        "not_null_orders_summary_v1_order_id",
        "not_null_orders_summary_v2_order_id",
        "unique_orders_summary_v1_order_id",
        "unique_orders_summary_v2_order_id",
    }


def test_a_policy_on_tests_or_semantic_models_checks_nothing_and_says_so(tmp_path):
    """No rule judges a test or a semantic model: such a policy is noted, never a crash, and a
    misspelt tag beside a test method is still suggested."""
    from policy_support import corpus_project, gate, write_config

    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "test_type:unit semantic_model:*"
            rules: {docs.model_description: error}
          - select: "test_name:unique,tag:critcal"
            rules: {docs.model_description: error}
        """,
    )
    result = gate(corpus_project("bouncer-dbt112"), config)
    assert result.findings == []
    assert any(
        "docs.model_description applies to models, seeds, snapshots; select "
        "'test_type:unit semantic_model:*' "
        "selects none, so it checked nothing" in note
        for note in result.notes
    ), result.notes
    assert any(
        "select 'test_name:unique,tag:critcal' selects no resources" in note
        and "(did you mean tag:critical?)" in note
        for note in result.notes
    ), result.notes


def test_a_unit_tests_tags_are_its_configs(tmp_path):
    from policy_support import edited_bouncer

    uid = f"unit_test.{PKG}.orders.test_amount_logic"

    def tag_it(manifest: dict) -> None:
        manifest["unit_tests"][uid]["config"]["tags"] = ["nightly"]

    selection = Selection(edited_bouncer(tmp_path, tag_it))
    assert selection.select(parse_selector("tag:nightly,test_type:unit")) == {uid}
    assert selection.select(parse_selector("tag:nightly")) == set()


@pytest.mark.parametrize(
    ("plain", "glob"),
    [
        ("resource_type:model", "resource_type:mode[l]"),
        ("resource_type:snapshot", "resource_type:snapsho?"),
        ("resource_type:source", "resource_type:sourc*"),
        ("access:public", "access:publi[c]"),
        ("access:protected", "access:protecte?"),
        ("group:finance", "group:financ[e]"),
        ("group:financ", "group:finan[c]"),  # a prefix is no match
    ],
)
def test_a_plain_attribute_value_selects_what_the_glob_of_it_does(bouncer, plain, glob):
    # A value without `*?[` is compared as text, not matched as a glob per resource: the
    # same resources either way.
    selection = Selection(bouncer)
    assert names(selection, plain) == names(selection, glob)
    assert plain != "resource_type:model" or len(names(selection, plain)) > 10


@pytest.mark.parametrize(
    ("selector", "hint"),
    [
        ("custmers", " (did you mean customers?)"),
        ("tag:paymnt", " (did you mean tag:payment?)"),
        # A model renamed by a letter (stg_payment -> stg_payments), as a name or a unique_id.
        ("stg_payment", " (did you mean stg_payments?)"),
        (
            "model.dbt_bouncer_test_project.stg_payment",
            " (did you mean model.dbt_bouncer_test_project.stg_payments?)",
        ),
        # Names that only share a layer or a word, or the `model.<package>.` every unique_id
        # starts with, are no typo of it: nothing suggested.
        ("model.dbt_bouncer_test_project.nonexistent", ""),
        ("fct_payments", ""),
        ("dim_customers", ""),
        ("tag:pii", ""),
        # A glob that matches nothing is no typo of one name: its resources were deleted.
        ("orders_v*", ""),
        ("tag:crm_*", ""),
        ("stg_pay?ent_x", ""),
    ],
)
def test_a_selector_that_selects_nothing_is_hinted_unless_a_glob(
    bouncer: Project, selector: str, hint: str
) -> None:
    from dbtgate.selector_hints import selector_hint

    selection = Selection(bouncer)
    assert not selection.select(parse_selector(selector))
    assert selector_hint(selector, selection) == hint
