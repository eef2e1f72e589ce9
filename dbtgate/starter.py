"""`dbtgate init`: a commented starter dbtgate.yml that a team can adopt without reading docs.

The starter switches on the policies most teams agree on for their most critical models and
leaves the rest commented, so the first `dbtgate check` is useful rather than a wall of red.
"""

from __future__ import annotations

from pathlib import Path

from dbtgate.config import find_config, yaml_problem
from dbtgate.errors import DbtgateError

STARTER = """\
# dbtgate configuration. Every top-level key is below, most of them commented out; a key dbtgate
# does not know stops `dbtgate check` at its line and lists the known ones. The rules and their
# options: `dbtgate rules`; one finding code explained, with the settings that govern it:
# `dbtgate rules CODE`. Paths are relative to this file.
version: 1

# Where `dbt build` wrote manifest.json and run_results.json (and `dbt docs generate`
# catalog.json, `dbt source freshness` sources.json). Those two also rewrite the build's
# manifest.json (and docs generate its run_results.json): run them with another `--target-path`
# and copy only their own file back.
artifacts: {artifacts}

# The dbt project, to point findings at their YAML lines (default: the parent of `artifacts`
# when it holds dbt_project.yml).
# project_dir: .

# The previous build to diff against for breaking changes: a directory with its manifest.json
# (and catalog.json), or a git ref (origin/main), which dbtgate checks out in a temporary
# worktree and parses with `dbt parse` and your profile. `--base` wins.
# base: prod-artifacts

# changed: block only on resources this pull request adds or modifies (needs `base`);
# all: block on everything.
scope: all

# Which severities block: error, or warn to make warnings block too.
# fail_on: error

# How a model's tier is found: meta.tier (e.g. `meta: {{tier: 1}}`) or a tag such as `tier-1`.
tier: {{from: [meta.tier, tag], default: 3}}

# How a model's owner is found: meta.owner, else the owner of its group.
owner: {{from: [meta.owner, group]}}

policies:
  - select: "tier:1"
    rules:
      tests.primary_key: error
      docs.model_description: error
      docs.column_coverage: {{severity: error, min: 1.0}}
      owner.present: error
  - select: "tier:2"
    rules:
      docs.model_description: warn
      owner.present: error
  # The DAG's shape, as advice on every model and source (`dbtgate rules modeling` lists more):
  # - select: "*"
  #   rules:
  #     modeling.direct_source_join: warn
  #     modeling.layer_order: warn      # staging < intermediate < marts, by folder or prefix
  #     modeling.root_model: warn
  #     sources.unused: warn
  # What the SQL says (`dbtgate rules code`): tables named instead of ref()/source(), patterns
  # the team forbids.
  # - select: "*"
  #   rules:
  #     code.hard_coded_reference: error
  #     code.forbidden_pattern: {{pattern: ';\\s*$', reason: "dbt wraps the SQL: no semicolon"}}
  # Build time (`dbtgate rules performance`): chains of views, and the last run's durations.
  # - select: "*"
  #   rules:
  #     performance.chained_views: warn  # at most 3 views/ephemeral models read in a row
  #     performance.execution_time: {{severity: warn, max_seconds: 600}}

# Accepted exceptions, each with a reason, an owner and an expiry date.
# waivers:
#   - {{rule: docs.column_coverage, select: "model.{project}.legacy_orders", reason: "being rebuilt", owner: "@data-platform", expires: 2027-01-31}}
# A waiver in use that expires in fewer days than this is announced (waiver.expiring); 0: never.
# waiver_notice_days: 14

# Breaking schema changes against `base` (`dbtgate rules breaking.column_removed` explains each).
# breaking:
#   versioned_contract: error          # as dbt-core: versioned contracted models error,
#   unversioned_contract: warn         # unversioned ones warn
#   uncontracted_with_consumers: error # no contract, but other models or exposures read it
#   ack_label: breaking-change-ok      # a PR label that acknowledges the PR's breaking changes
#   acknowledge:
#     - {{change: breaking.column_removed, select: orders, column: legacy_id, reason: "consumers migrated", owner: "@data-platform"}}

# Findings recorded by `dbtgate baseline` do not block; new ones do.
# baseline: dbtgate-baseline.json

# SQL lint of changed models with sqlfluff.
# lint: {{enabled: true, dialect: {dialect}, templater: jinja}}

# The last run's results (run_results.json) and source freshness (sources.json) are gated as soon
# as they are there (`dbtgate rules run`, `dbtgate rules freshness`).
# run: {{required: true}}              # a missing run_results.json blocks
# freshness: {{missing_tiers: [1, 2]}} # tier 1 and 2 models read only sources with freshness set

# Team KPIs, shown against their targets; those listed under `gate` block when below target.
# kpi: {{targets: {{tier1_test_coverage: 0.8}}, gate: [tier1_test_coverage]}}

# A check mark or a cross before the verdict in the markdown and HTML reports.
# report: {{emoji: true}}

# Your own rules: Python files or modules with @rule functions.
# plugins: [rules/our_rules.py]
"""


def write_starter_config(project_dir: Path, *, force: bool = False) -> Path:
    dbt_project = project_dir / "dbt_project.yml"
    if not dbt_project.is_file():
        raise DbtgateError(f"{project_dir}: no dbt_project.yml here (pass --project-dir)")
    target = project_dir / "dbtgate.yml"
    existing = find_config(project_dir)
    if existing is not None and existing != target:
        # dbtgate.yml beside another config is two configs in one folder, which every command
        # refuses: --force cannot help.
        what = "a [tool.dbtgate] table" if existing.name == "pyproject.toml" else "its settings"
        raise DbtgateError(
            f"{existing}: already configures dbtgate here ({what}); a dbtgate.yml beside it "
            f"would be a second config, which dbtgate refuses: edit {existing.name}, or remove "
            "its dbtgate settings and run `dbtgate init` again"
        )
    if existing is not None and not force:
        raise DbtgateError(f"{existing}: already exists (--force overwrites it)")
    import yaml

    try:
        settings = yaml.safe_load(dbt_project.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        line, problem = yaml_problem(exc)
        at = f"{dbt_project}:{line}" if line else str(dbt_project)
        raise DbtgateError(f"{at}: not valid YAML: {problem}") from None
    project = settings.get("name", "my_project")
    artifacts = settings.get("target-path", "target")
    dialect = _adapter_dialect(project_dir / artifacts / "manifest.json")
    target.write_text(
        STARTER.format(artifacts=artifacts, project=project, dialect=dialect), encoding="utf-8"
    )
    return target


def _adapter_dialect(manifest_path: Path) -> str:
    """The sqlfluff dialect for the adapter dbt last used, when a manifest is there."""
    if not manifest_path.is_file():
        return "ansi"
    from dbtgate.artifacts import load_manifest

    metadata = load_manifest(manifest_path).data.metadata
    adapter = (metadata.adapter_type if metadata else None) or "ansi"
    return {"postgres": "postgres", "redshift": "redshift", "bigquery": "bigquery"}.get(
        adapter, adapter
    )
