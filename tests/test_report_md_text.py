"""`md_text`: untrusted text reads on the rendered comment exactly as written, and its markdown
source (what a mail notification shows) is escaped only where markdown would read markup.

Rendered with a real CommonMark parser (markdown-it-py, with GFM tables and strikethrough) in
every place the reports put such text: a line of its own, a quote (a warning), a list item, a
table cell and a bold owner heading.
"""

from __future__ import annotations

import re
import string
from html.parser import HTMLParser

from hypothesis import example, given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from report_samples import sample_report

from dbtgate.report.escape import md_html_text, md_text, md_text_code
from dbtgate.report.markdown import render_markdown

PARSER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])

# Where the reports put untrusted text, the element that must hold all of it, and what the
# element holds before it.
PLACES = {
    "line": ("{}\n", "p", ""),
    "quote": ("> {}\n", "blockquote", ""),
    "list item": ("- fix: {}\n", "li", "fix: "),
    "table cell": ("| a |\n| --- |\n| {} |\n", "td", ""),
    "owner heading": ("**{}** (3)\n", "strong", ""),
}


class _Rendered(HTMLParser):
    """The tags of rendered HTML, and the text inside the element `inside`."""

    def __init__(self, inside: str) -> None:
        super().__init__(convert_charrefs=True)
        self.inside = inside
        self.depth = 0
        self.tags: list[str] = []
        self.text: list[str] = []
        self.in_span = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)
        self.depth += tag == self.inside
        self.in_span = tag == "span"

    def handle_endtag(self, tag: str) -> None:
        self.depth -= tag == self.inside
        self.in_span = False

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.text.append(data)


def shown(markdown: str, inside: str) -> tuple[str, set[str]]:
    """The text a reader sees in `inside` (GitHub's invisible joiners dropped) and every tag."""
    parser = _Rendered(inside)
    parser.feed(PARSER.render(markdown))
    text = "".join(parser.text).replace("\u2060", "").replace("\u200b", "")
    return text.strip(), set(parser.tags)


TAGS = {"p", "blockquote", "ul", "li", "table", "thead", "tbody", "tr", "th", "td", "strong"}
TEXT = st.text(
    st.sampled_from(string.punctuation + " _-:>#1ab\t\n")
    | st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")),
    min_size=1,
).filter(lambda text: re.sub(r"\s+", " ", text).strip())


@given(TEXT)
@example("decimal(18,2) -> double")
@example("- x")
@example("1. first")
@example("# heading")
@example("---")
@example("=")
@example("_x_ a__b __c item_count")
@example("a\\*b\\")
@example("<b>&amp;</b> | ~~gone~~ ![i](u) [l](u) `c`")
def test_untrusted_text_reads_as_written_wherever_it_stands(text: str) -> None:
    # The joiners GitHub's defusing adds are not shown, so not compared either.
    written = re.sub(r"\s+", " ", text).strip().replace("\u2060", "").replace("\u200b", "").strip()
    for place, (template, element, before) in PLACES.items():
        seen, tags = shown(template.format(md_text(text)), element)
        assert seen == (before + written).strip(), place
        assert tags <= TAGS | {"span"}, (place, tags)


def test_punctuation_that_is_no_markup_where_it_stands_is_written_as_it_is() -> None:
    """`\\-&gt;`, `decimal\\(18,2\\)`, `item\\_count` and `18\\:00` read as such in the comment's
    source, which is what its mail notification shows."""
    assert md_text("total_amount: decimal(18,2) -> double, at 18:00.") == (
        "total_amount: decimal(18,2) -> double, at 18:00."
    )
    assert md_html_text("What changed: decimal(18,2) -> double") == (
        "What changed: decimal(18,2) -> double"
    )
    # Markup stays escaped: emphasis, links, code, tables, HTML, and a block at a line's start.
    assert md_text("*a* _b_ [c](d) `e` | <f> & g") == (
        "\\*a\\* \\_b\\_ \\[c\\](d) \\`e\\` \\| &lt;f> &amp; g"
    )
    assert [md_text(t) for t in ("> q", "# h", "- l", "2. o", "-0.1 pt")] == [
        "\\> q",
        "\\# h",
        "\\- l",
        "2\\. o",
        "-0.1 pt",
    ]
    assert md_text_code("> run `dbt build` -> pass") == "\\> run `dbt build` -> pass"


def test_a_breaking_change_reads_cleanly_in_the_comment_source_and_on_the_page() -> None:
    report = sample_report()
    report["sections"]["diff"]["changes"][0]["reason"] = (
        "orders_summary v2: contracted column total_amount data_type changed"
        " (decimal(18,2) -> double)"
    )
    markdown = render_markdown(report)
    row = "| orders_summary v2: contracted column total_amount data_type changed"
    assert f"{row} (decimal(18,2) -> double)<br>`breaking.column_removed`" in markdown
    assert "(decimal(18,2) -&gt; double)<br><code>" in PARSER.render(markdown)
