"""run_results.json v1-v6: what the last `dbt build` / `run` / `test` actually did."""

from __future__ import annotations

import msgspec

_S = {"gc": False, "omit_defaults": True}


class NodeResult(msgspec.Struct, **_S):
    """One executed node. `failures` is the failing-row count of a test (v2+).

    Not its `timing` (two timestamps per phase) or `thread_id`: nothing reads them, and at
    27,000 results they were a quarter of a million objects decoded for nothing."""

    unique_id: str = ""
    status: str = ""
    execution_time: float | None = 0.0
    message: str | None = None
    failures: int | None = None
    relation_name: str | None = None


class RunResultsMetadata(msgspec.Struct, **_S):
    dbt_schema_version: str | None = None
    dbt_version: str | None = None
    generated_at: str | None = None
    invocation_id: str | None = None


class RunResults(msgspec.Struct, **_S):
    metadata: RunResultsMetadata | None = None
    results: list[NodeResult] | None = None
    elapsed_time: float | None = None
    args: dict | None = None
