"""A config-level change of the schema diff (grants, materialization, access, contract) is
reported on the line that sets the config: the annotation, the SARIF result and the comment's
link land on the line the pull request edited, not on the model's `- name:`."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from cli_support import dbtgate
from diff_support import constraint, model, write_build
from policy_support import read_json

from dbtgate.diff.settings import setting_of
from dbtgate.findings import Finding

PROPERTIES = textwrap.dedent(
    """\
    version: 2
    models:
      - name: customers
        config:
          access: private
          contract:
            enforced: false
      - name: orders
        config:
          contract:
            enforced: true
          grants:
            select: [reporter]
            insert: [loader]
    """
)
ORDERS_SQL = "{{\n    config(\n        materialized='view',\n    )\n}}\nselect 1 as order_id\n"


def _orders(materialized: str, grants: dict) -> dict:
    columns = [("order_id", "integer", [constraint("not_null")])]
    node = model("orders", columns, contract=True, materialized=materialized)
    node["config"]["grants"] = grants
    return node


def _project(directory: Path, newline: str) -> None:
    """The pull request's project on disk, with `newline` line ends (CRLF from Windows)."""
    (directory / "models").mkdir(parents=True)
    (directory / "dbt_project.yml").write_bytes(f"name: proj{newline}".encode())
    for name, text in (("schema.yml", PROPERTIES), ("orders.sql", ORDERS_SQL)):
        (directory / "models" / name).write_bytes(text.replace("\n", newline).encode())


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_check_reports_config_changes_on_the_lines_that_set_them(tmp_path: Path, newline):
    write_build(
        tmp_path / "base",
        [
            model("customers", access="public", contract=True),
            _orders("table", {"select": ["reporter", "bi"], "insert": ["loader"]}),
        ],
        adapter="snowflake",
    )
    write_build(
        tmp_path / "pr",
        [
            model("customers", access="private"),
            _orders("view", {"select": ["reporter"], "insert": ["loader"]}),
        ],
        adapter="snowflake",
    )
    _project(tmp_path / "pr", newline)
    args = ("check", "--artifacts", "target", "--base", "../base/target", "--annotations")
    result = dbtgate(
        *args, "--json", "gate.json", "--out", "reports", "--format", "sarif", cwd=tmp_path / "pr"
    )
    # A public model made private blocks: other projects' refs to it fail.
    assert result.returncode == 1, result.stdout + result.stderr
    where = {
        f["code"]: (f["path"], f["line"])
        for f in read_json(tmp_path / "pr" / "gate.json")["findings"]
    }
    assert where == {
        # the keyword of the SQL file's config(), which dbt takes over the YAML
        "breaking.materialization_changed": ("models/orders.sql", 3),
        # the privilege that lost a grantee
        "risky.grant_revoked": ("models/schema.yml", 13),
        "breaking.access_narrowed": ("models/schema.yml", 5),
        "breaking.contract_removed": ("models/schema.yml", 6),
    }
    sarif = json.loads((tmp_path / "pr" / "reports" / "gate.sarif").read_text())
    located = {
        r["ruleId"]: (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in sarif["runs"][0]["results"]
    }
    assert located == where
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert any("file=models/orders.sql,line=3" in line for line in annotations), annotations
    assert any("file=models/schema.yml,line=13" in line for line in annotations), annotations


def _finding(code: str, grants: tuple[tuple[str, str], ...] = ()) -> Finding:
    details = {"grants": [{"privilege": p, "grantee": g} for p, g in grants]} if grants else {}
    return Finding(code=code, severity="warn", message="m", details=details)


def test_a_grant_finding_names_its_privilege_only_when_it_has_one():
    one = (("SELECT", "bi"), ("select", "reporter"))
    assert setting_of(_finding("risky.grant_revoked", one)) == ("grants", "select")
    two = (("select", "bi"), ("insert", "loader"))
    assert setting_of(_finding("risky.grant_revoked", two)) == ("grants", None)
    assert setting_of(_finding("breaking.contract_removed")) == ("contract", None)
    assert setting_of(_finding("breaking.column_removed")) is None


def _seed(column_types: dict) -> dict:
    node = model("countries", resource_type="seed", materialized="seed")
    node.update(
        path="countries.csv",
        original_file_path="seeds/countries.csv",
        patch_path=None,
        compiled_path=None,
    )
    node["config"]["column_types"] = column_types
    return node


def test_a_seed_retyped_by_its_column_types_is_reported_on_that_line(tmp_path: Path) -> None:
    """The pull request edits `+column_types:` in dbt_project.yml; the finding pointed at the
    CSV's header, a file the pull request did not touch (GitHub shows no annotation there)."""
    uid = "seed.proj.countries"
    write_build(
        tmp_path / "base",
        [_seed({"id": "integer"})],
        catalog={uid: [("id", "INTEGER"), ("name", "VARCHAR")]},
    )
    write_build(
        tmp_path / "pr",
        [_seed({"id": "varchar"})],
        catalog={uid: [("id", "VARCHAR"), ("name", "VARCHAR")]},
    )
    project = tmp_path / "pr"
    (project / "seeds").mkdir()
    (project / "seeds" / "countries.csv").write_text("id,name\n1,NL\n", encoding="utf-8")
    (project / "dbt_project.yml").write_text(
        "name: proj\nseeds:\n  proj:\n    countries:\n      +column_types:\n        id: varchar\n",
        encoding="utf-8",
    )
    args = ("check", "--artifacts", "target", "--base", "../base/target", "--json", "gate.json")
    result = dbtgate(*args, cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    where = {
        f["code"]: (f["path"], f["line"]) for f in read_json(project / "gate.json")["findings"]
    }
    assert where == {"risky.type_changed": ("dbt_project.yml", 6)}
    # Where it is placed is no part of what was found: no internal placement key in the report.
    report = read_json(project / "gate.json")
    [finding] = report["findings"]
    [change] = [c for c in report["sections"]["diff"]["changes"] if c["unique_id"] == uid]
    assert "setting" not in finding["details"] and "setting" not in change.get("details", {})
    assert finding["details"]["type_change"] == change["details"]["type_change"]
