"""The docs family: model, column and source descriptions, coverage thresholds, placeholders."""

from __future__ import annotations

import copy
import json
import textwrap
from pathlib import Path

import pytest
from cli_support import dbtgate
from corpus import CORPUS, corpus_dir
from policy_support import (
    by_code,
    corpus_manifest_project,
    corpus_project,
    edited_bouncer,
    gate,
    rule_config,
    short_ids,
    write_config,
)

from dbtgate.artifacts import load_artifacts
from dbtgate.project import Project
from dbtgate.state import compare_builds, in_scope

PKG = "dbt_bouncer_test_project"
STG_ORDERS = f"model.{PKG}.stg_orders"


def test_column_coverage_counts_undeclared_warehouse_columns_as_undocumented(tmp_path):
    project = corpus_project("bouncer-dbt112")
    text = """\
        version: 1
        policies:
          - select: "stg_orders"
            rules: {{docs.column_coverage: {{severity: error, min: 1.0, use_catalog: {flag}}}}}
        """
    with_catalog = gate(project, write_config(tmp_path, text.format(flag="true"))).findings
    assert sorted(f.column_name for f in by_code(with_catalog, "docs.column_coverage")) == [
        "customer_id",  # in catalog.json only
        "order_date",  # in catalog.json only
        "order_id",
        "status",
    ]
    declared_only = gate(project, write_config(tmp_path, text.format(flag="false"))).findings
    findings = by_code(declared_only, "docs.column_coverage")
    assert sorted(f.column_name for f in findings) == ["order_id", "status"]
    assert findings[0].message == (
        "column order_id of stg_orders has no description (0 of 2 columns documented, 0% < 100%)"
    )


def test_column_coverage_without_a_catalog_says_it_judged_the_declared_columns_only(tmp_path):
    """`dbt docs generate` forgotten: the columns only the warehouse has cannot be counted, and
    a model whose undeclared columns have no description passes. The note says so, with the
    way to write the catalog; not when the rule was told to judge the declared ones only."""
    text = """\
        version: 1
        policies:
          - select: "stg_orders"
            rules:
              docs.column_coverage: {{severity: error, min: 1.0, use_catalog: {flag}}}
        """
    target = tmp_path / "target"  # the build without its catalog.json
    target.mkdir()
    (target / "manifest.json").write_bytes(
        (corpus_dir("bouncer-dbt112") / "manifest.json").read_bytes()
    )
    project = Project.from_artifacts(load_artifacts(target))
    result = gate(project, write_config(tmp_path, text.format(flag="true")))
    assert sorted(f.column_name for f in by_code(result.findings, "docs.column_coverage")) == [
        "order_id",
        "status",
    ]
    assert [note for note in result.notes if "docs.column_coverage" in note] == [
        f"{tmp_path / 'dbtgate.yml'}:5: docs.column_coverage judged only the columns declared "
        "in YAML: this build has no catalog.json, so a column of the warehouse that no YAML "
        "declares went unseen (run `dbt docs generate --target-path docs-target` after the "
        f"build and copy its catalog.json into {target}/, or set `use_catalog: false`)"
    ]
    result = gate(project, write_config(tmp_path, text.format(flag="false")))
    assert [note for note in result.notes if "docs.column_coverage" in note] == []
    with_catalog = gate(
        corpus_project("bouncer-dbt112"), write_config(tmp_path, text.format(flag="true"))
    )
    assert [note for note in with_catalog.notes if "docs.column_coverage" in note] == []


def test_column_coverage_above_the_threshold_reports_nothing(tmp_path):
    project = corpus_project("bouncer-dbt112")
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "stg_orders"
            rules: {docs.column_coverage: {min: 0.0}}
        """,
    )
    assert by_code(gate(project, config).findings, "docs.column_coverage") == []


def test_column_coverage_judges_source_tables(tmp_path):
    """dbt-checkpoint's check-source-columns-have-desc: the bouncer project's sources describe
    no column; three of its tables declare none."""
    config = rule_config(
        tmp_path, "docs.column_coverage", "{min: 1.0}", select="resource_type:source"
    )
    findings = by_code(
        gate(corpus_project("bouncer-dbt112"), config).findings, "docs.column_coverage"
    )
    assert sorted((f.unique_id.split(".", 2)[2], f.column_name) for f in findings) == [
        ("dummy_source.customers", "first_name"),
        ("dummy_source.customers", "id"),
        ("dummy_source.customers", "last_name"),
        ("sources_that_dont_really_exist.Non_Conforming_Name", None),
        ("sources_that_dont_really_exist.source_1", None),
        ("sources_that_dont_really_exist.source_2", None),
    ]
    messages = {(f.unique_id.split(".")[-1], f.column_name): (f.message, f.fix) for f in findings}
    assert messages[("customers", "id")][0] == (
        "column id of source dummy_source.customers has no description "
        "(0 of 3 columns documented, 0% < 100%)"
    )
    assert messages[("source_1", None)] == (
        "source sources_that_dont_really_exist.source_1 declares no columns, so none is documented",
        "Declare its columns with descriptions under its table in the source's properties YAML.",
    )


def test_column_coverage_counts_a_source_tables_undeclared_catalog_columns(tmp_path):
    source = f"source.{PKG}.dummy_source.customers"
    manifest = json.loads((corpus_dir("bouncer-dbt112") / "manifest.json").read_text())
    columns = manifest["sources"][source]["columns"]
    columns["id"]["description"] = "The customer's key."
    del columns["last_name"]
    target = tmp_path / "target"
    target.mkdir()
    (target / "manifest.json").write_text(json.dumps(manifest))
    (target / "catalog.json").write_bytes(
        (corpus_dir("bouncer-dbt112") / "catalog.json").read_bytes()
    )
    project = Project.from_artifacts(load_artifacts(target))
    for use_catalog, expected in (("true", ["first_name", "last_name"]), ("false", ["first_name"])):
        config = rule_config(
            tmp_path, "docs.column_coverage", f"{{use_catalog: {use_catalog}}}", select=source
        )
        findings = by_code(gate(project, config).findings, "docs.column_coverage")
        assert sorted(f.column_name for f in findings) == expected, use_catalog


def test_model_description_missing_or_too_short(tmp_path):
    project = corpus_project("bouncer-dbt112")
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "resource_type:model"
            rules: {docs.model_description: error}
        """,
    )
    findings = by_code(gate(project, config).findings, "docs.model_description")
    assert [(f.unique_id, f.message) for f in findings] == [
        (
            f"model.{PKG}.int_exclude_via_meta_config",
            "int_exclude_via_meta_config has no description",
        )
    ]
    longer = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "stg_orders"
            rules: {docs.model_description: {severity: warn, min_length: 100}}
        """,
        name="longer.yml",
    )
    [finding] = by_code(gate(project, longer).findings, "docs.model_description")
    assert "the policy asks for at least 100" in finding.message


def test_source_description(tmp_path):
    project = corpus_project("bouncer-dbt112")
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "resource_type:source"
            rules: {docs.source_description: warn}
        """,
    )
    findings = by_code(gate(project, config).findings, "docs.source_description")
    assert [f.message for f in findings] == [
        "source sources_that_dont_really_exist.Non_Conforming_Name has no description"
    ]


def test_exposure_description(tmp_path):
    """Both exposures of the corpus are described; one emptied, one cut short, both flagged."""

    def edit(data):
        data["exposures"][f"exposure.{PKG}.customers"]["description"] = " "
        data["exposures"][f"exposure.{PKG}.pulse_queries"]["description"] = "WIP"

    config = write_config(
        tmp_path / "config",
        """\
        version: 1
        policies:
          - select: "resource_type:exposure"
            rules: {docs.exposure_description: {severity: warn, min_length: 4}}
        """,
    )
    assert by_code(gate(corpus_project("bouncer-dbt112"), config).findings, "docs.") == []
    findings = gate(edited_bouncer(tmp_path, edit), config).findings
    assert sorted(f.message for f in by_code(findings, "docs.exposure_description")) == [
        "exposure customers has no description",
        "exposure pulse_queries's description is 3 characters long, the policy asks for at least 4",
    ]
    assert {f.path for f in findings} == {"models/marts/finance/_exposures.yml"}


def test_placeholders_are_found_on_models_and_columns(tmp_path):
    path = corpus_dir("bouncer-dbt112") / "manifest.json"
    if not path.is_file():
        pytest.skip(f"corpus absent: {path}")
    data = copy.deepcopy(json.loads(path.read_text()))
    node = data["nodes"][STG_ORDERS]
    node["description"] = "TODO: describe the grain"
    node["columns"]["order_id"]["description"] = "Order id."
    node["columns"]["status"]["description"] = "N/A"
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "manifest.json").write_text(json.dumps(data))
    project = Project.from_artifacts(load_artifacts(tmp_path / "target"))
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "stg_orders"
            rules: {docs.placeholder: warn}
        """,
    )
    findings = by_code(gate(project, config).findings, "docs.placeholder")
    assert sorted((f.column_name or "", f.details["description"]) for f in findings) == [
        ("", "TODO: describe the grain"),
        ("order_id", "Order id."),  # the column's own name
        ("status", "N/A"),
    ]
    custom = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "stg_orders"
            rules: {docs.placeholder: {words: ["see sql"]}}
        """,
        name="custom.yml",
    )
    only_markers = by_code(gate(project, custom).findings, "docs.placeholder")
    # "N/A" is no longer a listed word; a leading TODO marker and the name still count.
    assert sorted(f.column_name or "" for f in only_markers) == ["", "order_id"]


def test_a_column_described_unlike_the_rest_of_the_project(tmp_path):
    """recce's jaffle shop: customer_id is 'a unique identifier for a customer' in three models
    (one without the final full stop: the same text) and 'Foreign key to the customers table'
    in orders."""
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "*"
            rules: {docs.column_description_consistent: warn}
        """,
    )
    findings = by_code(
        gate(corpus_project("recce-pair/pr2"), config).findings,
        "docs.column_description_consistent",
    )
    assert [(f.unique_id, f.column_name) for f in findings] == [
        ("model.jaffle_shop.orders", "customer_id")
    ]
    assert findings[0].message == (
        "orders.customer_id is described differently from 3 other models "
        "(customer_order_pattern, customer_segments, customers), which say: "
        "'This is a unique identifier for a customer'"
    )
    assert findings[0].details["models"] == [
        "model.jaffle_shop.customer_order_pattern",
        "model.jaffle_shop.customer_segments",
        "model.jaffle_shop.customers",
    ]


MACRO_RULES = """\
    version: 1
    policies:
      - select: "*"
        rules:
          docs.macro_description: warn
          docs.macro_arguments: warn
    """


def undocumented_macros(manifest: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """The truth, read with plain json: the root project's macros without a description, and
    (macro, argument) for each argument without one."""
    raw = json.loads(manifest.read_text())
    root = raw["metadata"]["project_name"]
    mine = {uid: m for uid, m in raw["macros"].items() if m["package_name"] == root}
    blank = [uid for uid, m in mine.items() if not (m.get("description") or "").strip()]
    arguments = [
        (uid, a["name"])
        for uid, m in mine.items()
        for a in m.get("arguments") or []
        if not (a.get("description") or "").strip()
    ]
    return sorted(blank), sorted(arguments)


@pytest.mark.parametrize(
    ("manifest", "expected_counts"),
    [
        # 5 macros of the project, each described with every argument (checked on the file).
        ("bouncer-dbt112/manifest.json", (0, 0)),
        # jaffle shop built by dbt 1.12: 6 macros without YAML, their arguments from the
        # signatures (cents_to_dollars and its 4 adapter implementations, generate_schema_name).
        ("schema-versions/manifest_v12_dbt1.12.json", (6, 7)),
    ],
)
def test_macro_rules_find_what_the_manifest_says(manifest, expected_counts, tmp_path):
    project = corpus_manifest_project(manifest)
    blank, arguments = undocumented_macros(CORPUS / manifest)
    assert (len(blank), len(arguments)) == expected_counts
    findings = gate(project, write_config(tmp_path, MACRO_RULES)).findings
    assert [f.unique_id for f in by_code(findings, "docs.macro_description")] == blank
    found = by_code(findings, "docs.macro_arguments")
    assert [(f.unique_id, f.column_name) for f in found] == arguments
    # Without a properties YAML, the finding is on the macro's SQL file.
    for finding in findings:
        macro = project.macros[finding.unique_id]
        assert (finding.path, finding.line) == (macro.original_file_path, 1)
        assert finding.resource_type == "macro"


def test_macro_findings_name_the_macro_and_the_argument(tmp_path):
    project = corpus_manifest_project("schema-versions/manifest_v12_dbt1.12.json")
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "*"
            exclude: "resource_type:macro,*__*"   # adapter implementations: default__x, ...
            rules: {docs.macro_description: warn, docs.macro_arguments: warn}
        """,
    )
    findings = gate(project, config).findings
    assert [(f.code, f.unique_id, f.column_name, f.message) for f in findings] == [
        (
            "docs.macro_arguments",
            "macro.jaffle_shop.cents_to_dollars",
            "column_name",
            "argument column_name of macro cents_to_dollars has no description",
        ),
        (
            "docs.macro_arguments",
            "macro.jaffle_shop.generate_schema_name",
            "custom_schema_name",
            "argument custom_schema_name of macro generate_schema_name has no description",
        ),
        (
            "docs.macro_arguments",
            "macro.jaffle_shop.generate_schema_name",
            "node",
            "argument node of macro generate_schema_name has no description",
        ),
        (
            "docs.macro_description",
            "macro.jaffle_shop.cents_to_dollars",
            None,
            "macro cents_to_dollars has no description",
        ),
        (
            "docs.macro_description",
            "macro.jaffle_shop.generate_schema_name",
            None,
            "macro generate_schema_name has no description",
        ),
    ]
    assert {(f.path, f.line) for f in findings} == {
        ("macros/cents_to_dollars.sql", 1),
        ("macros/generate_schema_name.sql", 1),
    }


# The bouncer project's macro properties, as its repository could write them.
BOUNCER_MACRO_YAML = {
    "macros/_macros.yml": """\
        version: 2

        macros:
          - name: cents_to_dollars
            arguments:
              - name: column_name
                description: A column that contains values in cents
        """,
    "macros/system/_system__macros.yml": """\
        version: 2

        macros:
          - name: apply_grants
            description: Override of dbt's apply_grants that skips grant application on dbt 2.0.
            arguments:
              - name: relation
                description: The relation to which grants would be applied.
              - name: grant_config
              - name: should_revoke
                description: Whether existing grants should be revoked before applying.

          - name: generate_schema_name
            description: Schema.
        """,
}


def _plant_undocumented_macros(data: dict) -> None:
    macros = data["macros"]
    macros[f"macro.{PKG}.cents_to_dollars"]["description"] = ""
    macros[f"macro.{PKG}.apply_grants"]["arguments"][1]["description"] = ""
    macros[f"macro.{PKG}.generate_schema_name"]["description"] = "Schema."
    macros[f"macro.{PKG}.test_values_below_threshold"]["arguments"][2]["description"] = " "


def test_planted_macro_findings_point_at_their_yaml_lines(tmp_path):
    project = edited_bouncer(tmp_path, _plant_undocumented_macros)
    project.project_dir = tmp_path / "project"
    for relative, text in BOUNCER_MACRO_YAML.items():
        (project.project_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (project.project_dir / relative).write_text(textwrap.dedent(text))
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "*"
            rules:
              docs.macro_description: {severity: warn, min_length: 20}
              docs.macro_arguments: warn
              docs.model_description: warn
        """,
    )
    findings = gate(project, config).findings
    found = [f for f in findings if f.resource_type == "macro"]
    assert [(f.unique_id, f.column_name, f.path, f.line, f.message) for f in found] == [
        (
            f"macro.{PKG}.apply_grants",
            "grant_config",
            "macros/system/_system__macros.yml",
            9,
            "argument grant_config of macro apply_grants has no description",
        ),
        (
            # Its properties file (macros/_tests.yml) is not there: the macro's own file.
            f"macro.{PKG}.test_values_below_threshold",
            "threshold",
            "tests/generic/values_below_threshold.sql",
            1,
            "argument threshold of macro test_values_below_threshold has no description",
        ),
        (
            f"macro.{PKG}.cents_to_dollars",
            None,
            "macros/_macros.yml",
            4,
            "macro cents_to_dollars has no description",
        ),
        (
            f"macro.{PKG}.generate_schema_name",
            None,
            "macros/system/_system__macros.yml",
            13,
            "macro generate_schema_name's description is 7 characters long, the policy asks "
            "for at least 20",
        ),
    ]
    # Completed as any finding: the macro's name, its owner from meta.owner, the default tier.
    assert [f.resource_name for f in found] == [f.unique_id.rsplit(".", 1)[1] for f in found]
    assert {(f.owner, f.tier) for f in found} == {("Data Team", 3)}
    # The model rule of the same policy saw models only, and the macro rules no model.
    assert {f.code for f in findings if f.resource_type != "macro"} == {"docs.model_description"}


def test_a_new_undocumented_macro_blocks_and_an_old_one_does_not_under_scope_changed(tmp_path):
    def undocumented(data: dict) -> None:
        data["macros"][f"macro.{PKG}.cents_to_dollars"]["description"] = ""

    def with_a_new_macro(data: dict) -> None:
        undocumented(data)
        new = copy.deepcopy(data["macros"][f"macro.{PKG}.cents_to_dollars"])
        new.update(name="dollars_to_cents", unique_id=f"macro.{PKG}.dollars_to_cents")
        data["macros"][new["unique_id"]] = new

    (tmp_path / "base").mkdir()
    (tmp_path / "pr").mkdir()
    base = edited_bouncer(tmp_path / "base", undocumented)
    pr = edited_bouncer(tmp_path / "pr", with_a_new_macro)
    changes = compare_builds(pr, base)
    assert [uid for uid in changes.new if uid.startswith("macro.")] == [
        f"macro.{PKG}.dollars_to_cents"
    ]
    config = write_config(
        tmp_path,
        """\
        version: 1
        scope: changed
        policies:
          - select: "resource_type:macro"
            rules: {docs.macro_description: error}
        """,
    )
    result = gate(pr, config, changed=in_scope(changes, pr))
    assert [(f.unique_id, f.disposition) for f in result.findings] == [
        (f"macro.{PKG}.cents_to_dollars", "out_of_scope"),
        (f"macro.{PKG}.dollars_to_cents", "blocking"),
    ]
    assert result.decision == "fail"


def _folder(path: str) -> str:
    return path.split("://", 1)[-1].rsplit("/", 1)[0]


def test_properties_beside_sql_on_a_real_build_and_planted(tmp_path):
    """The bouncer project keeps each folder's YAML beside its SQL (the truth, with plain json);
    stg_orders declared in a catch-all models/schema.yml is reported."""
    manifest = json.loads((corpus_dir("bouncer-dbt112") / "manifest.json").read_text())
    apart = [
        uid
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed", "snapshot")
        and node["package_name"] == PKG
        and node.get("patch_path")
        and _folder(node["patch_path"]) != _folder(node["original_file_path"])
    ]
    assert apart == []
    config = rule_config(tmp_path / "c", "docs.properties_beside_sql")
    assert (
        by_code(
            gate(corpus_project("bouncer-dbt112"), config).findings, "docs.properties_beside_sql"
        )
        == []
    )

    def edit(data: dict) -> None:
        data["nodes"][f"model.{PKG}.stg_orders"]["patch_path"] = f"{PKG}://models/schema.yml"

    [finding] = by_code(
        gate(edited_bouncer(tmp_path, edit), config).findings, "docs.properties_beside_sql"
    )
    assert finding.unique_id == f"model.{PKG}.stg_orders"
    assert finding.message == (
        "stg_orders is declared in models/schema.yml, not beside models/staging/crm/stg_orders.sql"
    )


def test_properties_beside_sql_reads_paths_written_on_windows(tmp_path):
    """dbt on Windows writes backslashes in both paths: a YAML beside its SQL is still beside."""

    def windows(data: dict) -> None:
        for node in data["nodes"].values():
            node["original_file_path"] = node["original_file_path"].replace("/", "\\")
            if node.get("patch_path"):  # `package://models\\x.yml`: the prefix stays
                package, _, path = node["patch_path"].partition("://")
                node["patch_path"] = package + "://" + path.replace("/", "\\")

    config = rule_config(tmp_path / "c", "docs.properties_beside_sql")
    findings = gate(edited_bouncer(tmp_path, windows), config).findings
    assert by_code(findings, "docs.properties_beside_sql") == []


def _bouncer_with_catalog(tmp_path: Path, edit_catalog) -> Project:
    """The bouncer build (manifest and catalog.json) with `edit_catalog(catalog_dict)` applied."""
    build = corpus_dir("bouncer-dbt112")
    if not build.is_dir():
        pytest.skip(f"corpus absent: {build}")
    target = tmp_path / "target"
    target.mkdir(parents=True)
    (target / "manifest.json").write_bytes((build / "manifest.json").read_bytes())
    catalog = json.loads((build / "catalog.json").read_text())
    edit_catalog(catalog)
    (target / "catalog.json").write_text(json.dumps(catalog))
    return Project.from_artifacts(load_artifacts(target))


def test_columns_exist_finds_a_declared_column_the_table_does_not_have(tmp_path):
    def rename_status(catalog: dict) -> None:
        columns = catalog["nodes"][STG_ORDERS]["columns"]
        status = columns.pop("status")
        columns["order_status"] = {**status, "name": "order_status"}
        # Snowflake spells names in upper case: still the declared order_id.
        order_id = columns.pop("order_id")
        columns["ORDER_ID"] = {**order_id, "name": "ORDER_ID"}

    project = _bouncer_with_catalog(tmp_path, rename_status)
    result = gate(project, rule_config(tmp_path, "docs.columns_exist"))
    [finding] = by_code(result.findings, "docs.columns_exist")
    assert (finding.unique_id, finding.column_name) == (STG_ORDERS, "status")
    assert finding.message == (
        "column status of stg_orders is declared in YAML, but the warehouse's table has no "
        "such column (renamed to order_status?)"
    )
    assert finding.details["renamed_to"] == "order_status"
    untouched = _bouncer_with_catalog(tmp_path / "untouched", lambda catalog: None)
    result = gate(untouched, rule_config(tmp_path / "untouched", "docs.columns_exist"))
    assert by_code(result.findings, "docs.columns_exist") == []


def test_columns_exist_on_a_real_build_with_a_stale_column(tmp_path):
    """Recce's jaffle_shop declares customers.total_order_amount, which its SQL does not build."""
    project = corpus_project("recce-pair/pr2")
    result = gate(project, rule_config(tmp_path, "docs.columns_exist"))
    found = by_code(result.findings, "docs.columns_exist")
    assert [(f.unique_id, f.column_name) for f in found] == [
        ("model.jaffle_shop.customers", "total_order_amount")
    ]


def test_columns_exist_without_a_catalog_says_it_checked_nothing(tmp_path):
    project = corpus_manifest_project("recce-pair/pr2/manifest.json")
    result = gate(project, rule_config(tmp_path, "docs.columns_exist"))
    assert by_code(result.findings, "docs.columns_exist") == []
    assert [note for note in result.notes if "docs.columns_exist" in note] == [
        f"{tmp_path / 'dbtgate.yml'}:5: docs.columns_exist reads catalog.json (`dbt docs "
        "generate` writes it), which this build does not have, so it checked nothing"
    ]


def test_example_sql_asks_sql_models_for_a_sql_block_in_their_description(tmp_path):
    uid = f"model.{PKG}.orders"

    def edit(manifest: dict) -> None:
        nodes = manifest["nodes"]
        nodes[uid]["description"] += "\n\n  ~~~SQL\n  select * from {{ ref('orders') }}\n  ~~~"
        nodes[f"model.{PKG}.stg_orders"]["description"] = "```python\nprint(1)\n```"

    project = edited_bouncer(tmp_path, edit)
    config = rule_config(tmp_path, "docs.example_sql", select="access:public")
    findings = by_code(gate(project, config).findings, "docs.example_sql")
    # The public models: orders has its example; the three versions of customers have none.
    assert [(f.unique_id, f.message) for f in findings] == [
        (f"model.{PKG}.customers.v{v}", f"customers v{v}'s description has no example SQL query")
        for v in (1, 2, 3)
    ]
    everywhere = rule_config(tmp_path, "docs.example_sql")
    failing = {f.unique_id for f in by_code(gate(project, everywhere).findings, "docs.example_sql")}
    # A python block is no SQL example; the Python model is skipped.
    assert f"model.{PKG}.stg_orders" in failing
    assert uid not in failing and f"model.{PKG}.py_order_stats" not in failing


def test_description_pattern_asks_each_description_for_a_match(tmp_path):
    """dbt-bouncer's check_model_description_contains_regexp_pattern: of the bouncer project's
    models and seeds, those whose description says "table" pass."""
    config = rule_config(
        tmp_path,
        "docs.description_pattern",
        r"{pattern: '(?i)\btable\b', reason: say what the relation is}",
        select="resource_type:model resource_type:seed",
    )
    project = corpus_project("bouncer-dbt112")
    findings = by_code(gate(project, config).findings, "docs.description_pattern")
    assert short_ids(findings) == [
        "int_disabled_model",
        "int_exclude_via_meta_config",
        "int_incremental",
        "int_model_1",
        "metricflow_time_spine",
        "py_order_stats",
        "raw_customers",
        "raw_orders",
        "raw_payments",
        "stg_raw_orders_for_snapshot",
    ]
    messages = {f.unique_id.rsplit(".", 1)[1]: f.message for f in findings}
    assert messages["int_incremental"] == (
        r"int_incremental's description has no match for the pattern (?i)\btable\b: "
        "say what the relation is"
    )
    assert messages["int_exclude_via_meta_config"] == (
        r"int_exclude_via_meta_config has no description, which the pattern (?i)\btable\b "
        "asks for: say what the relation is"
    )
    # Bouncer matches at the start, `.` across lines: its `Staging` is `(?s)^Staging`.
    start = rule_config(
        tmp_path, "docs.description_pattern", "{pattern: '(?s)^Staging'}", "path:models/staging"
    )
    assert short_ids(by_code(gate(project, start).findings, "docs.description_pattern")) == [
        "stg_raw_orders_for_snapshot"
    ]


def test_description_pattern_is_a_config_error_at_its_line_when_it_is_no_regex(tmp_path):
    artifacts = corpus_dir("bouncer-dbt112")
    if not artifacts.is_dir():
        pytest.skip(f"corpus absent: {artifacts}")
    config = rule_config(tmp_path, "docs.description_pattern", "{pattern: 'grain: (one'}")
    result = dbtgate("check", "--artifacts", str(artifacts), "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.endswith(
        "dbtgate.yml:5: policies[0].rules.docs.description_pattern: pattern: not a regular "
        "expression (missing ), unterminated subpattern at position 7): 'grain: (one'"
    )
    unset = rule_config(tmp_path, "docs.description_pattern", "warn")
    result = dbtgate("check", "--artifacts", str(artifacts), "--config", str(unset), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().endswith(
        "pattern: required: give a regular expression (an empty one would check nothing)"
    )


@pytest.mark.slow
def test_description_pattern_points_at_the_models_yaml_line(shop_builds, tmp_path):
    """The fixture's marts begin their description with their grain, but three."""
    project = Project.from_artifacts(load_artifacts(shop_builds.pr / "target"), shop_builds.pr)
    config = rule_config(
        tmp_path, "docs.description_pattern", "{pattern: '(?i)^one row per '}", "path:models/marts"
    )
    findings = by_code(gate(project, config).findings, "docs.description_pattern")
    marts = "models/marts/_marts.yml"
    assert sorted((f.unique_id, f.path, f.line) for f in findings) == [
        ("model.shop.customer_ltv", marts, 101),
        ("model.shop.customer_segments", marts, 142),
        ("model.shop.finance_revenue", marts, 125),
    ]


def test_dbt_s_own_snapshot_columns_are_not_asked_to_be_described() -> None:
    """A snapshot table holds dbt_scd_id, dbt_valid_from, ... from dbt itself: the catalog
    lists them, and docs.column_coverage (and the KPIs) asked the team to describe them."""
    build = corpus_dir("bouncer-dbt112")
    if not build.is_dir():
        pytest.skip(f"corpus absent: {build}")
    project = Project.from_artifacts(load_artifacts(build))
    snapshot = project.nodes["snapshot.dbt_bouncer_test_project.snapshot_orders"]
    assert "dbt_scd_id" in (project.catalog_table(snapshot.unique_id).columns or {})
    docs = project.column_docs(snapshot)
    assert sorted(docs.undescribed) == ["id", "order_date", "status", "user_id"]
    assert docs.total == 4


def test_a_snapshot_s_renamed_dbt_columns_are_dbt_s_too(tmp_path: Path) -> None:
    """dbt 1.9+ lets a snapshot rename the columns it adds (`snapshot_meta_column_names:
    {dbt_valid_to: valid_until}`): the table then holds valid_until, still dbt's, which
    docs.column_coverage must not ask the team to describe, as it asks for no dbt_valid_to."""
    build = corpus_dir("bouncer-dbt112")
    if not build.is_dir():
        pytest.skip(f"corpus absent: {build}")
    uid = "snapshot.dbt_bouncer_test_project.snapshot_orders"
    manifest = json.loads((build / "manifest.json").read_text())
    names = manifest["nodes"][uid]["config"]["snapshot_meta_column_names"]
    names.update(dbt_valid_to="valid_until", dbt_scd_id="scd_id")
    catalog = json.loads((build / "catalog.json").read_text())
    columns = catalog["nodes"][uid]["columns"]
    for old, new in (("dbt_valid_to", "valid_until"), ("dbt_scd_id", "scd_id")):
        columns[new] = {**columns.pop(old), "name": new}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    project = Project.from_artifacts(load_artifacts(tmp_path))
    docs = project.column_docs(project.nodes[uid])
    assert sorted(docs.undescribed) == ["id", "order_date", "status", "user_id"]
    # Renamed, the default name is the team's again: a column of theirs called dbt_valid_to.
    columns["dbt_valid_to"] = {**columns["valid_until"], "name": "dbt_valid_to"}
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    project = Project.from_artifacts(load_artifacts(tmp_path))
    assert "dbt_valid_to" in project.column_docs(project.nodes[uid]).undescribed
