"""Lint the changed SQL files with sqlfluff's Python API, once per run.

Why this shape: building sqlfluff's config, dialect and rule set costs about a second, and a
model about a tenth to half a second, so one `Linter` is built for the run (never a subprocess
per file) and only the files the change touched are linted (`lint_all` for every file). This
is the only place lint reads files, runs git or imports sqlfluff; the result, a `LintRun`, is
handed to the pure `lint` check, which turns it into findings. A file of several dbt snapshot
blocks is linted (and fixed) one block at a time, on the file's own lines
(`lint.snapshot_blocks`).

The project's own sqlfluff configuration (.sqlfluff, pyproject.toml, setup.cfg, tox.ini,
.sqlfluffignore) applies as it does for `sqlfluff lint`; dbtgate only decides the templater, the
dialect when the project does not set one, and (if configured) the rule allowlist.
"""

from __future__ import annotations

import configparser
import contextlib
import fnmatch
import importlib.util
import logging
import os
import re
import shlex
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from dbtgate import locate
from dbtgate.encoding import read_text
from dbtgate.errors import DbtgateError
from dbtgate.lint import snapshot_blocks, sqlfluff_files
from dbtgate.lint.changes import (
    DEFAULT_BASE_REFS,
    ChangedFile,
    ChangeSet,
    nodes_by_file,
    snapshot_ids,
)
from dbtgate.lint.dbt_project import DbtProjectFiles, from_project, read_dbt_project
from dbtgate.named_files import Arg, few_files, naming
from dbtgate.wording import counted

if TYPE_CHECKING:
    from sqlfluff.core import FluffConfig, Linter

    from dbtgate.config import Config, LintConfig
    from dbtgate.lint.dbt_base import DbtBase
    from dbtgate.lint.fix import FixLines
    from dbtgate.lint.macro_change import BaseMacros
    from dbtgate.lint.project_linter import ProjectLinter
    from dbtgate.project import Project

# dbt adapter type (manifest metadata.adapter_type) -> sqlfluff dialect.
ADAPTER_DIALECTS: dict[str, str] = {
    "athena": "athena",
    "bigquery": "bigquery",
    "clickhouse": "clickhouse",
    "databricks": "databricks",
    "db2": "db2",
    "doris": "doris",
    "duckdb": "duckdb",
    "exasol": "exasol",
    "fabric": "tsql",
    "greenplum": "greenplum",
    "hive": "hive",
    "impala": "impala",
    "materialize": "materialize",
    "mariadb": "mariadb",
    "mysql": "mysql",
    "oracle": "oracle",
    "postgres": "postgres",
    "redshift": "redshift",
    "snowflake": "snowflake",
    "spark": "sparksql",
    "sqlite": "sqlite",
    "sqlserver": "tsql",
    "starrocks": "starrocks",
    "synapse": "tsql",
    "teradata": "teradata",
    "trino": "trino",
    "vertica": "vertica",
}
UNPARSABLE = "unparsable"
# sqlfluff's codes for "could not template / lex / parse this file".
_PROBLEM_ORDER = {"TMP": 0, "LXR": 1, "PRS": 2}
# How sqlfluff's jinja templater begins a failure while rendering, which it puts on line 1.
_UNRECOVERABLE = "Unrecoverable failure in Jinja templating"
# How sqlfluff describes a rule that raised instead of judging the file.
_RULE_CRASH = "Unexpected exception: "
# dbt's own message in the dbt templater's error ("Compilation Error in model x (path) ...").
_DBT_ERROR = re.compile(r"\b\w+ Error in \w+ .*", re.DOTALL)
_DBT_ERROR_LINE = re.compile(r"\bline (\d+)\b")
# How sqlfluff's dbt templater says a file is none of dbt's (`.dbtignore`, a folder dbt does not
# read), and the problem code lint gives it: a note, not a finding (`_unknown_to_dbt_note`).
_NOT_IN_DBT = re.compile(r"^File .* was not found in dbt project$", re.DOTALL)
# How it says a file is a disabled model's (`enabled=false`): dbt's own choice, said by no one.
_DISABLED_IN_DBT = re.compile(r"^Skipped file .* because it is disabled$", re.DOTALL)
UNKNOWN_TO_DBT = "unknown to dbt"
# A file of several SQL snapshot blocks is linted one block at a time (`lint.snapshot_blocks`),
# unless two blocks share a line, which no text of one block alone can keep from the other: not
# linted then, and said in a note, not a finding (`_several_snapshots_note`).
SEVERAL_SNAPSHOTS = "several snapshots"
# Nor under a dbt templater that cannot be told which snapshot of the file to compile
# (`snapshot_blocks.NoSnapshotChoice`): said in a note naming why (`_no_snapshot_choice_note`).
NO_SNAPSHOT_CHOICE = "no snapshot choice"
# The problems that leave a file not linted at all, said in a note rather than listed.
NOT_LINTED = (UNKNOWN_TO_DBT, SEVERAL_SNAPSHOTS, NO_SNAPSHOT_CHOICE)


@dataclass(frozen=True)
class Violation:
    code: str  # sqlfluff's code, e.g. LT01
    name: str  # sqlfluff's rule name, e.g. layout.spacing
    description: str
    line: int
    column: int
    fixable: bool
    warning: bool  # listed in sqlfluff's own `warnings` setting
    line_text: str  # the offending source line, stripped: the fingerprint's anchor
    # On a line the change did not write, but not in the base's version of the file: the
    # change caused it (`lint.attribution`), so it is gated as changed.
    caused: bool = False
    # The rule raised instead of judging the line (`_rule_crash`).
    crashed: bool = False
    # In a file of several snapshot blocks, the snapshot of the block it is in
    # (`_lint_blocks`): the finding names that snapshot (`LintedFile.snapshot_ids`).
    snapshot: str | None = None


@dataclass(frozen=True)
class Problem:
    """Why a file could not be (fully) templated, lexed or parsed."""

    # TMP, LXR, PRS; "skipped" / "error" when sqlfluff gave up on the file; "dbt" when the dbt
    # templater could not compile the project
    code: str
    description: str
    line: int | None = None
    # The file rendered and parsed with the base's macros: a macro the change edited made it
    # unparsable (`lint.macro_change`), so the change is its cause.
    caused: bool = False


@dataclass(frozen=True)
class LintedFile:
    path: str  # as reported: relative to the repository's root (else the working directory)
    unique_id: str | None
    violations: tuple[Violation, ...]
    problems: tuple[Problem, ...]
    # The file's entry in the change; None when it is untouched (or the change is unknown).
    change: ChangedFile | None
    seconds: float
    # As a fix command names it (not shell-quoted): from the repository's root, where the
    # reports' commands paste (`locate.command_paths` names it from the working directory).
    fix_path: str = ""
    # The sqlfluff codes on for this file when a config file in a folder between it and the
    # project's (`models/legacy/.sqlfluff`) sets its own, in a run of every file; else None:
    # the run's (`LintRun.rules`). A baseline entry of a code off here was not looked for.
    rules: frozenset[str] | None = None
    # A file of several snapshot blocks: each block's snapshot (by name) -> its unique_id, for
    # the findings in it (`Violation.snapshot`), which `unique_id` (one of them) would misname.
    snapshot_ids: Mapping[str, str] = field(default_factory=dict)

    def unique_id_of(self, violation: Violation) -> str | None:
        """The dbt resource a violation is in: its snapshot's, in a file of several."""
        if violation.snapshot is None:
            return self.unique_id
        return self.snapshot_ids.get(violation.snapshot, self.unique_id)


@dataclass
class LintRun:
    files: list[LintedFile]
    dialect: str
    dialect_flag: str  # "--dialect X " for the fix hint when the project's sqlfluff config lacks it
    templater: str
    lint_all: bool
    # What the change was measured against: a git ref and its merge base with HEAD, or the
    # base build's manifest (as shown). Neither: the change is unknown and every line counts.
    base_ref: str | None = None
    merge_base: str | None = None
    base_build: str | None = None
    # The base build's directory as a `dbtgate lint --base` pasted at the repository's root
    # names it (not shell-quoted): what a fix hint scoped to the change needs without git
    # (`_fix_base`).
    base_dir: str | None = None
    # Instead of base_dir, where only the CI run has that build: the base branch (`_pasted_base`).
    base_branch: str | None = None
    severity: dict[str, str] = field(default_factory=dict)  # resolved per sqlfluff code
    default_severity: str = "error"
    # The sqlfluff codes on in the project's config, when every file was linted (what a
    # baseline entry not seen must have been looked for by: `dbtgate.coverage`); else None.
    rules: frozenset[str] | None = None
    # The files `fix` rewrote (from where `--fix` was typed: `_paste_dir`), before they were
    # linted; printed on the console alone.
    fixed: list[str] = field(default_factory=list)
    # Files `fix` would have rewritten but left as they were: "path: why".
    not_fixed: list[str] = field(default_factory=list)
    # With no file to lint: how many changed SQL files `lint.exclude` left out (the note said
    # "no SQL files changed" of a change of four excluded ones).
    excluded_changed: int = 0
    # What a `dbtgate lint` pasted at the repository's root needs to lint as this run did:
    # ` --project-dir analytics`, ` --config ci/dbtgate.yml` (`_fix_scope`), as `naming` parts.
    fix_scope: tuple[str | Arg, ...] = ()
    # What a whole-file hint adds so that the pasted command fixes the file whole: ` --whole`
    # when a base the config names would measure the change of the files named.
    whole_flag: str = ""
    setup_seconds: float = 0.0
    seconds: float = 0.0
    # What the reader should know about how the change was found (for the report's notes).
    notes: list[str] = field(default_factory=list)

    @property
    def change_known(self) -> bool:
        return self.merge_base is not None or self.base_build is not None

    @property
    def changes_from(self) -> str | None:
        """ "git", "base build", or None when the change is unknown."""
        if self.merge_base is not None:
            return "git"
        return "base build" if self.base_build is not None else None

    @property
    def against(self) -> str | None:
        """What the change was measured against, for messages."""
        if self.merge_base is not None:
            return self.base_ref
        if self.base_build is not None:
            return f"the base build ({self.base_build})"
        return None

    def measured(self) -> str:
        """What the changed lines were measured against, as the console's first line says it:
        which base `dbtgate lint` found (a ref of its default list, `main` or `origin/main`)
        is otherwise said nowhere when the change is known."""
        if self.merge_base is not None:
            return (
                f"changed lines measured against {self.base_ref} (merge base {self.merge_base[:7]})"
            )
        if self.base_build is not None:
            return f"changed lines measured against {self.against}"
        return "no base: every line counts as changed"

    def severity_of(self, code: str, warning: bool = False) -> str:
        if code in self.severity:
            return self.severity[code]
        return "warn" if warning else self.default_severity

    def summary(self) -> dict[str, Any]:
        """The report section: what was linted against what (no timings: reports are
        deterministic)."""
        return {
            "dialect": self.dialect,
            "templater": self.templater,
            "scope": "all files" if self.lint_all else "changed files",
            "changes_from": self.changes_from,
            "base_ref": self.base_ref,
            "merge_base": self.merge_base,
            "base_build": self.base_build,
            "files": [linted.path for linted in self.files],
        }


ProgressCallback = Callable[[int, int, str], None]
# A file's text and sqlfluff's renderings of it (RenderedFiles, `_renderings`): one of the file
# whole, or one of each block of a file of several snapshot blocks, in the file's order.
Rendering = tuple[str, tuple[Any, ...]]
# A file as sqlfluff loads it: its text, its config, its encoding (`load_raw_file_and_config`).
Loaded = tuple[str, "FluffConfig", str]
# A macro's caller rendered today (None once `--fix` rewrote it) and with the base's macros:
# made to find it (`_macro_callers`), then linted (`lint_changed_file`) rather than made again.
MacroRenders = tuple[Rendering | None, Rendering]
Renders = dict[Path, MacroRenders]


# Lone surrogates: how Python holds the bytes of a file name that are not UTF-8.
_SURROGATES = re.compile("[\ud800-\udfff]")


def run_lint(
    project: Project,
    config: Config,
    *,
    lint_all: bool = False,
    base_ref: str | None = None,
    base_spec: str | None = None,
    base_build: Project | None = None,
    when_unknown: Literal["error", "all"] = "error",
    display_root: Path | None = None,
    progress: ProgressCallback | None = None,
    fix: Iterable[str] | None = None,
    only: list[Path] | None = None,
    whole: bool = False,
) -> LintRun:
    """Lint the project's changed SQL files (every SQL file with `lint_all`).

    The change is measured, in this order, against: `base_ref` (--base-ref) or lint.base_ref;
    `base_spec` (check's --base, default `base:`) when it is a git ref; `base_build`, the base
    build `base_spec` named as a directory (its manifest's SQL); else a default git base ref.
    When none of these is at hand, `when_unknown="all"` lints every file with every line
    counted as changed (the gate's own rule without a base); "error" stops (exit 2).

    With `fix` (sqlfluff codes; empty: every fixable one), the files are fixed first, and the
    run reports what is left. `only` lints those files, measured against the same base as any
    run (whole where there is none but the default git refs); `whole` ignores every base the
    config names."""
    started = time.perf_counter()
    if project.project_dir is None:
        raise DbtgateError(
            "lint needs the dbt project's files: pass --project-dir (where dbt_project.yml is)"
        )
    project_dir = project.project_dir.resolve()
    dbt_files = read_dbt_project(project_dir)
    lint_config = config.lint
    display = (display_root or locate.display_root(project_dir)).resolve()
    # The findings' fix commands paste at the repository's root, as the reports name every file
    # (the console rewrites them to paste where it ran: `locate.command_paths`); the commands
    # printed by `--fix` itself paste where the user typed it (`_paste_dir`).
    here = _paste_dir(display)
    if whole:
        base_build = None  # `lint --whole FILE`: every line counts, whatever `base:` says
    spec = base_spec if base_spec is not None else config.base
    explicit = base_ref or lint_config.base_ref
    if explicit is None and spec and not Path(spec).exists():
        explicit = spec  # `--base` / `base:` may be a git ref rather than a build directory
    notes: list[str] = []
    # The files named are measured against the base in effect, as any run is: a ref given with
    # them (`--base REF` is read as --base-ref), else the config's own (lint.base_ref, or a git
    # ref as `base:`, which `--base` defaults to), unless `--whole`.
    named_ref = base_ref or (base_spec if base_spec and not Path(base_spec).exists() else None)
    if named_ref is None and not whole:
        named_ref = explicit
    if only and named_ref is not None:
        # What a fix hint scoped to the change runs (`dbtgate lint --fix CODE FILE --base-ref
        # REF`), or the config's base does for the files named.
        changes, lint_all = _git_changes(dbt_files, named_ref), True
        notes.append(f"lint: the files named on the command line, changed lines since {named_ref}")
    elif only:
        # The files named: whole, unless a base build measures their change (below), as a fix
        # hint scoped to a change measured without git runs (`--base DIR`).
        changes, lint_all = None, True
        lines = (
            "changed lines since the base build"
            if base_build is not None
            else "every line counted as changed"
        )
        notes.append(f"lint: the files named on the command line, {lines}")
    elif explicit is not None:
        changes = _git_changes(dbt_files, explicit)
    elif base_build is not None:
        changes = None  # from the base build, once the candidate files are known
    else:
        changes = _default_git_changes(dbt_files, required=not lint_all and when_unknown != "all")
        if changes is None and not lint_all:
            lint_all = True
            notes.append(
                "lint: no git base ref and no base build (--base) to measure the change "
                "against, so every SQL file was linted and every line counts as changed"
            )
    adapter_type = project.manifest.metadata.adapter_type if project.manifest.metadata else None
    references = rule_references()
    check_rule_allowlist(references, lint_config, config.path)
    fix = [code.removeprefix("lint.").upper() for code in fix] if fix is not None else None
    unknown = [code for code in fix or () if code not in references]
    if unknown:
        codes = sorted({code for codes in references.values() for code in codes})
        what = " (a code like CP01, as the findings name them)"
        raise DbtgateError(f"--fix: {_names_no_rule(unknown, codes, what)}")
    linter, root, dialect, dialect_flag = build_linter(
        dbt_files, lint_config, adapter_type, config.path
    )
    # dbtgate's `lint.rules`, checked above, replaces the project's allowlist, not its denylist.
    check_project_rules(references, root, dbt_files.directory)
    if fix:
        check_fixable(linter, root, fix)
    severity = resolve_severity(references, lint_config, config.path)
    working = changes.repo_root if changes else project_dir
    candidates = discover_sql_files(dbt_files, root, working, lint_config.exclude)
    check_folder_configs(linter, references, candidates)
    if only:
        candidates = _named_files(only, candidates)
    if explicit is None and base_build is not None:
        changes = _build_changes(project, base_build, project_dir, candidates, display, notes)
    macro_paths = _macro_paths(dbt_files) if lint_config.templater == "jinja" else []
    base_macros: BaseMacros | DbtBase | None = None
    renders: Renders = {}
    if changes is not None:
        # The files calling a macro the change edited, among those it could lint (`candidates`).
        changes, base_macros, renders, macro_notes = _macro_callers(
            linter,
            root,
            changes,
            dbt_files,
            lint_config.templater,
            macro_paths,
            candidates,
            display,
        )
        if not only:
            notes.extend(macro_notes)
    excluded_changed = 0
    if not lint_all:
        assert changes is not None  # only None with lint_all, or made lint_all above
        candidates = [path for path in candidates if changes.get(path) is not None]
        if not candidates and lint_config.exclude and not only:
            every = discover_sql_files(dbt_files, root, working, ())
            excluded_changed = sum(1 for path in every if changes.get(path) is not None)
    nodes = nodes_by_file(project)
    setup = time.perf_counter() - started
    files = []
    ordered, project_error = _sequence_files(linter, root, candidates)
    fixed: list[str] = []
    not_fixed: list[str] = []
    # Under scope: changed, old debt does not block, so --fix leaves it (`lint.fix`); under
    # scope: all it blocks, so every line is fixed.
    scoped_fix = changes is not None and config.scope == "changed"
    fix_scope = _fix_scope(project_dir, config, display, here)
    whole_flag = " --whole" if _named_files_measured(config) else ""
    if fix is not None and project_error is None:
        from dbtgate.lint.fix import through_fix

        through: dict[Path, ChangedFile] = {}  # the change of each file fixed, as it reads now
        for fname in ordered:
            path = Path(fname)
            change = changes.get(path) if changes else None
            lines = _fix_lines(
                linter, root, path, macro_paths, change, scoped_fix, base_macros, renders.get(path)
            )
            raw = _sql_text(path) if change is not None and change.lines is not None else None
            outcome = fix_file(linter, root, path, macro_paths, fix, lines)
            if isinstance(outcome, tuple) and path in renders:  # rewritten: today's is stale
                renders[path] = (None, renders[path][1])
            if isinstance(outcome, tuple) and change is not None and raw is not None:
                through[path] = through_fix(change, raw, _sql_text(path))
            shown = _quoted_here(path, quote=False, here=here)  # on the console alone
            if isinstance(outcome, tuple):
                mended = ", ".join(f"{count} {code}" for code, count in outcome)
                fixed.append(f"{shown}: {mended}" if mended else shown)
            elif outcome:
                command = f"dbtgate lint --fix {','.join(fix)} {_quoted_here(path, here=here)}"
                command += f"{naming(*_fix_scope(project_dir, config, here))}{whole_flag}"
                not_fixed.append(f"{shown}: {outcome}; fix by hand, or the whole file: {command}")
        if changes is not None and through:
            changes = replace(changes, files={**changes.files, **through})
    configured: dict[Path, bool] = {}  # folder -> whether it holds a sqlfluff config file
    unattributed: dict[str, list[str]] = {}  # base error -> the macro callers it left unmeasured
    # Files not linted, said in a note each kind (`NOT_LINTED`): dbt does not know them (the
    # dbt templater skipped them), or they hold several snapshot blocks that cannot be linted
    # one by one; why, for the last kind (the templater's: one for the run).
    unlinted: dict[str, list[str]] = {code: [] for code in NOT_LINTED}
    no_choice = ""
    for index, fname in enumerate(ordered):
        path = Path(fname)
        shown = locate.display_path(path, display)
        if progress is not None:
            progress(index, len(ordered), shown)
        file_started = time.perf_counter()
        if project_error is not None:
            violations, problems = (), (_project_problem(project_error, path, project_dir),)
        else:
            change = changes.get(path) if changes else None
            violations, problems, error = lint_changed_file(
                linter,
                root,
                path,
                macro_paths,
                change,
                base_macros,
                renders.pop(path, None),
                keep_old=lint_all,
            )
            if error is not None:
                unattributed.setdefault(error, []).append(shown)
            codes = [problem.code for problem in problems]
            if len(codes) == 1 and codes[0] in unlinted:
                unlinted[codes[0]].append(shown)  # said in a note, not listed as linted
                if codes[0] == NO_SNAPSHOT_CHOICE:
                    no_choice = problems[0].description
                continue
        files.append(
            LintedFile(
                path=shown,
                unique_id=nodes.get(path),
                snapshot_ids=snapshot_ids(project, path)
                if any(violation.snapshot for violation in violations)
                else {},
                violations=violations,
                problems=problems,
                change=changes.get(path) if changes else None,
                seconds=time.perf_counter() - file_started,
                fix_path=locate.pasted_path(path, display),
                rules=folder_rules(linter, root, path, dbt_files.directory, configured)
                if lint_all
                else None,
            )
        )
    files.sort(key=lambda linted: linted.path)
    notes.extend(_unattributed_notes(unattributed))
    if unlinted[UNKNOWN_TO_DBT]:
        notes.append(_unknown_to_dbt_note(sorted(unlinted[UNKNOWN_TO_DBT])))
    if unlinted[SEVERAL_SNAPSHOTS]:
        notes.append(_several_snapshots_note(sorted(unlinted[SEVERAL_SNAPSHOTS])))
    if unlinted[NO_SNAPSHOT_CHOICE]:
        notes.append(_no_snapshot_choice_note(sorted(unlinted[NO_SNAPSHOT_CHOICE]), no_choice))
    return LintRun(
        files=files,
        dialect=dialect,
        dialect_flag=dialect_flag,
        templater=lint_config.templater,
        lint_all=lint_all,
        base_ref=changes.base_ref if changes else None,
        merge_base=changes.merge_base if changes else None,
        base_build=_shown_build(changes.base_manifest, display)
        if changes and changes.base_manifest
        else None,
        **(
            _pasted_base(changes.base_manifest.parent, display)
            if changes and changes.base_manifest
            else {}
        ),
        severity=severity,
        default_severity=lint_config.default_severity,
        setup_seconds=setup,
        seconds=time.perf_counter() - started,
        notes=notes,
        fixed=fixed,
        not_fixed=not_fixed,
        excluded_changed=excluded_changed,
        fix_scope=fix_scope,
        whole_flag=whole_flag,
        # After the lint, whose first file loaded the rules: 20 ms more.
        rules=frozenset(rule.code for rule in linter.get_rulepack(config=root).rules)
        if lint_all and files
        else None,
    )


def folder_rules(
    linter: ProjectLinter,
    root: FluffConfig,
    path: Path,
    project_dir: Path,
    configured: dict[Path, bool],
) -> frozenset[str] | None:
    """The sqlfluff codes on for `path` when a config file in a folder below the project's
    and above the file sets them (sqlfluff reads it for the files beside and below it, and
    `exclude_rules` there turns a rule off for them alone); None without one, the usual case,
    which costs a few file lookups per folder (`configured` caches them). A file of a folder
    outside the project (`../shared_models`) has the codes of its folders' config files
    (`ProjectLinter.outside_config`), when they have some."""
    project = project_dir.resolve()
    folder = path.resolve().parent
    if not folder.is_relative_to(project):
        own = linter.outside_config(folder)
        return None if own is None else frozenset(r.code for r in linter.get_rulepack(own).rules)
    nested = False
    while folder != project and folder.is_relative_to(project):
        if folder not in configured:
            configured[folder] = any(
                (folder / name).is_file() for name in sqlfluff_files.FILE_NAMES
            )
        nested = nested or configured[folder]
        folder = folder.parent
    if not nested:
        return None
    file_config = root.make_child_from_path(str(path))
    return frozenset(rule.code for rule in linter.get_rulepack(config=file_config).rules)


def project_without_build(project_dir: Path) -> Project:
    """A Project with no nodes, for linting a dbt project that has not been built: findings then
    name files rather than models."""
    from dbtgate.artifacts.manifest import Manifest, ManifestMetadata
    from dbtgate.project import Project

    name = read_dbt_project(project_dir).name
    return Project.from_manifest(
        Manifest(metadata=ManifestMetadata(project_name=name)), project_dir=project_dir
    )


def _git_changes(dbt_files: DbtProjectFiles, base_ref: str) -> ChangeSet:
    """The change since the merge base of `base_ref`, which must work (it was asked for)."""
    from dbtgate.lint.changes import open_repo

    return _changes_against(open_repo(dbt_files.directory), base_ref, dbt_files)


def _default_git_changes(dbt_files: DbtProjectFiles, *, required: bool) -> ChangeSet | None:
    """The change against a pull request's base branch in GitHub Actions (GITHUB_BASE_REF),
    which must be fetched, else against the first default base ref git knows; None when there
    is no repository or no such ref, unless `required`."""
    from dbtgate.git_refs import missing_ref_hint
    from dbtgate.lint.changes import open_repo, resolve_base_ref

    project_dir = dbt_files.directory
    try:
        repo = open_repo(project_dir)
    except DbtgateError:
        if not required:
            return None
        raise
    github_base = os.environ.get("GITHUB_BASE_REF")
    if github_base:
        # A pull request's CI run: its base branch is the base, and it is missing only where
        # the checkout did not fetch it (actions/checkout's default depth of 1). Linting every
        # line as changed instead would fail the pull request on the repository's old debt.
        wanted = f"origin/{github_base}"
        if resolve_base_ref(repo, [wanted]) is None:
            raise DbtgateError(
                f"{project_dir}: the pull request's base branch {wanted} (GITHUB_BASE_REF) is "
                f"not known to git, so lint cannot tell what the change did"
                f"{missing_ref_hint(repo, wanted)}"
            )
        return _changes_against(repo, wanted, dbt_files)
    candidates = list(DEFAULT_BASE_REFS)
    chosen = resolve_base_ref(repo, candidates)
    if chosen is None:
        if not required:
            return None
        raise DbtgateError(
            f"{project_dir}: no base ref to find the changed files against (tried "
            f"{', '.join(candidates)}): pass --base-ref, set lint.base_ref, or pass --all"
        )
    return _changes_against(repo, chosen, dbt_files)


def _changes_against(repo: Any, base_ref: str, dbt_files: DbtProjectFiles) -> ChangeSet:
    """The change within the project and its macro and SQL folders outside it; under pre-commit
    the commit's, without untracked files (`in_commit_hook`)."""
    from dbtgate.lint.changes import changes_against, in_commit_hook

    untracked = not in_commit_hook(os.environ)
    return changes_against(
        repo,
        base_ref,
        within=dbt_files.directory,
        untracked=untracked,
        also=[
            *dbt_files.macro_folders_outside().values(),
            *dbt_files.sql_folders_outside().values(),
        ],
    )


def _build_changes(
    project: Project,
    base: Project,
    project_dir: Path,
    candidates: list[Path],
    display: Path,
    notes: list[str],
) -> ChangeSet:
    """The change against the base build's SQL, with a note saying so."""
    from dbtgate.lint.build_changes import changes_against_build

    found = changes_against_build(project, base, project_dir, candidates)
    notes.append(
        "lint: changed files and lines were measured against the base build's SQL "
        "(its manifest's raw_code), not git"
    )
    if found.unplaced:
        shown = [locate.display_path(path, display) for path in found.unplaced]
        notes.append(
            naming(
                "lint: in neither build's manifest, so every line counts as changed: ",
                *few_files(shown, len(shown)),
            )
        )
    return found.changes


def build_linter(
    dbt_files: DbtProjectFiles,
    lint_config: LintConfig,
    adapter_type: str | None,
    config_path: Path | None = None,
) -> tuple[ProjectLinter, FluffConfig, str, str]:
    """One Linter for the run, on the project's sqlfluff config plus dbtgate's choices.

    Returns the linter, its root config, the dialect and the `--dialect X ` fix-hint flag."""
    from sqlfluff.core import FluffConfig
    from sqlfluff.core.config import load_config_up_to_path
    from sqlfluff.core.errors import SQLFluffUserError

    from dbtgate.lint.project_linter import ProjectLinter

    project_dir = dbt_files.directory
    try:
        configs = load_config_up_to_path(str(project_dir))
    except configparser.Error as exc:
        raise _unreadable_config(exc, sqlfluff_files.config_files(project_dir)) from None
    except (SQLFluffUserError, ValueError) as exc:
        raise DbtgateError(f"{project_dir}: sqlfluff config: {exc}") from None
    except (AttributeError, AssertionError, TypeError):
        # sqlfluff reads a pyproject.toml's `tool` and [tool.sqlfluff] unguarded: `tool = 5`
        # or `core = "x"` there was an internal error of dbtgate's, naming no file.
        misshapen = _misshapen_config(sqlfluff_files.config_files(project_dir))
        if misshapen is None:
            raise
        raise misshapen from None
    project_dialect = (configs.get("core") or {}).get("dialect")
    overrides: dict[str, Any] = {"templater": lint_config.templater}
    if lint_config.dialect:
        dialect, flag = lint_config.dialect, f"--dialect {lint_config.dialect} "
        overrides["dialect"] = dialect
    elif project_dialect:
        dialect, flag = str(project_dialect), ""
    elif adapter_type:
        dialect = ADAPTER_DIALECTS.get(adapter_type.lower())
        if dialect is None:
            raise DbtgateError(
                f"no sqlfluff dialect for dbt adapter {adapter_type!r}: set lint.dialect in "
                "the dbtgate config or `dialect` in .sqlfluff"
            )
        flag = f"--dialect {dialect} "
        overrides["dialect"] = dialect
    else:
        raise DbtgateError(
            f"{project_dir}: no SQL dialect to lint with: set lint.dialect in the dbtgate config "
            "or `dialect` in .sqlfluff, or pass --artifacts so the manifest's adapter is used"
        )
    if lint_config.rules:
        overrides["rules"] = ",".join(lint_config.rules)
    if lint_config.templater == "dbt":
        require_dbt_templater(dbt_files, configs)
    try:
        root = FluffConfig(configs=configs, overrides=overrides)
    except KeyError:
        found = _setting_place(project_dir, "dialect")
        where = f"{found}: dialect: " if found else "sqlfluff config: "
        if lint_config.dialect:
            line = lint_config.line_of("dialect")
            where = f"{config_path}:{line}: lint.dialect: " if config_path else ""
        raise unknown_dialect(dialect, where) from None
    except SQLFluffUserError as exc:
        raise DbtgateError(f"{project_dir}: sqlfluff config: {exc}") from None
    _quiet_rule_crashes()
    linter = ProjectLinter(
        config=root, project_dir=project_dir, configs=configs, overrides=overrides
    )
    if lint_config.templater == "jinja":
        from dbtgate.lint.templater import DbtStubTemplater, StubSettings

        settings = StubSettings(
            project_name=dbt_files.name,
            adapter_type=adapter_type or dialect,
            profile_name=dbt_files.profile,
            vars=dbt_files.vars,
            package_namespaces=dbt_files.package_namespaces,
        )
        # The Linter renders every file with this one templater object (a jinja templater,
        # so sqlfluff's per-file "same templater" check still holds).
        linter.templater = DbtStubTemplater(settings)
    return linter, root, dialect, flag


def _quiet_rule_crashes() -> None:
    """sqlfluff logs a rule that raised with its traceback on stderr, then reports it as a
    violation of that rule: the finding says it (`_rule_crash`), the traceback goes."""
    rules = logging.getLogger("sqlfluff.rules")
    if not any(isinstance(f, _RuleCrashFilter) for f in rules.filters):
        rules.addFilter(_RuleCrashFilter())


class _RuleCrashFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and "threw an Exception" in record.getMessage())


def _rule_crash(code: str, description: str) -> str:
    """sqlfluff's text for a rule that raised ("Unexpected exception: X; Could you open an
    issue...") as what the user can do: most often a setting of the rule in the sqlfluff config
    of the wrong type (`max_line_length = abc`), else a sqlfluff bug."""
    cause = description.removeprefix(_RULE_CRASH).split(";\n", 1)[0].strip()
    return (
        f"sqlfluff's rule {code} failed on this file ({cause}): is one of its settings in the "
        "sqlfluff config of the wrong type? If not, it is a sqlfluff bug"
    )


def require_dbt_templater(dbt_files: DbtProjectFiles, configs: dict[str, Any]) -> None:
    """`templater: dbt` needs the plugin and a dbt profile: say which is missing, up front."""
    if importlib.util.find_spec("sqlfluff_templater_dbt") is None:
        raise DbtgateError(
            "lint.templater is 'dbt' but sqlfluff-templater-dbt is not installed: "
            "`pip install sqlfluff-templater-dbt` (with dbt-core and your adapter), or use "
            "lint.templater: jinja (see docs/lint.md)"
        )
    dbt_section = (configs.get("templater") or {}).get("dbt") or {}
    project_dir = dbt_section.get("project_dir") or os.environ.get("DBT_PROJECT_DIR")
    if project_dir is None and Path.cwd().resolve() != dbt_files.directory:
        raise DbtgateError(
            f"lint.templater is 'dbt': set project_dir = {dbt_files.directory} under "
            "[sqlfluff:templater:dbt] in .sqlfluff (the dbt templater defaults to the working "
            "directory)"
        )
    find_dbt_profile(dbt_files, dbt_section.get("profiles_dir"), dbt_section.get("profile"))


def find_dbt_profile(
    dbt_files: DbtProjectFiles, profiles_dir: str | None, profile: str | None
) -> Path:
    """The profiles.yml the dbt templater will read (dbt's own search order), holding the
    project's profile; a clear error when there is none."""
    import yaml

    candidates = (
        [Path(profiles_dir).expanduser()]
        if profiles_dir
        else [
            Path(p).expanduser()
            for p in (os.environ.get("DBT_PROFILES_DIR"), os.getcwd(), "~/.dbt")
            if p
        ]
    )
    name = profile or dbt_files.profile or dbt_files.name
    for directory in candidates:
        path = directory / "profiles.yml"
        if not path.is_file():
            continue
        try:
            profiles = yaml.safe_load(read_text(path)) or {}
        except yaml.YAMLError:
            raise DbtgateError(f"{path}: not valid YAML") from None
        if not isinstance(profiles, dict) or name not in profiles:
            raise DbtgateError(
                f"{path}: no profile {name!r}, which the dbt templater needs to compile "
                "the project (see docs/lint.md)"
            )
        return path
    searched = ", ".join(str(c / "profiles.yml") for c in candidates)
    raise DbtgateError(
        f"lint.templater is 'dbt' but there is no dbt profile ({searched} not found): the dbt "
        "templater compiles with a warehouse profile; set DBT_PROFILES_DIR or profiles_dir "
        "under [sqlfluff:templater:dbt], or use lint.templater: jinja (see docs/lint.md)"
    )


def rule_references() -> dict[str, set[str]]:
    """Every sqlfluff rule code, name, group and alias (plugins' rules too) -> the codes it
    names, as sqlfluff resolves them for `rules` / `exclude_rules`."""
    from sqlfluff.core.rules import get_ruleset

    return get_ruleset().rule_reference_map()


def check_rule_allowlist(
    references: dict[str, set[str]], lint_config: LintConfig, config_path: Path | None
) -> None:
    """`lint.rules` naming no rule would lint with nothing and pass: an error instead (sqlfluff
    itself only logs a warning)."""
    unknown = [
        (index, ref)
        for index, ref in enumerate(lint_config.rules)
        if not fnmatch.filter(references, ref)
    ]
    if unknown:
        first = lint_config.line_of(f"rules[{unknown[0][0]}]")
        where = f"{config_path}:{first}: " if config_path else ""
        named = _names_no_rule([ref for _, ref in unknown], references)
        raise DbtgateError(f"{where}lint.rules: {named}")


def _names_no_rule(
    unknown: list[str],
    references: Iterable[str],
    what: str = " (a code like LT01, a name like layout.spacing, or a group like layout)",
) -> str:
    """`'capitalisation.keyword' names no sqlfluff rule (did you mean
    capitalisation.keywords?)`: the hint after the sentence for one setting, where it reads as
    one, else beside each; `what` a rule is called unless every one has a hint."""
    hints = [_rule_hint(ref, references) for ref in unknown]
    if len(unknown) == 1:
        return f"{unknown[0]!r} names no sqlfluff rule{hints[0] or what}"
    named = ", ".join(f"{ref!r}{hint}" for ref, hint in zip(unknown, hints, strict=True))
    return f"{named} names no sqlfluff rule{'' if all(hints) else what}"


def _rule_hint(text: str, references: Iterable[str]) -> str:
    """` (did you mean capitalisation.keywords?)` for a sqlfluff rule code, name, group or
    alias within a typo of `text` (`capitalisation.keyword`, `cp011`: compared in any case,
    suggested as sqlfluff writes it), else nothing. A glob names no one rule to have mistyped."""
    from dbtgate.near_miss import near_miss_any_case

    if any(glob in text for glob in "*?["):
        return ""
    close = near_miss_any_case(text, list(references))
    return f" (did you mean {close}?)" if close else ""


def check_fixable(linter: Linter, root: FluffConfig, codes: list[str]) -> None:
    """`--fix CODE` that sqlfluff will not fix here is an error, not "0 files fixed": a rule
    the project's config turns off, or one sqlfluff cannot fix."""
    enabled = {rule.code: rule for rule in linter.get_rulepack(config=root).rules}
    for code in codes:
        rule = enabled.get(code)
        if rule is None:
            raise DbtgateError(
                f"--fix: {code} is off in this project (`rules`/`exclude_rules` in .sqlfluff, or "
                "lint.rules in the dbtgate config), so it finds nothing to fix"
            )
        if not getattr(rule, "is_fix_compatible", False):
            raise DbtgateError(
                f"--fix: sqlfluff cannot fix {code}; edit it by hand where its findings point"
            )


def check_project_rules(
    references: dict[str, set[str]], root: FluffConfig, project_dir: Path
) -> None:
    """`rules` or `exclude_rules` in the project's sqlfluff config naming no rule: an error
    naming the file that sets it. sqlfluff only logs a warning, and then lints with no rule
    (every file passes) or with the rule a typo meant to turn off."""
    for setting, key in (("rule_allowlist", "rules"), ("rule_denylist", "exclude_rules")):
        listed = root.get(setting) or []
        unknown = [ref for ref in listed if not fnmatch.filter(references, ref)]
        if unknown:
            where = _setting_place(project_dir, key) or f"{_shown(project_dir)}: sqlfluff config"
            raise DbtgateError(f"{where}: {key}: {_names_no_rule(unknown, references)}")


def check_folder_configs(
    linter: ProjectLinter, references: dict[str, set[str]], candidates: list[Path]
) -> None:
    """A sqlfluff config file of a folder of the SQL files (`models/legacy/.sqlfluff`, the
    shared `../shared_models/.sqlfluff`) held to what the project's own is: an unknown `dialect`
    there, or `rules`/`exclude_rules` naming no rule, is an error naming the file and line.
    Otherwise sqlfluff fails each file below it with its internal error, or only logs a
    warning and lints with no rule or with the rule a typo meant to turn off. Costs a few file
    lookups per folder; the configs are built only for folders that have such files."""
    from sqlfluff.core.config.file import load_config_file_as_dict

    for folder in sorted({path.resolve().parent for path in candidates}):
        own = list(sqlfluff_files.files_in(linter.own_folders(folder)))
        if not own:
            continue
        try:
            config = linter.folder_config(folder)
        except configparser.Error as exc:
            raise _unreadable_config(exc, own) from None
        except KeyError:  # sqlfluff's "Unknown dialect"
            found = sqlfluff_files.setting_file_among(own, "dialect")
            if found is None:
                raise
            dialect = load_config_file_as_dict(str(found))["core"]["dialect"]
            raise unknown_dialect(str(dialect), f"{_placed(found, 'dialect')}: dialect: ") from None
        for setting, key in (("rule_allowlist", "rules"), ("rule_denylist", "exclude_rules")):
            unknown = [
                ref for ref in config.get(setting) or [] if not fnmatch.filter(references, ref)
            ]
            found = sqlfluff_files.setting_file_among(own, key)
            if unknown and found is not None:  # else the project's, checked already
                raise DbtgateError(
                    f"{_placed(found, key)}: {key}: {_names_no_rule(unknown, references)}"
                )


def _unreadable_config(exc: configparser.Error, candidates: Iterable[Path]) -> DbtgateError:
    """sqlfluff's error names the file as '<string>': find it among `candidates` again."""
    found = sqlfluff_files.unreadable(candidates)
    if found is None:
        return DbtgateError(f"sqlfluff config: {exc.message.splitlines()[0]}")
    path, line, problem = found
    at = f"{_shown(path)}:{line}" if line else _shown(path)
    return DbtgateError(f"{at}: sqlfluff config: {problem}")


def _misshapen_config(candidates: Iterable[Path]) -> DbtgateError | None:
    """The first of `candidates` that sqlfluff's loader fails on alone, named, with what it
    says (`Expected `core` to be a section not a value.`); None when none fails alone."""
    from sqlfluff.core.config.file import load_config_file_as_dict

    for path in candidates:
        try:
            load_config_file_as_dict(str(path))
        except Exception as exc:
            return DbtgateError(
                f"{_shown(path)}: sqlfluff config: not in the sections sqlfluff reads "
                f"({type(exc).__name__}: {exc}); [tool.sqlfluff.core] and the like are tables"
            )
    return None


def _setting_place(project_dir: Path, key: str) -> str | None:
    """`.sqlfluff:2`: the file (and line) of the sqlfluff setting `key` that applies to the
    project, as an error names it."""
    path = sqlfluff_files.setting_file(project_dir, key)
    return None if path is None else _placed(path, key)


def _placed(path: Path, key: str) -> str:
    """`models/legacy/.sqlfluff:2`: the config file `path` and the line setting `key` in it."""
    line = sqlfluff_files.setting_line(path, key)
    return f"{_shown(path)}:{line}" if line else _shown(path)


def _shown(path: Path) -> str:
    """A config file in an error: as the user would type it from here (`../shared_models/.sqlfluff`
    for a shared folder beside the project's, rather than its absolute path)."""
    return _quoted_here(path, quote=False)


def resolve_severity(
    references: dict[str, set[str]], lint_config: LintConfig, config_path: Path | None
) -> dict[str, str]:
    """`lint.severity` keys (codes, rule names, groups, aliases, `unparsable`) -> per code.

    A key naming fewer rules is more specific and wins (`LT05` over `layout` over `all`). Keys
    are checked against every rule, not only those `lint.rules` selects."""
    by_code: dict[str, tuple[int, str, str]] = {}  # code -> (rules the key names, key, severity)
    for key in sorted(lint_config.severity):
        severity = lint_config.severity[key]
        codes = {UNPARSABLE} if key == UNPARSABLE else references.get(key, set())
        if not codes:
            line = lint_config.line_of(f"severity.{key}")
            where = f"{config_path}:{line}: " if config_path else ""
            hint = _rule_hint(key, [*references, UNPARSABLE]) or " (nor 'unparsable')"
            raise DbtgateError(
                f"{where}lint.severity: {key!r} is not a sqlfluff rule code, name or group{hint}"
            )
        for code in codes:
            current = by_code.get(code)
            if current is None or len(codes) < current[0]:
                by_code[code] = (len(codes), key, severity)
    return {code: chosen[2] for code, chosen in sorted(by_code.items())}


def discover_sql_files(
    dbt_files: DbtProjectFiles, root: FluffConfig, working: Path, exclude: Iterable[str]
) -> list[Path]:
    """The project's SQL files under its model, analysis, test and snapshot paths, those outside
    its folder too (`../shared_models`; not the generic test definitions, which are macros), minus
    what .sqlfluffignore (sqlfluff's own rules) and `lint.exclude` (globs relative to the
    project: `../shared_models/legacy/*`) leave out, symbolic links to files outside the project
    and those folders (a pull request could point one at any file of the CI machine, and lint
    quotes what it cannot parse), and names that are not text (bytes that are not UTF-8,
    control codes), which no report can hold."""
    from sqlfluff.core.linter.discovery import paths_from_path

    extensions = [e.strip() for e in str(root.get("sql_file_exts", default=".sql")).split(",")]
    patterns = [*exclude, *(f"{generic}/*" for generic in dbt_files.generic_test_paths)]
    found: set[Path] = set()
    project = dbt_files.directory.resolve()
    allowed = [project, *(f.resolve() for f in dbt_files.sql_folders_outside().values())]
    for relative in dbt_files.sql_paths:
        # A folder outside the project is walked from the project's (`project/../shared_models`,
        # as `sqlfluff lint ../shared_models` run in the project walks it), so sqlfluff applies
        # the project's .sqlfluffignore there too, its patterns matched on the path from the
        # project (`legacy/` leaves out `../shared_models/legacy/`), as well as the folder's own.
        directory = dbt_files.directory / from_project(
            dbt_files.directory / relative, dbt_files.directory
        )
        if not directory.is_dir():
            continue
        try:
            fnames = paths_from_path(
                str(directory), working_path=str(working), target_file_exts=extensions
            )
        except configparser.Error as exc:  # a config file in a subfolder
            raise _unreadable_config(exc, sqlfluff_files.nested_config_files(directory)) from None
        for fname in fnames:
            path = Path(fname).resolve()
            if not any(path.is_relative_to(folder) for folder in allowed):
                continue  # a symbolic link to a file outside the project: not the project's SQL
            if not str(path).isprintable() or _SURROGATES.search(str(path)):
                continue  # a name no report can hold (not UTF-8, control codes): no SQL of dbt's
            inside = from_project(path, project)
            if not any(fnmatch.fnmatch(inside, pattern) for pattern in patterns):
                found.add(path)
    return sorted(found)


class FileLint(NamedTuple):
    """One file's lint as the gate reports it (`lint_changed_file`)."""

    violations: tuple[Violation, ...]
    problems: tuple[Problem, ...]
    # A file a macro change reached whose base rendering failed: why what the change caused
    # there could not be told from old debt (the base's error, one line); its findings are then
    # kept, none of them the change's (`lint.macro_change`).
    unattributed: str | None = None


def lint_changed_file(
    linter: Linter,
    root: FluffConfig,
    path: Path,
    macro_paths: list[str],
    change: ChangedFile | None,
    base_macros: BaseMacros | DbtBase | None = None,
    renders: MacroRenders | None = None,
    *,
    keep_old: bool = True,
) -> FileLint:
    """Lint one file, and mark the violations on lines the change did not write that it still
    caused (`lint.attribution`): linting the base's version of the file (with the base's
    macros, when the change edited some) tells them from old debt. A base version sqlfluff
    cannot parse tells nothing: they stay old debt. A file the change reached only through a
    macro it calls (`lint.macro_change`) keeps its old debt only with `keep_old` (`--all`): it
    is no file of the pull request's; the renderings made to find it (`renders`) are linted,
    not made again. When its base rendering failed, nothing tells the change's violations from
    old debt, so all are kept (none blocks under scope: changed), with that failure said:
    dropping them would pass the file silently."""
    from dbtgate.lint.attribution import attribute, needs_base

    now, then = renders or (None, None)
    violations, problems = lint_file(linter, root, path, macro_paths, rendering=now)
    if len(problems) == 1 and problems[0].code in NOT_LINTED:
        return FileLint(violations, problems)  # its base version is no more linted than it
    if change is not None and change.status == "macro":
        if not violations and not problems:
            return FileLint(violations, problems)
        before, base_problems = lint_file(
            linter, root, path, macro_paths, change.base_text, base_macros, rendering=then
        )
        if base_problems:
            return FileLint(violations, problems, _one_line(base_problems[0]))
        violations = attribute(violations, change, before)
        problems = tuple(replace(problem, caused=True) for problem in problems)
        if keep_old:
            return FileLint(violations, problems)
        return FileLint(
            tuple(violation for violation in violations if violation.caused),
            tuple(problem for problem in problems if problem.caused),
        )
    if change is not None and change.base_text is not None and needs_base(violations, change):
        before, base_problems = lint_file(
            linter, root, path, macro_paths, change.base_text, base_macros
        )
        if not base_problems:
            violations = attribute(violations, change, before)
    return FileLint(violations, problems)


def _one_line(problem: Problem) -> str:
    """A problem as a note quotes it: where, and sqlfluff's or dbt's words on one line."""
    where = f"line {problem.line}: " if problem.line else ""
    return where + " ".join(problem.description.split())


def _unknown_to_dbt_note(shown: list[str]) -> str:
    """The note for the SQL files the dbt templater skipped because dbt does not know them (a
    `.dbtignore` entry, a folder dbt does not read): not linted, and dbt neither builds nor
    runs them, so no finding; said, so that they do not read as files that passed."""
    them = "it" if len(shown) == 1 else "them"
    return _not_linted(
        shown,
        f"dbt does not know {them} (a .dbtignore entry, or a folder dbt does not read), so the "
        f"dbt templater had nothing to compile (lint.templater: jinja would lint {them})",
    )


def _not_linted(shown: list[str], why: str) -> str:
    """`lint: <the first files>: not linted: <why>`, the files named from where dbtgate ran."""
    return naming("lint: ", *few_files(shown, 3), f": not linted: {why}")


def _several_snapshots_note(shown: list[str]) -> str:
    """The note for the files of several `{% snapshot %}` blocks two of which share a line (one
    block's `{% endsnapshot %}` and the next one's `{% snapshot %}`): each block is linted on the
    file with the others blanked (`lint.snapshot_blocks`), and a line of two blocks cannot be
    blanked for one and kept for the other. Linted whole, their bodies are statements with
    nothing between them, one blocking `lint.unparsable` finding about SQL nobody wrote wrong;
    so not linted, and said, so that they do not read as files that passed."""
    them = "its" if len(shown) == 1 else "their"
    return _not_linted(
        shown,
        f"two of {them} snapshot blocks share a line, so neither can be linted without the "
        "other (put each {% snapshot %} tag on a line of its own)",
    )


def _no_snapshot_choice_note(shown: list[str], why: str) -> str:
    """The note for the files of several `{% snapshot %}` blocks the dbt templater installed
    cannot render one block at a time (`snapshot_blocks.NoSnapshotChoice`: `why`, its words).
    Rendered whole, dbt compiles the file's first snapshot with the whole text, in whose context
    another block's `ref` fails, and whose bodies are statements with nothing between them: a
    finding about SQL nobody wrote wrong. So not linted, and said, with what lints them."""
    them = "it" if len(shown) == 1 else "them"
    return _not_linted(
        shown,
        f"{'it holds' if len(shown) == 1 else 'each holds'} several snapshot blocks, and each "
        f"must be compiled as its own snapshot, but {why} (lint.templater: jinja would lint "
        f"{them}, as would a sqlfluff-templater-dbt that has it)",
    )


def _unattributed_notes(unattributed: dict[str, list[str]]) -> list[str]:
    """One note per base error (the callers of one broken macro share it) naming the files a
    macro change reached whose base rendering failed, and why their findings are all listed
    and none blocks (`lint_changed_file`). dbt names the caller in its error, so under the dbt
    templater the callers of one macro that raised at the base share one note naming that
    macro (`_raised_in_macro`), not one note each."""
    by_macro: dict[tuple[str, str], list[str]] = {}
    notes = []
    for error, found in sorted(unattributed.items()):
        raised = _raised_in_macro(error)
        if raised is not None:
            by_macro.setdefault(raised, []).extend(found)
            continue
        shown = sorted(found)
        them = "it" if len(shown) == 1 else "them"
        notes.append(
            naming(
                "lint: ",
                *few_files(shown, 3),
                f": sqlfluff could not render {them} with the base's macros ({error}), "
                f"{_UNATTRIBUTED}",
            )
        )
    for (macro, error), found in sorted(by_macro.items()):
        shown = sorted(set(found))
        them = "it" if len(shown) == 1 else "them"
        notes.append(
            naming(
                f"lint: the base's {macro} raised in {counted(len(shown), 'SQL file')} calling "
                "it (",
                *few_files(shown, 3),
                f"): dbt could not compile {them} with the base's macros ({error}), "
                f"{_UNATTRIBUTED}",
            )
        )
    return sorted(notes)


_UNATTRIBUTED = (
    "so what the macro change caused there could not be told from old debt: every finding "
    "there is listed, none blocks"
)
# dbt's error for a file it could not compile because a macro raised: `Compilation Error in
# model direct (models/direct.sql) cents is broken > in macro default__cents (macros/cents.sql)
# > called by macro cents (...) > called by model direct (...)`, on one line (`_dbt_skips`).
_MACRO_RAISED = re.compile(
    r"^(?P<kind>\w+ Error) in \w+ \S+ \([^)]*\) (?P<what>.*?) > in (?P<macro>macro \w+ \([^)]*\))"
)


def _raised_in_macro(error: str) -> tuple[str, str] | None:
    """The macro dbt's one-line `error` says raised (`macro default__cents (macros/cents.sql)`)
    and its error without the caller's name (`Compilation Error: cents is broken`); None for
    any other error."""
    found = _MACRO_RAISED.match(error)
    if found is None:
        return None
    return found.group("macro"), f"{found.group('kind')}: {found.group('what')}"


def _fix_lines(
    linter: Linter,
    root: FluffConfig,
    path: Path,
    macro_paths: list[str],
    change: ChangedFile | None,
    scoped: bool,
    base_macros: BaseMacros | DbtBase | None = None,
    renders: MacroRenders | None = None,
) -> FixLines | None:
    """Where `--fix` may fix: every code on the lines the change wrote, and on other lines the
    codes of the violations it caused there (`lint.attribution`), not old debt. None (every
    line) for a new file, or when the fix is not `scoped` to the change (no change measured,
    or scope: all)."""
    if not scoped:
        return None
    if change is None:
        return {}  # untouched: old debt, not fixed
    if change.lines is None:
        return None
    lines: dict[int, frozenset[str] | None] = dict.fromkeys(change.lines)
    violations = lint_changed_file(
        linter, root, path, macro_paths, change, base_macros, renders
    ).violations
    for violation in violations:
        if violation.caused:
            lines[violation.line] = (lines.get(violation.line) or frozenset()) | {violation.code}
    return lines


def lint_file(
    linter: Linter,
    root: FluffConfig,
    path: Path,
    macro_paths: list[str],
    text: str | None = None,
    base_macros: BaseMacros | DbtBase | None = None,
    *,
    rendering: Rendering | None = None,
) -> tuple[tuple[Violation, ...], tuple[Problem, ...]]:
    """Lint one file (`text` in its place, when given: its base version; with `base_macros`, the
    project's macros as the base had them), or the `rendering` already made of it so; a file
    sqlfluff cannot template, parse or handle gives problems, and never stops the run."""
    from sqlfluff.core.errors import SQLFluffSkipFile, SQLFluffUserError

    try:
        try:
            raw, renderings = rendering or _renderings(
                linter, root, path, macro_paths, text, base_macros
            )
            several = snapshot_blocks.blocks(raw)
        except snapshot_blocks.SharedLine as exc:
            return (), (Problem(SEVERAL_SNAPSHOTS, str(exc)),)
        if several:
            return _lint_blocks(linter, raw, several, renderings)
        (rendered,) = renderings
        linted = linter.lint_rendered(rendered, linter.get_rulepack(config=rendered.config))
    except snapshot_blocks.NoSnapshotChoice as exc:
        return (), (Problem(NO_SNAPSHOT_CHOICE, str(exc)),)
    except SQLFluffSkipFile as exc:
        return (), (Problem(UNKNOWN_TO_DBT if str(exc) == UNKNOWN_TO_DBT else "skipped", str(exc)),)
    except SQLFluffUserError as exc:
        if base_macros is not None:  # the config read today: a base macro it cannot load
            return (), (_base_macro_problem(exc),)
        raise DbtgateError(f"{path}: sqlfluff config: {exc}") from None
    except Exception as exc:  # a sqlfluff bug on one file must not stop the gate
        return (), (Problem("error", f"sqlfluff failed on this file: {type(exc).__name__}: {exc}"),)
    violations, problems = _found(linted, raw)
    violations.sort(key=lambda v: (v.line, v.column, v.code))
    # Root cause first: a templating failure explains the parse errors that follow it.
    problems.sort(key=lambda p: (_PROBLEM_ORDER.get(p.code, 9), p.line or 0, p.description))
    return tuple(violations), tuple(problems)


def _lint_blocks(
    linter: Linter,
    raw: str,
    blocks: list[snapshot_blocks.Block],
    renderings: tuple[Any, ...],
) -> tuple[tuple[Violation, ...], tuple[Problem, ...]]:
    """`lint_file` of a file of several snapshot blocks (`lint.snapshot_blocks`): each block
    linted on its rendering (`_renderings`: the file with the others blanked), and of what
    sqlfluff finds only what is on the lines the block owns, so that a finding between two
    blocks is kept once. A problem sqlfluff places on no line is the block's, named."""
    violations: list[Violation] = []
    problems: list[Problem] = []
    for block, rendered in zip(blocks, renderings, strict=True):
        linted = linter.lint_rendered(rendered, linter.get_rulepack(config=rendered.config))
        found, trouble = _found(linted, raw)
        violations += [
            replace(violation, snapshot=block.name)
            for violation in found
            if violation.line in block.lines
        ]
        problems += [
            problem
            if problem.line is not None
            else replace(problem, description=f"snapshot {block.name}: {problem.description}")
            for problem in trouble
            if problem.line is None or problem.line in block.lines
        ]
    violations.sort(key=lambda v: (v.line, v.column, v.code))
    problems.sort(key=lambda p: (_PROBLEM_ORDER.get(p.code, 9), p.line or 0, p.description))
    return tuple(violations), tuple(problems)


def _found(linted: Any, raw: str) -> tuple[list[Violation], list[Problem]]:
    """sqlfluff's violations of a linted file (`raw`, the file's text, quoted on each), and its
    template, lex and parse problems, unsorted."""
    source_lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    violations: list[Violation] = []
    problems: list[Problem] = []
    for error in linted.get_violations(filter_warning=False):
        code = error.rule_code()
        line = error.line_no or None
        if code in _PROBLEM_ORDER:
            problems.append(Problem(code, error.desc(), _problem_line(error, line)))
            continue
        rule = getattr(error, "rule", None)
        text = source_lines[line - 1].strip() if line and line <= len(source_lines) else ""
        description = error.desc()
        crashed = description.startswith(_RULE_CRASH)
        if crashed:
            description = _rule_crash(code, description)
        violations.append(
            Violation(
                code=code,
                name=getattr(rule, "name", "") or "",
                description=description,
                line=line or 1,
                column=error.line_pos or 1,
                fixable=bool(error.fixable),
                warning=bool(getattr(error, "warning", False)),
                line_text=text,
                crashed=crashed,
            )
        )
    return violations, problems


def _problem_line(error: Any, line: int | None) -> int | None:
    """The line of the file a templating, lexing or parsing problem is on, None when none is
    known. sqlfluff's jinja templater puts any failure while rendering (a name undefined, in the
    file or in a macro it calls) on line 1, knowing no line, so that `-- noqa` can silence it:
    quoted as line 1, it sent readers to the wrong line. jinja's own error names a line only
    when it is a syntax error of the file's template (`lineno`, with no other template's name);
    else the problem has no line."""
    if not error.desc().startswith(_UNRECOVERABLE):
        return line
    cause = error.__cause__ or error.__context__
    own = getattr(cause, "name", None) is None and getattr(cause, "filename", None) is None
    found = getattr(cause, "lineno", None)
    return found if own and isinstance(found, int) and found > 0 else None


def _base_macro_problem(exc: Exception) -> Problem:
    """A base macro sqlfluff's jinja templater could not load (handed to it in its `macros`
    setting: `_use_base_macros`), as the base rendering's problem rather than a config error
    stopping the run: a pull request that fixes a macro broken at the base is a common one.
    sqlfluff quotes the macro's whole text before jinja's error (`\n> error`): only the error
    is kept."""
    error = str(exc).rpartition("\n> ")[2].rstrip(".")
    return Problem("TMP", f"a macro as the base had it does not compile: {error}")


def _paste_dir(root: Path, environ: Mapping[str, str] = os.environ) -> Path:
    """Where a fix hint's command is pasted: the working directory, as the user typed the run;
    in GitHub Actions the repository's root (`root`), from which the annotations and the PR
    comment name every file. The job's working directory (`working-directory: analytics` in a
    monorepo) is nowhere in what the author reads, so a hint relative to it failed from the
    root: `no dbt project found`."""
    if environ.get("GITHUB_ACTIONS", "").lower() == "true":
        return root
    return Path.cwd().resolve()


def _fix_scope(
    project_dir: Path, config: Config, here: Path, console: Path | None = None
) -> tuple[Arg, ...]:
    """The flags a `dbtgate lint` pasted in `here` (the repository's root, or where `--fix` was
    typed: `_paste_dir`) needs to lint as this run did, as `naming` parts: `--project-dir` when
    the project is elsewhere (an `Arg`, left out where it is `.`), `--config` when the config
    is not the one it would find by itself: there, and in `console`, where the console's
    command is pasted (`locate.command_paths`; `here` when not given)."""
    flags = [Arg(Path(os.path.relpath(project_dir, here)).as_posix(), "--project-dir")]
    if config.path is not None:
        written = (
            not _finds_config(here, project_dir, config),
            not _finds_config(console or here, project_dir, config),
        )
        path = Path(os.path.relpath(config.path, here)).as_posix()
        flags.append(Arg(path, "--config", written))
    return tuple(flags)


def _finds_config(folder: Path, project_dir: Path, config: Config) -> bool:
    """Whether `dbtgate lint --project-dir PROJECT` run in `folder` reads `config` with no
    --config, as the CLI looks for one: in `folder`, else in the project's folder. A folder of
    two configs finds none (the command stops there without --config): the flag stays."""
    from dbtgate.config import config_in

    for place in (folder, project_dir):
        try:
            found = config_in(place, config)
        except DbtgateError:
            return False
        if found is not None:
            return config.path is not None and found == config.path.resolve()
    return False


def _named_files_measured(config: Config) -> bool:
    """Whether `dbtgate lint FILE` with this config measures the change of the files named: the
    config names a base (`lint.base_ref`, or `base:` as a build's directory or a git ref). A
    whole-file fix hint then needs `--whole`, or it fixes only the change."""
    return config.lint.base_ref is not None or bool(config.base)


def _shown_build(manifest: Path, root: Path, environ: Mapping[str, str] = os.environ) -> str:
    """The base build's manifest as the report and messages name it: from the repository root,
    or, outside it, as a reader can place it (`$RUNNER_TEMP/...` in CI, else as given:
    `locate.shown_outside`), as the gate's inputs name it."""
    shown = locate.display_path(manifest, root)
    return locate.shown_outside(manifest, None, environ) if Path(shown).is_absolute() else shown


def _pasted_base(
    directory: Path, root: Path, environ: Mapping[str, str] = os.environ
) -> dict[str, str]:
    """How a fix hint names the base build: its directory (`base_dir`), but not in a GitHub
    Actions run of a pull request whose base build lies outside the repository (the base
    branch's artifact, downloaded into the runner's temporary folder): that path is nowhere on the
    machine of whoever reads the hint, so it names the base branch (`base_branch`,
    `origin/main`), whose merge base with the pull request is the commit that build is of."""
    branch = environ.get("GITHUB_BASE_REF", "").strip()
    in_actions = environ.get("GITHUB_ACTIONS", "").lower() == "true"
    if branch and in_actions and Path(locate.display_path(directory, root)).is_absolute():
        return {"base_branch": f"origin/{branch}"}
    return {"base_dir": locate.pasted_path(directory, root)}


def _quoted_here(path: Path, *, quote: bool = True, here: Path | None = None) -> str:
    """`path` as a command pasted in `here` (the working directory by default) names it:
    relative to it, or for a path outside it the shorter of `../`-relative
    (`../../base/target`, as the user typed it) and absolute (`/tmp/base`, not
    `../../../../tmp/base`)."""
    shown = locate.pasted_path(path, here or Path.cwd().resolve())
    return shlex.quote(shown) if quote else shown


def _named_files(named: list[Path], candidates: list[Path]) -> list[Path]:
    """The project's SQL files among `named` (paths from the working directory), each of which
    must be one: a typo must not lint nothing and pass."""
    known = {path.resolve(): path for path in candidates}
    chosen = []
    for path in named:
        found = known.get(path.resolve())
        if found is None and not path.exists():
            raise DbtgateError(f"{path}: no such file{_closest_file(path, candidates)}")
        if found is None and path.is_dir():  # (as sqlfluff lint models/ would take it)
            raise DbtgateError(
                f"{path}: a folder, not a SQL file: name its files ({path.as_posix()}/*.sql),"
                " or lint every SQL file of the project with --all"
            )
        if found is None:
            raise DbtgateError(
                f"{path}: not a SQL file of the dbt project that dbtgate lints (model, analysis, "
                "test or snapshot paths, less lint.exclude and .sqlfluffignore)"
            )
        chosen.append(found)
    return sorted(set(chosen))


def _closest_file(path: Path, candidates: list[Path]) -> str:
    """` (did you mean models/orders.sql?)` for a mistyped file name, else nothing: a typo is
    the usual reason a named file is not there. Names are compared within the folder named (a
    whole path's shared folders would make any two names of a folder look alike)."""
    import difflib

    folder = path.parent.resolve()
    names = {c.name: c for c in candidates if c.resolve().parent == folder}
    close = difflib.get_close_matches(path.name, names, n=1, cutoff=0.8)
    return f" (did you mean {_quoted_here(names[close[0]])}?)" if close else ""


def _renderings(
    linter: Linter,
    root: FluffConfig,
    path: Path,
    macro_paths: list[str],
    text: str | None = None,
    base_macros: BaseMacros | DbtBase | None = None,
) -> Rendering:
    """The file's text (or `text`, as if it were the file's) and its renderings (`_render`): a
    file of several snapshot blocks is rendered block by block, each block on the file with
    the others blanked and as its own snapshot (`lint.snapshot_blocks`), and never whole: that
    rendering would be thrown away, and one by the dbt templater is a dbt compile. Any other
    file is rendered whole. The file is loaded once (sqlfluff builds its config then, which
    costs as much as a Jinja rendering) for every rendering of it. Raises `SharedLine` for a
    file of blocks that share a line, before rendering anything."""
    loaded = linter.load_raw_file_and_config(str(path), root)
    raw = loaded[0] if text is None else text
    several = snapshot_blocks.blocks(raw)
    if not several:
        return raw, (_render(linter, root, path, macro_paths, raw, base_macros, loaded=loaded)[1],)
    return raw, tuple(
        _render(linter, root, path, macro_paths, block.masked, base_macros, block.name, loaded)[1]
        for block in several
    )


def _render(
    linter: Linter,
    root: FluffConfig,
    path: Path,
    macro_paths: list[str],
    text: str | None = None,
    base_macros: BaseMacros | DbtBase | None = None,
    snapshot: str | None = None,
    loaded: Loaded | None = None,
) -> tuple[str, Any]:
    """The file's text (or `text`, as if it were the file's) and its rendering with the run's
    templater (dbtgate's dbt stubs and the project's macros, or with `base_macros` the macros
    as the base had them; under the dbt templater, by dbt in a copy of the project that has
    them: `lint.dbt_base`), from the file as sqlfluff `loaded` it, when it was. A file dbt
    could not compile is a `SQLFluffSkipFile` with dbt's error (`_dbt_skips`). A snapshot's
    body is given back to dbt's manifest after each rendering by the dbt templater
    (`snapshot_blocks.dbt_rendering`), so its file can be rendered again."""
    from dbtgate.lint.dbt_base import DbtBase

    with _dbt_skips() as skipped:
        if isinstance(base_macros, DbtBase):
            with snapshot_blocks.dbt_rendering(base_macros.linter.templater, snapshot):
                raw, rendered = base_macros.render(path, text)
        else:
            with snapshot_blocks.dbt_rendering(linter.templater, snapshot):
                raw, rendered = _render_jinja(
                    linter, root, path, macro_paths, text, base_macros, loaded
                )
    if skipped and not rendered.templated_variants and not rendered.templater_violations:
        from sqlfluff.core.errors import SQLFluffSkipFile

        raise SQLFluffSkipFile(skipped[-1])
    return raw, rendered


@contextlib.contextmanager
def _dbt_skips() -> Iterator[list[str]]:
    """dbt's errors for the files sqlfluff's dbt templater skipped while rendering, one line
    each. The templater skips a file dbt raised on while compiling it (a macro calling
    `exceptions.raise_compiler_error`, a `ref` to a model that does not exist), and sqlfluff's
    `render_string` only logs that, and renders nothing: linted, the file passed, and as a macro
    change's caller at the base it had no violation, so its old debt read as the change's. A
    file dbt does not know (`.dbtignore`) is `UNKNOWN_TO_DBT`: it passed silently too, and the
    run's notes now say it was not linted. A disabled model is skipped as dbt skips it, without
    sqlfluff's warning on stderr (dbt's own choice, as it is for the rest of the gate); other
    skips (a macro file) are left to sqlfluff, which logs them."""
    skipped: list[str] = []

    def keep(record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        message = record.getMessage()
        if _DISABLED_IN_DBT.match(message):
            return False
        if _NOT_IN_DBT.match(message):
            skipped.append(UNKNOWN_TO_DBT)
            return False
        found = _DBT_ERROR.search(message)
        if found is None:
            return True
        skipped.append(" ".join(found.group(0).split()))
        return False

    logger = logging.getLogger("sqlfluff.linter")
    logger.addFilter(keep)
    try:
        yield skipped
    finally:
        logger.removeFilter(keep)


def _render_jinja(
    linter: Linter,
    root: FluffConfig,
    path: Path,
    macro_paths: list[str],
    text: str | None,
    base_macros: BaseMacros | None,
    loaded: Loaded | None = None,
) -> tuple[str, Any]:
    """`_render` by the run's own templater (dbtgate's stubs under jinja, else dbt), on a copy
    of the `loaded` file's config when given (it is set for this rendering alone)."""
    fname = str(path)
    if loaded is None:
        raw, file_config, encoding = linter.load_raw_file_and_config(fname, root)
    else:
        raw, file_config, encoding = loaded[0], loaded[1].copy(), loaded[2]
    if text is not None:
        raw = text
    if macro_paths and not file_config.get_section(("templater", "jinja", "load_macros_from_path")):
        # The project's macros, so models calling them template (unless .sqlfluff says
        # otherwise). Set per file: sqlfluff builds each file's config afresh.
        file_config.set_value(
            ["templater", "jinja", "load_macros_from_path"], ",".join(macro_paths)
        )
    if base_macros is not None:
        _use_base_macros(file_config, base_macros)
    return raw, linter.render_string(raw, fname, file_config, encoding)


def _use_base_macros(file_config: FluffConfig, base: BaseMacros) -> None:
    """Render with the macros as the base had them: sqlfluff's jinja templater leaves the
    changed macro files out (`exclude_macros_from_path`, beside the project's own) and reads
    their base text from its `macros` setting instead, where the deleted files' text goes too."""
    section = ["templater", "jinja"]
    own = file_config.get_section((*section, "exclude_macros_from_path"))
    excluded = [str(own)] if own else []
    file_config.set_value(
        [*section, "exclude_macros_from_path"], ",".join([*excluded, *base.excluded])
    )
    for index, text in enumerate(base.texts):
        file_config.set_value([*section, "macros", f"dbtgate_base_{index}"], text)


def fix_file(
    linter: Linter,
    root: FluffConfig,
    path: Path,
    macro_paths: list[str],
    codes: list[str],
    lines: FixLines | None,
) -> tuple[tuple[str, int], ...] | str | bool:
    """Apply sqlfluff's fixes of `codes` (every fixable rule when empty) to the file, rendered as
    the lint renders it: `sqlfluff fix` alone does not know dbtgate's dbt stubs, and stops at a
    model that calls a project macro or reads `target`. Only violations on `lines` are fixed
    (None: every line; `lint.fix`); in a file of several snapshot blocks, each block's on its
    own (`fix.fix_blocks`). When the file changed, the violations mended by code
    (`FixOutcome.mended`); why not, when fixes were found but refused; False otherwise. A file
    that cannot be rendered or fixed is left as it is (its lint finding says why)."""
    from dbtgate.lint.fix import fix_blocks, fix_text

    if lines is not None and not lines:
        return False
    try:
        loaded = linter.load_raw_file_and_config(str(path), root)
        raw, _, encoding = loaded

        def render(text: str, snapshot: str | None = None) -> Any:
            return _render(linter, root, path, macro_paths, text, None, snapshot, loaded)[1]

        try:
            several = bool(snapshot_blocks.blocks(raw))
        except snapshot_blocks.SharedLine as exc:
            return f"{exc}, so no one of them can be fixed without the other"
        if several:  # each block rendered as it is fixed: the file whole, never
            outcome = fix_blocks(linter, raw, codes, lines, render)
        else:
            outcome = fix_text(linter, render(raw), raw, codes, lines, render)
    except snapshot_blocks.NoSnapshotChoice as exc:
        return f"its snapshot blocks cannot be rendered one at a time: {exc}"
    except Exception:  # sqlfluff failing on one file: left as it is, for the lint to report
        return False
    if outcome.fixed is None:
        return outcome.refused or False
    fixed = outcome.fixed
    if b"\r\n" in path.read_bytes():  # written back with the line endings it had
        fixed = fixed.replace("\r\n", "\n").replace("\n", "\r\n")
    path.write_text(fixed, encoding=encoding, newline="")
    return outcome.mended


def _sequence_files(
    linter: Linter, root: FluffConfig, candidates: list[Path]
) -> tuple[list[str], str | None]:
    """The files in the order the templater wants them, or, when the dbt templater cannot
    compile the project (one model that dbt cannot compile stops them all), the files as they
    are and dbt's error: every file then gets a `lint.unparsable` finding, not a crash."""
    from sqlfluff.core.errors import SQLFluffUserError

    names = [str(path) for path in candidates]
    try:
        return list(linter.templater.sequence_files(names, config=root)), None
    except SQLFluffUserError as exc:
        if linter.templater.name != "dbt":
            raise DbtgateError(f"sqlfluff: {exc}") from None
        return names, str(exc)


def _project_problem(error: str, path: Path, project_dir: Path) -> Problem:
    """dbt's compilation error for the file it names; for the others, why they were not
    linted."""
    found = _DBT_ERROR.search(error)
    detail = " ".join((found.group(0) if found else error).split())
    relative = from_project(path, project_dir)
    if f"({relative})" in detail:
        line = _DBT_ERROR_LINE.search(detail)
        return Problem(
            "dbt",
            f"the dbt templater could not compile this file: {detail}",
            int(line.group(1)) if line else None,
        )
    return Problem(
        "dbt",
        "not linted: the dbt templater could not compile the project, because of another "
        f"file: {detail}",
    )


def _macro_callers(
    linter: ProjectLinter,
    root: FluffConfig,
    changes: ChangeSet,
    dbt_files: DbtProjectFiles,
    templater: str,
    macro_paths: list[str],
    candidates: list[Path],
    display: Path,
) -> tuple[ChangeSet, BaseMacros | DbtBase | None, Renders, list[str]]:
    """The change widened to the files among `candidates` that it left as they were but whose
    SQL renders differently with the macros it edited (`lint.macro_change`), the base's macros
    to lint them against (under the dbt templater, a copy of the project that has them:
    `lint.dbt_base`), the two renderings of each (its lint's, made once), and a note naming
    the macros (a pull request of macros alone would otherwise seem to have had nothing of
    SQL). A change that edited no macro is returned as it is, at the cost of a look at its
    paths."""
    from dbtgate.lint.macro_change import callers, macro_change

    folders = [(dbt_files.directory / relative).resolve() for relative in dbt_files.macro_paths]
    found = macro_change(changes, folders)
    if found is None:
        return changes, None, {}, []
    macros = [locate.display_path(path, display) for path in found.files]
    head = [f"lint: {counted(len(macros), 'macro')} changed (", *few_files(macros, 3), ")"]
    base: BaseMacros | DbtBase = found.base
    calling = callers(found, candidates)
    proposed = sorted(
        (path, reached) for path, reached in calling.items() if changes.get(path) is None
    )
    alike = naming(
        *head, ": no SQL file calling them that the change left as it was renders differently"
    )
    if templater == "dbt" and not calling:
        return changes, None, {}, [alike]  # no copy of the project to compile
    if templater == "dbt":
        from dbtgate.lint.dbt_base import dbt_base

        base = dbt_base(linter, root, changes, found)
        error = base.compile_error()
        if error is not None:
            detail = " ".join(error.split())
            return (
                changes,
                None,
                {},
                [
                    naming(
                        *head,
                        ": the dbt templater could not compile the project with the base's "
                        f"macros, so the files calling them were not linted: {detail}",
                    )
                ],
            )
    added: dict[Path, ChangedFile] = {}
    renders: Renders = {}
    for path, reached in proposed:
        both = _both_renderings(linter, root, path, macro_paths, base)
        if both is not None and _alike(both):
            continue
        if both is not None:
            renders[path] = both
        added[path] = ChangedFile(
            path,
            "macro",
            frozenset(),
            base_text=_sql_text(path),
            via_macros=tuple(locate.display_path(macro, display) for macro in sorted(reached)),
        )
    if not added:
        return changes, base, {}, [alike]
    shown = [locate.display_path(path, display) for path in added]
    verb = "renders" if len(added) == 1 else "render"
    note = naming(
        *head,
        f": {counted(len(added), 'SQL file')} calling them {verb} differently, linted too (",
        *few_files(shown, 3),
        "); only what the macro change caused there blocks",
    )
    files = {**changes.files, **added}
    return replace(changes, files=files), base, renders, [note]


def _both_renderings(
    linter: Linter,
    root: FluffConfig,
    path: Path,
    macro_paths: list[str],
    base: BaseMacros | DbtBase,
) -> tuple[Rendering, Rendering] | None:
    """The file rendered with today's macros and with the base's; None when sqlfluff cannot
    render it (it is linted, and its lint says why). A file of snapshot blocks sharing a line,
    which cannot be rendered block by block, nor linted (`lint_file`), is rendered whole: that
    tells whether the change reached it, and then a note says it was not linted."""
    try:
        try:
            now = _renderings(linter, root, path, macro_paths)
            then = _renderings(linter, root, path, macro_paths, base_macros=base)
        except snapshot_blocks.SharedLine:
            now, then = (
                (raw, (rendered,))
                for raw, rendered in (
                    _render(linter, root, path, macro_paths),
                    _render(linter, root, path, macro_paths, base_macros=base),
                )
            )
    except Exception:  # as in lint_file: a sqlfluff failure on one file is that file's finding
        return None
    return now, then


def _alike(both: tuple[Rendering, Rendering]) -> bool:
    """Whether the file renders the same with today's macros and the base's: each rendering
    of it (`_renderings`), that of each block of a file of several snapshot blocks, alike."""
    (_, now), (_, then) = both
    return [_rendering(rendered) for rendered in now] == [_rendering(r) for r in then]


def _rendering(rendered: Any) -> tuple[list[str], list[str]]:
    """What tells two renderings of a file apart: the SQL, and the templating errors."""
    return (
        [str(variant.templated_str) for variant in rendered.templated_variants],
        [str(error) for error in rendered.templater_violations],
    )


def _sql_text(path: Path) -> str:
    """A SQL file's text as lint compares it (bytes that are not UTF-8 replaced: sqlfluff's own
    finding says where they are)."""
    return path.read_text(encoding="utf-8", errors="replace")


def _macro_paths(dbt_files: DbtProjectFiles) -> list[str]:
    """Macro directories that hold macros (loading an empty one would only cost time)."""
    found = []
    for relative in dbt_files.macro_paths:
        directory = dbt_files.directory / relative
        if directory.is_dir() and any(directory.rglob("*.sql")):
            found.append(str(directory))
    return found


def unknown_dialect(dialect: str, where: str) -> DbtgateError:
    """The error for a dialect sqlfluff does not have, listing those it has."""
    return DbtgateError(
        f"{where}unknown sqlfluff dialect {dialect!r} (known: {', '.join(known_dialects())})"
    )


def known_dialects() -> list[str]:
    """sqlfluff's dialect names (`duckdb`, `snowflake`, ...)."""
    from sqlfluff.core import dialect_readout

    return [dialect.label for dialect in dialect_readout()]
