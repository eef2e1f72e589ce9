"""Every real artifact in the corpus loads, with counts matching a plain json read of the file."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from corpus import CORPUS, corpus_files, file_id

from dbtgate.artifacts import (
    load_artifacts,
    load_catalog,
    load_manifest,
    load_run_results,
    load_sources,
)
from dbtgate.artifacts.load import read_refs

MANIFESTS = corpus_files("**/manifest*.json")


@pytest.mark.parametrize("path", MANIFESTS, ids=file_id)
def test_manifest_loads_with_the_counts_of_the_raw_json(path):
    raw = json.loads(path.read_text())
    loaded = load_manifest(path)
    manifest = loaded.data
    assert loaded.warnings == []
    assert str(loaded.schema_version) in raw["metadata"]["dbt_schema_version"]
    expected_types = Counter(n["resource_type"] for n in raw["nodes"].values())
    assert Counter(n.resource_type for n in manifest.nodes.values()) == expected_types
    assert set(manifest.nodes) == set(raw["nodes"])
    assert len(manifest.sources or {}) == len(raw.get("sources") or {})
    assert len(manifest.exposures or {}) == len(raw.get("exposures") or {})
    for uid, node in raw["nodes"].items():
        loaded_node = manifest.nodes[uid]
        assert loaded_node.name == node["name"]
        assert set(loaded_node.columns) == set(node.get("columns") or {})
        assert loaded_node.depends_on.nodes == (node.get("depends_on") or {}).get("nodes", [])
        # tags are one list whatever the version wrote, with config tags folded in
        assert set(loaded_node.tags) >= set(node.get("tags") or [])


@pytest.mark.parametrize("path", MANIFESTS, ids=file_id)
def test_refs_read_apart_as_each_version_wrote_them(path):
    """Lists of names before v9 (`[package, name]`), objects with the version they pin from
    v9 on: both read as name, package and version."""
    raw = json.loads(path.read_text())
    expected = {}
    for uid, node in raw["nodes"].items():
        if node.get("refs"):
            expected[uid] = [
                (ref["name"], ref.get("package"), ref.get("version"))
                if isinstance(ref, dict)
                else (ref[-1], ref[0] if len(ref) > 1 else None, None)
                for ref in node["refs"]
            ]
    found = {
        uid: [(ref.name, ref.package, ref.version) for ref in refs]
        for uid, refs in read_refs(path).items()
    }
    assert found == expected


@pytest.mark.parametrize("path", MANIFESTS, ids=file_id)
def test_the_root_project_is_the_one_dbt_built(path):
    """Before v10 the manifest names no project: its `project_id` (the MD5 of the project's
    name) tells it from an installed package, even one with more models (elementary in the
    v5 and v9 manifests: 17 and 29 models to jaffle_shop's 8 and 5)."""
    from hashlib import md5

    from dbtgate.project import Project

    metadata = json.loads(path.read_text())["metadata"]
    project = Project.from_manifest(load_manifest(path).data)
    if metadata.get("project_name"):  # v10+: named (ticketswap's differs from its package)
        assert project.name == metadata["project_name"]
    else:
        assert md5(project.root_package.encode()).hexdigest() == metadata["project_id"]
        assert project.name == project.root_package


@pytest.mark.parametrize("path", corpus_files("**/run_results*.json"), ids=file_id)
def test_run_results_load_with_their_statuses(path):
    raw = json.loads(path.read_text())
    loaded = load_run_results(path)
    assert Counter(r.status for r in loaded.data.results) == Counter(
        r["status"] for r in raw["results"]
    )
    failures = [r.get("failures") for r in raw["results"]]
    assert [r.failures for r in loaded.data.results] == failures


@pytest.mark.parametrize("path", corpus_files("**/catalog*.json"), ids=file_id)
def test_catalog_loads_every_column_with_its_type(path):
    raw = json.loads(path.read_text())
    catalog = load_catalog(path).data
    for uid, table in raw["nodes"].items():
        columns = catalog.nodes[uid].columns
        assert {c: v.type for c, v in columns.items()} == {
            c: v["type"] for c, v in table["columns"].items()
        }


@pytest.mark.parametrize("path", corpus_files("**/sources.json"), ids=file_id)
def test_sources_json_loads_freshness_results(path):
    raw = json.loads(path.read_text())
    results = load_sources(path).data.results
    assert [(r.unique_id, r.status) for r in results] == [
        (r["unique_id"], r["status"]) for r in raw["results"]
    ]


@pytest.mark.parametrize("path", MANIFESTS, ids=file_id)
def test_macros_load_with_their_documentation_and_their_yaml_path(path):
    raw = json.loads(path.read_text())["macros"]
    macros = load_manifest(path).data.macros
    assert set(macros) == set(raw)
    for uid, macro in raw.items():
        loaded = macros[uid]
        assert (loaded.name, loaded.package_name, loaded.original_file_path) == (
            macro["name"],
            macro["package_name"],
            macro["original_file_path"],
        )
        assert loaded.description == (macro.get("description") or "")
        assert loaded.meta == (macro.get("meta") or {})
        # dbt 0.20+ and Fusion write `package://macros/x.yml`; the project-relative path stays.
        patch_path = macro.get("patch_path")
        assert loaded.patch_path == (patch_path.split("://")[-1] if patch_path else None)
        assert [(a.name, a.description or "") for a in loaded.arguments] == [
            (a["name"], a.get("description") or "") for a in macro.get("arguments") or []
        ]


@pytest.mark.parametrize("catalog", corpus_files("**/catalog.json"), ids=file_id)
def test_a_catalog_is_old_only_when_written_before_the_manifest(catalog):
    """Every corpus build's catalog.json is of its build (dbt docs generate, which wrote the
    manifest a second before it, or Fusion's after its build), and none is said to be old,
    but ticketswap's, written a day before its manifest."""
    path = catalog.parent
    warnings = load_artifacts(path).warnings
    if path == CORPUS / "ticketswap-dbt19":
        assert [w for w in warnings if "catalog.json: written 26.0 h before the manifest" in w]
    else:
        assert not [w for w in warnings if "before the manifest" in w], warnings
