"""run_results.json v1-v6: what the last `dbt build` / `run` / `test` actually did."""

# No `from __future__ import annotations`: msgspec reads the Structs' annotations as types
# here, where as text it compiles and evaluates each one when a decoder is built (274 in the
# artifact modules, ~15 M instructions every run).

import msgspec

_S = {"gc": False, "omit_defaults": True}

# Every status dbt writes in run_results.json, v1 to v6 (dbt-core's NodeStatus): nodes succeed,
# error, are skipped, partially succeed (microbatch) or do nothing (no-op); tests pass, fail,
# warn, error or are skipped; `runtime error` is the older spelling of an error. Any other (a
# hand-edited file, another tool's) says nothing dbtgate can trust: the run checks count it as
# not successful, and loading warns of it.
DBT_STATUSES = frozenset(
    {"success", "error", "skipped", "partial success", "no-op", "pass", "fail", "warn"}
    | {"runtime error"}
)


def status_text(status: str) -> str:
    """A status dbt does not write, as messages quote it: `status 'exploded'` (cut short; it is
    untrusted text, and repr() keeps a line break out of a one-line message), or `no status`."""
    if not status:
        return "no status"
    return f"status {status if len(status) <= 40 else status[:39] + '…'!r}"


class AdapterResponse(msgspec.Struct, **_S):
    """What the adapter said of a node's query. Only `bytes_billed` is read, which dbt-bigquery
    writes (other adapters write a message and the rows affected, or nothing)."""

    bytes_billed: int | float | None = None


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
    adapter_response: AdapterResponse | None = None


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


class CompiledResult(msgspec.Struct, gc=False):
    """A result's compiled SQL, apart: see `artifacts.load.read_run_code`."""

    unique_id: str = ""
    compiled_code: str | None = None
    compiled_sql: str | None = None  # run_results v1-v3


class CompiledResults(msgspec.Struct, gc=False):
    results: list[CompiledResult] | None = None
