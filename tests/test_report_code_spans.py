"""Names holding backticks in a message's `code` spans, through every renderer.

Messages write names as code spans (`wording.code_span`); the renderers find those spans as
CommonMark does. A name with a backtick between single backticks ended its span early: part of
the name read as text, the rest of the message as code. Markdown is checked with a real
CommonMark parser (markdown-it-py).
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from report_samples import backtick_named, finding, sample_report

from dbtgate.report.escape import html_text, html_text_code, md_code, md_text_code
from dbtgate.report.html import render_html
from dbtgate.report.markdown import render_markdown
from dbtgate.wording import code_span

PARSER = MarkdownIt("commonmark", {"html": True})
TABLES = MarkdownIt("commonmark", {"html": True}).enable("table")


def spans_in(markdown: str) -> list[str]:
    """What each code span of the rendered markdown holds, as CommonMark reads it."""
    return [
        child.content
        for token in PARSER.parseInline(markdown)
        for child in token.children or []
        if child.type == "code_inline"
    ]


def test_a_name_holding_a_backtick_stays_one_span_in_markdown_and_html() -> None:
    message = f"column {code_span('a`b')} of {code_span('`x')} has no description"
    assert message == "column ``a`b`` of `` `x `` has no description"
    assert md_text_code(message) == message
    assert spans_in(md_text_code(message)) == ["a`b", "`x"]
    assert html_text_code(message) == (
        "column <code>a`b</code> of <code>`x</code> has no description"
    )


def test_a_backtick_no_run_closes_is_text_and_escaped() -> None:
    """A lone backtick (a name in plain text) opens no span: it is literal, as in CommonMark."""
    message = "column a`b of orders has no <b>description</b>"
    assert md_text_code(message) == "column a\\`b of orders has no &lt;b>description&lt;/b>"
    assert spans_in(md_text_code(message)) == []
    assert html_text_code(message) == "column a`b of orders has no &lt;b&gt;description&lt;/b&gt;"


def test_markup_in_a_span_stays_literal() -> None:
    message = f"run {code_span('dbt build --select <img src=x>`*y*`@team')} again"
    markdown = md_text_code(message)
    assert spans_in(markdown) == ["dbt build --select <img src=x>`*y*`@team"]
    assert "<img" not in PARSER.render(markdown)
    assert html_text_code(message) == (
        'run <code>dbt build <span class="opt">--select</span> &lt;img src=x&gt;`*y*`@team</code> again'
    )


# What html_text_code adds around a command's option.
OPTION_MARKUP = re.compile(r'<span class="opt">(.*?)</span>')
NAMES = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("`` \\<>&*_|$@\n"),
    min_size=1,
)


def test_an_option_given_with_its_value_is_kept_on_a_line_as_in_a_command() -> None:
    """A note's `--select state:modified+` broke on screen as `-` / `-select`."""
    assert html_text_code("as `--select state:modified+ --exclude x` does") == (
        'as <code><span class="opt">--select</span> state:modified+ '
        '<span class="opt">--exclude</span> x</code> does'
    )
    assert html_text_code("model `-A --b`") == "model <code>-A --b</code>"  # a name


@given(NAMES)
@example("-A")  # a name, not a command: no option is marked in it
def test_any_name_in_a_span_renders_as_exactly_that_name(name: str) -> None:
    message = f"model {code_span(name)} has no owner"
    shown = name.replace("\n", " ")  # a code span's line endings are spaces (CommonMark)
    assert spans_in(md_text_code(message)) == [shown]
    html = html_text_code(message)
    if re.match(r"(?:dbtgate|dbt|git) |--[A-Za-z]", shown):
        # Read as a command or an option: its options kept on a line (`opt`), its text unchanged.
        html = OPTION_MARKUP.sub(r"\1", html)
    assert html == f"model <code>{html_text(shown)}</code> has no owner"


@pytest.mark.parametrize(
    ("name", "span"),
    [("a``b", "```a``b```"), ("``a", "``` ``a ```"), ("b`", "`` b` ``"), ("`", "`` ` ``")],
)
def test_md_code_fences_a_name_with_backticks_as_commonmark_does(name: str, span: str) -> None:
    """A fence longer than any backtick run inside, padded when the name starts or ends with
    one: what CommonMark asks for a code span to hold backticks."""
    assert md_code(name) == span
    assert spans_in(span) == [name]


@given(NAMES)
def test_md_code_holds_any_name_inline_and_in_a_table_cell(name: str) -> None:
    """md_code writes a name on one line (whitespace runs are one space, ends stripped), and a
    table cell's `|` is escaped so the cell holds the whole span."""
    shown = re.sub(r"\s+", " ", name).strip()
    if not shown:
        assert md_code(name) == ""
        return
    assert spans_in(md_code(name)) == [shown]
    tokens = TABLES.parse(f"| name | n |\n|---|---|\n| {md_code(name, in_table=True)} | 1 |\n")
    cells = [
        [child.content for child in tokens[at + 1].children or [] if child.type == "code_inline"]
        for at, token in enumerate(tokens)
        if token.type == "td_open"
    ]
    assert cells == [[shown], []]


def test_a_report_renders_a_fix_naming_a_model_with_backticks() -> None:
    """The fix of run.not_run names the model in the command to paste."""
    made = finding(
        code="run.not_run",
        severity="error",
        message="ord`ers changed but was not built",
        unique_id="model.shop.ord`ers",
        fix=f"Build it and its tests: {code_span('dbt build --select ord`ers')}.",
        disposition="blocking",
    )
    report = sample_report([made])
    markdown = render_markdown(report)
    assert (
        "- `run.not_run` on ``model.shop.ord`ers``: ord\\`ers changed but was not built\n"
        "  - fix: Build it and its tests: ``dbt build --select ord`ers``.\n"
    ) in markdown
    assert "<code>dbt build --select ord`ers</code>" in PARSER.render(markdown)
    html = render_html(report)
    assert (
        'fix: Build it and its tests: <code>dbt build <span class="opt">--select</span> '
        "ord`ers</code>."
    ) in html
    # The JSON report keeps the message as written.
    assert json.loads(json.dumps(report))["findings"][0]["fix"] == made.fix


# What each of `backtick_named`'s findings reads in a report: its message and fix as text.
SHOWN = [
    ("test nn_`bt` on orders.a`b`c failed: 3 failing rows", "Fix the model or the data."),
    (
        "orders has no tested primary key: a`b`c has unique but no not_null test",
        "Add a not_null test to a`b`c (or a primary_key constraint).",
    ),
    ("`x`y` changed but was not built", "Build it and its tests: dbt build --select `x`y`."),
]


def test_a_findings_names_read_as_they_are_in_its_message_in_markdown() -> None:
    """Messages name a test or a column as plain text: `nn_`bt`` read as `nn_` then code `bt`,
    shown and copied without its backticks. A finding's own names are text wherever they
    stand; the fix's `not_null` and its command stay code."""
    lines = render_markdown(sample_report(backtick_named())).splitlines()
    items = [line for line in lines if line.startswith(("- `run.", "- `tests."))]
    fixes = [line.removeprefix("  - fix: ") for line in lines if line.startswith("  - fix: ")]
    # What a reader sees of each message (the findings are on no file: nothing follows it)
    # and fix, and the spans in them.
    messages = [PARSER.parseInline(item.split(": ", 1)[1])[0].children for item in items]
    said = [PARSER.parseInline(fix)[0].children for fix in fixes]
    shown = [
        ("".join(t.content for t in m), "".join(t.content for t in f))
        for m, f in zip(messages, said, strict=True)
    ]
    assert sorted(shown) == sorted(SHOWN)
    spans = [
        [t.content for t in m + f if t.type == "code_inline"]
        for m, f in zip(messages, said, strict=True)
    ]
    assert sorted(spans) == [[], ["dbt build --select `x`y`"], ["not_null"]]


def test_a_findings_names_read_as_they_are_in_its_message_in_html() -> None:
    html = render_html(sample_report(backtick_named()))
    assert "<td>test nn_`bt` on orders.a`b`c failed: 3 failing rows<" in html
    assert "<td>orders has no tested primary key: a`b`c has unique but no not_null test<" in html
    assert "fix: Add a <code>not_null</code> test to a`b`c (or a primary_key constraint).<" in html
    assert "<td>`x`y` changed but was not built<" in html
    assert (
        'Build it and its tests: <code>dbt build <span class="opt">--select</span> `x`y`</code>.'
        in html
    )


@given(st.text(st.sampled_from("ab_`"), min_size=1).filter(lambda name: "`" in name))
def test_a_named_name_is_text_in_its_message_and_whole_in_a_span(name: str) -> None:
    """Any name holding backticks: as plain text it reads as itself, no span; inside a command
    written with `code_span` it stays in that one span."""
    message = f"column {name} of orders has no description"
    markdown = md_text_code(message, [name])
    assert spans_in(markdown) == []
    assert PARSER.renderInline(markdown) == html_text(message).replace("&#x27;", "'")
    assert html_text_code(message, [name]) == html_text(message)
    fix = f"run {code_span(f'dbt build --select {name}')} again"
    assert spans_in(md_text_code(fix, [name])) == [f"dbt build --select {name}"]
    html = OPTION_MARKUP.sub(r"\1", html_text_code(fix, [name]))
    assert html == f"run <code>dbt build --select {html_text(name)}</code> again"


@given(NAMES)
def test_md_text_code_in_a_table_cell_keeps_each_span_whole(name: str) -> None:
    """A note naming a command as code, in a GFM table cell (the KPI notes table): a `|` in
    the span is escaped, or the cell would end there; the text around it reads as written."""
    shown = re.sub(r"\s+", " ", name).strip()
    note = f"run {code_span(shown)} | again" if shown else "run | again"
    tokens = TABLES.parse(f"| note |\n|---|\n| {md_text_code(note, in_table=True)} |\n")
    cells = [tokens[at + 1].children or [] for at, t in enumerate(tokens) if t.type == "td_open"]
    assert len(cells) == 1
    spans = [child.content for child in cells[0] if child.type == "code_inline"]
    assert spans == ([shown] if shown else [])
