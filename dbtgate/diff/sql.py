"""Compiled SQL, read from disk only when a question needs it, and what sqlglot can tell from it.

The manifest's compiled SQL is left out of the loader on purpose (it is most of a manifest's bytes),
so the diff reads `compiled_path` under the build's target directory instead, and only for the few
models a question is asked about: does a downstream model select the column that broke; what
columns does a model output when neither the catalog nor YAML says; did a changed model's filter or
grain move. sqlglot is imported on the first such question, never on the gate's common path.
A file that is missing or SQL sqlglot cannot parse gives "unknown", never an error: this is
evidence for the reader, not input the gate depends on.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import msgspec

if TYPE_CHECKING:
    from dbtgate.artifacts.manifest import Node
    from dbtgate.project import Project

Selects = Literal["yes", "no", "unknown"]

# dbt adapter type -> sqlglot dialect, where the names differ.
_DIALECTS = {"sqlserver": "tsql", "synapse": "tsql", "fabric": "fabric", "glue": "spark"}
_SQLGLOT_DIALECTS = frozenset(
    {
        "athena",
        "bigquery",
        "clickhouse",
        "databricks",
        "duckdb",
        "hive",
        "mysql",
        "oracle",
        "postgres",
        "presto",
        "redshift",
        "snowflake",
        "spark",
        "sqlite",
        "teradata",
        "trino",
        "tsql",
    }
)


def dialect_for(adapter: str | None) -> str | None:
    name = (adapter or "").lower()
    name = _DIALECTS.get(name, name)
    return name if name in _SQLGLOT_DIALECTS else None


class QueryShape(msgspec.Struct, frozen=True):
    """The parts of a query that decide which rows come out (filters) and how many (grain),
    and the whole query written one way (`query`: no comments, no layout, identifiers
    normalised, tables by name alone) so a change of layout or comments only reads as such."""

    filters: tuple[str, ...]
    grain: tuple[str, ...]
    query: str


class SqlFiles(msgspec.Struct):
    """The compiled SQL of one build's nodes, read and parsed at most once each."""

    project: Project
    dialect: str | None = None
    _parsed: dict[str, Any] = msgspec.field(default_factory=dict)
    # Nodes whose compiled file was not on disk, as against on disk and not parsed: the diff
    # says how to get the first (keep target/compiled with the build), not the second.
    _absent: set[str] = msgspec.field(default_factory=set)
    # Each node's text, read once: the change set's same-text check, the code change's and the
    # impact's parses all ask for it.
    _text: dict[str, str | None] = msgspec.field(default_factory=dict)

    @classmethod
    def of(cls, project: Project) -> SqlFiles:
        metadata = project.manifest.metadata
        return cls(project, dialect_for(metadata.adapter_type if metadata else None))

    def text(self, node: Node) -> str | None:
        """The node's compiled SQL, from the build's target directory (a snapshot's from the
        manifest when dbt wrote no file of it); None when not on disk."""
        if node.unique_id not in self._text:
            self._text[node.unique_id] = self._read(node)
        return self._text[node.unique_id]

    def _read(self, node: Node) -> str | None:
        if node.language == "python":
            return None
        if not node.compiled_path:
            return (
                self.project.snapshot_sql(node.unique_id)
                if node.resource_type == "snapshot"
                else None
            )
        for path in _candidates(self.project, node.compiled_path):
            try:
                return path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
        return None

    def parsed(self, node: Node) -> Any:
        """The sqlglot expression of the node's compiled SQL; None when absent or unparsable."""
        if node.unique_id in self._parsed:
            return self._parsed[node.unique_id]
        expression = None
        text = self.text(node)
        if text is None:
            self._absent.add(node.unique_id)
        else:
            import sqlglot
            from sqlglot.errors import SqlglotError

            try:
                expression = sqlglot.parse_one(text, read=self.dialect)
            except (SqlglotError, ValueError, RecursionError):
                expression = None
        self._parsed[node.unique_id] = expression
        return expression

    def absent(self, node: Node) -> bool:
        """Whether the node's compiled SQL was not on disk when `parsed` looked for it."""
        return node.unique_id in self._absent

    def output_columns(self, node: Node) -> list[str] | None:
        """Names the outermost SELECT returns, in order; None when it has `*` or cannot be read."""
        expression = self.parsed(node)
        if expression is None:
            return None
        from sqlglot import exp

        select = expression if isinstance(expression, exp.Query) else None
        if select is None:
            return None
        names = []
        for projection in select.selects:
            if isinstance(projection, exp.Star) or (
                isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
            ):
                return None
            name = projection.alias_or_name
            if not name:
                return None
            names.append(name)
        return names

    def selects_column(self, child: Node, parent: Node, column: str) -> Selects:
        """Whether `child`'s compiled SQL reads `column` of `parent` (or passes it through `*`)."""
        expression = self.parsed(child)
        if expression is None:
            return "unknown"
        from sqlglot import exp

        identifiers = {name.casefold() for name in _relation_names(parent)}
        sources = _sources_of(expression, identifiers)
        if not sources:
            return "unknown"
        wanted = column.casefold()
        for reference in expression.find_all(exp.Column):
            qualifier = reference.table.casefold()
            if reference.name.casefold() == wanted and (not qualifier or qualifier in sources):
                return "yes"
            # The whole row, `to_json(o)` or `struct_pack(o.*)`, holds every column of it.
            whole_row = not qualifier and reference.name.casefold() in sources
            nested_star = isinstance(reference.this, exp.Star) and qualifier in sources
            if whole_row or (nested_star and not isinstance(reference.parent, exp.Select)):
                return "yes"
        # `join ... using (col)` names the column as an identifier; a natural join names none.
        for join in expression.find_all(exp.Join):
            if str(join.args.get("method") or "").upper() == "NATURAL":
                return "yes"
            if any(i.name.casefold() == wanted for i in join.args.get("using") or ()):
                return "yes"
        # `, lateral (select o.*)`: the star passes the row into the lateral's output.
        for lateral in expression.find_all(exp.Lateral):
            if any(_is_star(star, sources) for star in lateral.find_all(exp.Star, exp.Column)):
                return "yes"
        outer = _outer_selects(expression)
        if outer is None:
            return "unknown"
        if any(_is_star(p, sources) for select in outer for p in select.selects):
            return "yes"
        return "no"

    def shape(self, node: Node) -> QueryShape | None:
        expression = self.parsed(node)
        if expression is None:
            return None
        from sqlglot import exp

        # Schema and database are environment-dependent (dev vs prod): compare table names only.
        def bare(item: Any) -> Any:
            if isinstance(item, exp.Table):
                return exp.Table(this=item.this.copy(), alias=item.args.get("alias"))
            return item

        expression = expression.transform(bare)
        filters: list[str] = []
        grain: list[str] = []
        for select in expression.find_all(exp.Select):
            for key in ("where", "having", "qualify"):
                part = select.args.get(key)
                if part is not None:
                    filters.append(f"{key}:{self._sql(part.this)}")
            group = select.args.get("group")
            if group is not None:
                grain.append("group:" + ",".join(self._sql(e) for e in group.expressions))
            if select.args.get("distinct") is not None:
                grain.append("distinct")
            for join in select.args.get("joins") or ():
                on = join.args.get("on")
                kind = " ".join(
                    str(join.args.get(k) or "").lower()
                    for k in ("side", "kind")
                    if join.args.get(k)
                )
                grain.append(f"join:{kind}:{self._sql(on) if on is not None else ''}")
        return QueryShape(tuple(sorted(filters)), tuple(sorted(grain)), self._sql(expression))

    def _sql(self, expression: Any) -> str:
        return expression.sql(dialect=self.dialect, normalize=True, comments=False)


def _candidates(project: Project, compiled_path: str) -> list[Path]:
    """Where the build's compiled file may be. compiled_path names it under the target path
    dbt wrote to (`target/compiled/...`, relative to the project's root). The build's own copy
    is under its artifacts directory (`compiled/...` there), wherever the directory was copied
    to, and is read first: a base build kept as `prod-target/` in the project has the pull
    request's `target/` beside it, whose files read as the base's made every SQL change compare
    equal to itself. Then under the project's root, for artifacts copied without compiled/."""
    relative = Path(compiled_path)
    found = []
    if project.artifacts is not None and "compiled" in relative.parts:
        inside = relative.parts[relative.parts.index("compiled") :]
        found.append(project.artifacts.directory.joinpath(*inside))
    if relative.is_absolute():
        found.append(relative)
    elif project.project_dir is not None:
        found.append(project.project_dir / relative)
    return found


def _relation_names(node: Node) -> list[str]:
    names = [node.alias or node.name]
    if node.relation_name:
        names.append(node.relation_name.split(".")[-1].strip('"`[]'))
    return names


def _sources_of(expression: Any, identifiers: set[str]) -> set[str]:
    """Names by which the query refers to the parent: its table aliases, and CTEs and derived
    tables (`from (select * from parent) p`) built on it."""
    from sqlglot import exp

    sources: set[str] = set()
    for table in expression.find_all(exp.Table):
        if table.name.casefold() in identifiers:
            sources.add(table.name.casefold())
            sources.add(table.alias_or_name.casefold())
    if not sources:
        return sources
    ctes = list(expression.find_all(exp.CTE))
    grew = True
    while grew:
        grew = False
        for cte in ctes:
            name = cte.alias_or_name.casefold()
            if name in sources:
                continue
            if any(t.name.casefold() in sources for t in cte.this.find_all(exp.Table)):
                sources.add(name)
                grew = True
        for table in expression.find_all(exp.Table):
            if table.name.casefold() in sources and table.alias_or_name.casefold() not in sources:
                sources.add(table.alias_or_name.casefold())
                grew = True
        for derived in expression.find_all(exp.Subquery):
            name = derived.alias_or_name.casefold()
            if name and name not in sources and _reads(derived.this, sources):
                sources.add(name)
                grew = True
    return sources


def _reads(query: Any, sources: set[str]) -> bool:
    """Whether `query` reads a table or CTE of `sources`."""
    from sqlglot import exp

    return any(table.name.casefold() in sources for table in query.find_all(exp.Table))


def _outer_selects(expression: Any) -> list[Any] | None:
    """The SELECTs whose projections are the query's output: one, or each branch of a UNION,
    EXCEPT or INTERSECT; None for any other statement (its output is not known)."""
    from sqlglot import exp

    if isinstance(expression, exp.Select):
        return [expression]
    if isinstance(expression, (exp.Union, exp.Except, exp.Intersect)):
        left, right = _outer_selects(expression.left), _outer_selects(expression.right)
        return None if left is None or right is None else left + right
    return None


def _is_star(projection: Any, sources: set[str]) -> bool:
    from sqlglot import exp

    if isinstance(projection, exp.Star):
        return True
    if isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star):
        return not projection.table or projection.table.casefold() in sources
    return False
