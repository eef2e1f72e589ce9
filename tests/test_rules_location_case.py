"""naming.location_case (dbt-checkpoint's check-database-casing-consistency): the database and
schema dbt resolved are spelled as catalog.json (the warehouse) spells them; on a small project
written here, each name once on the line that sets it, and on the real builds of the corpus,
where they agree."""

from __future__ import annotations

import json

import pytest
from corpus import corpus_dir
from policy_support import by_code, corpus_project, gate, rule_config, small_project

from dbtgate.artifacts import load_artifacts
from dbtgate.project import Project

CODE = "naming.location_case"

DBT_PROJECT = """\
    name: p
    version: "1.0"
    profile: p

    models:
      p:
        marts:
          +schema: Marts
    """

SOURCES_YML = """\
    version: 2

    sources:
      - name: shop
        schema: raw
        tables:
          - name: orders
    """


def _project(tmp_path, *, fct_schema: str = "MAIN_MARTS"):
    return small_project(
        tmp_path,
        [
            {
                "name": "fct_orders",
                "original_file_path": "models/marts/fct_orders.sql",
                "database": "shop",
                "schema": "main_Marts",
            },
            {
                "name": "stg_orders",
                "original_file_path": "models/staging/stg_orders.sql",
                "database": "shop",
                "schema": "main",
            },
            {  # not in the catalog: not judged
                "name": "stg_customers",
                "original_file_path": "models/staging/stg_customers.sql",
                "database": "SHOP",
                "schema": "MAIN",
            },
        ],
        sources=[
            {
                "name": "orders",
                "source_name": "shop",
                "original_file_path": "models/staging/_sources.yml",
                "database": "shop",
                "schema": "raw",
            }
        ],
        catalog={
            "model.p.fct_orders": {"metadata": {"database": "SHOP", "schema": fct_schema}},
            "model.p.stg_orders": {"metadata": {"database": "shop", "schema": "main"}},
            "source.p.shop.orders": {"metadata": {"database": "shop", "schema": "RAW"}},
        },
        files={"dbt_project.yml": DBT_PROJECT, "models/staging/_sources.yml": SOURCES_YML},
    )


def test_names_in_another_case_are_reported_where_they_are_set(tmp_path):
    config = rule_config(tmp_path / "c", CODE)
    findings = by_code(gate(_project(tmp_path / "p"), config).findings, CODE)
    assert sorted((f.unique_id, f.key, f.path, f.line, f.message) for f in findings) == [
        (
            "model.p.fct_orders",
            "database shop",
            "models/marts/fct_orders.sql",
            1,
            "the database shop is SHOP in the warehouse (catalog.json), for 1 relation: fct_orders",
        ),
        (
            "model.p.fct_orders",
            "schema main_Marts",
            "dbt_project.yml",
            8,  # +schema: Marts
            "the schema main_Marts is MAIN_MARTS in the warehouse (catalog.json), for 1 "
            "relation: fct_orders",
        ),
        (
            # The source's `schema: raw`, which sets it for its tables: it pointed at the
            # table's entry (line 7), where nothing is to change.
            "source.p.shop.orders",
            "schema raw",
            "models/staging/_sources.yml",
            5,
            "the schema raw is RAW in the warehouse (catalog.json), for 1 relation: source "
            "shop.orders",
        ),
    ]


# A lower-case profile on Snowflake: every relation's database and schema are upper case there.
SNOWFLAKE_SOURCES_YML = """\
    version: 2

    sources:
      - name: stripe
        database: raw
        tables:
          - name: payments
          - name: charges
      - name: analytics
        tables:
          - name: events
    """


def _snowflake(tmp_path, models=("dim_customers", "fct_orders", "stg_orders")):
    return small_project(
        tmp_path,
        [
            {
                "name": name,
                "original_file_path": f"models/{name}.sql",
                "database": "analytics",
                "schema": "analytics",
            }
            for name in models
        ],
        sources=[
            {
                "name": table,
                "source_name": source,
                "original_file_path": "models/_sources.yml",
                "database": database,
                "schema": schema,
            }
            for source, table, database, schema in (
                ("stripe", "payments", "raw", "stripe"),
                ("stripe", "charges", "raw", "stripe"),
                ("analytics", "events", "analytics", "analytics"),
            )
        ],
        catalog={
            **{
                f"model.p.{name}": {"metadata": {"database": "ANALYTICS", "schema": "ANALYTICS"}}
                for name in models
            },
            "source.p.stripe.payments": {"metadata": {"database": "RAW", "schema": "STRIPE"}},
            "source.p.stripe.charges": {"metadata": {"database": "RAW", "schema": "STRIPE"}},
            "source.p.analytics.events": {
                "metadata": {"database": "ANALYTICS", "schema": "ANALYTICS"}
            },
        },
        files={"models/_sources.yml": SNOWFLAKE_SOURCES_YML},
    )


@pytest.mark.parametrize("select", ["*", "stg_orders", "source:stripe source:analytics"])
def test_a_lower_case_profile_on_snowflake_is_one_finding_a_name(tmp_path, select):
    """It was one finding a relation and name: 4 for `analytics`'s four relations. Each name is
    one, whichever of its relations the policy selects, on the first of them by unique_id."""
    config = rule_config(tmp_path / "c", CODE, select=select)
    findings = by_code(gate(_snowflake(tmp_path / "p"), config).findings, CODE)
    found = sorted((f.key, f.unique_id, f.path, f.line) for f in findings)
    every = [
        ("database analytics", "model.p.dim_customers", "models/dim_customers.sql", 1),
        # The source's `database: raw` line, and stripe's entry: its schema is its name.
        ("database raw", "source.p.stripe.charges", "models/_sources.yml", 5),
        ("schema analytics", "model.p.dim_customers", "models/dim_customers.sql", 1),
        ("schema stripe", "source.p.stripe.charges", "models/_sources.yml", 4),
    ]
    selected = [row for row in every if select != "stg_orders" or "analytics" in row[0]]
    assert found == selected
    analytics = next(f for f in findings if f.key == "schema analytics")
    assert analytics.message == (
        "the schema analytics is ANALYTICS in the warehouse (catalog.json), for 4 relations: "
        "dim_customers, fct_orders, stg_orders and 1 more"
    )
    assert analytics.details["relations"] == [
        "model.p.dim_customers",
        "model.p.fct_orders",
        "model.p.stg_orders",
        "source.p.analytics.events",
    ]


def test_a_relation_added_before_the_one_a_finding_is_on_keeps_its_fingerprint(tmp_path):
    """A name's finding is on the first of its relations: a model added that sorts before it
    takes the finding, which the baseline still knows (a new fingerprint would be new debt)."""
    config = rule_config(tmp_path / "c", CODE)
    before = by_code(gate(_snowflake(tmp_path / "p"), config).findings, CODE)
    project = _snowflake(tmp_path / "q", ("agg_orders", "dim_customers", "fct_orders"))
    after = by_code(gate(project, config).findings, CODE)
    assert {f.key: f.fingerprint for f in before} == {f.key: f.fingerprint for f in after}
    assert {f.unique_id for f in after if "analytics" in f.key} == {"model.p.agg_orders"}


def test_another_name_is_not_a_case_difference(tmp_path):
    """A schema that differs by more than its case (the catalog of another target) is not
    this rule's finding."""
    config = rule_config(tmp_path / "c", CODE, select="fct_orders")
    findings = by_code(
        gate(_project(tmp_path / "p", fct_schema="dev_marts"), config).findings, CODE
    )
    assert [f.key for f in findings] == ["database shop"]


def test_without_a_catalog_the_rule_says_it_checked_nothing(tmp_path):
    _project(tmp_path / "p")
    (tmp_path / "p" / "target" / "catalog.json").unlink()
    project = Project.from_artifacts(load_artifacts(tmp_path / "p" / "target"), tmp_path / "p")
    result = gate(project, rule_config(tmp_path / "c", CODE))
    assert by_code(result.findings, CODE) == []
    assert [note for note in result.notes if CODE in note] == [
        f"{tmp_path / 'c' / 'dbtgate.yml'}:5: {CODE} reads catalog.json (`dbt docs generate` "
        "writes it), which this build does not have, so it checked nothing"
    ]


@pytest.mark.parametrize("name", ["bouncer-dbt112", "bouncer-dbt20", "recce-pair/base"])
def test_the_corpus_builds_spell_names_as_their_catalogs(tmp_path, name):
    """dbt wrote each of these manifests and catalogs on one warehouse: the names agree, as
    plain json says, and the rule finds nothing."""
    folder = corpus_dir(name)
    manifest = json.loads((folder / "manifest.json").read_text())
    catalog = json.loads((folder / "catalog.json").read_text())
    compared = 0
    for section in ("nodes", "sources"):
        for uid, table in catalog.get(section, {}).items():
            record = manifest[section].get(uid)
            if record is not None:
                compared += 1
                assert record["schema"] == table["metadata"]["schema"]
    assert compared > 5
    config = rule_config(tmp_path, CODE)
    assert by_code(gate(corpus_project(name), config).findings, CODE) == []


def test_a_schema_the_bouncer_catalog_spells_in_upper_case(tmp_path):
    """The bouncer build's catalog edited as Snowflake would write stg_orders' schema."""
    folder = corpus_dir("bouncer-dbt112")
    catalog = json.loads((folder / "catalog.json").read_text())
    uid = "model.dbt_bouncer_test_project.stg_orders"
    metadata = catalog["nodes"][uid]["metadata"]
    schema = metadata["schema"]
    metadata["schema"] = schema.upper()
    target = tmp_path / "target"
    target.mkdir()
    (target / "manifest.json").write_bytes((folder / "manifest.json").read_bytes())
    (target / "catalog.json").write_text(json.dumps(catalog))
    project = Project.from_artifacts(load_artifacts(target))
    (finding,) = by_code(gate(project, rule_config(tmp_path, CODE)).findings, CODE)
    assert (finding.unique_id, finding.key) == (uid, f"schema {schema}")
    assert finding.details["project"] == schema
    assert finding.details["warehouse"] == schema.upper()
