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
    # `kpi.targets` and `kpi.gate` are config keys (test_docs_configuration checks those).
    named = [
        code
        for code in re.findall(r"`([a-z_]+\.[a-z_]+)`", text)
        if not code.startswith("kpi.") and code != "dbtgate.yml"
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


# The hooks the page says dbtgate does not cover: the modifiers (they edit files) and the dbt
# commands (dbtgate reads what dbt writes). Every other hook has a row.
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
