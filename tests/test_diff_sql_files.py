"""`SqlFiles` reads a node's compiled file once a diff: the same-text check, the code change's
parse and the impact's reader checks all ask for the same text."""

from __future__ import annotations

import shutil

from dbtgate.artifacts import load_artifacts
from dbtgate.diff.sql import SqlFiles
from dbtgate.project import Project


def test_a_compiled_file_is_read_once_and_remembered(shop_builds, tmp_path):
    project_dir = tmp_path / "shop"
    shutil.copytree(shop_builds.pr, project_dir)
    built = Project.from_artifacts(load_artifacts(project_dir / "target"))
    node = next(
        n for n in built.nodes.values() if n.name == "int_order_payments" and n.compiled_path
    )
    files = SqlFiles.of(built)
    text = files.text(node)
    assert text and "select" in text.lower()
    compiled = [p for p in (project_dir / "target" / "compiled").rglob("int_order_payments.sql")]
    assert compiled, "the build wrote the model's compiled file"
    for path in compiled:
        path.unlink()
    assert files.text(node) == text  # remembered, not read again
    assert SqlFiles.of(built).text(node) is None  # a new reader finds the file gone
