"""Policies on the fixture's pull-request build (fixtures/README.md): the planted gaps are found
on the right YAML lines, and with `scope: changed` only what the pull request touched blocks."""

from __future__ import annotations

import pytest
from cli_support import dbtgate, plain_env, run_dbtgate
from policy_support import read_json, write_config

pytestmark = pytest.mark.slow

POLICY_FAMILIES = ("tests", "docs", "owner", "governance", "naming", "sources")
CONFIG = """\
version: 1
scope: {scope}
policies:
  - select: "tier:1"
    rules:
      tests.primary_key: error
      docs.model_description: error
      docs.column_coverage: {{severity: error, min: 1.0}}
      owner.present: error
      governance.contract_enforced: error
  - select: "tier:2"
    rules:
      owner.present: error
      tests.min_per_model: {{severity: error, min: 3}}
"""


def policy_findings(report: dict) -> list[dict]:
    return [f for f in report["findings"] if f["family"] in POLICY_FAMILIES]


def summary(finding: dict) -> tuple:
    return (
        finding["code"],
        finding["unique_id"],
        finding["column_name"],
        finding["path"],
        finding["line"],
        finding["disposition"],
    )


def run_check(shop_builds, tmp_path, scope: str, *extra: str) -> dict:
    config = write_config(tmp_path, CONFIG.format(scope=scope))
    report = tmp_path / "gate.json"
    result = dbtgate(
        "check",
        "--artifacts",
        "target",
        "--config",
        str(config),
        "--json",
        str(report),
        *extra,
        cwd=shop_builds.pr,
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return read_json(report)


def test_planted_gaps_are_found_on_their_yaml_lines(shop_builds, tmp_path):
    report = run_check(shop_builds, tmp_path, "all")
    found = sorted(summary(f) for f in policy_findings(report))
    marts = "models/marts/_marts.yml"
    assert found == sorted(
        [
            # tier-1 model without a primary-key test: order_id has not_null only
            ("tests.primary_key", "model.shop.fct_orders", None, marts, 50, "blocking"),
            ("governance.contract_enforced", "model.shop.fct_orders", None, marts, 50, "blocking"),
            # undocumented column on a tier-1 model
            ("docs.column_coverage", "model.shop.dim_customers", "country", marts, 33, "blocking"),
            # model with no owner
            ("owner.present", "model.shop.dim_products", None, marts, 81, "blocking"),
            # tier-2 models with fewer than 3 tests
            ("tests.min_per_model", "model.shop.dim_products", None, marts, 81, "blocking"),
            ("tests.min_per_model", "model.shop.finance_revenue", None, marts, 125, "blocking"),
            (
                "tests.min_per_model",
                "model.shop.int_order_items_priced",
                None,
                "models/intermediate/_intermediate.yml",
                4,
                "blocking",
            ),
            (
                "tests.min_per_model",
                "model.shop.int_order_payments",
                None,
                "models/intermediate/_intermediate.yml",
                26,
                "blocking",
            ),
        ]
    )
    by_uid = {(f["code"], f["unique_id"]): f for f in policy_findings(report)}
    pk = by_uid[("tests.primary_key", "model.shop.fct_orders")]
    assert (pk["owner"], pk["tier"]) == ("@finance-eng", 1)
    assert (
        pk["message"]
        == "fct_orders has no tested primary key: order_id has not_null but no unique test"
    )
    assert (
        pk["fix"]
        == "Add a `unique` test to order_id (or a primary_key constraint under an enforced contract)."
    )
    country = by_uid[("docs.column_coverage", "model.shop.dim_customers")]
    assert (country["owner"], country["tier"]) == ("Marketing Analytics", 1)
    no_owner = by_uid[("owner.present", "model.shop.dim_products")]
    assert (no_owner["owner"], no_owner["tier"]) == (None, 2)
    assert report["verdict"] == "fail"


def test_with_scope_changed_only_the_touched_resources_block(shop_builds, tmp_path):
    report = run_check(shop_builds, tmp_path, "changed", "--base", str(shop_builds.base / "target"))
    findings = policy_findings(report)
    blocking = [summary(f) for f in findings if f["disposition"] == "blocking"]
    # int_order_payments' SQL changed in the PR, and it has 2 tests where tier 2 needs 3.
    assert blocking == [
        (
            "tests.min_per_model",
            "model.shop.int_order_payments",
            None,
            "models/intermediate/_intermediate.yml",
            26,
            "blocking",
        )
    ]
    untouched = {
        (f["code"], f["unique_id"]) for f in findings if f["disposition"] == "out_of_scope"
    }
    assert untouched == {
        ("tests.primary_key", "model.shop.fct_orders"),
        ("governance.contract_enforced", "model.shop.fct_orders"),
        ("docs.column_coverage", "model.shop.dim_customers"),
        ("owner.present", "model.shop.dim_products"),
        ("tests.min_per_model", "model.shop.dim_products"),
        ("tests.min_per_model", "model.shop.finance_revenue"),
        ("tests.min_per_model", "model.shop.int_order_items_priced"),
    }
    assert all(f["changed"] == (f["disposition"] == "blocking") for f in findings)
    changes = report["sections"]["changes"]
    assert "model.shop.customer_segments" in changes["new"]
    assert changes["modified"]["model.shop.stg_payments"] == ["description"]


def test_with_scope_changed_warnings_on_untouched_resources_are_outside_the_change(
    shop_builds, tmp_path
):
    """The advisory group is what to consider about the change; a warning about a model the
    pull request did not touch is outside the change, as an error there is."""
    config = write_config(
        tmp_path,
        """\
        version: 1
        scope: changed
        policies:
          - select: "resource_type:model"
            rules: {tests.min_per_model: {severity: warn, min: 3}}
        """,
    )
    report = tmp_path / "gate.json"
    args = [
        "--config",
        str(config),
        "--json",
        str(report),
        "--base",
        str(shop_builds.base / "target"),
    ]
    dbtgate("check", "--artifacts", "target", *args, cwd=shop_builds.pr)
    findings = policy_findings(read_json(report))
    by_model = {f["unique_id"]: f["disposition"] for f in findings}
    # int_order_payments' SQL changed in the PR; dim_products was not touched.
    assert by_model["model.shop.int_order_payments"] == "advisory"
    assert by_model["model.shop.dim_products"] == "out_of_scope"
    assert all(f["changed"] == (f["disposition"] == "advisory") for f in findings)


def test_the_fixture_config_waives_the_undocumented_column(shop_builds, tmp_path):
    report = tmp_path / "gate.json"
    dbtgate(
        "check",
        "--artifacts",
        "target",
        "--base",
        str(shop_builds.base / "target"),
        "--json",
        str(report),
        cwd=shop_builds.pr,
    )
    findings = read_json(report)["findings"]
    [country] = [
        f
        for f in findings
        if f["code"] == "docs.column_coverage" and f["unique_id"] == "model.shop.dim_customers"
    ]
    assert country["disposition"] == "waived"
    assert country["waiver"]["owner"] == "@marketing-analytics"
    assert country["waiver"]["expires"] == "2099-12-31"


def test_scope_changed_against_a_git_ref_blocks_the_same_as_against_base_artifacts(
    shop_builds, tmp_path
):
    """A CI job without base artifacts: `--base HEAD~1` parses the base commit with dbt in a
    worktree; what the pull request touched (and so what blocks) must not change."""
    import subprocess

    from dbtgate.fixture_build import assemble_project, fixtures_dir

    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("config", "user.email", "ci@example.com")
    git("config", "user.name", "CI")
    for state in ("base", "pr"):
        assemble_project(fixtures_dir(), state, repo / "analytics")
        git("add", "-A")
        git("commit", "-q", "-m", state)
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text(
        "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f'      path: "{(profiles / "shop.duckdb").as_posix()}"\n'
    )
    config = write_config(tmp_path, CONFIG.format(scope="changed"))
    report = tmp_path / "gate.json"
    result = run_dbtgate(
        *("check", "--artifacts", str(shop_builds.pr / "target"), "--project-dir", "analytics"),
        *("--base", "HEAD~1", "--profiles-dir", str(profiles), "--config", str(config)),
        *("--json", str(report)),
        cwd=repo,
        # Not the test run's environment: on a runner its GITHUB_* and RUNNER_TEMP made this
        # gate write the job's step summary, outputs and annotation ledger.
        env=plain_env(HOME=str(tmp_path), DBTGATE_CACHE_DIR=str(tmp_path / "cache")),
    )
    assert result.returncode == 1, result.stdout + result.stderr
    by_ref = read_json(report)
    by_path = run_check(
        shop_builds, tmp_path, "changed", "--base", str(shop_builds.base / "target")
    )
    blocking = {
        (f["code"], f["unique_id"])
        for f in policy_findings(by_ref)
        if f["disposition"] == "blocking"
    }
    assert blocking == {("tests.min_per_model", "model.shop.int_order_payments")}
    assert by_ref["sections"]["changes"]["new"] == by_path["sections"]["changes"]["new"]
    assert set(by_ref["sections"]["changes"]["modified"]) == set(
        by_path["sections"]["changes"]["modified"]
    )
