"""Grants in the schema diff: a grant the pull request drops is revoked by dbt at the next build,
and whoever reads the relation as that role loses access (risky); a new grant is safe."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cli_support import dbtgate
from corpus import CORPUS
from diff_support import model, write_build
from policy_support import read_json, write_config

from dbtgate.artifacts import load_artifacts
from dbtgate.diff.compare import diff_projects
from dbtgate.project import Project

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)
COLUMNS = [("order_id", "integer")]


def granting(name: str, grants: dict, **kwargs) -> dict:
    node = model(name, COLUMNS, **kwargs)
    node["config"]["grants"] = grants
    return node


def changes(
    tmp_path: Path, before: dict, after: dict, adapter: str = "snowflake"
) -> list[tuple[str, str, list]]:
    base = write_build(tmp_path / "base", [before], adapter=adapter)
    pr = write_build(tmp_path / "pr", [after], adapter=adapter)
    return [
        (c.code, c.reason, c.details.get("grants"))
        for c in diff_projects(base, pr, today=NOW).changes
        if "grant" in c.code
    ]


def test_a_revoked_grant_is_risky_and_an_added_one_safe(tmp_path: Path):
    before = granting("orders", {"select": ["reporter", "bi"], "insert": ["loader"]})
    after = granting("orders", {"SELECT": ["Reporter", "analyst"], "insert": "loader"})
    assert changes(tmp_path, before, after) == [
        (
            "risky.grant_revoked",
            "orders: grant revoked: select from bi",
            [{"privilege": "select", "grantee": "bi"}],
        ),
        (
            "safe.grant_added",
            "orders: grant added: SELECT to analyst",
            [{"privilege": "SELECT", "grantee": "analyst"}],
        ),
    ]


def test_a_grant_change_shows_the_grants_before_and_after(tmp_path: Path):
    """The change keeps the whole grants, before and after (the JSON report's `old` and `new`);
    the change column shows only what moved."""
    before = granting("orders", {"select": ["reporter", "bi"], "insert": ["loader"]})
    after = granting("orders", {"select": ["reporter"]})
    base = write_build(tmp_path / "base", [before])
    pr = write_build(tmp_path / "pr", [after])
    [change] = diff_projects(base, pr, today=NOW).changes
    assert (change.code, change.old, change.new) == (
        "risky.grant_revoked",
        "insert: loader; select: bi, reporter",
        "select: reporter",
    )


ROLES = [f"role_{n:02}" for n in range(1, 12)]


def test_the_change_column_of_a_grant_change_names_only_the_grants_that_moved(tmp_path: Path):
    """Twelve grantees before, one revoked and two added: `dbtgate diff` showed the whole grants
    before -> after, 24 names to find three in. The change column names what moved; the JSON
    report and the finding's details keep the whole grants."""
    before = granting("orders", {"select": ["reporter", *ROLES], "insert": ["loader"]})
    after = granting("orders", {"select": ["Finance", *ROLES, "analyst"], "insert": ["loader"]})
    write_build(tmp_path / "base", [before], adapter="snowflake")
    write_build(tmp_path / "pr", [after], adapter="snowflake")
    write_config(tmp_path, "version: 1\n")
    args = ("diff", "--artifacts", "pr/target", "--base", "base/target", "--json", "diff.json")
    result = dbtgate(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    shown = result.stdout
    assert "select: -reporter" in shown
    assert "select: +analyst, +Finance" in shown
    assert "role_01" not in shown
    report = read_json(tmp_path / "diff.json")
    whole_before = f"insert: loader; select: {', '.join(sorted(['reporter', *ROLES]))}"
    whole_after = f"insert: loader; select: {', '.join(sorted(['Finance', *ROLES, 'analyst']))}"
    moved = {c["code"]: (c["old"], c["new"]) for c in report["sections"]["diff"]["changes"]}
    assert moved == {
        "risky.grant_revoked": (whole_before, whole_after),
        "safe.grant_added": (whole_before, whole_after),
    }
    [revoked] = [f for f in report["findings"] if f["code"] == "risky.grant_revoked"]
    assert (revoked["details"]["old"], revoked["details"]["new"]) == (whole_before, whole_after)
    # The reason names the grants in the change column's order (case-insensitive).
    [added] = [c for c in report["sections"]["diff"]["changes"] if c["code"] == "safe.grant_added"]
    assert added["reason"] == "orders: grants added: select to analyst; select to Finance"


def test_grants_dropped_at_once_are_one_change(tmp_path: Path):
    """dbt's apply_grants does nothing when no grant is configured: it revokes none, and the
    message says what happens instead."""
    before = granting("orders", {"select": ["reporter", "bi"]})
    after = granting("orders", {})
    assert changes(tmp_path, before, after) == [
        (
            "risky.grant_revoked",
            "orders: grants dropped from its config: select from bi; select from reporter; with "
            "no grants configured dbt revokes none: a table or view it rebuilds may come without "
            "them, an incremental model keeps them",
            [
                {"privilege": "select", "grantee": "bi"},
                {"privilege": "select", "grantee": "reporter"},
            ],
        )
    ]
    assert (
        changes(tmp_path / "same", before, granting("orders", {"select": ["bi", "reporter"]})) == []
    )


def test_check_warns_of_a_grant_the_pull_request_drops_on_a_real_build(tmp_path: Path):
    """The bouncer build grants select to reporter and bi on customers; the pull request's
    folder config replaces the grants of v3 with reporter's alone."""
    manifest = CORPUS / "bouncer-dbt112" / "manifest.json"
    if not manifest.is_file():
        pytest.skip(f"corpus absent: {manifest}")
    data = json.loads(manifest.read_text())
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "manifest.json").write_text(json.dumps(data))
    uid = "model.dbt_bouncer_test_project.customers.v3"
    assert data["nodes"][uid]["config"]["grants"] == {"select": ["reporter", "bi"]}
    # as written and as resolved: the pull request edited the grants
    data["nodes"][uid]["config"]["grants"] = {"select": ["reporter"]}
    data["nodes"][uid]["unrendered_config"]["grants"] = {"select": ["reporter"]}
    data["metadata"]["invocation_id"] = "the-pull-requests-build"
    (tmp_path / "pr").mkdir()
    (tmp_path / "pr" / "manifest.json").write_text(json.dumps(data))
    result = dbtgate(
        "check", "--artifacts", "pr", "--base", "base", "--json", "gate.json", cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [finding] = [f for f in read_json(tmp_path / "gate.json")["findings"] if "grant" in f["code"]]
    assert (finding["code"], finding["severity"], finding["unique_id"]) == (
        "risky.grant_revoked",
        "warn",
        uid,
    )
    assert finding["message"] == (
        "customers v3: grant revoked: select from bi; dbt-duckdb applies no grants: this "
        "matters where the project runs elsewhere"
    )
    assert "grant revoked: select from bi" in " ".join(result.stdout.split())


def test_a_revoked_grant_on_duckdb_says_the_build_applies_no_grants(tmp_path: Path):
    """dbt-duckdb's apply_grants only warns: nobody loses access in the build the gate read."""
    before = granting("orders", {"select": ["reporter", "bi"]})
    after = granting("orders", {"select": ["reporter"]})
    [(code, reason, _)] = changes(tmp_path, before, after, adapter="duckdb")
    assert (code, reason) == (
        "risky.grant_revoked",
        "orders: grant revoked: select from bi; dbt-duckdb applies no grants: this matters "
        "where the project runs elsewhere",
    )


ENVIRONMENT_GRANTS = """\
name: granted
profile: granted
models:
  granted:
    +grants:
      select: "{{ ['analyst'] if target.name == 'prod' else [] }}"
"""
PROFILES = """\
granted:
  target: ci
  outputs:
    ci: {type: duckdb, path: ci.duckdb}
    prod: {type: duckdb, path: prod.duckdb}
"""


@pytest.mark.slow
def test_grants_that_differ_by_target_alone_are_no_change(tmp_path: Path):
    """A production base build and the pull request's CI build of the same project, parsed by
    dbt: the folder's grants differ only by target (dbt's unrendered config is the same) and are
    no change; a model whose own config() call was edited is."""
    import os
    import shutil
    import subprocess

    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(ENVIRONMENT_GRANTS)
    (project / "profiles.yml").write_text(PROFILES)
    (project / "models" / "folder_grants.sql").write_text("select 1 as id\n")
    edited = project / "models" / "own_grants.sql"
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    dbt = shutil.which("dbt") or "dbt"
    for target, grant in (("prod", "['reporter']"), ("ci", "[]")):
        edited.write_text(f"{{{{ config(grants={{'select': {grant}}}) }}}}\nselect 1 as id\n")
        parsed = subprocess.run(
            [dbt, "parse", "--profiles-dir", ".", "--target", target, "--target-path", target],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert parsed.returncode == 0, parsed.stdout + parsed.stderr
    base = Project.from_artifacts(load_artifacts(project / "prod"))
    pr = Project.from_artifacts(load_artifacts(project / "ci"))
    folder = base.nodes["model.granted.folder_grants"].config
    assert folder is not None and folder.grants == {"select": ["analyst"]}
    found = [
        (c.code, c.reason) for c in diff_projects(base, pr, today=NOW).changes if "grant" in c.code
    ]
    assert [code for code, _ in found] == ["risky.grant_revoked"]
    assert found[0][1].startswith("own_grants: grant revoked: select from reporter;")


def test_grants_emptied_in_the_config_are_revoked(tmp_path: Path):
    """`grants: {select: []}` is a grants config (dbt's apply_grants runs on it and revokes every
    select grant), not the absence of one: the message says revoked, not that dbt revokes none."""
    before = granting("orders", {"select": ["reporter"]})
    after = granting("orders", {"select": []})
    assert changes(tmp_path, before, after) == [
        (
            "risky.grant_revoked",
            "orders: grant revoked: select from reporter",
            [{"privilege": "select", "grantee": "reporter"}],
        )
    ]
