"""Warehouse type names, normalised per adapter, so that a spelling is never reported as a change.

The same column reads `INT` in one YAML file, `integer` in another, `NUMBER(38,0)` in Snowflake's
catalog and `int4` in Postgres's; `TEXT` is `VARCHAR(16777216)` on Snowflake and `VARCHAR(256)` on
Redshift. A schema diff that compares the strings reports all of these as type changes and trains
people to ignore it. Here each type is parsed into a canonical base name and its parameters (size,
precision, scale), with aliases and default sizes resolved for the adapter that wrote it.

Comparing two types then follows dbt-core 1.11's contract check (`ModelNode.same_contract`): a
change of the base type is a type change; a change of size, precision or scale only is not breaking
(dbt strips everything from the first parenthesis before comparing). Unlike dbt-core, aliases are
resolved first, so `int` -> `integer` is no change at all. Beyond dbt-core, a base type change is
described as widened (int -> bigint, float -> double, int -> a decimal with room for its digits),
narrowed (the reverse, and an integer into a type that cannot hold all its values exactly:
decimal(4,0), a 4-byte float) or changed (anything else), which the classification uses for
models without contracts.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

import msgspec

TypeChange = Literal[
    "same",  # the same type, spelled differently or not at all
    "size_widened",  # same base type, larger size/precision (not breaking, as in dbt-core)
    "size_narrowed",  # same base type, smaller size/precision (not breaking, as in dbt-core)
    "size_changed",  # same base type, parameters moved both ways (e.g. decimal(18,2)->(20,1))
    "widened",  # another base type that holds every value of the old one
    "narrowed",  # another base type that holds only some values of the old one
    "changed",  # another base type, not comparable
]

_SPACES = re.compile(r"\s+")

# Aliases every adapter shares (lower case, whitespace collapsed).
_COMMON: dict[str, str] = {
    "int": "integer",
    "int4": "integer",
    "int32": "integer",
    "signed": "integer",
    "integer": "integer",
    "bigint": "bigint",
    "int8": "bigint",
    "int64": "bigint",
    "long": "bigint",
    "smallint": "smallint",
    "int2": "smallint",
    "int16": "smallint",
    "short": "smallint",
    "tinyint": "tinyint",
    "int1": "tinyint",
    "byteint": "tinyint",
    "hugeint": "hugeint",
    "int128": "hugeint",
    "varchar": "varchar",
    "text": "varchar",
    "string": "varchar",
    "character varying": "varchar",
    "char varying": "varchar",
    "nvarchar": "varchar",
    "nvarchar2": "varchar",
    "national character varying": "varchar",
    "char": "char",
    "character": "char",
    "nchar": "char",
    "bpchar": "char",
    "decimal": "decimal",
    "numeric": "decimal",
    "dec": "decimal",
    "number": "decimal",
    "real": "real",
    "float4": "real",
    "float": "double",
    "float8": "double",
    "float64": "double",
    "double": "double",
    "double precision": "double",
    "bool": "boolean",
    "boolean": "boolean",
    "logical": "boolean",
    "timestamp": "timestamp",
    "timestamp without time zone": "timestamp",
    "datetime": "timestamp",
    "timestamp_ntz": "timestamp",
    "timestamptz": "timestamptz",
    "timestamp with time zone": "timestamptz",
    "timestamp_tz": "timestamptz",
    "time without time zone": "time",
    "timetz": "timetz",
    "time with time zone": "timetz",
    "bytea": "binary",
    "blob": "binary",
    "varbinary": "binary",
    "binary": "binary",
    "bytes": "binary",
}

# Where an adapter departs from the common aliases.
_ADAPTER: dict[str, dict[str, str]] = {
    # Snowflake: every integer and exact numeric is NUMBER(p,s); every float is FLOAT (64-bit);
    # every string is VARCHAR; TIMESTAMP is TIMESTAMP_NTZ unless the account says otherwise.
    "snowflake": {
        **{name: "number" for name in ("int", "integer", "bigint", "smallint", "tinyint")},
        **{name: "number" for name in ("byteint", "number", "decimal", "numeric", "dec")},
        **{name: "float" for name in ("float", "float4", "float8", "double", "real")},
        "double precision": "float",
        **{name: "varchar" for name in ("char", "character", "nchar", "text", "string")},
        "timestamp_ltz": "timestamp_ltz",
    },
    # BigQuery: INT64 (with aliases), FLOAT64, NUMERIC/BIGNUMERIC; DATETIME is not TIMESTAMP.
    "bigquery": {
        **{name: "int64" for name in ("int", "integer", "bigint", "smallint", "tinyint")},
        **{name: "int64" for name in ("byteint", "int64")},
        "float": "float64",
        "float64": "float64",
        "numeric": "numeric",
        "decimal": "numeric",
        "bignumeric": "bignumeric",
        "bigdecimal": "bignumeric",
        "datetime": "datetime",
        "timestamp": "timestamptz",
        "bool": "boolean",
    },
    # DuckDB: FLOAT is 4 bytes; CHAR is an alias of VARCHAR; DATETIME is TIMESTAMP.
    "duckdb": {"float": "real", "char": "varchar", "bpchar": "varchar", "character": "varchar"},
    # Databricks / Spark: FLOAT is 4 bytes; CHAR/VARCHAR are STRING.
    "databricks": {"float": "real", "char": "varchar", "character": "varchar"},
    "spark": {"float": "real", "char": "varchar", "character": "varchar"},
}

# Parameters a type has when none are written, per adapter (so `TEXT` == `VARCHAR(16777216)`).
_DEFAULT_PARAMS: dict[str, dict[str, tuple[int, ...]]] = {
    "snowflake": {"number": (38, 0), "varchar": (16777216,), "binary": (8388608,)},
    "redshift": {"varchar": (256,), "char": (1,), "decimal": (18, 0)},
    "postgres": {"char": (1,)},
    "duckdb": {"decimal": (18, 3)},
    "databricks": {"decimal": (10, 0)},
    "spark": {"decimal": (10, 0)},
    # NUMERIC is NUMERIC(38,9), BIGNUMERIC (76,38): 29 and 38 digits before the point.
    "bigquery": {"numeric": (38, 9), "bignumeric": (76, 38)},
}
# Names that Snowflake writes with a fixed scale of 0 when a precision is not given.
_SNOWFLAKE_INTEGER_NAMES = frozenset({"int", "integer", "bigint", "smallint", "tinyint", "byteint"})

_INTEGER_RANK = {"tinyint": 1, "smallint": 2, "integer": 3, "bigint": 4, "hugeint": 5}
_FLOAT_RANK = {"real": 1, "float": 2, "double": 2, "float64": 2}
# The decimal digits of an integer type's largest value (int64: BigQuery's), and how many digits
# a float holds exactly (2^24 and 2^53): an integer moves into a decimal or a float without loss
# only when it has room for them. INTEGER -> DECIMAL(4,0) fails on 10,000, and a 4-byte REAL
# holds an id exactly only up to 16,777,216.
_INTEGER_DIGITS = {
    "tinyint": 3,
    "smallint": 5,
    "integer": 10,
    "bigint": 19,
    "int64": 19,
    "hugeint": 39,
}
_FLOAT_DIGITS = {"real": 7, "float": 15, "double": 15, "float64": 15}
_EXACT = frozenset({"decimal", "number", "numeric", "bignumeric"})
_STRINGS = frozenset({"char", "varchar"})


class SqlType(msgspec.Struct, frozen=True):
    """A type as the warehouse means it: canonical base name plus size/precision/scale."""

    base: str
    params: tuple[int | str, ...] = ()

    def __str__(self) -> str:
        if not self.params:
            return self.base
        return f"{self.base}({','.join(str(p) for p in self.params)})"


def normalise_adapter(adapter: str | None) -> str:
    name = (adapter or "").lower()
    return "redshift" if name.startswith("redshift") else name


@lru_cache(maxsize=4096)
def normalise_type(raw: str | None, adapter: str | None = None) -> SqlType | None:
    """Parse `raw` (as written in YAML or catalog.json) into a canonical `SqlType`."""
    if raw is None:
        return None
    text = _SPACES.sub(" ", raw.strip().strip('"`').lower())
    if not text:
        return None
    adapter = normalise_adapter(adapter)
    if "<" in text or text.count("(") > 1:
        # STRUCT<...>, ARRAY<...>, MAP(...): compared as written, without aliasing.
        return SqlType(text.replace(" ,", ",").replace(", ", ","))
    name, params, suffix = _split(text)
    name = f"{name} {suffix}".strip() if suffix else name
    base = _ADAPTER.get(adapter, {}).get(name) or _COMMON.get(name) or name
    if adapter == "redshift" and name == "text":
        params = params or (256,)
    if adapter == "snowflake":
        if base == "number" and name in _SNOWFLAKE_INTEGER_NAMES:
            params = (38, 0)
        elif base == "number" and len(params) == 1:
            params = (params[0], 0)
        elif name in ("char", "character", "nchar") and not params:
            params = (1,)
    if not params:
        params = _DEFAULT_PARAMS.get(adapter, {}).get(base, ())
    elif base in _EXACT and len(params) == 1 and adapter != "snowflake":
        params = (params[0], 0)
    return SqlType(base, params)


def _split(text: str) -> tuple[str, tuple[int | str, ...], str]:
    """`decimal(18, 2)` -> ("decimal", (18, 2), ""); `timestamp(6) with time zone` keeps its tail."""
    opening = text.find("(")
    if opening < 0:
        return text, (), ""
    closing = text.find(")", opening)
    if closing < 0:
        return text, (), ""
    params: list[int | str] = []
    for part in text[opening + 1 : closing].split(","):
        part = part.strip()
        if part:
            params.append(int(part) if part.isdigit() else part)
    return text[:opening].strip(), tuple(params), text[closing + 1 :].strip()


def compare_types(
    old: str | None, new: str | None, adapter: str | None = None
) -> TypeChange | None:
    """How the type moved from `old` to `new`; None when either side is not known."""
    if old is None or new is None:
        return None
    if old == new:
        return "same"
    old_type = normalise_type(old, adapter)
    new_type = normalise_type(new, adapter)
    if old_type is None or new_type is None:
        return None
    if old_type == new_type:
        return "same"
    if old_type.base == new_type.base:
        return _compare_params(old_type, new_type)
    return _compare_bases(old_type, new_type)


def _compare_params(old: SqlType, new: SqlType) -> TypeChange:
    # No parameters on a string means unbounded (DuckDB/Postgres VARCHAR), the widest there is.
    old_params, new_params = old.params, new.params
    if not new_params and old.base in _STRINGS:
        return "size_widened"
    if not old_params and new.base in _STRINGS:
        return "size_narrowed"
    old_sizes = [p for p in old_params if isinstance(p, int)]
    new_sizes = [p for p in new_params if isinstance(p, int)]
    all_sizes = len(old_sizes) == len(old_params) and len(new_sizes) == len(new_params)
    if not all_sizes or len(old_sizes) != len(new_sizes):
        return "size_changed"
    if old.base in _EXACT and len(old_sizes) == 2:
        # decimal(p,s): wider only if both the integer digits (p-s) and the scale grow or stay.
        (p1, s1), (p2, s2) = old_sizes, new_sizes
        old_sizes, new_sizes = [p1 - s1, s1], [p2 - s2, s2]
    pairs = list(zip(old_sizes, new_sizes, strict=True))
    if all(n >= o for o, n in pairs):
        return "size_widened"
    if all(n <= o for o, n in pairs):
        return "size_narrowed"
    return "size_changed"


def _compare_bases(old_type: SqlType, new_type: SqlType) -> TypeChange:
    old, new = old_type.base, new_type.base
    if old in _INTEGER_DIGITS and (new in _EXACT or new in _FLOAT_DIGITS):
        return _integer_into(_INTEGER_DIGITS[old], new_type)
    if old in _INTEGER_RANK and new in _INTEGER_RANK:
        return "widened" if _INTEGER_RANK[new] > _INTEGER_RANK[old] else "narrowed"
    if old in _FLOAT_RANK and new in _FLOAT_RANK:
        if _FLOAT_RANK[new] == _FLOAT_RANK[old]:
            return "changed"
        return "widened" if _FLOAT_RANK[new] > _FLOAT_RANK[old] else "narrowed"
    if new in _INTEGER_DIGITS and (old in _EXACT or old in _FLOAT_RANK):
        return "narrowed"
    if old == "char" and new == "varchar":
        return "widened"
    if old == "varchar" and new == "char":
        return "narrowed"
    return "changed"


def _integer_into(digits: int, new: SqlType) -> TypeChange:
    """An integer of `digits` digits moved to a decimal or a float: widened when every value
    fits exactly, narrowed when some do not. A decimal with no precision (Postgres's NUMERIC)
    holds any."""
    if new.base in _FLOAT_DIGITS:
        room = _FLOAT_DIGITS[new.base]
    else:
        sizes = [p for p in new.params if isinstance(p, int)]
        if len(sizes) != len(new.params):
            return "changed"
        room = sizes[0] - (sizes[1] if len(sizes) > 1 else 0) if sizes else digits
    return "widened" if room >= digits else "narrowed"
