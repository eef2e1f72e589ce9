"""Bidirectional controls from a pull request (U+202E and its kin) reach no report as they are.

An owner, a column or a test name may hold a right-to-left override: written as it is, what
follows it displays backwards (an owner `\\u202eevil` read "live" in gate.html, a message's
counts reversed). Every report a person reads shows it as its escape; the JSON report, which
is data and is rendered again by `dbtgate report`, keeps the text as the manifest has it.
"""

from __future__ import annotations

import base64
import io
import json
import re
import zlib

import pytest
from report_samples import (
    blocking_owned_by,
    finding,
    sample_findings,
    sample_report,
    sample_result,
)
from rich.console import Console

from dbtgate.plain_text import BIDI_CONTROLS, one_line, visible_bidi
from dbtgate.report import escape
from dbtgate.report.console import print_result
from dbtgate.report.render import render

OVERRIDE = "\u202e"
HOSTILE_OWNER = f"@octo {OVERRIDE}evil\u202c"
HOSTILE_COLUMN = f"total{OVERRIDE}tnuoma\u2066x\u2069"


def hostile() -> list:
    return [
        *sample_findings(),
        finding(
            code="docs.column_coverage",
            severity="error",
            message=f"column {HOSTILE_COLUMN} of orders has no description (3 of 5 documented)",
            fix=f"Describe `{HOSTILE_COLUMN}` in its YAML.",
            unique_id="model.shop.orders",
            owner=HOSTILE_OWNER,
            tier=f"1{OVERRIDE}",
            disposition="blocking",
            path="models/orders.yml",
            line=3,
        ),
    ]


def raw_controls(text: str) -> set[str]:
    return {char for char in text if ord(char) in BIDI_CONTROLS}


@pytest.mark.parametrize("fmt", ["md", "html", "junit"])
def test_no_report_a_person_reads_holds_a_raw_bidirectional_control(fmt: str) -> None:
    text = render(sample_report(hostile()), fmt)
    assert raw_controls(text) == set()
    assert "u202eevil" in text  # the owner, shown with its escape
    assert "u202etnuoma" in text  # the column, in the message


def test_sarif_and_gitlab_messages_show_the_escapes() -> None:
    """The text code scanning and GitLab show; SARIF's properties are data, as the JSON's."""
    report = sample_report(hostile())
    sarif = json.loads(render(report, "sarif"))
    messages = [r["message"]["text"] for r in sarif["runs"][0]["results"]]
    gitlab = [issue["description"] for issue in json.loads(render(report, "gitlab"))]
    for texts in (messages, gitlab):
        assert raw_controls("".join(texts)) == set()
        assert any("u202etnuoma" in text for text in texts)


def test_the_json_report_keeps_the_text_as_the_manifest_has_it() -> None:
    text = render(sample_report(hostile()), "json")
    assert HOSTILE_OWNER in text


def test_the_console_shows_the_escapes() -> None:
    out = io.StringIO()
    print_result(Console(file=out, width=300, highlight=False), sample_result(hostile()))
    text = out.getvalue()
    assert raw_controls(text) == set()
    assert "\\u202eevil\\u202c" in text


def test_every_escaper_shows_each_control_as_its_escape() -> None:
    text = "".join(map(chr, BIDI_CONTROLS))
    for render_text in (
        escape.md_text,
        escape.md_text_code,
        escape.md_html_text,
        escape.md_code,
        escape.html_text,
        escape.html_text_code,
        escape.mermaid_label,
        one_line,
        visible_bidi,
    ):
        shown = render_text(f"a `{text}` b")
        assert raw_controls(shown) == set(), render_text.__name__
        assert "u202e" in shown and "u2069" in shown, render_text.__name__
    # Right-to-left text itself is left alone: only the controls that reorder it are shown.
    assert visible_bidi("שלום") == "שלום" and escape.html_text("مرحبا") == "مرحبا"


def test_a_paged_html_reports_filter_data_matches_its_options() -> None:
    """The rows past the first page are data the script filters by owner and tier, compared
    with the options' values as the browser reads them (escapes, not controls)."""
    text = render(sample_report(blocking_owned_by([HOSTILE_OWNER] * 600)), "html")
    assert raw_controls(text) == set()
    # The rows' JSON, compressed in the page (`html.packed_rows`), unpacked as the script does.
    packed = re.search(r'id="finding-rows" data-encoding="deflate">([^<]*)</script>', text)
    data = zlib.decompress(base64.b64decode(packed.group(1))).decode()
    assert raw_controls(data) == set()
    assert data.count("@octo \\\\u202eevil\\\\u202c") >= 1  # in the rows' JSON, escaped once
