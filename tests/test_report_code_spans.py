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
from report_samples import finding, sample_report

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
