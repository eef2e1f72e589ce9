"""Every built-in rule runs on every real manifest of the corpus (dbt 0.19 to 1.12 and Fusion)."""

from __future__ import annotations

import json

import pytest
from corpus import CORPUS, corpus_files, file_id
from policy_support import gate, write_config

from dbtgate.artifacts import load_manifest
from dbtgate.artifacts.load import ArtifactSet
from dbtgate.project import Project
from dbtgate.rules.registry import builtin_rules

MANIFESTS = corpus_files("**/manifest*.json")
# Parameters a rule cannot run without.
REQUIRED_PARAMS = {
    "owner.allowed": {"owners": ["@*"]},
    "governance.required_meta": {"keys": ["owner"]},
    "governance.required_column_meta": {"keys": ["owner"]},
    "governance.required_labels": {"keys": ["team"]},
    "governance.materialization": {"allowed": ["view", "table"]},
    "governance.allowed_tags": {"tags": ["tier-*", "crm"]},
    "governance.required_tags": {"tags": ["crm"]},
    "governance.access": {"allowed": ["protected"]},
    "governance.version_pattern": {"pattern": "[0-9]+"},
    "governance.required_grants": {"grants": {"select": ["reporter"]}},
    "governance.allowed_grantees": {"grantees": ["reporter", "bi"]},
    "governance.allowed_privileges": {"privileges": ["select"]},
    "governance.grant_count": {"min": 1, "max": 1},
    "naming.directories": {"allowed": ["staging", "marts"]},
    "naming.schema_pattern": {"pattern": "main(_.*)?"},
    "naming.alias_pattern": {"pattern": "[a-z_0-9]+"},
    "naming.project_pattern": {"pattern": "[a-z_]+"},
    "modeling.allowed_parents": {"resource_types": ["model", "seed"], "model_paths": ["models"]},
    "tests.required": {"tests": {"not_null": 1, "dbt_utils.unique_combination_of_columns": 1}},
    "tests.column_tests": {"tests": {".*_id": ["not_null"], "is_.*": ["accepted_values"]}},
    "tests.unit_test_formats": {"given": ["dict"], "expect": ["dict", "csv"]},
    "code.forbidden_pattern": {"pattern": r"(?i)select\s+\*"},
    "code.required_macros": {"macros": ["is_incremental", "dbt_utils.star"], "criteria": "any"},
    "docs.description_pattern": {"pattern": r"(?i)\btable\b"},
    "naming.column_type_pattern": {"patterns": {"date": ".*_date", "bool(ean)?": "is_.*"}},
    "naming.column_name_type": {"types": {".*_date": "date", "is_.*": "bool(ean)?"}},
    "governance.required_constraints": {"types": ["primary_key", "not_null"]},
    "modeling.children": {"min": 1, "max": 3},
    "modeling.parent_location": {"schemas": ["*stg*"], "forbidden_databases": ["raw"]},
    "governance.seed_size": {"max_rows": 100, "max_megabytes": 1},
    "governance.allowed_meta_values": {"values": {"maturity": ["gold"], "tier": [1, 2, True]}},
    "governance.forbidden_column_types": {"types": ["double", "float*", "timestamp*"]},
    "governance.required_columns": {"columns": ["id", "updated_at"]},
}


# Rules that are a config error on manifests older than what they need (tested on their own).
NEEDS_DBT_1_8 = {"tests.unit_tests"}


def all_rules_config(codes: set[str]) -> str:
    rules = {code: {"severity": "warn", **REQUIRED_PARAMS.get(code, {})} for code in codes}
    # JSON is YAML: one policy with every rule on everything, one on a graph selection.
    return json.dumps(
        {
            "version": 1,
            "policies": [
                {"select": "*", "rules": rules},
                {"select": "+resource_type:exposure", "rules": {"tests.coverage": "error"}},
            ],
        }
    )


@pytest.mark.parametrize("manifest", MANIFESTS, ids=file_id)
def test_every_rule_runs_on_every_corpus_manifest(manifest, tmp_path):
    # With its file, so the code rules read each node's SQL (raw_code, raw_sql before v7).
    loaded = load_manifest(manifest)
    project = Project.from_artifacts(ArtifactSet(directory=manifest.parent, manifest=loaded))
    codes = set(builtin_rules())
    if project.manifest.unit_tests is None:
        codes -= NEEDS_DBT_1_8
    config = write_config(tmp_path, all_rules_config(codes))
    result = gate(project, config)
    for finding in result.findings:
        assert finding.code in codes
        assert finding.severity in ("warn", "error")
        assert finding.message
        assert finding.fingerprint
        assert finding.unique_id is None or project.resource(finding.unique_id) is not None
    # The code rules read the SQL of every schema version (raw_sql before v7): each build has
    # a `select *` somewhere, but ticketswap's one model, which names its table directly.
    assert any(f.code.startswith("code.") for f in result.findings)
    # Each resource-level rule looked at the selection: the summary lists every rule.
    [everything, _graph] = result.sections["policies"]
    assert set(everything["rules"]) == codes
    assert everything["selected"] > 0


def test_the_corpus_is_all_there():
    if not CORPUS.is_dir():
        pytest.skip(f"corpus absent: {CORPUS}")
    assert len(MANIFESTS) >= 20
