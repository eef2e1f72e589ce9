"""Escaping of untrusted text (model names, descriptions, messages) for each output language.

Anyone who can open a pull request controls model names, descriptions and SQL, and those land in a
PR comment, a job summary and an HTML page that release managers open. Unescaped, a description
could close a table, forge a link, ping a team, inject HTML, end a mermaid code fence, or run a
script. Every renderer passes untrusted text through one of these functions, never raw.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable

from dbtgate.plain_text import BIDI_CONTROLS, visible_bidi
from dbtgate.wording import code_span

# Characters that are markup wherever they stand in a line (escapes, code spans, emphasis,
# links, images and footnotes, strikethrough, table cells): backslash-escaped, they are literal.
# The rest of ASCII punctuation is markup only after one of these (a link's `](`) or at the start
# of a line (`_LINE_START`), and escaping it everywhere made a comment's source, what a mail
# notification shows, read `decimal\(18,2\) \-&gt; double` for `decimal(18,2) -> double`.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]|~])")
# A run of `_` opens or closes emphasis only beside a space or punctuation (CommonMark's
# flanking rules): between two letters or digits (`item_count`) it is literal as written.
_UNDERSCORES = re.compile(r"_+")
# What makes a line a heading, a quote, a list item, a thematic break or a setext underline
# when it starts the line (a warning's `> {text}`): its first character is escaped.
_LINE_START = re.compile(r">|#{1,6}(?= |$)|[-+](?= |$)|\d{1,9}(?=[.)](?: |$))|[-=](?=[-= ]*$)")
# GitHub links more than markdown does, and after rendering, on the text (where backslash escapes
# are gone): `#123`, `GH-123` and `owner/repo#123` reference an issue (and show on its timeline
# that the gate's comment mentioned it), `:name:` becomes an emoji, `https://...` and `www.` become
# links. A WORD JOINER (U+2060: no width, not shown) inside each pattern keeps the text as it reads
# and links nothing. The text it reads may have an `_` backslash-escaped (`:\_x:`).
_GITHUB_TEXT_LINK = re.compile(
    r"""(?<=\#)(?=\d)                       # #123, owner/repo#123
      | (?<=gh-)(?=\d)                      # GH-123
      | (?<=:)(?=//|(?!\d+:)(?:\\?[\w+-])+:|(?:100|1234):)
                                            # https://, :name: but a file's `x.sql:3:`
      | (?<=www)(?=\.)                      # www.
    """,
    re.IGNORECASE | re.VERBOSE,
)
_WORD_JOINER = "\u2060"
# `$...$` and `$$...$$` are math on GitHub, and a backslash does not escape a `$` there: GitHub's
# documented way is a `<span>` around it.
_DOLLAR = "<span>$</span>"
_WHITESPACE = re.compile(r"\s+")
# (and the bidirectional controls, shown as escapes: `plain_text.BIDI_CONTROLS`)
_HTML_SPECIAL = re.compile("[&<>\"'\u202a-\u202e\u2066-\u2069]")
# A run of backticks: a code span opens with one and closes with the next run of the same length.
_BACKTICKS = re.compile(r"`+")
_LINE_ENDING = re.compile(r"\r\n|\r|\n")


def md_text(text: object) -> str:
    """Untrusted text as literal inline markdown: one line, no markup, no HTML, no mentions, no
    issue references, emoji, autolinks or math. Punctuation that is no markup where the text
    stands is left as written (`->`, `18:00`, `(1 new)`, `item_count`), so the comment's
    source reads as its page does."""
    return _line_start_literal(_md_literal(_flat(text)))


def md_text_code(text: object, names: Iterable[str] = (), *, in_table: bool = False) -> str:
    """Like `md_text`, but `code` spans in it stay code spans (fix hints and rule docs write
    `meta.owner`, `--base`, messages name things with `wording.code_span`): each span is
    written again around what it holds, the rest goes through `md_text`'s escaping, so nothing
    in either can become markup. The backticks of `names` (a finding's own names, such as a
    test named nn_`bt`) open no span where the text writes them (`_with_code_spans`).

    `in_table`: the text is a GFM table cell, where a `|` ends the cell even inside a code span
    unless escaped (`md_code`); the text between spans escapes it already."""
    if "`" not in (text := visible_bidi(str(text)).strip()):
        return md_text(text)  # most text: a comment renders thousands of messages
    code = (lambda part: code_span(part.replace("|", "\\|"))) if in_table else code_span
    return _line_start_literal(
        _with_code_spans(text, lambda part: _md_literal(_WHITESPACE.sub(" ", part)), code, names)
    )


def html_text_code(text: object, names: Iterable[str] = ()) -> str:
    """`html_text`, with `code` spans as <code> elements (their text escaped too); `names` as
    in `md_text_code`."""
    if "`" not in (text := visible_bidi(str(text))):
        return html_text(text)  # most text: a report renders tens of thousands of messages
    return _with_code_spans(text, html_text, _html_code, names)


# A code span that is a command the reports suggest (`dbtgate lint --fix ...`, `dbt build
# --select ...`, `git fetch ...`) or an option with its value (`--select orders+`), and an
# option in it (`--base`, `-q`) after a space or, a long one, first.
_COMMAND = re.compile(r"(?:dbtgate|dbt|git) |--[A-Za-z]")
_OPTION = re.compile(r"(?:(?<= )|^)(--[A-Za-z][\w-]*)|(?<= )(-[A-Za-z][\w-]*)")


def _html_code(code: str) -> str:
    """A code span as a <code> element; in a command, or an option given with its value, each
    option kept on one line (class `opt`): a browser may break a line after a hyphen, and a fix
    hint printed on A4 read `dbtgate lint ... --` / `base ../target`, a note `-` / `-select
    state:modified+`. A name (`-A`, a model's) is left as it is."""
    escaped = html_text(code)
    if "-" in escaped and _COMMAND.match(code):
        escaped = _OPTION.sub(lambda option: f'<span class="opt">{option[0]}</span>', escaped)
    return f"<code>{escaped}</code>"


def _with_code_spans(
    text: str,
    literal: Callable[[str], str],
    code: Callable[[str], str],
    names: Iterable[str] = (),
) -> str:
    """`text` with its `code` spans rendered by `code` (given what each holds) and everything
    between by `literal`.

    Spans are found as CommonMark finds them, so a span `wording.code_span` wrote around a name
    holding backticks (``` `` a`b `` ```) is one span: a backtick run opens one that the next
    run of the same length closes; a run nothing closes is literal text. What a span holds has
    its line endings made spaces, and one space stripped from each end when it has one at both
    (and is not all spaces). Messages are plain text, so a backslash escapes nothing.

    A message names most things as plain text (`column a`b`c of orders`), where a name's own
    backticks read as a span (`a<code>b</code>c`: the name shown and copied without them). The
    backticks inside each of `names` wherever it stands are the name's, never a span's: its
    plain occurrences stay text, and one inside a span (``` `` dbt build -s a`b`c `` ```) is
    held by the span's fence, which is longer than any run in the name."""
    owned = _name_ranges(text, names)
    runs = [
        run
        for run in _BACKTICKS.finditer(text)
        if not any(start < run.end() and run.start() < end for start, end in owned)
    ]
    parts, last, at = [], 0, 0
    while at < len(runs):
        opening = runs[at]
        width = opening.end() - opening.start()
        closing = next(
            (i for i in range(at + 1, len(runs)) if runs[i].end() - runs[i].start() == width), None
        )
        if closing is None:
            at += 1
            continue
        parts.append(literal(text[last : opening.start()]))
        parts.append(code(_span_content(text[opening.end() : runs[closing].start()])))
        last, at = runs[closing].end(), closing + 1
    parts.append(literal(text[last:]))
    return "".join(parts)


def _name_ranges(text: str, names: Iterable[str]) -> list[tuple[int, int]]:
    """Where each of `names` that holds a backtick stands in `text` (start, end). Not where it
    would split a run of backticks: a name `` ` `` is not the half of a span's fence."""
    ranges = []
    for name in names:
        if "`" not in (name := visible_bidi(name)):
            continue
        at = text.find(name)
        while at >= 0:
            end = at + len(name)
            splits = (name[0] == "`" and text[at - 1 : at] == "`") or (
                name[-1] == "`" and text[end : end + 1] == "`"
            )
            if not splits:
                ranges.append((at, end))
            at = text.find(name, at + 1)
    return ranges


def _span_content(raw: str) -> str:
    """What a code span holds, as CommonMark reads it (the spec's "code spans" section)."""
    content = _LINE_ENDING.sub(" ", raw)
    if content[:1] == content[-1:] == " " and content.strip(" "):
        return content[1:-1]
    return content


def _md_literal(flat: str) -> str:
    # HTML first (GitHub renders some inline HTML; a lone `>` opens nothing), then markdown
    # punctuation, then what GitHub finds in the rendered text.
    flat = flat.replace("&", "&amp;").replace("<", "&lt;")
    flat = _MARKDOWN_SPECIAL.sub(r"\\\1", flat)
    # After the backslashes, which go before punctuation only: a letter beside a run is still
    # the letter beside it in the text.
    flat = _UNDERSCORES.sub(lambda run: _underscores(run, flat), flat)
    return _github_literal(flat)


def _underscores(run: re.Match[str], text: str) -> str:
    """A run of `_` as written between two letters or digits, where it cannot open or close
    emphasis; escaped anywhere else."""
    before = text[run.start() - 1 : run.start()]
    after = text[run.end() : run.end() + 1]
    if before.isalnum() and after.isalnum():
        return run.group()
    return run.group().replace("_", "\\_")


def _line_start_literal(markdown: str) -> str:
    """`markdown` (inline text, escaped) with a backslash before what would make a block of it
    at the start of a line: `> x`, `# x`, `- x`, `1. x`, `---`, `==`."""
    start = _LINE_START.match(markdown)
    if not start:
        return markdown
    at = start.end() if markdown[0].isdigit() else 0
    return f"{markdown[:at]}\\{markdown[at:]}"


def _github_literal(text: str) -> str:
    """`text` (markdown or HTML already escaped) without what GitHub makes of plain text: issue
    references, emoji and links get a word joiner (`_GITHUB_TEXT_LINK`), a `$` its `<span>`, and
    `@team`, which notifies the team on every push, a zero-width space after the `@` (what
    Dependabot does)."""
    text = _GITHUB_TEXT_LINK.sub(_WORD_JOINER, text)
    return text.replace("$", _DOLLAR).replace("@", "@&#8203;")


def md_html_text(text: object) -> str:
    """Untrusted text inside an HTML block of markdown (a `<summary>` title): markdown is not
    parsed there, so `md_text`'s backslashes would show as written (`\\(1 new\\)`). One line, HTML
    escaped, and GitHub's mentions, references, emoji, links and math defused like `md_text`'s."""
    flat = _flat(text)
    # `&` and `<` are all that can start markup in HTML text: `>` stays as written (`->`).
    return _github_literal(flat.replace("&", "&amp;").replace("<", "&lt;"))


def md_code(text: object, *, in_table: bool = False) -> str:
    """Untrusted text as an inline code span (`` `x` ``), safe whatever backticks it contains.

    In a table cell a `|` ends the cell even inside a code span unless escaped (GFM)."""
    flat = _flat(text)
    if in_table:
        flat = flat.replace("|", "\\|")
    return code_span(flat) if flat else ""


def md_code_block(text: str, language: str = "") -> str:
    """Untrusted text as a fenced code block, shown as written: the fence is longer than any
    run of backticks in it (CommonMark: only a run at least as long closes it), so nothing in
    the text can end the block and be read as markdown or HTML."""
    text = visible_bidi(text)
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text.rstrip(chr(10))}\n{fence}\n"


def md_url(url: str) -> str:
    """A URL for a markdown link target: only characters that cannot end or break the link."""
    return re.sub(r"[\s()<>\[\]`\"']", lambda m: f"%{ord(m.group(0)):02X}", url)


def _flat(text: object) -> str:
    """`text` on one line, trimmed, its bidirectional controls shown as escapes."""
    return visible_bidi(_WHITESPACE.sub(" ", str(text)).strip())


def html_text(text: object) -> str:
    """Untrusted text for HTML element content and (double- or single-quoted) attributes.

    Most text has nothing to escape (names, codes, messages): one search settles it, where
    `html.escape` makes five passes (a gate report escapes 250,000 strings at 48,000 findings)."""
    text = str(text)
    if not _HTML_SPECIAL.search(text):
        return text
    return html.escape(text.translate(BIDI_CONTROLS), quote=True)


def mermaid_label(text: object, limit: int = 60) -> str:
    """Untrusted text for a quoted mermaid node label: `id["<this>"]`.

    Mermaid reads `#name;` / `#123;` entity codes inside labels, so every character that could end
    the label, open HTML or markdown, start an entity, or close the surrounding ``` fence becomes
    an entity code. Newlines would end the statement: they become spaces.
    """
    flat = _flat(text)
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return "".join(f"#{ord(char)};" if char in '"#&<>`\\[](){}|;%' else char for char in flat)
