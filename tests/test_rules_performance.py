"""Performance rules: the last run's execution times (a dbt Fusion build of the bouncer
project, and the docs-generate run of dbt 1.12 that executed nothing), its bytes billed (a dbt
1.9 build on BigQuery), and chains of views."""

from __future__ import annotations

import itertools
import json
import tempfile
from pathlib import Path

import pytest
from corpus import corpus_dir
from diff_support import model, write_build
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_support import by_code, corpus_project, gate, rule_config

from dbtgate.artifacts import ArtifactSet, load_manifest, load_run_results
from dbtgate.errors import DbtgateError
from dbtgate.project import Project

PKG = "dbt_bouncer_test_project"


def execution_time_config(tmp_path, max_seconds):
    return rule_config(
        tmp_path, "performance.execution_time", f"{{severity: warn, max_seconds: {max_seconds}}}"
    )


def test_execution_times_above_the_ceiling_in_a_real_build(tmp_path):
    project = corpus_project("bouncer-dbt20")
    results = json.loads((corpus_dir("bouncer-dbt20") / "run_results.json").read_text())["results"]
    # The truth, read with plain json: the root project's models, seeds and snapshots that ran
    # longer than 0.0402 s (customers v1 ran 0.0403 s, v2 0.0402 s).
    slow = {
        r["unique_id"]: r["execution_time"]
        for r in results
        if r["unique_id"].split(".")[0] in ("model", "seed", "snapshot")
        and r["unique_id"].split(".")[1] == PKG
        and r["status"] != "skipped"
        and r["execution_time"] > 0.0402
    }
    assert slow  # the build has some, or the test checks nothing
    findings = by_code(
        gate(project, execution_time_config(tmp_path, 0.0402)).findings,
        "performance.execution_time",
    )
    assert {f.unique_id: f.details["execution_time"] for f in findings} == slow
    customers = next(f for f in findings if f.unique_id == f"model.{PKG}.customers.v3")
    assert customers.message == (
        f"customers v3 took {slow[customers.unique_id]:,.1f} s to build in the last run; "
        "at most 0.0402 s"
    )
    # Under a ceiling none reaches, nothing.
    findings = gate(project, execution_time_config(tmp_path, 60)).findings
    assert by_code(findings, "performance.execution_time") == []


def test_the_tests_execution_times_under_a_policy_that_selects_them(tmp_path):
    """dbt-bouncer's ceiling reads every result of the run: a slow data test holds the build up
    as a slow model does. `*` selects no tests; `resource_type:test` gives them a ceiling."""
    results = json.loads((corpus_dir("bouncer-dbt20") / "run_results.json").read_text())["results"]
    slow = {
        r["unique_id"]
        for r in results
        if r["unique_id"].startswith(f"test.{PKG}.") and r["execution_time"] > 0.005
    }
    assert slow
    project = corpus_project("bouncer-dbt20")
    setting = "{severity: warn, max_seconds: 0.005}"
    config = rule_config(tmp_path, "performance.execution_time", setting, "resource_type:test")
    findings = by_code(gate(project, config).findings, "performance.execution_time")
    assert {f.unique_id for f in findings} == slow
    assert all(" s to run in the last run; at most 0.005 s" in f.message for f in findings)
    everything = rule_config(tmp_path, "performance.execution_time", setting)
    findings = by_code(gate(project, everything).findings, "performance.execution_time")
    assert findings and not {f.unique_id for f in findings} & slow


def test_a_run_that_executed_nothing_holds_no_execution_time(tmp_path):
    """dbt 1.12's run_results.json here is from `dbt docs generate`: its times are compile
    times, not builds."""
    findings = gate(corpus_project("bouncer-dbt112"), execution_time_config(tmp_path, 0.001))
    assert by_code(findings.findings, "performance.execution_time") == []
    # Not a silent pass: the note names the rule and what it would have read.
    assert [note for note in findings.notes if "performance.execution_time" in note] == [
        f"{tmp_path / 'dbtgate.yml'}:5: performance.execution_time reads the results of a run "
        "that executed models (`dbt build` or `dbt run`), which this build does not have, so "
        "it checked nothing"
    ]


def test_a_ceiling_of_zero_is_a_config_error_at_its_line(tmp_path):
    config = execution_time_config(tmp_path, 0)
    with pytest.raises(DbtgateError, match=r"dbtgate\.yml:5: .*max_seconds: expected a number"):
        gate(corpus_project("bouncer-dbt20"), config)


def bigquery_build() -> tuple[Project, list[dict]]:
    """The dbt 1.9 `dbt build` on BigQuery in schema-versions/ (jaffle_shop with the elementary
    package): its manifest and run_results of one invocation, and the raw results."""
    folder = corpus_dir("schema-versions")
    results_path = folder / "run_results_v6.json"
    artifacts = ArtifactSet(
        folder,
        load_manifest(folder / "manifest_v12_dbt1.9.json"),
        run_results=load_run_results(results_path),
    )
    return Project.from_artifacts(artifacts), json.loads(results_path.read_text())["results"]


def billed_over(results: list[dict], prefixes: tuple[str, ...], gigabytes: float) -> dict:
    """The truth, read with plain json: the root project's results of those kinds that billed
    more than `gigabytes`, with their bytes."""
    return {
        r["unique_id"]: r["adapter_response"]["bytes_billed"]
        for r in results
        if r["unique_id"].startswith(prefixes)
        and r["unique_id"].split(".")[1] == "jaffle_shop"
        and (r.get("adapter_response") or {}).get("bytes_billed") is not None
        and r["adapter_response"]["bytes_billed"] > gigabytes * 1e9
    }


def test_bytes_billed_above_the_ceiling_in_a_real_bigquery_build(tmp_path):
    """dbt-bouncer's check_run_results_max_gigabytes_billed: customers billed 31,457,280 bytes,
    orders 20,971,520 and daily_orders 52,428,800; the seeds' loads record none."""
    project, results = bigquery_build()
    over = billed_over(results, ("model.", "seed.", "snapshot."), 0.02)
    assert len(over) == 3  # the build has some, or the test checks nothing
    config = rule_config(tmp_path, "performance.bytes_billed", "{max_gigabytes: 0.02}")
    findings = by_code(gate(project, config).findings, "performance.bytes_billed")
    assert {f.unique_id: f.details["bytes_billed"] for f in findings} == over
    customers = next(f for f in findings if f.unique_id == "model.jaffle_shop.customers")
    assert customers.message == (
        "customers billed 0.031 GB to build in the last run; at most 0.02 GB"
    )
    # The elementary package's models billed as much; a policy on `*` judges the root project.
    assert not [f for f in findings if ".elementary." in f.unique_id]
    generous = rule_config(tmp_path, "performance.bytes_billed", "{max_gigabytes: 0.06}")
    assert by_code(gate(project, generous).findings, "performance.bytes_billed") == []


def test_the_tests_bytes_billed_under_a_policy_that_selects_them(tmp_path):
    """Each data test of the build billed 10,485,760 bytes, the relationships test twice that."""
    project, results = bigquery_build()
    over = billed_over(results, ("test.",), 0.015)
    assert list(over) == [
        "test.jaffle_shop.relationships_orders_customer_id__customer_id__ref_customers_.c6ec7f58f2"
    ]
    setting = "{max_gigabytes: 0.015}"
    config = rule_config(tmp_path, "performance.bytes_billed", setting, "resource_type:test")
    findings = by_code(gate(project, config).findings, "performance.bytes_billed")
    assert [f.unique_id for f in findings] == list(over)
    assert findings[0].message.endswith(" billed 0.021 GB to run in the last run; at most 0.015 GB")


def test_a_run_without_bytes_billed_checks_nothing_and_says_so(tmp_path):
    """dbt Fusion's build of the bouncer project ran on DuckDB, which bills nothing: every result
    ran, none records bytes billed, so the rule has nothing to read rather than passing."""
    config = rule_config(tmp_path, "performance.bytes_billed", "{max_gigabytes: 0.000001}")
    result = gate(corpus_project("bouncer-dbt20"), config)
    assert by_code(result.findings, "performance.bytes_billed") == []
    assert [note for note in result.notes if "performance.bytes_billed" in note] == [
        f"{tmp_path / 'dbtgate.yml'}:5: performance.bytes_billed reads the bytes billed per "
        "result that dbt-bigquery writes in run_results.json (`dbt build` or `dbt run` on "
        "BigQuery), which this build does not have, so it checked nothing"
    ]
    # On the BigQuery build the same rule is no note.
    project, _ = bigquery_build()
    assert not [n for n in gate(project, config).notes if "performance.bytes_billed" in n]


def test_a_ceiling_of_zero_gigabytes_is_a_config_error_at_its_line(tmp_path):
    config = rule_config(tmp_path, "performance.bytes_billed", "{max_gigabytes: 0}")
    with pytest.raises(DbtgateError, match=r"dbtgate\.yml:5: .*max_gigabytes: expected a number"):
        gate(bigquery_build()[0], config)


def chain_build(tmp_path, materialized_b="view"):
    """a -> b -> c -> d -> e (views, b as given) -> fct (a table) -> report (a view);
    d is also read by side (a table)."""
    uid = "model.proj.{}".format
    return write_build(
        tmp_path,
        [
            model("a", materialized="view"),
            model("b", materialized=materialized_b, depends_on=[uid("a")]),
            model("c", materialized="ephemeral", depends_on=[uid("b")]),
            model("d", materialized="view", depends_on=[uid("c")]),
            model("e", materialized="view", depends_on=[uid("d")]),
            model("fct", materialized="table", depends_on=[uid("e")]),
            model("report", materialized="view", depends_on=[uid("fct")]),
            model("side", materialized="table", depends_on=[uid("d")]),
        ],
    )


def test_a_chain_of_views_is_reported_once_where_it_ends(tmp_path):
    findings = by_code(
        gate(
            chain_build(tmp_path / "b"), rule_config(tmp_path, "performance.chained_views")
        ).findings,
        "performance.chained_views",
    )
    # fct reads a, b, c, d, e (5 > 3); side reads a, b, c, d (4). e reads 4 too, but fct
    # reads e: the chain is reported at fct. report reads a table.
    assert [(f.unique_id, f.message) for f in findings] == [
        (
            "model.proj.fct",
            "fct reads a chain of 5 views and ephemeral models (a -> b -> c -> d -> e); at most 3",
        ),
        (
            "model.proj.side",
            "side reads a chain of 4 views and ephemeral models (a -> b -> c -> d); at most 3",
        ),
    ]
    assert findings[0].details["chain"] == [f"model.proj.{n}" for n in "abcde"]


def test_a_chain_of_one_view_is_worded_in_the_singular(tmp_path):
    # max: 0 is dbt-bouncer's max_chained_views: 1, which flags a model reading one view.
    project = write_build(
        tmp_path / "b",
        [model("stg", materialized="view"), model("fct", depends_on=["model.proj.stg"])],
    )
    config = rule_config(tmp_path, "performance.chained_views", "{max: 0}")
    findings = by_code(gate(project, config).findings, "performance.chained_views")
    assert [f.message for f in findings] == [
        "fct reads a chain of 1 view or ephemeral model (stg); at most 0"
    ]


def test_a_table_in_the_middle_breaks_the_chain(tmp_path):
    project = chain_build(tmp_path / "b", materialized_b="table")
    findings = gate(project, rule_config(tmp_path, "performance.chained_views")).findings
    assert by_code(findings, "performance.chained_views") == []  # fct reads c, d, e: 3
    assert project.view_chain("model.proj.fct") == [f"model.proj.{n}" for n in "cde"]


def test_a_long_chain_is_walked_without_recursion(tmp_path):
    uid = "model.proj.v{}".format
    views = [model("v0", materialized="view")] + [
        model(f"v{i}", materialized="view", depends_on=[uid(i - 1)]) for i in range(1, 3000)
    ]
    project = write_build(tmp_path, [*views, model("t", depends_on=[uid(2999)])])
    assert len(project.view_chain("model.proj.t")) == 3000


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_the_view_chain_is_the_longest_path_of_views(tmp_path, data):
    """Against a brute force over every path, on random DAGs (a model reads only models of a
    lower index, so there is no cycle)."""
    n = data.draw(st.integers(2, 12), label="models")
    materializations = data.draw(
        st.lists(st.sampled_from(["view", "ephemeral", "table"]), min_size=n, max_size=n)
    )
    parents = {
        i: sorted(data.draw(st.sets(st.integers(0, i - 1), max_size=3))) if i else []
        for i in range(n)
    }
    uid = "model.proj.m{}".format
    project = write_build(
        Path(tempfile.mkdtemp(dir=tmp_path)),
        [
            model(
                f"m{i}", materialized=materializations[i], depends_on=[uid(p) for p in parents[i]]
            )
            for i in range(n)
        ],
    )

    def longest(i: int) -> int:
        virtual = [p for p in parents[i] if materializations[p] != "table"]
        return max((1 + longest(p) for p in virtual), default=0)

    for i in range(n):
        chain = project.view_chain(uid(i))
        assert len(chain) == longest(i)
        assert all(materializations[int(c.rsplit("m", 1)[1])] != "table" for c in chain)
        # Each link reads the one before it, and the last is a parent of the model.
        for upstream, downstream in itertools.pairwise(chain):
            assert upstream in project.parents[downstream]
        if chain:
            assert chain[-1] in project.parents[uid(i)]


def test_a_model_without_a_materialization_is_a_view(tmp_path):
    """dbt builds a model with no `materialized` config as a view, and so does the chain rule
    (as governance.materialization reads it)."""
    uid = "model.proj.{}".format
    nodes = [model("a", materialized="view"), model("b", depends_on=[uid("a")])]
    del nodes[1]["config"]["materialized"]
    project = write_build(tmp_path, [*nodes, model("t", depends_on=[uid("b")])])
    assert project.nodes[uid("b")].config.materialized is None
    assert project.view_chain(uid("t")) == [uid("a"), uid("b")]


def test_a_view_many_models_read_should_be_stored(tmp_path):
    """The bouncer build's staging views: stg_orders is read by 5 models, stg_payments by 4,
    stg_customers by 3."""
    project = corpus_project("bouncer-dbt112")
    config = rule_config(tmp_path, "performance.materialization_by_children", "{threshold: 3}")
    findings = by_code(gate(project, config).findings, "performance.materialization_by_children")
    assert [(f.unique_id.split(".", 2)[2], f.message) for f in findings] == [
        (
            "stg_orders",
            "stg_orders is materialized as view and read by 5 models, more than 3: each runs "
            "its query again",
        ),
        (
            "stg_payments",
            "stg_payments is materialized as view and read by 4 models, more than 3: each runs "
            "its query again",
        ),
    ]
    assert findings[1].details["models"] == [
        f"model.{PKG}.customers.v1",
        f"model.{PKG}.customers.v2",
        f"model.{PKG}.customers.v3",
        f"model.{PKG}.orders",
    ]


def test_both_ways_a_table_few_models_read_should_be_a_view(tmp_path):
    """As dbt-checkpoint's check-model-materialization-by-childs: the tables and the
    incremental model, which no model reads; py_order_stats, a Python model, cannot be a view."""
    project = corpus_project("bouncer-dbt112")
    config = rule_config(
        tmp_path, "performance.materialization_by_children", "{threshold: 4, both_ways: true}"
    )
    findings = by_code(gate(project, config).findings, "performance.materialization_by_children")
    assert sorted(f.unique_id.split(".", 2)[2] for f in findings) == [
        "customers.v1",
        "customers.v2",
        "customers.v3",
        "int_incremental",
        "metricflow_time_spine",
        "orders",
        "stg_orders",
    ]
    messages = {f.unique_id.split(".", 2)[2]: f.message for f in findings}
    assert messages["int_incremental"] == (
        "int_incremental is materialized as incremental and read by 0 models, 4 or fewer: "
        "a view would do"
    )
