"""dbt-project-evaluator's structure and source documentation rules: each source declared in its
own folder, each staging model in its source's folder, each source described, on the bouncer
build as dbt wrote it (the truth computed with plain json) and with what it lacks planted."""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath

import pytest
from corpus import CORPUS
from policy_support import by_code, corpus_project, edited_bouncer, gate, rule_config

from dbtgate.errors import DbtgateError
from dbtgate.rules.registry import ParamError, load_rules

PKG = "dbt_bouncer_test_project"
STG_CUSTOMERS = f"model.{PKG}.stg_customers"
STG_ORDERS = f"model.{PKG}.stg_orders"
CUSTOMERS = f"source.{PKG}.dummy_source.customers"


def _raw_manifest() -> dict:
    path = CORPUS / "bouncer-dbt112" / "manifest.json"
    if not path.is_file():
        pytest.skip(f"corpus absent: {path}")
    return json.loads(path.read_text())


def test_sources_declared_outside_their_folder_on_a_real_build(tmp_path):
    """The bouncer project declares dummy_source in models/staging/crm/ and
    sources_that_dont_really_exist in models/staging/payments/: each of their tables is
    reported; the tiktok_ads package's sources are not the project's to judge."""
    manifest = _raw_manifest()
    expected = {
        uid
        for uid, source in manifest["sources"].items()
        if source["package_name"] == PKG
        and source["source_name"] not in PurePosixPath(source["original_file_path"]).parts[:-1]
    }
    assert len(expected) == 4
    config = rule_config(tmp_path, "naming.source_folder")
    findings = by_code(
        gate(corpus_project("bouncer-dbt112"), config).findings, "naming.source_folder"
    )
    assert {f.unique_id for f in findings} == expected
    [customers] = [f for f in findings if f.unique_id == CUSTOMERS]
    assert customers.message == (
        "source dummy_source.customers is declared in models/staging/crm/_crm__sources.yml, "
        "not in a folder named dummy_source/"
    )


@pytest.mark.parametrize(
    "path",
    [
        "models/staging/dummy_source/_dummy_source__sources.yml",
        "models/Dummy_Source/sources.yml",  # any folder, in any case
        "models\\staging\\dummy_source\\sources.yml",  # as dbt on Windows writes it
    ],
)
def test_a_source_in_a_folder_named_after_it_passes(tmp_path, path):
    def edit(data: dict) -> None:
        data["sources"][CUSTOMERS]["original_file_path"] = path

    config = rule_config(tmp_path / "c", "naming.source_folder")
    findings = by_code(
        gate(edited_bouncer(tmp_path, edit), config).findings, "naming.source_folder"
    )
    assert findings and CUSTOMERS not in {f.unique_id for f in findings}


def test_staging_models_outside_their_sources_folder(tmp_path):
    """stg_customers reads dummy_source from models/staging/crm/: reported. The staging models
    reading seeds only are not checked, nor int_ and mart models reading dummy_source through
    stg_customers."""
    config = rule_config(tmp_path / "c", "naming.staging_folder")
    findings = by_code(
        gate(corpus_project("bouncer-dbt112"), config).findings, "naming.staging_folder"
    )
    assert [(f.unique_id, f.message) for f in findings] == [
        (
            STG_CUSTOMERS,
            "stg_customers reads source dummy_source but is in models/staging/crm/, not in a "
            "folder named dummy_source/",
        )
    ]

    def moved(data: dict) -> None:
        node = data["nodes"][STG_CUSTOMERS]
        node["original_file_path"] = "models\\staging\\Dummy_Source\\stg_customers.sql"

    project = edited_bouncer(tmp_path, moved)
    assert by_code(gate(project, config).findings, "naming.staging_folder") == []


def test_a_staging_model_reading_a_source_through_another_model(tmp_path):
    """stg_orders reading stg_customers reads dummy_source too, as the evaluator walks it."""

    def edit(data: dict) -> None:
        data["nodes"][STG_ORDERS]["depends_on"]["nodes"].append(STG_CUSTOMERS)

    config = rule_config(tmp_path / "c", "naming.staging_folder")
    findings = by_code(
        gate(edited_bouncer(tmp_path, edit), config).findings, "naming.staging_folder"
    )
    assert sorted(f.unique_id for f in findings) == [STG_CUSTOMERS, STG_ORDERS]


def test_staging_folder_with_the_teams_own_layers(tmp_path):
    """With a `base` layer named by its folder, base models are judged and staging ones not."""

    def edit(data: dict) -> None:
        data["nodes"][STG_CUSTOMERS]["original_file_path"] = "models/base/crm/stg_customers.sql"

    config = rule_config(
        tmp_path / "c",
        "naming.staging_folder",
        '{layers: {base: ["base_"], marts: ["fct_"]}, layer: base}',
    )
    findings = by_code(
        gate(edited_bouncer(tmp_path, edit), config).findings, "naming.staging_folder"
    )
    assert [f.message for f in findings] == [
        "stg_customers reads source dummy_source but is in models/base/crm/, not in a folder "
        "named dummy_source/"
    ]


def test_staging_folder_layer_must_be_one_of_the_layers(tmp_path):
    rule = load_rules()["naming.staging_folder"]
    with pytest.raises(ParamError, match=r"layer stging is not one of the `layers`"):
        rule.resolve_params({"layer": "stging"})
    config = rule_config(tmp_path, "naming.staging_folder", "{severity: warn, layer: stging}")
    with pytest.raises(DbtgateError) as error:
        gate(corpus_project("bouncer-dbt112"), config)
    assert str(error.value).startswith(
        f"{config}:5: policies[0].rules.naming.staging_folder: layer stging is not one of"
    )


def test_sources_without_a_description_of_their_own(tmp_path):
    """Every source of the bouncer project describes itself; blank one (whitespace is no
    description) and each of its tables is reported, naming the source."""
    manifest = _raw_manifest()
    assert all(
        source["source_description"].strip()
        for source in manifest["sources"].values()
        if source["package_name"] == PKG
    )
    config = rule_config(tmp_path / "c", "docs.source_level_description")
    assert (
        by_code(
            gate(corpus_project("bouncer-dbt112"), config).findings,
            "docs.source_level_description",
        )
        == []
    )

    def edit(data: dict) -> None:
        for source in data["sources"].values():
            if source["source_name"] == "sources_that_dont_really_exist":
                source["source_description"] = "  \n"

    findings = by_code(
        gate(edited_bouncer(tmp_path, edit), config).findings, "docs.source_level_description"
    )
    assert sorted(f.unique_id.rsplit(".", 1)[1] for f in findings) == [
        "Non_Conforming_Name",
        "source_1",
        "source_2",
    ]
    assert (
        "source sources_that_dont_really_exist (declaring sources_that_dont_really_exist.source_1)"
        " has no description" in {f.message for f in findings}
    )


def test_a_models_tests_are_declared_in_its_properties_file():
    """Why docs.properties_beside_sql stands for dbt-project-evaluator's fct_test_directories:
    dbt records each generic test on a model in the YAML file that declares the model, so a
    test outside the model's folder is a properties entry outside it."""
    manifest = _raw_manifest()
    nodes = manifest["nodes"]
    pairs = [
        (test["original_file_path"], nodes[test["attached_node"]]["patch_path"])
        for test in nodes.values()
        if test["resource_type"] == "test"
        and test.get("test_metadata")
        and (test.get("attached_node") or "").startswith("model.")
    ]
    assert len(pairs) > 10
    assert all(patch.split("://", 1)[1] == test_file for test_file, patch in pairs)


# The rules of dbt-project-evaluator's Modeling, Testing, Documentation, Structure, Performance
# and Governance pages: the 28 checks of 2.0, and 1.x's fct_hard_coded_references.
EVALUATOR_RULES = [
    "fct_direct_join_to_source",
    "fct_marts_or_intermediate_dependent_on_source",
    "fct_duplicate_sources",
    "fct_hard_coded_references",
    "fct_model_fanout",
    "fct_multiple_sources_joined",
    "fct_rejoining_of_upstream_concepts",
    "fct_root_models",
    "fct_source_fanout",
    "fct_staging_dependent_on_marts_or_intermediate",
    "fct_staging_dependent_on_staging",
    "fct_unused_sources",
    "fct_too_many_joins",
    "fct_missing_primary_key_tests",
    "fct_sources_without_freshness",
    "fct_test_coverage",
    "fct_documentation_coverage",
    "fct_undocumented_models",
    "fct_undocumented_source_tables",
    "fct_undocumented_sources",
    "fct_model_naming_conventions",
    "fct_model_directories",
    "fct_source_directories",
    "fct_test_directories",
    "fct_chained_views_dependencies",
    "fct_exposure_parents_materializations",
    "fct_public_models_without_contract",
    "fct_undocumented_public_models",
    "fct_exposures_dependent_on_private_models",
    # In the evaluator's repository, not (yet) on its rules pages.
    "fct_unused_staging_models",
    "fct_resource_yml_naming_conventions",
    "fct_resource_yml_files_with_multiple_resource_types",
]


def test_coming_from_maps_every_rule_of_the_evaluator():
    """docs/coming-from.md says every evaluator rule has a row: each is in its table's first
    column, once."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "coming-from.md").read_text()
    section = text.split("## dbt-project-evaluator", 1)[1].split("\n## ", 1)[0]
    named = [
        name
        for line in section.splitlines()
        if line.startswith("| `")
        for name in re.findall(r"`(fct_[a-z_]+)`", line.split("|")[1])
    ]
    assert sorted(named) == sorted(EVALUATOR_RULES)
