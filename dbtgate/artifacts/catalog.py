"""catalog.json v1: the warehouse's own view of each relation's columns and types."""

# No `from __future__ import annotations`: msgspec reads the Structs' annotations as types
# here, where as text it compiles and evaluates each one when a decoder is built (274 in the
# artifact modules, ~15 M instructions every run).

import msgspec

_S = {"gc": False, "omit_defaults": True}


class CatalogColumn(msgspec.Struct, **_S):
    name: str = ""
    type: str | None = None
    index: int | None = None
    comment: str | None = None


class TableMetadata(msgspec.Struct, **_S):
    type: str | None = None
    schema: str | None = None
    name: str | None = None
    database: str | None = None


class TableStat(msgspec.Struct, **_S):
    """One statistic the adapter recorded of a table; only its value is read. Adapters write
    numbers for the sizes and counts, strings and booleans for others (a last modified time,
    `has_stats`), which a rule that reads a number does not judge."""

    value: int | float | str | bool | None = None


class TableStats(msgspec.Struct, **_S):
    """The row count and size of a table as the adapter recorded them in `stats`, under each
    adapter's own key: `num_rows` and `num_bytes` (dbt-bigquery), `row_count` and `bytes`
    (dbt-snowflake), `rows` and `bytes` (dbt-databricks, dbt-spark), `rows` (dbt-redshift,
    whose `size` counts 1 MB blocks and is not read). DuckDB and Postgres record none. Other
    statistics are not decoded."""

    num_rows: TableStat | None = None
    row_count: TableStat | None = None
    rows: TableStat | None = None
    num_bytes: TableStat | None = None
    bytes_: TableStat | None = msgspec.field(default=None, name="bytes")

    @property
    def row_total(self) -> int | float | None:
        """The table's rows as recorded (None when the adapter records no number of them)."""
        return _first_number(self.num_rows, self.row_count, self.rows)

    @property
    def byte_total(self) -> int | float | None:
        """The table's size in bytes as recorded (None when the adapter records none)."""
        return _first_number(self.num_bytes, self.bytes_)


def _first_number(*stats: TableStat | None) -> int | float | None:
    for stat in stats:
        value = stat.value if stat is not None else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
    return None


class CatalogTable(msgspec.Struct, **_S):
    unique_id: str | None = None
    metadata: TableMetadata | None = None
    columns: dict[str, CatalogColumn] | None = None
    stats: TableStats | None = None


class CatalogMetadata(msgspec.Struct, **_S):
    dbt_schema_version: str | None = None
    dbt_version: str | None = None
    generated_at: str | None = None
    invocation_id: str | None = None


class Catalog(msgspec.Struct, **_S):
    metadata: CatalogMetadata | None = None
    nodes: dict[str, CatalogTable] | None = None
    sources: dict[str, CatalogTable] | None = None


def same_table(first: CatalogTable | None, second: CatalogTable | None) -> bool:
    """Whether two builds' catalogs list the same relation with the same columns. The `stats`
    are left out: the row counts and sizes move with every load of the data, and what compares
    two builds (the schema diff, the base build's KPIs) reads none of them."""
    if first is None or second is None:
        return first is second
    return (first.metadata, first.columns) == (second.metadata, second.columns)


def records_seed_stats(catalog: Catalog) -> bool:
    """Whether the catalog records a row count or size of any seed: a rule that limits them has
    nothing to read in one that records none (DuckDB's, Postgres's)."""
    return any(
        table.stats is not None
        and (table.stats.row_total is not None or table.stats.byte_total is not None)
        for unique_id, table in (catalog.nodes or {}).items()
        if unique_id.startswith("seed.")
    )
