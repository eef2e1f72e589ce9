"""docs/coming-from.md maps the peers' checks to dbtgate: every rule, finding code or KPI it names
must exist, and its example config must load, so the page cannot promise what the tool does not
have."""

from __future__ import annotations

import re
import typing
from pathlib import Path

from policy_support import corpus_project, gate, write_config

from dbtgate.codes import code_docs
from dbtgate.config import KpiName
from dbtgate.rules.registry import builtin_rules

DOCS = Path(__file__).resolve().parent.parent / "docs" / "coming-from.md"


def dbtgate_column(text: str) -> list[str]:
    """The right-hand cells of the mapping tables."""
    return [
        line.rsplit("|", 2)[1]
        for line in text.splitlines()
        if line.startswith("| `") and line.count("|") >= 3
    ]


def peer_section(peer: str) -> str:
    """The page's section on one peer (`## dbt-score`), up to the next."""
    return DOCS.read_text(encoding="utf-8").split(f"## {peer}", 1)[1].split("\n## ", 1)[0]


def test_every_rule_and_kpi_the_page_names_exists():
    text = DOCS.read_text(encoding="utf-8")
    cells = dbtgate_column(text)
    assert len(cells) > 50
    rules = set(builtin_rules())
    kpis = set(typing.get_args(KpiName))
    codes = rules | set(code_docs())
    # `kpi.targets` and `kpi.gate` are config keys (test_docs_configuration checks those);
    # `dbtgate.yml`, `_crm__models.yml` are files.
    named = [
        code
        for code in re.findall(r"`([a-z_]+\.[a-z_]+)`", text)
        if not code.startswith("kpi.") and not code.endswith(".yml")
    ]
    assert named and not [code for code in named if code not in codes]
    kpis_named = re.findall(r"`([a-z_0-9]+)`(?: and `[a-z_0-9]+`)? KPIs?", text)
    kpis_named += re.findall(r"and `([a-z_0-9]+)` KPIs", text)
    assert kpis_named and not [k for k in kpis_named if k not in kpis]


def test_the_example_config_loads_and_runs(tmp_path):
    text = DOCS.read_text(encoding="utf-8")
    example = text.split("is in `dbtgate.yml`", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    project = corpus_project("bouncer-dbt112")
    result = gate(project, write_config(tmp_path, example))
    [models, everything, staging] = result.sections["policies"]
    # As bouncer's check_model_* checks: models only, not the build's seeds and snapshots.
    assert models["select"] == "resource_type:model" and set(models["rules"]) == {
        "docs.model_description"
    }
    assert set(everything["rules"]) == {"performance.execution_time"}
    # As bouncer's execution time check: every result of the run, tests included.
    root = project.root_package
    built = {"model", "seed", "snapshot", "source", "exposure", "macro", "test"}
    assert everything["selected"] == sum(
        1
        for resources in (project.nodes, project.sources, project.exposures, project.macros)
        for r in resources.values()
        if r.package_name == root and r.resource_type in built
    )
    assert staging["select"] == "path:models/staging" and staging["selected"] > 0


# The hooks the page says dbtgate does not cover: the modifiers (they edit files), the dbt
# commands (dbtgate reads what dbt writes) and a few newer hooks, each with its reason. Every
# other hook has a row.
CHECKPOINT_UNCOVERED = (
    "generate-missing-sources",
    "generate-model-properties-file",
    "unify-column-description",
    "replace-script-table-names",
    "remove-script-semicolon",
    "dbt-clean",
    "dbt-compile",
    "dbt-deps",
    "dbt-docs-generate",
    "dbt-parse",
    "dbt-run",
    "dbt-test",
    "check-selectors-duplicate-names",
    "check-semantic-models-have-required-fields",
    "check-semantic-entities-have-required-fields",
    "check-semantic-dimensions-have-required-fields",
    "check-semantic-measures-have-required-fields",
    "check-semantic-metrics-have-required-fields",
    "check-semantic-dimensions-has-meta-keys",
    "check-semantic-metrics-has-meta-keys",
    "check-model-has-primary-key-tag",
    "check-model-has-primary-key-description",
    "check-snapshot-has-target-schema",
)
# dbt-checkpoint's hooks (its HOOKS.md), each of which the page maps or says it does not cover.
CHECKPOINT_HOOKS = [
    "check-column-desc-are-same",
    "check-column-name-contract",
    "check-model-columns-have-desc",
    "check-model-has-all-columns",
    "check-model-has-constraints",
    "check-model-has-contract",
    "check-model-has-description",
    "check-model-has-meta-keys",
    "check-model-has-labels-keys",
    "check-model-has-properties-file",
    "check-model-has-tests-by-name",
    "check-model-has-tests-by-type",
    "check-model-has-tests-by-group",
    "check-model-has-tests",
    "check-model-name-contract",
    "check-model-parents-and-childs",
    "check-model-parents-database",
    "check-model-parents-name-prefix",
    "check-model-parents-schema",
    "check-model-tags",
    "check-model-materialization-by-childs",
    "check-script-semicolon",
    "check-script-has-no-table-name",
    "check-script-ref-and-source",
    "check-source-columns-have-desc",
    "check-source-has-all-columns",
    "check-source-has-description",
    "check-source-table-has-description",
    "check-source-has-freshness",
    "check-source-has-loader",
    "check-source-has-meta-keys",
    "check-source-has-labels-keys",
    "check-source-has-tests-by-name",
    "check-source-has-tests-by-type",
    "check-source-has-tests",
    "check-source-has-tests-by-group",
    "check-source-tags",
    "check-source-childs",
    "check-macro-has-description",
    "check-macro-arguments-have-desc",
    "check-macro-has-meta-keys",
    "check-exposure-has-meta-keys",
    "check-seed-has-meta-keys",
    "check-snapshot-has-meta-keys",
    "check-test-has-meta-keys",
    # Hooks of newer releases (and forks) of dbt-checkpoint, in its repository's
    # dbt_checkpoint/ folder.
    "check-test-tags",
    "check-model-meta-key-accepted-values",
    "check-model-has-group",
    "check-source-has-group",
    "check-column-type-blacklist",
    "check-model-has-columns-with-types",
    "check-model-has-generic-constraints",
    "check-model-columns-have-meta-keys",
    "check-snapshot-name-contract",
    "check-script-pivot",
    *CHECKPOINT_UNCOVERED,
]


def test_every_dbt_checkpoint_hook_is_mapped_or_said_uncovered():
    section = peer_section("dbt-checkpoint")
    table, _, uncovered_text = section.partition("Not covered by dbtgate:")
    hook_cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    mapped = set(re.findall(r"`([a-z-]+)`", "\n".join(hook_cells)))
    uncovered = set(re.findall(r"`([a-z-]+)`", uncovered_text))
    assert [hook for hook in CHECKPOINT_HOOKS if hook not in mapped | uncovered] == []
    assert sorted(mapped & uncovered) == []
    assert {hook for hook in CHECKPOINT_HOOKS if hook not in mapped} == set(CHECKPOINT_UNCOVERED)


# dbt-score's rules (its src/dbt_score/rules/generic.py and macros.py, 0.19), each of which the
# page maps to a dbtgate rule.
DBT_SCORE_RULES = [
    "has_description",
    "columns_have_description",
    "has_owner",
    "sql_has_reasonable_number_of_lines",
    "has_example_sql",
    "single_column_uniqueness_at_column_level",
    "single_pk_defined_at_column_level",
    "has_uniqueness_test",
    "has_no_unused_is_incremental",
    "snapshot_has_strategy",
    "snapshot_has_unique_key",
    "seed_has_description",
    "seed_columns_have_description",
    "seed_has_owner",
    "macro_has_description",
    "macro_arguments_have_description",
    "macro_name_follows_naming_convention",
]


def test_every_dbt_score_rule_is_mapped():
    section = peer_section("dbt-score")
    rows = {
        name: line.rsplit("|", 2)[1].strip()
        for line in section.splitlines()
        if line.startswith("| `")
        for name in re.findall(r"`([a-z_]+)`", line.split("|")[1])
    }
    assert [rule for rule in DBT_SCORE_RULES if rule not in rows] == []
    assert [rule for rule in DBT_SCORE_RULES if rows[rule].startswith("none")] == []


# dbt-bouncer 4.3.0's checks: the functions of its dbt_bouncer.checks package (`dbt-bouncer list`
# names their classes), copied here so the test runs without bouncer installed.
BOUNCER_CHECKS = [
    "check_column_description_populated",
    "check_column_descriptions_are_consistent",
    "check_column_has_specified_test",
    "check_column_name_complies_to_column_type",
    "check_column_names",
    "check_column_type_complies_to_column_name",
    "check_columns_are_all_documented",
    "check_columns_are_documented_in_public_models",
    "check_duplicate_sources",
    "check_exposure_based_on_model",
    "check_exposure_based_on_non_public_models",
    "check_exposure_based_on_view",
    "check_exposure_description_populated",
    "check_exposure_has_meta_keys",
    "check_exposure_has_owner",
    "check_info_schema_query",
    "check_lineage_permitted_upstream_models",
    "check_lineage_seed_cannot_be_used",
    "check_lineage_source_cannot_be_used",
    "check_macro_arguments_description_populated",
    "check_macro_code_does_not_contain_regexp_pattern",
    "check_macro_description_populated",
    "check_macro_has_meta_keys",
    "check_macro_is_used",
    "check_macro_max_number_of_arguments",
    "check_macro_max_number_of_lines",
    "check_macro_name_matches_file_name",
    "check_macro_names",
    "check_macro_property_file_location",
    "check_model_access",
    "check_model_alias",
    "check_model_code_does_not_contain_regexp_pattern",
    "check_model_column_description_populated",
    "check_model_column_descriptions_propagated",
    "check_model_column_has_specified_test",
    "check_model_column_meta_propagated",
    "check_model_column_name_complies_to_column_type",
    "check_model_column_names",
    "check_model_column_type_complies_to_column_name",
    "check_model_column_types_match_inferred",
    "check_model_columns_have_lineage",
    "check_model_columns_have_meta_keys",
    "check_model_columns_have_relationship_tests",
    "check_model_columns_have_types",
    "check_model_contract_enforced_for_public_model",
    "check_model_depends_on_macros",
    "check_model_depends_on_multiple_sources",
    "check_model_description_contains_regexp_pattern",
    "check_model_description_populated",
    "check_model_directories",
    "check_model_documentation_coverage",
    "check_model_documented_in_same_directory",
    "check_model_does_not_directly_join_to_source",
    "check_model_does_not_rejoin_upstream_concepts",
    "check_model_does_not_use_cartesian_join",
    "check_model_does_not_use_select_star",
    "check_model_file_name",
    "check_model_grain_is_tested",
    "check_model_grant_privilege",
    "check_model_grant_privilege_required",
    "check_model_hard_coded_references",
    "check_model_has_constraints",
    "check_model_has_contracts_enforced",
    "check_model_has_exposure",
    "check_model_has_grain",
    "check_model_has_labels_keys",
    "check_model_has_meta_keys",
    "check_model_has_no_upstream_dependencies",
    "check_model_has_properties_file",
    "check_model_has_semi_colon",
    "check_model_has_tags",
    "check_model_has_tests_by_name",
    "check_model_has_tests_by_type",
    "check_model_has_unique_test",
    "check_model_has_unit_tests",
    "check_model_incremental_has_unique_key",
    "check_model_latest_version_specified",
    "check_model_materialization_by_fanout",
    "check_model_materialization_permitted",
    "check_model_max_chained_views",
    "check_model_max_fanout",
    "check_model_max_number_of_lines",
    "check_model_max_upstream_dependencies",
    "check_model_min_downstream_models",
    "check_model_names",
    "check_model_number_of_grants",
    "check_model_property_file_location",
    "check_model_public_columns_not_derived_from_meta",
    "check_model_schema_name",
    "check_model_single_primary_key",
    "check_model_test_coverage",
    "check_model_version_allowed",
    "check_model_version_pinned_in_ref",
    "check_project_name",
    "check_run_results_max_execution_time",
    "check_run_results_max_gigabytes_billed",
    "check_seed_column_names",
    "check_seed_columns_are_all_documented",
    "check_seed_columns_have_types",
    "check_seed_description_populated",
    "check_seed_has_meta_keys",
    "check_seed_has_unit_tests",
    "check_seed_max_bytes",
    "check_seed_max_row_count",
    "check_seed_names",
    "check_semantic_model_based_on_non_public_models",
    "check_snapshot_description_populated",
    "check_snapshot_has_meta_keys",
    "check_snapshot_has_tags",
    "check_snapshot_has_unique_key",
    "check_snapshot_names",
    "check_snapshot_strategy",
    "check_source_columns_are_all_documented",
    "check_source_columns_are_used",
    "check_source_description_populated",
    "check_source_file_name",
    "check_source_freshness_populated",
    "check_source_has_labels_keys",
    "check_source_has_meta_keys",
    "check_source_has_tags",
    "check_source_has_tests",
    "check_source_loader_populated",
    "check_source_min_downstream_models",
    "check_source_names",
    "check_source_not_orphaned",
    "check_source_pii_meta",
    "check_source_property_file_location",
    "check_source_top_level_description_populated",
    "check_source_used_by_models_in_same_directory",
    "check_source_used_by_only_one_model",
    "check_test_has_meta_keys",
    "check_test_has_tags",
    "check_test_has_where_config",
    "check_unit_test_coverage",
    "check_unit_test_expect_format",
    "check_unit_test_given_formats",
]


def bouncer_names(section: str) -> tuple[set[str], set[str]]:
    """The checks the dbt-bouncer section maps in its table (first column) and the ones its
    "Not covered" list names (each item's names, before the colon that gives the reason)."""
    table, _, uncovered_text = section.partition("Not covered by dbtgate:")
    cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    mapped = set(re.findall(r"`(check_[a-z0-9_]+)`", "\n".join(cells)))
    items = uncovered_text.strip().split("\n- ")
    heads = [item.split("`: ", 1)[0] for item in items]
    uncovered = set(re.findall(r"`(check_[a-z0-9_]+)", "\n".join(heads)))
    return mapped, uncovered


def test_every_dbt_bouncer_check_is_mapped_or_said_uncovered():
    assert len(set(BOUNCER_CHECKS)) == len(BOUNCER_CHECKS) == 136
    mapped, uncovered = bouncer_names(peer_section("dbt-bouncer"))
    example = re.findall(r"- name: (check_[a-z0-9_]+)", DOCS.read_text(encoding="utf-8"))
    assert example and sorted((mapped | uncovered | set(example)) - set(BOUNCER_CHECKS)) == []
    assert [check for check in BOUNCER_CHECKS if check not in mapped | uncovered] == []
    assert sorted(mapped & uncovered) == []


def test_every_dbt_bouncer_row_names_a_dbtgate_rule_or_kpi():
    section = peer_section("dbt-bouncer").partition("Not covered by dbtgate:")[0]
    known = set(builtin_rules()) | set(code_docs()) | set(typing.get_args(KpiName))
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert len(rows) > 60
    unnamed = [
        row.split("|")[1]
        for row in rows
        if not set(re.findall(r"`([a-z_0-9.]+)`", row.rsplit("|", 2)[1])) & known
    ]
    assert unnamed == []
