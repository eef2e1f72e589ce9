"""The lineage section and its drawings: the changed resources, their direct consumers and, as
context, their direct parents, so that a new model is drawn connected to what it reads; edges
that skip a layer never pass behind the nodes in between."""

from __future__ import annotations

import re
from pathlib import Path

from diff_support import model, write_build
from report_samples import sample_report

from dbtgate.project import Project
from dbtgate.report import validate
from dbtgate.report.html import render_html
from dbtgate.report.json_report import report_schema
from dbtgate.report.lineage import lineage_section
from dbtgate.report.markdown import render_markdown

SEED = "seed.proj.raw_customers"
DIM = "model.proj.dim_customers"
SEGMENTS = "model.proj.customer_segments"
ORDERS = "model.proj.orders"
REVENUE = "model.proj.revenue"


def shop(tmp_path: Path, *more: dict) -> Project:
    """raw_customers -> dim_customers -> customer_segments (new); orders -> revenue; and
    `more` nodes."""
    return write_build(
        tmp_path,
        [
            model("raw_customers", resource_type="seed"),
            model("dim_customers", depends_on=[SEED]),
            model("customer_segments", depends_on=[DIM]),
            model("orders"),
            model("revenue", depends_on=[ORDERS]),
            *more,
        ],
    )


def test_a_new_model_is_drawn_with_its_parent_as_context(tmp_path: Path) -> None:
    section = lineage_section(shop(tmp_path), {SEGMENTS, ORDERS})
    assert section is not None
    roles = {node["id"]: node["role"] for node in section["nodes"]}
    assert roles == {SEGMENTS: "changed", ORDERS: "changed", REVENUE: "consumer", DIM: "parent"}
    assert section["edges"] == [[DIM, SEGMENTS], [ORDERS, REVENUE]]
    assert section["omitted"] == 0


def test_nodes_are_named_as_the_findings_name_them(tmp_path: Path) -> None:
    """A versioned model is `orders v2` in the picture as in the messages beside it."""
    project = write_build(
        tmp_path,
        [model("orders", version=2), model("revenue", depends_on=["model.proj.orders.v2"])],
    )
    section = lineage_section(project, {"model.proj.orders.v2"})
    assert {node["id"]: node["name"] for node in section["nodes"]} == {
        "model.proj.orders.v2": "orders v2",
        REVENUE: "revenue",
    }


def test_parents_are_the_first_left_out_and_counted_as_omitted(tmp_path: Path) -> None:
    project = shop(tmp_path)
    section = lineage_section(project, {SEGMENTS, ORDERS}, max_nodes=3)
    assert {n["id"]: n["role"] for n in section["nodes"]} == {
        SEGMENTS: "changed",
        ORDERS: "changed",
        REVENUE: "consumer",
    }
    assert section["omitted"] == 1  # dim_customers, the parent
    section = lineage_section(project, {SEGMENTS, ORDERS}, max_nodes=2)
    assert [n["id"] for n in section["nodes"]] == [SEGMENTS, ORDERS]
    assert section["omitted"] == 2


def test_many_changed_models_leave_room_for_who_reads_them(tmp_path: Path) -> None:
    """At 10,000 models, 40 breaking changes filled the picture: a column of red boxes, no
    reader drawn. The changed resources get at most half of it."""
    nodes = []
    for n in range(30):
        nodes.append(model(f"m{n:02d}"))
        nodes.append(model(f"reader{n:02d}", depends_on=[f"model.proj.m{n:02d}"]))
    project = write_build(tmp_path, nodes)
    changed = {f"model.proj.m{n:02d}" for n in range(30)}
    section = lineage_section(project, changed, breaking=changed, max_nodes=10)
    roles = [node["role"] for node in section["nodes"]]
    assert roles.count("changed") == 5 and roles.count("consumer") == 5
    assert len(section["edges"]) == 5
    # 25 changed models not drawn, and the 25 models that read them (it said 25)
    assert section["omitted"] == 50


def test_omitted_is_every_resource_of_the_lineage_not_drawn(tmp_path: Path) -> None:
    """Changed models with parents, readers shared between them, a changed model reading
    another and a test (never drawn): `omitted` is the set difference, each resource once."""
    nodes = [model(f"up{n}") for n in range(3)]
    for n in range(8):
        parent = f"model.proj.up{n % 3}"
        nodes.append(model(f"m{n}", depends_on=[parent] + ([f"model.proj.m{n - 1}"] if n else [])))
        nodes.append(model(f"r{n}", depends_on=[f"model.proj.m{n}", f"model.proj.m{(n + 1) % 8}"]))
    nodes.append(model("not_null_m0", resource_type="test", depends_on=["model.proj.m0"]))
    project = write_build(tmp_path, nodes)
    changed = {f"model.proj.m{n}" for n in range(8)}
    whole = (
        changed | {f"model.proj.r{n}" for n in range(8)} | {f"model.proj.up{n}" for n in range(3)}
    )
    for cap in (1, 4, 7, 12, 18, 19, 40):
        section = lineage_section(project, changed, max_nodes=cap)
        drawn = {node["id"] for node in section["nodes"]}
        assert len(drawn) == min(cap, len(whole)) and drawn <= whole
        assert section["omitted"] == len(whole - drawn), cap
        roles = {node["id"]: node["role"] for node in section["nodes"]}
        assert all(roles[uid] == "changed" for uid in drawn & changed)


def test_the_reports_say_how_many_resources_are_not_drawn(tmp_path: Path) -> None:
    project, report = shop(tmp_path), sample_report()
    report["sections"]["lineage"] = lineage_section(project, {SEGMENTS, ORDERS}, max_nodes=2)
    assert "\n2 more resources not drawn.\n" in render_markdown(report)
    assert '<p class="muted">2 more resources not drawn.</p>' in render_html(report)
    report["sections"]["lineage"] = lineage_section(project, {SEGMENTS, ORDERS}, max_nodes=3)
    assert "\n1 more resource not drawn.\n" in render_markdown(report)
    report["sections"]["lineage"] = lineage_section(project, {SEGMENTS, ORDERS})
    assert "not drawn" not in render_markdown(report) + render_html(report)


def test_a_report_with_parents_in_its_lineage_is_valid_and_draws_them(tmp_path: Path) -> None:
    report = sample_report()
    report["sections"]["lineage"] = lineage_section(shop(tmp_path), {SEGMENTS, ORDERS})
    assert validate.first_error(report, report_schema()) is None

    page = render_html(report)
    assert f'<g class="parent" data-id="{DIM}">' in page
    assert '<i class="swatch parent"></i>direct parent (context)' in page
    markdown = render_markdown(report)
    block = markdown.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert re.search(r'n\d+\["dim_customers #40;model#41;"\]:::parent', block)
    assert "classDef parent " in block
    assert "direct parent (context)" in markdown


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_the_markdown_graphs_labels_stay_dark_on_their_pastels_in_a_dark_theme(
    tmp_path: Path,
) -> None:
    """GitHub draws the comment's mermaid graph in the reader's theme: in the dark one a label
    whose class names no colour is light grey (#ccc), which on the graph's pastel boxes could not
    be read (1.2:1 on a breaking change's pink, 1.5:1 on a changed model's yellow). Each kind's class names its label's colour,
    at WCAG AA contrast (4.5:1) with its fill, as the HTML report's graph draws it."""
    report = sample_report()
    report["sections"]["lineage"] = lineage_section(shop(tmp_path), {SEGMENTS, ORDERS})
    block = render_markdown(report).split("```mermaid\n", 1)[1].split("```", 1)[0]
    styles = {
        kind: dict(style.split(":", 1) for style in styles.split(","))
        for kind, styles in re.findall(r"^  classDef (\w+) (.+)$", block, re.MULTILINE)
    }
    assert {"changed", "breaking", "consumer", "parent"} <= set(styles), block
    for kind, style in styles.items():
        if "fill" in style:
            label = style.get("color", "#cccccc")  # (GitHub's dark theme's where none is named)
            light, dark = sorted((_luminance(style["fill"]), _luminance(label)), reverse=True)
            assert (light + 0.05) / (dark + 0.05) >= 4.5, (kind, style)


def boxes(page: str) -> list[tuple[int, int, int, int]]:
    return [
        tuple(map(int, found))
        for found in re.findall(r'<rect x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)"/>', page)
    ]


def test_an_edge_that_skips_a_layer_runs_between_rows_not_behind_nodes() -> None:
    # a -> b -> c and a -> c: the edge a -> c passes layer 1, where b is, in the same row.
    ids = ["model.x.a", "model.x.b", "model.x.c"]
    report = sample_report()
    report["sections"]["lineage"] = {
        "nodes": [
            {"id": uid, "name": uid[8:], "resource_type": "model", "role": "changed"} for uid in ids
        ],
        "edges": [[ids[0], ids[1]], [ids[0], ids[2]], [ids[1], ids[2]]],
        "omitted": 0,
    }
    page = render_html(report)
    rects = boxes(page)
    assert len(rects) == 3 and len({y for _, y, _, _ in rects}) == 1  # one row
    edges = " ".join(re.findall(r'<path class="edge" d="([^"]*)"', page))
    runs = re.findall(r"L(\d+),(\d+)", edges)
    # Every edge ends in an arrowhead on its reader: which way the data flows.
    assert page.count('marker-end="url(#arrow)"') == 3 and '<marker id="arrow"' in page
    assert len(runs) == 1  # only the edge that skips a layer has a straight run
    end_x, lane = map(int, runs[0])
    for x, y, width, height in rects:
        assert not (y <= lane <= y + height and x < end_x), (lane, (x, y, width, height))


def test_the_lineage_marks_what_the_last_run_did_not_build_or_failed_a_test_of(
    tmp_path: Path,
) -> None:
    """A release manager reads the picture first: an errored model drawn as "changed" alone
    looked built. The last run's outcome is drawn over each node's kind, in the legend, the
    printed list and the markdown's graph."""
    import json

    from dbtgate.artifacts import load_artifacts

    test = "test.proj.not_null_revenue_id"
    shop(tmp_path, model("not_null_revenue_id", resource_type="test", depends_on=[REVENUE]))
    statuses = {DIM: "error", SEGMENTS: "skipped", ORDERS: "success", test: "fail"}
    (tmp_path / "target" / "run_results.json").write_text(
        json.dumps(
            {
                "metadata": {
                    "dbt_schema_version": "https://schemas.getdbt.com/dbt/run-results/v6.json"
                },
                "args": {"which": "build"},
                "results": [
                    {"unique_id": uid, "status": status, "message": None, "failures": None}
                    for uid, status in statuses.items()
                ],
            }
        )
    )
    project = Project.from_artifacts(load_artifacts(tmp_path / "target"))
    section = lineage_section(project, [DIM, ORDERS], with_outcomes=True)
    assert section is not None
    runs = {node["id"]: node.get("run") for node in section["nodes"]}
    assert runs == {
        SEED: None,
        DIM: "errored",
        SEGMENTS: "skipped",
        ORDERS: None,
        REVENUE: "test failed",
    }
    assert lineage_section(project, [DIM, ORDERS]) is not None
    assert not [n for n in lineage_section(project, [DIM, ORDERS])["nodes"] if "run" in n]
    report = sample_report()
    report["sections"]["lineage"] = section
    assert validate.first_error(report, report_schema()) is None
    page = render_html(report)
    assert '<g class="changed run-errored"' in page
    assert '<g class="consumer run-skipped"' in page
    assert "errored (not built)</span>" in page and "a test failed</span>" in page
    assert "; last run: errored (not built)</td>" in page
    markdown = render_markdown(report)
    assert "classDef run_errored stroke:#b42318" in markdown
    assert "thick red dashes: errored" in markdown
