"""Bad artifacts stop the run with one line naming the file; they never pass silently."""

from __future__ import annotations

import json
import re

import pytest
from cli_support import COMMAND, dbtgate, plain_env
from corpus import CORPUS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dbtgate.artifacts import load_artifacts, load_manifest, load_run_results
from dbtgate.artifacts.load import load_catalog, load_sources
from dbtgate.errors import DbtgateError

V12 = {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json"}


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_missing_manifest_names_the_path(tmp_path):
    with pytest.raises(DbtgateError, match=r"manifest.json: manifest not found"):
        load_artifacts(tmp_path)


@pytest.mark.parametrize(
    ("load", "name", "command"),
    [
        (load_manifest, "manifest.json", "`dbt build` or `dbt parse`"),
        (load_run_results, "run_results.json", "`dbt build`, `dbt run` or `dbt test`"),
        (load_catalog, "catalog.json", "`dbt docs generate`"),
        (load_sources, "sources.json", "`dbt source freshness`"),
    ],
)
def test_a_missing_artifact_names_the_dbt_command_that_writes_it(tmp_path, load, name, command):
    """ "run dbt first" left a newcomer to guess which of dbt's commands writes the file."""
    path = tmp_path / name
    with pytest.raises(DbtgateError) as raised:
        load(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert f"run {command} first" in str(raised.value)


def test_truncated_json_is_reported_as_truncated(tmp_path):
    path = write(tmp_path, "manifest.json", '{"metadata": {"dbt_schema_version": "x"}, "nodes": {')
    with pytest.raises(DbtgateError, match=r"manifest.json: truncated JSON"):
        load_manifest(path)


def test_malformed_json_names_the_line(tmp_path):
    path = write(tmp_path, "manifest.json", '{\n"metadata": {},\n"nodes": {oops}\n}')
    with pytest.raises(DbtgateError, match=r"manifest.json: not valid JSON at line 3"):
        load_manifest(path)


def test_json_that_is_not_a_dbt_artifact_is_rejected(tmp_path):
    path = write(tmp_path, "manifest.json", '{"hello": "world"}')
    with pytest.raises(DbtgateError, match="not a dbt manifest"):
        load_manifest(path)


def test_a_list_at_top_level_is_not_an_artifact(tmp_path):
    path = write(tmp_path, "manifest.json", "[1, 2]")
    with pytest.raises(DbtgateError, match="not a dbt manifest"):
        load_manifest(path)


def test_another_artifact_kind_is_named(tmp_path):
    catalog = {"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/catalog/v1.json"}}
    path = write(tmp_path, "manifest.json", json.dumps(catalog))
    with pytest.raises(DbtgateError, match="this is a dbt catalog artifact, expected a manifest"):
        load_manifest(path)


def test_field_of_unexpected_type_names_its_json_path(tmp_path):
    manifest = {"metadata": V12, "nodes": {"model.p.a": {"name": 42}}}
    path = write(tmp_path, "manifest.json", json.dumps(manifest))
    with pytest.raises(DbtgateError) as err:
        load_manifest(path)
    assert "manifest.json: field of unexpected type" in str(err.value)
    assert "$.nodes['model.p.a'].name" in str(err.value)


def test_a_source_column_of_unexpected_type_names_the_file_and_the_source(tmp_path):
    # Source columns are decoded when first read (`Source.columns`), not with the manifest:
    # the error is then the loader's, with the same file and JSON path.
    source = {"unique_id": "source.p.raw.a", "columns": {"id": {"name": 42}}}
    manifest = {"metadata": V12, "nodes": {}, "sources": {"source.p.raw.a": source}}
    path = write(tmp_path, "manifest.json", json.dumps(manifest))
    loaded = load_manifest(path).data.sources["source.p.raw.a"]
    with pytest.raises(DbtgateError) as err:
        loaded.columns  # noqa: B018
    assert str(err.value) == (
        f"{path}: field of unexpected type: Expected `str`, got `int` - at "
        "`$.sources['source.p.raw.a'].columns[...].name`"
    )
    source["columns"] = ["id"]
    path = write(tmp_path, "manifest.json", json.dumps(manifest))
    with pytest.raises(
        DbtgateError,
        match=r"manifest.json: field of unexpected type: Expected "
        r"`object \| null`, got `array` - at `\$.sources\['source.p.raw.a'\].columns`$",
    ):
        load_manifest(path).data.sources["source.p.raw.a"].columns  # noqa: B018


def test_source_columns_are_decoded_on_first_read_and_normalised(tmp_path):
    columns = {
        "id": {"name": "id", "description": None, "config": {"meta": {"pii": True}, "tags": ["a"]}}
    }
    sources = {
        "source.p.raw.a": {"unique_id": "source.p.raw.a", "columns": columns},
        "source.p.raw.b": {"unique_id": "source.p.raw.b"},
        "source.p.raw.c": {"unique_id": "source.p.raw.c", "columns": None},
    }
    manifest = {"metadata": V12, "nodes": {}, "sources": sources}
    loaded = load_manifest(write(tmp_path, "manifest.json", json.dumps(manifest))).data.sources
    a = loaded["source.p.raw.a"]
    assert "columns" not in a.__dict__  # not decoded by the load
    column = a.columns["id"]
    assert (column.meta, column.tags, column.description, column.config) == (
        {"pii": True},
        ("a",),
        "",
        None,
    )
    assert a.columns is a.columns  # decoded once
    assert loaded["source.p.raw.b"].columns == {} == loaded["source.p.raw.c"].columns


def test_newer_schema_version_loads_with_one_warning(tmp_path):
    meta = {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v13.json"}
    manifest = {"metadata": meta, "nodes": {"model.p.a": {"name": "a", "resource_type": "model"}}}
    loaded = load_manifest(write(tmp_path, "manifest.json", json.dumps(manifest)))
    assert loaded.schema_version == 13
    assert len(loaded.warnings) == 1
    assert "v13 is newer" in loaded.warnings[0]
    assert loaded.data.nodes["model.p.a"].name == "a"


@pytest.mark.parametrize(
    ("load", "name", "kind"),
    [
        (load_manifest, "manifest.json", "manifest"),
        (load_run_results, "run_results.json", "run-results"),
        (load_catalog, "catalog.json", "catalog"),
        (load_sources, "sources.json", "sources"),
    ],
)
@pytest.mark.parametrize("version", ["v0", "v012", "v1.2", "v", "vX"])
def test_a_schema_version_dbt_never_wrote_is_an_error(tmp_path, load, name, kind, version):
    """`manifest/v0.json` loaded silently, as if it were a schema: dbt numbers them from v1, so
    v0 (or `v012`, `v1.2`) is no artifact dbt wrote, unlike a newer version (warned, loaded)."""
    url = f"https://schemas.getdbt.com/dbt/{kind}/{version}.json"
    path = write(tmp_path, name, json.dumps({"metadata": {"dbt_schema_version": url}}))
    with pytest.raises(DbtgateError) as raised:
        load(path)
    assert str(raised.value).startswith(f"{path}: not a dbt ")
    assert f"no such schema version {version!r}" in str(raised.value)
    assert "dbt numbers them from v1" in str(raised.value)


def test_a_v0_manifest_stops_the_check_with_exit_2(tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    meta = {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v0.json"}
    write(target, "manifest.json", json.dumps({"metadata": meta, "nodes": {}}))
    result = dbtgate("check", "--artifacts", "target", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(
        "dbtgate: error: target/manifest.json: not a dbt manifest (no such schema version 'v0'"
    )
    assert len(result.stderr.splitlines()) == 1, result.stderr


def test_run_results_from_another_invocation_warn(tmp_path):
    manifest = {"metadata": {**V12, "invocation_id": "aaa"}, "nodes": {}}
    run_results = {
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/run-results/v6.json",
            "invocation_id": "bbb",
        },
        "results": [],
    }
    write(tmp_path, "manifest.json", json.dumps(manifest))
    write(tmp_path, "run_results.json", json.dumps(run_results))
    artifacts = load_artifacts(tmp_path)
    assert any("invocation bbb" in w for w in artifacts.warnings)


CATALOG = {"dbt_schema_version": "https://schemas.getdbt.com/dbt/catalog/v1.json"}


@pytest.mark.parametrize(
    ("catalog_written", "catalog_node", "warned"),
    [
        ("2026-12-01T11:00:00Z", "model.shop.orders", None),  # after the build: the usual
        ("2026-12-01T10:00:00Z", "model.shop.orders", None),  # as the manifest
        # Of a `dbt docs generate` just before the build: it predates every table built.
        ("2026-12-01T09:59:57Z", "model.shop.orders", "written 3 s before the manifest"),
        ("2026-12-01T09:55:00Z", "model.shop.orders", "written 5 min before the manifest"),
        ("2026-11-30T10:00:00Z", "model.shop.orders", "written 24.0 h before the manifest"),
        ("2026-12-01T11:00:00Z", "model.other.thing", "lists none of this manifest's"),
    ],
)
def test_a_catalog_of_an_earlier_build_or_another_project_is_warned_of(
    tmp_path, catalog_written, catalog_node, warned
):
    """`dbt build` leaves an old target/catalog.json in place: its columns predate the build,
    so a column the build removed reads as still there, and its removal went unseen."""
    node = {"resource_type": "model", "name": "orders", "unique_id": "model.shop.orders"}
    manifest = {
        "metadata": {**V12, "generated_at": "2026-12-01T10:00:00Z"},
        "nodes": {"model.shop.orders": node},
    }
    table = {"metadata": {"type": "BASE TABLE", "name": "x"}, "columns": {}, "stats": {}}
    catalog = {
        "metadata": {**CATALOG, "generated_at": catalog_written},
        "nodes": {catalog_node: table},
        "sources": {},
    }
    _assert_warned(tmp_path, manifest, "catalog.json", catalog, warned)


@pytest.mark.parametrize(
    ("materialized", "warned"),
    [
        ("table", "catalog.json: lists no tables: `dbt docs generate` found none"),
        ("ephemeral", None),  # nothing of the project is a relation: nothing to list
    ],
)
def test_a_catalog_listing_no_tables_is_warned_of(tmp_path, materialized, warned):
    """A `dbt docs generate` that found none of the project's relations (another target's
    schema; dbt-duckdb with a database file named main.duckdb) writes a catalog with no
    tables: the diff then read every column from YAML, without types, and said nothing."""
    node = {
        "resource_type": "model",
        "name": "orders",
        "unique_id": "model.shop.orders",
        "config": {"materialized": materialized},
    }
    manifest = {
        "metadata": {**V12, "generated_at": "2026-12-01T10:00:00Z"},
        "nodes": {"model.shop.orders": node},
    }
    catalog = {
        "metadata": {**CATALOG, "generated_at": "2026-12-01T11:00:00Z"},
        "nodes": {},
        "sources": {},
    }
    _assert_warned(tmp_path, manifest, "catalog.json", catalog, warned)


def _assert_warned(tmp_path, manifest: dict, name: str, artifact: dict, warned: str | None):
    """The build of `manifest` and `artifact` (as `name`) loads with the one warning `warned`
    says, or none."""
    write(tmp_path, "manifest.json", json.dumps(manifest))
    write(tmp_path, name, json.dumps(artifact))
    warnings = load_artifacts(tmp_path).warnings
    if warned is None:
        assert warnings == []
    else:
        assert len(warnings) == 1 and warned in warnings[0], warnings


@pytest.mark.parametrize(
    ("sources_written", "warned"),
    [
        ("2026-12-01T06:00:00Z", None),  # a freshness run of the morning, the build at ten
        ("2026-12-01T10:05:00Z", None),  # with the build
        ("2026-11-27T10:00:00Z", "sources.json: written 4.0 days before the manifest"),
    ],
)
def test_a_sources_json_of_an_old_freshness_run_is_warned_of(tmp_path, sources_written, warned):
    """`dbt build` leaves an old target/sources.json in place: its sources' freshness is of
    then, and a source that passed there says nothing of today."""
    manifest = {
        "metadata": {**V12, "generated_at": "2026-12-01T10:00:00Z"},
        "nodes": {},
    }
    sources = {
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/sources/v3.json",
            "generated_at": sources_written,
        },
        "results": [],
        "elapsed_time": 1.0,
    }
    _assert_warned(tmp_path, manifest, "sources.json", sources, warned)


@pytest.mark.parametrize(
    ("nodes", "problem"),
    [
        (None, "not a dbt manifest: it has no `nodes`"),
        (
            {"model.a.x": {"unique_id": "model.a.y", "resource_type": "model"}},
            "$.nodes['model.a.x'] has the unique_id 'model.a.y'",
        ),
    ],
)
def test_a_manifest_dbt_could_not_have_written_is_refused(tmp_path, nodes, problem):
    """Without nodes the gate judged nothing, and with another id a model's tests were not
    found: both passed in silence."""
    manifest = {"metadata": V12, **({} if nodes is None else {"nodes": nodes})}
    path = write(tmp_path, "manifest.json", json.dumps(manifest))
    with pytest.raises(DbtgateError) as raised:
        load_manifest(path)
    assert str(raised.value).startswith(f"{path}: ") and problem in str(raised.value)


def test_an_entry_without_unique_id_or_type_takes_them_from_its_key(tmp_path):
    """A hand-trimmed manifest: the model is still a model, under its key."""
    nodes = {"model.a.x": {"name": "x"}, "seed.a.s": {"name": "s", "resource_type": "seed"}}
    path = write(tmp_path, "manifest.json", json.dumps({"metadata": V12, "nodes": nodes}))
    loaded = load_manifest(path).data.nodes
    assert [(n.unique_id, n.resource_type) for n in loaded.values()] == [
        ("model.a.x", "model"),
        ("seed.a.s", "seed"),
    ]


def test_nulls_and_string_tags_are_normalised(tmp_path):
    node = {
        "name": "a",
        "resource_type": "model",
        "tags": "nightly",
        "meta": None,
        "columns": None,
        "config": {"meta": {"owner": "x"}, "tags": ["tier-1"], "contract": {"enforced": True}},
        "description": None,
        "depends_on": None,
    }
    manifest = {"metadata": V12, "nodes": {"model.p.a": node}}
    loaded = load_manifest(write(tmp_path, "manifest.json", json.dumps(manifest))).data
    a = loaded.nodes["model.p.a"]
    assert a.tags == ["nightly", "tier-1"]
    assert a.meta == {"owner": "x"}
    assert a.columns == {}
    assert a.description == ""
    assert a.contract.enforced is True
    assert a.depends_on.nodes == []


REAL = CORPUS / "schema-versions" / "manifest_v1.json"


@pytest.mark.skipif(not REAL.is_file(), reason=f"corpus absent: {REAL}")
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.integers(min_value=1, max_value=99))
def test_a_real_manifest_cut_anywhere_is_a_clear_error(tmp_path, cut):
    data = REAL.read_bytes()
    path = tmp_path / "manifest.json"
    path.write_bytes(data[: len(data) * cut // 100])
    with pytest.raises(DbtgateError, match=str(path)):
        load_manifest(path)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    node=st.dictionaries(
        st.sampled_from(
            [
                "name",
                "tags",
                "meta",
                "config",
                "columns",
                "depends_on",
                "version",
                "access",
                "contract",
                "constraints",
                "test_metadata",
                "description",
                "patch_path",
            ]
        ),
        json_values,
    )
)
def test_any_node_shape_loads_or_fails_with_the_file_named(tmp_path, node):
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"metadata": V12, "nodes": {"model.p.a": node}}))
    try:
        loaded = load_manifest(path).data
    except DbtgateError as exc:
        assert str(exc).startswith(str(path))
    else:
        a = loaded.nodes["model.p.a"]
        assert isinstance(a.tags, list)
        assert isinstance(a.meta, dict)
        assert isinstance(a.columns, dict)


def test_run_results_missing_file_is_clear(tmp_path):
    with pytest.raises(DbtgateError, match="run_results not found"):
        load_run_results(tmp_path / "run_results.json")


@pytest.mark.parametrize("text", ["", "  \n\t\n"])
def test_an_empty_or_blank_file_is_named_as_empty(tmp_path, text):
    path = write(tmp_path, "manifest.json", text)
    with pytest.raises(DbtgateError, match=r"manifest.json: empty file, expected a dbt manifest"):
        load_manifest(path)


def test_a_manifest_read_from_a_pipe_loads(tmp_path):
    """Files are memory-mapped; what cannot be mapped (a named pipe, process substitution) is
    read instead."""
    import os
    import threading

    path = tmp_path / "manifest.json"
    os.mkfifo(path)
    text = json.dumps({"metadata": V12, "nodes": {"model.p.a": {"resource_type": "model"}}})

    def feed() -> None:
        with open(path, "w") as pipe:
            pipe.write(text)

    writer = threading.Thread(target=feed)
    writer.start()
    loaded = load_manifest(path)
    writer.join()
    assert list(loaded.data.nodes) == ["model.p.a"]


def test_a_named_pipe_nothing_writes_yet_is_named_while_waited_for(tmp_path):
    """`mkfifo target/manifest.json` with no writer hung `check` without a word (the open
    waits for a writer, as `cat` does, and must: the writer may start after dbtgate). After a
    moment, one line names the pipe waited for; the writer that comes is still read."""
    import os
    import selectors
    import subprocess

    target = tmp_path / "target"
    target.mkdir()
    os.mkfifo(target / "manifest.json")
    process = subprocess.Popen(
        [*COMMAND, "check", "--artifacts", "target"],
        cwd=tmp_path,
        env=plain_env(COLUMNS="200"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with selectors.DefaultSelector() as waiting:
            waiting.register(process.stderr, selectors.EVENT_READ)
            assert waiting.select(timeout=60), "no word of the pipe after 60 s"
        said = process.stderr.readline()
        assert said == (
            "dbtgate: waiting for a process to write target/manifest.json (a named pipe nothing "
            "has opened for writing yet; the manifest is read from it)\n"
        )
        with open(target / "manifest.json", "w") as pipe:
            pipe.write(json.dumps({"metadata": V12, "nodes": {}}))
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 0, stdout + stderr
    assert "waiting" not in stderr


@pytest.mark.parametrize(
    "name", ["manifest.json", "run_results.json", "catalog.json", "sources.json"]
)
def test_an_artifact_linked_to_a_device_is_refused_not_read_to_its_end(tmp_path, name):
    """`target/catalog.json -> /dev/zero` (a link left by a cleanup script) was read until the
    memory ran out: an internal MemoryError after a long wait, naming no file."""
    target = tmp_path / "target"
    target.mkdir()
    write(target, "manifest.json", json.dumps({"metadata": V12, "nodes": {}}))
    (target / name).unlink(missing_ok=True)
    (target / name).symlink_to("/dev/zero")
    result = dbtgate("check", "--artifacts", "target", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"dbtgate: error: target/{name}: is a device, expected the ")
    assert len(result.stderr.splitlines()) == 1, result.stderr


def test_a_utf8_byte_order_mark_is_skipped(tmp_path):
    """Windows tools (PowerShell's `Out-File -Encoding utf8`, Notepad) start UTF-8 with a BOM;
    `json.loads` of bytes accepts it, and so do the artifact readers, mapped or piped."""
    manifest = CORPUS / "bouncer-dbt112" / "manifest.json"
    if not manifest.is_file():
        pytest.skip(f"corpus absent: {CORPUS}")
    path = tmp_path / "manifest.json"
    path.write_bytes(b"\xef\xbb\xbf" + manifest.read_bytes())
    with_bom, plain = load_manifest(path).data, load_manifest(manifest).data
    assert with_bom.nodes.keys() == plain.nodes.keys()
    # The sources' columns, kept raw until read, were copied out of the mapping behind the BOM.
    columns = {uid: list(s.columns or {}) for uid, s in with_bom.sources.items()}
    assert columns == {uid: list(s.columns or {}) for uid, s in plain.sources.items()}
    assert any(columns.values())
    results = {
        "metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/run-results/v6.json"}
    }
    path = tmp_path / "run_results.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(results).encode())
    assert load_run_results(path).data.results == []


def test_a_byte_order_mark_before_broken_json_still_names_the_problem(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_bytes(b"\xef\xbb\xbf{\n}\n{oops")
    with pytest.raises(DbtgateError, match=r"manifest.json: not valid JSON at line 3") as bom:
        load_manifest(path)
    # The byte offset is the file's (a hex editor's): 3 more than without the BOM.
    path.write_bytes(b"{\n}\n{oops")
    with pytest.raises(DbtgateError) as plain:
        load_manifest(path)
    offset = int(re.search(r"\(byte (\d+)\)", str(plain.value)).group(1))
    assert f"(byte {offset + 3})" in str(bom.value)
    path.write_bytes(b"\xef\xbb\xbf")
    with pytest.raises(DbtgateError, match="empty file"):
        load_manifest(path)


@pytest.mark.parametrize(
    ("codec", "named"),
    [
        ("utf-16", "UTF-16LE"),  # with a byte-order mark, as Windows PowerShell's `>` writes
        ("utf-16-le", "UTF-16LE"),
        ("utf-16-be", "UTF-16BE"),
        ("utf-32", "UTF-32LE"),
        ("utf-32-be", "UTF-32BE"),
    ],
)
def test_a_utf16_or_utf32_file_is_refused_with_its_encoding_named(tmp_path, codec, named):
    text = json.dumps({"metadata": V12, "nodes": {}})
    for name, load in (("manifest.json", load_manifest), ("run_results.json", load_run_results)):
        path = tmp_path / name
        path.write_bytes(text.encode(codec))
        with pytest.raises(DbtgateError) as raised:
            load(path)
        message = str(raised.value)
        assert message.startswith(f"{path}: encoded as {named}, not UTF-8"), message
        assert "\n" not in message


def test_a_base_directory_without_a_manifest_names_the_command_that_writes_it(tmp_path):
    from dbtgate.base import load_base

    with pytest.raises(DbtgateError) as raised:
        load_base(str(tmp_path))
    assert str(raised.value) == (
        f"{tmp_path}: --base directory has no manifest.json (nor target/manifest.json), which "
        "`dbt build` or `dbt parse` of the base branch writes"
    )


SEMANTIC_MODEL = {
    "name": "orders",
    "resource_type": "semantic_model",
    "package_name": "p",
    "unique_id": "semantic_model.p.orders",
    "model": "ref('orders')",
    "entities": [{"name": "order", "type": "primary", "expr": "order_id"}],
    "dimensions": [{"name": "status", "type": "categorical", "expr": None}],
    "measures": [{"name": "total", "agg": "sum", "expr": "amount"}],
    "defaults": {"agg_time_dimension": "ordered_at"},
    "config": {"enabled": True, "meta": {}},
    "depends_on": {"nodes": ["model.p.orders"]},
}
METRIC = {
    "name": "revenue",
    "resource_type": "metric",
    "package_name": "p",
    "unique_id": "metric.p.revenue",
    "type": "simple",
    "type_params": {"measure": {"name": "total"}, "input_measures": [{"name": "total"}]},
    "filter": {"where_filters": [{"where_sql_template": "{{ Dimension('order__status') }}"}]},
    "config": {"enabled": True},
    "unrendered_config": {},
    "depends_on": {"nodes": ["semantic_model.p.orders"]},
}
SAVED_QUERY = {
    "name": "weekly",
    "resource_type": "saved_query",
    "package_name": "p",
    "unique_id": "saved_query.p.weekly",
    "query_params": {"metrics": ["revenue"], "group_by": ["Dimension('order__status')"]},
    "exports": [{"name": "weekly", "unrendered_config": {"export_as": "table"}}],
    "config": {"enabled": True},
    "depends_on": {"nodes": ["metric.p.revenue"]},
}


def _mangled(resource: dict, changes: dict) -> dict:
    return {**resource, **changes}


def _semantic_build(path, model: dict, metric: dict, saved_query: dict, invocation: str):
    path.mkdir(exist_ok=True)
    node = {"unique_id": "model.p.orders", "resource_type": "model", "name": "orders"}
    manifest = {
        "metadata": {**V12, "invocation_id": invocation, "dbt_version": "1.10.0"},
        "nodes": {"model.p.orders": {**node, "package_name": "p"}},
        "semantic_models": {"semantic_model.p.orders": model},
        "metrics": {"metric.p.revenue": metric},
        "saved_queries": {"saved_query.p.weekly": saved_query},
    }
    (path / "manifest.json").write_text(json.dumps(manifest))
    return path / "manifest.json"


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    model=st.dictionaries(
        st.sampled_from(["entities", "dimensions", "measures", "defaults", "config", "model"]),
        json_values,
        max_size=3,
    ),
    metric=st.dictionaries(
        st.sampled_from(["type_params", "filter", "config", "unrendered_config", "label"]),
        json_values,
        max_size=3,
    ),
    saved_query=st.dictionaries(
        st.sampled_from(["query_params", "exports", "config", "group"]), json_values, max_size=3
    ),
)
def test_any_semantic_layer_shape_diffs_or_fails_with_the_file_named(
    tmp_path, model, metric, saved_query
):
    """A semantic model, metric or saved query whose fields have shapes dbt never writes is
    compared with a well-formed build both ways (the schema diff, the change set), or stops
    the run with the loader's one-line error naming the file; it never crashes the gate."""
    from dbtgate.diff.compare import diff_projects
    from dbtgate.project import Project
    from dbtgate.state import compare_builds

    good = _semantic_build(tmp_path / "good", SEMANTIC_MODEL, METRIC, SAVED_QUERY, "a")
    bad = _semantic_build(
        tmp_path / "bad",
        _mangled(SEMANTIC_MODEL, model),
        _mangled(METRIC, metric),
        _mangled(SAVED_QUERY, saved_query),
        "b",
    )
    try:
        mangled = Project.from_artifacts(load_artifacts(bad.parent))
    except DbtgateError as exc:
        assert str(exc).startswith(str(bad)), exc
        assert "\n" not in str(exc)
        return
    wellformed = Project.from_artifacts(load_artifacts(good.parent))
    for base, pr in ((wellformed, mangled), (mangled, wellformed)):
        diff_projects(base, pr)
        compare_builds(pr, base)


@pytest.mark.parametrize("entities", [None, [], "absent"])
def test_a_semantic_model_without_entities_is_compared_and_diffed(tmp_path, entities):
    from dbtgate.diff.compare import diff_projects
    from dbtgate.project import Project
    from dbtgate.state import compare_builds

    model = {k: v for k, v in SEMANTIC_MODEL.items() if k != "entities"}
    if entities != "absent":
        model["entities"] = entities
    good = _semantic_build(tmp_path / "good", SEMANTIC_MODEL, METRIC, SAVED_QUERY, "a")
    bad = _semantic_build(tmp_path / "bad", model, METRIC, SAVED_QUERY, "b")
    base = Project.from_artifacts(load_artifacts(good.parent))
    pr = Project.from_artifacts(load_artifacts(bad.parent))
    changes = compare_builds(pr, base)
    assert changes.modified["semantic_model.p.orders"] == ["entity order removed"]
    result = diff_projects(base, pr)
    # The metric's filter names `order__status`: the entity it goes through is gone.
    assert [(c.code, c.key) for c in result.changes] == [
        ("breaking.semantic_removed", "entity:order")
    ]


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("entities", [1], "entities[0]"),
        ("measures", {"total": {}}, "measures"),
        ("dimensions", 5, "dimensions"),
        ("dimensions", [{"name": None}], "dimensions[0].name"),
    ],
)
def test_a_semantic_model_element_list_of_the_wrong_shape_names_the_file_and_path(
    tmp_path, field, value, where
):
    path = _semantic_build(
        tmp_path, _mangled(SEMANTIC_MODEL, {field: value}), METRIC, SAVED_QUERY, "a"
    )
    with pytest.raises(DbtgateError) as err:
        load_manifest(path)
    assert str(err.value).startswith(f"{path}: field of unexpected type")
    assert f"$.semantic_models['semantic_model.p.orders'].{where}" in str(err.value)
