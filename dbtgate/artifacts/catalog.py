"""catalog.json v1: the warehouse's own view of each relation's columns and types."""

from __future__ import annotations

import msgspec

_S = {"gc": False, "omit_defaults": True}


class CatalogColumn(msgspec.Struct, **_S):
    name: str = ""
    type: str | None = None
    index: int | None = None
    comment: str | None = None


class TableMetadata(msgspec.Struct, **_S):
    type: str | None = None
    schema: str | None = None
    name: str | None = None
    database: str | None = None


class CatalogTable(msgspec.Struct, **_S):
    unique_id: str | None = None
    metadata: TableMetadata | None = None
    columns: dict[str, CatalogColumn] | None = None


class CatalogMetadata(msgspec.Struct, **_S):
    dbt_schema_version: str | None = None
    dbt_version: str | None = None
    generated_at: str | None = None
    invocation_id: str | None = None


class Catalog(msgspec.Struct, **_S):
    metadata: CatalogMetadata | None = None
    nodes: dict[str, CatalogTable] | None = None
    sources: dict[str, CatalogTable] | None = None
