"""The verdict line says how many findings were waived, in the same words in every report.

A gate that passes only because its blocking findings are waived read `PASS — no blocking
findings, 15 non-blocking`, like a gate that had nothing to waive; only the HTML page's tiles
counted the waived. Run through the real command line on a corpus build.
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from cli_support import dbtgate
from corpus import CORPUS
from policy_support import manifest_only_copy, write_config

from dbtgate.report.view import verdict_words

POLICY = """\
version: 1
policies:
  - select: "resource_type:model"
    rules:
      docs.model_description: error
"""
WAIVER = """\
waivers:
  - rule: docs.model_description
    select: "*"
    reason: written this quarter
    owner: "@data-platform"
    expires: 2099-01-31
"""
# The findings the gate reports beside the waived one: none, or 14 advisory ones.
OTHERS = {"none": "", "advisory": "      owner.present: warn\n"}


def verdicts(directory: Path) -> dict[str, str]:
    """The verdict line of each report `check --out` wrote into `directory` and the console."""
    junit = ET.parse(directory / "out" / "gate-junit.xml").getroot()
    case = junit.find("testsuite[@name='verdict']/testcase")
    failure = case.find("failure")  # a failed gate's verdict is its testcase's failure
    html = (directory / "out" / "gate.html").read_text()
    verdict_at = html.index('id="verdict">') + len('id="verdict">')
    return {
        "md": (directory / "out" / "gate.md").read_text().splitlines()[0],
        "html": html[verdict_at : html.index("</div>", verdict_at)],
        "junit": (case.find("system-out") if failure is None else failure).text,
    }


@pytest.mark.parametrize(
    ("others", "said"),
    [
        ("none", "1 non-blocking, all waived"),
        ("advisory", "15 non-blocking, 1 of them waived"),
    ],
)
def test_a_gate_passed_by_a_waiver_says_so_in_every_verdict(
    tmp_path: Path, others: str, said: str
) -> None:
    source = CORPUS / "bouncer-dbt112"
    if not source.is_dir():
        pytest.skip(f"corpus absent: {source}")
    manifest_only_copy(source, tmp_path / "target")
    write_config(tmp_path, POLICY + OTHERS[others] + WAIVER)
    run = dbtgate("check", "--out", "out", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    line = f"dbtgate: PASS — no blocking findings, {said}"
    assert run.stdout.splitlines()[-1] == line
    shown = verdicts(tmp_path)
    assert shown["md"] == f"### {line} (dbt project dbt_bouncer_test_project)"
    assert shown["html"] == line
    assert shown["junit"] == line
    counts = json.loads((tmp_path / "out" / "gate.json").read_text())["counts"]
    assert counts["by_disposition"]["waived"] == 1

    # Without the waiver the same finding blocks, and no verdict speaks of waivers.
    write_config(tmp_path, POLICY + OTHERS[others])
    run = dbtgate("check", "--out", "out", cwd=tmp_path)
    assert run.returncode == 1
    assert "waived" not in run.stdout.splitlines()[-1]
    assert not any("waived" in text for text in verdicts(tmp_path).values())


def test_the_waived_are_counted_in_thousands_and_before_the_selection() -> None:
    said = verdict_words("fail", 2, 4_500, {"select": "orders+"}, waived=1_200)
    assert said == (
        "dbtgate: FAIL — 2 blocking findings, 4,500 non-blocking, 1,200 of them waived, "
        "on --select orders+"
    )
