"""Which models the last run built from other code than the manifest holds.

`dbt build`, an edit, then `dbt parse` (a pre-commit hook's, an editor's): manifest.json holds
the edited code and run_results.json the results of the code built before it. The two are of
different invocations a few minutes apart, as a `dbt parse` with no edit leaves them too, so
neither the invocations nor the times say which models the run did not build as they now are.
The run's compiled SQL does: a model's text outside its Jinja comes through compilation as it
is, so code whose text the run's compiled SQL does not hold is not the code the run built.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from dbtgate.artifacts.run_results import RunResults
from dbtgate.project import Project
from dbtgate.status.results import RunIndex

# Where a Jinja expression, statement or comment opens, and how each closes.
_OPENS = re.compile(r"\{[{%#]")
_CLOSES = {"{{": "}}", "{%": "%}", "{#": "#}"}
# Statements that open a block whose body may come out of compilation other than written
# (`if`, `for`, a macro defined in the model), or not at all; each closes with `end<name>`.
_BLOCKS = frozenset(
    {"if", "for", "macro", "call", "filter", "raw", "block", "set", "with", "materialization"}
)
_SPACE = re.compile(r"\s+")
# dbt writes an ephemeral model's SQL into its readers' as a CTE of this prefix, inside the
# reader's own `with`: the reader's text is then no longer whole in what the run compiled.
_EPHEMERAL_CTE = "__dbt__cte__"


def written_outside_jinja(raw: str) -> list[str]:
    """The model's text outside Jinja and outside its blocks, in order, without whitespace
    (Jinja's `{%-` trims it, and the comparison must not care)."""
    parts: list[str] = []
    depth = 0
    end = 0
    for start, end_of_tag in _jinja_tags(raw):
        if depth == 0:
            parts.append(raw[end:start])
        end = end_of_tag
        text = raw[start:end_of_tag]
        if not text.startswith("{%"):
            continue
        words = text[2:-2].strip("-+ \t\r\n").split(None, 1)
        name = words[0] if words else ""
        if name.startswith("end") and name[3:] in _BLOCKS:
            depth = max(depth - 1, 0)
        elif name in _BLOCKS and not (name == "set" and "=" in text):
            depth += 1  # `{% set x = 1 %}` is a statement; `{% set x %}...` a block
    if depth == 0:
        parts.append(raw[end:])
    return [squeezed for part in parts if (squeezed := _SPACE.sub("", part))]


def _jinja_tags(raw: str) -> Iterator[tuple[int, int]]:
    """Where each Jinja tag starts and ends. A string inside a tag may hold the closing
    delimiter (`post_hook='{{ upload() }}'` inside `{{ config(...) }}`): it is skipped. A tag
    left open runs to the end."""
    at = 0
    while (opened := _OPENS.search(raw, at)) is not None:
        start = opened.start()
        close = _CLOSES[opened.group()]
        at = opened.end()
        quote = None
        while at < len(raw):
            char = raw[at]
            if quote is not None:
                if char == "\\":
                    at += 1
                elif char == quote:
                    quote = None
            elif char in "'\"" and close != "#}":
                quote = char
            elif raw.startswith(close, at):
                at += len(close)
                break
            at += 1
        yield start, at


def compiled_from(raw: str, compiled: str) -> bool | None:
    """Whether `compiled` can be what dbt compiled `raw` into: its text outside Jinja is in it,
    in order. None when that cannot be told (an ephemeral model's CTE written into it)."""
    if _EPHEMERAL_CTE in compiled:
        return None
    squeezed = _SPACE.sub("", compiled)
    at = 0
    for part in written_outside_jinja(raw):
        found = squeezed.find(part, at)
        if found < 0:
            return False
        at = found + len(part)
    return True


def built_from_other_code(project: Project, index: RunIndex, among: Iterable[str]) -> list[str]:
    """The SQL models among `among` that the run built (`success`) from other code than the
    manifest holds, sorted; [] when the manifest and the results are of one dbt invocation (the
    run compiled that very manifest), the run did not execute, or no model's file in this
    build's project folder was written since the run started. Reads the run's compiled SQL (a
    second decode of run_results.json) only when there are such models to check."""
    manifest_meta = project.manifest.metadata
    run_results = project.artifacts.run_results if project.artifacts else None
    run_meta = run_results.data.metadata if run_results is not None else None
    manifest_id = manifest_meta.invocation_id if manifest_meta else None
    run_id = run_meta.invocation_id if run_meta else None
    if run_results is None or not index.executed or not manifest_id or manifest_id == run_id:
        return []
    candidates = []
    for uid in among:
        node = project.nodes.get(uid)
        result = index.results.get(uid)
        if (
            node is not None
            and node.resource_type == "model"
            and node.original_file_path.endswith(".sql")
            and result is not None
            and result.status == "success"
        ):
            candidates.append(uid)
    candidates = _edited_since_the_run(project, candidates, run_results.data)
    if not candidates:
        return []
    from dbtgate.artifacts.load import read_run_code

    compiled = read_run_code(run_results.path)
    found = []
    for uid in candidates:
        raw, built = project.code(uid), compiled.get(uid)
        if raw is not None and built is not None and compiled_from(raw, built) is False:
            found.append(uid)
    return sorted(found)


def _edited_since_the_run(project: Project, candidates: list[str], run: RunResults) -> list[str]:
    """The candidates whose SQL file was written after the run started: only those can hold
    code the run did not build. `dbt build` then `dbt docs generate` (every CI's pair) leaves
    two invocations too, and reading the manifest's code, the run's compiled SQL and each
    model's Jinja for every model built cost 0.4 s at 10,000 models; a stat each is what it
    costs now, and an edit is a file written since. Without this build's project folder
    (artifacts gated apart from their checkout, as a CI job of its own does) nothing was
    edited here: [] (`unbuilt_edits` reads the same folder)."""
    from dbtgate.locate import declared_project_name
    from dbtgate.status.timestamps import parse_timestamp

    project_dir = project.project_dir
    ended = parse_timestamp(run.metadata.generated_at if run.metadata else None)
    if project_dir is None or ended is None or declared_project_name(project_dir) != project.name:
        return []
    started = ended.timestamp() - (run.elapsed_time or 0.0) - 1  # a second of clock slack
    edited = []
    for uid in candidates:
        try:
            written = (project_dir / project.nodes[uid].original_file_path).stat().st_mtime
        except OSError:  # deleted since: `unbuilt_edits` says so
            continue
        if written > started:
            edited.append(uid)
    return edited
