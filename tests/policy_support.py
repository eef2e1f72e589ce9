"""Running the policy engine in tests as the CLI does: a real config file over a real manifest."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from corpus import CORPUS

from dbtgate.artifacts import load_artifacts, load_manifest
from dbtgate.checks import CheckContext
from dbtgate.config import load_config
from dbtgate.findings import Finding
from dbtgate.gate import GateResult, run_gate
from dbtgate.locate import Locator
from dbtgate.project import Project


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
    """The gate with the policies family only (plus waivers, baseline and scope)."""
    context = CheckContext(
        project=project,
        config=load_config(config_path),
        base=base,
        changed=changed,
        sections=dict(sections or {}),
        options=dict(options or {}),
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
