"""Code rules: what the SQL itself says, read from the manifest's copy of it (a model's or
snapshot's `raw_code`, a macro's `macro_sql`: the templated source).

Tables named directly instead of through `ref()`/`source()` (dbt-project-evaluator's
`fct_hard_coded_references`, dbt-checkpoint's `check-script-has-no-table-name`, dbt-bouncer's
`check_model_hard_coded_references`), patterns a team forbids (`select *` in marts, a trailing
semicolon: dbt-bouncer's `check_model_code_does_not_contain_regexp_pattern`), models too long
to review (`check_model_max_number_of_lines`) and macros of too many arguments to call right
(`check_macro_max_number_of_arguments`). sqlfluff, which `lint:` runs on the changed
files, checks how SQL is written; these check what it reads and how much of it there is, on
every selected resource, changed or not, with or without the project's files. Macros nothing
calls are dead code (dbt-bouncer's `check_macro_is_used`), read from the calls dbt records.

The gate's decode leaves the code out (it is most of a manifest's size): the first of these
rules to run reads it, once (`Project.code`). Findings point at the line of the SQL file (the
code is found in the file on disk; without it, a model's line is its code's, a snapshot's or
macro's finding points at its declaration).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dbtgate.artifacts.manifest import Macro, Node, Source
from dbtgate.project import Project, display_name
from dbtgate.rules.governance import Criteria, criteria_violation
from dbtgate.rules.registry import Count, Names, Regex, Violation, rule


def _sql(resource: Node, project: Project) -> str | None:
    """The resource's SQL as dbt read it; None for Python models and when the manifest has
    none."""
    if resource.language == "python":
        return None
    return project.code(resource.unique_id)


def _in_file(
    project: Project, resource: Node | Macro, lines: list[int]
) -> tuple[list[int], str, int | None]:
    """Lines of the resource's code as lines of its file, how a message names them (`line
    4`, `lines 4, 9 and 15`, `lines 4, 9, 15, 22, 30 and 3 more`), and the line a finding
    points at. When the code cannot be placed in its file: its code's lines (`... of its
    code`), and no line (the finding points at the declaration)."""
    start = project.code_start(resource.unique_id)
    if start is not None:
        lines = [line + start for line in lines]
    shown = [str(line) for line in lines[:5]]
    rest = len(lines) - len(shown)
    if len(lines) == 1:
        words = f"line {lines[0]}"
    elif rest:
        words = f"lines {', '.join(shown)} and {rest} more"
    else:
        words = f"lines {', '.join(shown[:-1])} and {shown[-1]}"
    if start is None:
        return lines, f"{words} of its code", None
    return lines, words, lines[0]


@rule(
    "code.hard_coded_reference",
    severity="warn",
    applies_to=("model", "snapshot"),
    why="""
        dbt learns what a model reads from `ref()` and `source()`: that is how it orders the
        build, draws lineage, and how the gate knows who reads a column before it is removed.
        A table named in the SQL is invisible to all of it: the model may run before the table
        is rebuilt, it reads production from a development run, and it breaks without warning
        when the table is renamed.
    """,
    failing="""
        -- models/marts/fct_orders.sql
        select o.*, p.amount
        from analytics.staging.stg_orders as o
        join raw.payments as p on p.order_id = o.order_id
    """,
    passing="""
        -- models/marts/fct_orders.sql
        select o.*, p.amount
        from {{ ref('stg_orders') }} as o
        join {{ source('shop', 'payments') }} as p on p.order_id = o.order_id
    """,
    fix="Read the table through `ref()` (a model, seed or snapshot) or `source()` (declare it "
    "as a source first).",
)
def hard_coded_reference(
    resource: Node, project: Project, *, unqualified: bool = True
) -> Iterator[Violation]:
    """Every table the SQL of a model or snapshot names after FROM or JOIN instead of reading
    it through `ref()` or `source()`.

    Named directly: `schema.table` and `db.schema.table` (quoted or not), a quoted name
    (`"orders"`), `{{ var('table') }}` alone and `{{ target.schema }}.orders`; with
    `unqualified` (the default), also an unquoted name that is not a CTE of the query
    (`from orders`: a table of the default schema). Comments, strings, subqueries, table
    functions (`unnest(...)`), `extract(year from ...)` and `is distinct from` are not table
    references. Set `unqualified: false` if macros build your CTEs (a CTE the SQL does not
    show reads as a table). A `{{ var('orders_table') }}` is reported as dbt-project-evaluator
    reports it: the gate cannot tell a table name in the variable from a `ref()` stored there
    (as some packages do, which dbt resolves); waive such models. Each table is reported once,
    at its first line; when the manifest has a model, seed, snapshot or source built as that
    table, the fix names its `ref()` or `source()` (both, for a seed also declared as a
    source)."""
    from dbtgate.sql_references import hard_coded_references  # its regexes: only when used

    code = _sql(resource, project)
    if not code:
        return
    first: dict[str, list[int]] = {}
    texts: dict[str, str] = {}
    for reference in hard_coded_references(code, unqualified=unqualified):
        key = reference.text.lower()
        first.setdefault(key, []).append(reference.line)
        texts.setdefault(key, reference.text)
    for key, code_lines in first.items():
        text = texts[key]
        lines, where, line = _in_file(project, resource, code_lines)
        yield Violation(
            f"{display_name(resource)} reads {text} by name ({where}), not through ref() or "
            "source()",
            key=key,
            line=line,
            fix=_read_instead(project, text),
            details={"reference": text, "lines": lines},
        )


def _read_instead(project: Project, text: str) -> str | None:
    """A fix naming the ref() or source() of the resources built as the table `text` (a seed
    and a source of the same table are both offered: either reads it through dbt)."""
    if "{{" in text:
        return None
    quoted = text.split("'")
    matches = project.relations_named(quoted[1] if len(quoted) == 3 else text)  # identifier('x')
    resources = [r for uid in matches[:3] if (r := project.resource(uid)) is not None]
    if not resources or len(matches) > 3:
        return None
    calls = [f"{_call(resource)} ({display_name(resource)})" for resource in resources]
    if len(calls) == 1:
        return f"Replace {text} with {calls[0]}, which the manifest builds as that table."
    return f"Replace {text} with {' or '.join(calls)}: the manifest builds that table as each."


def _call(resource: Node | Source) -> str:
    """The Jinja that reads the resource: `{{ source('shop', 'orders') }}`, `{{ ref('x', v=2) }}`."""
    if isinstance(resource, Source):
        return f"{{{{ source('{resource.source_name}', '{resource.name}') }}}}"
    version = getattr(resource, "version", None)
    suffix = f", v={version}" if version is not None else ""
    return f"{{{{ ref('{resource.name}'{suffix}) }}}}"


@rule(
    "code.forbidden_pattern",
    severity="warn",
    applies_to=("model", "snapshot", "macro"),
    why="""
        Some SQL a team has decided against, whatever sqlfluff thinks of its style: `select *`
        in a mart (a new upstream column leaks into every reader), `current_date` in a model
        meant to be reproducible, a trailing semicolon, a hard-coded date. A regular expression
        states the decision once; `reason` says why, in every finding.
    """,
    failing="""
        -- policy: code.forbidden_pattern:
        --   {pattern: '(?i)select\\s+\\*', reason: marts list their columns}
        -- models/marts/fct_orders.sql
        select * from {{ ref('int_orders') }}
    """,
    passing="""
        -- models/marts/fct_orders.sql
        select order_id, customer_id, amount from {{ ref('int_orders') }}
    """,
    fix="Rewrite the SQL without the forbidden construct (the finding's reason says why it "
    "is forbidden), or waive the resource with a reason.",
)
def forbidden_pattern(
    resource: Node | Macro,
    project: Project,
    *,
    pattern: Regex = "",
    reason: str = "",
    comments: bool = False,
) -> Iterator[Violation]:
    """The code of a model, snapshot or macro does not match `pattern` (Python's `re.search`,
    on the code as dbt read it: Jinja included, so `{{ config(` can be forbidden too).

    Comments are left out unless `comments: true` (a comment that mentions `select *` is not
    one). Add `(?i)` for case-insensitive matching, `(?m)` to anchor `^`/`$` at each line.
    Each distinct match is reported once, at its first line. Python models are matched too."""
    from dbtgate.sql_references import LineNumbers, mask  # its regexes: only when used

    code = project.code(resource.unique_id)
    if not code:
        return
    searched = code if comments else mask(code, strings=False, jinja=False)
    found: dict[str, list[int]] = {}
    lines_of = LineNumbers(code)
    for match in re.finditer(pattern, searched):
        text = " ".join(code[match.start() : match.end()].split())
        found.setdefault(text.lower(), []).append(lines_of.at(match.start()))
    because = f": {reason}" if reason else ""
    for key, code_lines in found.items():
        shown = key if len(key) <= 60 else f"{key[:57]}..."
        lines, where, line = _in_file(project, resource, code_lines)
        yield Violation(
            f"{display_name(resource)} matches the forbidden pattern {pattern} "
            f"({shown!r} at {where}){because}",
            key=key,
            line=line,
            details={"pattern": pattern, "match": shown, "lines": lines, "reason": reason},
        )


@rule(
    "code.max_lines",
    severity="warn",
    applies_to=("model", "snapshot", "macro"),
    why="""
        A model of hundreds of lines does several things at once: it is hard to review in a
        pull request, its tests cannot say which step broke, and nothing else can reuse its
        intermediate steps. Splitting it into intermediate models makes each step testable.
    """,
    failing="""
        -- policy: code.max_lines: {max: 100}
        -- models/marts/fct_orders.sql: 240 lines, six CTEs
    """,
    passing="""
        -- models/intermediate/int_orders_joined.sql: 60 lines
        -- models/marts/fct_orders.sql: 45 lines, reads int_orders_joined
    """,
    fix="Move steps of the model into intermediate models (`models/intermediate/`) that it refs.",
)
def max_lines(resource: Node | Macro, project: Project, *, max: Count = 100) -> Violation | None:
    """The code of a model, snapshot or macro has at most `max` lines (as dbt read it: blank
    lines at the top and the bottom of a model's file do not count; a macro from `{% macro` to
    `{% endmacro %}`). The finding points at the first line over."""
    code = project.code(resource.unique_id)
    if not code:
        return None
    lines = code.count("\n") + 1
    if lines <= max:
        return None
    _, _, line = _in_file(project, resource, [max + 1])
    return Violation(
        f"{display_name(resource)} is {lines} lines long; at most {max}",
        line=line,
        details={"lines": lines, "max": max},
    )


# The opening of a macro's or a generic test's block, up to its signature's parenthesis:
# `{% macro cents_to_dollars(`, `{%- test not_negative (`.
_SIGNATURE = re.compile(r"\{%-?\s*(?:macro|test)\s+\w+\s*\(")


@rule(
    "code.max_arguments",
    severity="warn",
    applies_to=("macro",),
    why="""
        Every caller of a macro passes its arguments, in order or by name: a macro of many
        arguments is hard to call right and to read at the call, and usually does several
        things that flags switch between. Splitting it, or passing a mapping, keeps each
        call readable.
    """,
    failing="""
        -- policy: code.max_arguments: {max: 4}
        {% macro pivot_amounts(column, values, prefix, suffix, agg, quote, default) %}
    """,
    passing="""
        -- macros/pivot_amounts.sql
        {% macro pivot_amounts(column, values, options={}) %}
    """,
    fix="Split the macro, or pass the settings that go together as one mapping argument.",
)
def max_arguments(macro: Macro, project: Project, *, max: Count = 4) -> Violation | None:
    """The macro's signature names at most `max` arguments (`{% macro x(a, b=1) %}`: 2).

    Read from its code, as dbt read it, on every dbt version (the manifest lists a macro's
    arguments only from dbt-core 1.12 on, or where its YAML declares them). A generic test
    counts the `model` and `column_name` its signature names; a materialization has none. As
    dbt-bouncer's check_macro_max_number_of_arguments, with its default (4)."""
    names = signature_arguments(project.code(macro.unique_id) or "")
    if names is None or len(names) <= max:
        return None
    _, _, line = _in_file(project, macro, [1])
    return Violation(
        f"macro {macro.name} takes {len(names)} arguments; at most {max}",
        line=line,
        details={"arguments": names, "max": max},
    )


def signature_arguments(code: str) -> list[str] | None:
    """The argument names of the macro or generic test block that `code` opens (defaults
    left out: `a, b=[1, 2]` is `a`, `b`); None when it opens none (a materialization) or the
    signature does not close."""
    opening = _SIGNATURE.search(code)
    if opening is None:
        return None
    parts = _top_level_parts(code, opening.end())
    if parts is None:
        return None
    return [part.split("=", 1)[0].strip() for part in parts if part.strip()]


def _top_level_parts(code: str, start: int) -> list[str] | None:
    """The comma-separated parts of `code` from `start` to the parenthesis that closes there,
    commas inside brackets and quoted strings (a default's list or text) not splitting."""
    parts, current, depth, quote = [], [], 0, ""
    for char in code[start:]:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                return [*parts, "".join(current)]
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    return None


_IS_INCREMENTAL = re.compile(r"\bis_incremental\s*\(\s*\)")


@rule(
    "code.unused_is_incremental",
    severity="warn",
    applies_to=("model",),
    why="""
        dbt's `is_incremental()` is true only while an incremental model runs on an existing
        table. In a model materialized as anything else it is always false: the block it
        guards never runs, yet every reader takes the model for an incremental one and
        reviews a filter that does nothing. It is usually left over from a materialization
        changed away from `incremental`, or copied from another model.
    """,
    failing="""
        -- models/marts/fct_orders.sql, materialized: table
        select * from {{ ref('stg_orders') }}
        {% if is_incremental() %}
          where ordered_at > (select max(ordered_at) from {{ this }})
        {% endif %}
    """,
    passing="""
        -- models/marts/fct_orders.sql
        {{ config(materialized='incremental', unique_key='order_id') }}
        select * from {{ ref('stg_orders') }}
        {% if is_incremental() %}
          where ordered_at > (select max(ordered_at) from {{ this }})
        {% endif %}
    """,
    fix="Delete the `is_incremental()` block, or materialize the model as `incremental` if "
    "that was the intent.",
)
def unused_is_incremental(model: Node, project: Project) -> Violation | None:
    """A model not materialized as `incremental` does not call `is_incremental()`.

    Comments do not count; Python models are skipped. The finding points at the first call. As
    dbt-score's has_no_unused_is_incremental."""
    from dbtgate.sql_references import LineNumbers, mask  # its regexes: only when used

    materialized = model.config.materialized if model.config else None
    if materialized == "incremental":
        return None
    code = _sql(model, project)  # decoded only when a model that is not incremental asks
    if not code:
        return None
    calls = [m.start() for m in _IS_INCREMENTAL.finditer(mask(code, strings=False, jinja=False))]
    if not calls:
        return None
    lines_of = LineNumbers(code)
    lines, where, line = _in_file(project, model, [lines_of.at(start) for start in calls])
    return Violation(
        f"{display_name(model)} calls is_incremental() ({where}) but is materialized as "
        f"{materialized or 'view'}, where it is always false",
        line=line,
        details={"materialized": materialized, "lines": lines},
    )


@rule(
    "code.unused_macro",
    severity="warn",
    applies_to=("macro",),
    why="""
        A macro nothing calls is code every reader still has to understand, and it rots: it
        is not compiled in any run, so a renamed model or column it names goes unnoticed
        until someone calls it again. Deleting it, or knowing why it stays, keeps the
        project's macros the ones that run.
    """,
    failing="""
        -- macros/cents_to_dollars.sql, called by no model, test or macro
        {% macro cents_to_dollars(column) %} ({{ column }} / 100)::numeric(16, 2) {% endmacro %}
    """,
    passing="""
        -- models/marts/orders.sql
        select {{ cents_to_dollars('amount') }} as amount from {{ ref('stg_payments') }}
    """,
    fix="Delete the macro, or, when it is run on purpose (`dbt run-operation`), waive the "
    "finding with that reason.",
)
def unused_macro(macro: Macro, project: Project) -> Violation | None:
    """Something in the build calls the macro: a model, test, snapshot, hook, exposure, unit
    test or another macro, as dbt records it in their `depends_on.macros`.

    A materialization, and a macro that overrides one of dbt's own by its name (as
    `generate_schema_name` does, in the `dbt` package or the adapter's), are called by dbt
    itself and pass; so does another adapter's implementation (`postgres__x`) of a macro the
    build calls through `adapter.dispatch` (`x` or `default__x` called). dbt cannot see a macro
    that only `dbt run-operation` runs: waive it. As dbt-bouncer's check_macro_is_used."""
    called = project.called_macros()  # a second decode of the manifest, made once
    if called is None or macro.unique_id in called or macro.name.startswith("materialization_"):
        return None
    adapter = project.manifest.metadata.adapter_type if project.manifest.metadata else None
    builtin = {"dbt", f"dbt_{adapter}"} if adapter else {"dbt"}
    if any(
        other.name == macro.name and other.package_name in builtin
        for other in project.macros.values()
    ):
        return None
    if _dispatched(macro.name, called):
        return None
    return Violation(f"macro {macro.name} is called by nothing in the build")


def _dispatched(name: str, called: frozenset[str]) -> bool:
    """Whether `name` is one adapter's implementation (`postgres__cents_to_dollars`) of a macro
    the build calls through `adapter.dispatch`: dbt records the call of the implementation for
    the adapter it ran on (`default__cents_to_dollars`, or the dispatching macro), and the
    others are used on other warehouses."""
    prefix, _, base = name.partition("__")
    if not prefix or not base:
        return False
    ends = (f".{base}", f".default__{base}")
    return any(uid.endswith(ends) for uid in called)


@rule(
    "code.required_macros",
    severity="warn",
    why="""
        Some conventions live in a macro: the surrogate key every mart builds the same way,
        the audit columns every staging model adds, the filter that drops test accounts. A
        model that writes its own version instead drifts from the rest unnoticed (a key
        hashed in another order joins to nothing). Requiring the macro where it belongs makes
        the hand-written copy a finding.
    """,
    failing="""
        -- policy: {select: "path:models/marts", rules: {code.required_macros:
        --          {macros: [dbt_utils.generate_surrogate_key]}}}
        -- models/marts/fct_order_lines.sql
        select md5(order_id || '-' || line_number) as order_line_key, ...
    """,
    passing="""
        -- models/marts/fct_order_lines.sql
        select {{ dbt_utils.generate_surrogate_key(['order_id', 'line_number']) }}
            as order_line_key, ...
    """,
    fix="Call the listed macros in the model's code instead of writing what they do by hand "
    "(or, when the model has no use for them, narrow the policy's select or waive it).",
)
def required_macros(
    model: Node,
    project: Project,
    *,
    macros: Names = [],  # noqa: B006
    criteria: Criteria = "all",
) -> Violation | None:
    """The model calls every macro in `macros`; with `criteria: any`, at least one of them,
    with `one`, exactly one.

    A macro is named as `package.name` (`dbt_utils.generate_surrogate_key`), by its name alone
    in any package, or by its unique_id. The calls are those dbt records in the model's
    `depends_on.macros` when it parses the project: the macros its code calls directly, not
    those they call in turn. Without a manifest file nothing is judged. As dbt-bouncer's
    check_model_depends_on_macros (`required_macros`, `criteria`)."""
    calls = project.macro_calls()
    if calls is None:
        return None
    called = calls.get(model.unique_id, ())
    present = [name for name in macros if any(_names_macro(name, uid) for uid in called)]
    return criteria_violation(
        model,
        macros,
        present,
        criteria,
        ("macros", "does not call the macros"),
        listed_as="required",
    )


def _names_macro(name: str, unique_id: str) -> bool:
    """Whether `name` (`name`, `package.name` or a unique_id) names the macro `unique_id`
    (`macro.<package>.<name>`)."""
    package, _, macro = unique_id.removeprefix("macro.").partition(".")
    return name in (macro, f"{package}.{macro}", unique_id)
