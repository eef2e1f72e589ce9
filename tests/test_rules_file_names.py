"""dbt-bouncer's file naming checks: a macro in a file of its name; on the bouncer build as dbt
wrote it (which follows the convention, as bouncer's own test project must), with what breaks
it planted."""

from __future__ import annotations

import json
from pathlib import PurePosixPath

import pytest
from corpus import CORPUS
from policy_support import by_code, corpus_project, edited_bouncer, gate, rule_config, short_ids

PKG = "dbt_bouncer_test_project"
CENTS = f"macro.{PKG}.cents_to_dollars"


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
