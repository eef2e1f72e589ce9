"""Typed, version-tolerant readers for the JSON artifacts dbt writes."""

from dbtgate.artifacts.load import (
    ArtifactSet,
    Loaded,
    load_artifacts,
    load_catalog,
    load_manifest,
    load_run_results,
    load_sources,
)

__all__ = [
    "ArtifactSet",
    "Loaded",
    "load_artifacts",
    "load_catalog",
    "load_manifest",
    "load_run_results",
    "load_sources",
]
