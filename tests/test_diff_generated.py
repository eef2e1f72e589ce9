"""The schema diff finds exactly the changes the benchmark generator planted (truth.json), and
classifies each from facts read independently of dbtgate: a removed or retyped column is breaking
on a contracted model, a public one, or one another model or exposure reads; risky otherwise.

The generated builds are 1,000-model stacks of a real dbt 1.12 build (benchmarks/generate.py):
versioned and contracted models, Python models, exposures, packages' models owned by the root.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dbtgate.artifacts import load_artifacts
from dbtgate.diff.compare import diff_projects
from dbtgate.project import Project

REPO = Path(__file__).resolve().parents[1]
GENERATOR = REPO / "benchmarks" / "generate.py"
CORPUS_BUILD = REPO.parent / "shared" / "corpus" / "bouncer-dbt112"
MODELS = 1000

pytestmark = pytest.mark.skipif(
    not CORPUS_BUILD.is_dir(), reason=f"corpus build {CORPUS_BUILD} is absent"
)


def generate(out: Path, seed: int) -> Path:
    done = subprocess.run(
        [
            *(sys.executable, str(GENERATOR), "--models", str(MODELS), "--out", str(out)),
            *("--seed", str(seed), "--source", str(CORPUS_BUILD)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return out


def spelled(data_type: str | None) -> str | None:
    """A contract declares `string` where DuckDB's catalog says VARCHAR: the same type."""
    if data_type is None:
        return None
    return {"STRING": "VARCHAR", "TEXT": "VARCHAR"}.get(data_type.upper(), data_type.upper())


def expected_class(manifest: dict, unique_id: str) -> str:
    """Breaking when something would break: a contract, public access, or a reader."""
    node = manifest["nodes"][unique_id]
    if (node.get("contract") or {}).get("enforced") or node.get("access") == "public":
        return "breaking"
    readers = [
        child
        for child in manifest["child_map"].get(unique_id, [])
        if not child.startswith(("test.", "unit_test."))
    ]
    return "breaking" if readers else "risky"


@pytest.mark.parametrize("seed", [11, 12])
def test_diff_of_generated_builds_is_exactly_the_planted_changes(seed: int, tmp_path: Path):
    out = generate(tmp_path / "generated", seed)
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    base_manifest = json.loads((out / "base" / "manifest.json").read_text(encoding="utf-8"))
    base = Project.from_artifacts(load_artifacts(out / "base"))
    pr = Project.from_artifacts(load_artifacts(out / "pr"))
    result = diff_projects(base, pr)

    # Installed packages are not the team's code: the diff walks the root project's resources.
    root = base_manifest["metadata"]["project_name"]
    truth = [t for t in truth if base_manifest["nodes"][t["unique_id"]]["package_name"] == root]
    assert len(truth) >= 8
    expected = set()
    for planted in truth:
        uid, column = planted["unique_id"], planted["column"]
        if planted["change"] == "description_removed":
            expected.add(("safe.description_changed", uid, None, None, None))
            continue
        klass = expected_class(base_manifest, uid)
        kind = planted["change"]  # column_removed | type_changed (INTEGER <-> VARCHAR, DATE ->)
        old, new = planted["old"], planted["new"]
        expected.add((f"{klass}.{kind}", uid, column.casefold(), spelled(old), spelled(new)))
    # The generator also moves the checksum of each model whose columns it changes (a SQL edit).
    code_changed = {
        ("safe.code_changed", t["unique_id"], None, None, None)
        for t in truth
        if t["change"] != "description_removed"
    }
    found = {
        (
            c.code,
            c.unique_id,
            c.column.casefold() if c.column else None,
            spelled(c.old),
            spelled(c.new),
        )
        for c in result.changes
    }
    assert len(found) == len(result.changes)
    assert found == expected | code_changed
    assert result.unknown == []
    assert {c.change_class for c in result.changes} >= {"breaking", "safe"}
    for change in (c for c in result.changes if c.change_class == "breaking"):
        assert change.impact is not None
