"""Running the policy engine in tests as the CLI does: a real config file over a real manifest."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath

import pytest
from corpus import CORPUS

from dbtgate.artifacts import load_artifacts, load_manifest
from dbtgate.checks import CheckContext
from dbtgate.config import load_config
from dbtgate.findings import Finding
from dbtgate.gate import GateResult, run_gate
from dbtgate.locate import Locator
from dbtgate.project import Project
from dbtgate.state_modified import DbtState


def corpus_project(name: str) -> Project:
    path = CORPUS / name
    if not path.is_dir():
        pytest.skip(f"corpus absent: {path}")
    return Project.from_artifacts(load_artifacts(path))


def corpus_manifest_project(relative: str) -> Project:
    """A project from one manifest file of the corpus (no other artifacts), skipped when absent."""
    path = CORPUS / relative
    if not path.is_file():
        pytest.skip(f"corpus absent: {path}")
    return Project.from_manifest(load_manifest(path).data)


def edited_bouncer(tmp_path: Path, edit: Callable[[dict], None]) -> Project:
    """The bouncer build with `edit(manifest_dict)` applied, loaded as a project."""
    path = CORPUS / "bouncer-dbt112" / "manifest.json"
    if not path.is_file():
        pytest.skip(f"corpus absent: {path}")
    data = json.loads(path.read_text())
    edit(data)
    target = tmp_path / "target"
    target.mkdir()
    (target / "manifest.json").write_text(json.dumps(data))
    return Project.from_artifacts(load_artifacts(target))


def write_config(directory: Path, text: str, name: str = "dbtgate.yml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(text))
    return path


def rule_config(directory: Path, rule: str, setting: str = "warn", select: str = "*") -> Path:
    """A config with one policy: `rule` set to `setting` (YAML) on `select`, the rule on line 5."""
    return write_config(
        directory,
        f"""\
        version: 1
        policies:
          - select: "{select}"
            rules:
              {rule}: {setting}
        """,
    )


def gate(
    project: Project,
    config_path: Path,
    *,
    changed: set[str] | None = None,
    sections: dict | None = None,
    options: dict | None = None,
    base: Project | None = None,
) -> GateResult:
    """The gate with the policies family only (plus waivers, baseline and scope); `state:`
    selectors read the change set in `sections["changes"]` against `base`, as the CLI's."""
    sections = dict(sections or {})
    changes = sections.get("changes")
    context = CheckContext(
        project=project,
        config=load_config(config_path),
        base=base,
        changed=changed,
        sections=sections,
        options=dict(options or {}),
        dbt_state=DbtState(project, base, changes) if base and changes else None,
    )
    return run_gate(context, Locator(project.project_dir), families={"policies"})


def by_code(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


def short_ids(findings: list[Finding]) -> list[str]:
    """The findings' resources without type and package (`model.shop.orders` -> `orders`),
    sorted."""
    return sorted(f.unique_id.split(".", 2)[2] for f in findings if f.unique_id)


def manifest_only_copy(source: Path, target: Path) -> Path:
    """An artifacts directory holding only a copy of `source`'s manifest.json, so that only the
    policy families have anything to say (no run results, no freshness)."""
    target.mkdir(parents=True, exist_ok=True)
    (target / "manifest.json").write_bytes((source / "manifest.json").read_bytes())
    return target


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())


def small_project(
    directory: Path,
    nodes: Sequence[dict],
    *,
    sources: Sequence[dict] = (),
    exposures: Sequence[dict] = (),
    catalog: dict[str, dict] | None = None,
    files: dict[str, str] | None = None,
) -> Project:
    """A dbt project of a few resources written by hand, for fast rule tests: a git folder with
    `files` (path -> text: its YAML and dbt_project.yml, where findings are located) and
    target/manifest.json of the resources given (each a manifest entry; unique_id, fqn and
    package `p` filled in from its name), plus target/catalog.json when `catalog` maps unique_ids
    to their table's `metadata` and `columns` ({name: type})."""
    (directory / ".git").mkdir(parents=True, exist_ok=True)
    for path, text in (files or {}).items():
        target = directory / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text))

    def entry(record: dict, kind: str) -> tuple[str, dict]:
        name = record["name"]
        resource_type = record.get("resource_type", kind)
        if resource_type == "source":
            uid = f"source.p.{record['source_name']}.{name}"
            fqn = ["p", record["source_name"], name]
        else:
            uid = f"{resource_type}.p.{name}"
            fqn = ["p", *PurePosixPath(record.get("original_file_path", name)).parts[1:-1], name]
        return uid, {
            "resource_type": resource_type,
            "package_name": "p",
            "unique_id": uid,
            "fqn": fqn,
            "path": record.get("original_file_path", ""),
            **record,
        }

    manifest = {
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
            "dbt_version": "1.11.0",
            "project_name": "p",
        },
        "nodes": dict(entry(record, "model") for record in nodes),
        "sources": dict(entry(record, "source") for record in sources),
        "exposures": dict(entry(record, "exposure") for record in exposures),
        "macros": {},
    }
    target = directory / "target"
    target.mkdir(exist_ok=True)
    (target / "manifest.json").write_text(json.dumps(manifest))
    if catalog is not None:
        tables = {
            uid: {
                "unique_id": uid,
                "metadata": {"type": "BASE TABLE", **table["metadata"]},
                "columns": {
                    name: {"name": name, "type": kind, "index": index}
                    for index, (name, kind) in enumerate(table.get("columns", {}).items(), 1)
                },
                "stats": {},
            }
            for uid, table in catalog.items()
        }
        (target / "catalog.json").write_text(
            json.dumps(
                {
                    "metadata": {
                        "dbt_schema_version": "https://schemas.getdbt.com/dbt/catalog/v1.json",
                        "generated_at": "2026-01-01T00:00:00Z",
                    },
                    "nodes": {uid: t for uid, t in tables.items() if not uid.startswith("source.")},
                    "sources": {uid: t for uid, t in tables.items() if uid.startswith("source.")},
                }
            )
        )
    return Project.from_artifacts(load_artifacts(target), directory)
