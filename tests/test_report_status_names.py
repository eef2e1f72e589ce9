"""A finding's status has one human name in every human-readable report: a finding on a resource
the change did not touch (`out_of_scope` in gate.json, SARIF and the HTML's data) is "outside the
change" in the console, gate.md and gate.html alike, and the HTML filter over it is "status", as
the table's column and the README call it."""

from __future__ import annotations

import io
import re

from report_samples import finding, sample_report, sample_result
from rich.console import Console
from test_report_html import parse

from dbtgate.report.console import print_result
from dbtgate.report.html import render_html
from dbtgate.report.markdown import render_markdown
from dbtgate.report.view import DISPOSITION_TITLES, STATUS_NAMES

OTHER_NAMES = re.compile(r"out[ _]of[ _]scope|outside what", re.I)


def visible_text(page: str) -> str:
    """The page without the attributes no reader sees (data, ids, classes, option values)."""
    page = re.sub(r'\s(?:data-[a-z-]+|id)="[^"]*"', "", page)
    page = re.sub(r'<option value="[^"]*"', "<option", page)
    return re.sub(r'class="[^"]*"', "", page)


def test_every_status_has_one_name_and_its_group_title_starts_with_it() -> None:
    assert list(STATUS_NAMES) == list(DISPOSITION_TITLES)
    assert STATUS_NAMES["out_of_scope"] == "outside the change"
    for disposition, title in DISPOSITION_TITLES.items():
        assert title.lower().startswith(STATUS_NAMES[disposition]), title


def test_console_names_the_status_outside_the_change() -> None:
    out = io.StringIO()
    print_result(Console(file=out, width=200, color_system=None), sample_result())
    text = out.getvalue()
    assert f"{DISPOSITION_TITLES['out_of_scope']} (1)" in text.splitlines()
    assert not OTHER_NAMES.search(text)


def test_the_outside_the_change_heading_fits_a_kpi_the_change_did_not_lower() -> None:
    """A gated KPI below its target that the change did not lower is outside the change too
    (`kpi._the_changes`), on no resource, line or config entry: the heading says so, in the
    console and the markdown (gate.html names the status in its rows only)."""
    kept = finding(
        code="kpi.docs_columns",
        severity="error",
        message="columns documented is 60.0% (27/45), below the target 90.0%; 60.0% (27/45) in "
        "the base build: not lowered by this change",
        disposition="out_of_scope",
    )
    title = (
        "Outside the change (on resources, lines or config entries this change did not touch, "
        "or KPIs it did not lower; not blocking)"
    )
    out = io.StringIO()
    print_result(Console(file=out, width=200, color_system=None), sample_result([kept]))
    assert f"{title} (1)" in out.getvalue().splitlines()
    assert f"<summary>{title}: 1</summary>" in render_markdown(sample_report([kept]))


def test_markdown_names_the_status_outside_the_change() -> None:
    markdown = render_markdown(sample_report())
    _, against, counts = markdown.split("\n\n")[:3]  # under the verdict and what it was against
    assert against.startswith("**Against** ")
    assert " · 1 outside the change · " in counts
    assert f"<summary>{DISPOSITION_TITLES['out_of_scope']}: 1</summary>" in markdown
    assert not OTHER_NAMES.search(markdown)


def test_html_cards_pills_and_filter_name_the_status_outside_the_change() -> None:
    page = render_html(sample_report())
    assert "<b>1</b><span>outside the change</span>" in page
    assert '<span class="disp disp-out_of_scope">outside the change</span>' in page
    # The filter is labelled as the column it filters, and offers the statuses by their names.
    assert re.search(r'<label hidden>status<select id="filter-disposition"', page)
    assert '<option value="out_of_scope">outside the change (1)</option>' in page
    headers = re.findall(r"<th>(.*?)</th>", page.split('id="findings-table"', 1)[1])
    assert "status" in headers and "disposition" not in headers
    assert not OTHER_NAMES.search(visible_text(page))
    assert "disposition" not in visible_text(page).split("<body>", 1)[1].split("<script>", 1)[0]
    # The machine field stays as gate.json spells it: the filter compares it.
    rows = [a for t, a in parse(page).tags if t == "tr" and a.get("class") == "finding"]
    assert "out_of_scope" in {row["data-disposition"] for row in rows}
