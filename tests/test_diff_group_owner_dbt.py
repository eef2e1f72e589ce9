"""A pull request that hands the fixture's `finance` group to another team, parsed by real dbt
against the fixture's real build: every model owned through the group changes hands while no
model's record changes, so the diff says it once, on the group, with the models it hands over;
a model the pull request also edits does not say it again."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cli_support import dbtgate
from policy_support import read_json

from dbtgate.base import find_dbt
from dbtgate.fixture_build import PROFILES_TEMPLATE

pytestmark = pytest.mark.slow

FINANCE = "group.shop.finance"
FINANCE_MODELS = [
    "model.shop.finance_revenue",
    "model.shop.orders_summary.v1",
    "model.shop.orders_summary.v2",
]


def edited_and_parsed(built: Path, tmp_path: Path, edits: dict[str, tuple[str, str]]) -> Path:
    """A copy of the fixture project `built`, each file of `edits` with its text replaced
    (old, new), parsed by dbt into `parsed/`, as CI parses a pull request's commit."""
    project = tmp_path / "project"
    shutil.copytree(built, project, ignore=shutil.ignore_patterns("target", "logs"))
    for relative, (old, new) in edits.items():
        path = project / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, (relative, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    (tmp_path / "profiles.yml").write_text(
        PROFILES_TEMPLATE.format(db_path=(tmp_path / "unused.duckdb").as_posix()),
        encoding="utf-8",
    )
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    command = [find_dbt(os.environ), "parse", "--profiles-dir", str(tmp_path)]
    done = subprocess.run(
        [*command, "--target-path", "parsed"], cwd=project, capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stdout
    return project


def diff_changes(project: Path, base: Path) -> list[dict]:
    done = dbtgate(
        "diff", "--base", str(base), "--artifacts", "parsed", "--json", "diff.json", cwd=project
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return read_json(project / "diff.json")["sections"]["diff"].get("changes", [])


GROUP_OWNER = ("models/_groups.yml", ("name: Finance Analytics", "name: Revenue Ops"))


def test_a_groups_new_owner_is_said_once_with_the_models_it_hands_over(shop_builds, tmp_path):
    described = (
        "models/marts/_marts.yml",
        ("Revenue per calendar month,", "Revenue per calendar month (the PR's words),"),
    )
    project = edited_and_parsed(shop_builds.pr, tmp_path, dict([GROUP_OWNER, described]))
    changes = diff_changes(project, shop_builds.pr / "target")

    on_group = [c for c in changes if c["code"] == "safe.group_owner_changed"]
    assert len(on_group) == 1
    assert on_group[0]["unique_id"] == FINANCE
    assert on_group[0]["resource_type"] == "group"
    assert on_group[0]["reason"] == (
        "group finance: owner Finance Analytics -> Revenue Ops (3 models: finance_revenue, "
        "orders_summary v1, orders_summary v2)"
    )
    assert on_group[0]["details"] == {
        "owner": "Finance Analytics",
        "new_owner": "Revenue Ops",
        "resources": FINANCE_MODELS,
    }
    # finance_revenue's own edit is listed, without the owner its group's line says.
    revenue = [c for c in changes if c["unique_id"] == "model.shop.finance_revenue"]
    assert [c["code"] for c in revenue] == ["safe.description_changed"]
    assert not any("Revenue Ops" in c["reason"] for c in changes if c is not on_group[0])


def test_the_pr_comment_and_gate_html_list_the_groups_owner_change(shop_builds, tmp_path):
    project = edited_and_parsed(shop_builds.pr, tmp_path, dict([GROUP_OWNER]))
    done = dbtgate(
        "check",
        "--base",
        str(shop_builds.pr / "target"),
        "--artifacts",
        "parsed",
        "--out",
        "out",
        "--format",
        "md,html",
        cwd=project,
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    markdown = (project / "out" / "gate.md").read_text(encoding="utf-8")
    line = "group finance: owner Finance Analytics -> Revenue Ops (3 models: finance_revenue"
    assert markdown.count(line) == 1
    html = (project / "out" / "gate.html").read_text(encoding="utf-8")
    assert html.count("group finance: owner Finance Analytics -&gt; Revenue Ops") == 1


def test_a_model_owned_by_its_own_meta_stays_with_its_owner(shop_builds, tmp_path):
    """finance_revenue takes an owner of its own (meta.owner comes before the group in the
    fixture's `owner.from`): the group's new owner hands over only the other two, and
    finance_revenue's row says whom it moved to."""
    own_owner = (
        "models/marts/_marts.yml",
        (
            "meta:\n        tier: 2\n    columns:\n      - name: revenue_month",
            "meta:\n        owner: '@fpa'\n        tier: 2\n    columns:\n      - name: revenue_month",
        ),
    )
    project = edited_and_parsed(shop_builds.pr, tmp_path, dict([GROUP_OWNER, own_owner]))
    changes = diff_changes(project, shop_builds.pr / "target")

    on_group = [c for c in changes if c["code"] == "safe.group_owner_changed"]
    assert [c["details"]["resources"] for c in on_group] == [FINANCE_MODELS[1:]]
    revenue = [c["reason"] for c in changes if c["unique_id"] == "model.shop.finance_revenue"]
    assert revenue == ["finance_revenue: meta (owner) changed; owner Finance Analytics -> @fpa"]


def test_builds_with_the_same_group_owners_say_no_group(shop_builds, tmp_path):
    project = edited_and_parsed(shop_builds.pr, tmp_path, {})
    assert not [c for c in diff_changes(project, shop_builds.pr / "target") if "group" in c["code"]]
