"""sources.json v1-v3: the result of `dbt source freshness`."""

# No `from __future__ import annotations`: msgspec reads the Structs' annotations as types
# here, where as text it compiles and evaluates each one when a decoder is built (274 in the
# artifact modules, ~15 M instructions every run).

import msgspec

from dbtgate.artifacts.manifest import FreshnessRule

_S = {"gc": False, "omit_defaults": True}
# The statuses `dbt source freshness` writes (dbt-core's FreshnessStatus).
FRESHNESS_STATUSES = frozenset({"pass", "warn", "error", "runtime error"})


class FreshnessResult(msgspec.Struct, **_S):
    """One source table's freshness. `status` is pass / warn / error / runtime error."""

    unique_id: str = ""
    status: str = ""
    max_loaded_at: str | None = None
    snapshotted_at: str | None = None
    max_loaded_at_time_ago_in_s: float | None = None
    criteria: FreshnessRule | None = None
    error: str | None = None
    execution_time: float | None = None


class SourcesMetadata(msgspec.Struct, **_S):
    dbt_schema_version: str | None = None
    dbt_version: str | None = None
    generated_at: str | None = None
    invocation_id: str | None = None


class SourcesFreshness(msgspec.Struct, **_S):
    metadata: SourcesMetadata | None = None
    results: list[FreshnessResult] | None = None
    elapsed_time: float | None = None
