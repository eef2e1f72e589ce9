"""Selectors select what dbt's own `dbt ls --select` selects, asked of the real dbt in the test.

The fixture's pull-request project is copied and given what the fixture lacks (tags, a snapshot,
a disabled model, a Python model, a unit test, a documented macro, an installed package), parsed
with dbt, and each selector is put to `dbt ls` (tests/dbt_ls.py, one dbt process for all) and to
dbtgate's `Selection` on the manifest that parse wrote. dbtgate's selection must equal dbt's,
less what docs/configuration.md says dbtgate leaves out: tests and unit tests unless a part of
the selector names them, installed packages' resources unless `package:` or a graph operator
reaches them; macros (which dbt never lists) are left out of dbtgate's side. The selectors where
dbtgate deliberately differs are compared with dbt's answer on their own, below.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dbtgate.artifacts import load_artifacts
from dbtgate.base import find_dbt
from dbtgate.project import Project
from dbtgate.select import Selection, parse_selector
from dbtgate.state import compare_builds
from dbtgate.state_modified import PARTS, DbtState

pytestmark = pytest.mark.slow

# Each is compared as `dbt ls --select <before --exclude> --exclude <after>`.
SAME_AS_DBT = [
    # bare names, wildcards, case, versions, folders and packages of the fqn
    *("fct_orders", "FCT_ORDERS", "fct_*", "*orders", "*_orders", "stg_?rders", "stg_[cp]*"),
    *("raw_customers", "orders_summary", "orders_summary.v1", "orders_summary_v2"),
    *("orders_summary.*", "marts.orders_summary.v2", "shop.marts.orders_summary.v1"),
    *("revenue_dashboard", "old_orders", "orders_snapshot", "legacy_report", "shop", "marts"),
    *("shop.marts", "shop.marts.*", "marts.*", "staging.stg_*", "s*", "shop.stg_orders"),
    *("fqn:shop.staging", "fqn:*", "fqn:*.stg_orders", "fqn:marts.dim_*", "fqn:orders_summary.v2"),
    *("tag:staging", "tag:Daily", "tag:daily", "tag:mart", "tag:m*", "tag:history", "tag:python"),
    # paths and files
    *("path:models/marts", "path:models/marts/", "path:models/staging/_staging.yml"),
    *("path:models/staging/_sources.yml", "path:models/marts/_exposures.yml", "path:models/*"),
    *("path:models/**/*.sql", "path:models/mar*", "path:seeds", "path:snapshots", "path:macros"),
    *("path:models/Marts", "models/marts", "./models/marts", "models/marts/fct_orders.sql"),
    *("file:fct_orders.sql", "file:fct_orders", "file:*.py", "raw_orders.csv", "FCT_ORDERS.SQL"),
    # methods
    *("package:shop", "package:mini", "package:this", "package:m*"),
    *("resource_type:model", "resource_type:snapshot", "resource_type:source"),
    *("resource_type:exposure", "resource_type:test", "resource_type:unit_test"),
    *("config.materialized:table", "config.materialized:TABLE", "config.tags:mart"),
    *("config.meta.owner:@finance-eng", "config.contract.enforced:True", "config.enabled:true"),
    *(
        "config.unique_key:order_id",
        "config.severity:ERROR,test_type:generic",
        "config.group:finance",
    ),
    *("source:shop_raw", "source:shop_raw.raw_*", "source:shop.shop_raw.raw_orders", "source:*"),
    *("exposure:revenue*", "exposure:shop.revenue_dashboard"),
    *("test_type:generic", "test_type:singular", "test_type:unit", "test_type:data"),
    *("test_name:unique", "test_name:accepted_values", "test_name:test_ltv_is_sum"),
    *("unit_test:shop.test_ltv_is_sum", "group:fin*", "access:public", "access:private"),
    *("version:latest", "version:old", "version:none"),
    # graph operators, unions, intersections, exclusions
    *("+fct_orders", "2+fct_orders", "fct_orders+1", "+fct_orders+", "@stg_orders"),
    *("stg_orders+", "+source:shop_raw.raw_orders+1", "3+customer_ltv", "@tag:staging"),
    *("+exposure:*", "fct_orders dim_customers", "tag:mart,config.materialized:table"),
    *("path:models/marts,group:finance", "+fct_orders,resource_type:seed"),
    *("fct_orders+,test_type:generic", "customer_ltv+,test_type:unit"),
    *("tag:mart --exclude fct_orders", "path:models --exclude path:models/staging"),
    "tag:mart tag:staging --exclude tag:mart,config.materialized:incremental",
]
# dbtgate's own, said in docs/configuration.md: compared with dbt's answer by
# test_where_dbtgate_differs_it_is_as_documented.
DIFFERENT = ["*", "model.shop.fct_orders", "+tag:mart", "config.meta.tier:1", "access:pub*"]


def add_to_project(project: Path) -> None:
    """What the fixture has none of, for the selectors above to select."""
    settings = project / "dbt_project.yml"
    text = settings.read_text(encoding="utf-8")
    text = text.replace(
        '+meta: {tier: 3, owner: "@data-platform"}',
        '+meta: {tier: 3, owner: "@data-platform"}\n      +tags: ["staging", "Daily"]',
    ).replace("+materialized: table", '+materialized: table\n      +tags: ["mart"]')
    settings.write_text(text + 'snapshots:\n  shop:\n    +tags: ["history"]\n', encoding="utf-8")
    files = {
        "snapshots/orders_snapshot.sql": "{% snapshot orders_snapshot %}\n{{ config("
        "target_schema='snapshots', unique_key='order_id', strategy='check', check_cols='all')"
        " }}\nselect * from {{ ref('stg_orders') }}\n{% endsnapshot %}\n",
        "macros/cents.sql": "{% macro cents_to_dollars(c) %}({{ c }} / 100.0){% endmacro %}\n",
        "macros/_macros.yml": "version: 2\nmacros:\n  - name: cents_to_dollars\n"
        "    description: cents to dollars\n",
        "models/legacy/old_orders.sql": "{{ config(enabled=false) }}\n"
        "select * from {{ ref('stg_orders') }}\n",
        "models/legacy/legacy_report.py": "def model(dbt, session):\n"
        '    dbt.config(materialized="table", tags=["python"])\n'
        '    return dbt.ref("stg_orders")\n',
        "models/marts/_unit.yml": "version: 2\nunit_tests:\n  - name: test_ltv_is_sum\n"
        "    model: customer_ltv\n    config: {tags: [unit]}\n    given:\n"
        "      - {input: ref('dim_customers'), rows: []}\n"
        "      - {input: ref('fct_orders'), rows: []}\n    expect: {rows: []}\n",
        # An installed package (as `dbt deps` leaves one), whose model reads the project's.
        "dbt_packages/mini/dbt_project.yml": "name: mini\nversion: '1.0.0'\n"
        "config-version: 2\nmodels:\n  mini:\n    +tags: [mart]\n",
        "dbt_packages/mini/models/mini_orders.sql": "select * from {{ ref('shop', 'stg_orders') }}\n",
    }
    for name, content in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(content, encoding="utf-8")


def dbt_parse(project: Path, target: str = "target") -> Project:
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    command = [find_dbt(os.environ), "parse", "--profiles-dir", str(project)]
    done = subprocess.run(
        [*command, "--target-path", target], cwd=project, capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stdout
    return Project.from_artifacts(load_artifacts(project / target))


def dbt_ls(project: Path, selectors: list[str], state: Path | None = None) -> dict[str, object]:
    """dbt's answer to each selector (tests/dbt_ls.py)."""
    asked = project.parent / "selectors.json"
    asked.write_text(json.dumps(selectors), encoding="utf-8")
    answers = project.parent / "answers.json"
    script = Path(__file__).with_name("dbt_ls.py")
    command = [sys.executable, str(script), str(project), str(asked), str(answers)]
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    done = subprocess.run(
        [*command, *([str(state)] if state else [])], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(answers.read_text(encoding="utf-8"))


def richer_project(shop_builds, directory: Path) -> tuple[Path, Project]:
    """The fixture's pull request with `add_to_project`'s resources, in `directory/project`,
    and its parse."""
    project = directory / "project"
    shutil.copytree(shop_builds.pr, project, ignore=shutil.ignore_patterns("target", "logs"))
    database = project.parent / "shop.duckdb"
    (project / "profiles.yml").write_text(
        f"shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: '{database}'\n",
        encoding="utf-8",
    )
    add_to_project(project)
    return project, dbt_parse(project)


@pytest.fixture(scope="module")
def richer(shop_builds, tmp_path_factory) -> tuple[Path, Project]:
    """Shared by the tests that only read the project (one that edits it makes its own)."""
    return richer_project(shop_builds, tmp_path_factory.mktemp("select_dbt"))


def dbtgate_selects(selection: Selection, line: str) -> set[str]:
    select, _, exclude = line.partition(" --exclude ")
    excluded = parse_selector(exclude) if exclude else None
    chosen = selection.select(parse_selector(select), excluded)
    return {uid for uid in chosen if not uid.startswith("macro.")}


def as_dbtgate_selects(line: str, answer: list[str], root: str) -> set[str]:
    """dbt's answer less what dbtgate leaves out by design (docs/configuration.md): tests
    and the semantic layer unless the selector names them, other packages' resources unless
    it reaches them."""
    names_tests = any(
        word in line for word in ("test_type:", "test_name:", "unit_test", "resource_type:test")
    )
    names_semantic = any(word in line for word in ("semantic_model", "metric", "saved_query"))
    reaches_packages = "package:" in line or "+" in line or "@" in line
    return {
        uid
        for uid in answer
        if (names_tests or not uid.startswith(("test.", "unit_test.")))
        and (names_semantic or not uid.startswith(_SEMANTIC_PREFIXES))
        and (reaches_packages or uid.split(".")[1] == root)
    }


_SEMANTIC_PREFIXES = ("semantic_model.", "metric.", "saved_query.")


def differences_from_dbt(
    selection: Selection, lines: list[str], answers: dict[str, object], root: str
) -> dict[str, dict[str, set[str]]]:
    """Per selector line where dbtgate and dbt's answer (`dbt_ls`) disagree, what each alone
    selects; a line dbt could not answer fails the test."""
    differ = {}
    for line in lines:
        answer = answers[line]
        assert answer != "error", line
        expected = as_dbtgate_selects(line, answer, root)  # type: ignore[arg-type]
        got = dbtgate_selects(selection, line)
        if got != expected:
            differ[line] = {"dbt only": expected - got, "dbtgate only": got - expected}
    return differ


def test_selectors_select_what_dbt_ls_selects(richer) -> None:
    project_dir, project = richer
    answers = dbt_ls(project_dir, SAME_AS_DBT)
    selection = Selection(project)
    assert differences_from_dbt(selection, SAME_AS_DBT, answers, project.root_package) == {}
    # The matrix selects something in most cases: an empty answer proves little.
    assert sum(1 for line in SAME_AS_DBT if answers[line]) > len(SAME_AS_DBT) * 0.8


def test_where_dbtgate_differs_it_is_as_documented(richer) -> None:
    project_dir, project = richer
    dbt = {line: set(answer) for line, answer in dbt_ls(project_dir, DIFFERENT).items()}
    selection = Selection(project)
    sources = set(project.sources)
    package = {uid for uid in dbt["+tag:mart"] if ".mini." in uid}
    # `*` selects the sources too (dbt's is `fqn:*`, which has none).
    assert dbtgate_selects(selection, "*") == as_dbtgate_selects("*", dbt["*"], "shop") | sources
    # A unique_id selects its resource, where dbt's fqn matches nothing.
    assert dbt["model.shop.fct_orders"] == set()
    assert dbtgate_selects(selection, "model.shop.fct_orders") == {"model.shop.fct_orders"}
    # An installed package's resource is selected by `package:` or through the graph only.
    assert package == {"model.mini.mini_orders"}
    assert dbtgate_selects(selection, "+tag:mart") == dbt["+tag:mart"] - package
    # Numbers are matched by their text, and values as globs; dbt compares exactly.
    assert dbt["config.meta.tier:1"] == dbt["access:pub*"] == set()
    assert dbtgate_selects(selection, "config.meta.tier:1") == {
        "model.shop.dim_customers",
        "model.shop.fct_orders",
        "model.shop.orders_summary.v1",
        "model.shop.orders_summary.v2",
    }
    assert dbtgate_selects(selection, "access:pub*") == dbtgate_selects(selection, "access:public")


def test_state_selects_what_dbt_ls_state_selects(shop_builds, tmp_path) -> None:
    # A project of its own, which it edits: in the module's, a test run after this one asked
    # dbt about the edited project and compared its answers with the project parsed before.
    project_dir, _ = richer_project(shop_builds, tmp_path)
    # The pull request: a body, a config and a description edited, a model added.
    (project_dir / "models/marts/fct_orders.sql").write_text(
        (project_dir / "models/marts/fct_orders.sql").read_text(encoding="utf-8") + "\n-- edited\n",
        encoding="utf-8",
    )
    settings = project_dir / "dbt_project.yml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace(
            "intermediate:\n      +materialized: view", "intermediate:\n      +materialized: table"
        ),
        encoding="utf-8",
    )
    staging = project_dir / "models/staging/_staging.yml"
    staging.write_text(
        staging.read_text(encoding="utf-8").replace(
            "One row per payment attempt", "Each payment attempt"
        ),
        encoding="utf-8",
    )
    (project_dir / "models/marts/brand_new.sql").write_text("select 1 as id\n", encoding="utf-8")
    dbt_parse(project_dir, "pr_target")
    (project_dir / "target").rename(project_dir / "base_target")
    (project_dir / "pr_target").rename(project_dir / "target")
    # Loaded where they now are: `state:modified` reads the manifests again (macro bodies).
    pr = Project.from_artifacts(load_artifacts(project_dir / "target"))
    base = Project.from_artifacts(load_artifacts(project_dir / "base_target"))
    lines = [
        "state:new",
        "state:old",
        "state:modified",
        "state:modified+1",
        "+state:modified,resource_type:seed",
        "state:modified --exclude state:new",
        "state:unmodified,resource_type:model",
        *(f"state:modified.{part}" for part in PARTS),
    ]
    answers = dbt_ls(project_dir, lines, state=project_dir / "base_target")
    changes = compare_builds(pr, base)
    selection = Selection(pr, DbtState(pr, base, changes))
    # In the change set (scope: changed gates it), but no build's: dbt's state:modified counts
    # a description with persist_docs only.
    assert changes.modified.get("model.shop.stg_payments") == ["description"], changes
    for line in lines:
        assert answers[line] != "error", line
        expected = as_dbtgate_selects(line, answers[line], "shop")
        assert dbtgate_selects(selection, line) == expected, line
    assert "model.shop.stg_payments" not in answers["state:modified"]
    assert "model.shop.brand_new" in answers["state:new"]
    assert {"model.shop.fct_orders", "model.shop.int_order_payments"} <= set(
        answers["state:modified"]
    )
