"""Where the schema diff places a model, version or source table the pull request removed: its
own entry is gone from the pull request's YAML, so it is placed on what the pull request kept
and edited for it (the line that disables it, the entry of the exposure that read it, its
model's or its source's entry), as a metric removed whole is on its nearest kept reader's;
with nothing kept, its file alone."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from cli_support import dbtgate
from diff_support import PACKAGE, exposure, model, write_build
from policy_support import read_json

from dbtgate.artifacts import load_artifacts
from dbtgate.diff.changes import Change
from dbtgate.diff.compare import diff_projects
from dbtgate.project import Project

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
SCHEMA = """models:
  - name: kept
  - name: orders
    latest_version: 2
    versions:
      - v: 2
  - name: legacy
    config:
      enabled: false
"""
EXPOSURES = (
    "exposures:\n  - name: other\n    type: dashboard\n  - name: board\n    type: dashboard\n"
)
SOURCES = "sources:\n  - name: shop_raw\n    tables:\n      - name: orders\n"


def _source(table: str, source_name: str = "shop_raw") -> dict:
    return {
        "unique_id": f"source.{PACKAGE}.{source_name}.{table}",
        "resource_type": "source",
        "name": table,
        "source_name": source_name,
        "package_name": PACKAGE,
        "original_file_path": "models/sources.yml",
        "fqn": [PACKAGE, source_name, table],
        "columns": {},
        "config": {"enabled": True},
        "database": "db",
        "schema": "raw",
        "identifier": table,
        "relation_name": f'"db"."raw"."{table}"',
    }


def _with_sources(directory: Path, sources: list[dict]) -> None:
    manifest = directory / "target" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["sources"] = {source["unique_id"]: source for source in sources}
    manifest.write_text(json.dumps(data), encoding="utf-8")


def _builds(tmp_path: Path, *, board_kept: bool = True) -> tuple[Path, Path]:
    """main: `reported` read by the exposure board, `orders` v1 and v2 (contracted), `legacy`,
    `kept`, and the source tables shop_raw.orders, shop_raw.refunds and web.events. The pull
    request deletes `reported` (cutting it from board, or deleting board with it), orders v1,
    shop_raw.refunds and the source web, and disables legacy."""
    base, pr = tmp_path / "base", tmp_path / "pr"
    versions = [model("orders", contract=True, version=v, latest_version=2) for v in (1, 2)]
    write_build(
        base,
        [model("reported"), *versions, model("legacy"), model("kept")],
        exposures=[exposure("board", ["model.proj.reported", "model.proj.kept"])],
    )
    _with_sources(base, [_source("orders"), _source("refunds"), _source("events", "web")])
    write_build(
        pr,
        [versions[1], model("kept")],
        exposures=[exposure("board", ["model.proj.kept"])] if board_kept else [],
        disabled=[model("legacy", enabled=False)],
    )
    _with_sources(pr, [_source("orders")])
    models = pr / "models"
    models.mkdir()
    (pr / "dbt_project.yml").write_text(f"name: {PACKAGE}\n", encoding="utf-8")
    (models / "schema.yml").write_text(SCHEMA, encoding="utf-8")
    (models / "sources.yml").write_text(SOURCES, encoding="utf-8")
    (models / "kept.sql").write_text("select 1 as id\n", encoding="utf-8")
    (models / "orders_v2.sql").write_text("select 1 as id\n", encoding="utf-8")
    if board_kept:
        (models / "exposures.yml").write_text(EXPOSURES, encoding="utf-8")
    return base, pr


def _places(base: Path, pr: Path) -> dict[str, tuple[str, str | None, int | None]]:
    result = diff_projects(
        Project.from_artifacts(load_artifacts(base / "target")),
        Project.from_artifacts(load_artifacts(pr / "target"), project_dir=pr),
        today=NOW,
    )
    removed: list[Change] = [c for c in result.changes if c.change_class != "safe"]
    return {c.unique_id.split(".", 2)[2]: (c.code, c.path, c.line) for c in removed}


def test_each_removal_is_on_what_the_pull_request_kept_and_edited_for_it(tmp_path: Path) -> None:
    assert _places(*_builds(tmp_path)) == {
        # the exposure's entry: the dashboard behind it is what the removal hurts
        "reported": ("breaking.model_removed", "models/exposures.yml", 4),
        # its model's entry, which keeps v2
        "orders.v1": ("breaking.model_removed", "models/schema.yml", 3),
        # disabled: its entry stays, and the line that disables it is the edit
        "legacy": ("risky.model_removed", "models/schema.yml", 9),
        # its source's entry, which keeps the table orders
        "shop_raw.refunds": ("risky.source_removed", "models/sources.yml", 2),
        # the source removed whole: nothing of it is left, its file alone
        "web.events": ("risky.source_removed", "models/sources.yml", None),
    }


def test_a_model_whose_exposure_went_too_has_its_file_alone(tmp_path: Path) -> None:
    """The exposure deleted with the model still makes the removal breaking (its dashboard may
    still query the relation), but is no place: its entry is gone too."""
    places = _places(*_builds(tmp_path, board_kept=False))
    assert places["reported"] == ("breaking.model_removed", "models/schema.yml", None)


def test_check_reports_and_annotates_the_removal_on_the_exposures_line(tmp_path: Path) -> None:
    _, pr = _builds(tmp_path)
    result = dbtgate(
        "check", "--base", "../base/target", "--annotations", "--json", "gate.json", cwd=pr
    )
    assert result.returncode == 1, result.stdout + result.stderr
    [finding] = [
        f for f in read_json(pr / "gate.json")["findings"] if f["resource_name"] == "reported"
    ]
    assert (finding["path"], finding["line"]) == ("models/exposures.yml", 4)
    assert "path_deleted" not in finding["details"]
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert any(
        line.startswith("::error file=models/exposures.yml,line=4,") and "reported:" in line
        for line in annotations
    ), annotations


def test_a_model_renamed_is_on_its_new_names_entry(tmp_path: Path) -> None:
    """finance_revenue renamed to monthly_revenue (its file unchanged): the removal was on the
    base's file alone, with no line, where the pull request's YAML has the rename."""
    base, pr = tmp_path / "base", tmp_path / "pr"
    kept = model("kept", checksum="c1")
    write_build(base, [kept, model("finance_revenue", checksum="c9")])
    write_build(pr, [kept, model("monthly_revenue", checksum="c9")])
    (pr / "models").mkdir()
    (pr / "dbt_project.yml").write_text(f"name: {PACKAGE}\n", encoding="utf-8")
    (pr / "models" / "schema.yml").write_text(
        "models:\n  - name: kept\n  - name: monthly_revenue\n", encoding="utf-8"
    )
    assert _places(base, pr) == {"finance_revenue": ("risky.model_removed", "models/schema.yml", 3)}
