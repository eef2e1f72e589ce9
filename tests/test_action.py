"""The GitHub composite action and the example workflow: valid YAML, and the gate step's own bash
script run for real on a corpus build (the way a runner would, minus GitHub)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml
from corpus import corpus_dir

from dbtgate.report.render import FORMATS, parse_formats

ROOT = Path(__file__).resolve().parent.parent


def test_workflows_are_valid_yaml_and_upload_the_sarif_the_action_writes():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    example = yaml.safe_load((ROOT / ".github/workflows/dbt-pr-gate.example.yml").read_text())
    yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text())
    out = action["inputs"]["out"]["default"]
    uploads = [s for s in example["jobs"]["gate"]["steps"] if "upload-sarif" in s.get("uses", "")]
    assert uploads[0]["with"]["sarif_file"] == f"{out}/{FORMATS['sarif'].filename}"
    assert "sarif" in parse_formats(action["inputs"]["formats"]["default"])


def test_the_gate_step_script_runs_and_writes_the_reports(tmp_path):
    build = corpus_dir("bouncer-dbt112")
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    step = next(s for s in action["runs"]["steps"] if s["name"] == "Run the gate")
    inputs = {name: spec["default"] for name, spec in action["inputs"].items()}
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "NO_COLOR": "1",
        "DBTGATE_ARTIFACTS": str(build),
        "DBTGATE_BASE": "",
        "DBTGATE_CONFIG": "",
        "DBTGATE_OUT": str(tmp_path / inputs["out"]),
        "DBTGATE_FORMATS": inputs["formats"],
        "DBTGATE_COMMENT": "false",
    }
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    written = {p.name for p in (tmp_path / inputs["out"]).iterdir()}
    assert written == {FORMATS[name].filename for name in parse_formats(inputs["formats"])}
