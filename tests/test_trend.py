"""`dbtgate trend` over real JSON gate reports: build order, sparklines, arrows, escaped output."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cli_support import plain_env, run_dbtgate
from corpus import CORPUS

from dbtgate.report.view import percent
from dbtgate.status.trend import load_trend, sparkline

# The same project built by three dbt versions, on three dates: a small real history.
BUILDS = ["bouncer-dbt110", "bouncer-dbt111", "bouncer-dbt112"]


def dbtgate(*args, cwd=None, env_columns="200"):
    return run_dbtgate(*args, cwd=cwd, env=plain_env(COLUMNS=env_columns))


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> list[Path]:
    """Gate reports written by `dbtgate check --json` on the three builds."""
    if not all((CORPUS / build).is_dir() for build in BUILDS):
        pytest.skip(f"corpus absent: {CORPUS}")
    directory = tmp_path_factory.mktemp("reports")
    paths = []
    for build in BUILDS:
        path = directory / f"{build}.json"
        result = dbtgate("check", "-q", "--artifacts", str(CORPUS / build), "--json", str(path))
        assert result.returncode == 0, result.stdout + result.stderr
        paths.append(path)
    return paths


def edited_copies(reports: list[Path], target: Path, edit) -> list[Path]:
    """Copies of the reports with `edit(index, report)` applied, in build order."""
    target.mkdir(exist_ok=True)
    copies = []
    for index, path in enumerate(reports):
        report = json.loads(path.read_text())
        edit(index, report)
        copy = target / path.name
        copy.write_text(json.dumps(report))
        copies.append(copy)
    return copies


def scorecard(report: dict) -> dict:
    return report["sections"]["kpis"]["scorecard"]


def table_row(output: str, label: str) -> str:
    return next(line for line in output.splitlines() if line.strip("│┃ ").startswith(label))


def test_reports_are_ordered_by_build_time_not_by_argument(reports):
    result = dbtgate("trend", str(reports[2]), str(reports[0]), str(reports[1]))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    positions = [out.index(path.name) for path in reports]
    assert positions == sorted(positions)
    times = [json.loads(p.read_text())["sections"]["kpis"]["generated_at"] for p in reports]
    assert times == sorted(times)
    latest = scorecard(json.loads(reports[2].read_text()))["pk_tested"]
    row = table_row(out, "primary key tested")
    assert f"{100 * latest['value']:.1f}%" in row
    values = {scorecard(json.loads(p.read_text()))["pk_tested"]["value"] for p in reports}
    assert len(values) == 1
    assert "███" in row  # the same value in all three builds: a flat line, at its height


def test_sparkline_and_arrows_show_how_each_kpi_moved(reports, tmp_path):
    coverage = [0.3, 0.6, 1.0]
    pk = [1.0, 0.4, 0.3]

    def edit(index, report):
        scorecard(report)["test_coverage"]["value"] = coverage[index]
        scorecard(report)["pk_tested"]["value"] = pk[index]

    copies = edited_copies(reports, tmp_path / "history", edit)
    md = tmp_path / "trend.md"
    result = dbtgate("trend", str(tmp_path / "history"), "--md", str(md))
    assert result.returncode == 0, result.stderr
    coverage_row = table_row(result.stdout, "test coverage")
    assert "▁▄█" in coverage_row
    assert "30.0%" in coverage_row and "100.0%" in coverage_row
    assert "↑ +40.0 pt" in coverage_row
    pk_row = table_row(result.stdout, "primary key tested")
    assert "█▂▁" in pk_row
    assert "↓ -10.0 pt" in pk_row
    text = md.read_text()
    assert "| test coverage | ▁▄█ | 30.0% | 100.0% | ↑ +40.0 pt | – | – |" in text
    assert "| primary key tested | █▂▁ | 100.0% | 30.0% | ↓ -10.0 pt | – | – |" in text
    for copy in copies:
        assert copy.name in text


def test_change_failure_rate_says_where_it_comes_from(reports, tmp_path):
    """dbtgate measures no change failure rate, and the note says why in a release manager's
    terms (dbt's artifacts hold what a build did, not deploys), not "the gate reports hold no
    deployment data"; a rate a pipeline wrote into its reports is shown as theirs, and a fall
    in it is good news (green), not a KPI's fall (red)."""
    import io

    from rich.console import Console

    from dbtgate.status.trend_console import print_trend

    result = dbtgate("trend", *map(str, reports))
    assert (
        "note: change failure rate: not measured: dbt's artifacts hold what each build did, not "
        "which deploys failed (take it from your deploy and incident records)"
    ) in " ".join(result.stdout.split())

    def add_rate(index, report):
        if index:
            report["sections"]["kpis"]["change_failure_rate"] = [0.2, 0.1, 0.05][index]

    copies = edited_copies(reports, tmp_path / "with_rate", add_rate)
    result = dbtgate("trend", *map(str, copies))
    assert result.returncode == 0, result.stderr
    assert "not measured:" not in result.stdout
    assert "↓ -5.0 pt" in table_row(result.stdout, "change failure rate")
    assert (
        "note: change failure rate: from kpis.change_failure_rate in 2 of 3 reports, written "
        "there by your pipeline, not measured by dbtgate (dbt's artifacts hold what each build "
        "did, not which deploys failed); lower is better"
    ) in " ".join(result.stdout.split())
    for width in (120, 50):
        out = io.StringIO()
        console = Console(file=out, width=width, color_system="standard", force_terminal=True)
        print_trend(console, load_trend(copies))
        line = next(line for line in out.getvalue().splitlines() if "-5.0 pt" in line)
        assert "\x1b[32m" in line and "\x1b[31m" not in line  # green: the rate fell


def test_markdown_and_html_escape_untrusted_text(reports, tmp_path):
    hostile = "<img src=x onerror=alert(1)> | *bold* [link](http://x)"

    def rename(index, report):
        report["project"] = hostile
        scorecard(report)["test_coverage"]["label"] = "coverage <b>|</b>"

    copies = edited_copies(reports, tmp_path / "hostile", rename)
    md, page = tmp_path / "t.md", tmp_path / "t.html"
    result = dbtgate("trend", *map(str, copies), "--md", str(md), "--html", str(page))
    assert result.returncode == 0, result.stderr
    text = md.read_text()
    assert "<img" not in text and "<b>" not in text
    assert (
        "&lt;img src=x onerror=alert(1)> \\| \\*bold\\* \\[link\\](http:\u2060//x)"
        in text  # a word joiner after `http:`: GitHub links nothing
    )
    assert "| coverage &lt;b>\\|&lt;/b> |" in text
    html = page.read_text()
    assert "<img" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    # No network assets.
    assert "http" not in html.replace("http://x", "").replace('http-equiv="', "")


def test_the_html_page_allows_only_its_own_style_and_fits_a_phone(reports, tmp_path):
    """As the gate report: a Content-Security-Policy that lets nothing run or load, and the
    style allowed by its hash (a page of untrusted names opened from a CI artifact)."""
    import base64
    import hashlib

    page = tmp_path / "t.html"
    assert dbtgate("trend", *map(str, reports), "--html", str(page)).returncode == 0
    html = page.read_text()
    [policy] = re.findall(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    [style] = re.findall(r"<style>(.*?)</style>", html, re.S)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert policy.startswith("default-src 'none'; ") and f"style-src 'sha256-{digest}'" in policy
    assert "script" not in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


def test_directory_skips_files_that_are_not_gate_reports(reports, tmp_path):
    history = tmp_path / "history"
    edited_copies(reports, history, lambda index, report: None)
    (history / "notes.json").write_text('{"not": "a report"}')
    (history / "broken.json").write_text("{")
    result = dbtgate("trend", str(history))
    assert result.returncode == 0, result.stderr
    assert "skipped notes.json" in result.stdout
    # Named once, as the folder shows it (the error's own path repeated it).
    assert (
        "skipped broken.json: truncated JSON" in result.stdout and str(history) not in result.stdout
    )
    assert all(build in result.stdout for build in BUILDS)


def test_a_folder_with_a_build_and_packages_in_it_is_read_without_noise(reports, tmp_path):
    """dbt's own artifacts, hidden folders and packages are never reports: left out without a
    note; many other JSON files are one note, not a screenful."""
    history = tmp_path / "history"
    edited_copies(reports, history, lambda index, report: None)
    for name in ("manifest.json", "run_results.json", "catalog.json", "sources.json"):
        (history / "target" / name).parent.mkdir(exist_ok=True)
        (history / "target" / name).write_text("{}")
    for folder in (".venv/lib", "node_modules/x", "site-packages/y"):
        (history / folder).mkdir(parents=True)
        (history / folder / "package.json").write_text("{}")
    for number in range(5):
        (history / f"data-{number}.json").write_text("[]")
    result = dbtgate("trend", str(history))
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stdout.splitlines() if "skipped" in line]
    assert len(notes) == 1 and "skipped 5 JSON files that are not gate reports" in notes[0]
    assert "data-0.json" in notes[0] and "manifest" not in notes[0]
    assert all(build in result.stdout for build in BUILDS)


def test_a_history_of_one_folder_per_run_is_read_and_named_by_its_folders(reports, tmp_path):
    """CI keeps `--out` folders: history/<run>/gate.json beside gl-code-quality-report.json."""
    history = tmp_path / "history"
    for number, report in enumerate(reports, 1):
        run = history / f"run-{number}"
        run.mkdir(parents=True)
        (run / "gate.json").write_bytes(report.read_bytes())
        (run / "gl-code-quality-report.json").write_text("[]")
    result = dbtgate("trend", str(history))
    assert result.returncode == 0, result.stderr
    for number in (1, 2, 3):
        assert f"run-{number}/gate.json" in result.stdout
    assert "skipped" not in result.stdout


def test_two_reports_of_one_build_are_one_point(reports, tmp_path):
    first, again = tmp_path / "run-1", tmp_path / "run-2"
    first.mkdir()
    again.mkdir()
    for folder in (first, again):
        (folder / "gate.json").write_bytes(reports[0].read_bytes())
    (first / "other.json").write_bytes(reports[1].read_bytes())
    result = dbtgate("trend", str(tmp_path))
    assert result.returncode == 0, result.stderr
    trend = load_trend([tmp_path])
    assert sorted(b.shown for b in trend.builds) == ["run-1/other.json", "run-2/gate.json"]
    invocation = json.loads(reports[0].read_text())["sections"]["kpis"]["invocation_id"]
    assert (
        f"run-1/gate.json and run-2/gate.json are reports of one dbt build (invocation "
        f"{invocation}): counted once, as run-2/gate.json"
    ) in trend.notes
    assert "counted once, as run-2/gate.json" in " ".join(result.stdout.split())


def test_of_two_reports_of_one_build_the_one_naming_its_commit_is_kept(reports, tmp_path):
    """A release's build gated in its checkout (its report names `v1.0`) and the same build's
    report gated again outside the repository (no commit): the last one given was kept, and
    the builds table lost the release's name. The one that names the commit is kept, in
    either order, and the note says why."""
    repo = tmp_path / "repo"
    (repo / "target").mkdir(parents=True)
    shutil.copy(CORPUS / "bouncer-dbt112" / "manifest.json", repo / "target")
    (repo / "dbt_project.yml").write_text("name: dbt_bouncer_test_project\nprofile: bouncer\n")
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=CI", "-c", "user.email=ci@example.com", "commit", "-q", "-m", "v1")
    git(repo, "tag", "v1.0")
    history = tmp_path / "history"
    tagged, plain = history / "run-1" / "gate.json", history / "run-2" / "gate.json"
    tagged.parent.mkdir(parents=True)
    plain.parent.mkdir()
    done = dbtgate("check", "-q", "--artifacts", "target", "--json", str(tagged), cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    plain.write_bytes(reports[2].read_bytes())  # bouncer-dbt112 gated where no git is
    named = f"v1.0 ({git(repo, 'rev-parse', 'HEAD')[:7]})"
    for given in ([tagged, plain], [plain, tagged], [history]):
        [build] = load_trend(given).builds
        assert (build.path, build.commit) == (tagged, named), given
    trend = load_trend([history])
    assert (
        "run-2/gate.json and run-1/gate.json are reports of one dbt build (invocation "
        f"{trend.builds[0].invocation_id}): counted once, as run-1/gate.json, which names the "
        "commit it gated"
    ) in trend.notes
    result = dbtgate("trend", str(history))
    assert result.returncode == 0, result.stderr
    assert named in result.stdout


def test_reports_of_two_projects_are_refused_not_merged(reports, tmp_path):
    def rename(index, report):
        if index == 2:
            report["project"] = "other_project"

    copies = edited_copies(reports, tmp_path / "mixed", rename)
    result = dbtgate("trend", str(tmp_path / "mixed"))
    assert result.returncode == 2
    assert result.stderr == (
        "dbtgate: error: reports of 2 dbt projects: dbt_bouncer_test_project "
        f"({copies[0].name}, ...), other_project ({copies[2].name}, ...); a trend is one "
        "project's: pass its reports only\n"
    )


def folder_of_other_json(directory: Path) -> Path:
    """A folder whose one JSON file is not a gate report."""
    (directory / "other").mkdir()
    (directory / "other" / "a.json").write_text("[]")
    return directory / "other"


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: d / "missing.json", "gate report not found"),
        (lambda d: (d / "bad.json").write_text("{oops") and d / "bad.json", "not valid JSON"),
        (
            lambda d: (d / "blank.json").write_text("\n") and d / "blank.json",
            "blank.json: empty file, expected a dbtgate gate report",
        ),
        (
            lambda d: (d / "empty").mkdir() or d / "empty",
            "empty: no JSON gate reports with KPIs to show in this directory or the folders "
            "under it",
        ),
        (
            folder_of_other_json,
            "other: no JSON gate reports with KPIs to show in this directory or the folders "
            "under it (skipped a.json: not a dbtgate gate report: $: expected object, got array)",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, setup, message):
    path = setup(tmp_path)
    result = dbtgate("trend", str(path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert lines[0].startswith(f"dbtgate: error: {path}")  # names the file or folder given
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize("option", ["--md", "--html"])
def test_a_page_that_cannot_be_written_is_one_line_naming_it(reports, tmp_path, option):
    """A write's OSError names no file: `dbtgate: error: : No space left on device`. A folder
    given for the page says it is the report that could not be written there."""
    for target, problem in (
        ("/dev/full", "No space left on device"),
        (str(tmp_path), "Is a directory"),
    ):
        result = dbtgate("trend", str(reports[0]), option, target)
        assert result.returncode == 2, result.stderr
        assert result.stderr == f"dbtgate: error: {target}: cannot write the report: {problem}\n"


def test_report_without_kpis_is_refused(reports, tmp_path):
    def drop(index, report):
        del report["sections"]["kpis"]

    (first, *_) = edited_copies(reports, tmp_path / "no_kpis", drop)
    result = dbtgate("trend", str(first))
    assert result.returncode == 2
    assert f"{first}: the gate report has no KPI scorecard" in result.stderr


def test_sparkline_scales_between_lowest_and_highest_over_ten_points_at_least():
    assert sparkline([0.3, 0.6, 1.0]) == "▁▄█"
    assert sparkline([None, None]) == "··"
    # Half a point is not a fall from top to bottom; a flat series draws flat, at its height.
    assert sparkline([0.929, 0.929, 0.923]) == "███"
    assert sparkline([0.5, None, 0.5]) == "█·█"
    assert sparkline([0.0, 0.0]) == "▁▁"
    assert sparkline([0.05, 0.0]) == "▅▁"


def test_the_builds_table_counts_the_debt_baselined_and_waived_as_it_is_paid(reports, tmp_path):
    """A team that adopted the gate on a baseline burns its legacy debt down over months: the
    builds table counts the findings still baselined and those waived (in thousands), in every
    rendering, and only when a build has some (a project without them has nothing to show)."""

    def edit(index, report):
        counts = report["counts"]["by_disposition"]
        counts["baselined"] = [3791, 2400, 1205][index]
        counts["waived"] = [4, 2, 0][index]

    edited_copies(reports, tmp_path / "history", edit)
    md = tmp_path / "trend.md"
    result = dbtgate("trend", str(tmp_path / "history"), "--md", str(md))
    assert result.returncode == 0, result.stderr
    header = [cell.strip() for cell in table_row(result.stdout, "# ").split("┃")[1:-1]]
    assert header[-4:] == ["blocking", "baselined", "waived", "dbtgate"]
    assert [c.strip() for c in table_row(result.stdout, "1 ").split("│")[1:-1]][-3:-1] == [
        "3,791",
        "4",
    ]
    assert "| verdict | blocking | baselined | waived | dbtgate |" in md.read_text()
    narrow = dbtgate("trend", str(tmp_path / "history"), env_columns="60")
    assert "pass, 0 blocking, 1,205 baselined, 0 waived, dbtgate " in " ".join(
        narrow.stdout.split()
    )
    plain = dbtgate("trend", *map(str, reports))
    assert "baselined" not in plain.stdout and "waived" not in plain.stdout


def test_the_builds_table_reads_each_builds_time_blocking_count_and_dbtgate(reports, tmp_path):
    """A fail of 1 and a fail of 40 read alike as "fail", a time was shown to the nanosecond as
    dbt writes it, and reports of another dbtgate (whose measures may differ) went unsaid. The
    times are UTC, and the header says so once (a `07:12:25` was read on the reader's clock)."""
    times = [
        "2026-08-07T07:12:25.475548Z",
        "2026-08-09T07:00:00Z",
        "2026-08-20T13:47:12.274457473Z",
    ]
    versions = ["0.9.0", "0.10.0", "0.10.0"]

    def edit(index, report):
        report["sections"]["kpis"]["generated_at"] = times[index]
        report["tool"]["version"] = versions[index]
        report["counts"]["by_disposition"]["blocking"] = index * 20
        report["verdict"] = "fail" if index else "pass"

    copies = edited_copies(reports, tmp_path / "history", edit)
    md, page = tmp_path / "trend.md", tmp_path / "trend.html"
    result = dbtgate("trend", str(tmp_path / "history"), "--md", str(md), "--html", str(page))
    assert result.returncode == 0, result.stderr
    header = table_row(result.stdout, "# ")
    assert [cell.strip() for cell in header.split("┃")[1:-1]][:2] == ["#", "built (UTC)"]
    row = table_row(result.stdout, "3 ")
    assert row.split("│")[1:-1] == [
        " 3 ",
        " 2026-08-20 13:47:12 ",
        f" {copies[2].name} ",
        " fail    ",
        " 40       ",
        " 0.10.0  ",
    ]
    note = (
        "the reports were gated by dbtgate 0.9.0, 0.10.0: a move between builds gated by "
        "different versions may come from dbtgate, not from the project"
    )
    assert note in " ".join(result.stdout.split())
    text = md.read_text()
    # The corpus builds are in no git repository: no commit recorded, and no column for it.
    assert "| # | built (UTC) | report | verdict | blocking | dbtgate |" in text
    assert "| 1 | 2026-08-07 07:12:25 |" in text and "| pass | 0 | 0.9.0 |" in text
    html = page.read_text()
    assert "<th>built (UTC)</th>" in html and "<td>2026-08-07 07:12:25</td>" in html
    same = dbtgate("trend", *map(str, reports))
    assert "gated by dbtgate" not in same.stdout


def printed(reports: list[Path], width: int) -> str:
    import io

    from rich.console import Console

    from dbtgate.status.trend_console import print_trend

    out = io.StringIO()
    print_trend(Console(file=out, width=width, color_system=None), load_trend(reports))
    return out.getvalue()


def test_a_table_folds_a_reports_path_rather_than_cutting_it(reports):
    """At 80 columns a long path ended in an ellipsis ("bouncer-db…"), naming no file; a
    build's time stays on one line."""
    output = printed(reports, 80)
    assert "┃ KPI " in output and "┃ # " in output  # both tables fit
    after = re.split(r"\nBuilds +\n", output)[1]
    builds = [line for line in after.splitlines() if line.startswith("│")]
    cells = [row.split("│")[3].strip() for row in builds]
    assert "…" not in "".join(cells)
    assert "".join(cells) == "".join(str(path) for path in reports)
    times = [time for row in builds if (time := row.split("│")[2].strip())]
    assert len(times) == len(reports)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", time) for time in times)


def test_a_narrow_terminal_prints_a_block_a_kpi_and_a_build(reports, tmp_path):
    """At 50 columns the tables gave each column six characters: headers split (`last` /
    `move`, `b` / `l` / `o` / `c` / `k`), names lost their ends (`tie…`, `fir…`). Each KPI is
    a line naming it, its figures indented below; each build its time (in UTC) and report,
    what the report records of it below; nothing wider than the terminal but a path."""
    coverage = [0.3, 0.6, 1.0]

    def edit(index, report):
        scorecard(report)["test_coverage"]["value"] = coverage[index]

    copies = edited_copies(reports, tmp_path / "history", edit)
    output = printed(copies, 50)
    lines = output.splitlines()
    assert not any(line[:1] in "┃│┏" for line in lines)
    assert all(len(line) <= 50 or str(tmp_path) in line for line in lines)
    trend = load_trend(copies)
    for row in trend.rows:
        head = next(i for i, line in enumerate(lines) if line.startswith(f"{row.label}  "))
        assert lines[head].split("  ")[1] == sparkline(row.values)
        figures = " ".join(line.strip() for line in lines[head + 1 : head + 3])
        assert f"latest {percent(row.latest)}," in figures
    coverage_at = lines.index("test coverage  ▁▄█")
    assert lines[coverage_at + 1 : coverage_at + 3] == [
        "    first 30.0%, latest 100.0%,",
        "      last move ↑ +40.0 pt, target –",
    ]
    blocks = lines[lines.index("Builds") + 1 :]
    for number, (copy, build) in enumerate(zip(copies, trend.builds, strict=True), 1):
        at = next(i for i, line in enumerate(blocks) if line.startswith(f"{number}  "))
        assert blocks[at].endswith(" UTC") and blocks[at + 1] == f"    {copy}"
        assert blocks[at].startswith(f"{number}  {build.generated_at[:10]} ")
        assert blocks[at + 2] == "    pass, 0 blocking, dbtgate " + build.tool_version
    wide = dbtgate("trend", *map(str, copies), env_columns="50")
    assert "┃" not in wide.stdout and "last move ↑ +40.0 pt" in wide.stdout


def test_kpis_read_as_in_the_gate_report_and_in_one_order_everywhere(reports, tmp_path):
    """A KPI's percent is written as the gate report's scorecard writes it (`100.0%`, `–`; the
    trend wrote `100%` and `n/a`), its move in the gate report's `pt`, and the KPIs come in one
    order in the console, the markdown and the HTML page."""
    from dbtgate.report.view import percent as view_percent
    from dbtgate.report.view import scorecard_rows

    def edit(index, report):
        scorecard(report)["owner_coverage"]["value"] = [0.5, 0.5, 0.5003][index]

    copies = edited_copies(reports, tmp_path / "history", edit)
    md, page = tmp_path / "t.md", tmp_path / "t.html"
    result = dbtgate("trend", *map(str, copies), "--md", str(md), "--html", str(page))
    assert result.returncode == 0, result.stderr
    latest = json.loads(copies[-1].read_text())["sections"]["kpis"]
    trend = load_trend(copies)
    labels = [row.label for row in trend.rows]
    compared = [row for row in scorecard_rows(latest) if row[0] in labels]
    # A KPI with nothing to measure is a note in the gate report ("n/a" and why), not a row;
    # the trend, a table of builds, shows its cell empty: "–".
    unmeasured = [
        [kpi["label"], "–", "", view_percent(kpi["target"])]
        for kpi in latest["scorecard"].values()
        if kpi["status"] == "no data" and kpi["label"] in labels
    ]
    assert len(compared) > 5 and unmeasured
    for kpi, value, _, target, *_ in compared + unmeasured:
        cells = table_row(result.stdout, kpi).split("│")
        assert (cells[4].strip(), cells[6].strip()) == (value, target)
    assert "↑ +<0.1 pt" in table_row(result.stdout, "owner coverage")

    def order(text: str) -> list[int]:
        # Each label as a whole cell: "test coverage" is in "tier-1 test coverage" too.
        return [
            re.search(rf"[│|>]\s*{re.escape(label)}\s*[│|<]", text).start()  # type: ignore[union-attr]
            for label in labels
        ]

    console_kpis = result.stdout.split("Builds")[0]
    html = page.read_text()
    for text in (console_kpis, md.read_text().replace("\\", ""), html):
        assert order(text) == sorted(order(text))
    # As the gate report's scorecard: those with a target first (they came among the rest).
    with_target = [row.label for row in trend.rows if row.target is not None]
    assert with_target and labels[: len(with_target)] == with_target


def test_the_pages_right_align_numbers_and_head_the_builds_table(reports, tmp_path):
    """The HTML page set every cell left (a column of 92.9% under 100.0% did not read down
    its decimal points), and in both pages the builds table followed the KPIs without a word."""
    md, page = tmp_path / "t.md", tmp_path / "t.html"
    result = dbtgate("trend", *map(str, reports), "--md", str(md), "--html", str(page))
    assert result.returncode == 0, result.stderr
    html = page.read_text()
    tables = re.findall(r"<table>(.*?)</table>", html, re.S)
    assert len(tables) == 2
    right = {"first", "latest", "last move", "target", "#", "blocking"}
    for table in tables:
        headers = re.findall(r"<th( class=num)?>([^<]*)</th>", table)
        numeric = [bool(aligned) for aligned, _ in headers]
        assert numeric == [name in right for _, name in headers]
        rows = re.findall(r"<tr>(.*?)</tr>", table)[1:]
        assert rows
        for row in rows:
            cells = re.findall(r"<td(?: class=\"([^\"]*)\")?>", row)
            assert ["num" in names.split() for names in cells] == numeric
    assert re.search(r"</table>\s*<h2>Builds</h2>\s*<table>\s*<thead><tr><th class=num>#", html)
    # A move stays on one line on a phone (`↑ +2.5` / `pt` read as two cells).
    assert "td.num { text-align: right;" in html.replace("th.num, ", "")
    assert "white-space: nowrap; }" in html.split("td.num {")[1].split("\n")[0]
    text = md.read_text()
    assert "\n### Builds\n\n| # | built (UTC) | report | verdict | blocking | dbtgate |\n" in text
    assert "|---:|---|---|---|---:|---|" in text


def test_report_given_a_directory_says_which_file_to_give(reports, tmp_path):
    """`dbtgate report reports/` said `cannot read the gate report: [Errno 21] Is a directory:
    'reports'`: the path twice, in Python's words, and no way on."""
    run = tmp_path / "run-1"
    run.mkdir()
    (run / "gate.json").write_bytes(reports[0].read_bytes())
    for folder, way in ((run, f"give {run / 'gate.json'}"), (tmp_path, "give the file")):
        result = dbtgate("report", str(folder), "--out", str(tmp_path / "out"))
        assert result.returncode == 2
        assert result.stderr.startswith(
            f"dbtgate: error: {folder}: a directory, not a gate report: {way}"
        )
        assert result.stderr.count("\n") == 1 and "Errno" not in result.stderr


def test_a_note_wraps_under_its_own_text_on_a_narrow_terminal(reports):
    """At 50 columns a note's lines began at column 0, under "note:"."""
    out = printed(reports, 50)
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("note: change failure"))
    following = lines[start + 1 : start + 3]
    assert following and all(line.startswith("      ") and line.strip() for line in following)
    assert all(len(line) <= 50 for line in lines[start : start + 3])


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


PROFILES = """\
shop:
  target: dev
  outputs:
    dev: {{type: duckdb, path: "{path}"}}
"""


def build_without_catalog(project: Path, root: Path) -> Path:
    """A `dbt build` of `project` copied under `root`, with no `dbt docs generate` after it:
    its target/ holds a manifest and run results, and no catalog.json."""
    import os

    from dbtgate.base import find_dbt

    copy = root / "build-v1.2"
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns("target", "logs"))
    (root / "profiles.yml").write_text(PROFILES.format(path=(root / "v12.duckdb").as_posix()))
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_PROFILES_DIR": str(root)}
    done = subprocess.run(
        [find_dbt(os.environ), "build", "--project-dir", str(copy)],
        capture_output=True,
        text=True,
        env=env,
        cwd=copy,
    )
    # Exit 1: the fixture's pull request plants a failing test.
    assert done.returncode in (0, 1) and (copy / "target" / "run_results.json").is_file(), (
        done.stdout
    )
    assert not (copy / "target" / "catalog.json").exists()
    return copy / "target"


@pytest.fixture(scope="module")
def releases(shop_builds, tmp_path_factory) -> Path:
    """The gate reports of three releases, as CI keeps them (a folder a run, each with its
    gate.json): the fixture's base build gated at tag v1.0 of a real git repository, its pull
    request's build at tag v1.1 against it, and at tag v1.2 a build of the same project whose
    `dbt docs generate` was left out (no catalog.json) against v1.1's."""
    from dbtgate.fixture_build import assemble_project, fixtures_dir

    root = tmp_path_factory.mktemp("releases")
    repo, runs = root / "repo", root / "runs"
    git(root, "init", "-q", "-b", "main", str(repo))
    git(repo, "config", "user.email", "ci@example.com")
    git(repo, "config", "user.name", "CI")
    builds = {
        "v1.0": shop_builds.base / "target",
        "v1.1": shop_builds.pr / "target",
        "v1.2": build_without_catalog(shop_builds.pr, root),
    }
    for state, tag, base in (
        ("base", "v1.0", None),
        ("pr", "v1.1", "v1.0"),
        ("pr", "v1.2", "v1.1"),
    ):
        assemble_project(fixtures_dir(), state, repo)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "--allow-empty", "-m", f"release {tag}")
        git(repo, "tag", tag)
        against = ["--base", str(builds[base])] if base else []
        out = runs / tag
        args = ["--artifacts", str(builds[tag]), "--project-dir", str(repo), "--out", str(out)]
        done = dbtgate("check", "-q", *args, *against, "--format", "json", cwd=repo)
        assert done.returncode in (0, 1), done.stdout + done.stderr
    return runs


@pytest.mark.slow
def test_the_builds_of_a_release_history_are_named_by_their_tags_and_folders(releases):
    """Each CI run's folder holds a gate.json: given the folders, every build read
    `gate.json`, and nothing said which was v1.1. The builds table names each by the commit its
    report gated, with its tag, and each report by the folder it was given in."""
    repo = releases.parent / "repo"
    shas = {tag: git(repo, "rev-parse", tag)[:7] for tag in ("v1.0", "v1.1")}
    result = dbtgate("trend", str(releases / "v1.0"), str(releases / "v1.1"), cwd=releases)
    assert result.returncode == 0, result.stderr
    for number, tag in enumerate(("v1.0", "v1.1"), 1):
        row = table_row(result.stdout, f"{number} ")
        cells = [cell.strip() for cell in row.split("│")[1:-1]]
        assert cells[2:4] == [f"{tag} ({shas[tag]})", f"{releases / tag}/gate.json"]
    # One folder of runs names each report under it, as before.
    trend = load_trend([releases])
    assert [(b.commit, b.shown) for b in trend.builds][:2] == [
        (f"v1.0 ({shas['v1.0']})", "v1.0/gate.json"),
        (f"v1.1 ({shas['v1.1']})", "v1.1/gate.json"),
    ]


@pytest.mark.slow
def test_a_build_without_a_catalog_moves_no_column_kpi(releases):
    """v1.2's `dbt docs generate` was left out: its columns documented counts the columns
    declared in YAML alone, v1.1's the warehouse's too. The trend showed the difference as a
    move of the project's; the move is not compared, and a note says which build had no
    catalog."""
    result = dbtgate("trend", str(releases))
    assert result.returncode == 0, result.stderr
    for label in ("columns documented", "tier-1 columns documented"):
        cells = [cell.strip() for cell in table_row(result.stdout, label).split("│")[1:-1]]
        assert cells[4] == "not compared"
    assert "→ 0.0 pt" in table_row(result.stdout, "models documented")
    assert (
        "build 3 had no catalog.json: tier-1 columns documented and columns documented count "
        "there only the columns declared in YAML, in the other builds the warehouse's too; a "
        "move between them is not compared"
    ) in " ".join(result.stdout.split())
    # Between builds that both had one (v1.0, v1.1) the move is shown.
    two = dbtgate("trend", str(releases / "v1.0"), str(releases / "v1.1"))
    assert "not compared" not in two.stdout and "catalog" not in two.stdout
