"""Unit tests as part of a pull request's change, on real dbt-duckdb builds of the fixture: a
unit test added to an unchanged model, or edited, is the change's (its failure blocks under
`scope: changed`), one removed makes nothing fail, and a changed model built without its unit
tests (`dbt build --exclude test_type:unit`) is `run.not_run` until the suggested `dbt build
--select` runs them. The base fixture gets a `_unit_tests.yml`; each variant is built with
`dbt build` into its own DuckDB file."""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from dbtgate import cli
from dbtgate.dbt_process import run_dbt
from dbtgate.fixture_build import assemble_project, fixtures_dir

pytestmark = pytest.mark.slow

MODEL = "model.shop.dim_products"
UNIT_TEST = "unit_test.shop.dim_products.test_units_sold"
DISABLED = "unit_test.shop.dim_products.test_units_sold_later"
UNIT_TESTS_YML = "models/marts/_unit_tests.yml"
CONFIG = "version: 1\nscope: changed\n"


def unit_tests_yaml(units_sold: int) -> str:
    """dim_products' unit test: 2 + 3 units of product 1 sold, `units_sold` expected (5
    passes); and one disabled in its config, which dbt never runs."""
    return textwrap.dedent(
        f"""\
        version: 2
        unit_tests:
          - name: test_units_sold
            model: dim_products
            given:
              - input: ref('stg_products')
                rows:
                  - {{product_id: 1, product_name: mug, category: merch, price: 10}}
              - input: ref('int_order_items_priced')
                rows:
                  - {{product_id: 1, quantity: 2}}
                  - {{product_id: 1, quantity: 3}}
            expect:
              rows:
                - {{product_id: 1, units_sold: {units_sold}}}
          - name: test_units_sold_later
            model: dim_products
            config: {{enabled: false}}
            given: []
            expect: {{rows: []}}
        """
    )


@dataclass(frozen=True)
class Builds:
    passing: Path  # the base fixture with dim_products' unit test, passing
    failing: Path  # that unit test edited to expect 6 units: it fails
    excluded: Path  # the edited project's `dbt build --exclude test_type:unit`


def dbt(project: Path, *args: str) -> None:
    env = {**os.environ, "DBT_PROFILES_DIR": str(project.parent), "DBT_USE_COLORS": "false"}
    executable = shutil.which("dbt", path=str(Path(sys.executable).parent)) or "dbt"
    command = [executable, *args, "--project-dir", str(project)]
    completed = run_dbt(command, project, env)
    # Exit 1: a failing unit test (and the model it skips), which the gate is to report.
    assert completed.returncode in (0, 1), completed.stdout[-3000:]


def build(directory: Path, units_sold: int) -> Path:
    """The base fixture with `_unit_tests.yml`, built by `dbt build`; its project directory."""
    project = directory / "project"
    assemble_project(fixtures_dir(), "base", project)
    (project / UNIT_TESTS_YML).write_text(unit_tests_yaml(units_sold))
    (directory / "profiles.yml").write_text(
        "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f'      path: "{(directory / "shop.duckdb").as_posix()}"\n'
    )
    dbt(project, "build")
    return project


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    root = tmp_path_factory.mktemp("unit_tests")
    passing = build(root / "passing", units_sold=5)
    failing = build(root / "failing", units_sold=6)
    dbt(failing, "build", "--exclude", "test_type:unit", "--target-path", "target_excluded")
    return Builds(passing, failing, failing / "target_excluded")


def results(target: Path) -> dict[str, str]:
    data = json.loads((target / "run_results.json").read_text())
    return {r["unique_id"]: r["status"] for r in data["results"]}


def gate(tmp_path: Path, artifacts: Path, base: Path) -> tuple[int, dict]:
    """`dbtgate check --base` of `artifacts` (a target directory) under `scope: changed`: its
    exit code and JSON report."""
    config = tmp_path / "dbtgate.yml"
    config.write_text(CONFIG)
    report = tmp_path / f"gate-{len(list(tmp_path.glob('gate-*.json')))}.json"
    args = ["check", "-q", "--artifacts", str(artifacts), "--base", str(base)]
    args += ["--config", str(config), "--json", str(report)]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(artifacts.parent)
        code = cli.dispatch(args)
    assert code in (0, 1)
    return code, json.loads(report.read_text())


def blocking(report: dict) -> dict[tuple[str, str], dict]:
    return {
        (f["code"], f["unique_id"]): f for f in report["findings"] if f["disposition"] == "blocking"
    }


def test_the_builds_are_what_the_cases_need(builds):
    assert results(builds.passing / "target")[UNIT_TEST] == "pass"
    assert results(builds.failing / "target")[UNIT_TEST] == "fail"
    excluded = results(builds.excluded)
    assert excluded[MODEL] == "success" and UNIT_TEST not in excluded
    # dbt keeps a disabled unit test apart, in the manifest's `disabled`: it never runs.
    manifest = json.loads((builds.failing / "target" / "manifest.json").read_text())
    assert UNIT_TEST in manifest["unit_tests"] and DISABLED not in manifest["unit_tests"]
    assert DISABLED in manifest["disabled"]


def test_a_failing_unit_test_added_to_an_unchanged_model_blocks(builds, shop_builds, tmp_path):
    code, report = gate(tmp_path, builds.failing / "target", shop_builds.base / "target")
    changes = report["sections"]["changes"]
    assert UNIT_TEST in changes["new"]
    assert changes["modified"] == {MODEL: ["unit tests"]}
    assert code == 1
    failure = blocking(report)[("run.test_failures", UNIT_TEST)]
    assert failure["message"].startswith("unit test test_units_sold on dim_products failed")
    assert failure["message"].endswith("; the unit test is new in this change")
    assert (failure["path"], failure["line"]) == (UNIT_TESTS_YML, 3)


def test_an_edited_unit_test_that_fails_blocks(builds, tmp_path):
    code, report = gate(tmp_path, builds.failing / "target", builds.passing / "target")
    changes = report["sections"]["changes"]
    assert changes["new"] == []
    assert changes["modified"] == {MODEL: ["unit tests"], UNIT_TEST: ["unit test definition"]}
    assert code == 1
    failure = blocking(report)[("run.test_failures", UNIT_TEST)]
    assert failure["message"].endswith("; in the base build it passed")


def test_a_passing_unit_test_added_or_one_removed_makes_nothing_fail(builds, shop_builds, tmp_path):
    code, report = gate(tmp_path, builds.passing / "target", shop_builds.base / "target")
    assert report["sections"]["changes"]["modified"] == {MODEL: ["unit tests"]}
    assert (code, blocking(report)) == (0, {})
    # The base build had the unit test, the pull request removed it.
    code, report = gate(tmp_path, shop_builds.base / "target", builds.passing / "target")
    changes = report["sections"]["changes"]
    assert changes["deleted"] == [UNIT_TEST]
    assert MODEL not in changes["modified"]
    assert (code, blocking(report)) == (0, {})


def test_a_changed_model_built_without_its_unit_tests_is_not_run_until_they_run(builds, tmp_path):
    code, report = gate(tmp_path, builds.excluded, builds.passing / "target")
    assert code == 1
    not_run = blocking(report)[("run.not_run", MODEL)]
    # Its disabled unit test is not counted: 1 of 1.
    assert not_run["message"] == (
        "model dim_products changed and was built, but 1 of its 1 unit tests did not run "
        f"(e.g. {UNIT_TEST})"
    )
    assert not_run["details"] == {"unit_tests_not_run": [UNIT_TEST]}
    assert not_run["fix"].startswith("Build it and its tests: `dbt build --select dim_products`")
    # The fix, run as it says: the unit test ran (and failed, as edited), nothing is not run.
    dbt(builds.failing, "build", "--select", "dim_products", "--target-path", "target_fixed")
    code, report = gate(tmp_path, builds.failing / "target_fixed", builds.passing / "target")
    assert [key for key in blocking(report) if key[0] == "run.not_run"] == []
    assert ("run.test_failures", UNIT_TEST) in blocking(report)
