"""dbtgate.yml (or `[tool.dbtgate]` in pyproject.toml) as typed, line-numbered settings.

A gate's config is a contract a team writes once and edits rarely, so a typo must not silently
turn a rule off: unknown keys and wrong types stop the run with the file and line. The conversion
is driven by the sections' type hints, so adding a setting is adding a typed field here. The
sections are msgspec Structs rather than dataclasses: every run imports them, and creating a
dataclass (code generated and compiled per class) cost ~2 M instructions each, a Struct a tenth.
Checks receive the finished `Config` and never read files themselves.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import os
import re
import types
import typing
from collections.abc import Collection
from pathlib import Path
from typing import Any, Literal

from msgspec import Struct, field

from dbtgate.encoding import read_text
from dbtgate.errors import DbtgateError, lookup_problem
from dbtgate.pipes import is_pipe
from dbtgate.wording import choices, counted

CONFIG_FILENAMES = ("dbtgate.yml", "dbtgate.yaml")
# The config format this dbtgate reads (`version:` in dbtgate.yml).
CONFIG_VERSION = 1
# How a suggested waiver entry is indented when the config shows no list entry of its own.
DEFAULT_LIST_INDENT = {"item": 2, "keys": 4}
Severity = Literal["error", "warn", "info"]


class TierConfig(Struct):
    """Where a resource's tier comes from, in order: `meta.<key>` and/or `tag` (tier-1, tier_2)."""

    from_: list[str] = field(default_factory=lambda: ["meta.tier", "tag"])
    default: int | None = 3


class OwnerConfig(Struct):
    """Where a resource's owner comes from, in order: `meta.<key>` and/or `group`; and the
    CODEOWNERS file for `owner.allowed` (default: found from the dbt project upwards)."""

    from_: list[str] = field(default_factory=lambda: ["meta.owner", "group"])
    codeowners: str | None = None


class RuleSetting(Struct):
    """One rule switched on in a policy: its severity and parameters (validated by the rule)."""

    code: str
    severity: Severity | None = None
    params: dict[str, Any] = field(default_factory=dict)
    param_lines: dict[str, int] = field(default_factory=dict)
    line: int = 0


class Policy(Struct):
    """Rules applied to the resources a selector picks (dbt-like syntax: `tier:1`, `tag:x`...).
    `select` is required, as in a waiver: a forgotten one must not mean every resource."""

    select: str
    exclude: str | None = None
    rules: dict[str, RuleSetting] = field(default_factory=dict)
    line: int = 0


class Waiver(Struct):
    """An accepted exception: a rule on a selection, with a reason, an owner and an expiry."""

    rule: str
    select: str
    reason: str
    owner: str
    expires: dt.date
    line: int = 0


class LintConfig(Struct):
    """sqlfluff on the changed SQL (docs/lint.md). Rule selection and layout settings stay in
    the project's own .sqlfluff / pyproject.toml / setup.cfg."""

    enabled: bool = False
    dialect: str | None = None  # default: .sqlfluff's dialect, else the manifest's adapter
    templater: Literal["jinja", "dbt"] = "jinja"
    # Per sqlfluff code, name or group (`LT05`, `layout.long_lines`, `capitalisation`), and
    # `unparsable`; the most specific key wins.
    severity: dict[str, Severity] = field(default_factory=dict)
    default_severity: Severity = "error"
    base_ref: str | None = None  # git ref the change is measured against
    exclude: list[str] = field(default_factory=list)  # globs, relative to the dbt project
    rules: list[str] = field(default_factory=list)  # sqlfluff rule allowlist; empty: .sqlfluff's
    line: int = 0
    # The line of each key and entry (`dialect`, `severity.LT05`, `rules[0]`): sqlfluff checks
    # them later, and its errors must point at the entry, not at `lint:`.
    item_lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, item: str) -> int:
        """The line of `item` (`severity.LT05`, `rules[0]`), else of `lint:`."""
        return self.item_lines.get(item, self.line)


class RunSeverities(Struct):
    """Severity of each run rule; warn-status tests are `run.test_failures` at `test_warnings`."""

    errors: Severity = "error"
    test_failures: Severity = "error"
    test_warnings: Severity = "warn"
    skipped: Severity = "warn"
    not_run: Severity = "error"
    stale_results: Severity = "warn"


class SlowerConfig(Struct):
    """`run.slower`: a node at least `ratio` times slower than in the base build, and slower
    than `min_seconds` (the floor keeps fast nodes' jitter quiet). Off unless enabled."""

    enabled: bool = False
    ratio: float = 2.0
    min_seconds: float = 10.0
    severity: Severity = "warn"


class RunConfig(Struct):
    """Gating on run_results.json: what the last `dbt build` did."""

    enabled: bool = True
    # Without run_results.json the gate notes it; with `required`, that is a blocking finding.
    required: bool = False
    # run_results written this long before the manifest may describe an older project state.
    stale_tolerance_minutes: float = 60.0
    severity: RunSeverities = field(default_factory=RunSeverities)
    slower: SlowerConfig = field(default_factory=SlowerConfig)


class FreshnessSeverities(Struct):
    error: Severity = "error"
    warn: Severity = "warn"
    missing: Severity = "warn"


class FreshnessConfig(Struct):
    """Gating on sources.json (`dbt source freshness`)."""

    enabled: bool = True
    # Without sources.json the gate notes it; with `required`, that is a blocking finding.
    required: bool = False
    # Models of these tiers must read only sources that have freshness configured.
    missing_tiers: list[int] = field(default_factory=lambda: [1])
    severity: FreshnessSeverities = field(default_factory=FreshnessSeverities)


# Every KPI of the scorecard: project-wide, and the same measured on tier-1 models only.
KpiName = Literal[
    "test_coverage",
    "pk_tested",
    "docs_models",
    "docs_columns",
    "owner_coverage",
    "contracts",
    "test_pass_rate",
    "freshness",
    "tier1_test_coverage",
    "tier1_pk_tested",
    "tier1_docs_models",
    "tier1_docs_columns",
    "tier1_owner_coverage",
    "tier1_contracts",
    "tier1_test_pass_rate",
    "tier1_freshness",
]


class KpiTargets(Struct):
    """Target of each KPI as a fraction (0.8 = 80%); null: no target."""

    test_coverage: float | None = None
    pk_tested: float | None = None
    docs_models: float | None = None
    docs_columns: float | None = None
    owner_coverage: float | None = None
    contracts: float | None = None
    test_pass_rate: float | None = 0.98
    freshness: float | None = 0.95
    tier1_test_coverage: float | None = 0.8
    tier1_pk_tested: float | None = None
    tier1_docs_models: float | None = 1.0
    tier1_docs_columns: float | None = 1.0
    tier1_owner_coverage: float | None = None
    tier1_contracts: float | None = None
    tier1_test_pass_rate: float | None = None
    tier1_freshness: float | None = None
    line: int = 0


class KpiConfig(Struct):
    """The KPI scorecard: targets, and the KPIs that fail the gate (`kpi.<name>`) when below."""

    targets: KpiTargets = field(default_factory=KpiTargets)
    gate: list[KpiName] = field(default_factory=list)
    severity: Severity = "error"
    line: int = 0


class BreakingAcknowledgement(Struct):
    """A breaking (or risky) change accepted on purpose: which change, on what, why, and by whom.

    `change` is a change code or a glob (`breaking.column_removed`, `breaking.*`); the resource is
    named by `unique_id`, or by `select` (model names or unique_id globs, space-separated; a bare
    name matches every version); `column` narrows it to one column."""

    change: str
    reason: str
    owner: str
    select: str | None = None
    unique_id: str | None = None
    column: str | None = None
    line: int = 0


class BreakingConfig(Struct):
    """Severity of breaking schema changes against the base build (`breaking.*` findings).

    dbt-core makes a breaking change to a versioned contracted model an error and to an
    unversioned one a warning; models without a contract that others read are ours to decide."""

    versioned_contract: Severity = "error"
    unversioned_contract: Severity = "warn"
    uncontracted_with_consumers: Severity = "error"
    risky: Severity = "warn"
    # A pull-request label that acknowledges every breaking change of the PR.
    ack_label: str = "breaking-change-ok"
    acknowledge: list[BreakingAcknowledgement] = field(default_factory=list)
    line: int = 0


class ReportConfig(Struct):
    """How the reports look: `emoji: true` puts a check mark or cross before the verdict."""

    emoji: bool = False


class Config(Struct):
    """Every setting, with the defaults a team gets without a config file."""

    version: Literal[1] = 1
    artifacts: str = "target"
    project_dir: str | None = None
    base: str | None = None
    scope: Literal["changed", "all"] = "all"
    fail_on: Literal["error", "warn"] = "error"
    tier: TierConfig = field(default_factory=TierConfig)
    owner: OwnerConfig = field(default_factory=OwnerConfig)
    policies: list[Policy] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)
    # A waiver expiring in fewer days than this is announced (`waiver.expiring`); 0: never.
    waiver_notice_days: int = 14
    baseline: str | None = None
    lint: LintConfig = field(default_factory=LintConfig)
    run: RunConfig = field(default_factory=RunConfig)
    freshness: FreshnessConfig = field(default_factory=FreshnessConfig)
    kpi: KpiConfig = field(default_factory=KpiConfig)
    breaking: BreakingConfig = field(default_factory=BreakingConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    plugins: list[str] = field(default_factory=list)
    path: Path | None = None
    # The folder its paths are relative to: the file's own, the current one for a pipe.
    folder: Path | None = None
    digest: str = ""
    # Whether it was read as TOML (a pyproject.toml, or a pipe that gave one): a YAML waiver
    # entry cannot be pasted there, so a failing run suggests none.
    toml: bool = False
    # How the file indents an entry of its `waivers:` list (`_list_indent`), for the entry a
    # run suggests to paste there; recorded as it is read, since a pipe cannot be read again.
    waiver_indent: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_LIST_INDENT))
    # The line of each top-level key, for errors found after loading (a plugin that fails).
    lines: dict[str, int] = field(default_factory=dict)
    # The line of each entry of a top-level list or mapping (`plugins[1]`): a plugin that
    # fails is named at its own line, where several can fail at once (`dbtgate validate`).
    item_lines: dict[str, int] = field(default_factory=dict)
    # The folders (resolved) looked in for a config on the way to this one, each with the
    # config it holds (resolved; None: none): where a printed command runs, dbtgate finds the
    # same by itself, which is known without reading a pyproject.toml again (`config_in`).
    searched: dict[Path, Path | None] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The config file's name as notes give it (`dbtgate.yml`), "the config" without one;
        a pipe's path whole (`/dev/fd/63`: its name, `63`, says nothing)."""
        if self.path is None:
            return "the config"
        piped = self.folder is not None and self.folder != self.path.parent
        return str(self.path) if piped else self.path.name


# Fields that are filled by the loader rather than written by users (the JSON Schema of
# `dbtgate validate --schema` leaves them out too).
INTERNAL_FIELDS = {
    "line",
    "lines",
    "item_lines",
    "path",
    "folder",
    "digest",
    "toml",
    "waiver_indent",
    "code",
    "searched",
}


class FoundConfig(Struct, frozen=True):
    """A config `found_config` found, with what it read of it to tell it is one: a
    pyproject.toml is read (and parsed, when its table is not written `[tool.dbtgate`) to
    find out whether it configures dbtgate. `load_config` takes the text and the TOML from
    here, not opening and parsing the file a second time."""

    path: Path
    text: str | None = None
    toml: dict[str, Any] | None = None


def find_config(start: Path) -> Path | None:
    """The config `found_config` finds in `start`, by its path (for the callers that only
    name it or tell it is there)."""
    found = found_config(start)
    return found.path if found is not None else None


def found_config(start: Path) -> FoundConfig | None:
    """dbtgate.yml (or .yaml) in `start`, else a pyproject.toml there with a [tool.dbtgate]
    table. Two of them is an error: one would be ignored, and its settings with it, silently.
    So is a dbtgate.yml that is there but not a file to read (a folder, a broken link, a pipe):
    passed over, it left the gate to run with no policies, as if the project had no config."""
    found = [
        FoundConfig(start / name) for name in CONFIG_FILENAMES if _config_file_there(start / name)
    ]
    pyproject = start / "pyproject.toml"
    if pyproject.is_file():
        text = read_text(pyproject)
        configures, toml = _configures_dbtgate(text)
        if configures:
            found.append(FoundConfig(pyproject, text, toml))
    if len(found) > 1:
        names = " and ".join(str(config.path) for config in found)
        raise DbtgateError(
            f"{names}: two dbtgate configs in one folder; keep one (or pass --config)"
        )
    return found[0] if found else None


def config_in(folder: Path, config: Config) -> Path | None:
    """The config dbtgate run in `folder` finds there (resolved; None: none), from what the
    run found already (`Config.searched`), else looked up; a folder of two configs raises, as
    a command run there without --config does."""
    folder = folder.resolve()
    if folder not in config.searched:
        found = find_config(folder)
        config.searched[folder] = found.resolve() if found is not None else None
    return config.searched[folder]


def _configures_dbtgate(pyproject: str) -> tuple[bool, dict[str, Any] | None]:
    """Whether a pyproject.toml has a dbtgate table: `[tool.dbtgate]`, or the same table as
    dotted keys (`[tool]` then `dbtgate.scope = ...`) or inline (`tool.dbtgate = {...}`). Only
    the first was looked for, so the others were passed over and the gate ran with no
    policies. A file that names dbtgate otherwise (a dependency) is parsed to tell (the TOML
    is given back, for `load_config` not to parse it again); one TOML cannot parse, without
    `[tool.dbtgate`, is taken for one that configures nothing."""
    if "[tool.dbtgate" in pyproject:
        return True, None
    if "dbtgate" not in pyproject:
        return False, None
    try:
        data = _tomllib().loads(pyproject)
    except ValueError:  # TOMLDecodeError
        return False, None
    tool = data.get("tool")
    return isinstance(tool, dict) and "dbtgate" in tool, data


def _tomllib() -> types.ModuleType:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    return tomllib


def _config_file_there(path: Path) -> bool:
    """Whether `path` is a config file; False when nothing is at `path`; an error naming it
    when something is there that cannot be read as one."""
    if path.is_file():
        return True
    if not os.path.lexists(path):
        return False
    if path.is_symlink() and not path.exists():
        what = f"a broken link (to {os.readlink(path)})"
    elif path.is_dir():
        what = "a folder"
    else:
        what = "not a regular file (a pipe or a device)"
    raise DbtgateError(f"{path}: {what}, where dbtgate reads its config: make it the config file")


def configured_project_dir(config: Config) -> Path | None:
    """The config's `project_dir`, which must hold a dbt_project.yml (an error at its line: a
    wrong one pointed every finding at files that do not exist)."""
    if not config.project_dir:
        return None
    path = Path(config.project_dir)
    where = f"{config.path}:{config.lines.get('project_dir', 1)}: project_dir: {path}"
    project_file = path / "dbt_project.yml"
    problem = lookup_problem(project_file)
    if problem is not None:
        raise DbtgateError(f"{where}: {problem}")
    if project_file.is_dir():
        raise DbtgateError(f"{where}: {project_file} is a directory, not dbt's project file")
    if not project_file.is_file():
        raise DbtgateError(f"{where}: no dbt_project.yml there")
    return path


def codeowners_location(config: Config) -> str:
    """`dbtgate.yml:LINE` of `owner.codeowners` (else of `owner:`), for its errors."""
    line = config.item_lines.get("owner.codeowners") or config.lines.get("owner", 1)
    return f"{config.path}:{line}"


def load_config(
    source: Path | FoundConfig | None, problems: list[DbtgateError] | None = None
) -> Config:
    """Read and validate a config file (`--config`), or the one `found_config` found and
    read already; None gives the defaults.

    The first problem raises, unless `problems` is given (`dbtgate validate`): then every
    problem is appended to it, and the config returned holds what could be read (a list item,
    entry or key with a problem left out), for the checks that need the rules to go on."""
    if source is None:
        return Config()
    found = source if isinstance(source, FoundConfig) else FoundConfig(source)
    path = found.path
    piped = is_pipe(path)  # `--config <(...)`: read once, like a file
    if found.text is None and not path.is_file() and not piped:
        what = "not a file" if path.exists() else "config file not found"
        raise DbtgateError(f"{path}: {what}")
    text = read_text(path) if found.text is None else found.text
    # A pipe has no name to tell its format by: its first line does (`_looks_like_toml`).
    toml = path.suffix == ".toml" or (piped and _looks_like_toml(text))
    token = _PROBLEMS.set(problems)
    try:
        try:
            if toml:
                node = _toml_node(path, text, found.toml, PIPED_AS_TOML if piped else "")
            else:
                node = _yaml_node(path, text, PIPED_FORMATS if piped else "")
        except DbtgateError as exc:
            if problems is None or isinstance(exc, _Recorded):
                raise
            # The file cannot be read on; the problems met before this one stay listed.
            problems.append(exc)
            node = _Node({}, 1)
        try:
            if piped and not toml and not isinstance(node.value, dict):
                # Not a dbtgate.yml; nor a pyproject.toml, by its first line: say what is read.
                _Where(path, node.line).fail(
                    f"config: expected a mapping, got {_shown(node)}{PIPED_FORMATS}"
                )
            _check_version(node, path)
            config = _convert(node, Config, _Where(path, 1), "")
        except _Recorded:  # not a mapping at all, or for a newer dbtgate: nothing to read
            config = Config()
    finally:
        _PROBLEMS.reset(token)
    config.path = path
    config.toml = toml
    # A pipe's folder (/dev/fd) is no place of the user's: its paths are the current folder's.
    config.folder = Path(".") if piped else path.parent
    config.digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    config.waiver_indent = _list_indent(config, text)
    _relative_to_config(config, config.folder)
    return config


# An entry of a block list written on its dash's line: `  - rule: x`, `-   select: y`.
_LIST_ITEM = re.compile(r"( *)-( +)\S")


def _list_indent(config: Config, text: str) -> dict[str, int]:
    """How the config's text indents an entry of its `waivers:` list (else of its `policies:`,
    the same hand's style): the spaces before the dash (`item`: 2 in `  - rule:`, 0 when the
    dash is flush with the key above) and before the entry's keys (`keys`). A suggested entry
    indented otherwise than the list it is pasted into is not YAML, or not part of the list.
    Only the lines the entries start on are looked at (none in TOML: the default)."""
    lines = [item.line for item in (*config.waivers, *config.policies) if item.line]
    if lines:
        text_lines = text.splitlines()
        for line in lines:
            found = _LIST_ITEM.match(text_lines[line - 1]) if line <= len(text_lines) else None
            if found is not None:
                item = len(found[1])
                return {"item": item, "keys": item + 1 + len(found[2])}
    return dict(DEFAULT_LIST_INDENT)


def _relative_to_config(config: Config, directory: Path) -> None:
    """Paths in the config are relative to the config file (as `plugins` are), so one file
    gives the same run from any working directory (`cd models && dbtgate check`). The default
    `artifacts: target` too: the config sits in the dbt project, beside its target/. `base` is
    a directory only where one exists; otherwise it is a git ref."""

    def joined(value: str) -> str:
        if Path(value).is_absolute():
            return value
        target = directory / value
        try:
            return os.path.relpath(target)
        except ValueError:  # another drive (Windows)
            return str(target)

    config.artifacts = joined(config.artifacts)
    if config.project_dir:
        config.project_dir = joined(config.project_dir)
    if config.baseline:
        config.baseline = joined(config.baseline)
    if config.owner.codeowners:
        config.owner.codeowners = joined(config.owner.codeowners)
    # (a base the system cannot look up stays a git ref: `base` checks it with its line)
    base = directory / config.base if config.base else None
    if base is not None and lookup_problem(base) is None and base.is_dir():
        config.base = joined(config.base)


def _check_version(node: _Node, path: Path) -> None:
    """A config written for a newer dbtgate (`version: 2`) is refused with what to do, not
    read as if its keys meant what they mean in version 1."""
    version = node.value.get("version") if isinstance(node.value, dict) else None
    value = version.value if version is not None else None
    if isinstance(value, int) and not isinstance(value, bool) and value > CONFIG_VERSION:
        _Where(path, version.line).fail(
            f"version: {value} is newer than this dbtgate understands ({CONFIG_VERSION}):"
            " upgrade dbtgate"
        )


# `dbtgate validate` reads the whole config and lists every problem (`load_config(path,
# problems)`); `check` stops at the first. While a list is set here, a problem is appended to
# it and `_Recorded` unwinds to the nearest list item, mapping entry or key, which is left out,
# and reading goes on with the next.
_PROBLEMS: contextvars.ContextVar[list[DbtgateError] | None] = contextvars.ContextVar(
    "dbtgate_config_problems", default=None
)


class _Recorded(DbtgateError):
    """A problem already appended to `_PROBLEMS`: the value it is in is left out."""


# A scalar YAML could not construct (a date like 2026-13-01), recorded while reading the file.
_UNREADABLE = object()


def _problem(message: str) -> typing.NoReturn:
    """Raise `message` as the error, or record it when `validate` collects problems."""
    problems = _PROBLEMS.get()
    if problems is None:
        raise DbtgateError(message)
    problems.append(DbtgateError(message))
    raise _Recorded(message)


class _Where(Struct, frozen=True):
    path: Path
    line: int

    def fail(self, message: str) -> typing.NoReturn:
        _problem(f"{self.path}:{self.line}: {message}")


class _Node(Struct):
    """A config value with the line it was written on (YAML), or the table's line (TOML)."""

    value: Any
    line: int


def yaml_problem(exc: Exception) -> tuple[int | None, str]:
    """A PyYAML error as (line, problem) for a one-line error: its message spans several lines
    and quotes the text. The usual mistakes get the fix (`_yaml_fix`)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    line = mark.line + 1 if mark else None
    context = getattr(exc, "context", None) or ""
    fix = _yaml_fix(problem, context) or _continued_value(problem, mark)
    opened = getattr(exc, "context_mark", None)
    if fix is None and opened is not None and opened.line + 1 != line:
        line, fix = _where_it_began(problem, context, line, opened.line + 1)
    return line, f"{problem} ({fix})" if fix else problem


# What a parser's context names, as a config author calls it.
_OPENED = {
    "while scanning a quoted scalar": "the quote",
    "while parsing a flow sequence": "the [",
    "while parsing a flow mapping": "the {",
}
_BLOCKS = {"while parsing a block mapping": "mapping", "while parsing a block collection": "list"}


def _where_it_began(
    problem: str, context: str, line: int | None, began: int
) -> tuple[int | None, str | None]:
    """The line to name and what to say when the parser stopped away from the cause: a quote or
    bracket left open is found only at the end of the file (the line it opened on is where to
    fix it), a line indented out of its mapping or list only after it (say which one)."""
    opener = _OPENED.get(context)
    if opener is not None:
        if "end of stream" in problem or "<stream end>" in problem:
            return began, f"{opener} opened on line {began} is not closed"
        return line, f"inside {opener} opened on line {began}"
    block = _BLOCKS.get(context)
    if block is not None:
        return line, f"check its indentation against the {block} that starts on line {began}"
    return line, None


def _yaml_fix(problem: str, context: str) -> str | None:
    """What to write instead, for the YAML mistakes config authors make most, whose parser
    message names a token, not the cause: `owner: @me` and `select: *` unquoted (`@` is
    reserved, `*` starts an alias), a tab in the indentation."""
    if "'\\t'" in problem:
        return "YAML indents with spaces, not tabs"
    if "cannot start any token" in problem:
        return 'quote values that start with @ or `: owner: "@me"'
    if context in ("while scanning an alias", "while scanning an anchor") or (
        problem.startswith("found undefined alias")
    ):
        return 'quote values that start with * or &, which mark YAML anchors: select: "*"'
    return None


def _continued_value(problem: str, mark: Any) -> str | None:
    """The cause of PyYAML's `mapping values are not allowed here`, which names the line after
    the one a mistyped indentation is on, or none: a key indented deeper than the `key: value`
    line above it reads as the rest of that value (`tests.primary_key: error` one space short,
    the rule under it fails), and a value holding `: ` unquoted reads as a second key."""
    if problem != "mapping values are not allowed here" or mark is None:
        return None
    lines = (getattr(mark, "buffer", None) or "").split("\n")
    if not 0 <= mark.line < len(lines):
        return None
    here = lines[mark.line]
    above = next(
        (n for n in range(mark.line - 1, -1, -1) if lines[n].strip()[:1] not in ("", "#")), None
    )
    if above is not None:
        indent = len(here) - len(here.lstrip(" "))
        previous = lines[above]
        if indent > len(previous) - len(previous.lstrip(" -")) and re.match(
            r"\s*(- )?[^:#]+:\s+[^\s#]", previous
        ):
            return (
                f"line {mark.line + 1} is indented deeper than line {above + 1}, so it reads as "
                f"the rest of line {above + 1}'s value: keys of one mapping start in one column"
            )
    if ": " in here[: mark.column]:
        return 'quote a value that holds ": ": reason: "kept: see the ticket"'
    return None


# The tag PyYAML gives `<<`, YAML's merge key.
MERGE_TAG = "tag:yaml.org,2002:merge"


_MAX_CONFIG_VALUES = 100_000
_SURROGATE = re.compile("[\ud800-\udfff]")
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _yaml_node(path: Path, text: str, read_as: str = "") -> _Node:
    """The YAML `text`, line-numbered; `read_as` ends the error of one that is not YAML: what
    a pipe is read as (`PIPED_FORMATS`)."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        line, problem = yaml_problem(exc)
        raise DbtgateError(f"{path}:{line or 1}: not valid YAML: {problem}{read_as}") from None
    except RecursionError:
        raise DbtgateError(f"{path}: not valid YAML: nested too deeply") from None
    if root is None:
        return _Node({}, 1)
    constructor = yaml.SafeLoader("")
    # Aliases are expanded where they are used: nine lines of aliases of aliases make billions
    # of values. No config holds a fraction of this many.
    budget = [_MAX_CONFIG_VALUES]

    def construct(node: yaml.Node, key: str | None = None) -> Any:
        """A scalar's value; what YAML's own types refuse (2099-02-30 read as a date) is an
        error at its line, naming its key, not a crash."""
        try:
            value = constructor.construct_object(node, deep=True)
        except (ValueError, TypeError, yaml.YAMLError) as exc:
            if node.tag == _TIMESTAMP_TAG:
                # 2027-02-30: kept as written, for the key's type to judge with its whole path
                # (`waivers[2].expires: ... not a day`), as a date YAML does not take for one.
                return node.value
            problem = getattr(exc, "problem", None) or str(exc)
            where = f"{key}: " if key else ""
            try:
                _problem(
                    f"{path}:{node.start_mark.line + 1}: {where}cannot read {node.value!r}: "
                    f"{problem}"
                )
            except _Recorded:
                return _UNREADABLE
        if isinstance(value, str) and _SURROGATE.search(value):
            # `"\ud800"` is a valid YAML escape but no character: no report could be written.
            where = f"{key}: " if key else ""
            try:
                _problem(
                    f"{path}:{node.start_mark.line + 1}: {where}{_SURROGATE.sub('?', value)!r} "
                    "holds a lone surrogate escape (\\ud800-\\udfff), which is not a character"
                )
            except _Recorded:
                return _UNREADABLE
        return value

    def wrap(node: yaml.Node, key: str | None = None) -> _Node:
        line = node.start_mark.line + 1
        budget[0] -= 1
        if budget[0] < 0:
            raise DbtgateError(
                f"{path}:{line}: more than {_MAX_CONFIG_VALUES:,} values once its aliases are "
                "expanded (aliases of aliases multiply); write the values out"
            )
        if isinstance(node, yaml.MappingNode):
            return _Node(wrap_mapping(node), line)
        if isinstance(node, yaml.SequenceNode):
            return _Node([wrap(item) for item in node.value], line)
        return _Node(construct(node, key), line)

    def wrap_mapping(node: yaml.MappingNode) -> dict[str, _Node]:
        """A mapping's keys, with those of its merge keys (`<<: *shared`, YAML's way for
        waivers to share a reason, owner and expiry) under the keys written beside them."""
        mapping: dict[str, _Node] = {}
        merged: dict[str, _Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                for source in merge_sources(value_node):
                    for name, child in wrap_mapping(source).items():
                        merged.setdefault(name, child)  # the first mapping listed wins
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise DbtgateError(
                    f"{path}:{key_node.start_mark.line + 1}: a key must be a name, not a "
                    f"{'list' if isinstance(key_node, yaml.SequenceNode) else 'mapping'}"
                )
            key = construct(key_node)
            if key is _UNREADABLE:
                continue  # recorded (`validate`): the entry is left out
            if key in mapping:
                raise DbtgateError(f"{path}:{key_node.start_mark.line + 1}: duplicate key {key!r}")
            mapping[str(key)] = wrap(value_node, str(key))
            mapping[str(key)].line = (
                mapping[str(key)].line
                if isinstance(value_node, yaml.MappingNode | yaml.SequenceNode)
                and value_node.start_mark.line == key_node.start_mark.line
                else key_node.start_mark.line + 1
            )
        return {**{k: v for k, v in merged.items() if k not in mapping}, **mapping}

    def merge_sources(node: yaml.Node) -> list[yaml.MappingNode]:
        """What `<<:` merges: a mapping (an alias of one), or a list of them."""
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        if not all(isinstance(item, yaml.MappingNode) for item in items):
            raise DbtgateError(
                f"{path}:{node.start_mark.line + 1}: <<: expected a mapping or a list of "
                "mappings to merge (<<: *shared, after &shared {owner: ..., expires: ...})"
            )
        return items

    try:
        return wrap(root)
    except RecursionError:
        raise DbtgateError(f"{path}: nested too deeply to be a dbtgate config") from None


# A piped config is TOML when its first line that is not blank or a comment is a table's header
# (`[tool.dbtgate]`, `[project]`, `[[a.b]]`) or a `key = value` (`tool.dbtgate.scope = "all"`):
# a pyproject.toml starts so, and a dbtgate.yml never does (`key: value`, `---`). Told by its
# first line, not by whether it parses, so a broken one gets TOML's error at its line.
_TOML_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
_TOML_DOTTED = rf"{_TOML_KEY_PART}(?:\s*\.\s*{_TOML_KEY_PART})*"
_TOML_START = re.compile(rf"\s*(?:\[\[?\s*{_TOML_DOTTED}\s*\]\]?\s*(?:#.*)?$|{_TOML_DOTTED}\s*=)")
# What a pipe that is neither is told: the two it is read as, and how one is told from the other.
PIPED_FORMATS = (
    " (a piped config is read as TOML, a pyproject.toml's [tool.dbtgate], when its first line "
    "not blank nor a comment is a `[table]` or `key = value`; else as YAML, a dbtgate.yml)"
)
PIPED_AS_TOML = " (a piped config whose first line is a `[table]` or `key = value` is read as TOML)"


def _looks_like_toml(text: str) -> bool:
    """Whether a piped config is TOML, by its first line that is not blank or a comment."""
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return _TOML_START.match(line) is not None
    return False


def _toml_node(
    path: Path, text: str, data: dict[str, Any] | None = None, read_as: str = ""
) -> _Node:
    """The [tool.dbtgate] table of the TOML `text`, line-numbered; `data`: `text` parsed
    already (`found_config` parsed it to tell it configures dbtgate). `read_as` ends its
    errors: why a pipe was read as TOML."""
    if data is None:
        tomllib = _tomllib()
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise DbtgateError(_toml_problem(path, exc) + read_as) from None
    tool = data.get("tool")
    table = tool.get("dbtgate") if isinstance(tool, dict) else None  # `tool = 5` holds none
    if table is None:
        raise DbtgateError(f"{path}: no [tool.dbtgate] table{read_as}")
    lines = _toml_lines(text)
    table_line = lines.get(("tool", "dbtgate"), 1)

    def wrap(value: Any, key: tuple[str | int, ...]) -> _Node:
        line = next(
            (lines[key[:end]] for end in range(len(key), 2, -1) if key[:end] in lines),
            table_line,
        )
        if isinstance(value, dict):
            return _Node({k: wrap(v, (*key, k)) for k, v in value.items()}, line)
        if isinstance(value, list):
            return _Node([wrap(v, (*key, i)) for i, v in enumerate(value)], line)
        return _Node(value, line)

    return wrap(table, ("tool", "dbtgate"))


def _toml_problem(path: Path, exc: Exception) -> str:
    """`pyproject.toml:17: not valid TOML: ...`: tomllib puts the line at the end of its
    message (`(at line 17, column 15)`), where the `file:line` of every other error is not."""
    message = str(exc)
    at = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if at is None:
        return f"{path}: not valid TOML: {message}"
    return f"{path}:{at.group(1)}: not valid TOML: {message[: at.start()]} (column {at.group(2)})"


# `[a.b]`, `[[a.b]]` and `key = ` / `a.b = ` at the start of a line (tomllib keeps no positions).
_TOML_TABLE = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_TOML_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)


def _toml_lines(text: str) -> dict[tuple[str | int, ...], int]:
    """The line of each table, array-of-tables entry and key of a TOML document, by key path
    (an array of tables' entries by index), so errors in [tool.dbtgate] name their own line.
    Keys inside a multi-line array or inline table take the line of the key that holds them."""

    def parts(dotted: str) -> tuple[str, ...]:
        found = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", dotted)
        return tuple(part.strip("\"'") for part in found)

    lines: dict[tuple[str | int, ...], int] = {}
    entries: dict[tuple[str | int, ...], int] = {}
    table: tuple[str | int, ...] = ()
    depth = 0  # open brackets of a value spanning lines
    for number, row in enumerate(text.splitlines(), 1):
        if depth == 0 and (header := _TOML_TABLE.match(row)):
            table = parts(header.group(2))
            if header.group(1) == "[[":
                index = entries.get(table, 0)
                entries[table] = index + 1
                lines.setdefault(table, number)
                table = (*table, index)
            lines.setdefault(table, number)
            continue
        if depth == 0 and (key := _TOML_KEY.match(row)):
            lines.setdefault((*table, *parts(key.group(1))), number)
        code = re.sub(r"""("[^"]*"|'[^']*')""", "", row).split("#", 1)[0]
        depth = max(
            0, depth + code.count("[") + code.count("{") - code.count("]") - code.count("}")
        )
    return lines


def _plain(node: _Node) -> Any:
    if node.value is _UNREADABLE:
        raise _Recorded("")  # recorded when the file was read: the value holding it is left out
    if isinstance(node.value, dict):
        return {k: _plain(v) for k, v in node.value.items()}
    if isinstance(node.value, list):
        return [_plain(v) for v in node.value]
    return node.value


def _shown(node: _Node) -> str:
    """A value as an error message shows it: as written, without the line bookkeeping; a long
    mapping or list by its kind and first keys (the message is one line)."""
    value = _as_written(_plain(node))
    if value is None:
        # `owner:` with nothing after it (or `null`): YAML's null, which no reader calls None.
        return "no value"
    text = repr(value)
    if len(text) <= _SHOWN_MAX or not isinstance(value, dict | list):
        return text if len(text) <= _SHOWN_MAX else text[: _SHOWN_MAX - 3] + "..."
    if isinstance(value, list):
        return f"a list of {counted(len(value), 'item')}"
    keys = ", ".join(str(key) for key in list(value)[:3])
    return f"a mapping (keys: {keys}{', ...' if len(value) > 3 else ''})"


_SHOWN_MAX = 80


def _as_written(value: Any) -> Any:
    """Dates as the config wrote them (`2099-01-01`, not `datetime.date(2099, 1, 1)`)."""
    if isinstance(value, dict):
        return {key: _as_written(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_written(item) for item in value]
    return value.isoformat() if isinstance(value, dt.date) else value


def _hint(key: str, node: _Node) -> str:
    """What to write instead, for the mistakes a type error alone does not explain: a list of
    selectors where dbt's syntax takes one string."""
    name = key.rsplit(".", 1)[-1]
    if name not in ("select", "exclude") or not isinstance(node.value, list):
        return ""
    items = [item.value for item in node.value]
    if items and all(isinstance(item, str) for item in items):
        return f' (one selector string; space-separated for a union: {name}: "{" ".join(items)}")'
    return " (one selector string; space-separated for a union)"


# What a mapping missing a key is for, where the key's name alone does not say it.
_MISSING_HINTS: dict[type, str] = {
    Waiver: " (a waiver needs rule, select, reason, owner and expires: the reason it is "
    "accepted, the owner who answers for it, its last day as YYYY-MM-DD)",
}


def _rules_fix(value: Any) -> str:
    """`rules: [owner.present]` lists codes where each needs its severity: the mapping to write."""
    if not isinstance(value, list):
        return ""
    codes = [item.value for item in value if isinstance(item.value, str)] or ["owner.present"]
    return f" (a mapping of code: severity: {{{', '.join(f'{c}: error' for c in codes[:3])}}})"


# The top-level keys of dbt-bouncer's config, which a team moving over pastes first.
_BOUNCER_KEYS = frozenset({"catalog_checks", "manifest_checks", "run_results_checks"})


def _unknown_key_hint(name: str, fields: Collection[str], *, top_level: bool) -> str:
    """What the user probably meant, ending in `; ` (or nothing): the key of a typo, or, for a
    dbt-bouncer check list, where its checks went: nothing in the known keys says so."""
    import difflib

    if top_level and name in _BOUNCER_KEYS:
        return (
            "dbt-bouncer's checks are rules under `policies:` here (`dbtgate rules`; "
            "docs/coming-from.md maps each check); "
        )
    close = difflib.get_close_matches(name, list(fields), n=1)
    return f"did you mean {close[0]}? " if close else ""


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name


def _type_name(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin is Literal:
        return choices(typing.get_args(hint))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(hint))
    if origin is list:
        return "a list"
    if origin is dict:
        return "a mapping"
    if is_section(hint):
        return "a mapping"
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
    return {**names, type(None): "null"}.get(hint, getattr(hint, "__name__", str(hint)))


def _convert(node: _Node, hint: Any, where: _Where, key: str) -> Any:
    where = _Where(where.path, node.line)
    value = node.value
    if value is _UNREADABLE:
        raise _Recorded(key)  # the problem was recorded when the file was read
    origin = typing.get_origin(hint)
    if hint is Any:
        return _plain(node)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(hint)
        if value is None and type(None) in args:
            return None
        # Each alternative is tried quietly: only the union's own failure is a problem.
        token = _PROBLEMS.set(None)
        try:
            for arg in args:
                if arg is type(None):
                    continue
                try:
                    return _convert(node, arg, where, key)
                except DbtgateError:
                    continue
        finally:
            _PROBLEMS.reset(token)
        where.fail(f"{key}: expected {_type_name(hint)}, got {_shown(node)}{_hint(key, node)}")
    if origin is Literal:
        choices = typing.get_args(hint)
        # `version: true` (or `yes`): YAML's boolean equals 1 in Python, and passed for it.
        if value not in choices or isinstance(value, bool):
            # `version: "1"`: the number written as a string reads "expected one of 1, got '1'".
            quoted = isinstance(value, str) and any(str(c) == value for c in choices)
            unquote = " (a number: remove the quotes)" if quoted else ""
            where.fail(f"{key}: expected one of {_type_name(hint)}, got {_shown(node)}{unquote}")
        return value
    if origin is list:
        (item_hint,) = typing.get_args(hint)
        if isinstance(value, str) and item_hint is str:
            # `from: meta.tier` is shorthand for a one-item list.
            value = [_Node(value, node.line)]
        if not isinstance(value, list):
            where.fail(f"{key}: expected a list, got {_shown(node)}")
        items = []
        for i, item in enumerate(value):
            try:
                items.append(_convert(item, item_hint, where, f"{key}[{i}]"))
            except _Recorded:
                continue
        return items
    if origin is dict:
        _, value_hint = typing.get_args(hint)
        if not isinstance(value, dict):
            fix = _rules_fix(value) if value_hint is RuleSetting else ""
            where.fail(f"{key}: expected a mapping, got {_shown(node)}{fix}")
        entries = {}
        for k, v in value.items():
            try:
                entries[k] = (
                    _rule_setting(v, where, _join(key, k), k)
                    if value_hint is RuleSetting
                    else _convert(v, value_hint, where, _join(key, k))
                )
            except _Recorded:
                continue
        return entries
    if is_section(hint):
        return _convert_section(node, hint, where, key)
    if hint is bool:
        if not isinstance(value, bool):
            where.fail(f"{key}: expected true or false, got {_shown(node)}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            where.fail(f"{key}: expected an integer, got {_shown(node)}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            where.fail(f"{key}: expected a number, got {_shown(node)}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            where.fail(f"{key}: expected a string, got {_shown(node)}{_hint(key, node)}")
        return value
    if hint is dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError as exc:
            # A date's shape with no such day (2027-02-30) says which part is wrong.
            why = f": {exc}" if _ISO_DATE.fullmatch(str(value)) else ""
            where.fail(f"{key}: expected a date (YYYY-MM-DD), got {_shown(node)}{why}")
    raise TypeError(f"config field {key} has an unsupported type {hint!r}")


def is_section(hint: Any) -> bool:
    """Whether a field's type is a section of the config (a mapping of its own keys)."""
    return isinstance(hint, type) and issubclass(hint, Struct)


def section_fields(cls: type[Struct]) -> dict[str, bool]:
    """Each field of a config section, by name, and whether it has a default (else a config
    must write it). Read from the Struct's own tuples: `msgspec.structs.fields` resolves every
    annotation, work the loader does once (`typing.get_type_hints`) for the fields it meets."""
    names = cls.__struct_fields__
    required = len(names) - len(cls.__struct_defaults__)
    return {name: index >= required for index, name in enumerate(names)}


def _convert_section(node: _Node, cls: Any, where: _Where, key: str) -> Any:
    if not isinstance(node.value, dict):
        where.fail(f"{key or 'config'}: expected a mapping, got {_shown(node)}")
    hints = typing.get_type_hints(cls)
    fields = {
        name.rstrip("_"): (name, has_default)
        for name, has_default in section_fields(cls).items()
        if name not in INTERNAL_FIELDS
    }
    kwargs: dict[str, Any] = {}
    failed: set[str] = set()  # keys with a recorded problem (`validate`), left out
    problems = _PROBLEMS.get()
    recorded = len(problems) if problems is not None else 0
    for name, child in node.value.items():
        try:
            kwargs.update(_convert_field(cls, fields, hints, name, child, where, key))
        except _Recorded:
            failed.add(name)
    missing = [
        name
        for name, (field_name, has_default) in fields.items()
        if field_name not in kwargs and not has_default
    ]
    if any(name in failed for name in missing):
        raise _Recorded(key)  # it cannot be built without them: the item is left out
    if missing:
        keys = "key" if len(missing) == 1 else "keys"
        where.fail(
            f"{key or 'config'}: missing required {keys}: {', '.join(missing)}"
            + _MISSING_HINTS.get(cls, "")
        )
    # A combination is judged whole: not with a part left out for its own problem, nor a part
    # of a part (`kpi.targets.x: high` left out is no gated KPI without a target).
    partial = problems is not None and len(problems) > recorded
    object_check = _OBJECT_CHECKS.get(cls) if not partial else None
    found = object_check(kwargs) if object_check is not None else None
    if found:
        at, problem = found
        at_node = node.value.get(at) if at else None
        line = at_node.line if at_node is not None else node.line
        _Where(where.path, line).fail(f"{key}: {problem}")
    if "line" in hints:
        kwargs["line"] = node.line
    if "lines" in hints:
        kwargs["lines"] = {name: child.line for name, child in node.value.items()}
    if "item_lines" in hints:
        kwargs["item_lines"] = _item_lines(node)
    return cls(**kwargs)


def _convert_field(
    cls: Any,
    fields: dict[str, tuple[str, bool]],
    hints: dict[str, Any],
    name: str,
    child: _Node,
    where: _Where,
    key: str,
) -> dict[str, Any]:
    """`{field: value}` for the config key `name` of a `cls` mapping: a known key, its value of
    the field's type, and a value its type cannot rule out checked (`VALUE_CHECKS`)."""
    spec = fields.get(name)
    if spec is None:
        known = ", ".join(sorted(fields))
        hint = _unknown_key_hint(str(name), fields, top_level=not key)
        _Where(where.path, child.line).fail(
            f"unknown key {_join(key, name)!r} ({hint}known: {known})"
        )
    field_name = spec[0]
    value = _convert(child, hints[field_name], where, _join(key, name))
    check = VALUE_CHECKS.get((cls, field_name))
    problem = check(value) if check is not None else None
    if problem:
        _Where(where.path, child.line).fail(f"{_join(key, name)}: {problem}")
    return {field_name: value}


def _item_lines(node: _Node) -> dict[str, int]:
    """The line of each key of a mapping and of the entries of its lists and mappings, by
    `key`, `key.name` and `key[index]`."""
    lines: dict[str, int] = {}
    for name, child in node.value.items():
        lines[name] = child.line
        if isinstance(child.value, dict):
            lines.update({f"{name}.{k}": v.line for k, v in child.value.items()})
        elif isinstance(child.value, list):
            lines.update({f"{name}[{i}]": v.line for i, v in enumerate(child.value)})
    return lines


class ValueCheck(Struct, frozen=True):
    """A check of a value its type cannot rule out, with the same bound as JSON Schema keywords
    on the field's schema (`dbtgate validate --schema`): one place says what the loader and an
    editor's schema both refuse. `schema["items"]` bounds each entry of a list."""

    problem: typing.Callable[[Any], str | None]
    schema: dict[str, Any]

    def __call__(self, value: Any) -> str | None:
        return self.problem(value)


def _sources_check(*words: str) -> ValueCheck:
    """`tier.from` / `owner.from`: each entry is `meta.<key>` or one of `words`; anything else
    (`tags`, `email`) would be skipped in silence, and every resource would get the default."""

    def check(entries: list[str]) -> str | None:
        for entry in entries:
            if not (entry in words or (entry.startswith("meta.") and len(entry) > 5)):
                return f"expected one of {choices(('meta.<key>', *words))}, got {entry!r}"
        return None

    entry = {"anyOf": [{"enum": list(words)}, {"pattern": r"^meta\.[\s\S]"}]}
    return ValueCheck(check, {"items": entry})


def _at_least(low: float, *, above: bool = False) -> ValueCheck:
    def check(value: float) -> str | None:
        if value > low or (value == low and not above):
            return None
        return f"expected a number {'above' if above else 'of at least'} {low:g}, got {value:g}"

    return ValueCheck(check, {"exclusiveMinimum" if above else "minimum": low})


def _fraction_problem(value: float | None) -> str | None:
    if value is None or 0 <= value <= 1:
        return None
    return f"expected a fraction between 0 and 1 (0.8 for 80%), got {value:g}"


_fraction = ValueCheck(_fraction_problem, {"minimum": 0, "maximum": 1})


def _gated_have_targets(given: dict[str, Any]) -> tuple[str, str] | None:
    """`kpi.gate` names only KPIs with a target (given, or the default one): the problem, at
    the `gate` key."""
    targets = given.get("targets") or KpiTargets()
    for name in given.get("gate", ()):
        if getattr(targets, name) is None:
            return "gate", f"gate names {name}, which has no target (set kpi.targets.{name})"
    return None


def _acknowledgement_problem(given: dict[str, Any]) -> tuple[str, str] | None:
    """`breaking.acknowledge` entries: a change code or glob that matches a code, a selector
    that parses, and a resource named (checked here, not only when a base build is given).
    The problem, with the key it is about (empty: the entry)."""
    from fnmatch import fnmatchcase

    from dbtgate.diff.classify import TAXONOMY
    from dbtgate.select import SelectorError, parse_selector

    change = given.get("change", "")
    if not any(fnmatchcase(code, change) for code in TAXONOMY):
        return "change", (
            f"change {change!r} matches no change code (e.g. breaking.column_removed, "
            "breaking.*; `dbtgate rules breaking` lists them)"
        )
    if not given.get("select") and not given.get("unique_id"):
        return "", "name the resource with `select` or `unique_id`"
    if given.get("select"):
        try:
            parse_selector(given["select"])
        except SelectorError as exc:
            return "select", f"select {given['select']!r}: {exc}"
    return None


# Values their type cannot rule out, checked where they are written (with their line).
def _a_path(fix: str) -> ValueCheck:
    """A path setting given as "" (a template or variable that came out empty): read as unset,
    it dropped what the key was written for without a word (`base: ""`, no base: breaking
    changes were not gated), where `--base ""` is refused."""

    def check(value: str | list[str] | None) -> str | None:
        values = value if isinstance(value, list) else [value]
        if any(item is not None and not item.strip() for item in values):
            return f"empty: {fix}, or leave it out"
        return None

    blank = {"pattern": r"\S"}
    return ValueCheck(check, {"items": blank} if "plugin" in fix else blank)


VALUE_CHECKS: dict[tuple[type, str], ValueCheck] = {
    (Config, "artifacts"): _a_path("give the build's directory"),
    (Config, "project_dir"): _a_path("give the dbt project's directory"),
    (Config, "base"): _a_path("give the base build's directory or a git ref"),
    (Config, "baseline"): _a_path("give the baseline file"),
    (Config, "plugins"): _a_path("give each plugin's file or module"),
    (OwnerConfig, "codeowners"): _a_path("give the CODEOWNERS file"),
    **{(KpiTargets, name): _fraction for name in KpiTargets.__struct_fields__},
    (TierConfig, "from_"): _sources_check("tag"),
    (OwnerConfig, "from_"): _sources_check("group"),
    (RunConfig, "stale_tolerance_minutes"): _at_least(0),
    (Config, "waiver_notice_days"): _at_least(0),
    # A ratio of 1 or less would report nodes that got no slower, or faster.
    (SlowerConfig, "ratio"): _at_least(1, above=True),
    (SlowerConfig, "min_seconds"): _at_least(0),
}


# Keys that are only wrong together: a function of the keys given (field name -> value) that
# returns the key to point at (empty: the mapping that holds them) and the problem.
_OBJECT_CHECKS: dict[type, typing.Callable[[dict[str, Any]], tuple[str, str] | None]] = {
    KpiConfig: _gated_have_targets,
    BreakingAcknowledgement: _acknowledgement_problem,
}


def _rule_setting(node: _Node, where: _Where, key: str, code: str) -> RuleSetting:
    """`code: error` or `code: {severity: error, min: 2}`; params are checked by the rule."""
    where = _Where(where.path, node.line)
    severities = typing.get_args(Severity)
    if isinstance(node.value, str):
        if node.value not in severities:
            where.fail(f"{key}: expected a severity ({choices(severities)}), got {node.value!r}")
        return RuleSetting(code=code, severity=node.value, line=node.line)
    if node.value is None:
        return RuleSetting(code=code, line=node.line)
    if isinstance(node.value, bool):
        # YAML reads `off`, `no`, `false` (and `on`, `yes`) as booleans.
        where.fail(
            f"{key}: expected a severity ({choices(severities)}), got {node.value} (YAML reads "
            "off/no/on/yes as true or false); to leave a rule out of a policy, remove it or "
            "`exclude` the resources"
        )
    if not isinstance(node.value, dict):
        where.fail(f"{key}: expected a severity or a mapping, got {_shown(node)}")
    params = {k: _plain(v) for k, v in node.value.items() if k != "severity"}
    param_lines = {k: v.line for k, v in node.value.items() if k != "severity"}
    severity = node.value.get("severity")
    if severity is not None and severity.value not in severities:
        _Where(where.path, severity.line).fail(
            f"{key}.severity: expected one of {choices(severities)}, got {_shown(severity)}"
        )
    return RuleSetting(
        code=code,
        severity=severity.value if severity is not None else None,
        params=params,
        param_lines=param_lines,
        line=node.line,
    )
