"""The last run, indexed once: results by unique_id, and what kind of dbt command wrote them.

Every run rule and the KPI scorecard look results up by node; indexing them once keeps the run
checks linear in the number of results. The command matters because `dbt compile` and
`dbt docs generate` also write run_results.json: their "success" only means "compiled", so a test
there has not run and must not count as passed.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

from msgspec import Struct

from dbtgate.artifacts.run_results import NodeResult, RunResults
from dbtgate.project import Project

# `args.which` of commands that write run_results.json without executing any node.
COMPILE_ONLY_COMMANDS = frozenset(
    {"compile", "generate", "docs.generate", "parse", "list", "ls", "show"}
)
TEST_PREFIXES = ("test.", "unit_test.")
# Statuses dbt writes (run_results v1-v6): a test passes, fails, warns or errors; anything else
# succeeds, errors, is skipped, or partially succeeds (microbatch models with failed batches).
TEST_FAILED = frozenset({"fail", "error", "runtime error"})
TEST_PASSED = frozenset({"pass", "success"})
NODE_ERRORED = frozenset({"error", "runtime error", "partial success"})
SKIPPED = "skipped"


class RunIndex(Struct, frozen=True, dict=True):  # dict: for `cached_property`
    """Results by unique_id; `executed` is False when the command only compiled."""

    results: dict[str, NodeResult]
    command: str | None
    executed: bool

    @cached_property
    def billed(self) -> bool:
        """Whether a result says what BigQuery billed for it (`adapter_response.bytes_billed`):
        other adapters write none, and a rule that limits it has nothing to read there."""
        return any(
            result.adapter_response is not None and result.adapter_response.bytes_billed is not None
            for result in self.results.values()
        )


def index_run_results(run_results: RunResults) -> RunIndex:
    results = {result.unique_id: result for result in run_results.results or ()}
    command = invocation_command(run_results)
    return RunIndex(results, command, command not in COMPILE_ONLY_COMMANDS)


def invocation_command(run_results: RunResults) -> str | None:
    """`build`, `test`, `generate`...; None when the artifact does not say (oldest schemas)."""
    args = run_results.args or {}
    which = args.get("which") or args.get("rpc_method")
    return str(which) if which else None


def run_outcomes(project: Project, uids: Iterable[str]) -> dict[str, str]:
    """How the last run went wrong for each of `uids` (the lineage's few nodes): `errored`
    (not built), `skipped` (not built: something upstream failed) or `test failed` (built, a
    data test or unit test of it failed or errored: `dbt test` run apart from the build); those
    that ran fine are not listed. Empty without results of a run."""
    index = project.run_index()
    if index is None or not index.executed:
        return {}
    found: dict[str, str] = {}
    for uid in uids:
        result = index.results.get(uid)
        if result is not None and result.status in NODE_ERRORED:
            found[uid] = "errored"
        elif result is not None and result.status == SKIPPED:
            found[uid] = "skipped"
        elif any(
            (test_result := index.results.get(test)) is not None
            and test_result.status in TEST_FAILED
            for test in (
                *(test.unique_id for test in project.tests_by_resource.get(uid, ())),
                *project.unit_tests_by_model.get(uid, ()),
            )
        ):
            found[uid] = "test failed"
    return found


def is_test(unique_id: str) -> bool:
    return unique_id.startswith(TEST_PREFIXES)


def downstream_of(project: Project, roots: Iterable[str]) -> set[str]:
    """`roots` and everything downstream of them, in one breadth-first pass over the graph."""
    seen = set(roots)
    frontier = list(seen)
    while frontier:
        following = []
        for uid in frontier:
            for child in project.children.get(uid, ()):
                if child not in seen:
                    seen.add(child)
                    following.append(child)
        frontier = following
    return seen


# run_results.json names the command by its `args.which` (`rpc_method` in old dbt), the last word
# only: these are the ones a user does not type as `dbt <which>`.
_COMMAND_LINES = {
    "generate": "dbt docs generate",
    "docs.generate": "dbt docs generate",
    "serve": "dbt docs serve",
    "freshness": "dbt source freshness",
    "source-freshness": "dbt source freshness",
    "snapshot-freshness": "dbt source snapshot-freshness",
}


def dbt_command_line(which: str | None) -> str:
    """The dbt command as a user types it, from run_results.json's `args.which`: `generate` was
    written by `dbt docs generate`, `compile` by `dbt compile`."""
    if which is None:
        return "dbt"
    return _COMMAND_LINES.get(which, f"dbt {which}")
