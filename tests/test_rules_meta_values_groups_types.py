"""governance.allowed_meta_values, governance.group and governance.forbidden_column_types (the
dbt-checkpoint hooks check-model-meta-key-accepted-values, check-model-has-group and
check-column-type-blacklist) on real builds: the bouncer corpus and the fixture, each finding on
the line that sets what is wrong."""

from __future__ import annotations

import json

import pytest
from cli_support import run_dbtgate
from policy_support import (
    by_code,
    corpus_project,
    edited_bouncer,
    gate,
    rule_config,
    short_ids,
    write_config,
)

from dbtgate.artifacts import load_artifacts, load_manifest
from dbtgate.errors import DbtgateError
from dbtgate.project import Project

PKG = "dbt_bouncer_test_project"


def test_allowed_meta_values_on_the_bouncer_build(tmp_path):
    """The bouncer project's models say `maturity: gold`, `experimental`, `lead` or `lithium`;
    its seeds set none (a key not set passes: governance.required_meta asks for it)."""
    config = rule_config(
        tmp_path,
        "governance.allowed_meta_values",
        "{values: {maturity: [gold, high, experimental]}}",
    )
    findings = by_code(
        gate(corpus_project("bouncer-dbt112"), config).findings, "governance.allowed_meta_values"
    )
    assert short_ids(findings) == ["int_disabled_model", "int_incremental", "int_model_1"]
    [lithium] = [f for f in findings if f.unique_id.endswith("int_model_1")]
    assert lithium.message == (
        "int_model_1 has meta maturity: lithium, which is not allowed "
        "(allowed: gold, high, experimental)"
    )
    assert lithium.details["not_allowed"] == ["lithium"]
    assert lithium.key == "maturity"


def test_allowed_meta_values_compare_values_as_written(tmp_path):
    def edit(manifest: dict) -> None:
        for name, meta in (
            ("orders", {"tier": "1", "pii": False, "domains": ["sales", "finance"]}),
            ("stg_orders", {"tier": 4, "pii": "no", "domains": ["sales", "hr", "ops"]}),
            ("stg_payments", {"tier": 1.5, "pii": {"is": True}, "domains": "  "}),
            ("stg_customers", {"governance": {"tier": 2}}),
        ):
            node = manifest["nodes"][f"model.{PKG}.{name}"]
            node["meta"] = node["config"]["meta"] = meta

    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "orders stg_orders stg_payments stg_customers"
            rules:
              governance.allowed_meta_values:
                values:
                  tier: [1, 2, 3]
                  pii: [true, false]
                  domains: [sales, finance]
                  governance.tier: [1]
        """,
    )
    findings = by_code(
        gate(edited_bouncer(tmp_path, edit), config).findings, "governance.allowed_meta_values"
    )
    # orders: "1" is 1 as written, false is allowed, each item of the list is. A blank value
    # is not set.
    assert sorted(
        (f.unique_id.split(".")[-1], f.key, f.details["not_allowed"]) for f in findings
    ) == [
        ("stg_customers", "governance.tier", ["2"]),
        ("stg_orders", "domains", ["hr", "ops"]),
        ("stg_orders", "pii", ["no"]),
        ("stg_orders", "tier", ["4"]),
        ("stg_payments", "pii", ['{"is": true}']),
        ("stg_payments", "tier", ["1.5"]),
    ]
    [domains] = [f for f in findings if f.key == "domains"]
    assert domains.message == (
        "stg_orders has meta domains: hr, ops, which are not allowed (allowed: sales, finance)"
    )


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ("{values: {}}", "values: give at least one key and its allowed values"),
        ("{values: {tier: []}}", "values: give at least one allowed value of tier"),
        ("warn", "values: required: give at least one key"),
        ("{values: {tier: 1}}", "values: expected map of key -> allowed values"),
    ],
)
def test_allowed_meta_values_needs_keys_and_values(tmp_path, setting, problem):
    config = rule_config(tmp_path, "governance.allowed_meta_values", setting, "tag:no_such_tag")
    with pytest.raises(DbtgateError) as raised:
        gate(corpus_project("bouncer-dbt112"), config)
    assert str(raised.value).startswith(
        f"{config}:5: policies[0].rules.governance.allowed_meta_values: {problem}"
    )


def _fixture(shop_builds) -> Project:
    return Project.from_artifacts(load_artifacts(shop_builds.pr / "target"), shop_builds.pr)


def test_allowed_meta_values_point_at_the_line_that_sets_the_key(shop_builds, tmp_path):
    """The fixture's staging folder sets `+meta: {tier: 3, owner: ...}` in dbt_project.yml
    (line 32); fct_orders and int_order_payments set `owner:` under `config: meta:`."""
    config = rule_config(
        tmp_path,
        "governance.allowed_meta_values",
        '{values: {tier: [1, 2], owner: ["@data-platform"]}}',
        "resource_type:model",
    )
    findings = by_code(
        gate(_fixture(shop_builds), config).findings, "governance.allowed_meta_values"
    )
    assert sorted((f.unique_id.split(".")[-1], f.key, f.path, f.line) for f in findings) == [
        ("fct_orders", "owner", "models/marts/_marts.yml", 55),
        ("int_order_payments", "owner", "models/intermediate/_intermediate.yml", 30),
        ("stg_customers", "tier", "dbt_project.yml", 32),
        ("stg_order_items", "tier", "dbt_project.yml", 32),
        ("stg_orders", "tier", "dbt_project.yml", 32),
        ("stg_payments", "tier", "dbt_project.yml", 32),
        ("stg_products", "tier", "dbt_project.yml", 32),
    ]


def test_group_on_the_fixture(shop_builds, tmp_path):
    """The fixture's marts: dim_customers, customer_ltv and customer_segments are in the
    marketing group, finance_revenue and orders_summary in finance, fct_orders and
    dim_products in none. A wrong group is on its `group:` line, a missing one on the entry."""
    config = rule_config(tmp_path, "governance.group", "{allowed: [finance]}", "path:models/marts")
    findings = by_code(gate(_fixture(shop_builds), config).findings, "governance.group")
    assert sorted((f.unique_id.split(".")[-1], f.path, f.line, f.message) for f in findings) == [
        (
            "customer_ltv",
            "models/marts/_marts.yml",
            104,
            "customer_ltv is in group marketing, not finance",
        ),
        (
            "customer_segments",
            "models/marts/_marts.yml",
            145,
            "customer_segments is in group marketing, not finance",
        ),
        (
            "dim_customers",
            "models/marts/_marts.yml",
            7,
            "dim_customers is in group marketing, not finance",
        ),
        (
            "dim_products",
            "models/marts/_marts.yml",
            81,
            "dim_products is in no group (allowed: finance)",
        ),
        (
            "fct_orders",
            "models/marts/_marts.yml",
            50,
            "fct_orders is in no group (allowed: finance)",
        ),
    ]
    # Without `allowed`, any group passes: the staging models are in none.
    config = rule_config(tmp_path, "governance.group", "warn", "resource_type:model")
    findings = by_code(gate(_fixture(shop_builds), config).findings, "governance.group")
    assert {f.unique_id.split(".")[-1] for f in findings} == {
        "dim_products",
        "fct_orders",
        "int_order_items_priced",
        "int_order_payments",
        "stg_customers",
        "stg_order_items",
        "stg_orders",
        "stg_payments",
        "stg_products",
    }
    assert {f.message for f in findings if f.unique_id.endswith("fct_orders")} == {
        "fct_orders is in no group"
    }


def test_forbidden_column_types_read_the_catalog_on_the_fixture(shop_builds, tmp_path):
    """The fixture sums money as DuckDB's DOUBLE; `float*` matches none of its types. Each
    finding is on the column's YAML line."""
    config = rule_config(
        tmp_path,
        "governance.forbidden_column_types",
        '{types: [Double, "float*"]}',
        "path:models/marts",
    )
    findings = by_code(
        gate(_fixture(shop_builds), config).findings, "governance.forbidden_column_types"
    )
    assert sorted((f.unique_id.split(".", 2)[2], f.column_name, f.line) for f in findings) == [
        ("customer_ltv", "avg_order_value", 120),
        ("customer_ltv", "lifetime_value", 116),
        ("dim_products", "price", 96),
        ("fct_orders", "amount_paid", 76),
        ("fct_orders", "items_total", 74),
        ("finance_revenue", "revenue", 139),
        ("orders_summary.v2", "total_amount", 67),
    ]
    assert {f.path for f in findings} == {
        "models/marts/_marts.yml",
        "models/marts/_orders_summary.yml",
    }
    [revenue] = [f for f in findings if f.column_name == "revenue"]
    assert revenue.message == (
        "column revenue of finance_revenue is DOUBLE, a type that is not allowed "
        "(forbidden: Double, float*)"
    )


def test_forbidden_column_types_read_declared_types_without_a_catalog(shop_builds, tmp_path):
    """Without catalog.json, the `data_type` the YAML declares: the contracted dim_customers
    declares every column's, customer_ltv none (its DOUBLE columns go unjudged)."""
    manifest = load_manifest(shop_builds.pr / "target" / "manifest.json")
    project = Project.from_manifest(manifest.data, project_dir=shop_builds.pr)
    config = rule_config(
        tmp_path,
        "governance.forbidden_column_types",
        "{types: [date, double]}",
        "dim_customers customer_ltv",
    )
    findings = by_code(gate(project, config).findings, "governance.forbidden_column_types")
    assert sorted((f.unique_id, f.line, f.column_name, f.details["type"]) for f in findings) == [
        ("model.shop.dim_customers", 35, "signed_up_on", "date"),
        ("model.shop.dim_customers", 38, "first_order_date", "date"),
        ("model.shop.dim_customers", 41, "most_recent_order_date", "date"),
    ]


def test_allowed_tags_judge_the_tests_a_policy_selects(tmp_path):
    """dbt-checkpoint's check-test-tags: of the bouncer build's 42 data tests, 19 are tagged
    `critical`; one is edited to carry `adhoc` too. An untagged test passes (governance.
    required_tags asks for one); `*` selects no tests."""
    flaky = f"test.{PKG}.unique_customers_v3_customer_id_pk"

    def edit(manifest: dict) -> None:
        test = next(node for uid, node in manifest["nodes"].items() if uid.startswith(f"{flaky}."))
        test["tags"] = test["config"]["tags"] = ["critical", "adhoc"]

    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "resource_type:test"
            rules:
              governance.allowed_tags: {tags: [critical]}
          - select: "*"
            rules:
              governance.allowed_tags: {severity: error, tags: [critical, crm, payment]}
        """,
    )
    findings = by_code(
        gate(edited_bouncer(tmp_path, edit), config).findings, "governance.allowed_tags"
    )
    tests = [f for f in findings if f.unique_id.startswith("test.")]
    assert [(f.unique_id.rsplit(".", 1)[0], f.severity, f.message) for f in tests] == [
        (
            flaky,
            "warn",
            "unique_customers_v3_customer_id_pk has tags that are not allowed: adhoc "
            "(allowed: critical)",
        )
    ]


@pytest.mark.slow
def test_the_reports_say_where_a_setting_is_by_its_line_not_by_placement_keys(
    shop_builds, tmp_path
):
    """governance.allowed_meta_values and governance.group wrote `setting: meta` and
    `setting_key: tier` into each finding's details (the keys dbtgate found the YAML line by),
    which gate.json and the HTML report's details showed beside what was found."""
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "path:models/marts"
            rules:
              governance.group: {allowed: [finance]}
          - select: "path:models/staging"
            rules:
              governance.allowed_meta_values: {values: {tier: [1, 2]}}
        """,
    )
    out = tmp_path / "out"
    done = run_dbtgate(
        *("check", "--artifacts", str(shop_builds.pr / "target"), "--config", str(config)),
        *("--out", str(out), "--format", "json,sarif,html", "-q"),
        cwd=shop_builds.pr,
    )
    assert done.returncode in (0, 1), done.stderr
    findings = [
        f
        for f in json.loads((out / "gate.json").read_text())["findings"]
        if f["code"] in ("governance.group", "governance.allowed_meta_values")
    ]
    details: dict[str, set[str]] = {}
    for found in findings:
        details.setdefault(found["code"], set()).update(found["details"])
    assert details == {
        "governance.group": {"group", "allowed", "policy"},
        "governance.allowed_meta_values": {"meta_key", "not_allowed", "allowed", "policy"},
    }
    # Still on the line that sets what is wrong: the `group:` line, dbt_project.yml's `+meta:`.
    assert ("models/marts/_marts.yml", 104) in {(f["path"], f["line"]) for f in findings}
    assert ("dbt_project.yml", 32) in {(f["path"], f["line"]) for f in findings}
    for name in ("gate.json", "gate.sarif", "gate.html"):
        text = (out / name).read_text()
        assert '"setting' not in text and "&quot;setting" not in text, name
