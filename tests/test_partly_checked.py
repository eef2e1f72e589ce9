"""What the verdict covers in part only is said beside it, in every report.

A policy whose `select:` matches nothing, or a gated KPI without data, checks nothing the team
believes is checked: in the audit trail alone (the notes at the top of a long CI log, the foot
of gate.md and gate.html) a PASS read as a pass of them. They are `partly_checked` in gate.json
(and still in its `notes`), beside the verdict in the console, the PR comment and gate.html.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from cli_support import dbtgate
from corpus import CORPUS
from policy_support import manifest_only_copy, write_config

from dbtgate.report.json_report import report_schema

BOUNCER = CORPUS / "bouncer-dbt112"
# The selector comes from the pull request's dbtgate.yml: markup in it is text in every report.
TYPO = "tag:<b>critcal</b>"
EMPTY = f"dbtgate.yml:3: policy select '{TYPO}' selects no resources, so its rules checked nothing"
KPI = "kpi.test_pass_rate is gated but has no data in this build, so its target (98.0%) was not judged"


@pytest.fixture
def reports(tmp_path: Path) -> tuple[str, Path]:
    """A check of a manifest alone (no run_results.json) with a policy that selects nothing and
    a gated test pass rate: its console output and the folder of its reports."""
    if not BOUNCER.is_dir():
        pytest.skip(f"corpus absent: {BOUNCER}")
    artifacts = manifest_only_copy(BOUNCER, tmp_path / "target")
    write_config(
        tmp_path,
        f"""\
        version: 1
        policies:
          - select: "{TYPO}"
            rules: {{docs.model_description: error}}
        kpi:
          gate: [test_pass_rate]
        """,
    )
    out = tmp_path / "reports"
    result = dbtgate(
        "check", "--artifacts", str(artifacts), "--out", str(out), "--format", "md,html,json",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout, out


def test_the_console_says_them_beside_not_checked_and_the_verdict(reports) -> None:
    stdout, _ = reports
    lines = stdout.splitlines()
    # In the audit trail's notes at the top, as before.
    assert f"note: {EMPTY}" in lines and f"note: {KPI}" in lines
    # And again at the foot, after what is not checked at all, right above the verdict.
    *_, unchecked, kpi, empty, verdict = lines[: lines.index(verdict_line(lines)) + 1]
    assert unchecked.startswith("not checked: ") and "no run_results.json" in unchecked
    assert [kpi, empty] == [f"partly checked: {KPI}", f"partly checked: {EMPTY}"]
    assert verdict.startswith("dbtgate: PASS")


def verdict_line(lines: list[str]) -> str:
    return next(line for line in lines if line.startswith("dbtgate: "))


def test_gate_json_lists_them_as_partly_checked_and_keeps_them_in_the_notes(reports) -> None:
    _, out = reports
    report = json.loads((out / "gate.json").read_text())
    assert report["partly_checked"] == [KPI, EMPTY]
    assert KPI in report["notes"] and EMPTY in report["notes"]
    jsonschema.validate(report, report_schema())


def test_the_pr_comment_and_the_html_report_say_them_beside_the_verdict_escaped(reports) -> None:
    _, out = reports
    markdown = (out / "gate.md").read_text()
    verdict, audit = markdown.split("\n#### ", 1)
    assert verdict.endswith(
        f"> **partly checked:** {KPI}\n\n"
        "> **partly checked:** dbtgate.yml:3: policy select 'tag:&lt;b>critcal&lt;/b>' selects no"
        " resources, so its rules checked nothing\n"
    )
    assert "<b>" not in markdown
    assert "selects no resources" not in audit  # once, beside the verdict
    page = (out / "gate.html").read_text()
    header, body = page.split("</header>", 1)
    said = re.findall(r'<p class="not-checked">(.*?)</p>', header)
    assert said[1:] == [
        f"<b>partly checked:</b> {KPI}",
        "<b>partly checked:</b> dbtgate.yml:3: policy select &#x27;tag:&lt;b&gt;critcal&lt;/b&gt;"
        "&#x27; selects no resources, so its rules checked nothing",
    ]
    assert said[0].startswith("<b>not checked:</b> ")
    assert "<b>critcal</b>" not in page
    assert "selects no resources" not in body.split("<script", 1)[0]
