"""The owner family: an owner is present, and it is one the team recognises (list or CODEOWNERS)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cli_support import dbtgate
from diff_support import PACKAGE, model, write_build
from policy_support import by_code, corpus_project, gate, read_json, write_config

from dbtgate.rules.codeowners import find_codeowners, parse_codeowners, same_owner

PKG = "dbt_bouncer_test_project"


def test_owner_present_accepts_meta_owner_and_flags_the_rest(tmp_path):
    project = corpus_project("bouncer-dbt112")
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "resource_type:seed resource_type:model"
            rules: {owner.present: error}
        """,
    )
    findings = by_code(gate(project, config).findings, "owner.present")
    flagged = {f.unique_id for f in findings}
    assert f"model.{PKG}.orders" in flagged
    # Seeds carry meta.owner "Data Team".
    assert not any(uid.startswith("seed.") for uid in flagged)
    assert len(flagged) == 14  # every model of the root project
    # The three versions of customers are three findings, each naming its version.
    versions = sorted(
        f.message for f in findings if f.unique_id.startswith(f"model.{PKG}.customers")
    )
    assert versions == [
        f"customers v{n} has no owner (no meta.owner and no group with an owner)" for n in (1, 2, 3)
    ]


def test_owner_allowed_matches_listed_patterns_case_insensitively(tmp_path):
    project = corpus_project("bouncer-dbt112")
    text = """\
        version: 1
        policies:
          - select: "resource_type:seed"
            rules: {{owner.allowed: {{owners: {owners}}}}}
        """
    allowed = write_config(tmp_path, text.format(owners='["data team"]'))
    assert by_code(gate(project, allowed).findings, "owner.allowed") == []
    teams_only = write_config(tmp_path, text.format(owners='["@*"]'))
    findings = by_code(gate(project, teams_only).findings, "owner.allowed")
    assert len(findings) == 3
    assert findings[0].message == ("raw_customers's owner 'Data Team' is not an allowed owner (@*)")


def test_codeowners_patterns_follow_github_rules(tmp_path):
    codeowners = parse_codeowners(
        """\
# comment
*                       @acme/everyone
/models/staging/        @acme/data-platform
models/marts/**/fct_*   @acme/finance-eng   # trailing comment
*.csv                   @acme/loaders
/models/marts/secret.sql
""",
        tmp_path / "CODEOWNERS",
    )
    assert codeowners.owners_of("models/staging/stg_orders.sql") == ["@acme/data-platform"]
    assert codeowners.owners_of("models/marts/finance/fct_orders.sql") == ["@acme/finance-eng"]
    assert codeowners.owners_of("models/marts/fct_orders.sql") == ["@acme/finance-eng"]
    assert codeowners.owners_of("models/marts/dim_customers.sql") == ["@acme/everyone"]
    assert codeowners.owners_of("seeds/deep/raw_orders.csv") == ["@acme/loaders"]
    # An entry without owners un-owns the file (last match wins).
    assert codeowners.owners_of("models/marts/secret.sql") == []
    # `/models/staging/` is anchored: a nested "models/staging" does not match it.
    assert codeowners.owners_of("other/models/staging/x.sql") == ["@acme/everyone"]
    assert [r.line for r in codeowners.rules] == [2, 3, 4, 5, 6]


def test_codeowners_is_found_upwards_with_the_project_prefix(tmp_path):
    repo = tmp_path / "repo"
    project_dir = repo / "analytics" / "dbt"
    project_dir.mkdir(parents=True)
    (repo / ".git").mkdir()
    (repo / ".github").mkdir()
    (repo / ".github" / "CODEOWNERS").write_text("/analytics/dbt/models/ @acme/data\n")
    found = find_codeowners(project_dir)
    assert found is not None
    assert found.prefix == "analytics/dbt"
    assert found.owners_of("models/x.sql") == ["@acme/data"]
    # The search stops at the repository root.
    (tmp_path / "CODEOWNERS").write_text("* @outside\n")
    (repo / ".github" / "CODEOWNERS").unlink()
    assert find_codeowners(project_dir) is None


def test_same_owner_ignores_the_org_and_the_at_sign():
    assert same_owner("@finance-eng", "@acme/finance-eng")
    assert same_owner("finance-eng", "@acme/finance-eng")
    assert same_owner("@acme/finance-eng", "@acme/finance-eng")
    assert not same_owner("@finance", "@acme/finance-eng")


@pytest.mark.slow
def test_owner_must_be_a_codeowner_of_the_models_file(shop_builds, tmp_path):
    codeowners = tmp_path / "CODEOWNERS"
    codeowners.write_text(
        "/models/staging/       @acme/data-platform\n"
        "/models/intermediate/  @acme/data-platform @acme/finance-eng\n"
        "/models/marts/         @acme/finance-eng\n"
    )
    write_config(
        tmp_path,
        f"""\
        version: 1
        owner: {{codeowners: {codeowners}}}
        policies:
          - select: "resource_type:model"
            rules: {{owner.allowed: {{codeowners_match: true}}}}
        """,
    )
    result = dbtgate(
        "check",
        "--artifacts",
        str(shop_builds.pr / "target"),
        "--project-dir",
        str(shop_builds.pr),
        "--json",
        str(tmp_path / "gate.json"),
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    findings = [
        f for f in read_json(tmp_path / "gate.json")["findings"] if f["code"] == "owner.allowed"
    ]
    flagged = {f["unique_id"]: f["details"]["owner"] for f in findings}
    # Marts owned by groups (Finance/Marketing Analytics) are not the marts' code owners;
    # fct_orders (@finance-eng) and the staging/intermediate models are.
    assert flagged == {
        "model.shop.dim_customers": "Marketing Analytics",
        "model.shop.customer_ltv": "Marketing Analytics",
        "model.shop.customer_segments": "Marketing Analytics",
        "model.shop.finance_revenue": "Finance Analytics",
        "model.shop.orders_summary.v1": "Finance Analytics",
        "model.shop.orders_summary.v2": "Finance Analytics",
    }
    dim_customers = next(f for f in findings if f["unique_id"] == "model.shop.dim_customers")
    assert dim_customers["path"].endswith("models/marts/_marts.yml")
    assert dim_customers["line"] == 4


def _package_model(name: str, package: str, owner: str) -> dict:
    """A model of `package` (the root project's when it is `diff_support.PACKAGE`), its file
    `models/<name>.sql` in that package, owned by `owner`."""
    node = model(name, meta={"owner": owner})
    node["package_name"] = package
    node["unique_id"] = f"model.{package}.{name}"
    node["patch_path"] = f"{package}://models/schema.yml"
    return node


def test_codeowners_of_a_package_model_are_those_of_its_file_where_installed(tmp_path):
    """In a git repository whose CODEOWNERS gives the root's models, the installed packages
    and a `local:` package each their own owners: a package model is matched by where its
    file is in the repository, not by its path in the package (`models/x.sql`, which names
    the root's file and its owners). A package not installed, or installed from outside the
    repository, has no CODEOWNERS owner, and the finding says why."""
    repo = tmp_path / "repo"
    project = repo / "analytics"
    project.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / ".github").mkdir()
    (repo / ".github" / "CODEOWNERS").write_text(
        "/analytics/models/        @acme/analytics\n"
        "/analytics/dbt_packages/  @acme/vendored\n"
        "/pkgs/acme_utils/         @acme/utils\n"
    )
    (project / "dbt_project.yml").write_text(f"name: {PACKAGE}\n")
    local = repo / "pkgs" / "acme_utils"
    outside = tmp_path / "elsewhere" / "ext_pkg"
    for folder, name in ((local, "acme_utils"), (outside, "ext_pkg")):
        (folder / "models").mkdir(parents=True)
        (folder / "dbt_project.yml").write_text(f"name: {name}\n")
    hub = project / "dbt_packages" / "hub_pkg"
    (hub / "models").mkdir(parents=True)
    (hub / "dbt_project.yml").write_text("name: hub_pkg\n")
    (hub / "models" / "hub_model.sql").write_text("select 1\n")
    (hub / "models" / "vendored.sql").write_text("select 1\n")
    (local / "models" / "util_numbers.sql").write_text("select 1\n")
    (outside / "models" / "ext_model.sql").write_text("select 1\n")
    (project / "dbt_packages" / "acme_utils").symlink_to(Path("../../pkgs/acme_utils"))
    (project / "dbt_packages" / "ext_pkg").symlink_to(outside)
    write_build(
        project,
        [
            _package_model("orders", PACKAGE, "@analytics"),
            # The root's models/ owners: before, a package file of that path was theirs too.
            _package_model("hub_model", "hub_pkg", "@analytics"),
            _package_model("vendored", "hub_pkg", "@vendored"),
            _package_model("util_numbers", "acme_utils", "@utils"),
            _package_model("ghost", "ghost_pkg", "@analytics"),
            _package_model("ext_model", "ext_pkg", "@analytics"),
        ],
    )
    write_config(
        project,
        """\
        version: 1
        policies:
          - select: "* package:hub_pkg package:acme_utils package:ghost_pkg package:ext_pkg"
            rules: {owner.allowed: {codeowners_match: true}}
        """,
    )
    result = dbtgate("check", "--json", "gate.json", cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr
    findings = read_json(project / "gate.json")["findings"]
    flagged = {f["unique_id"]: f["message"] for f in findings if f["code"] == "owner.allowed"}
    assert flagged == {
        "model.hub_pkg.hub_model": "hub_model's owner '@analytics' is not an allowed owner "
        "(CODEOWNERS of analytics/dbt_packages/hub_pkg/models/hub_model.sql: @acme/vendored)",
        "model.ghost_pkg.ghost": "ghost's owner '@analytics' is not an allowed owner (no "
        "CODEOWNERS owner: package ghost_pkg is not installed here, so its models/ghost.sql "
        "has no path in the repository (`dbt deps` installs it))",
        "model.ext_pkg.ext_model": "ext_model's owner '@analytics' is not an allowed owner (no "
        f"CODEOWNERS owner: {(outside / 'models' / 'ext_model.sql').resolve().as_posix()} is "
        f"outside the repository CODEOWNERS covers ({repo.resolve()}))",
    }
