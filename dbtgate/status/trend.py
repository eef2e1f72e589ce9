"""`dbtgate trend`: how each KPI moved over a series of builds, read back from JSON gate reports.

A scorecard says where the team is; a release manager also wants to know where it is going.
Every JSON gate report carries the KPI scorecard (its `kpis` section), so a folder of reports
kept by CI is the history: this puts the reports in build order (the manifest's generated time
each report records) and shows each KPI's values as a sparkline, first and latest value, the last
move with an arrow, and its target. This module reads the reports and writes each table's
cells once (`kpi_cells`, `build_columns` and `build_rows`), so every rendering says the same: the console's
(`trend_console`) and the markdown and HTML pages (`trend_pages`, which escape everything read
from the reports: project and file names are untrusted text).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbtgate.errors import DbtgateError
from dbtgate.report.view import commit_tags, edited_files, percent, points_moved, recorded_git
from dbtgate.status.kpi import CHANGE_FAILURE_NOTE, KPI_NAMES, label
from dbtgate.status.timestamps import format_timestamp, parse_timestamp
from dbtgate.wording import counted, number

# The least range a sparkline spans: 10 percentage points.
SPARK_MIN_SPAN = 0.10
SPARK_GLYPHS = "▁▂▃▄▅▆▇█"
MISSING_GLYPH = "·"
CHANGE_FAILURE = "change_failure_rate"
# Moves smaller than this (a hundredth of a percentage point) are "unchanged".
_EPSILON = 1e-4
# A cell with nothing to show, as the gate report's scorecard writes it (`percent(None)`).
MISSING = percent(None)
# The last move of a KPI the last two builds did not measure alike (`TrendRow.alike`).
NOT_COMPARED = "not compared"


@dataclass(frozen=True)
class Build:
    """One gate report: when its build was made, its verdict and its scorecard."""

    path: Path
    # How the report is named in the tables: its path under the directory given (a CI history
    # is often one folder per run, each with a gate.json), else the path as given.
    shown: str
    project: str
    generated_at: str
    verdict: str | None
    scorecard: dict[str, Any]
    change_failure_rate: float | None
    # The dbt invocation that wrote the manifest: two reports of one build (a re-run CI job,
    # a report rendered twice) are one point of the trend.
    invocation_id: str | None = None
    # How many findings blocked (a fail of 1 and a fail of 40 read alike as "fail"), and the
    # dbtgate that gated: a KPI can move between versions because dbtgate changed.
    blocking: int | None = None
    # The legacy debt still recorded in a baseline, and the findings waived: what a team that
    # adopted the gate on a baseline burns down over months, which no KPI counts.
    baselined: int | None = None
    waived: int | None = None
    tool_version: str | None = None
    # The commit gated and its tag (`inputs.git`): `v1.1 (5789142)`. A release manager looks for
    # a release in the builds, not for a time or a folder (`reports/gate.json` named three).
    commit: str | None = None
    # Whether the build had a catalog.json (`inputs.artifacts.catalog`); None when the report
    # does not say.
    catalog: bool | None = None


@dataclass(frozen=True)
class TrendRow:
    name: str
    label: str
    values: list[float | None]
    target: float | None
    # A rise is bad news (change failure rate): the console colours its moves the other way.
    lower_is_better: bool = False
    # The last two builds measured it alike: column documentation counted with a catalog.json
    # in one and without in the other is not (`_measured_alike`), and its move is not shown.
    alike: bool = True

    @property
    def known(self) -> list[float]:
        return [v for v in self.values if v is not None]

    @property
    def first(self) -> float | None:
        return self.known[0] if self.known else None

    @property
    def latest(self) -> float | None:
        return self.values[-1] if self.values else None

    @property
    def move(self) -> float | None:
        """Latest minus the value before it, when both builds measured it, alike."""
        if len(self.values) < 2 or self.values[-1] is None or self.values[-2] is None:
            return None
        if not self.alike:
            return None
        return self.values[-1] - self.values[-2]

    @property
    def status(self) -> str:
        if self.latest is None:
            return "no data"
        if self.target is None:
            return MISSING
        return "met" if self.latest >= self.target else "below"


@dataclass(frozen=True)
class Trend:
    builds: list[Build]
    rows: list[TrendRow]
    notes: list[str]

    @property
    def project(self) -> str:
        return self.builds[0].project  # one project: `load_trend` refuses a mix


# In a folder, files and folders that are never gate reports, left out without a note: dbt's
# artifacts (a report folder is often a build's), dbtgate's own GitLab report (beside gate.json
# in an --out folder), packages and hidden folders.
_NOT_REPORTS = frozenset(
    {
        "manifest.json",
        "run_results.json",
        "catalog.json",
        "sources.json",
        "semantic_manifest.json",
        "graph_summary.json",
        "perf_info.json",
        "gl-code-quality-report.json",
    }
)
_NOT_REPORT_FOLDERS = frozenset({"node_modules", "site-packages", "dbt_packages", "__pycache__"})
_SKIPPED_SHOWN = 3


def _json_files(folder: Path) -> Iterator[Path]:
    for path in folder.rglob("*.json"):
        parts = path.relative_to(folder).parts[:-1]
        if (
            path.is_file()
            and path.name not in _NOT_REPORTS
            and not any(part.startswith(".") or part in _NOT_REPORT_FOLDERS for part in parts)
        ):
            yield path


def _skipped_notes(skipped: list[str]) -> list[str]:
    """One note a skipped file, or one for them all when there are many."""
    if len(skipped) <= _SKIPPED_SHOWN:
        return [f"skipped {why}" for why in skipped]
    return [
        f"skipped {len(skipped)} JSON files that are not gate reports with KPIs, e.g. "
        + "; ".join(skipped[:_SKIPPED_SHOWN])
    ]


def load_trend(paths: Iterable[Path]) -> Trend:
    """Read the reports (files, or every *.json in a directory and its subfolders) into a
    trend, oldest first. Reports of more than one dbt project are refused: one series of
    values would mix two scorecards."""
    paths = list(paths)
    notes: list[str] = []
    builds: list[Build] = []
    for path in paths:
        if path.is_dir():
            found = sorted(_json_files(path))
            skipped = []
            for candidate in found:
                shown = candidate.relative_to(path).as_posix()
                if len(paths) > 1:
                    # Named under the folder given: two CI runs' folders each hold a gate.json.
                    shown = (path / shown).as_posix()
                try:
                    builds.append(read_build(candidate, shown))
                except DbtgateError as exc:
                    # The error names the file (`<path>:1: ...`): once, as the folder shows it.
                    said = str(exc)
                    if said.startswith(f"{candidate}:"):
                        skipped.append(shown + said.removeprefix(str(candidate)))
                    else:
                        skipped.append(f"{shown}: {said}")
            notes.extend(_skipped_notes(skipped))
            if not found:
                notes.append(f"{path}: no *.json reports in this directory or its subfolders")
        else:
            builds.append(read_build(path, str(path)))
    if not builds:
        raise DbtgateError(_nothing_to_show(paths, notes))
    # A file named on its own and again through its folder is one build, not two.
    unique = {build.path.resolve(): build for build in reversed(builds)}
    builds = _one_report_per_build(list(reversed(unique.values())), notes)
    projects = sorted({b.project for b in builds})
    if len(projects) > 1:
        first = {p: next(b.shown for b in builds if b.project == p) for p in projects}
        named = ", ".join(f"{p} ({first[p]}, ...)" for p in projects)
        raise DbtgateError(
            f"reports of {len(projects)} dbt projects: {named}; a trend is one project's: "
            "pass its reports only"
        )
    builds.sort(key=lambda b: (parse_timestamp(b.generated_at), str(b.path)))
    rows = [row for row in _rows(builds) if row.known or row.target is not None]
    notes.extend(_versions_note(builds))
    notes.extend(_catalog_note(builds, rows))
    reported = sum(b.change_failure_rate is not None for b in builds)
    notes.append(_change_failure_note(reported, len(builds)))
    return Trend(builds, rows, notes)


def _nothing_to_show(folders: list[Path], notes: list[str]) -> str:
    """The error when the directories given hold no report: which directories (`no JSON gate
    reports with KPIs to show` named none, and a CI step's wrong path went unseen), and what
    was skipped in them."""
    where = (
        "this directory or the folders under it"
        if len(folders) == 1
        else "these directories or the folders under them"
    )
    skipped = "; ".join(note for note in notes if note.startswith("skipped "))
    return f"{', '.join(map(str, folders))}: no JSON gate reports with KPIs to show in {where}" + (
        f" ({skipped})" if skipped else ""
    )


def _change_failure_note(reported: int, builds: int) -> str:
    """Where the change failure rate comes from: dbtgate measures none (dbt's artifacts hold
    what a build did, not deploys), so a rate in the trend is one a pipeline wrote into its
    reports (`kpis.change_failure_rate`), and the note says so rather than let it pass for one
    of the gate's measures."""
    if not reported:
        return CHANGE_FAILURE_NOTE
    of = "every report" if reported == builds else f"{reported} of {builds} reports"
    return (
        f"change failure rate: from kpis.change_failure_rate in {of}, written there by your "
        "pipeline, not measured by dbtgate (dbt's artifacts hold what each build did, not "
        "which deploys failed); lower is better"
    )


def _one_report_per_build(builds: list[Build], notes: list[str]) -> list[Build]:
    """One report of each dbt invocation: a job run twice writes two reports of one build,
    which would count its KPIs twice and flatten the trend. The one kept is the one that says
    most of the build (`_information`: the commit it gated first, which a release manager
    finds a release by), so the copy of a report saved without git (a folder copied off the
    runner) does not hide the one that names the release, whatever the order given; of
    reports that say as much, the last given."""
    chosen: dict[str, Build] = {}
    for build in builds:
        if build.invocation_id:
            kept = chosen.get(build.invocation_id)
            if kept is None or _information(build) >= _information(kept):
                chosen[build.invocation_id] = build
    kept = []
    for build in builds:
        used = chosen.get(build.invocation_id or "")
        if used is None or used is build:
            kept.append(build)
        else:
            # Named by their paths when two folders given each hold a gate.json.
            dropped, named = (
                (build.shown, used.shown)
                if build.shown != used.shown
                else (str(build.path), str(used.path))
            )
            why = (
                ", which names the commit it gated"
                if used.commit and not build.commit
                else ", which says more of it"
                if _information(used) > _information(build)
                else ""
            )
            notes.append(
                f"{dropped} and {named} are reports of one dbt build (invocation "
                f"{build.invocation_id}): counted once, as {named}{why}"
            )
    return kept


def _information(build: Build) -> tuple[bool, int]:
    """How much a report says of its build, to choose between two reports of it: the commit
    it gated first, then how many of the other things a report of an older dbtgate may lack
    it records (the verdict, the counts, dbtgate's version, whether a catalog.json was read)."""
    known = (
        build.verdict,
        build.blocking,
        build.baselined,
        build.waived,
        build.tool_version,
        build.catalog,
        build.change_failure_rate,
    )
    return build.commit is not None, sum(value is not None for value in known)


def read_build(path: Path, shown: str) -> Build:
    from dbtgate.report.json_report import load_report

    report = load_report(path)
    kpis = (report.get("sections") or {}).get("kpis") or report.get("kpis")
    if not isinstance(kpis, dict) or not isinstance(kpis.get("scorecard"), dict):
        raise DbtgateError(f"{path}: the gate report has no KPI scorecard (sections.kpis)")
    generated_at = kpis.get("generated_at") or report.get("generated_at")
    if not isinstance(generated_at, str) or parse_timestamp(generated_at) is None:
        raise DbtgateError(
            f"{path}: the gate report has no readable generated_at, so it cannot be placed in time"
        )
    rate = kpis.get(CHANGE_FAILURE)
    return Build(
        path=path,
        shown=shown,
        project=str(report.get("project") or kpis.get("project") or "?"),
        generated_at=generated_at,
        verdict=report.get("verdict"),
        scorecard=kpis["scorecard"],
        change_failure_rate=rate if isinstance(rate, int | float) else None,
        invocation_id=kpis.get("invocation_id")
        if isinstance(kpis.get("invocation_id"), str)
        else None,
        blocking=_disposition_count(report, "blocking"),
        baselined=_disposition_count(report, "baselined"),
        waived=_disposition_count(report, "waived"),
        tool_version=_tool_version(report),
        commit=_commit(report),
        catalog=_had_catalog(report),
    )


def _had_catalog(report: dict[str, Any]) -> bool | None:
    """Whether the gated build had a catalog.json, as the report's audit trail lists its
    artifacts; None for a report that lists none (`dbtgate lint` gates no build)."""
    inputs = report.get("inputs")
    artifacts = inputs.get("artifacts") if isinstance(inputs, dict) else None
    if not isinstance(artifacts, dict) or "manifest" not in artifacts:
        return None
    return "catalog" in artifacts


def _disposition_count(report: dict[str, Any], disposition: str) -> int | None:
    counts = report.get("counts")
    by_disposition = counts.get("by_disposition") if isinstance(counts, dict) else None
    value = by_disposition.get(disposition) if isinstance(by_disposition, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _commit(report: dict[str, Any]) -> str | None:
    """`v1.1 (5789142)`, or `5789142` untagged: the commit the report gated, by its tags (a
    release's name, which stays on its commit where a branch moves on), `v1.1 (5789142) with
    edits to 3 files` when the checkout had uncommitted edits (it was not quite v1.1's build);
    None for a report that records none (no git, or written before dbtgate recorded it)."""
    inputs = report.get("inputs")
    git = recorded_git(inputs) if isinstance(inputs, dict) else None
    if git is None:
        return None
    commit, tags = git["commit"], commit_tags(git)
    named = f"{', '.join(tags)} ({commit[:7]})" if tags else commit[:7]
    edited = edited_files(git)
    return f"{named} with edits to {counted(edited, 'file')}" if edited else named


def _tool_version(report: dict[str, Any]) -> str | None:
    tool = report.get("tool")
    version = tool.get("version") if isinstance(tool, dict) else None
    return version if isinstance(version, str) else None


def _versions_note(builds: list[Build]) -> list[str]:
    """A note when the reports were gated by more than one dbtgate: a KPI's move between them
    may be dbtgate's (a rule or a measure that changed), not the project's."""
    # In build order (the builds are sorted): "0.10.0" sorts before "0.9.0" as text.
    versions = list(dict.fromkeys(b.tool_version for b in builds if b.tool_version))
    if len(versions) < 2:
        return []
    return [
        f"the reports were gated by dbtgate {', '.join(versions)}: a move between builds gated "
        "by different versions may come from dbtgate, not from the project"
    ]


# The KPIs that count columns: with a catalog.json the warehouse's columns count, without it
# only those declared in YAML (`kpi.add_base` compares them with a base build on the same
# terms).
COLUMN_KPIS = frozenset({"docs_columns", "tier1_docs_columns"})


def _measured_alike(name: str, before: Build, after: Build) -> bool:
    """Whether two builds measured KPI `name` alike: a column KPI not when one build had a
    catalog.json and the other not (a build whose `dbt docs generate` failed or was left out
    moved columns documented by what it did not count)."""
    if name not in COLUMN_KPIS or before.catalog is None or after.catalog is None:
        return True
    return before.catalog == after.catalog


def _catalog_note(builds: list[Build], rows: list[TrendRow]) -> list[str]:
    """Which builds had no catalog.json among builds that had one: their column KPIs count only
    the columns declared in YAML, the others' the warehouse's too, so a move between them is
    not the project's (and the last one is not shown)."""
    if not any(b.catalog for b in builds):
        return []
    without = [number for number, b in enumerate(builds, 1) if b.catalog is False]
    kpis = [row.label for row in rows if row.name in COLUMN_KPIS and row.known]
    if not without or not kpis:
        return []
    which = "build" if len(without) == 1 else "builds"
    return [
        f"{which} {', '.join(map(str, without))} had no catalog.json: {' and '.join(kpis)} "
        "count there only the columns declared in YAML, in the other builds the warehouse's "
        "too; a move between them is not compared"
    ]


def _rows(builds: list[Build]) -> list[TrendRow]:
    names = list(KPI_NAMES)
    for build in builds:
        names.extend(n for n in sorted(build.scorecard) if n not in names)
    rows = []
    for name in names:
        entries = [b.scorecard.get(name) or {} for b in builds]
        values = [_number(e.get("value")) for e in entries]
        known_labels = [e.get("label") for e in entries if isinstance(e.get("label"), str)]
        text = known_labels[-1] if known_labels else label(name) if name in KPI_NAMES else name
        target = _number(entries[-1].get("target"))
        alike = len(builds) < 2 or _measured_alike(name, builds[-2], builds[-1])
        rows.append(TrendRow(name, text, values, target, alike=alike))
    # The KPIs with a target first, as the gate report's scorecard lists them: the team's
    # goals (test pass rate, freshness, tier-1 coverage) were among the rest, below six
    # without one.
    rows.sort(key=lambda row: row.target is None)
    if any(b.change_failure_rate is not None for b in builds):
        rates = [b.change_failure_rate for b in builds]
        rows.append(TrendRow(CHANGE_FAILURE, "change failure rate", rates, None, True))
    return rows


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def sparkline(values: list[float | None]) -> str:
    """One glyph per build (a rate, 0 to 1), scaled between the series' lowest and highest value
    but over at least `SPARK_MIN_SPAN`: a move of half a point must not draw as a fall from the
    top to the bottom, and a flat series draws flat at its height."""
    known = [v for v in values if v is not None]
    if not known:
        return MISSING_GLYPH * len(values)
    high = max(known)
    low = max(0.0, min(min(known), high - SPARK_MIN_SPAN))
    span = max(high - low, SPARK_MIN_SPAN)
    top = len(SPARK_GLYPHS) - 1
    glyphs = []
    for value in values:
        if value is None:
            glyphs.append(MISSING_GLYPH)
        else:
            glyphs.append(SPARK_GLYPHS[max(0, min(top, round((value - low) / span * top)))])
    return "".join(glyphs)


def arrow(move: float | None) -> str:
    if move is None:
        return ""
    if move > _EPSILON:
        return "↑"
    if move < -_EPSILON:
        return "↓"
    return "→"


def describe_move(move: float | None) -> str:
    """`↑ +2.5 pt`: the last move in percentage points, written as the gate report writes a
    KPI's move from its base build (`points_moved`); `→ 0.0 pt` for none."""
    if move is None:
        return MISSING
    if arrow(move) == "→":
        return "→ 0.0 pt"
    return f"{arrow(move)} {points_moved(move)}"


# The time's zone is in its header, said once: dbt writes its times in UTC, and a reader of
# `07:12:25` beside the verdict took it for their own clock.
BUILD_COLUMNS = (
    "#",
    "built (UTC)",
    "commit",
    "report",
    "verdict",
    "blocking",
    "baselined",
    "waived",
    "dbtgate",
)
BUILD_NUMBER_COLUMNS = frozenset({"#", "blocking", "baselined", "waived"})


def build_columns(trend: Trend) -> tuple[str, ...]:
    """The builds table's columns: the commit only when a report records one (reports of builds
    outside git, or written before dbtgate recorded it, would fill it with dashes, and take the
    room of the reports' paths), the findings baselined and waived only when a build has some
    (a project gated without a baseline or waivers has nothing to burn down)."""
    shown = {
        "commit": any(build.commit for build in trend.builds),
        "baselined": any(build.baselined for build in trend.builds),
        "waived": any(build.waived for build in trend.builds),
    }
    return tuple(column for column in BUILD_COLUMNS if shown.get(column, True))


def build_rows(trend: Trend) -> list[tuple[str, ...]]:
    """The builds table's rows, one per report, in `build_columns`' order, as every rendering
    shows them (the build's time as a person reads it, in UTC, not
    `2026-08-20T13:47:12.274457473Z`)."""
    columns = build_columns(trend)
    rows = []
    for index, build in enumerate(trend.builds, 1):
        cells = {
            "#": str(index),
            "built (UTC)": format_timestamp(build.generated_at).removesuffix(" UTC"),
            "commit": build.commit or MISSING,
            "report": build.shown,
            "verdict": build.verdict or MISSING,
            "blocking": _count_cell(build.blocking),
            "baselined": _count_cell(build.baselined),
            "waived": _count_cell(build.waived),
            "dbtgate": build.tool_version or MISSING,
        }
        rows.append(tuple(cells[column] for column in columns))
    return rows


def _count_cell(count: int | None) -> str:
    return MISSING if count is None else number(count)


# The KPI table's columns, the same in every rendering, and those holding numbers.
KPI_COLUMNS = ("KPI", "trend", "first", "latest", "last move", "target", "status")
NUMBER_COLUMNS = frozenset({"first", "latest", "last move", "target"})


def kpi_cells(row: TrendRow) -> tuple[str, ...]:
    """A KPI's row as every rendering shows it, in `KPI_COLUMNS`' order (not escaped)."""
    return (
        row.label,
        sparkline(row.values),
        percent(row.first),
        percent(row.latest),
        describe_move(row.move) if row.alike else NOT_COMPARED,
        percent(row.target),
        row.status,
    )


def headline(trend: Trend) -> str:
    """`3 builds, oldest to latest.`: what the KPI table's trend and moves span."""
    return f"{counted(len(trend.builds), 'build')}, oldest to latest."
