"""The base build's KPIs, taken from the change (`dbtgate.status.kpi_base`), equal the base build
scored from scratch; the reports show them beside the pull request's."""

from __future__ import annotations

import copy
import html
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from cli_support import dbtgate
from corpus import corpus_dir
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_support import read_json, write_config
from test_diff_properties import builds, write
from test_report_json import schema_validator

from dbtgate.artifacts import load_artifacts
from dbtgate.checks import CheckContext
from dbtgate.config import Config
from dbtgate.gate import run_gate
from dbtgate.project import OwnerSettings, Project, TierSettings
from dbtgate.status.kpi import Tally, compute_scorecard, model_rows
from dbtgate.status.kpi_base import base_measures

PKG = "dbt_bouncer_test_project"
GROUP = {
    "name": "finance",
    "resource_type": "group",
    "package_name": PKG,
    "path": "groups.yml",
    "original_file_path": "models/groups.yml",
    "unique_id": f"group.{PKG}.finance",
    "owner": {"name": "Finance Analytics", "email": "finance@example.com"},
}


def load(directory: Path, tiers: TierSettings) -> Project:
    return Project.from_artifacts(load_artifacts(directory), None, tiers, OwnerSettings())


def from_scratch(base: Project) -> dict:
    scorecard = compute_scorecard(base, Config())
    tier1 = scorecard["by_tier"].get("1") or Tally().measures()  # no tier-1 model
    return {"overall": scorecard["overall"], "tier1": tier1}


def from_the_change(pr: Project, base: Project) -> dict:
    """The base's measures (without why some could not be taken, which `from_scratch` gives
    in its notes, nor the tests either run left out of the other's: these builds ran none)."""
    measured = base_measures(pr, base, model_rows(pr))
    assert measured.pop("tests_left_out") == (0, 0)
    assert measured.pop("tests_not_run_there") == 0
    del measured["unmeasured"]
    return measured


@pytest.mark.parametrize("default_tier", [1, 3])
def test_the_recce_pair_base_counts_as_scored_from_scratch(default_tier):
    tiers = TierSettings(("meta.tier", "tag"), default_tier)
    base = load(corpus_dir("recce-pair/base"), tiers)
    pr = load(corpus_dir("recce-pair/pr2"), tiers)
    measured = from_the_change(pr, base)
    assert measured["overall"] == from_scratch(base)["overall"]
    if default_tier == 1:
        assert measured["tier1"] == from_scratch(base)["tier1"]
    # The pull request adds two untested models: its own coverage is lower than its base's.
    assert measured["overall"]["test_coverage"]["denominator"] == 7


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(builds(), builds(), st.booleans())
def test_the_base_counted_from_the_change_is_the_base_scored_from_scratch(
    before: dict, after: dict, unchanged: bool
) -> None:
    """Over generated pairs of builds (models, versions, columns, contracts, tests, a partial
    catalog), and a build against itself: no model the change touched is taken as untouched."""
    with tempfile.TemporaryDirectory() as scratch:
        base = write(Path(scratch) / "base", before)
        pr = write(Path(scratch) / "pr", before if unchanged else after)
        assert from_the_change(pr, base) == from_scratch(base)


def model(data: dict, name: str) -> dict:
    return data["nodes"][f"model.{PKG}.{name}"]


def edited_pair(tmp_path: Path) -> tuple[Path, Path]:
    """The bouncer build as a base, and a pull request that touches each input of a model's
    counts: its description, its tests, its tier, its warehouse table alone (same record), its
    group's owner (same record), and models added and removed."""
    source = corpus_dir("bouncer-dbt112")
    base_dir, pr_dir = tmp_path / "base", tmp_path / "pr"
    shutil.copytree(source, base_dir)
    data = json.loads((source / "manifest.json").read_text())
    data["groups"] = {GROUP["unique_id"]: GROUP}
    model(data, "stg_customers")["group"] = "finance"
    model(data, "stg_customers")["config"]["group"] = "finance"
    (base_dir / "manifest.json").write_text(json.dumps(data))

    data["metadata"]["invocation_id"] = "00000000-0000-4000-8000-000000000001"  # another build
    model(data, "orders")["description"] = ""
    tests_on_int_model = [
        uid
        for uid, node in data["nodes"].items()
        if node["resource_type"] == "test"
        and node.get("attached_node") == f"model.{PKG}.int_model_1"
    ]
    assert tests_on_int_model
    for uid in tests_on_int_model:
        del data["nodes"][uid]
    model(data, "stg_payments")["meta"]["tier"] = 1
    model(data, "stg_payments")["config"]["meta"]["tier"] = 1
    data["groups"][GROUP["unique_id"]]["owner"] = {"name": None, "email": None}
    del data["nodes"][f"model.{PKG}.stg_orders"]
    added = copy.deepcopy(model(data, "orders"))
    added.update(unique_id=f"model.{PKG}.orders_copy", name="orders_copy", description="Copy.")
    data["nodes"][added["unique_id"]] = added
    shutil.copytree(source, pr_dir)
    (pr_dir / "manifest.json").write_text(json.dumps(data))

    catalog = json.loads((source / "catalog.json").read_text())
    table = catalog["nodes"][f"model.{PKG}.int_incremental"]
    table["columns"]["undocumented_column"] = {
        "name": "undocumented_column",
        "type": "INTEGER",
        "index": len(table["columns"]) + 1,
        "comment": None,
    }
    (pr_dir / "catalog.json").write_text(json.dumps(catalog))
    return base_dir, pr_dir


@pytest.mark.parametrize("default_tier", [1, 3])
def test_every_input_of_a_models_counts_is_seen_changed(tmp_path, default_tier):
    """Each edit moves a count in one build only; taking an edited model's counts from the
    pull request would make the base's figures the pull request's."""
    tiers = TierSettings(("meta.tier", "tag"), default_tier)
    base_dir, pr_dir = edited_pair(tmp_path)
    base, pr = load(base_dir, tiers), load(pr_dir, tiers)
    measured, expected = from_the_change(pr, base), from_scratch(base)
    assert measured["overall"] == expected["overall"]
    assert measured["tier1"] == expected["tier1"]
    # The edits did move the pull request's own figures.
    assert compute_scorecard(pr, Config())["overall"] != expected["overall"]


def test_check_with_a_base_shows_how_the_change_moved_each_kpi(tmp_path):
    edited_pair(tmp_path)
    write_config(
        tmp_path,
        """\
        version: 1
        kpi:
          targets: {test_coverage: 0.8, docs_models: 0.9}
        """,
    )
    result = dbtgate(
        "check",
        "--artifacts",
        "pr",
        "--base",
        "base",
        "--out",
        "reports",
        "--format",
        "json,md",
        cwd=tmp_path,
    )
    assert result.returncode in (0, 1), result.stderr
    report = read_json(tmp_path / "reports" / "gate.json")
    schema_validator().validate(report)  # `base` is in the report's schema
    scorecard = report["sections"]["kpis"]["scorecard"]
    covered = scorecard["test_coverage"]
    assert covered["base"]["denominator"] == covered["denominator"]  # one added, one removed
    # int_model_1 lost its tests, the copy of orders has none (tests are on the original)
    assert covered["base"]["numerator"] == covered["numerator"] + 2
    markdown = (tmp_path / "reports" / "gate.md").read_text()
    assert "| KPI | value | count | target | status | vs base build |" in markdown
    was = covered["base"]
    drop = 100 * (was["value"] - covered["value"])
    assert f"-{drop:.1f} pt from 100.0% (14/14)" in markdown
    assert "vs base build" in " ".join(result.stdout.split())

    # Without a base build, no column for it.
    result = dbtgate("check", "--artifacts", "pr", "--out", "alone", "--format", "md", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    assert "vs base build" not in (tmp_path / "alone" / "gate.md").read_text()
    assert "vs base build" not in result.stdout


def test_a_kpi_left_without_a_base_figure_is_said_once_in_the_notes(tmp_path):
    """The empty "vs base build" cell of the test pass rate (a base read with --base has no
    run_results.json) read as a bug without a word why."""
    base_dir, pr_dir = edited_pair(tmp_path)
    results = json.loads((pr_dir / "run_results.json").read_text())
    results["args"]["which"] = "build"  # the corpus' results are of `dbt docs generate`
    (pr_dir / "run_results.json").write_text(json.dumps(results))
    (base_dir / "run_results.json").unlink()
    (base_dir / "catalog.json").unlink()
    tiers = TierSettings(("meta.tier", "tag"), 3)
    base, pr = load(base_dir, tiers), load(pr_dir, tiers)
    context = CheckContext(project=pr, config=Config(), base=base, changed=set())
    notes = run_gate(context, families={"kpi"}).sections["kpis"]["notes"]
    compared = [note for note in notes if note.startswith("vs base build:")]
    assert compared == [
        "vs base build: columns documented, tier-1 columns documented not compared: one build "
        "has a catalog.json and the other not, so their columns are not counted alike",
        "vs base build: test pass rate, tier-1 test pass rate not compared: the base build has "
        "no run_results.json",
        "vs base build: tier-1 test coverage, tier-1 primary key tested, tier-1 models "
        "documented, tier-1 owner coverage, tier-1 contracts not compared: no data in the base "
        "build (none of its models is counted there)",
    ]


# A gated test pass rate under `scope: changed`: blocking only when the change lowered it.
GATED_PASS_RATE = """\
version: 1
scope: changed
kpi:
  targets: {test_pass_rate: 0.99}
  gate: [test_pass_rate]
"""


def ran_the_tests(directory: Path, failing: int = 0) -> None:
    """The build's run_results.json as of a `dbt build` whose first `failing` tests failed (the
    corpus' results are of `dbt docs generate`, which ran nothing)."""
    path = directory / "run_results.json"
    results = json.loads(path.read_text())
    results["args"]["which"] = "build"
    tests = [result for result in results["results"] if result["unique_id"].startswith("test.")]
    for index, result in enumerate(tests):
        result["status"] = "fail" if index < failing else "pass"
        result["failures"] = 1 if index < failing else 0
    path.write_text(json.dumps(results))


def test_a_gated_test_pass_rate_blocks_only_when_the_change_lowers_it(tmp_path):
    """The base build's run_results.json gives the test pass rate a base figure: a rate below
    its target that the base had already is legacy debt (outside the change), one the change
    lowered blocks."""
    base_dir, pr_dir = edited_pair(tmp_path)
    write_config(tmp_path, GATED_PASS_RATE)

    def kpi_finding() -> dict:
        result = dbtgate(
            *("check", "--artifacts", "pr", "--base", "base", "--out", "reports"),
            *("--format", "json"),
            cwd=tmp_path,
        )
        assert result.returncode in (0, 1), result.stderr
        report = read_json(tmp_path / "reports" / "gate.json")
        (finding,) = [f for f in report["findings"] if f["code"] == "kpi.test_pass_rate"]
        return finding

    ran_the_tests(base_dir, failing=1)
    ran_the_tests(pr_dir, failing=1)
    finding = kpi_finding()
    assert finding["details"]["base"]["numerator"] == finding["details"]["base"]["denominator"] - 1
    assert "in the base build: not lowered by this change" in finding["message"]
    assert finding["disposition"] == "out_of_scope"

    ran_the_tests(pr_dir, failing=2)
    finding = kpi_finding()
    assert "in the base build: this change lowers it" in finding["message"]
    assert finding["disposition"] == "blocking"


def slim_run(directory: Path, keep: int) -> list[str]:
    """The build's run_results.json as of a slim CI run that tested its first `keep` tests only
    (the others deferred, as `--select state:modified+` leaves them); the tests it left out."""
    path = directory / "run_results.json"
    results = json.loads(path.read_text())
    tests = [r["unique_id"] for r in results["results"] if r["unique_id"].startswith("test.")]
    left_out = set(tests[keep:])
    results["results"] = [r for r in results["results"] if r["unique_id"] not in left_out]
    path.write_text(json.dumps(results))
    return sorted(left_out)


def same_project(base_dir: Path, pr_dir: Path) -> None:
    """The pull request's build as another build of the base's project, unchanged."""
    data = json.loads((base_dir / "manifest.json").read_text())
    data["metadata"]["invocation_id"] = "00000000-0000-4000-8000-000000000001"
    (pr_dir / "manifest.json").write_text(json.dumps(data))


def test_a_slim_run_is_compared_on_the_tests_both_runs_ran(tmp_path):
    """A pull request's slim CI run tests part of the project, main's build all of it: the base
    build's pass rate is taken on the tests both ran, so a test failing in both is not the
    change lowering the rate (on all the base's tests it was 98.0% against this run's 66.7%)."""
    base_dir, pr_dir = edited_pair(tmp_path)
    write_config(tmp_path, GATED_PASS_RATE)
    edited = (pr_dir / "manifest.json").read_text()
    same_project(base_dir, pr_dir)  # first
    ran_the_tests(base_dir, failing=1)
    ran_the_tests(pr_dir, failing=1)
    left_out = slim_run(pr_dir, keep=3)
    assert len(left_out) > 10

    def check() -> dict:
        result = dbtgate(
            *("check", "--artifacts", "pr", "--base", "base", "--out", "reports"),
            *("--format", "json,md,html"),
            cwd=tmp_path,
        )
        assert result.returncode in (0, 1), result.stderr
        nonlocal console
        console = result.stdout
        return read_json(tmp_path / "reports" / "gate.json")

    console = ""
    report = check()
    entry = report["sections"]["kpis"]["scorecard"]["test_pass_rate"]
    assert (entry["numerator"], entry["denominator"]) == (2, 3)
    assert entry["base"] == {"value": 2 / 3, "numerator": 2, "denominator": 3}
    (finding,) = [f for f in report["findings"] if f["code"] == "kpi.test_pass_rate"]
    assert "in the base build: not lowered by this change" in finding["message"]
    assert finding["disposition"] == "out_of_scope"
    (note,) = [n for n in report["sections"]["kpis"]["notes"] if "left out:" in n]
    assert note == (
        "vs base build: test pass rate compared without the tests this build's run left out: "
        f"this build's run did not run {len(left_out)} tests that the base build's ran (a run of part of the project, "
        "as slim CI's `dbt build --select state:modified+`), which its base figure leaves out"
    )
    # Under the scorecard, where its "vs base build" column is read, in every report.
    assert f"note: {note}" in " ".join(console.split())
    markdown = (tmp_path / "reports" / "gate.md").read_text()
    targets = markdown.split("#### KPIs vs targets")[1].split("<details>")[0]
    assert f"- note: {note}\n" in targets
    page = (tmp_path / "reports" / "gate.html").read_text()
    scorecard = page.split('<section id="kpis">')[1].split("</table>", 1)[1]
    # (a command's option on one line: the page broke it as `-` / `-select`)
    code = '<code>dbt build <span class="opt">--select</span> state:modified+</code>'
    escaped = html.escape(note).replace("`dbt build --select state:modified+`", code)
    assert scorecard.startswith(f'<p class="meta">note: {escaped}</p>')
    assert (
        page.count(html.escape("compared without the tests this build's run left out")) == 1
    )  # not in the notes table too

    # A test this run ran failing where the base passed it is the change's.
    ran_the_tests(pr_dir, failing=2)
    slim_run(pr_dir, keep=3)
    (finding,) = [f for f in check()["findings"] if f["code"] == "kpi.test_pass_rate"]
    assert "66.7% (2/3) in the base build: this change lowers it" in finding["message"]
    assert finding["disposition"] == "blocking"

    # Tests the change removed are the change's: the base still counts them.
    (pr_dir / "manifest.json").write_text(edited)
    removed = set(json.loads((base_dir / "manifest.json").read_text())["nodes"]) - set(
        json.loads(edited)["nodes"]
    )
    removed_tests = [uid for uid in removed if uid.startswith("test.")]
    assert removed_tests and not set(removed_tests) & set(slim_run(pr_dir, keep=3))
    base_figure = check()["sections"]["kpis"]["scorecard"]["test_pass_rate"]["base"]
    assert base_figure["denominator"] == 3 + len(removed_tests)


def test_a_base_built_by_a_run_of_part_of_the_project_is_not_compared(tmp_path):
    """main deployed by a slim run tested part of the project, this pull request's run all of
    it: the base's pass rate is of fewer tests (here 100% of 3, where this run fails one of
    the others), so the two are not compared, and a gated rate below its target is this
    change's to answer for, as without a base figure."""
    base_dir, pr_dir = edited_pair(tmp_path)
    write_config(tmp_path, GATED_PASS_RATE)
    same_project(base_dir, pr_dir)
    ran_the_tests(base_dir)
    whole_run = (base_dir / "run_results.json").read_text()
    tests = slim_run(base_dir, keep=3)
    ran_the_tests(pr_dir)
    results = json.loads((pr_dir / "run_results.json").read_text())
    failing = next(r for r in results["results"] if r["unique_id"] == tests[0])
    failing["status"], failing["failures"] = "fail", 1
    (pr_dir / "run_results.json").write_text(json.dumps(results))
    result = dbtgate(
        *("check", "--artifacts", "pr", "--base", "base", "--json", "gate.json"), cwd=tmp_path
    )
    assert result.returncode == 1, result.stderr
    report = read_json(tmp_path / "gate.json")
    entry = report["sections"]["kpis"]["scorecard"]["test_pass_rate"]
    assert entry["numerator"] == entry["denominator"] - 1 and "base" not in entry
    assert (
        f"vs base build: test pass rate not compared: the base build's run did not run "
        f"{len(tests)} tests that this build's ran (a run of part of the project, as a slim "
        "`dbt build --select state:modified+`), so its pass rate is not of the same tests"
    ) in report["sections"]["kpis"]["notes"]
    (finding,) = [f for f in report["findings"] if f["code"] == "kpi.test_pass_rate"]
    assert "in the base build" not in finding["message"]
    assert finding["disposition"] == "blocking"
    # A base run of the whole project: compared, and the failing test is the change's.
    (base_dir / "run_results.json").write_text(whole_run)
    result = dbtgate(
        *("check", "--artifacts", "pr", "--base", "base", "--json", "gate.json"), cwd=tmp_path
    )
    report = read_json(tmp_path / "gate.json")
    entry = report["sections"]["kpis"]["scorecard"]["test_pass_rate"]
    assert entry["base"]["numerator"] == entry["base"]["denominator"] == entry["denominator"]
    assert not [n for n in report["sections"]["kpis"]["notes"] if "not compared" in n]
    (finding,) = [f for f in report["findings"] if f["code"] == "kpi.test_pass_rate"]
    assert "in the base build: this change lowers it" in finding["message"]


def test_a_test_this_run_skipped_is_left_out_of_the_base_figure_too(tmp_path):
    """A test skipped after an upstream failure is not in this run's pass rate: nor in the
    base's it is compared with."""
    base_dir, pr_dir = edited_pair(tmp_path)
    same_project(base_dir, pr_dir)
    ran_the_tests(base_dir, failing=1)
    ran_the_tests(pr_dir)
    results = json.loads((pr_dir / "run_results.json").read_text())
    tests = [r for r in results["results"] if r["unique_id"].startswith("test.")]
    tests[0]["status"] = "skipped"  # the one the base failed
    (pr_dir / "run_results.json").write_text(json.dumps(results))
    tiers = TierSettings(("meta.tier", "tag"), 3)
    base, pr = load(base_dir, tiers), load(pr_dir, tiers)
    context = CheckContext(project=pr, config=Config(), base=base, changed=set())
    kpis = run_gate(context, families={"kpi"}).sections["kpis"]
    entry = kpis["scorecard"]["test_pass_rate"]
    assert entry["base"] == {
        "value": 1.0,
        "numerator": len(tests) - 1,
        "denominator": len(tests) - 1,
    }
    assert (
        "vs base build: test pass rate compared without the tests this build's run left out: "
        "this build's run skipped 1 test that the base build's ran, which its base figure leaves "
        "out"
    ) in kpis["notes"]


def test_when_the_base_ran_none_of_this_runs_tests_the_note_says_so(tmp_path):
    base_dir, pr_dir = edited_pair(tmp_path)
    same_project(base_dir, pr_dir)
    for directory, keep in ((base_dir, 1), (pr_dir, 2)):
        ran_the_tests(directory)
        slim_run(directory, keep)
    results = json.loads((pr_dir / "run_results.json").read_text())
    first = next(r for r in results["results"] if r["unique_id"].startswith("test."))
    results["results"].remove(first)  # this run ran the second test, the base's the first
    (pr_dir / "run_results.json").write_text(json.dumps(results))
    tiers = TierSettings(("meta.tier", "tag"), 3)
    base, pr = load(base_dir, tiers), load(pr_dir, tiers)
    context = CheckContext(project=pr, config=Config(), base=base, changed=set())
    notes = run_gate(context, families={"kpi"}).sections["kpis"]["notes"]
    assert (
        "vs base build: test pass rate not compared: the base build's run ran none of the tests "
        "this build's run ran"
    ) in notes


def test_the_diff_reads_of_the_base_build_only_what_it_compares(tmp_path):
    """`dbtgate diff` compares manifests and catalogs: a base whose run_results.json it does not
    need cannot stop it; `check` reads that file (for the KPIs' base figures) and names it."""
    base_dir, _ = edited_pair(tmp_path)
    (base_dir / "run_results.json").write_text('{"results": [')
    diff = dbtgate("diff", "--artifacts", "pr", "--base", "base", cwd=tmp_path)
    assert diff.returncode in (0, 1), diff.stderr
    check = dbtgate("check", "--artifacts", "pr", "--base", "base", "--out", "out", cwd=tmp_path)
    assert check.returncode == 2
    assert "base/run_results.json" in check.stderr
    assert "Traceback" not in check.stderr


@pytest.mark.slow
def test_the_fixture_pr_compares_its_pass_rate_and_freshness_with_the_base_build(
    shop_builds, tmp_path
):
    """dbt's own run_results.json and sources.json of both builds: the pull request's planted
    failing test lowers the pass rate (blocking); the source planted stale is stale in the base
    build too, so a gated freshness KPI is the project's debt, not the change's."""
    config = write_config(
        tmp_path,
        """\
        version: 1
        scope: changed
        kpi:
          gate: [test_pass_rate, freshness]
        """,
    )
    result = dbtgate(
        *("check", "--config", str(config), "--artifacts", "target"),
        *("--base", str(shop_builds.base / "target")),
        *("--out", str(tmp_path / "out"), "--format", "json"),
        cwd=shop_builds.pr,
    )
    assert result.returncode == 1, result.stderr
    report = read_json(tmp_path / "out" / "gate.json")
    scorecard = report["sections"]["kpis"]["scorecard"]
    assert scorecard["test_pass_rate"]["base"]["value"] == 1.0
    assert scorecard["freshness"]["base"] == {
        key: scorecard["freshness"][key] for key in ("value", "numerator", "denominator")
    }
    dispositions = {
        finding["code"]: finding["disposition"]
        for finding in report["findings"]
        if finding["family"] == "kpi"
    }
    assert dispositions == {"kpi.test_pass_rate": "blocking", "kpi.freshness": "out_of_scope"}
    assert not any("vs base build" in note for note in report["sections"]["kpis"]["notes"])
