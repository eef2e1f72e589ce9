"""run_results.json v1-v6: what the last `dbt build` / `run` / `test` actually did."""

from __future__ import annotations

import msgspec

_S = {"gc": False, "omit_defaults": True}


class TimingEntry(msgspec.Struct, **_S):
    name: str = ""
    started_at: str | None = None
    completed_at: str | None = None


class NodeResult(msgspec.Struct, **_S):
    """One executed node. `failures` is the failing-row count of a test (v2+)."""

    unique_id: str = ""
    status: str = ""
    execution_time: float | None = 0.0
    message: str | None = None
    failures: int | None = None
    thread_id: str | None = None
    timing: list[TimingEntry] | None = None
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
