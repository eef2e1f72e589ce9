"""A run of part of the project, or results older than the manifest, is said beside the verdict.

A release manager reads the verdict first: a PASS over a run_results.json that has results for
12 of 15 models read as a pass of all 15, and results written days before the manifest were a
`run.stale_results` warning among the findings. Each is one `partly_checked` line (gate.json),
beside the verdict in the console, gate.md (the PR comment) and gate.html, saying what it means
for the verdict.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
from cli_support import dbtgate
from corpus import corpus_dir

from dbtgate.report.json_report import report_schema
from dbtgate.report.markdown import render_markdown
from dbtgate.report.options import RenderOptions

# The dbt 1.9 `dbt build` pair in schema-versions/: manifest and run_results of one invocation,
# a result for each of its 36 models and 20 tests.
MANIFEST = "manifest_v12_dbt1.9.json"
RESULTS = "run_results_v6.json"
PARTIAL = (
    "run status covers 33 of 36 models and 18 of 20 tests: run_results.json (of `dbt build`) "
    "has no result for the others, so the verdict does not say whether they build and pass"
)


def build_copy(tmp_path: Path, drop: int = 0, drop_tests: int = 0) -> Path:
    """The pair in `tmp_path/target`, without the results of its first `drop` models and
    `drop_tests` tests: the run of part of the project (`dbt build --select`)."""
    source = corpus_dir("schema-versions")
    target = tmp_path / "target"
    target.mkdir()
    shutil.copyfile(source / MANIFEST, target / "manifest.json")
    results = json.loads((source / RESULTS).read_text())
    models = [r["unique_id"] for r in results["results"] if r["unique_id"].startswith("model.")]
    tests = [r["unique_id"] for r in results["results"] if r["unique_id"].startswith("test.")]
    left_out = {*models[:drop], *tests[:drop_tests]}
    results["results"] = [r for r in results["results"] if r["unique_id"] not in left_out]
    (target / "run_results.json").write_text(json.dumps(results))
    return target


def check(tmp_path: Path, artifacts: Path, *options: str) -> tuple[str, dict, str, str]:
    """`dbtgate check` of `artifacts` writing every report: its console output, gate.json,
    gate.md and gate.html."""
    out = tmp_path / "reports"
    result = dbtgate(
        "check", "--artifacts", str(artifacts), *options, "--out", str(out),
        "--format", "md,html,json", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stdout + result.stderr
    report = json.loads((out / "gate.json").read_text())
    jsonschema.validate(report, report_schema())
    return result.stdout, report, (out / "gate.md").read_text(), (out / "gate.html").read_text()


def foot(stdout: str) -> list[str]:
    """The console's lines under the findings, up to the verdict: what it is read beside."""
    lines = stdout.splitlines()
    end = next(i for i, line in enumerate(lines) if line.startswith("dbtgate: "))
    start = max(i for i, line in enumerate(lines[:end]) if not line.startswith(("not ", "partly")))
    return lines[start + 1 : end + 1]


def test_a_run_of_every_model_and_test_says_nothing_of_coverage(tmp_path) -> None:
    stdout, report, markdown, _ = check(tmp_path, build_copy(tmp_path))
    assert not [note for note in report["notes"] if "run status" in note]
    assert "run status" not in stdout and "run status" not in markdown


def test_a_partial_run_is_said_beside_the_verdict_in_every_report(tmp_path) -> None:
    stdout, report, markdown, page = check(tmp_path, build_copy(tmp_path, drop=3, drop_tests=2))
    assert report["partly_checked"] == [PARTIAL]
    assert PARTIAL in report["notes"]  # the audit trail keeps it, as every partly_checked note
    *_, said, verdict = foot(stdout)
    assert said == f"partly checked: {PARTIAL}" and verdict.startswith("dbtgate: PASS")
    head = markdown.split("\n#### ", 1)[0]
    assert f"> **partly checked:** {PARTIAL}\n" in head
    header = page.split("</header>", 1)[0]
    shown = PARTIAL.replace("`dbt build`", "<code>dbt build</code>")
    assert f'<p class="not-checked"><b>partly checked:</b> {shown}</p>' in header


def test_only_what_the_run_left_out_is_counted(tmp_path) -> None:
    _, report, _, _ = check(tmp_path, build_copy(tmp_path, drop_tests=20))
    (note,) = report["partly_checked"]
    assert note.startswith("run status covers 0 of 20 tests: run_results.json (of `dbt build`)")


def test_a_check_of_what_the_run_built_is_not_partial(tmp_path) -> None:
    """`dbt build --select x` then `dbtgate check --select x`: the verdict is of x, all run."""
    target = build_copy(tmp_path, drop=3, drop_tests=2)
    manifest = json.loads((target / "manifest.json").read_text())
    results = json.loads((target / "run_results.json").read_text())
    ran = {r["unique_id"] for r in results["results"]}
    tests_on: dict[str, set[str]] = {}
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] == "test" and node.get("attached_node"):
            tests_on.setdefault(node["attached_node"], set()).add(uid)
    # A model of the project that was built, with tests that all ran.
    name = min(
        node["name"]
        for uid, node in manifest["nodes"].items()
        if uid.startswith("model.jaffle_shop.") and uid in ran and tests_on.get(uid, {""}) <= ran
    )
    _, report, _, _ = check(tmp_path, target, "--select", name)
    assert not [note for note in report["partly_checked"] if note.startswith("run status")]
    _, report, _, _ = check(tmp_path, target)
    assert report["partly_checked"] == [PARTIAL]


def test_the_pr_comment_says_it_within_its_limit_or_counts_it(tmp_path) -> None:
    """The comment's room for what is partly checked is the warnings' share of its limit, or
    the room of its first line when that is more (up to 30% of it): comments of 2,000 and
    4,000 characters have room for the line (under 2,750 it was "1 note not shown here"), one
    of 1,000 counts it as not shown."""
    _, report, _, _ = check(tmp_path, build_copy(tmp_path, drop=3, drop_tests=2))
    for size in (2_000, 4_000):
        comment = render_markdown(report, RenderOptions(max_markdown_chars=size))
        assert len(comment) <= size
        assert f"> **partly checked:** {PARTIAL}\n" in comment.split("\n#### ", 1)[0]
        assert "not shown here" not in comment.split("\n#### ", 1)[0]
    comment = render_markdown(report, RenderOptions(max_markdown_chars=1000))
    assert len(comment) <= 1000 and "run status" not in comment
    assert "- … 1 note not shown here: see the HTML report" in comment


def test_results_days_older_than_the_manifest_are_said_beside_the_verdict(tmp_path) -> None:
    build = corpus_dir("ticketswap-dbt19")
    stdout, report, markdown, page = check(tmp_path, build)
    (finding,) = [f for f in report["findings"] if f["code"] == "run.stale_results"]
    days = finding["details"]["gap_seconds"] / 86400
    said = (
        f"run status may be out of date: run_results.json was written {days:.1f} days before "
        "the manifest (run.stale_results), so the passes and failures it records may be of code "
        "changed since"
    )
    assert report["partly_checked"] == [said]
    assert foot(stdout)[-2:-1] == [f"partly checked: {said}"]
    assert f"> **partly checked:** {said}\n" in markdown.split("\n#### ", 1)[0]
    assert re.search(
        rf'<p class="not-checked"><b>partly checked:</b> {re.escape(said)}</p>',
        page.split("</header>", 1)[0],
    )


def test_results_naming_nodes_the_manifest_lacks_say_so_in_short(tmp_path) -> None:
    target = build_copy(tmp_path)
    results = json.loads((target / "run_results.json").read_text())
    results["metadata"]["invocation_id"] = "another-invocation"
    results["results"][0]["unique_id"] = "model.jaffle_shop.renamed_since"
    (target / "run_results.json").write_text(json.dumps(results))
    _, report, _, _ = check(tmp_path, target)
    stale = [note for note in report["partly_checked"] if "out of date" in note]
    assert stale == [
        "run status may be out of date: run_results.json has 1 result for nodes this manifest "
        "does not have (run.stale_results), so the passes and failures it records may be of "
        "code changed since"
    ]


@pytest.mark.slow
def test_a_pull_requests_partial_run_says_each_changed_model_is_among_those_run(
    shop_builds, tmp_path
) -> None:
    """The usual `dbt build --select state:modified+` of a pull request: the models it left out
    are not the change's, which the line says; leaving out a changed one is no such run."""
    pr, base = shop_builds.pr, shop_builds.base / "target"
    manifest = json.loads((pr / "target" / "manifest.json").read_text())
    unchanged = "model.shop.stg_customers"  # the pull request does not touch it
    assert unchanged in manifest["nodes"]
    for name, uid in (("unchanged", unchanged), ("changed", "model.shop.customer_ltv")):
        target = tmp_path / name / "target"
        shutil.copytree(pr / "target", target)
        results = json.loads((target / "run_results.json").read_text())
        results["results"] = [r for r in results["results"] if r["unique_id"] != uid]
        (target / "run_results.json").write_text(json.dumps(results))
        out = tmp_path / name / "reports"
        result = dbtgate(
            "check", "--artifacts", str(target), "--base", str(base), "--json",
            str(out / "gate.json"), cwd=pr,
        )  # fmt: skip
        assert result.returncode == 1, result.stdout + result.stderr
        report = json.loads((out / "gate.json").read_text())
        (note,) = [n for n in report["partly_checked"] if n.startswith("run status")]
        models = sum(
            n["resource_type"] == "model"
            and n["config"].get("materialized") != "ephemeral"
            and n["config"].get("enabled", True)
            for n in manifest["nodes"].values()
        )
        covers = f"run status covers {models - 1} of {models} models"
        if name == "unchanged":
            assert note.startswith(f"{covers}, each changed one among them: run_results.json")
        else:
            assert note.startswith(f"{covers}: run_results.json")
            assert [f for f in report["findings"] if f["code"] == "run.not_run"]
