"""The `breaking:` section of dbtgate.yml as a team first meets it: commented in the starter."""

from __future__ import annotations

from pathlib import Path

from dbtgate.config import load_config
from dbtgate.starter import write_starter_config


def test_the_starters_breaking_block_loads_once_uncommented(tmp_path: Path) -> None:
    (tmp_path / "dbt_project.yml").write_text("name: shop\nprofile: shop\n", encoding="utf-8")
    path = write_starter_config(tmp_path).path
    lines, inside = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# breaking:"):
            inside = True
        elif inside and not line.startswith("#  "):
            inside = False
        lines.append(line[2:] if inside else line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    breaking = load_config(path).breaking
    assert (breaking.versioned_contract, breaking.unversioned_contract) == ("error", "warn")
    assert breaking.ack_label == "breaking-change-ok"
    [entry] = breaking.acknowledge
    assert (entry.change, entry.select, entry.column) == (
        "breaking.column_removed",
        "orders",
        "legacy_id",
    )
