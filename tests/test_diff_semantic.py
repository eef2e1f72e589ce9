"""The schema diff of the semantic layer, on the real jaffle_shop build of dbt 1.11 (corpus:
six semantic models, nineteen metrics of every type, three saved queries), edited as pull
requests edit it: a removal something kept (or an exposure) read is breaking with those readers
as its impact, one removed with all its readers is risky, additions are listed, and each is
placed on its YAML line. Properties over random removals close the file."""

from __future__ import annotations

import copy
import datetime as dt
import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from corpus import CORPUS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dbtgate.artifacts import load_artifacts
from dbtgate.diff.changes import SchemaDiff
from dbtgate.diff.compare import diff_projects
from dbtgate.project import Project

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
MANIFEST = "schema-versions/manifest_v12_dbt1.11.json"
PKG = "jaffle_shop"
REVENUE = f"metric.{PKG}.revenue"
REVENUE_METRICS = f"saved_query.{PKG}.revenue_metrics"
CUSTOMERS = f"semantic_model.{PKG}.customers"
ORDERS = f"semantic_model.{PKG}.orders"
# The metrics built on revenue (ratio and derived): dbt refuses a build that keeps them.
ON_REVENUE = [
    f"metric.{PKG}.{name}"
    for name in (
        "food_revenue_pct",
        "drink_revenue_pct",
        "revenue_growth_mom",
        "order_gross_profit",
    )
]


def jaffle() -> dict:
    path = CORPUS / MANIFEST
    if not path.is_file():
        pytest.skip(f"corpus absent: {path}")
    return json.loads(path.read_text(encoding="utf-8"))


def build(directory: Path, data: dict, project_dir: Path | None = None) -> Project:
    target = directory / "target"
    target.mkdir(parents=True)
    (target / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    return Project.from_artifacts(load_artifacts(target), project_dir=project_dir)


def diff(
    tmp_path: Path, edit: Callable[[dict], None], project_dir: Path | None = None
) -> SchemaDiff:
    base = jaffle()
    pr = copy.deepcopy(base)
    edit(pr)
    return diff_projects(
        build(tmp_path / "base", base), build(tmp_path / "pr", pr, project_dir), today=NOW
    )


def semantic(result: SchemaDiff) -> list[tuple[str, str, str | None]]:
    return [
        (c.code, c.unique_id, c.key)
        for c in result.changes
        if c.code.endswith(("semantic_removed", "semantic_added"))
    ]


def remove_revenue(data: dict, *, keep_saved_query: bool) -> None:
    """The metric revenue removed as dbt lets a pull request remove it: the metrics built on it
    removed too, and the saved query that lists it changed (or removed)."""
    del data["metrics"][REVENUE]
    for uid in ON_REVENUE:
        del data["metrics"][uid]
    if keep_saved_query:
        query = data["saved_queries"][REVENUE_METRICS]
        query["query_params"]["metrics"].remove("revenue")
        query["depends_on"]["nodes"].remove(REVENUE)
    else:
        del data["saved_queries"][REVENUE_METRICS]


def test_a_metric_a_kept_saved_query_listed_is_breaking_with_it_as_its_impact(tmp_path):
    result = diff(tmp_path, lambda d: remove_revenue(d, keep_saved_query=True))
    [change] = [c for c in result.changes if c.unique_id == REVENUE]
    assert change.code == "breaking.semantic_removed"
    assert change.policy == "uncontracted_with_consumers"
    assert change.impact is not None
    assert [(c.unique_id, c.resource_type, c.depth) for c in change.impact.models] == [
        (REVENUE_METRICS, "saved_query", 1)
    ]
    # The metrics built on it went with it: each is a change of its own, not its impact.
    assert {c.unique_id for c in result.changes if c.code == "risky.semantic_removed"} == set(
        ON_REVENUE
    )
    assert change.path == "models/marts/order_items.yml"


def test_a_metric_removed_with_every_reader_is_risky(tmp_path):
    result = diff(tmp_path, lambda d: remove_revenue(d, keep_saved_query=False))
    removed = {uid for code, uid, _ in semantic(result) if code == "risky.semantic_removed"}
    assert removed == {REVENUE, REVENUE_METRICS, *ON_REVENUE}
    assert [c for c in result.changes if c.change_class == "breaking"] == []


def test_an_exposure_on_the_metric_makes_it_breaking_though_its_yaml_goes_too(tmp_path):
    """A dashboard does not go with its YAML: an exposure of the base build on a metric that
    went with it is hurt, named with its owner."""
    base = jaffle()
    base["exposures"]["exposure.jaffle_shop.revenue_board"] = {
        "name": "revenue_board",
        "resource_type": "exposure",
        "package_name": PKG,
        "unique_id": "exposure.jaffle_shop.revenue_board",
        "original_file_path": "models/exposures.yml",
        "type": "dashboard",
        "owner": {"name": "Finance"},
        "depends_on": {"nodes": [f"metric.{PKG}.food_revenue_pct"]},
    }
    pr = copy.deepcopy(base)
    remove_revenue(pr, keep_saved_query=False)
    del pr["exposures"]["exposure.jaffle_shop.revenue_board"]
    result = diff_projects(build(tmp_path / "b", base), build(tmp_path / "p", pr), today=NOW)
    [change] = [c for c in result.changes if c.unique_id == REVENUE]
    assert change.code == "breaking.semantic_removed"
    assert change.impact is not None
    # revenue -> food_revenue_pct (removed) -> the dashboard, two steps away.
    assert [(c.name, c.depth) for c in change.impact.exposures] == [("revenue_board", 2)]
    assert change.impact.models == []
    assert change.impact.owners == ["Finance"]


def test_an_entity_a_kept_saved_query_groups_by_is_breaking(tmp_path):
    """`Entity('customer')` in a saved query's group_by names the entity customer, which no
    semantic model of the pull request declares any more (customers' primary entity, orders'
    foreign one)."""

    def edit(data: dict) -> None:
        for uid in (CUSTOMERS, ORDERS):
            model = data["semantic_models"][uid]
            model["entities"] = [e for e in model["entities"] if e["name"] != "customer"]

    result = diff(tmp_path, edit)
    [change] = [
        c for c in result.changes if c.key == "entity:customer" and c.unique_id == CUSTOMERS
    ]
    assert change.code == "breaking.semantic_removed"
    assert change.reason.startswith("semantic model customers: entity customer removed")
    assert change.impact is not None
    assert [c.name for c in change.impact.models] == ["customer_order_metrics"]


def test_an_entity_another_semantic_model_still_declares_breaks_nothing(tmp_path):
    """orders declares the foreign entity customer too: `Entity('customer')` still answers."""

    def edit(data: dict) -> None:
        data["semantic_models"][CUSTOMERS]["entities"][0]["name"] = "client"

    assert semantic(diff(tmp_path, edit))[:1] == [
        ("risky.semantic_removed", CUSTOMERS, "entity:customer")
    ]


def test_a_semantic_model_removed_is_read_through_its_dimensions_too(tmp_path):
    """customers removed, with the metrics built on it; a kept saved query moved to another
    metric but still grouping by one of its dimensions is hurt."""

    def edit(data: dict) -> None:
        del data["semantic_models"][CUSTOMERS]
        for uid, metric in list(data["metrics"].items()):
            if CUSTOMERS in metric["depends_on"]["nodes"] or uid.endswith("average_order_value"):
                del data["metrics"][uid]
        query = data["saved_queries"][f"saved_query.{PKG}.customer_order_metrics"]
        query["query_params"]["metrics"] = ["orders"]
        query["query_params"]["group_by"] = ["Dimension('customer__customer_type')"]
        query["depends_on"]["nodes"] = [f"metric.{PKG}.orders"]

    result = diff(tmp_path, edit)
    [change] = [c for c in result.changes if c.unique_id == CUSTOMERS]
    assert change.code == "breaking.semantic_removed"
    assert change.impact is not None
    assert [c.name for c in change.impact.models] == ["customer_order_metrics"]


def test_a_measure_names_the_metrics_built_on_it_and_what_reads_those(tmp_path):
    """A measure removed, and the metric on it moved to another (as dbt requires): the metric
    now returns something else, and the saved query listing it with it."""

    def edit(data: dict) -> None:
        model = data["semantic_models"][ORDERS]
        model["measures"] = [m for m in model["measures"] if m["name"] != "order_total"]
        params = data["metrics"][f"metric.{PKG}.order_total"]["type_params"]
        params["measure"]["name"] = "order_cost"
        params["input_measures"] = [{**params["input_measures"][0], "name": "order_cost"}]

    result = diff(tmp_path, edit)
    [change] = [c for c in result.changes if c.key == "measure:order_total"]
    assert change.code == "breaking.semantic_removed"
    assert change.impact is not None
    assert [(c.name, c.depth) for c in change.impact.models] == [
        ("order_total", 1),
        ("order_metrics", 2),
    ]


def test_a_dimension_nothing_names_is_risky_and_additions_are_listed(tmp_path):
    def edit(data: dict) -> None:
        model = data["semantic_models"][CUSTOMERS]
        dimension = next(d for d in model["dimensions"] if d["name"] == "customer_type")
        dimension["name"] = "segment"  # renamed: one removed, one added

    assert semantic(diff(tmp_path, edit)) == [
        ("risky.semantic_removed", CUSTOMERS, "dimension:customer_type"),
        ("safe.semantic_added", CUSTOMERS, "dimension:segment"),
    ]


def test_a_dimension_a_kept_metric_filters_on_is_breaking(tmp_path):
    """food_orders filters on `{{ Dimension('order_id__is_food_order') }} = true`."""

    def edit(data: dict) -> None:
        model = data["semantic_models"][ORDERS]
        model["dimensions"] = [d for d in model["dimensions"] if d["name"] != "is_food_order"]

    [change] = [c for c in diff(tmp_path, edit).changes if c.key == "dimension:is_food_order"]
    assert change.code == "breaking.semantic_removed"
    assert change.impact is not None
    assert [c.name for c in change.impact.models] == ["food_orders", "order_metrics"]


def test_each_change_is_on_its_yaml_line(tmp_path):
    """The pull request's YAML holds the semantic model and its new dimension: the change is on
    the dimension's line, a removal on the semantic model's entry; a metric removed with every
    reader has its file only (nothing of it or of what read it is left in the pull request's
    YAML, and its line in the base's file is, in the pull request's, another entry's)."""
    project = tmp_path / "project"
    (project / "models/marts").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(f"name: {PKG}\n", encoding="utf-8")
    (project / "models/marts/orders.yml").write_text(
        "semantic_models:\n"
        "  - name: orders\n"
        "    dimensions:\n"
        "      - name: ordered_at\n"
        "      - name: has_food\n",
        encoding="utf-8",
    )

    def edit(data: dict) -> None:
        model = data["semantic_models"][ORDERS]
        next(d for d in model["dimensions"] if d["name"] == "is_food_order")["name"] = "has_food"
        remove_revenue(data, keep_saved_query=False)

    result = diff(tmp_path, edit, project_dir=project)
    lines = {(c.code, c.unique_id, c.key): (c.path, c.line) for c in result.changes}
    assert lines[("safe.semantic_added", ORDERS, "dimension:has_food")] == (
        "models/marts/orders.yml",
        5,
    )
    assert lines[("breaking.semantic_removed", ORDERS, "dimension:is_food_order")] == (
        "models/marts/orders.yml",
        2,
    )
    assert lines[("risky.semantic_removed", REVENUE, None)] == (
        "models/marts/order_items.yml",
        None,
    )


def test_a_metric_removed_is_on_the_entry_of_the_saved_query_the_pull_request_changed(tmp_path):
    """A metric removed whole has no entry left in the pull request's YAML: it is placed on
    its reader's, the saved query the pull request had to change (it listed the metric), where
    a reviewer sees the change's consequence; it had its file alone."""
    project = tmp_path / "project"
    (project / "models/marts").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(f"name: {PKG}\n", encoding="utf-8")
    (project / "models/marts/order_items.yml").write_text(
        "metrics:\n"
        "  - name: food_revenue\n"
        "saved_queries:\n"
        "  - name: revenue_metrics\n"
        "    query_params:\n"
        "      metrics: [food_revenue, drink_revenue]\n",
        encoding="utf-8",
    )
    result = diff(tmp_path, lambda d: remove_revenue(d, keep_saved_query=True), project_dir=project)
    [change] = [c for c in result.changes if c.unique_id == REVENUE]
    assert change.code == "breaking.semantic_removed"
    assert (change.path, change.line) == ("models/marts/order_items.yml", 4)


def test_a_metric_an_exposure_read_is_on_the_exposures_entry_in_its_file(tmp_path):
    """The exposure's dashboard is what the removal hurts: with the metrics and saved queries
    that read it removed too, the exposure the pull request kept (it had to stop naming the
    metric) is where it is placed, in the exposure's file; one removed too is no place."""
    exposure = "exposure.jaffle_shop.revenue_board"
    base = jaffle()
    base["exposures"][exposure] = {
        "name": "revenue_board",
        "resource_type": "exposure",
        "package_name": PKG,
        "unique_id": exposure,
        "original_file_path": "models/exposures.yml",
        "type": "dashboard",
        "owner": {"name": "Finance"},
        "depends_on": {"nodes": [REVENUE]},
    }
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(f"name: {PKG}\n", encoding="utf-8")
    (project / "models/exposures.yml").write_text(
        "exposures:\n  - name: weekly\n    type: dashboard\n  - name: revenue_board\n",
        encoding="utf-8",
    )
    pr = copy.deepcopy(base)
    remove_revenue(pr, keep_saved_query=False)
    pr["exposures"][exposure]["depends_on"]["nodes"] = []
    for name, data in (("kept", pr), ("gone", None)):
        if data is None:
            data = copy.deepcopy(pr)
            del data["exposures"][exposure]
        result = diff_projects(
            build(tmp_path / name / "b", base),
            build(tmp_path / name / "p", data, project),
            today=NOW,
        )
        [change] = [c for c in result.changes if c.unique_id == REVENUE]
        assert change.code == "breaking.semantic_removed", name
        expected = (
            ("models/exposures.yml", 4)
            if name == "kept"
            else (
                "models/marts/order_items.yml",
                None,
            )
        )
        assert (change.path, change.line) == expected, name


def test_a_build_without_a_semantic_layer_has_no_semantic_change(tmp_path):
    data = jaffle()
    for section in ("semantic_models", "metrics", "saved_queries"):
        data[section] = {}
    same = build(tmp_path / "same", data)
    assert semantic(diff_projects(same, same, today=NOW)) == []


# -- properties -------------------------------------------------------------------------------

ELEMENTS = ("dimensions", "measures", "entities")


@st.composite
def removals(draw: st.DrawFn) -> list[tuple[str, str, str | None]]:
    """Metrics, saved queries, semantic models and elements to remove, drawn from the build."""
    data = _JAFFLE_NAMES
    picks = []
    for section in ("metrics", "saved_queries", "semantic_models"):
        for uid in draw(st.lists(st.sampled_from(sorted(data[section])), max_size=3, unique=True)):
            picks.append((section, uid, None))
    for uid in draw(st.lists(st.sampled_from(sorted(data["elements"])), max_size=3, unique=True)):
        picks.append(("elements", uid, None))
    return picks


_JAFFLE_NAMES: dict = {}


def _names() -> dict:
    if not _JAFFLE_NAMES:
        data = jaffle()
        _JAFFLE_NAMES.update(
            metrics=list(data["metrics"]),
            saved_queries=list(data["saved_queries"]),
            semantic_models=list(data["semantic_models"]),
            elements=[
                f"{uid}|{field}|{element['name']}"
                for uid, model in data["semantic_models"].items()
                for field in ELEMENTS
                for element in model[field]
            ],
        )
    return _JAFFLE_NAMES


def _apply(data: dict, picks: list[tuple[str, str, str | None]]) -> set[tuple[str, str | None]]:
    """Remove the picks; the (unique_id, key) of each removal the diff must report."""
    expected = set()
    for section, uid, _ in picks:
        if section != "elements":
            data[section].pop(uid, None)
            expected.add((uid, None))
    for section, pick, _ in picks:
        if section == "elements":
            uid, field, name = pick.split("|")
            model = data["semantic_models"].get(uid)
            if model is not None:
                model[field] = [e for e in model[field] if e["name"] != name]
                kind = {"dimensions": "dimension", "measures": "measure", "entities": "entity"}
                expected.add((uid, f"{kind[field]}:{name}"))
    return expected


@pytest.fixture(scope="module", autouse=True)
def _corpus_names() -> None:
    _names()  # skips the module's tests when the corpus is absent


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(removals())
def test_every_removal_is_reported_once_and_breaking_exactly_when_a_kept_reader_read_it(picks):
    base = jaffle()
    pr = copy.deepcopy(base)
    expected = _apply(pr, picks)
    with tempfile.TemporaryDirectory() as scratch:
        before, after = build(Path(scratch) / "b", base), build(Path(scratch) / "p", pr)
        forward = diff_projects(before, after, today=NOW)
        backward = diff_projects(after, before, today=NOW)
    removed = [c for c in forward.changes if c.code.endswith("semantic_removed")]
    assert sorted((c.unique_id, c.key) for c in removed) == sorted(expected, key=str)
    kept = {*pr["metrics"], *pr["saved_queries"]}
    for change in removed:
        breaking = change.code == "breaking.semantic_removed"
        assert breaking == (change.impact is not None)
        readers = [*change.impact.models, *change.impact.exposures] if change.impact else []
        assert all(r.resource_type == "exposure" or r.unique_id in kept for r in readers)
        assert breaking == bool(readers)
    # The other way round, every removal is an addition, and nothing breaks.
    added = [(c.unique_id, c.key) for c in backward.changes if c.code == "safe.semantic_added"]
    assert sorted(added, key=str) == sorted(expected, key=str)
    assert not [c for c in backward.changes if c.code.endswith("semantic_removed")]
