"""A model edited after the build, then `dbt parse` (a pre-commit hook's, an editor's): the
manifest holds the edit, run_results.json the run of the code before it. On what dbt-duckdb
really writes, the gate blocks the changed model as not built as it is now, and a `dbt parse`
with no edit (or one of a model using Jinja blocks, loops, an ephemeral model) says nothing."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from cli_support import dbtgate
from corpus import CORPUS, corpus_dir
from policy_support import read_json
from test_diff_incremental_dbt import dbt

from dbtgate.status.built_code import compiled_from, written_outside_jinja

MODELS = {
    "orders.sql": "select 1 as id, 'web' as channel, 10 as amount\n",
    "recent.sql": (
        "{{ config(materialized='incremental', unique_key='id') }}\n"
        "select id, amount from {{ ref('orders') }}\n"
        "{% if is_incremental() %}\n"
        "where id > (select max(id) from {{ this }})\n"
        "{% endif %}\n"
    ),
    "channels.sql": (
        "{% set names = ['web', 'shop'] %}\n"
        "select\n"
        "{%- for name in names %}\n"
        "    sum(case when channel = '{{ name }}' then amount end) as {{ name }}_amount,\n"
        "{%- endfor %}\n"
        "    count(*) as orders\n"
        "from {{ ref('orders') }}\n"
    ),
    "base_orders.sql": "{{ config(materialized='ephemeral') }}\nselect * from {{ ref('orders') }}\n",
    "big_orders.sql": (
        "with big as (\n    select * from {{ ref('base_orders') }} where amount > 5\n)\n"
        "select id from big\n"
    ),
}


def write_project(project: Path) -> None:
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: inc\nversion: '1.0'\nprofile: inc\nmodels:\n  +materialized: table\n",
        encoding="utf-8",
    )
    for name, sql in MODELS.items():
        (project / "models" / name).write_text(sql, encoding="utf-8")


def not_run(report: Path) -> dict[str, str]:
    return {
        f["unique_id"]: f["message"]
        for f in read_json(report)["findings"]
        if f["code"] == "run.not_run"
    }


@pytest.mark.slow
def test_an_edit_parsed_after_the_build_is_not_built(tmp_path: Path) -> None:
    project = tmp_path / "project"
    write_project(project)
    database = tmp_path / "dev.duckdb"

    def run(*args: str) -> None:
        done = dbt(project, database, "target", *args)
        assert done.returncode == 0, done.stdout

    run("build")
    shutil.copytree(project / "target", tmp_path / "base")
    # Every model changed since the base build, and built: then a `dbt parse` with no edit.
    for name, sql in MODELS.items():
        (project / "models" / name).write_text(f"-- reviewed\n{sql}", encoding="utf-8")
    run("build")
    run("parse")
    # Every file written since the run (as a checkout does), its code the one built: each is
    # compared with what the run compiled, Jinja blocks, loops and the ephemeral model too.
    for path in (project / "models").iterdir():
        os.utime(path)
    report = tmp_path / "gate.json"
    base = str(tmp_path / "base")
    dbtgate("check", "--base", base, "--json", str(report), cwd=project)
    assert not_run(report) == {}
    assert not [f for f in read_json(report)["findings"] if f["code"] == "run.stale_results"]

    # One model edited and parsed, not built.
    orders = project / "models" / "orders.sql"
    orders.write_text("-- reviewed\nselect 1 as id, 10 as amount\n", encoding="utf-8")
    run("parse")
    done = dbtgate("check", "--base", base, "--json", str(report), cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    assert not_run(report) == {
        "model.inc.orders": "model orders changed but was not built as it is now: "
        "run_results.json holds the run of its code before an edit (a later dbt command, such "
        "as `dbt parse`, rewrote manifest.json with the edit)"
    }
    # One edit, one finding: neither run.stale_results nor the load's warning of another
    # invocation says it again.
    gated = read_json(report)
    assert not [f for f in gated["findings"] if f["code"] == "run.stale_results"]
    assert not [w for w in gated["warnings"] if "invocation" in w]
    # The time between the run and the manifest past the tolerance is said in that finding.
    (project / "dbtgate.yml").write_text("version: 1\nrun: {stale_tolerance_minutes: 0}\n")
    dbtgate("check", "--base", base, "--json", str(report), cwd=project)
    [finding] = [f for f in read_json(report)["findings"] if f["code"].startswith("run.")]
    assert finding["code"] == "run.not_run"
    assert re.search(
        r"rewrote manifest.json with the edit, \d+ s after the run\)$", finding["message"]
    )
    assert finding["details"]["gap_seconds"] > 0
    (project / "dbtgate.yml").unlink()
    # Without a base build nothing is `changed`: the results are said not to describe it.
    dbtgate("check", "--json", str(report), cwd=project)
    [stale] = [f for f in read_json(report)["findings"] if f["code"] == "run.stale_results"]
    assert (
        "1 model built from other code than the manifest holds, edited since the build "
        in (stale["message"])
    )
    assert stale["details"]["built_from_other_code"] == ["model.inc.orders"]
    # Only a file written since the run started can hold code it did not build: one older is
    # not read (a stat each, not every model's Jinja, in CI's `dbt build` + `dbt docs
    # generate`), nor are the artifacts gated apart from their project's folder.
    os.utime(orders, (1_000_000_000, 1_000_000_000))
    dbtgate("check", "--base", base, "--json", str(report), cwd=project)
    assert not_run(report) == {}
    os.utime(orders)
    shutil.copytree(project / "target", tmp_path / "artifacts")
    dbtgate("check", "--artifacts", "artifacts", "--json", str(report), cwd=tmp_path)
    assert not [f for f in read_json(report)["findings"] if f["code"] == "run.stale_results"]


def test_text_inside_jinja_blocks_is_left_out() -> None:
    assert written_outside_jinja(MODELS["recent.sql"]) == ["selectid,amountfrom"]
    assert written_outside_jinja(MODELS["channels.sql"]) == ["select", "count(*)asordersfrom"]
    # `{% set x %}...{% endset %}` is a block; `{% set x = 1 %}` a statement.
    assert written_outside_jinja("{% set q %}a{% endset %}b{% set n = 1 %}c") == ["b", "c"]
    # A string inside a tag holding the closing delimiter (elementary's models' post_hook).
    config = "{{ config(post_hook='{{ upload() }}', unique_key='id') }}\nselect 1 as id"
    assert written_outside_jinja(config) == ["select1asid"]


def test_code_is_told_from_what_the_run_compiled() -> None:
    assert compiled_from("select a,\n  b\nfrom {{ ref('t') }}", 'select a, b from "db"."t"')
    assert compiled_from("select a from {{ ref('t') }}", 'select a, b from "db"."t"') is False
    # An ephemeral model's CTE written into the reader: not told either way.
    compiled = "with __dbt__cte__e as (select 1), big as (select * from __dbt__cte__e) select 1"
    assert compiled_from("with big as (select * from {{ ref('e') }}) select 1", compiled) is None


BUILD_FOLDERS = ("bouncer-dbt110", "bouncer-dbt111", "bouncer-dbt112", "bouncer-dbt20")
# Manifests and run_results.json of one dbt invocation in the corpus: what each run compiled
# is what its manifest's code compiles to (packages' models with Jinja config, macros, loops).
CORPUS_BUILDS = [
    ("schema-versions/manifest_v11.json", "schema-versions/run_results_v5.json"),
    ("schema-versions/manifest_v12_dbt1.9.json", "schema-versions/run_results_v6.json"),
    ("schema-versions/manifest_v12_dbt1.12.json", "schema-versions/run_results_v6_dbt1.12.json"),
    *((f"{name}/manifest.json", f"{name}/run_results.json") for name in BUILD_FOLDERS),
]


@pytest.mark.parametrize(("manifest", "run_results"), CORPUS_BUILDS)
def test_every_model_a_real_run_built_is_told_built_from_its_code(manifest, run_results):
    folder, name = manifest.split("/")
    nodes = json.loads((corpus_dir(folder) / name).read_text())["nodes"]
    results = json.loads((CORPUS / run_results).read_text())["results"]
    told = {}
    for result in results:
        node = nodes.get(result["unique_id"])
        compiled = result.get("compiled_code")
        if node is not None and node["resource_type"] == "model" and compiled:
            told[result["unique_id"]] = compiled_from(node["raw_code"], compiled)
    assert told and set(told.values()) == {True}, told
