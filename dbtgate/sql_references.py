"""The tables a model's SQL names directly, read from its templated source (dbt's `raw_code`).

A model should read what it reads through `ref()` and `source()`: that is how dbt orders the
build, draws lineage and tells the gate who reads a column. A table named in the SQL itself
(`from analytics.raw.orders`, `join "payments"`, `from {{ var('events_table') }}`) escapes all
of that. dbt-project-evaluator finds these with regular expressions over the raw code; a regular
expression also matches inside comments and strings, after `extract(year from o.created_at)` and
after `is distinct from`. Here the code is first masked (comments and strings blanked, Jinja
expressions, Jinja tags and quoted names kept as opaque runs, every position unchanged), so only
a real `FROM` or `JOIN` counts, with the relation after it, every table of a comma-separated
`FROM` list and each branch of an `{% if %}` around it; the parentheses around it tell a
subquery from a function's arguments.

What counts as named directly: a dotted name (`schema.table`, `db.schema.table`, quoted or not)
whose first part is not an alias of the query (`o.items` unnests a column of `o`), a quoted
name that is not a CTE, a name built with `{{ var(...) }}`, a Jinja expression followed by
`.table` (`{{ target.schema }}.orders`), and an unquoted single name that is not a CTE (a table
of the default schema). Table functions (`unnest(...)`, `schema.fn(...)`), subqueries, `ref()`,
`source()`, `this` and names glued to Jinja (`stg_{{ x }}`) are not.

Dialects disagree on a backslash in a string (an escape in BigQuery and Snowflake, a character
in Postgres and DuckDB): code with one is read both ways, and a table counts only when both
readings find it. `//` and `#` start comments too (Snowflake, BigQuery).

It runs on every selected model (10,000 in a large project), so it works on a few regular
expression matches per model, never a token stream, and a quick look (`_may_name_tables`) skips
the masked reading for the models that plainly read only refs, sources and CTEs: 0.6 s for
the 12 MB of SQL of 10,000 generated models, one in eight of which needs the masked reading (a
comment saying "from the table", a table function).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# What masking looks at, leftmost first: a `--` inside a string or Jinja is not a comment. The
# lookahead first: it rejects most positions at once (5x faster than the bare alternation). The
# two string readings differ in one thing: whether a backslash escapes the next character.
_MASKED = r"""
    (?=[{\-/#'"`\[])
    (?:
      (?P<jinja_comment>\{\#.*?\#\})
      | (?P<jinja_block>\{%.*?%\})
      | (?P<jinja>\{\{.*?\}\})
      | (?P<comment>--[^\n]*|//[^\n]*|\#[^\n]*|/\*.*?\*/)
      | (?P<string>STRING)
      | (?P<quoted>"(?:[^"]|"")*"|`[^`]*`|\[[^\[\]\n]*\])
    )
    """
_MASKED_RE = re.compile(_MASKED.replace("STRING", r"'(?:[^'\\]|\\.|'')*'"), re.VERBOSE | re.DOTALL)
_MASKED_PLAIN_RE = re.compile(_MASKED.replace("STRING", r"'(?:[^']|'')*'"), re.VERBOSE | re.DOTALL)
_VAR_RE = re.compile(r"\{\{-?\s*var\s*\(", re.IGNORECASE)
# Masked Jinja: `{{ var(...) }}` becomes a run of VAR, any other expression a run of JINJA, a
# `{% ... %}` tag a run of TAG (a boundary: `{% else %}` separates two relations).
VAR, JINJA, TAG = "\x01", "\x02", "\x03"

# Not `o.from` (a column) nor `$from`: as the quick look reads them.
_KEYWORD_RE = re.compile(r"(?<![\w$.])(from|join)(?![\w$])", re.IGNORECASE)
_PARENS_RE = re.compile(r"[()]")
_WORD_BEFORE_RE = re.compile(r"([A-Za-z_][\w$]*)[\s\x03]*$")
_WORD_AFTER_RE = re.compile(r"\s*([A-Za-z_]\w*)")
# One part of a name: masked Jinja (a multi-line expression keeps its newlines), a quoted name
# (masked inside), or a word.
_PART = (
    r"(?:[\x01\x02](?:[\x01\x02\n]*[\x01\x02])?|\"[^\"]*\"|`[^`]*`|\[[^\]\n]*\]"
    r"|[A-Za-z_][\w$]*(?:-\w+)*)"  # a BigQuery project has hyphens: my-project.dataset.table
)
_GAP = r"[\s\x03]*"
_RELATION_RE = re.compile(
    rf"{_GAP}(?:(?:lateral|only)\s+)*(?P<name>{_PART}(?:\s*\.\s*{_PART})*)(?P<glued>[\w\x01\x02])?"
    r"(?P<call>\s*\()?",
    re.IGNORECASE,
)
_ALIAS_RE = re.compile(rf"\s+(?:as\s+)?(?P<alias>{_PART})", re.IGNORECASE)
_COMMA_RE = re.compile(rf"{_GAP},")
_TAG_RE = re.compile(r"\s*\x03")
_IDENTIFIER_RE = re.compile(r"identifier\s*\(\s*'[^'\n]*'\s*\)", re.IGNORECASE)
_CTE_RE = re.compile(
    r"(?<![\w.$])(?P<name>[A-Za-z_][\w$]*|\"[^\"]*\"|`[^`]*`|\[[^\]\n]*\])\s*(?:\([^()]*\)\s*)?"
    r"as\s*(?:not\s+)?(?:materialized\s*)?\(",
    re.IGNORECASE,
)

# For the quick look (`_may_name_tables`), on lower-cased code.
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_$")
_NAME_OR_DOT = _NAME_CHARS | {"."}
_FOLLOWING_RE = re.compile(
    r"\s+(?:\{\{-?\s*(?:ref|source)\s*\([^{}]*\)\s*-?\}\}|\{\{-?\s*this\s*-?\}\}"
    r"|(?P<word>[a-z_][\w$]*)(?P<after>\s*\.|[{\"`\[(-])?)"
    r"(?P<alias>\s+(?:as\s+)?[a-z_][\w$]*)?(?P<comma>\s*,)?"
)
_CTE_TAIL_RE = re.compile(r"\s*(?:\([^()]*\)\s*)?as\s*(?:not\s+)?(?:materialized\s*)?\(")

# A `(` after one of these opens a subquery or a list, not a function's arguments.
# fmt: off
_NOT_FUNCTIONS = frozenset({
    "from", "join", "in", "exists", "as", "any", "all", "some", "on", "and", "or", "not",
    "where", "select", "union", "intersect", "except", "minus", "lateral", "then", "else",
    "when", "case", "having", "by", "with", "recursive", "distinct", "values", "using", "over",
    "filter", "within", "materialized",
})
# fmt: on
# Words after a relation that start the next clause: never the relation's alias, nor a table.
# fmt: off
_CLAUSE_WORDS = frozenset({
    "where", "group", "order", "having", "limit", "qualify", "window", "union", "intersect",
    "except", "minus", "join", "inner", "left", "right", "full", "cross", "natural", "outer",
    "on", "using", "lateral", "tablesample", "pivot", "unpivot", "for", "fetch", "offset",
    "returning", "sample", "at", "before", "changes", "match_recognize", "connect", "start",
    "semi", "anti", "asof", "positional", "any", "select", "from", "into", "with", "and", "or",
    "as", "when", "then", "else", "end", "is", "not", "in", "like", "between",
})
# fmt: on
# Single words after FROM that are no table: Oracle's and Snowflake's one-row `dual`, and
# `nth_value(x, 2) from first` (Snowflake, Redshift).
_NOT_TABLES = frozenset({"dual", "first", "last"})


@dataclass(frozen=True)
class Reference:
    """A table named directly in the SQL: its text as written (`analytics.raw.orders`,
    whitespace collapsed) and the 1-based line of the code it starts on."""

    text: str
    line: int


def mask(
    code: str, *, strings: bool = True, jinja: bool = True, backslash_escapes: bool = True
) -> str:
    """`code` with comments (SQL and Jinja) blanked; with `strings`, string literals' contents
    too; with `jinja`, each Jinja expression made a run of VAR (a `var()` call) or JINJA, each
    tag a run of TAG, and quoted names' contents made `_`. `backslash_escapes`: whether `\\'`
    stays inside a string (BigQuery, Snowflake) or ends it (Postgres, DuckDB). Newlines and
    every position stay, so a position in the mask is the same position in the code."""
    markers = (
        ("--", "/*", "{#", "//", "#")
        if not (strings or jinja)
        else ("--", "/*", "{", "#", "'", '"', "`", "[", "//")
    )
    if not any(marker in code for marker in markers):
        return code
    pieces = []
    position = 0
    pattern = _MASKED_RE if backslash_escapes else _MASKED_PLAIN_RE
    for match in pattern.finditer(code):
        kind = match.lastgroup
        if kind in ("comment", "jinja_comment"):
            fill, keep = " ", 0
        elif kind == "string" and strings:
            fill, keep = " ", 1
        elif kind == "jinja_block" and jinja:
            fill, keep = TAG, 0
        elif kind == "jinja" and jinja:
            fill, keep = (VAR if _VAR_RE.match(code, match.start()) else JINJA), 0
        elif kind == "quoted" and jinja:
            fill, keep = "_", 1
        else:
            continue
        start, end = match.span()
        pieces.append(code[position : start + keep])
        pieces.append(_filled(code[start + keep : end - keep], fill))
        position = end - keep
    pieces.append(code[position:])
    return "".join(pieces)


def _filled(text: str, fill: str) -> str:
    """`text` with every character but the newlines replaced by `fill`."""
    if "\n" not in text:
        return fill * len(text)
    return "\n".join(fill * len(line) for line in text.split("\n"))


def hard_coded_references(code: str, *, unqualified: bool = True) -> list[Reference]:
    """The relations `code` names directly after FROM and JOIN, in order of appearance (see the
    module docstring). `unqualified=False` leaves out unquoted single names (`from orders`),
    the one case a CTE built by a macro can be mistaken for."""
    if not _may_name_tables(code.lower(), unqualified):
        return []
    found = _scan(code, mask(code), unqualified)
    if found and "\\" in code:
        # Found by the BigQuery reading of strings; the Postgres reading must agree.
        other = {
            (r.text, r.line) for r in _scan(code, mask(code, backslash_escapes=False), unqualified)
        }
        found = [r for r in found if (r.text, r.line) in other]
    return found


def _scan(code: str, masked: str, unqualified: bool) -> list[Reference]:
    keywords = list(_KEYWORD_RE.finditer(masked))
    if not keywords:
        return []
    ctes = _cte_names(masked, code)
    # (position, text, first part) of each name after FROM/JOIN; the aliases the query gives.
    names: list[tuple[int, str, str]] = []
    aliases: set[str] = set()
    # The parentheses around each keyword: `extract(year from x)` is a function's argument.
    parens = _PARENS_RE.finditer(masked)
    calls: list[bool] = []
    paren = next(parens, None)
    for keyword in keywords:
        while paren is not None and paren.start() < keyword.start():
            if paren.group() == "(":
                calls.append(_opens_call(masked, paren.start()))
            elif calls:
                calls.pop()
            paren = next(parens, None)
        if calls and calls[-1]:
            continue
        before = _WORD_BEFORE_RE.search(masked, max(0, keyword.start() - 200), keyword.start())
        if before is not None and before.group(1).lower() == "distinct":
            continue  # `a is distinct from b`
        _relations(code, masked, keyword.end(), ctes, unqualified, names, aliases)
    references = []
    lines = LineNumbers(code)
    for start, text, first in sorted(names):
        if "." in text and first in aliases:
            continue  # `o.items`: a column of the query's `o` (BigQuery, Redshift SUPER)
        references.append(Reference(" ".join(text.split()), lines.at(start)))
    return references


class LineNumbers:
    """Line numbers of increasing positions in `code`, each newline counted once: a position
    at a time would count from the top each time, quadratic in a generated model that names
    (or matches) thousands of times."""

    def __init__(self, code: str) -> None:
        self.code, self.position, self.line = code, 0, 1

    def at(self, position: int) -> int:
        self.line += self.code.count("\n", self.position, position)
        self.position = position
        return self.line


def _cte_names(masked: str, code: str) -> set[str]:
    """Names the query defines as CTEs (`name as (`, `name (a, b) as (`, `name as materialized
    (`), lower case, unquoted (read from `code`: the mask hides quoted names' contents)."""
    return {
        _unquote(code[match.start("name") : match.end("name")]).lower()
        for match in _CTE_RE.finditer(masked)
    }


def _relations(
    code: str,
    masked: str,
    position: int,
    ctes: set[str],
    unqualified: bool,
    names: list[tuple[int, str, str]],
    aliases: set[str],
) -> None:
    """The relation list after the FROM/JOIN that ends at `position`: appends the names named
    directly (position, text, first part lower-cased) and records the aliases."""
    while True:
        match = _RELATION_RE.match(masked, position)
        if match is None:
            if not _is_at(masked, position, "("):
                return
            closing = _closing(masked, masked.index("(", position))  # a subquery: skip it
            if closing is None:
                return
            end = closing + 1
        elif match.group("call"):
            named = _IDENTIFIER_RE.match(code, match.start("name"))
            if named is not None and not match.group("glued"):
                # Snowflake's `identifier('raw.orders')`: a table named in a string.
                names.append((named.start(), named.group(), ""))
            return  # a table function
        elif match.group("glued"):
            return  # a name built by a template
        else:
            start, end = match.span("name")
            if masked[start:end].lower() in _CLAUSE_WORDS:
                return  # `{% if %} where ...`: the next clause, not another relation
            parts = [code[a:b].strip() for a, b in _part_spans(masked, start, end)]
            if _direct(masked[start:end], parts, ctes, unqualified):
                names.append((start, code[start:end], _unquote(parts[0]).lower()))
        position = end
        alias = _ALIAS_RE.match(masked, position)
        if alias is not None and alias.group("alias").lower() not in _CLAUSE_WORDS:
            aliases.add(_unquote(code[alias.start("alias") : alias.end("alias")]).lower())
            position = alias.end()
            if _is_at(masked, position, "("):  # the alias's column names: `t (c1, c2)`
                closing = _closing(masked, masked.index("(", position))
                position = closing + 1 if closing is not None else position
        comma = _COMMA_RE.match(masked, position)
        tag = _TAG_RE.match(masked, position)
        if comma is not None:
            position = comma.end()
        elif tag is not None:
            position = tag.end()  # `{% else %}`: another branch's relation
        else:
            return


def _part_spans(masked: str, start: int, end: int) -> list[tuple[int, int]]:
    """The spans of a masked name's parts (split at its dots: quoted parts are masked inside,
    so a dot in one is not seen)."""
    spans = []
    for piece in re.finditer(r"[^.]+", masked[start:end]):
        spans.append((start + piece.start(), start + piece.end()))
    return spans


def _direct(name: str, parts: list[str], ctes: set[str], unqualified: bool) -> bool:
    """Whether the masked name (and its parts, as written) is a table named directly."""
    masked_parts = [part.strip() for part in name.split(".")]
    if not all(masked_parts):
        return False  # `a..b`: T-SQL's default schema; too unusual to judge
    if any(part[0] == VAR for part in masked_parts):
        return True  # `{{ var('table') }}`, `analytics.{{ var('table') }}`
    if masked_parts[0][0] == JINJA:
        return len(masked_parts) > 1  # `{{ target.schema }}.orders`
    if any(part[0] == JINJA for part in masked_parts):
        return False  # `analytics.{{ x }}`: templated
    if len(masked_parts) > 1:
        return True
    single = _unquote(parts[0]).lower()
    if single in ctes or single in _NOT_TABLES:
        return False
    return unqualified or masked_parts[0][0] in '"`['


def _may_name_tables(low: str, unqualified: bool) -> bool:
    """False when every FROM and JOIN of the lower-cased code is plainly followed by `ref()`,
    `source()`, `this` or a CTE, and nothing else in its list: no table can be named directly,
    and the masked reading is skipped. Most models are like that; anything unusual after a
    keyword (a comment, a quote, other Jinja, a subquery, a dotted name, a comma) says True and
    lets the masked reading decide."""
    for keyword in ("from", "join"):
        position = low.find(keyword)
        while position >= 0:
            end = position + 4
            if (position == 0 or low[position - 1] not in _NAME_OR_DOT) and (
                end == len(low) or low[end] not in _NAME_CHARS
            ):
                following = _FOLLOWING_RE.match(low, end)
                if following is None or following.group("after") or following.group("comma"):
                    return True
                word = following.group("word")
                if word is not None and (
                    word in ("lateral", "only") or (unqualified and not _is_cte(low, word))
                ):
                    return True
            position = low.find(keyword, end)
    return False


def _is_cte(low: str, word: str) -> bool:
    """Whether the lower-cased code defines `word` as a CTE (`word as (`, `word (a) as (`),
    outside a comment."""
    position = low.find(word)
    while position >= 0:
        end = position + len(word)
        if (
            (position == 0 or low[position - 1] not in _NAME_OR_DOT)
            and (end == len(low) or low[end] not in _NAME_CHARS)
            and _CTE_TAIL_RE.match(low, end)
            and not _in_comment(low, position)
        ):
            return True
        position = low.find(word, end)
    return False


def _in_comment(low: str, position: int) -> bool:
    """Whether `position` may be inside a comment: after `--`, `//` or `#` on its line, or
    after a `/*` or `{#` that is not closed before it."""
    line = low[low.rfind("\n", 0, position) + 1 : position]
    if "--" in line or "//" in line or "#" in line:
        return True
    return low.rfind("/*", 0, position) > low.rfind("*/", 0, position) or low.rfind(
        "{#", 0, position
    ) > low.rfind("#}", 0, position)


def _opens_call(masked: str, position: int) -> bool:
    """Whether the `(` at `position` holds a function's arguments rather than a subquery."""
    before = _WORD_BEFORE_RE.search(masked, max(0, position - 200), position)
    if before is None or before.group(1).lower() in _NOT_FUNCTIONS:
        return False
    after = _WORD_AFTER_RE.match(masked, position + 1)
    return after is None or after.group(1).lower() not in ("select", "with")


def _is_at(masked: str, position: int, char: str) -> bool:
    """Whether the first character at or after `position`, past spaces and tags, is `char`."""
    rest = masked[position : position + 200].lstrip(" \t\r\n\x03")
    return rest[:1] == char


def _closing(masked: str, position: int) -> int | None:
    """The position of the `)` that closes the `(` at `position`."""
    depth = 0
    for paren in _PARENS_RE.finditer(masked, position):
        depth += 1 if paren.group() == "(" else -1
        if depth == 0:
            return paren.start()
    return None


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] + text[-1] in ('""', "``", "[]"):
        return text[1:-1].replace('""', '"')
    return text
