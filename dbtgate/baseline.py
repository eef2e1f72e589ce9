"""The baseline: legacy findings recorded once, so that only new ones block.

Adopting a gate on a mature project otherwise means hundreds of red findings on day one. `dbtgate
baseline` records the fingerprint of every current policy and lint finding (rule + resource +
column, never line numbers or wording, so unrelated edits keep them stable); `dbtgate check
--baseline FILE` then reports those as "baselined" and blocks on the rest, and lists the baseline
entries that no longer occur (fixed), so the file can be shrunk. Breaking and risky changes, run
and freshness status and KPI targets are about this build, not debt: they always count. The file
is sorted and carries no timestamp: writing it twice from the same build gives the same bytes, and
a diff of it in review shows real changes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from dbtgate.config import Config
from dbtgate.encoding import UTF8_BOM, not_utf8
from dbtgate.errors import DbtgateError, lookup_problem, truncated_json
from dbtgate.findings import Finding
from dbtgate.locate import display_input, repository_path
from dbtgate.named_files import File, few_files, first_few_named, naming
from dbtgate.pipes import is_pipe
from dbtgate.wording import counted, first_few

if TYPE_CHECKING:
    from dbtgate.project import Project

BASELINE_VERSION = 1
DEFAULT_BASELINE = "dbtgate-baseline.json"
_NOTE_LIMIT = 5  # fixed entries named in the note; the JSON report lists them all
_CHECKSUM_CHARS = 16  # of the sha256 dbt hashed the resource's file with: enough to tell files


class BaselineEntry(msgspec.Struct, omit_defaults=True):
    fingerprint: str
    code: str
    unique_id: str | None = None
    column_name: str | None = None
    key: str | None = None
    # The start of the sha256 dbt hashed the resource's file with: what a model renamed without
    # an edit (`git mv`) keeps, so that its debt follows it to its new name. None for resources
    # without a file of their own (sources) and in files of dbtgate before 2026-12.
    checksum: str | None = None
    # A lint finding's file when no dbt resource names it, from the folder its fingerprint
    # names it from (`locate.anchoring`): what tells whether a later lint read that file.
    # None in files of dbtgate before 2027-01.
    path: str | None = None


class CarriedEntry(msgspec.Struct, omit_defaults=True):
    """An entry that a finding under a new name matched (`dbtgate.baseline_renames`): the
    resource or column was renamed, and its debt with it. The optional fields say which
    evidence matched; none of them: a file dbt hashed the same."""

    entry: BaselineEntry
    unique_id: str  # the resource's name now (its new name, when it was renamed)
    fingerprint: str  # the finding's, under that name
    column_name: str | None = None  # the column's new name, when the column was renamed
    # The resource's old file, when git read its file as renamed (`moved_matches`): renamed
    # and edited, which the checksum cannot follow.
    moved_from: str | None = None
    # The warehouse table a renamed source reads, as it did under its old name
    # (`same_table_matches`): a source is its table.
    relation: str | None = None


class Baseline(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The file: `project` is the dbt project it was recorded on (absent in files of dbtgate
    before 2026-12), so that a check handed another project's baseline says so rather than
    block on every finding it would have matched."""

    schema_version: int
    tool: str
    project: str | None = None
    findings: list[BaselineEntry]


class BaselineReport(msgspec.Struct, kw_only=True):
    """The `baseline` section of the gate report: of the entries this run did not see, those
    `fixed` (checked, on a resource still built, under its new name when it was renamed),
    those on resources no longer in the build (`gone`: deleted, or renamed where nothing tells
    the rename) and those this run did not check (`unchecked`: the
    rule is in no policy any more, lint is off or read other files). `carried`: entries matched
    under a renamed resource's new name, counted in `matched`. `waived`: the matched entries
    whose findings a waiver covers, which are counted waived, not in the baseline (a waiver
    comes first): without it "matched 8" could not be read against "6 in the baseline"."""

    path: str
    entries: int
    matched: int
    waived: int = 0
    fixed: list[BaselineEntry]
    gone: list[BaselineEntry] = []
    unchecked: list[BaselineEntry] = []
    carried: list[CarriedEntry] = []


class LoadedBaseline:
    """A baseline file read from disk, with its fingerprints indexed."""

    def __init__(self, path: Path, baseline: Baseline) -> None:
        self.path = path
        self.baseline = baseline
        self.fingerprints = frozenset(entry.fingerprint for entry in baseline.findings)
        self.unique_ids = frozenset(entry.unique_id for entry in baseline.findings)


# Findings that are news about this build, never legacy debt: a breaking or risky change, a
# failed or skipped run, stale sources, a missed KPI target, a waiver gone stale or expired. A
# baseline recorded on a day when one of these stood would hide it (and every later one with the
# same fingerprint) for good, so they are neither recorded nor matched.
NEVER_BASELINED = frozenset({"breaking", "risky", "run", "freshness", "kpi", "waiver"})
# ... but for their codes about the project's YAML, debt as a policy's findings are: a source
# without a freshness threshold (`freshness.missing`, which `freshness.severity.missing: error`
# makes blocking) is as old as the source, and would block every check of a project adopting
# the gate with no baseline to hold it.
CONFIGURATION_DEBT = frozenset({"freshness.missing"})


def can_baseline(finding: Finding) -> bool:
    """Whether a baseline may hold this finding: policy, lint and configuration debt."""
    return can_baseline_code(finding.code)


def can_baseline_code(code: str) -> bool:
    """`can_baseline` of any finding of `code`: what it decides depends on the code alone, so a
    caller with many findings (48,000 at 10,000 models) asks once per code."""
    return code.split(".", 1)[0] not in NEVER_BASELINED or code in CONFIGURATION_DEBT


def file_checksum(project: Project, unique_id: str | None) -> str | None:
    """The start of dbt's sha256 of the resource's file (a model's SQL, a seed's CSV), which a
    rename without an edit keeps; None for a resource without one (a source, a seed too big for
    dbt to hash, which it hashes by path, a Fusion build's empty checksum)."""
    resource = project.resource(unique_id) if unique_id else None
    checksum = getattr(resource, "checksum", None)
    if getattr(checksum, "name", None) != "sha256" or not checksum.checksum:
        return None
    return checksum.checksum[:_CHECKSUM_CHARS]


def build_baseline(
    findings: list[Finding],
    project: str | None,
    checksum: Callable[[str | None], str | None] = lambda unique_id: None,
    anchor: Callable[[str], str] = lambda path: path,
) -> Baseline:
    """Entries for every current finding a baseline may hold (`can_baseline`), except waived
    ones (their waiver expires and must then block); `project`, the root package they are on;
    `checksum`, a resource's file checksum (`file_checksum`); `anchor`, a shown path as the
    fingerprints name it (`locate.anchoring`)."""
    entries: dict[str, BaselineEntry] = {}
    for finding in findings:
        if finding.waiver is not None or not can_baseline(finding) or not finding.fingerprint:
            continue
        entries.setdefault(
            finding.fingerprint,
            BaselineEntry(
                fingerprint=finding.fingerprint,
                code=finding.code,
                unique_id=finding.unique_id,
                column_name=finding.column_name,
                key=finding.key,
                checksum=checksum(finding.unique_id),
                path=entry_path(finding, anchor),
            ),
        )
    return Baseline(
        schema_version=BASELINE_VERSION, tool="dbtgate", project=project, findings=ordered(entries)
    )


def entry_path(finding: Finding, anchor: Callable[[str], str]) -> str | None:
    """The file an entry of a lint finding on no dbt resource is on (`BaselineEntry.path`)."""
    if finding.unique_id is not None or finding.family != "lint" or not finding.path:
        return None
    return anchor(finding.path)


def ordered(entries: dict[str, BaselineEntry]) -> list[BaselineEntry]:
    """The file's order: by rule, resource, column and key, whatever order the checks ran in,
    so that two machines write the same bytes."""
    return sorted(
        entries.values(),
        key=lambda e: (e.code, e.unique_id or "", e.column_name or "", e.key or "", e.fingerprint),
    )


def pruned_baseline(
    loaded: LoadedBaseline,
    report: BaselineReport,
    project: str | None,
    checksum: Callable[[str | None], str | None],
    findings: Collection[Finding] = (),
    anchor: Callable[[str], str] = lambda path: path,
) -> Baseline:
    """The baseline without the entries `report` found fixed or on what is no longer built,
    the carried ones under their resource's new name, and nothing added: pruning after a merge
    (or in a pull request) must not record as debt the findings that are new. The checksums are
    refreshed, so a model edited since it was recorded is followed when renamed later, and an
    entry of an older file that this run's `findings` matched gets its file (`entry_path`),
    so that a later prune can tell whether lint read it."""
    dropped = {entry.fingerprint for entry in (*report.fixed, *report.gone)}
    moved = {carried.entry.fingerprint for carried in report.carried}
    paths = {f.fingerprint: path for f in findings if (path := entry_path(f, anchor))}
    entries: dict[str, BaselineEntry] = {}
    for entry in loaded.baseline.findings:
        if entry.fingerprint in dropped or entry.fingerprint in moved:
            continue
        entries[entry.fingerprint] = msgspec.structs.replace(
            entry,
            checksum=checksum(entry.unique_id) or entry.checksum,
            path=entry.path or paths.get(entry.fingerprint),
        )
    for carried in report.carried:
        entries[carried.fingerprint] = msgspec.structs.replace(
            carried.entry,
            fingerprint=carried.fingerprint,
            unique_id=carried.unique_id,
            column_name=carried.column_name or carried.entry.column_name,
            checksum=checksum(carried.unique_id),
        )
    return Baseline(
        schema_version=BASELINE_VERSION, tool="dbtgate", project=project, findings=ordered(entries)
    )


def write_baseline(baseline: Baseline, path: Path) -> None:
    """Write the baseline; a disk that is full or read-only is one line naming the file (the
    OSError of a write names none: `dbtgate: error: : No space left on device`)."""
    data = msgspec.json.format(msgspec.json.encode(baseline), indent=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.write_bytes(data + b"\n")
    except OSError as exc:
        raise DbtgateError(f"{path}: cannot write the baseline: {exc.strerror or exc}") from None


def configured_baseline(config: Config) -> Path | None:
    """The config's `baseline`, which must exist (an error at its line, not a bare path)."""
    if not config.baseline:
        return None
    path = baseline_setting(config)
    if not path.exists():
        raise DbtgateError(
            f"{_setting_location(config)}: file not found (write it with `dbtgate baseline`)"
        )
    return path


def baseline_setting(config: Config) -> Path:
    """The config's `baseline` (set), as the file to read or to write: a directory, or a path
    the system cannot look up (a name over 255 bytes), is an error at its line. The read's or
    the write's own error named the path alone, not the setting that gave it."""
    assert config.baseline
    path = Path(config.baseline)
    problem = lookup_problem(path)
    if problem is None and path.is_dir():
        problem = "is a directory, expected the baseline file (written by `dbtgate baseline`)"
    if problem is not None:
        raise DbtgateError(f"{_setting_location(config)}: {problem}")
    return path


def _setting_location(config: Config) -> str:
    """`dbtgate.yml:LINE: baseline: PATH`, which errors about the setting start with."""
    return f"{config.path}:{config.lines.get('baseline', 1)}: baseline: {config.baseline}"


def unread_baseline_warning(config: Config, project: str | None, root: Path) -> str | None:
    """The warning for a baseline of this dbt `project` that `dbtgate baseline` wrote where it
    writes by default (the current folder, or beside the config) and nothing names, when
    `check` reads none: a newcomer who ran `dbtgate baseline` expects its findings not to
    block, and they all do. Another project's file (a monorepo's root) or one that is not a
    baseline is none of this check's business. The file and the config are named from `root`,
    as findings name files (`locate.display_root`), their spans kept (`named_files`): the
    reports are the same from whichever folder of the repository dbtgate ran, and the console
    names them (and the `--baseline` to pass) from the working directory."""
    import os

    folders = [Path(".")] + ([config.folder] if config.folder is not None else [])
    for folder in folders:
        path = folder / DEFAULT_BASELINE
        if path.is_file() and _is_baseline_of(path, project):
            shown = File(display_input(path, root))
            where: tuple[str | File, ...] = (
                (
                    f"set `baseline: {os.path.relpath(path, config.folder)}` in ",
                    _config_named(config, config.path, config.folder, root),
                    ", or pass --baseline ",
                    shown,
                )
                if config.path is not None and config.folder is not None
                else ("pass --baseline ", shown)
            )
            return naming(
                shown,
                " is not read (neither the config nor --baseline names it), so the findings "
                "it records block: ",
                *where,
            )
    return None


def _config_named(config: Config, path: Path, folder: Path, root: Path) -> str | File:
    """The config (at `path`, its paths from `folder`) a note tells to edit, as notes name files
    (from `root`, a `File`): from a folder below the project's, `dbtgate.yml` alone named
    another file, or none. A pipe (`--config <(...)`) by its name as given (`Config.name`)."""
    if folder != path.parent:
        return config.name
    return File(display_input(path, root))


def _is_baseline_of(path: Path, project: str | None) -> bool:
    """Whether `path` reads as a baseline recorded on `project` (or on no project named)."""
    try:
        recorded = load_baseline(path).baseline.project
    except DbtgateError:
        return False
    return recorded is None or project is None or recorded == project


def load_baseline(path: Path) -> LoadedBaseline:
    if path.exists() and not path.is_file() and not is_pipe(path):
        # A folder, or a device such as /dev/zero that reads forever; a pipe (`<(...)`) is
        # read once, below.
        raise DbtgateError(f"{path}: not a baseline file (write one with `dbtgate baseline`)")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DbtgateError(
            f"{path}: baseline file not found (write one with `dbtgate baseline`)"
        ) from None
    except OSError as exc:
        raise DbtgateError(f"{path}: cannot read the baseline: {exc.strerror}") from None
    wide = not_utf8(path, data[:4])
    if wide is not None:
        raise DbtgateError(wide)
    if not data.removeprefix(UTF8_BOM).strip():
        raise DbtgateError(
            f"{path}: empty file, expected a dbtgate baseline (write one with `dbtgate baseline`)"
        )
    try:
        baseline = msgspec.json.decode(data.removeprefix(UTF8_BOM), type=Baseline)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        if not isinstance(exc, msgspec.ValidationError) and "truncated" in str(exc):
            raise truncated_json(path) from None
        raise DbtgateError(
            f"{path}: not a dbtgate baseline file ({exc}); rewrite it with `dbtgate baseline`"
        ) from None
    if baseline.schema_version > BASELINE_VERSION:
        raise DbtgateError(
            f"{path}: baseline schema_version {baseline.schema_version} is newer than this "
            f"dbtgate reads ({BASELINE_VERSION}); upgrade dbtgate"
        )
    return LoadedBaseline(path, baseline)


def check_baseline_project(loaded: LoadedBaseline, project: str | None) -> None:
    """Refuse a baseline recorded on another dbt project: its fingerprints name that project's
    resources, so none would match, and every legacy finding would block as new (a monorepo's
    gate handed the neighbour's file)."""
    recorded = loaded.baseline.project
    if recorded is None or project is None or recorded == project:
        return
    raise DbtgateError(
        f"{loaded.path}: a baseline of dbt project {recorded!r}, and this build is of "
        f"{project!r}: give this project's baseline (`dbtgate baseline` writes one)"
    )


def baseline_report(
    loaded: LoadedBaseline,
    findings: list[Finding],
    *,
    checked: Callable[[BaselineEntry], bool] = lambda entry: True,
    built: Callable[[str, str | None], bool | None] = lambda unique_id, column: True,
    carried: Collection[CarriedEntry] = (),
    renamed: Callable[[BaselineEntry], BaselineEntry] = lambda entry: entry,
) -> BaselineReport:
    """How the baseline was used: entries still seen, and why the others were not. `checked`:
    whether this run looked for the entry's finding where it is (`Coverage.checked`); `built`:
    whether a resource (and the column, for an entry on one) is in the build, None when the
    build cannot tell (a column no YAML declares, and no catalog.json). Only an entry both
    checked and on what is still built was fixed: one whose rule left the config, or no longer
    applies to its resource, was not, and `--prune` would drop debt that blocks when the rule
    comes back; one on a column renamed away was not paid off either: with a base build the
    diff reads the rename and its finding under the new name matches it (`carried`), without
    one that finding is new. `carried`: the entries a renamed resource's or column's findings
    matched (`dbtgate.baseline_renames`), which are not gone; `renamed`: an entry as it reads
    under its resource's new name (`Renames.under_new_names`), where it is judged: an entry on
    a model renamed and edited whose finding the edit fixed was fixed, not deleted."""
    seen = {f.fingerprint for f in findings}
    seen.update(c.entry.fingerprint for c in carried)
    waived = _waived_entries(loaded, findings, carried)
    fixed: list[BaselineEntry] = []
    gone: list[BaselineEntry] = []
    unchecked: list[BaselineEntry] = []
    for entry in loaded.baseline.findings:
        if entry.fingerprint in seen:
            continue
        now = renamed(entry)
        there = built(now.unique_id, now.column_name) if now.unique_id else True
        if there is False:
            gone.append(entry)
        elif there and checked(now):
            fixed.append(entry)
        else:
            unchecked.append(entry)
    entries = len(loaded.baseline.findings)
    return BaselineReport(
        path=repository_path(loaded.path),
        entries=entries,
        matched=entries - len(fixed) - len(gone) - len(unchecked),
        waived=waived,
        fixed=fixed,
        gone=gone,
        unchecked=unchecked,
        carried=sorted(carried, key=lambda c: (c.entry.fingerprint, c.unique_id)),
    )


def _waived_entries(
    loaded: LoadedBaseline, findings: list[Finding], carried: Collection[CarriedEntry]
) -> int:
    """How many entries matched only findings that a waiver covers (their `disposition` is
    already decided): an entry also matched by a finding the baseline holds is not one of
    them. A carried entry is judged by the finding under its resource's new name."""
    waived = {f.fingerprint for f in findings if f.disposition == "waived"}
    if not waived:
        return 0
    waived -= {f.fingerprint for f in findings if f.disposition != "waived"}
    matched_by = {f.fingerprint: {f.fingerprint} for f in findings}
    for entry in carried:
        matched_by.setdefault(entry.entry.fingerprint, set()).add(entry.fingerprint)
    return sum(
        1
        for entry in loaded.baseline.findings
        if entry.fingerprint in matched_by and matched_by[entry.fingerprint] <= waived
    )


def prune_command(loaded: LoadedBaseline, configured: str | None) -> str:
    """How to prune this baseline: `--prune` alone rewrites the config's file (`configured`);
    another file is named as it was given, from the folder dbtgate runs in."""
    same = configured is not None and Path(configured).resolve() == loaded.path.resolve()
    return "dbtgate baseline --prune" + ("" if same else f" -o {loaded.path.as_posix()}")


def baseline_notes(
    report: BaselineReport,
    prune: str = "dbtgate baseline --prune",
    renamed: Callable[[BaselineEntry], BaselineEntry] = lambda entry: entry,
    project_file: Callable[[str], str] = lambda path: path,
) -> list[str]:
    """What every report says of the entries not seen: debt paid off (the file can shrink, so
    the problem cannot come back unnoticed), debt that followed a renamed resource, debt on
    resources or columns deleted (or renamed and edited: their findings block again, as new),
    and entries this run did not check (kept). Each says how to prune: `--prune` drops and
    renames entries and records nothing new, where rewriting the file would take the pull
    request's new findings in as debt. An entry not seen is named where the report judged it,
    under its resource's new name (`renamed`, `Renames.under_new_names`) and the old one after:
    a column dropped from a model renamed is gone from the model as it is called now. The
    files a note names (the baseline, a file git read as moved, named from the project and
    shown as findings name it: `project_file`) keep their spans (`named_files`), for the
    console to name them from the working directory."""
    notes = []
    where = ("baseline ", File(report.path))
    prune = f"`{prune}`"
    if report.fixed:
        notes.append(
            naming(
                *where,
                f": {len(report.fixed)} of {report.entries} entries fixed since it was written (",
                *_shown(report.fixed, renamed),
                f"); {prune} drops {_them(report.fixed)} and records nothing new",
            )
        )
    resources = [
        c
        for c in report.carried
        if c.column_name is None and c.moved_from is None and c.relation is None
    ]
    if resources:
        notes.append(
            naming(
                *where,
                f": {counted(len(resources), 'entry')} matched under a renamed "
                f"resource's new name, whose file dbt read unchanged ({_moves(resources)})"
                f"; {prune} records {_them(resources)} under the new name",
            )
        )
    moved = [c for c in report.carried if c.moved_from is not None]
    if moved:
        files = sorted({project_file(c.moved_from) for c in moved if c.moved_from})
        notes.append(
            naming(
                *where,
                f": {counted(len(moved), 'entry')} matched under a renamed resource's new "
                "name, whose file git reads as renamed (",
                *few_files(files, _NOTE_LIMIT),
                f"; {_moves(moved)}); {prune} records {_them(moved)} under the new name",
            )
        )
    sources = [c for c in report.carried if c.relation is not None]
    if sources:
        tables = sorted({c.relation for c in sources if c.relation})
        notes.append(
            naming(
                *where,
                f": {counted(len(sources), 'entry')} matched under a renamed source's new "
                f"name, reading the same table ({first_few(tables, _NOTE_LIMIT)}; "
                f"{_moves(sources)}); {prune} records {_them(sources)} under the new name",
            )
        )
    columns = [c for c in report.carried if c.column_name is not None]
    if columns:
        notes.append(
            naming(
                *where,
                f": {counted(len(columns), 'entry')} matched under a renamed column's new "
                f"name, as the schema diff reads the rename ({_moves(columns)}); "
                f"{prune} records {_them(columns)} under the new name",
            )
        )
    if report.gone:
        notes.append(
            naming(
                *where,
                f": {counted(len(report.gone), 'entry')} on resources or columns no longer in "
                "the build (",
                *_shown(report.gone, renamed),
                "): deleted, or renamed and edited? A resource's "
                "findings are new under a new name when its file was edited too and git does not "
                "read it as renamed, and a column's "
                "when no base build shows the rename (`--base`); "
                f"{prune} drops {_them(report.gone)}",
            )
        )
    if report.unchecked:
        notes.append(
            naming(
                *where,
                f": {counted(len(report.unchecked), 'entry')} this run did not check (",
                *_shown(report.unchecked, renamed),
                ": no policy applies the rule there, lint did not read "
                "or parse the file or has the rule off there, or the build has no catalog.json to "
                "see the column), kept",
            )
        )
    return notes


def _moves(carried: list[CarriedEntry]) -> str:
    """The first carried entries as a note lists them: `code on old -> new name` (the column's
    new name for a renamed column, with its resource's when that was renamed too, else the
    resource's)."""
    return first_few(
        [f"{c.entry.code} on {_entry_subject(c.entry)} -> {_new_name(c)}" for c in carried],
        _NOTE_LIMIT,
    )


def _new_name(carried: CarriedEntry) -> str:
    if carried.column_name is None:
        return carried.unique_id
    if carried.unique_id != carried.entry.unique_id:
        return f"{carried.unique_id}.{carried.column_name}"
    return carried.column_name


def _them(entries: list) -> str:
    return "it" if len(entries) == 1 else "them"


def _shown(
    entries: list[BaselineEntry], renamed: Callable[[BaselineEntry], BaselineEntry]
) -> list[str | File]:
    return first_few_named([_entry_now(entry, renamed(entry)) for entry in entries], _NOTE_LIMIT)


def _entry_now(entry: BaselineEntry, now: BaselineEntry) -> list[str | File]:
    """`code on subject` of an entry as it reads now (`now`), with what it was recorded on
    when a rename changed that: `on model.shop.clients.email (was model.shop.customers)`. An
    entry on a file of no resource names the file (`naming`'s parts)."""
    shown = [f"{entry.code} on ", *_subject_named(now)]
    if now.unique_id == entry.unique_id and now.column_name == entry.column_name:
        return shown
    was = entry.unique_id if now.column_name == entry.column_name else _entry_subject(entry)
    return [*shown, f" (was {was})"]


def _subject_named(entry: BaselineEntry) -> list[str | File]:
    """`_entry_subject` as `naming`'s parts: an entry on a file of no resource names the file."""
    if entry.unique_id or not entry.path:
        return [_entry_subject(entry)]
    return [File(entry.path), *([f".{entry.column_name}"] if entry.column_name else [])]


def _entry_subject(entry: BaselineEntry) -> str:
    subject = entry.unique_id or entry.path or entry.key or "the project"
    return f"{subject}.{entry.column_name}" if entry.column_name else subject
