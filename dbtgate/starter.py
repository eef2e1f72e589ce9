"""`dbtgate init`: a commented starter dbtgate.yml that a team can adopt without reading docs.

The starter switches on the policies most teams agree on for their most critical models and
leaves the rest commented, so the first `dbtgate check` is useful rather than a wall of red.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

from dbtgate.config import find_config, yaml_problem
from dbtgate.encoding import read_text
from dbtgate.errors import DbtgateError
from dbtgate.pipes import is_pipe, pipe_for_a_folder

if TYPE_CHECKING:
    from dbtgate.artifacts.manifest import Manifest

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
{policies}  # The DAG's shape, as advice on every model and source (`dbtgate rules modeling` lists more):
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
  # The other families hold the rest of the rules, each switched on by a line under `rules:` as
  # above: naming conventions and folders (`dbtgate rules naming`); tags, meta, grants and
  # contracts (`dbtgate rules governance`); required tests and coverage (`dbtgate rules tests`);
  # descriptions, owners and sources (`dbtgate rules docs`, `dbtgate rules owner`,
  # `dbtgate rules sources`). `dbtgate rules CODE` explains one rule and its parameters.

# Accepted exceptions, each with a reason, an owner and an expiry date.
# waivers:
#   - {{rule: docs.column_coverage, select: "model.{project}.legacy_orders", reason: "being rebuilt", owner: "@data-platform", expires: 2027-01-31}}
# A waiver in use that expires in fewer days than this is announced (waiver.expiring); 0: never.
# waiver_notice_days: 14

# Breaking schema changes against `base` (`dbtgate rules breaking.column_removed` explains each).
# breaking:
#   versioned_contract: error          # as dbt-core: versioned contracted models error,
#   unversioned_contract: warn         # unversioned ones warn (read by others: as below)
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

# For a project whose models carry tiers: the strict policies on the critical models only, by
# tier (1, 2).
TIER_POLICIES = (
    """\
  - select: "tier:1"
    rules:
      tests.primary_key: error
      docs.model_description: error
      docs.column_coverage: {severity: error, min: 1.0}
      owner.present: error
""",
    """\
  - select: "tier:2"
    rules:
      docs.model_description: warn
      owner.present: error
""",
)
TIERED_POLICIES = "".join(TIER_POLICIES)

# For a project whose built models set no tier: tier policies would select nothing, so the same
# policies reach every model, as warnings, until the team tiers what is critical.
UNTIERED_POLICIES = """\
  # No model of the last build is tier 1 or 2 (meta.tier or a tag such as tier-1), so these apply
  # to every model, as warnings: they show the debt and block nothing. Tier your critical
  # models (`meta: {tier: 1}`) and give them a policy that blocks:
  # - select: "tier:1"
  #   rules:
  #     tests.primary_key: error
  #     docs.model_description: error
  #     docs.column_coverage: {severity: error, min: 1.0}
  #     owner.present: error
  - select: "resource_type:model"
    rules:
      tests.primary_key: warn
      docs.model_description: warn
      owner.present: warn
"""


class WrittenStarter(NamedTuple):
    """The starter written, and what `init` tells the user about its policies."""

    path: Path
    policies_note: str


def write_starter_config(
    project_dir: Path, *, force: bool = False, existing: Path | Literal[False] | None = False
) -> WrittenStarter:
    """Write dbtgate.yml into `project_dir`, fitted to the last build when there is one: its
    adapter's sqlfluff dialect, and policies that select models (tiers only when models have
    them: a starter whose policies select nothing would pass every check and teach nothing).
    `existing`: the config the caller found in `project_dir` already (None: none), not looked
    for again (a pyproject.toml read twice); False: not looked for."""
    dbt_project = project_dir / "dbt_project.yml"
    if is_pipe(project_dir):
        raise DbtgateError(
            pipe_for_a_folder(project_dir, "--project-dir", "the dbt project's folder")
        )
    if not dbt_project.is_file():
        from dbtgate.projects_below import project_dir_hint

        raise DbtgateError(
            f"{project_dir}: no dbt_project.yml here (pass --project-dir)"
            + project_dir_hint(project_dir)
        )
    target = project_dir / "dbtgate.yml"
    if existing is False:
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
        settings = yaml.safe_load(read_text(dbt_project)) or {}
    except yaml.YAMLError as exc:
        line, problem = yaml_problem(exc)
        at = f"{dbt_project}:{line}" if line else str(dbt_project)
        raise DbtgateError(f"{at}: not valid YAML: {problem}") from None
    if not isinstance(settings, dict):
        raise DbtgateError(
            f"{dbt_project}: not a dbt project file: expected its settings (`name:`, "
            "`profile:`, ...) at the top level"
        )
    project = settings.get("name", "my_project")
    artifacts = settings.get("target-path") or "target"
    if not isinstance(artifacts, str):
        raise DbtgateError(f"{dbt_project}: target-path: expected a folder name, got {artifacts!r}")
    manifest_path = project_dir / artifacts / "manifest.json"
    manifest = _last_build(manifest_path)
    policies, note = _policies_for(manifest, manifest_path)
    text = STARTER.format(
        artifacts=artifacts, project=project, dialect=_adapter_dialect(manifest), policies=policies
    )
    _write_whole(target, text)
    return WrittenStarter(target, note)


def _write_whole(target: Path, text: str) -> None:
    """Write `text` to `target` whole or not at all, or say in one line which file could not
    be written. A full disk ended `init` with `: No space left on device` (the OSError of a
    write names no file) and left an empty dbtgate.yml, which the next `init` refused as there
    and `check` read as a config without policies; with --force, the config it was replacing
    was already cut to nothing. The text goes to a file beside the one it replaces (through a
    link, beside what it links to), renamed over it once written.

    That needs the right to add a file to the folder, where overwriting in place needs only the
    file's: a dbtgate.yml a user may write in a folder they may not (a shared checkout's, one
    made read-only with `chattr +i`) is written in place, as `init --force` did before. So is
    one nothing can be renamed over: a file mounted on its own (`docker run -v
    ./dbtgate.yml:/project/dbtgate.yml`: "Device or resource busy")."""
    destination = target.resolve()
    partial = destination.with_name(f".{destination.name}.{os.getpid()}.partial")
    try:
        made = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        if exc.errno in _FOLDER_REFUSED and os.access(destination, os.W_OK):
            _write_in_place(target, destination, text)
            return
        raise DbtgateError(f"{target}: cannot write the config: {exc.strerror or exc}") from None
    try:
        with open(made, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(partial, destination)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        if exc.errno in _NOT_RENAMED_OVER and os.access(destination, os.W_OK):
            _write_in_place(target, destination, text)
            return
        raise DbtgateError(f"{target}: cannot write the config: {exc.strerror or exc}") from None


# Why a new file cannot be made in a folder whose files may still be written: no write
# permission on it (EACCES), an immutable folder (EPERM), a read-only mount with the file
# mounted writable over it (EROFS).
_FOLDER_REFUSED = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})
# Why a file cannot be renamed over: it is a mount point (EBUSY: a file mounted on its own),
# or on another file system than its folder (EXDEV).
_NOT_RENAMED_OVER = frozenset({errno.EBUSY, errno.EXDEV})


def _write_in_place(target: Path, destination: Path, text: str) -> None:
    """Overwrite `destination` itself, where no file can be put in its place. Nothing is said
    when it works; a write that fails midway (a full disk) leaves the file cut short, which
    its error says, as there was no other place to write it first."""
    try:
        with open(destination, "w", encoding="utf-8") as file:
            file.write(text)
    except OSError as exc:
        raise DbtgateError(
            f"{target}: cannot write the config: {exc.strerror or exc} (written in place, as "
            "no file could be put in its place: it may be cut short, restore it from git)"
        ) from None


def _last_build(manifest_path: Path) -> Manifest | None:
    """The manifest dbt last wrote, when there is one (a bad one stops `init` with its error)."""
    if not manifest_path.is_file():
        return None
    from dbtgate.artifacts import load_manifest

    return load_manifest(manifest_path).data


def _policies_for(manifest: Manifest | None, manifest_path: Path) -> tuple[str, str]:
    """The starter's policies and the line `init` prints about them: tier policies unless the
    last build shows models and none of them is tier 1 or 2 (a project that tiers every model 3
    would get policies that select nothing, as one that sets no tier)."""
    if manifest is None:
        return TIERED_POLICIES, (
            f"no {manifest_path} yet: the policies select tier 1 and 2 models "
            "(meta.tier or a tier-N tag); after `dbt build`, `dbtgate init --force` fits them to "
            "the models built"
        )
    from dbtgate.project import Project, explicit_tier
    from dbtgate.wording import counted

    project = Project.from_manifest(manifest)
    models = list(project.models())
    if not models:
        return TIERED_POLICIES, f"{manifest_path} has no models of {project.root_package} yet"
    sources = project.tier_settings.sources
    explicit = [explicit_tier(model, sources) for model in models]
    if not any(tier in (1, 2) for tier in explicit):
        tiered = any(isinstance(tier, int) for tier in explicit)
        which = (
            f"the one model {'is not tier 1 or 2' if tiered else 'sets no tier'}"
            if len(models) == 1
            else f"none of the {len(models)} models {'is tier 1 or 2' if tiered else 'sets a tier'}"
        )
        return UNTIERED_POLICIES, (
            f"{which} (meta.tier or a tier-N tag): the policies warn on every model; "
            "tier the critical ones to make them block"
        )
    tiers = [project.tier(model.unique_id) for model in models]
    first, second = tiers.count(1), tiers.count(2)
    rest = len(models) - first - second
    unjudged = (
        f"; no policy judges the other {rest} (tier 3 or more) until they are tiered or a "
        "policy selects them"
        if rest
        else ""
    )
    empty = [tier for tier, count in ((1, first), (2, second)) if not count]
    kept = f", tier:{empty[0]}'s policy written commented out" if empty else ""
    return _tier_policies(empty), (
        f"the policies judge {first + second} of the {counted(len(models), 'model')} built: "
        f"tier:1 selects {first}, tier:2 {second}{kept}{unjudged}"
    )


def _tier_policies(empty: list[int]) -> str:
    """The tier policies, those of a tier no model of the build has (`empty`) commented out: a
    policy selecting nothing is noted on every `check` (as a selector's typo would be), a note
    the team did not write and cannot act on until a model gets that tier."""
    blocks = []
    for tier, block in enumerate(TIER_POLICIES, 1):
        if tier in empty:
            lines = [f"  # {line[2:]}" for line in block.splitlines()]
            block = (
                f"  # No model of the last build is tier {tier}: uncomment once one is.\n"
                + "\n".join(lines)
                + "\n"
            )
        blocks.append(block)
    return "".join(blocks)


def _adapter_dialect(manifest: Manifest | None) -> str:
    """The sqlfluff dialect for the adapter dbt last used, when a manifest is there."""
    metadata = manifest.metadata if manifest else None
    adapter = (metadata.adapter_type if metadata else None) or "ansi"
    return {"postgres": "postgres", "redshift": "redshift", "bigquery": "bigquery"}.get(
        adapter, adapter
    )
