"""Lint debt in a baseline, on real copies of the fixture project with real sqlfluff.

A SQL file no dbt resource names (a disabled model) has its lint findings fingerprinted by its
path: that path must be the same whichever folder dbtgate runs in (outside git it was the working
directory's, so a baseline written in the project's folder did not match CI run from the folder
above), and the same as before where it was already stable (a project in a git repository). And
`baseline --prune` after a lint that read less (a file left out, a file it could not parse, a
rule turned off) keeps the entries it did not look for.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_support import dbtgate
from lint_repos import FIXTURES, apply_overlay, commit_all, git, init_repo
from policy_support import read_json

from dbtgate.findings import Finding, fingerprint

pytestmark = pytest.mark.slow

LEGACY = "models/staging/legacy_disabled.sql"
# A model dbt does not build (so no resource names the file), with two lint violations.
LEGACY_SQL = "{{ config(enabled=false) }}\nselect 1 as a,2 as b\n"
CONFIG = """\
version: 1
scope: all
baseline: dbtgate-baseline.json
lint: {enabled: true, dialect: duckdb, templater: jinja%s}
"""


def shop_project(folder: Path) -> Path:
    """The pull request's project at `folder`, with the legacy file and the config."""
    shutil.copytree(FIXTURES / "shop", folder)
    apply_overlay(folder)
    (folder / LEGACY).write_text(LEGACY_SQL)
    (folder / "dbtgate.yml").write_text(CONFIG % "")
    return folder


def run(command: str, project: Path, target: Path, cwd: Path, *args: str):
    result = dbtgate(
        command, "--artifacts", str(target), "--project-dir", str(project), *args, cwd=cwd
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return result


def legacy_entries(project: Path) -> list[dict]:
    entries = read_json(project / "dbtgate-baseline.json")["findings"]
    return [e for e in entries if e["code"].startswith("lint.") and "unique_id" not in e]


def check_report(project: Path, target: Path, cwd: Path) -> dict:
    report = cwd / "gate.json"
    run("check", project, target, cwd, "--json", str(report))
    return json.loads(report.read_text())


@pytest.mark.parametrize("in_git", [False, True], ids=["no git", "git, project in a folder"])
def test_a_baseline_of_a_file_without_a_resource_matches_from_any_folder(
    tmp_path, shop_builds, in_git
):
    outer = init_repo(tmp_path / "repo") if in_git else tmp_path / "repo"
    project = shop_project(outer / "analytics")
    if in_git:
        # The legacy file on a branch: what `check` lints, as the files changed since main.
        legacy_sql = (project / LEGACY).read_bytes()
        (project / LEGACY).unlink()
        commit_all(outer, "main")
        git(outer, "checkout", "--quiet", "-b", "pr")
        (project / LEGACY).write_bytes(legacy_sql)
        commit_all(outer, "the legacy file")
    target = shop_builds.pr / "target"
    run("baseline", project, target, project)
    entries = legacy_entries(project)
    assert {e["code"] for e in entries} == {"lint.LT01", "lint.LT09"}
    # The fingerprints a baseline written in the project's folder had before (the path from the
    # repository's root, else from the working directory): an existing baseline still matches.
    before = f"analytics/{LEGACY}" if in_git else LEGACY
    assert {e["fingerprint"] for e in entries} == {
        fingerprint(
            Finding(code=e["code"], severity="error", message="", path=before, key=e["key"])
        )
        for e in entries
    }
    for cwd in (outer, project / "models", tmp_path):
        report = check_report(project, target, cwd)
        legacy = [f for f in report["findings"] if f["path"].endswith("legacy_disabled.sql")]
        assert legacy and {f["disposition"] for f in legacy} == {"baselined"}, cwd
        section = report["sections"]["baseline"]
        # Every entry matched (in git only the files changed since main were linted: the others
        # were not looked for, and are not called fixed).
        assert section["fixed"] == [] and section["gone"] == [], cwd
        assert section["matched"] == section["entries"] or in_git
    # Each names its file, for `--prune` to tell whether a later lint read it.
    assert {e["path"] for e in entries} == {before}


def test_prune_after_a_lint_that_read_less_keeps_the_entries_it_did_not_look_for(
    tmp_path, shop_builds
):
    project = shop_project(tmp_path / "analytics")
    target = shop_builds.pr / "target"
    run("baseline", project, target, project)
    recorded = read_json(project / "dbtgate-baseline.json")["findings"]
    payments = [e for e in recorded if e.get("unique_id") == "model.shop.int_order_payments"]
    assert {e["code"] for e in payments} >= {"lint.LT01", "lint.LT05"}
    model = project / "models/intermediate/int_order_payments.sql"
    sql = model.read_text()

    def prune() -> str:
        said = run("baseline", project, target, project, "--prune").stdout
        return " ".join(said.split())

    narrowings = {
        "the legacy file left out": (CONFIG % ", exclude: ['models/staging/legacy_*']", sql),
        "only LT09 on": (CONFIG % ", rules: [LT09]", sql),
        "the model unparsable": (CONFIG % "", sql.replace("{{ ref(", "{{ ref((", 1)),
    }
    for narrowing, (config, text) in narrowings.items():
        (project / "dbtgate.yml").write_text(config)
        model.write_text(text)
        said = prune()
        assert "nothing to drop" in said, (narrowing, said)
        assert read_json(project / "dbtgate-baseline.json")["findings"] == recorded, narrowing
    # The model's folder turns LT05 off for its files: its LT05 debt was not looked for, and
    # blocks again once the folder's config goes; its other codes were, and are still there.
    (project / "dbtgate.yml").write_text(CONFIG % "")
    model.write_text(sql)
    folder_config = model.parent / ".sqlfluff"
    folder_config.write_text("[sqlfluff]\nexclude_rules = LT05\n")
    said = prune()
    assert "nothing to drop" in said and "kept " in said, said
    assert read_json(project / "dbtgate-baseline.json")["findings"] == recorded
    folder_config.unlink()

    # What lint read and no longer finds is fixed, and dropped.
    (project / LEGACY).write_text("{{ config(enabled=false) }}\nselect\n    1 as a,\n    2 as b\n")
    said = prune()
    assert "dropped 2 entries (2 fixed)" in said, said
    assert legacy_entries(project) == []
