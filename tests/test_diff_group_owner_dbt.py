"""Pull requests that change the fixture's groups, parsed by real dbt against the fixture's real
build. One hands the `finance` group to another team: every model owned through the group
changes hands while no model's record changes, so the diff says it once, on the group, with
the models it hands over; a model the pull request also edits does not say it again. One gives
the group's owner a new email, where its alerts go. One replaces the group by another, as dbt
lets a pull request do it: the models moved out of it in the same change."""

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
        "email": "finance-analytics@example.com",
        "new_email": "finance-analytics@example.com",
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


def test_a_new_email_for_the_groups_owner_is_said_once_on_the_group(shop_builds, tmp_path):
    email = (
        "models/_groups.yml",
        ("email: finance-analytics@example.com", "email: finance-alerts@example.com"),
    )
    project = edited_and_parsed(shop_builds.pr, tmp_path, dict([email]))
    changes = diff_changes(project, shop_builds.pr / "target")
    assert [(c["code"], c["unique_id"], c["reason"]) for c in changes] == [
        (
            "safe.group_owner_changed",
            FINANCE,
            "group finance: owner email finance-analytics@example.com -> "
            "finance-alerts@example.com (owner Finance Analytics; 3 models: finance_revenue, "
            "orders_summary v1, orders_summary v2)",
        )
    ]
    assert changes[0]["details"]["new_email"] == "finance-alerts@example.com"


# The finance group replaced by `revenue`: finance_revenue goes into it, orders_summary (its
# YAML's `group: finance`, for both versions) into no group; dbt refuses `group: finance` once
# the group is gone.
REPLACED_GROUP = {
    "models/_groups.yml": (
        "  - name: finance\n    owner:\n      name: Finance Analytics\n"
        "      email: finance-analytics@example.com\n",
        "  - name: revenue\n    owner:\n      name: Revenue Ops\n"
        "      email: revenue-ops@example.com\n",
    ),
    "models/marts/_marts.yml": ("group: finance", "group: revenue"),
    "models/marts/_orders_summary.yml": ("      group: finance\n", ""),
}


def test_a_group_replaced_by_another_lists_both_and_where_its_models_went(shop_builds, tmp_path):
    project = edited_and_parsed(shop_builds.pr, tmp_path, REPLACED_GROUP)
    changes = diff_changes(project, shop_builds.pr / "target")
    on_groups = [
        (c["code"], c["unique_id"], c["reason"]) for c in changes if "group." in c["unique_id"]
    ]
    assert on_groups == [
        (
            "safe.group_removed",
            FINANCE,
            "group finance removed (owner Finance Analytics; 3 models were in it: "
            "finance_revenue, orders_summary v1, orders_summary v2)",
        ),
        (
            "safe.group_added",
            "group.shop.revenue",
            "group revenue added (owner Revenue Ops; 1 model: finance_revenue)",
        ),
    ]
    removed = next(c for c in changes if c["code"] == "safe.group_removed")
    assert removed["details"]["resources"] == FINANCE_MODELS
    assert removed["path"] == "models/_groups.yml"
    # Each model's row says where it went, and whom it belongs to now.
    rows = {c["unique_id"]: c["reason"] for c in changes if c["unique_id"] in FINANCE_MODELS}
    assert rows == {
        "model.shop.finance_revenue": "finance_revenue: moved from group finance to group "
        "revenue; owner Finance Analytics -> Revenue Ops",
        "model.shop.orders_summary.v1": "orders_summary v1: taken out of group finance; "
        "owner Finance Analytics -> (none)",
        "model.shop.orders_summary.v2": "orders_summary v2: taken out of group finance; "
        "owner Finance Analytics -> (none)",
    }


def test_check_lists_the_groups_added_and_removed_in_the_pr_comment(shop_builds, tmp_path):
    project = edited_and_parsed(shop_builds.pr, tmp_path, REPLACED_GROUP)
    done = dbtgate(
        *("check", "--base", str(shop_builds.pr / "target"), "--artifacts", "parsed"),
        *("--out", "out", "--format", "md"),
        cwd=project,
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    assert "schema diff against the base: 0 breaking, 0 risky, 5 safe" in done.stdout
    markdown = (project / "out" / "gate.md").read_text(encoding="utf-8")
    assert markdown.count("group finance removed (owner Finance Analytics; 3 models") == 1
    assert markdown.count("group revenue added (owner Revenue Ops; 1 model") == 1
