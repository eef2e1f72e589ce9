"""`state:modified` and its parts select what dbt's own select, asked of the real dbt.

A small dbt-duckdb project is parsed, edited as a pull request edits one (a description with
and without persist_docs, a column's description, a config, a post-hook, an alias, tags, an
enforced contract, SQL, the body of a macro a model calls through another, a file moved to
another folder, a source's description, identifier and freshness, an exposure's description, a
test's severity), and parsed again; `dbt ls --state <the first parse>` answers each selector
(tests/dbt_ls.py) and dbtgate's `Selection` on the two manifests must answer the same, less what
docs/configuration.md says dbtgate leaves out (tests unless a part names them; macros, which
dbt never lists). The gate itself is run too: a policy on `state:modified` reports what dbt
selects, while `scope: changed` still sees the description-only edits.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_support import dbtgate
from test_select_dbt import as_dbtgate_selects, dbt_ls, dbt_parse, differences_from_dbt

from dbtgate.select import Selection
from dbtgate.state import compare_builds
from dbtgate.state_modified import PARTS, DbtState

pytestmark = pytest.mark.slow

BASE = {
    "dbt_project.yml": "name: tiny\nversion: '1.0.0'\nconfig-version: 2\nprofile: tiny\n"
    "models:\n  tiny:\n    +materialized: view\n",
    "macros/money.sql": "{% macro inner_macro() %}1{% endmacro %}\n"
    "{% macro outer_macro() %}{{ inner_macro() }}{% endmacro %}\n",
    "models/persisted.sql": "select 1 as id\n",
    "models/described.sql": "select 1 as id\n",
    "models/column_docs.sql": "select 1 as id\n",
    "models/configured.sql": "select 1 as id\n",
    "models/hooked.sql": "select 1 as id\n",
    "models/aliased.sql": "select 1 as id\n",
    "models/tagged.sql": "select 1 as id\n",
    "models/contracted.sql": "select 1 as id\n",
    "models/edited.sql": "select 1 as id\n",
    "models/uses_macro.sql": "select {{ outer_macro() }} as id\n",
    "models/untouched.sql": "select * from {{ ref('edited') }}\n",
    "models/here/moved.sql": "select 1 as id\n",
    "models/_models.yml": """\
version: 2
sources:
  - name: raw
    schema: main
    tables:
      - name: documented
        description: raw rows
      - name: renamed
        identifier: raw_a
      - name: fresh
        loaded_at_field: loaded_at
        freshness: {warn_after: {count: 1, period: day}}
models:
  - name: persisted
    description: one
    config: {persist_docs: {relation: true, columns: true}}
  - name: described
    description: two
    columns:
      - name: id
        description: the key
        data_tests:
          - not_null:
              config: {severity: error}
  - name: column_docs
    config: {persist_docs: {columns: true}}
    columns:
      - name: id
        description: the key
  - name: configured
    config: {materialized: view}
  - name: hooked
    config: {post_hook: "select 1"}
  - name: aliased
    config: {alias: aliased_v1}
  - name: tagged
    config: {tags: [a]}
  - name: contracted
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - name: id
        data_type: integer
exposures:
  - name: dashboard
    type: dashboard
    description: numbers
    owner: {name: Finance}
    depends_on: [ref('untouched')]
""",
}
# The pull request, as file -> (text replaced, by).
EDITS = {
    "models/_models.yml": [
        ("description: raw rows", "description: raw rows, edited"),
        ("identifier: raw_a", "identifier: raw_b"),
        ("{count: 1, period: day}", "{count: 2, period: day}"),
        ("description: one", "description: one, edited"),
        ("description: two", "description: two, edited"),
        ("severity: error", "severity: warn"),
        (
            "      - name: id\n        description: the key\n  - name: configured",
            "      - name: id\n        description: the key, edited\n  - name: configured",
        ),
        ("{materialized: view}", "{materialized: table}"),
        ('"select 1"', '"select 2"'),
        ("aliased_v1", "aliased_v2"),
        ("tags: [a]", "tags: [a, b]"),
        ("data_type: integer", "data_type: bigint"),
        ("description: numbers", "description: numbers, edited"),
    ],
    "models/edited.sql": [("select 1", "select 2")],
    "macros/money.sql": [("%}1{%", "%}2{%")],
}


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> tuple[Path, Path]:
    """The project edited as the pull request, with the base's parse in `base_target`."""
    project = tmp_path_factory.mktemp("state_modified") / "project"
    for name, text in BASE.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    database = project.parent / "tiny.duckdb"
    (project / "profiles.yml").write_text(
        f"tiny:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: '{database}'\n",
        encoding="utf-8",
    )
    dbt_parse(project, "base_target")
    for name, edits in EDITS.items():
        text = (project / name).read_text(encoding="utf-8")
        for old, new in edits:
            assert old in text, (name, old)
            text = text.replace(old, new)
        (project / name).write_text(text, encoding="utf-8")
    (project / "models/there").mkdir()
    shutil.move(project / "models/here/moved.sql", project / "models/there/moved.sql")
    (project / "models/brand_new.sql").write_text("select 1 as id\n", encoding="utf-8")
    dbt_parse(project)
    return project, project / "base_target"


LINES = [
    "state:new",
    "state:modified",
    "state:unmodified",
    "state:modified+",
    "state:modified,resource_type:test",
    "state:modified.body,resource_type:test",
    "state:modified.configs,resource_type:test",
    "state:modified.macros+",
    *(f"state:modified.{part}" for part in PARTS),
]


def test_state_selects_what_dbt_ls_state_selects(builds) -> None:
    from dbtgate.artifacts import load_artifacts
    from dbtgate.project import Project

    project_dir, base_target = builds
    pr = Project.from_artifacts(load_artifacts(project_dir / "target"))
    base = Project.from_artifacts(load_artifacts(base_target))
    changes = compare_builds(pr, base)
    selection = Selection(pr, DbtState(pr, base, changes))
    answers = dbt_ls(project_dir, LINES, state=base_target)
    assert differences_from_dbt(selection, LINES, answers, "tiny") == {}
    # What each edit is to dbt, so that agreeing proves something.
    modified = {uid.split(".")[-1] for uid in answers["state:modified"]}
    assert {"persisted", "column_docs", "configured", "hooked", "aliased", "contracted"} <= modified
    assert {"edited", "uses_macro", "moved", "brand_new", "fresh", "dashboard"} <= modified
    assert not {"described", "tagged", "untouched", "documented"} & modified
    assert set(answers["state:modified.macros"]) == {"model.tiny.uses_macro"}
    # A generic test's severity is in its code too, as dbt writes it.
    [edited_test] = answers["state:modified.body,resource_type:test"]
    assert edited_test.startswith("test.tiny.not_null_described_id.")
    assert set(answers["state:modified.relation"]) >= {
        "model.tiny.aliased",
        "source.tiny.raw.renamed",
    }
    # The change set still holds the edits dbt does not build, for `scope: changed`.
    assert changes.modified["model.tiny.described"] == ["description", "tests"]
    assert changes.modified["model.tiny.tagged"] == ["config.tags"]
    # And all that dbt's `state:modified` selects: `scope: changed` gates what dbt rebuilds.
    assert set(answers["state:modified"]) <= changes.changed()
    assert "config.post_hook" in changes.modified["model.tiny.hooked"]
    assert changes.modified["model.tiny.uses_macro"] == ["macros"]


def test_a_policy_on_state_modified_reports_what_dbt_selects(builds, tmp_path) -> None:
    """As a user runs it: `dbtgate check --base` with a policy on `state:modified`."""
    project_dir, base_target = builds
    config = tmp_path / "dbtgate.yml"
    config.write_text(
        'version: 1\npolicies:\n  - select: "state:modified"\n'
        "    rules: {governance.required_meta: {keys: [owner]}}\n",
        encoding="utf-8",
    )
    report = tmp_path / "report.json"
    done = dbtgate(
        "check",
        "--artifacts",
        str(project_dir / "target"),
        "--base",
        str(base_target),
        "--config",
        str(config),
        "--json",
        str(report),
        cwd=project_dir,
    )
    assert done.returncode in (0, 1), done.stderr
    findings = json.loads(report.read_text(encoding="utf-8"))["findings"]
    reported = {
        f["unique_id"]
        for f in findings
        if f["code"] == "governance.required_meta" and not f["unique_id"].startswith("macro.")
    }
    answer = dbt_ls(project_dir, ["state:modified"], state=base_target)["state:modified"]
    assert reported == as_dbtgate_selects("state:modified", answer, "tiny")
    assert "model.tiny.described" not in reported
