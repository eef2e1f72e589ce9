"""`dbtgate demo` as a newcomer runs it: the fixture gated, every report written and listed.

The demo builds into the directory the session's fixture builds live in (DBTGATE_FIXTURE_CACHE or
the session's tmp), so the dbt builds are reused, not repeated; the reports are written afresh.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from cli_support import first_line_then_gone, plain_env, run_dbtgate

from dbtgate.fixture_build import install_hint
from dbtgate.report.json_report import load_report
from dbtgate.report.render import FORMATS


@pytest.mark.slow
def test_demo_writes_every_report_format_and_says_where(shop_builds) -> None:
    workdir = shop_builds.pr.parent.parent
    reports = workdir / "reports"
    shutil.rmtree(reports, ignore_errors=True)
    result = run_dbtgate(
        "demo",
        "--dir",
        str(workdir),
        env=plain_env(COLUMNS="300", DBT_SEND_ANONYMOUS_USAGE_STATS="false"),
    )
    # The planted problems fail the gate; the demo itself worked.
    assert result.returncode == 0, result.stderr
    assert "The gate failed on the problems planted" in result.stdout
    # ... and how to see the gate answer a change of one's own (`fixture_build` rebuilds edits).
    assert f"run `dbtgate demo --dir {workdir.resolve()}` again" in " ".join(result.stdout.split())
    assert "Traceback" not in result.stderr
    listed = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  /")]
    assert listed == [str(reports / fmt.filename) for fmt in FORMATS.values()]
    assert listed[:2] == [str(reports / "gate.md"), str(reports / "gate.html")]
    assert "open it in a browser" in result.stdout
    # Said once, by those paths: the check's own line named them again, from the pull
    # request's folder (`reports: ../../reports/gate.md, ...`), where its reader is not.
    assert f"reports:              {reports.resolve()}\n" in result.stdout
    assert not re.search(r"^reports: \S", result.stdout, re.M), result.stdout[-2_000:]
    assert "../../reports/" not in result.stdout  # the command shown has `--out ../../reports`
    for fmt in FORMATS.values():
        assert result.stdout.count(fmt.filename) == 1, fmt.filename
    # What the pull request plants, beside the builds, for the reader of the reports.
    guide = workdir.resolve() / "README.md"
    assert f"what the PR plants:   {guide}" in result.stdout
    text = guide.read_text()
    assert text.startswith("# dbtgate demo: what the pull request plants\n")
    assert "## Deliberate gaps in the base" in text and "## The pull request" in text
    assert f"run `dbtgate demo --dir {workdir.resolve()}` again" in text
    # Not the fixture's notes for dbtgate's developers (keep the file exact, renumber lines).
    assert "Keep this file exact" not in text and "## Project layout" not in text
    # Nor its asides on which test checks a line (marked `<!-- developers -->` there).
    assert "tests/" not in text and "builder" not in text and "<!--" not in text
    assert "lists 10 changes:" in text
    for path in listed:
        assert (reports / path.rsplit("/", 1)[1]).stat().st_size > 0, path
    report = load_report(reports / "gate.json")
    assert report["verdict"] == "fail"
    assert (reports / "gate.md").read_text().startswith("### dbtgate: FAIL")
    assert "Breaking changes and impact" in (reports / "gate.html").read_text()
    # Run from the PR's project folder, with the command an engineer would type there; findings
    # name files as the repository does, not by their temporary path.
    assert f"  cd {shop_builds.pr.resolve()}\n  dbtgate check --base ../../base/project/target" in (
        result.stdout
    )
    paths = {f["path"] for f in report["findings"] if f["path"]}
    assert "models/marts/_marts.yml" in paths
    assert not [path for path in paths if path.startswith("/")]


def test_the_install_hint_names_the_pypi_extra_outside_a_checkout(tmp_path):
    installed = tmp_path / "site-packages" / "dbtgate"
    installed.mkdir(parents=True)
    assert install_hint(installed) == ('install dbt with dbt-duckdb: pip install "dbtgate[duckdb]"')
    checkout = tmp_path / "dbtgate-src"
    (checkout / "dbtgate").mkdir(parents=True)
    (checkout / "fixtures").mkdir()
    (checkout / "pyproject.toml").write_text("[project]\nname = 'dbtgate'\n")
    assert install_hint(checkout / "dbtgate") == (
        f'install dbt with dbt-duckdb: pip install -e "{checkout}[duckdb]"'
    )


def test_a_file_given_as_the_demo_directory_is_one_line_and_exit_2(tmp_path):
    taken = tmp_path / "notes.txt"
    taken.write_text("mine\n")
    result = run_dbtgate("demo", "--dir", str(taken), env=plain_env())
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"dbtgate: error: --dir {taken}: is a file; give a directory for the demo's builds"
    ]
    assert taken.read_text() == "mine\n"


def test_a_directory_of_ones_own_is_not_written_into(tmp_path):
    """`dbtgate demo --dir .` in a repository would write the demo's README.md over its own."""
    mine = tmp_path / "repo"
    mine.mkdir()
    (mine / "README.md").write_text("# my project\n")
    result = run_dbtgate("demo", "--dir", ".", cwd=mine, env=plain_env())
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "dbtgate: error: --dir .: not empty, and not a directory `dbtgate demo` made (it writes "
        "base/, pr/, reports/ and README.md there): give a new or empty directory"
    ]
    assert sorted(path.name for path in mine.iterdir()) == ["README.md"]
    assert (mine / "README.md").read_text() == "# my project\n"


def _demo(workdir) -> subprocess.CompletedProcess:
    return run_dbtgate(
        "demo",
        "--dir",
        str(workdir),
        env=plain_env(
            PATH=f"{sys.executable.rsplit('/', 1)[0]}:/usr/bin:/bin",
            COLUMNS="300",
            DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        ),
    )


@pytest.mark.slow
def test_the_demo_read_by_head_still_writes_its_reports_and_exits_0(shop_builds) -> None:
    """`dbtgate demo | head -1`: the reader leaves after the first line; the demo goes on
    unheard, gates the pull request and writes every report, and exits 0 as it does when read
    whole (it exited 1 with the work half done, failing a script under pipefail)."""
    workdir = shop_builds.pr.parent.parent
    reports = workdir / "reports"
    shutil.rmtree(reports, ignore_errors=True)
    env = plain_env(COLUMNS="120", DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    line, code, stderr = first_line_then_gone(["demo", "--dir", str(workdir)], workdir, env)
    assert line.startswith("Building the demo project's"), line
    assert (code, stderr) == (0, "")
    for report in FORMATS.values():
        assert (reports / report.filename).stat().st_size > 0, report.filename
    assert load_report(reports / "gate.json")["verdict"] == "fail"


@pytest.mark.slow
def test_the_demo_of_ones_own_edits_speaks_of_them_and_leaves_no_stale_report(tmp_path):
    """A newcomer edits the demo's pull request: an edit that fails to build leaves no report
    of the run before (it was read as this run's verdict), and a gated edit is said to be
    theirs, not only the problems the fixture plants."""
    workdir = tmp_path / "demo"
    first = _demo(workdir)
    assert first.returncode == 0, first.stderr
    assert "The gate failed on the problems planted" in first.stdout
    # Each build's lines name it in the demo's words (they said "fixture base", "fixture pr").
    said = " ".join(first.stdout.split())
    for build in ("the base build (the main branch)", "the pull request build"):
        for command in ("build", "docs generate", "source freshness"):
            assert f"{build}: dbt {command} exited" in said
    assert not re.search(r"fixture (base|pr)", said)
    reports = workdir / "reports"
    assert (reports / "gate.html").is_file()

    models = workdir / "pr" / "project" / "models"
    (models / "broken.sql").write_text("select * from {{ ref('does_not_exist') }}\n")
    broken = _demo(workdir)
    assert broken.returncode == 2
    assert "does_not_exist" in broken.stderr
    assert broken.stderr.startswith(
        "dbtgate: error: the pull request build: `dbt build` failed with exit code"
    )
    assert not [path.name for path in reports.iterdir() if path.is_file()]

    (models / "broken.sql").unlink()
    marts = models / "marts" / "dim_products.sql"
    marts.write_text(marts.read_text() + "\n-- an edit of one's own\n")
    edited = _demo(workdir)
    assert edited.returncode == 0, edited.stderr
    said = " ".join(edited.stdout.split())
    assert "The gate failed on the pull request as you edited it: your edits, and what" in said
    assert "The gate failed on the problems planted" not in said
    assert (reports / "gate.html").is_file()
