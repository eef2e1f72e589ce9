"""Type names: aliases and default sizes per adapter are no change; size-only changes are not
breaking (as dbt-core 1.11 decides); base type changes are widened, narrowed or changed."""

from __future__ import annotations

import pytest

from dbtgate.diff.types import compare_types, normalise_type


@pytest.mark.parametrize(
    ("old", "new", "adapter"),
    [
        ("int", "integer", "postgres"),
        ("INT4", "integer", "postgres"),
        ("int32", "INTEGER", "duckdb"),
        ("bigint", "int8", "postgres"),
        ("varchar", "character varying", "postgres"),
        ("text", "varchar", "postgres"),
        ("STRING", "varchar", "duckdb"),
        ("decimal", "DECIMAL", "duckdb"),
        ("numeric(10,2)", "DECIMAL(10, 2)", "postgres"),
        ("INT", "NUMBER(38,0)", "snowflake"),
        ("bigint", "NUMBER(38,0)", "snowflake"),
        ("NUMBER", "NUMBER(38,0)", "snowflake"),
        ("TEXT", "VARCHAR(16777216)", "snowflake"),
        ("varchar", "STRING", "snowflake"),
        ("float", "DOUBLE", "snowflake"),
        ("INT64", "int", "bigquery"),
        ("text", "varchar(256)", "redshift"),
        ("timestamp without time zone", "TIMESTAMP", "postgres"),
        ("  Double   Precision ", "float8", "postgres"),
    ],
)
def test_adapter_aliases_are_the_same_type(old: str, new: str, adapter: str) -> None:
    assert compare_types(old, new, adapter) == "same"
    assert compare_types(new, old, adapter) == "same"


@pytest.mark.parametrize(
    ("old", "new", "adapter", "expected"),
    [
        ("varchar(10)", "varchar(20)", "postgres", "size_widened"),
        ("VARCHAR(20)", "varchar(3)", "postgres", "size_narrowed"),
        ("varchar(10)", "varchar", "duckdb", "size_widened"),
        ("decimal(18,2)", "decimal(20,2)", "duckdb", "size_widened"),
        ("decimal(18,2)", "decimal(10,2)", "duckdb", "size_narrowed"),
        ("decimal(18,2)", "decimal(18,4)", "duckdb", "size_changed"),
        ("NUMBER(38,0)", "NUMBER(18,2)", "snowflake", "size_changed"),
    ],
)
def test_size_and_precision_only_changes_keep_the_base_type(
    old: str, new: str, adapter: str, expected: str
) -> None:
    assert compare_types(old, new, adapter) == expected


@pytest.mark.parametrize(
    ("old", "new", "adapter", "expected"),
    [
        ("int", "bigint", "postgres", "widened"),
        ("smallint", "integer", "duckdb", "widened"),
        ("float", "double", "duckdb", "widened"),
        ("integer", "decimal(18,2)", "duckdb", "widened"),
        ("bigint", "int", "postgres", "narrowed"),
        ("double", "integer", "duckdb", "narrowed"),
        ("decimal(18,2)", "double", "duckdb", "changed"),
        ("date", "timestamp", "postgres", "changed"),
        ("integer", "varchar", "postgres", "changed"),
        ("real", "double precision", "postgres", "widened"),
        ("float", "double precision", "postgres", "same"),
    ],
)
def test_base_type_changes_are_described(old: str, new: str, adapter: str, expected: str) -> None:
    assert compare_types(old, new, adapter) == expected


@pytest.mark.parametrize(
    ("old", "new", "adapter", "expected"),
    [
        # A decimal with room for every digit of the integer holds all its values...
        ("integer", "decimal(10,0)", "duckdb", "widened"),
        ("bigint", "decimal(19,0)", "postgres", "widened"),
        ("integer", "numeric", "postgres", "widened"),  # no precision: any value
        ("INT64", "NUMERIC", "bigquery", "widened"),  # NUMERIC(38,9): 29 digits
        ("smallint", "real", "postgres", "widened"),
        ("integer", "double", "duckdb", "widened"),
        # ...one without, or a float that holds it inexactly, does not.
        ("INTEGER", "DECIMAL(4,0)", "duckdb", "narrowed"),
        ("integer", "decimal(12,4)", "postgres", "narrowed"),
        ("bigint", "decimal", "duckdb", "narrowed"),  # DuckDB's DECIMAL is (18,3)
        ("integer", "real", "duckdb", "narrowed"),
        ("integer", "float", "duckdb", "narrowed"),  # 4 bytes on DuckDB
        ("bigint", "double", "duckdb", "narrowed"),
        ("INT64", "FLOAT64", "bigquery", "narrowed"),
    ],
)
def test_an_integer_into_a_decimal_or_float_is_widened_only_with_room_for_it(
    old: str, new: str, adapter: str, expected: str
) -> None:
    assert compare_types(old, new, adapter) == expected


def test_float_is_four_bytes_on_duckdb_and_eight_on_postgres() -> None:
    assert normalise_type("float", "duckdb") == normalise_type("real", "duckdb")
    assert normalise_type("float", "postgres") == normalise_type("double precision", "postgres")


def test_unknown_types_compare_as_unknown() -> None:
    assert compare_types(None, "int", "duckdb") is None
    assert compare_types("int", "", "duckdb") is None


def test_nested_types_compare_as_written() -> None:
    assert compare_types("STRUCT<a INT64, b STRING>", "struct<a int64,b string>", "bigquery") == (
        "same"
    )
    assert compare_types("ARRAY<INT64>", "ARRAY<STRING>", "bigquery") == "changed"
