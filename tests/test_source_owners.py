"""A source table's owner, from every manifest version of the corpus that has sources: its own
meta first (dbt 1.10+ writes it under `config: meta:` too), then its source's (`source_meta`,
which dbt 1.10+ also fills from the source's `config: meta:`). Findings, freshness and
breaking changes on the table then name its owner, as a model's do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from corpus import corpus_files, file_id

from dbtgate.artifacts import load_manifest
from dbtgate.project import OwnerSettings, Project

MANIFESTS = corpus_files("**/manifest*.json")


def with_owners(path: Path, tmp_path: Path, metas: list[tuple[dict, dict]]) -> tuple[Path, list]:
    """The manifest at `path` with its first sources given (table meta, source meta) as dbt of
    its version writes them: the table's meta at top level, and in `config.meta` where the
    version has one (dbt 1.10+). A manifest with fewer sources gets source tables as every
    version (v1 on) writes their fields that say whose they are."""
    data = json.loads(path.read_text(encoding="utf-8"))
    records = data.setdefault("sources", {})
    package = next((n["package_name"] for n in data.get("nodes", {}).values()), "pkg")
    for number in range(len(metas) - len(records)):
        name = f"table_{number}"
        records[f"source.{package}.raw.{name}"] = {
            "unique_id": f"source.{package}.raw.{name}",
            "resource_type": "source",
            "package_name": package,
            "name": name,
            "source_name": "raw",
            "config": {"enabled": True},
        }
    sources = sorted(records)
    for uid, (table_meta, source_meta) in zip(sources, metas, strict=False):
        record = data["sources"][uid]
        record["meta"] = table_meta
        record["source_meta"] = source_meta
        if "meta" in (record.get("config") or {}):
            record["config"]["meta"] = table_meta
    written = tmp_path / "manifest.json"
    written.write_text(json.dumps(data), encoding="utf-8")
    return written, sources


@pytest.mark.parametrize("path", MANIFESTS, ids=file_id)
def test_a_source_tables_owner_is_its_own_then_its_sources(path, tmp_path):
    written, sources = with_owners(
        path,
        tmp_path,
        [
            ({"owner": "@table-team"}, {"owner": "@source-team"}),
            ({}, {"owner": "@source-team"}),
            ({"owner": ["@a", "@b"]}, {}),
        ],
    )
    project = Project.from_manifest(load_manifest(written).data)
    assert [project.owner(uid) for uid in sources[:3]] == ["@table-team", "@source-team", "@a, @b"]


@pytest.mark.parametrize("path", MANIFESTS, ids=file_id)
def test_a_nested_owner_key_the_tables_meta_lacks_is_its_sources(path, tmp_path):
    """`owner: {from: [meta.contact.email]}`: the table's `contact` (a Slack channel only)
    hides its source's whole `contact` in the table's meta as dbt merges it, yet the source
    names the email."""
    written, sources = with_owners(
        path,
        tmp_path,
        [({"contact": {"slack": "#orders"}}, {"contact": {"email": "ingest@example.com"}})],
    )
    settings = OwnerSettings(sources=("meta.contact.email",))
    project = Project.from_manifest(load_manifest(written).data, owner_settings=settings)
    assert project.owner(sources[0]) == "ingest@example.com"
