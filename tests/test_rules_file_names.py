"""dbt-bouncer's file naming checks: a macro in a file of its name, a properties YAML named after
its folder and what it declares; on the bouncer build as dbt wrote it (which follows both
conventions, as bouncer's own test project must), with what breaks them planted, and on the
fixture project, whose files follow a convention of their own."""

from __future__ import annotations

import json
from pathlib import PurePosixPath

import pytest
from corpus import CORPUS
from policy_support import by_code, corpus_project, edited_bouncer, gate, rule_config, short_ids

from dbtgate.artifacts.load import load_artifacts
from dbtgate.project import Project

PKG = "dbt_bouncer_test_project"
CENTS = f"macro.{PKG}.cents_to_dollars"
STG_CUSTOMERS = f"model.{PKG}.stg_customers"
CUSTOMERS = f"source.{PKG}.dummy_source.customers"
NAME = "docs.properties_file_name"


def _root_macro_files() -> list[tuple[str, str]]:
    """The truth, with plain json: the root project's macros and their files' names."""
    path = CORPUS / "bouncer-dbt112" / "manifest.json"
    if not path.is_file():
        pytest.skip(f"corpus absent: {path}")
    macros = json.loads(path.read_text())["macros"].values()
    return sorted(
        (macro["name"], PurePosixPath(macro["original_file_path"]).stem)
        for macro in macros
        if macro["package_name"] == PKG
    )


def test_the_bouncer_projects_macros_are_in_files_of_their_names(tmp_path):
    """Its generic test values_below_threshold (dbt's test_values_below_threshold) included."""
    files = _root_macro_files()
    assert len(files) == 5
    assert ("test_values_below_threshold", "values_below_threshold") in files
    config = rule_config(tmp_path, "naming.macro_file")
    project = corpus_project("bouncer-dbt112")
    assert by_code(gate(project, config).findings, "naming.macro_file") == []


def _macro_moved(name: str, path: str):
    def edit(manifest: dict) -> None:
        macro = manifest["macros"][CENTS]
        macro["name"] = name
        macro["original_file_path"] = path

    return edit


def test_a_macro_in_another_file_is_reported(tmp_path):
    config = rule_config(tmp_path / "c", "naming.macro_file")
    project = edited_bouncer(tmp_path, _macro_moved("cents_to_dollars", "macros/money.sql"))
    [finding] = by_code(gate(project, config).findings, "naming.macro_file")
    assert finding.unique_id == CENTS
    assert finding.message == "macro cents_to_dollars is in money.sql, not in cents_to_dollars.sql"


@pytest.mark.parametrize(
    "name, path",
    [
        ("default__cents_to_dollars", "macros/cents_to_dollars.sql"),
        ("snowflake__cents_to_dollars", "macros\\money\\cents_to_dollars.sql"),
        ("materialization_insert_only_duckdb", "macros/insert_only.sql"),
        ("test_not_negative", "tests/generic/not_negative.sql"),
        ("default__test_not_negative", "macros/not_negative.sql"),
    ],
)
def test_dbts_own_names_for_a_files_other_macros_pass(tmp_path, name, path):
    """A dispatched implementation beside its dispatcher, a materialization, a generic test."""
    config = rule_config(tmp_path / "c", "naming.macro_file")
    project = edited_bouncer(tmp_path, _macro_moved(name, path))
    assert by_code(gate(project, config).findings, "naming.macro_file") == []


@pytest.mark.parametrize(
    "name, path",
    [
        ("__cents_to_dollars", "macros/cents_to_dollars.sql"),  # no adapter before the __
        ("cents_to_dollars_v2", "macros/cents_to_dollars.sql"),
        ("test_not_negative", "macros/test_helpers.sql"),
    ],
)
def test_names_that_only_look_like_the_files_fail(tmp_path, name, path):
    config = rule_config(tmp_path / "c", "naming.macro_file")
    project = edited_bouncer(tmp_path, _macro_moved(name, path))
    assert short_ids(by_code(gate(project, config).findings, "naming.macro_file")) == [
        "cents_to_dollars"
    ]


def test_the_bouncer_projects_properties_files_follow_the_structure_guide(tmp_path):
    """Its models' `_stg_crm__models.yml`, `_utilities_time_spines__models.yml`, sources'
    `_crm__sources.yml`, `macros/_macros.yml`, `seeds/_seeds.yml`, as bouncer's checks ask; its
    model_1, which no YAML declares, is docs.properties_file's."""
    config = rule_config(tmp_path, NAME)
    assert by_code(gate(corpus_project("bouncer-dbt112"), config).findings, NAME) == []


def _declared_in(unique_id: str, path: str):
    def edit(manifest: dict) -> None:
        section = "sources" if unique_id.startswith("source.") else "nodes"
        if unique_id.startswith("macro."):
            section = "macros"
        entry = manifest[section][unique_id]
        key = "original_file_path" if section == "sources" else "patch_path"
        entry[key] = path if section == "sources" else f"{PKG}://{path}"

    return edit


@pytest.mark.parametrize(
    "unique_id, path, expected",
    [
        (STG_CUSTOMERS, "models/staging/crm/schema.yml", "models/staging/crm/_crm__models.yml"),
        (CUSTOMERS, "models/staging/crm/_crm__models.yml", "models/staging/crm/_crm__sources.yml"),
        (CENTS, "macros/macros.yml", "macros/_macros.yml"),
    ],
)
def test_a_properties_file_of_another_name_is_reported(tmp_path, unique_id, path, expected):
    config = rule_config(tmp_path / "c", NAME)
    findings = by_code(
        gate(edited_bouncer(tmp_path, _declared_in(unique_id, path)), config).findings, NAME
    )
    [finding] = findings
    assert finding.unique_id == unique_id
    assert f"is declared in {path}, not in {PurePosixPath(expected).name} as" in finding.message
    assert (
        finding.fix
        == f"Move its entry to {expected}, or set `pattern` to the team's own convention."
    )


@pytest.mark.parametrize(
    "path",
    [
        "models/staging/crm/_crm__models.yaml",
        "models/staging/crm/_stg_crm__models.yml",
        "models\\staging\\crm\\_crm__models.yml",  # as dbt on Windows writes it
    ],
)
def test_the_guides_names_pass_in_their_spellings(tmp_path, path):
    config = rule_config(tmp_path / "c", NAME)
    project = edited_bouncer(tmp_path, _declared_in(STG_CUSTOMERS, path))
    assert by_code(gate(project, config).findings, NAME) == []


def test_a_pattern_replaces_the_convention(tmp_path):
    """bouncer's check_source_file_name with `file_name_pattern: ^_.*__sources\\.yml$`."""
    config = rule_config(
        tmp_path / "c", NAME, r'{pattern: "_.*__sources\\.yml"}', "resource_type:source"
    )
    project = edited_bouncer(tmp_path, _declared_in(CUSTOMERS, "models/staging/crm/src.yml"))
    [finding] = by_code(gate(project, config).findings, NAME)
    assert finding.message == (
        "source dummy_source.customers is declared in models/staging/crm/src.yml, whose name "
        r"does not match _.*__sources\.yml"
    )


@pytest.mark.slow
def test_the_fixture_names_its_files_after_the_folder_or_the_kind(shop_builds, tmp_path):
    """The shop project's `_staging.yml`, `_sources.yml`, `_marts.yml` are not the guide's
    names; with its own convention as the pattern, only the versioned model kept in a file of
    its own (`_orders_summary.yml`) is reported."""
    project = Project.from_artifacts(load_artifacts(shop_builds.base / "target"))
    by_default = by_code(gate(project, rule_config(tmp_path / "a", NAME)).findings, NAME)
    assert len(by_default) == 19  # 14 models (orders_summary in two versions), 5 source tables
    stg = next(f for f in by_default if f.unique_id == "model.shop.stg_orders")
    assert stg.fix == (
        "Move its entry to models/staging/_staging__models.yml, or set `pattern` to the team's "
        "own convention."
    )
    own = rule_config(tmp_path / "b", NAME, r'{pattern: "_({folder}|{kind})\\.yml"}')
    assert short_ids(by_code(gate(project, own).findings, NAME)) == [
        "orders_summary.v1",
        "orders_summary.v2",
    ]
