"""Docs for the codes the status families emit: `run.*` (run_results.json), `freshness.*`
(sources.json) and `kpi.*` (the scorecard).

These are not policy rules a config selects: each family runs on every gate and its severities
are set under `run:`, `freshness:` and `kpi:` in the config. A user who reads `run.not_run` in a
PR comment still needs the what / why / how-to-fix, so the codes are documented here, as data,
and `dbtgate rules CODE`, docs/rules.md and the SARIF/HTML rule help read them. Default
severities are taken from the config's own defaults, so the docs cannot drift from them.
"""

from __future__ import annotations

from dbtgate.codes import CodeDoc, document
from dbtgate.config import FreshnessSeverities, KpiConfig, KpiTargets, RunSeverities, SlowerConfig
from dbtgate.status.kpi import KPI_NAMES, label

_RUN = RunSeverities()
_FRESHNESS = FreshnessSeverities()

document(
    CodeDoc(
        code="run.errors",
        severity=_RUN.errors,
        summary="A model, seed, snapshot or hook errored in the last run.",
        what="A node of run_results.json has status `error` (or `partial success`: some "
        "microbatches of an incremental model failed). The finding quotes the first line of "
        "dbt's error message. A status dbt never writes (a hand-edited file, another tool's), "
        "or none, counts as an error too: the outcome is unknown, and loading warns of it. "
        "With a base build's run_results.json (`check --base`), it says how the same node "
        "went there (`; in the base build it succeeded`). It points at the node's own file, "
        "where the error is fixed: a model's or snapshot's SQL, on the line the warehouse "
        "quotes (`LINE 6: ...`) when that line reads the same in the file, and only once, "
        "else line 1; a seed's CSV, on the record DuckDB could not load; an enforced contract "
        "that failed, on the model's YAML entry.",
        why="An errored model was not rebuilt: its table still holds the previous state, or "
        "nothing, and every model downstream was skipped or built on stale data.",
        fix="Read the error in dbt's log (the SQL that failed is under target/run/), fix the "
        "model, and rebuild it with `dbt build --select <model>+`. Severity: "
        "`run.severity.errors`.",
        example="error  run.errors  model fct_orders errored: Binder Error: column "
        '"amount" not found',
    ),
    CodeDoc(
        code="run.test_failures",
        severity=_RUN.test_failures,
        summary="A data test or unit test failed or errored in the last run.",
        what="A test of run_results.json has status `fail` or `error`; tests that ended in "
        f"`warn` are reported under the same code at `run.severity.test_warnings` (default "
        f"{_RUN.test_warnings}); a status dbt never writes, or none, counts as a failure. The finding names the tested model and column, the number of "
        "failing rows, and the compiled query that reproduces them. A unit test's (dbt 1.8+) "
        "is its model's as a data test's is (the model's owner and tier, a waiver or "
        "`--select` of the model covers it), on its entry under `unit_tests:`, with dbt's "
        "table of the rows that differ from those expected. With a base build "
        "(`check --base`) it says how the same test went in the base build's run (`; in the "
        "base build it passed`, `... it failed too (5 failing rows)`), or that the test (or "
        "unit test) is new in this change: a change that broke a test, a test that was red "
        "already, and a new test that found bad data call for different fixes. When the base build's run did not "
        "run the test (main built by a run of part of the project) or skipped it, it says so: "
        "nothing then tells whether the failure is the change's.",
        why="A failing test is the project telling you the data breaks a stated assumption "
        "(a duplicated key, an orphaned foreign key, an unexpected null). Merging on a red test "
        "ships numbers that someone declared wrong.",
        fix="Run the compiled query (target/compiled/...) to see the failing rows; fix the "
        "model or the data (for a unit test: the model's logic, or its `given` or `expect` "
        "rows). If the test must not block, set its `severity: warn` in YAML, or "
        "waive the finding with a reason and an expiry date.",
        example="error  run.test_failures  test unique_fct_orders_order_id on fct_orders.order_id "
        "failed: 3 failing rows",
    ),
    CodeDoc(
        code="run.skipped",
        severity=_RUN.skipped,
        summary="A node was skipped because something upstream failed.",
        what="A node or test of run_results.json has status `skipped`: dbt did not build or "
        "test it because a parent errored or a blocking test failed (a model whose unit test "
        "failed is skipped, with its data tests and readers). The finding names the nearest "
        "such failure upstream (the model that errored, or the test or unit test that failed "
        "and on what), so a cascade of skips points at its one cause.",
        why="A skipped model was neither rebuilt nor tested, so the run says nothing about "
        "whether the change works for it.",
        fix="Fix the upstream failure (reported as run.errors or run.test_failures) and "
        "rebuild. Severity: `run.severity.skipped`.",
        example="warn  run.skipped  model finance_revenue was skipped: test "
        "not_null_fct_orders_order_id on fct_orders failed upstream, so it was neither built nor "
        "tested",
    ),
    CodeDoc(
        code="run.not_run",
        severity=_RUN.not_run,
        summary="A node changed in the pull request was not built or tested.",
        what="With a base build to compare with, each new or modified model, seed and snapshot "
        "must have a result in run_results.json, and so must its data tests and unit tests "
        "(not those disabled in their config, which dbt never runs); a changed test must have "
        "run. One changed only where dbt's `state:modified` does not look (its description "
        "and its columns' descriptions without `persist_docs`, its tags, its tests; without an "
        "enforced contract the columns and constraints its YAML declares) need not be built, as `dbt build --select "
        "state:modified+` does not build it: only its new and edited tests must have run. A unit test added or edited modifies its model (see `scope` in "
        "configuration.md), so a run that left the unit tests out (`dbt build --exclude "
        "test_type:unit`, `dbt run`) is reported on the model: `1 of its 1 unit tests did not "
        "run`. A changed model the run built from other code than the manifest holds (edited "
        "after the build, then `dbt parse`, which rewrites manifest.json and not "
        "run_results.json) was not built as it is now: its text outside Jinja is not in the "
        "SQL the run compiled (the finding says how long after the run the manifest was "
        "written when that is past `run.stale_tolerance_minutes`: one finding for the edit, "
        "not a run.stale_results too). Also reported when run_results.json is absent and "
        "`run.required: true`, or when it comes from `dbt compile`/`dbt parse`, which run "
        "nothing.",
        why="A gate that reads only what ran passes a change nobody built: the broken model "
        "simply has no failing result, and a unit test that did not run fails nothing.",
        fix="Build the change and its tests before the gate: `dbt build --select "
        "state:modified+ --defer --state <base artifacts>`, or the model the finding names "
        "(`dbt build --select <model>` runs its unit tests too: dbt's `state:modified+` "
        "selects a unit test edited on an unchanged model, but `dbt build` runs a unit test "
        "only with its model). Severity: `run.severity.not_run`.",
        example="error  run.not_run  model customer_segments changed but was not built: it has "
        "no result in run_results.json",
    ),
    CodeDoc(
        code="run.stale_results",
        severity=_RUN.stale_results,
        summary="run_results.json may describe another state of the project than the manifest.",
        what="The results and the manifest come from different invocations and there is "
        "evidence they disagree: results name nodes the manifest does not have, the run built "
        "a model from other code than the manifest holds, or the results were written more "
        "than `run.stale_tolerance_minutes` before the manifest while nodes changed. With a "
        "base build, a changed model built from other code (edited, then `dbt parse`) is "
        "run.not_run on that model instead, which says the time between the two as well: "
        "this finding then says only the evidence that is left (results for nodes the "
        "manifest lacks). Without evidence, results of another invocation are a warning of the load "
        "(naming both invocations), which this finding (or such a run.not_run) replaces when it "
        "is reported.",
        why="Results from an older run pass a change whose models and tests never ran in their "
        "current form.",
        fix="Gate the manifest.json and run_results.json of the same `dbt build`. `dbt docs "
        "generate`, `dbt source freshness` and `dbt parse` rewrite artifacts: copy the build's "
        "target directory first, or give them another --target-path.",
        example="warn  run.stale_results  run_results.json may not describe this manifest: "
        "2 results for nodes this manifest does not have",
    ),
    CodeDoc(
        code="run.slower",
        severity=SlowerConfig().severity,
        summary="A node became much slower than in the base build (off by default).",
        what="With `run.slower.enabled: true` and the base build's run_results.json, a node "
        f"that took at least `ratio` times (default {SlowerConfig().ratio:g}x) its base "
        f"execution time, and more than `min_seconds` (default {SlowerConfig().min_seconds:g} "
        "s), is reported.",
        why="A lost filter, a join that fans out or a table turned into a view shows first as "
        "time and cost, long before anyone notices the numbers.",
        fix="Compare the model's SQL and materialization with the base; if the slowdown is "
        "expected (more data, a new column), raise `ratio` or waive the finding.",
        example="warn  run.slower  model fct_orders took 95.2 s, 4.1x the base build's 23.0 s",
    ),
    CodeDoc(
        code="freshness.error",
        severity=_FRESHNESS.error,
        summary="A source table is past its error_after freshness threshold.",
        what="sources.json (from `dbt source freshness`) reports the table as `error`: its "
        "newest `loaded_at_field` is older than `error_after`. Also reported when the freshness "
        "query itself failed (a wrong loaded_at_field, a missing table). With a base build's "
        "sources.json (`check --base`), a late table says how the base build's check found it "
        "(`; fresh in the base build's check`: the loader's incident of the day; `; late in "
        "the base build's check too`: an old one).",
        why="Models built on it look healthy and are wrong: every number downstream is as old "
        "as the last load.",
        fix="Check the loader of the table; if the service-level objective changed, update "
        "the source's `freshness:`. Severity: `freshness.severity.error`.",
        example="""\
sources:
  - name: shop_raw
    tables:
      - name: raw_orders
        loaded_at_field: _loaded_at
        freshness:
          error_after: {count: 24, period: hour}   # last load 3 days ago: freshness.error""",
    ),
    CodeDoc(
        code="freshness.warn",
        severity=_FRESHNESS.warn,
        summary="A source table is past its warn_after freshness threshold.",
        what="sources.json reports the table as `warn`: its newest `loaded_at_field` is older "
        "than `warn_after`, but not yet than `error_after`. With a base build's sources.json, "
        "it says how the base build's check found the table, as `freshness.error` does.",
        why="A late load is the early signal of a stopped loader; acting at warn keeps the "
        "error from reaching a dashboard.",
        fix="Check the loader of the table, or relax `warn_after` if the table is expected to "
        "load less often. Severity: `freshness.severity.warn`.",
        example="warn  freshness.warn  source shop_raw.raw_orders is 7 h old (warn after 6 "
        "hours, error after 24 hours)",
    ),
    CodeDoc(
        code="freshness.missing",
        severity=_FRESHNESS.missing,
        summary="A source feeding a model of a gated tier has no freshness configured.",
        what="A source table upstream of a model whose tier is in `freshness.missing_tiers` "
        "(default: tier 1) has neither `warn_after` nor `error_after`. The finding names the "
        "model it feeds; it counts as changed when a changed model reads the source.",
        why="Without a threshold, `dbt source freshness` has nothing to check and a stopped "
        "loader feeds critical models stale data unnoticed. (The policy rule "
        "`sources.freshness_configured` checks the same on any selection.)",
        fix="Add `freshness: {warn_after: ..., error_after: ...}` and a `loaded_at_field` to "
        "the source table (or to its source, for all its tables).",
        example="""\
sources:
  - name: shop_raw
    config:
      loaded_at_field: _loaded_at
      freshness:
        warn_after: {count: 12, period: hour}
        error_after: {count: 24, period: hour}""",
    ),
    CodeDoc(
        code="freshness.not_run",
        severity=_FRESHNESS.error,
        summary="sources.json is absent although the config requires it.",
        what="`freshness.required: true` and the artifacts directory has no sources.json. "
        "Without `required`, the gate only notes that freshness was not gated.",
        why="A required check that silently does not run is a pass nobody earned.",
        fix="Run `dbt source freshness --target-path freshness-target` after the build and "
        "copy its sources.json into the build's target directory (run there, it would rewrite "
        "the build's manifest.json), or drop `freshness.required`. Severity: `freshness.severity.error` (a missing check is as "
        "serious as a source past its error threshold).",
        example="error  freshness.not_run  sources.json is absent, and the config requires it",
    ),
)

# What each scorecard metric counts (definitions in dbtgate.status.kpi).
_METRICS = {
    "test_coverage": "models with at least one data test",
    "pk_tested": "models whose primary key is tested (unique + not_null on one column, a "
    "composite-key test of two or more columns, or an enforced primary-key constraint)",
    "docs_models": "models with a description that is not a placeholder (TODO, TBD, the "
    "model's name: docs.placeholder's defaults)",
    "docs_columns": "columns with a description that is not a placeholder, among the "
    "warehouse's (catalog.json) and the declared columns of the models",
    "owner_coverage": "models with an owner",
    "contracts": "tier-1 or public models with an enforced contract",
    "test_pass_rate": "tests that passed, among those the last run executed (a warn is not a "
    "pass; skipped tests are not counted)",
    "freshness": "source tables that passed `dbt source freshness`, among those it checked",
}
_FIX = {
    "test_coverage": "add tests to the untested models",
    "pk_tested": "add unique + not_null to each model's key",
    "docs_models": "describe the undescribed models",
    "docs_columns": "describe the undescribed columns",
    "owner_coverage": "set meta.owner (or a group with an owner) on the unowned models",
    "contracts": "enforce contracts on the tier-1 and public models",
    "test_pass_rate": "fix the failing tests (see run.test_failures)",
    "freshness": "fix the late sources (see freshness.error and freshness.warn)",
}


# How the base build's figure is taken, where it is not simply the base's own.
_BASE_FIGURE = {
    "test_pass_rate": " When this run left out tests the base build's ran (a slim CI run's "
    "`dbt build --select state:modified+`, or tests it skipped), the base's figure is taken "
    "without them, as a note under the scorecard says: a test failing in both does not lower "
    "the rate (a test the change removed still counts in the base's). When the base build's "
    "run left out tests this run ran (main built by a slim run), its figure is of fewer tests and is not compared, as without a base build.",
}


def _kpi_doc(name: str) -> CodeDoc:
    metric = name.removeprefix("tier1_")
    tier1 = name.startswith("tier1_")
    scope = "tier-1 models only" if tier1 else "the root project's models"
    # A tier-1 KPI's owners are counted on their tier-1 resources, which no report table shows.
    who = "owners, by their tier-1 resources' figures," if tier1 else "owners and three tiers"
    rest = (
        "the report's per-owner figures count every tier"
        if tier1
        else "the report's per-owner and per-tier figures give them all"
    )
    target = getattr(KpiTargets(), name)
    default_target = f"default target {100 * target:g}%" if target is not None else "no default"
    return CodeDoc(
        code=f"kpi.{name}",
        severity=KpiConfig().severity,
        summary=f"The KPI '{label(name)}' is below its target.",
        what=f"The share of {_METRICS[metric]}, measured on {scope}, is below "
        f"`kpi.targets.{name}` ({default_target}). Reported only when `kpi.gate` names "
        f"{name}; otherwise the KPI is shown in the scorecard and does not block. With a base "
        "build the message gives the KPI there and whether this change lowered it; under "
        "`scope: changed` a KPI the base build fell as short of, not lowered by this change, is "
        "outside the change (legacy debt, not blocking)." + _BASE_FIGURE.get(metric, ""),
        why="Team KPIs only hold if every change is measured against them; a gated KPI stops "
        "the slow slide that no single pull request seems to cause.",
        fix=f"Raise the KPI: {_FIX[metric]}, first where it falls short by most, or lower the "
        f"target in `kpi.targets`. The finding names at most three {who} below the target, "
        f"the most missing first ({rest}). Severity: `kpi.severity`.",
        example=f"kpi:\n  targets: {{{name}: 0.8}}\n  gate: [{name}]",
    )


document(*(_kpi_doc(name) for name in KPI_NAMES))
