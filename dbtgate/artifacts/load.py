"""Reading artifact files: one decoder per artifact kind, one clear error per way a file is wrong.

A gate must fail closed: a missing, truncated, foreign or mistyped artifact stops the run with the
file's path (and the line or JSON path of the problem) instead of silently gating less. A schema
version newer than we know is loaded as far as we understand it, with one warning.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import mmap
import os
import re
import stat
import typing
from collections.abc import Callable, Collection
from pathlib import Path, PurePosixPath
from typing import Any, Generic, Literal, NamedTuple, TypeVar

import msgspec
from msgspec import Struct, field

from dbtgate.artifacts.catalog import Catalog
from dbtgate.artifacts.manifest import (
    Checksum,
    CodeManifest,
    CompiledManifest,
    Detacher,
    MacroCallsManifest,
    Manifest,
    Node,
    Ref,
    RefsManifest,
    UnitTestsManifest,
    decode_elements,
    defer_columns,
    detach_semantic,
    detach_source,
    detach_written,
    normalise_exposure,
    normalise_macro,
    normalise_node,
    normalise_source,
)
from dbtgate.artifacts.run_results import (
    DBT_STATUSES,
    CompiledResults,
    RunResults,
    status_text,
)
from dbtgate.artifacts.sources import FRESHNESS_STATUSES, SourcesFreshness
from dbtgate.encoding import UTF8_BOM, not_utf8
from dbtgate.errors import DbtgateError, truncated_json
from dbtgate.named_files import File, naming
from dbtgate.pipes import is_pipe, keep, kept, pipe_for_a_folder
from dbtgate.wording import counted, first_few

T = TypeVar("T")

# Newest schema version of each artifact this release was written against.
KNOWN_VERSIONS = {"manifest": 12, "run-results": 6, "catalog": 1, "sources": 3}

# The artifact kind and its version token (`v12`), which `_check_schema` then judges: a URL of
# dbt's form with a version dbt never wrote (`v0`, `v012`, `v1.2`) is named as such.
_SCHEMA_RE = re.compile(r"/(manifest|run-results|catalog|sources)/(v[^/]*?)(?:\.json)?$")
_VERSION_RE = re.compile(r"v([1-9]\d*)")
_BYTE_RE = re.compile(r"\(byte (\d+)\)")

# The dbt commands that write each artifact (by `_decode`'s `what`), as the README's quick start
# has them: "run dbt first" left a newcomer to guess which command writes the missing file.
WRITTEN_BY = {
    "manifest": "`dbt build` or `dbt parse`",
    "run_results": "`dbt build`, `dbt run` or `dbt test`",
    "catalog": "`dbt docs generate`",
    "sources.json": "`dbt source freshness`",
}
# Where the artifacts directory itself is missing: what writes a build's, with its manifest.
NO_ARTIFACTS_DIRECTORY = (
    f"artifacts directory not found (run {WRITTEN_BY['manifest']} first, or pass --artifacts DIR)"
)

_DECODERS: dict[type, msgspec.json.Decoder] = {}
# A file's bytes as decoded: read, mapped, or a view of either past a byte-order mark.
Buffer = bytes | mmap.mmap | memoryview


def _decoder(kind: type[T]) -> msgspec.json.Decoder:
    """Decoders are built once per type and reused: building one walks the whole Struct tree."""
    decoder = _DECODERS.get(kind)
    if decoder is None:
        decoder = _DECODERS[kind] = msgspec.json.Decoder(type=kind)
    return decoder


class Loaded(Struct, Generic[T]):
    """An artifact with where it came from and what its metadata says."""

    path: Path
    data: T
    schema_version: int
    warnings: list[str] = field(default_factory=list)


def _line_of_byte(data: Buffer, offset: int) -> int:
    return bytes(data[:offset]).count(b"\n") + 1


def _decode(path: Path, kind: type[T], what: str, detach: Callable[[T], None] | None = None) -> T:
    """Decode `path` as `kind`, or raise a DbtgateError naming the file and what is wrong.

    The file is mapped, not read: msgspec parses the page cache directly, which saves copying
    160 MB into a bytes object first (0.1 s at 10,000 models). Decoded strings are copies, so
    nothing refers to the mapping once it is closed. The price: a file that another process
    truncates while it is being decoded (dbt rewriting manifest.json under a running gate) ends
    the process with SIGBUS instead of a "truncated JSON" error. What `kind` keeps as raw JSON
    (`msgspec.Raw`) does refer to it: `detach` copies that out before the mapping is closed.

    A pipe (`mkfifo target/manifest.json`) cannot be mapped: it is read, once. Its bytes are
    kept (`pipes.keep`) for the second, selective decodes of the same file (`read_code`,
    `read_refs`, ...), which opened it again and waited for a writer long gone."""
    piped = kept(path)
    if piped is not None:
        return _decode_buffer(path, piped, kind, what, detach)
    try:
        with _open_waiting_aloud(path, what) as file:
            status = os.fstat(file.fileno())
            if stat.S_ISCHR(status.st_mode) or stat.S_ISBLK(status.st_mode):
                # /dev/zero or a disk: read to its end, it filled the memory (an internal
                # MemoryError); a pipe (`<(gunzip -c manifest.json.gz)`) is read below.
                raise DbtgateError(f"{path}: is a device, expected the {what} file")
            if not stat.S_ISREG(status.st_mode):  # a pipe cannot be mapped, nor read again
                piped = keep(path, file.read())
                return _decode_buffer(path, piped, kind, what, detach)
            if status.st_size == 0:
                raise DbtgateError(f"{path}: empty file, expected a dbt {what}")
            try:
                mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError):  # a file system that cannot map files: read it
                return _decode_buffer(path, file.read(), kind, what, detach)
            with mapped as data:
                return _decode_buffer(path, data, kind, what, detach)
    except FileNotFoundError:
        raise DbtgateError(
            f"{path}: {what} not found: run {WRITTEN_BY[what]} first, or point --artifacts at a "
            "build's target dir"
        ) from None
    except IsADirectoryError:
        raise DbtgateError(f"{path}: is a directory, expected the {what} file") from None
    except OSError as exc:
        raise DbtgateError(f"{path}: cannot read {what}: {exc.strerror}") from None


# How long the open of a named pipe waits for a writer before saying which file it waits for.
PIPE_NOTICE_SECONDS = 2.0


def _open_waiting_aloud(path: Path, what: str) -> typing.BinaryIO:
    """`open(path, "rb")`. The open of a named pipe (`mkfifo target/manifest.json`) waits until
    a process opens it for writing, as `cat` does: the writer (`gunzip -c ... > pipe &`) may
    start after dbtgate, so that is no error; but a pipe that nothing will write hung the run
    without a word. Past PIPE_NOTICE_SECONDS, one line on stderr names the file waited for. A
    process substitution's pipe (`<(...)`) has its writer already: it opens at once."""
    try:
        is_pipe = stat.S_ISFIFO(os.stat(path).st_mode)
    except (OSError, ValueError):  # the open below says what is wrong
        is_pipe = False
    if not is_pipe:
        return open(path, "rb")
    import sys
    import threading

    def say() -> None:
        print(
            f"dbtgate: waiting for a process to write {path} (a named pipe nothing has "
            f"opened for writing yet; the {what} is read from it)",
            file=sys.stderr,
            flush=True,
        )

    notice = threading.Timer(PIPE_NOTICE_SECONDS, say)
    notice.daemon = True
    notice.start()
    try:
        return open(path, "rb")
    finally:
        notice.cancel()


def _decode_buffer(
    path: Path,
    data: Buffer,
    kind: type[T],
    what: str,
    detach: Callable[[T], None] | None = None,
    skipped: int = 0,
) -> T:
    """`_decode` on the file's bytes; `skipped`: how many leading bytes (a BOM) `data` starts
    after, added to the byte offset a JSON error gives so that it is the file's."""
    if data[:3] == UTF8_BOM:
        # Skipped without a copy: a view of the rest of the mapping (the error paths below
        # then count lines and bytes in the same view msgspec saw), released on the way out
        # even by an error, whose traceback would otherwise keep the mapping from closing.
        # `detach` runs inside, while the view still holds what msgspec.Raw refers to.
        with memoryview(data) as whole, whole[3:] as rest:
            return _decode_buffer(path, rest, kind, what, detach, skipped=3)
    try:
        decoded = _decoder(kind).decode(data)
    except msgspec.ValidationError as exc:
        message = str(exc)
        if message.startswith("Expected `object`, got") and "- at `$" not in message:
            raise DbtgateError(f"{path}: not a dbt {what} (top level is not an object)") from None
        message = _name_the_key(data, kind, message)
        raise DbtgateError(f"{path}: field of unexpected type: {message}") from None
    except msgspec.DecodeError as exc:
        wide = not_utf8(path, bytes(data[:4]))
        if wide is not None:
            raise DbtgateError(wide) from None
        if not bytes(data).strip():
            raise DbtgateError(f"{path}: empty file, expected a dbt {what}") from None
        message = str(exc)
        if "truncated" in message:
            raise truncated_json(path) from None
        match = _BYTE_RE.search(message)
        where = ""
        if match:
            offset = int(match.group(1))
            where = f" at line {_line_of_byte(data, offset)}"
            if skipped:
                start, end = match.span(1)
                message = f"{message[:start]}{offset + skipped}{message[end:]}"
        raise DbtgateError(f"{path}: not valid JSON{where}: {message}") from None
    except RecursionError:  # JSON nested a thousand levels deep, even where nothing is read
        raise DbtgateError(f"{path}: nested too deeply to be a dbt {what}") from None
    if detach is not None:
        detach(decoded)
    return decoded


def _name_the_key(data: Buffer, kind: type, message: str) -> str:
    """msgspec writes map keys in an error path as `[...]`; name the offending entry instead
    (`$.nodes['model.shop.orders'].name`). Only runs on the error path, so a full decode is fine."""
    match = re.search(r"`\$\.(\w+)\[\.\.\.\]", message)
    if match is None:
        return message
    container = match.group(1)
    try:
        hint = typing.get_type_hints(kind)[container]
        raw = msgspec.json.decode(data).get(container)
    except (KeyError, msgspec.DecodeError, AttributeError):
        return message
    value_hint = next(
        (
            typing.get_args(arg)[1]
            for arg in typing.get_args(hint)
            if typing.get_origin(arg) is dict
        ),
        None,
    )
    if not isinstance(raw, dict) or value_hint is None:
        return message
    for key, value in raw.items():
        try:
            msgspec.convert(value, value_hint)
        except msgspec.ValidationError:
            return message.replace(f"$.{container}[...]", f"$.{container}[{key!r}]", 1)
    return message


def _check_schema(path: Path, metadata: Any, expected: str, what: str) -> tuple[int, list[str]]:
    """Reject other artifacts, non-dbt JSON and schema versions dbt never wrote (v0, v1.2); warn
    once about a newer schema than we know."""
    url = getattr(metadata, "dbt_schema_version", None) if metadata is not None else None
    if not url:
        raise DbtgateError(
            f"{path}: not a dbt {what} (no metadata.dbt_schema_version; is this a dbt artifact?)"
        )
    match = _SCHEMA_RE.search(url)
    if match is None:
        raise DbtgateError(f"{path}: not a dbt {what} (unrecognised schema {url!r})")
    kind, token = match.group(1), match.group(2)
    if kind != expected:
        raise DbtgateError(f"{path}: this is a dbt {kind} artifact, expected a {what}")
    number = _VERSION_RE.fullmatch(token)
    if number is None:
        # dbt numbers its schemas from v1: a v0 or a malformed version is no schema dbt wrote,
        # and no version to load "as far as we understand it" (a newer one is, below).
        raise DbtgateError(
            f"{path}: not a dbt {what} (no such schema version {token!r} in {url!r}: dbt "
            f"numbers them from v1, this dbtgate knows v1 to v{KNOWN_VERSIONS[kind]})"
        )
    version = int(number.group(1))
    warnings = []
    if version > KNOWN_VERSIONS[kind]:
        warnings.append(
            _warning(
                path,
                f"{what} schema v{version} is newer than this dbtgate knows "
                f"(v{KNOWN_VERSIONS[kind]}); loading the fields it knows",
            )
        )
    return version, warnings


def load_manifest(path: str | Path) -> Loaded[Manifest]:
    """Decode and normalise a manifest.json of any schema version."""
    path = Path(path)
    manifest = _decode(path, Manifest, "manifest", functools.partial(_detach, str(path)))
    version, warnings = _check_schema(path, manifest.metadata, "manifest", "manifest")
    if manifest.nodes is None:
        # Every schema, v1 to v12, writes `nodes`: without it the gate would pass nothing.
        raise DbtgateError(f"{path}: not a dbt manifest: it has no `nodes`")
    for key, node in manifest.nodes.items():
        if node.unique_id != key or not node.resource_type:
            _keyed(path, "nodes", key, node)
        normalise_node(node)
    for key, source in (manifest.sources or {}).items():
        if source.unique_id != key:
            _keyed(path, "sources", key, source)
        normalise_source(source)
    for exposure in (manifest.exposures or {}).values():
        normalise_exposure(exposure)
    for macro in (manifest.macros or {}).values():
        normalise_macro(macro)
    for model in (manifest.semantic_models or {}).values():
        decode_elements(model, str(path))
    disabled = manifest.disabled or {}
    if isinstance(disabled, list):
        manifest.disabled = disabled = {node.unique_id: [node] for node in disabled}
    for nodes in disabled.values():
        for node in nodes:
            if isinstance(node.checksum, str):  # a disabled unit test's
                node.checksum = Checksum(checksum=node.checksum)
            normalise_node(node)
    return Loaded(path, manifest, version, warnings)


def _detach(file: str, manifest: Manifest) -> None:
    """Copy what the manifest keeps as raw JSON out of the mapped file (each distinct text
    once: `Detacher`)."""
    detach = Detacher()
    for source in (manifest.sources or {}).values():
        defer_columns(source, file)
        detach_source(source, detach)
    detach.nodes((manifest.nodes or {}).values())
    detach.nodes((manifest.exposures or {}).values())
    for macro in (manifest.macros or {}).values():
        detach_written(macro, detach)
    for semantic in (manifest.semantic_models, manifest.metrics, manifest.saved_queries):
        for resource in (semantic or {}).values():
            detach_semantic(resource, detach)
    disabled = manifest.disabled or {}
    for nodes in disabled.values() if isinstance(disabled, dict) else [disabled]:
        for node in nodes:
            detach_written(node, detach)


def _keyed(path: Path, where: str, key: str, entry: Any) -> None:
    """An entry without its unique_id or resource_type takes them from its key (`model.shop.x`
    is a model), as dbt wrote it; one whose unique_id names another resource is an error: its
    tests and findings would attach to the wrong resource."""
    if not entry.unique_id:
        entry.unique_id = key
    elif entry.unique_id != key:
        raise DbtgateError(
            f"{path}: $.{where}[{key!r}] has the unique_id {entry.unique_id!r}: not a manifest "
            "dbt wrote"
        )
    if not entry.resource_type:
        entry.resource_type = key.split(".", 1)[0]


def read_code(path: Path) -> dict[str, str]:
    """Each node's and macro's code as dbt read it, by unique_id: a node's `raw_code` (`raw_sql`
    before schema v7: a model's file stripped, a snapshot block's body), a macro's
    `macro_sql` (its block, from `{% macro` to `{% endmacro %}`). A second, selective decode of
    the manifest: the gate's own leaves the code out (it is most of a manifest's size), and only
    the checks that read code ask for it, once."""
    manifest = _decode(path, CodeManifest, "manifest")
    code: dict[str, str] = {}
    for uid, node in (manifest.nodes or {}).items():
        text = node.raw_code if node.raw_code is not None else node.raw_sql
        if text is not None:
            code[uid] = text
    for uid, macro in (manifest.macros or {}).items():
        if macro.macro_sql is not None:
            code[uid] = macro.macro_sql
    return code


def read_run_code(path: Path) -> dict[str, str]:
    """The SQL the run compiled for each node it ran, by unique_id (`compiled_code`,
    `compiled_sql` before schema v4): a second, selective decode of run_results.json, which the
    gate's own leaves out (it is most of the file). Read only when a later dbt command rewrote
    the manifest, to tell which nodes' code the run did not build (`status.built_code`)."""
    results = _decode(path, CompiledResults, "run_results")
    code: dict[str, str] = {}
    for result in results.results or ():
        text = result.compiled_code if result.compiled_code is not None else result.compiled_sql
        if text is not None:
            code[result.unique_id] = text
    return code


def read_snapshot_sql(path: Path) -> dict[str, str]:
    """Each snapshot's compiled SQL (its block's query), by unique_id: a second, selective
    decode of the manifest. dbt before 1.12 writes no compiled file for a snapshot (its
    `compiled_path` is null), so the manifest is the only place that says which columns a
    snapshot selects; the diff asks only when a snapshot reads or is a changed relation."""
    manifest = _decode(path, CompiledManifest, "manifest")
    return {
        uid: node.compiled_code
        for uid, node in (manifest.nodes or {}).items()
        if node.resource_type == "snapshot" and node.compiled_code is not None
    }


def read_refs(path: Path) -> dict[str, list[Ref]]:
    """Each node's `ref()` calls as written, by unique_id (nodes without one are left out): a
    second, selective decode of the manifest. `depends_on` says which model a ref resolved to,
    not whether the ref pinned its version; the gate's decode leaves `refs` out (a field per
    node costs at 10,000 models), and only the rule that asks about versions reads them. Refs
    written before schema v9, lists of names, pin nothing and read as unpinned."""
    manifest = _decode(path, RefsManifest, "manifest")
    found: dict[str, list[Ref]] = {}
    for uid, node in (manifest.nodes or {}).items():
        if node.refs:
            found[uid] = [ref if isinstance(ref, Ref) else _listed_ref(ref) for ref in node.refs]
    return found


def read_macro_calls(path: Path) -> dict[str, tuple[str, ...]]:
    """The unique_ids of the macros each node (a model, test, snapshot, hook), macro, exposure
    or unit test calls, by its unique_id, as its `depends_on.macros` records (callers of none
    are left out): a second, selective decode of the manifest, which the gate's own leaves out
    (it reads the nodes' edges only)."""
    manifest = _decode(path, MacroCallsManifest, "manifest")
    calls: dict[str, tuple[str, ...]] = {}
    for section in (manifest.nodes, manifest.macros, manifest.exposures, manifest.unit_tests):
        for uid, caller in (section or {}).items():
            if caller.depends_on is not None and caller.depends_on.macros:
                calls[uid] = tuple(caller.depends_on.macros)
    return calls


def _listed_ref(ref: list[Any]) -> Ref:
    """A ref as schema v1-v8 wrote it: `[name]` or `[package, name]`."""
    return Ref(name=str(ref[-1]) if ref else "", package=str(ref[0]) if len(ref) > 1 else None)


class UnitTestText(NamedTuple):
    """A unit test's definition as text to compare: `bare` leaves out the rows of its inputs
    read from fixture files, `whole` holds them, None when the manifest lacks some (Fusion
    names the file only)."""

    bare: str
    whole: str | None

    def differs(self, other: UnitTestText) -> bool:
        """Compared with their fixtures' rows when both hold them, else without."""
        if self.whole is not None and other.whole is not None:
            return self.whole != other.whole
        return self.bare != other.bare


def read_unit_test_definitions(path: Path) -> dict[str, UnitTestText]:
    """Each unit test's given inputs with their rows, expected output and overrides, by
    unique_id, as canonical JSON text: what the change set compares where dbt-core's checksums
    cannot be (builds of two dbt versions, Fusion's empty checksum). Not its `versions`: the
    change set matches one unit test per model version (Fusion writes no `versions`). A fixture
    file is named by its stem (dbt-core writes `stg_payments`, Fusion the file's path). A
    second, selective decode of the manifest: the gate's own skips the rows."""
    manifest = _decode(path, UnitTestsManifest, "manifest")
    found: dict[str, UnitTestText] = {}
    for uid, test in (manifest.unit_tests or {}).items():
        given, expect = _without_nulls(test.given), _without_nulls(test.expect)
        fixtures = [
            item
            for item in (*(given if isinstance(given, list) else ()), expect)
            if isinstance(item, dict) and isinstance(item.get("fixture"), str)
        ]
        for item in fixtures:
            item["fixture"] = PurePosixPath(item["fixture"].replace("\\", "/")).stem
        whole = _text([given, expect, test.overrides])
        complete = all("rows" in item for item in fixtures)
        for item in fixtures:
            item.pop("rows", None)
        bare = _text([given, expect, test.overrides])
        found[uid] = UnitTestText(bare, whole if complete else None)
    return found


def _text(value: Any) -> str:
    return json.dumps(_without_nulls(value), sort_keys=True, default=str)


def _without_nulls(value: Any) -> Any:
    """`value` with the keys whose value is null or empty left out, at every depth: one dbt
    writes `"fixture": null` or `"overrides": {"macros": {}}` where another writes nothing."""
    if isinstance(value, dict):
        kept = {str(k): _without_nulls(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


def load_run_results(path: str | Path) -> Loaded[RunResults]:
    path = Path(path)
    results = _decode(path, RunResults, "run_results")
    version, warnings = _check_schema(path, results.metadata, "run-results", "run_results")
    if results.results is None:
        results.results = []
    warnings += _unknown_statuses(path, _check_results(path, results), "not successful")
    return Loaded(path, results, version, warnings)


def _warning(path: Path, text: str) -> str:
    """`<path>: <text>`, the path as it was given, its span kept (`named_files`): the gate names
    it as the reports name files, from the repository's root (`gate._artifact_warnings`), and
    the console from the working directory, so a report does not differ by where dbtgate ran."""
    return naming(File(str(path)), f": {text}")


def _unknown_statuses(path: Path, unknown: list[str], counted_as: str) -> list[str]:
    """The warning that results in `path` carry statuses dbt never writes (`uid ('status')`
    each), and what the gate takes them for: a newer dbt's status must not pass unseen."""
    if not unknown:
        return []
    return [
        _warning(
            path,
            f"{counted(len(unknown), 'result')} without a status dbt writes, counted as "
            f"{counted_as}: {first_few(unknown, 5)}",
        )
    ]


def _check_results(path: Path, results: RunResults) -> list[str]:
    """The results whose status dbt never writes, as `uid ('status')`. A result without a
    unique_id is an error: it cannot be matched to a node, and results are indexed by it, so
    several of them would be one, a failure hidden behind a success."""
    unknown = []
    for index, result in enumerate(results.results or ()):
        if not result.unique_id:
            raise DbtgateError(
                f"{path}: $.results[{index}] has no unique_id: its result cannot be matched to "
                "a node (not a run_results.json dbt wrote)"
            )
        if result.status not in DBT_STATUSES:
            unknown.append(f"{result.unique_id} ({status_text(result.status)})")
    return unknown


def load_catalog(path: str | Path) -> Loaded[Catalog]:
    path = Path(path)
    catalog = _decode(path, Catalog, "catalog")
    version, warnings = _check_schema(path, catalog.metadata, "catalog", "catalog")
    return Loaded(path, catalog, version, warnings)


def load_sources(path: str | Path) -> Loaded[SourcesFreshness]:
    path = Path(path)
    sources = _decode(path, SourcesFreshness, "sources.json")
    version, warnings = _check_schema(path, sources.metadata, "sources", "sources.json")
    if sources.results is None:
        sources.results = []
    unknown = [
        f"{result.unique_id} ({status_text(result.status)})"
        for result in sources.results
        if result.status not in FRESHNESS_STATUSES
    ]
    warnings += _unknown_statuses(path, unknown, "stale")
    return Loaded(path, sources, version, warnings)


class ArtifactSet(Struct):
    """The artifacts of one build: a manifest and whichever of the others were written."""

    directory: Path
    manifest: Loaded[Manifest]
    run_results: Loaded[RunResults] | None = None
    catalog: Loaded[Catalog] | None = None
    sources: Loaded[SourcesFreshness] | None = None
    # The warning that run_results.json is of another dbt invocation than the manifest, which
    # the gate leaves out when run.stale_results says so with evidence (one thing said once).
    invocation_warning: str | None = None

    def files(self) -> list[tuple[str, Loaded[Any]]]:
        """The artifacts read, by kind (`manifest`, `run_results`, `catalog`, `sources`)."""
        found = (
            ("manifest", self.manifest),
            ("run_results", self.run_results),
            ("catalog", self.catalog),
            ("sources", self.sources),
        )
        return [(kind, loaded) for kind, loaded in found if loaded is not None]

    @property
    def warnings(self) -> list[str]:
        return [warning for _, loaded in self.files() for warning in loaded.warnings]


# The artifacts besides manifest.json, read when present (and asked for).
OPTIONAL_ARTIFACTS = frozenset({"run_results", "catalog", "sources"})
# The files a build's folder is read for, by dbt's names: one of them named on the command line
# (`--artifacts target/manifest.json`) stands for its folder; another file (`prod-manifest.json`)
# does not, as its folder's manifest.json is another file, or none.
ARTIFACT_FILES = frozenset({"manifest.json"} | {f"{name}.json" for name in OPTIONAL_ARTIFACTS})


def load_artifacts(
    directory: str | Path, optional: Collection[str] = OPTIONAL_ARTIFACTS
) -> ArtifactSet:
    """Load manifest.json (required) and those of run_results/catalog/sources.json that are
    present and named in `optional`: a base build's run results are only read for `run.slower`
    (14 MB at 10,000 models), and a file nothing reads cannot fail the run."""
    directory = Path(directory)
    if not directory.exists():
        raise DbtgateError(f"{directory}: {NO_ARTIFACTS_DIRECTORY}")
    if is_pipe(directory):
        raise DbtgateError(
            pipe_for_a_folder(directory, "--artifacts", "the build's folder (or its manifest.json)")
        )
    if not directory.is_dir():
        raise DbtgateError(
            f"{directory}: --artifacts takes the build's directory or its manifest.json: dbtgate"
            " reads a build's files by dbt's names (manifest.json, run_results.json, ...)"
        )
    manifest = load_manifest(directory / "manifest.json")
    artifacts = ArtifactSet(directory, manifest)
    if "run_results" in optional and (directory / "run_results.json").exists():
        artifacts.run_results = load_run_results(directory / "run_results.json")
    if "catalog" in optional and (directory / "catalog.json").exists():
        artifacts.catalog = load_catalog(directory / "catalog.json")
        _check_catalog(artifacts)
    if "sources" in optional and (directory / "sources.json").exists():
        artifacts.sources = load_sources(directory / "sources.json")
        _check_sources(artifacts)
    if artifacts.run_results is not None:
        _check_invocation(artifacts)
    return artifacts


def _check_catalog(artifacts: ArtifactSet) -> None:
    """A catalog.json left from an earlier `dbt docs generate` (`dbt build` does not remove it)
    lists the warehouse's columns as they were then: a column this build removed is still
    there, and the removal is not seen. One of another project lists none of this one's.

    Older than the manifest by any time at all is left from before the build: dbt stamps the
    manifest when its invocation parses the project (a partial parse too), before it builds
    anything, and a catalog when `dbt docs generate` has read the warehouse, after its own
    parse. A catalog of the build, whether that `dbt docs generate` wrote the manifest beside it
    or its own target path was copied from, is newer; one written a minute before the build,
    which ten minutes' leeway let pass, predates every table the build made."""
    catalog = artifacts.catalog
    assert catalog is not None
    data, manifest = catalog.data, artifacts.manifest.data
    nodes, sources = manifest.nodes or {}, manifest.sources or {}
    listed = [*(data.nodes or ()), *(data.sources or ())]
    if listed and not any(key in nodes or key in sources for key in listed):
        catalog.warnings.append(
            _warning(
                catalog.path,
                "lists none of this manifest's models, seeds, snapshots or sources: is it "
                "another project's? The warehouse's columns and types are read from it",
            )
        )
        return
    if not listed and any(_is_relation(node) for node in nodes.values()):
        catalog.warnings.append(
            _warning(
                catalog.path,
                "lists no tables: `dbt docs generate` found none of this project's relations "
                "in the warehouse (run against another target, or a database it could not "
                "read?); the columns are read from YAML instead, without the warehouse's types",
            )
        )
        return
    age = _written_before(data.metadata, manifest.metadata, dt.timedelta(0))
    if age is None:
        return
    since = _changed_since_catalog(artifacts)
    if since is None:
        return
    if since == "built":
        # `Project.built_after_catalog`: the relations the run built are read from their YAML.
        what = (
            "the tables the run built are newer, so their columns are read from YAML instead "
            "(without warehouse types, and no column the YAML leaves out), and the other "
            "tables' may predate this build"
        )
    else:
        what = (
            "the warehouse's columns it lists may predate this build, and a column the build "
            "removed still reads as there"
        )
    catalog.warnings.append(
        _warning(
            catalog.path,
            f"written {age} before the manifest (by an earlier `dbt docs generate`?): {what}; "
            "run `dbt docs generate` after the build",
        )
    )


# The nodes that are relations a run builds, whose columns catalog.json lists.
_BUILT_TYPES = ("model", "seed", "snapshot")


def _is_relation(node: Node) -> bool:
    """A model, seed or snapshot that dbt makes a table or view of: enabled, not ephemeral."""
    config = node.config
    return node.resource_type in _BUILT_TYPES and (
        config is None or (config.enabled is not False and config.materialized != "ephemeral")
    )


def _changed_since_catalog(artifacts: ArtifactSet) -> Literal["built", "parsed", "unknown"] | None:
    """What may have changed the warehouse since a catalog.json older than the manifest was
    written, or None when nothing did.

    CI runs `dbt build`, `dbt docs generate`, then `dbt test` (or `dbt run-operation`, `dbt
    source freshness`, `dbt parse`), which rewrites the manifest after the catalog and builds
    nothing: that catalog is the build's. It is not when run_results.json shows a model, seed
    or snapshot built after the catalog was written ("built"), or a manifest node of one was
    parsed after it ("parsed": its file was edited since, and a run in between, whose results
    a later command overwrote, may have built it; a partial parse keeps the `created_at` of
    the nodes whose files did not change, a full one renews every node's), or when the files
    cannot tell ("unknown": no run_results.json, which every command that builds writes, or no
    time in one of them). Only read for a catalog older than its manifest: one pass over the
    run's results and the manifest's nodes, no file read."""
    from dbtgate.status.results import COMPILE_ONLY_COMMANDS, invocation_command
    from dbtgate.status.timestamps import parse_timestamp

    catalog, run_results = artifacts.catalog, artifacts.run_results
    assert catalog is not None
    metadata = catalog.data.metadata
    written = parse_timestamp(metadata.generated_at if metadata else None)
    if written is None or run_results is None:
        return "unknown"
    results = run_results.data
    if invocation_command(results) not in COMPILE_ONLY_COMMANDS and _written_before(
        metadata, results.metadata, dt.timedelta(0)
    ):
        prefixes = tuple(f"{kind}." for kind in _BUILT_TYPES)
        if any(
            result.status == "success" and result.unique_id.startswith(prefixes)
            for result in results.results or ()
        ):
            return "built"
    after = written.timestamp()
    for node in (artifacts.manifest.data.nodes or {}).values():
        if node.resource_type in _BUILT_TYPES:
            if node.created_at is None:
                return "unknown"
            if node.created_at > after:
                return "parsed"
    return None


def _written_before(metadata: Any, manifest_metadata: Any, tolerance: dt.timedelta) -> str | None:
    """How long before the manifest an artifact was written (`26.0 h`), when by more than
    `tolerance`; None otherwise or when either does not say."""
    from dbtgate.status.timestamps import format_age, parse_timestamp

    written = parse_timestamp(metadata.generated_at if metadata else None)
    built = parse_timestamp(manifest_metadata.generated_at if manifest_metadata else None)
    if written is None or built is None or built - written <= tolerance:
        return None
    return format_age((built - written).total_seconds())


# How much older than the manifest a sources.json may be: `dbt source freshness` often runs on
# a schedule of its own (hourly, daily), apart from the build.
SOURCES_TOLERANCE = dt.timedelta(days=1)


def _check_sources(artifacts: ArtifactSet) -> None:
    """A sources.json left from an old `dbt source freshness` (`dbt build` does not remove it)
    says how fresh the sources were then: a source late now reads as fresh, or one fixed since
    as late. Freshness findings say when each source was checked; the ones that pass say
    nothing, so the file's age is said once."""
    sources = artifacts.sources
    assert sources is not None
    manifest = artifacts.manifest.data
    age = _written_before(sources.data.metadata, manifest.metadata, SOURCES_TOLERANCE)
    if age is not None:
        sources.warnings.append(
            _warning(
                sources.path,
                f"written {age} before the manifest (by an earlier `dbt source freshness`?): "
                "the sources' freshness it records may not be today's; run `dbt source "
                "freshness` with the build",
            )
        )


def _check_invocation(artifacts: ArtifactSet) -> None:
    """Results from another dbt invocation may describe a different state of the project.
    The usual cause is a command run after the build into its target directory, which rewrote
    manifest.json: `dbt source freshness` is named when sources.json is of the manifest's
    invocation (its manifest holds no compiled SQL); else the commands that do it."""
    run_results = artifacts.run_results
    assert run_results is not None
    manifest_id = artifacts.manifest.data.metadata.invocation_id
    results_id = run_results.data.metadata.invocation_id if run_results.data.metadata else None
    if not (manifest_id and results_id and manifest_id != results_id):
        return
    sources = artifacts.sources
    metadata = sources.data.metadata if sources is not None else None
    if metadata is not None and metadata.invocation_id == manifest_id:
        cause = (
            "`dbt source freshness` rewrote manifest.json after the build (sources.json is of "
            "its invocation): run `dbt build` again, and `dbt source freshness --target-path "
            "freshness-target` after it, copying back only its sources.json"
        )
    else:
        cause = (
            "gate the manifest of the `dbt build` that wrote the results (`dbt parse`, `dbt "
            "source freshness` and `dbt docs generate` rewrite manifest.json: give them a "
            "`--target-path` of their own)"
        )
    artifacts.invocation_warning = _warning(
        run_results.path,
        f"written by dbt invocation {results_id}, the manifest by {manifest_id}; the results "
        f"may not describe this manifest: {cause}",
    )
    run_results.warnings.append(artifacts.invocation_warning)
