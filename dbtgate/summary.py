"""A project's shape at a glance: counts, tiers, owners, tested and documented shares.

Shown by `dbtgate check` above the findings so a reader knows what was gated before reading
what failed.
"""

from __future__ import annotations

from collections import Counter
from operator import attrgetter
from typing import Any

from msgspec import Struct, field

from dbtgate.project import Project
from dbtgate.wording import NO_OWNER, name_order, number, tier_label


class ProjectSummary(Struct):
    name: str
    dbt_version: str | None
    schema_version: int | None
    # The root project's resources by type (what the gate judges: `unit_test`, `semantic_model`,
    # `metric` and `saved_query` too), and how many more belong to installed packages.
    resource_counts: dict[str, int]
    models: int
    models_tested: int
    models_described: int
    columns: int
    columns_described: int
    models_with_owner: int
    by_tier: dict[str, int] = field(default_factory=dict)
    by_owner: dict[str, int] = field(default_factory=dict)
    package_resources: int = 0


_PACKAGE, _TYPE = attrgetter("package_name"), attrgetter("resource_type")


def summarise(project: Project, scorecard: dict[str, Any]) -> ProjectSummary:
    """The summary of `project`, its shares read from the gate's KPI `scorecard` (the `kpis`
    section): the summary and the KPIs printed under it count the same models and columns by
    construction, and the 10,000 models are not walked a second time."""
    root = project.root_package
    # (package, resource type) counted by map/zip, without a Python step per resource: 32,000
    # of them at 10,000 models.
    by_package: Counter[tuple[str, str]] = Counter()
    manifest = project.manifest
    # The unit tests and the semantic layer's resources are decoded with the manifest (a few
    # per model at most): counted, not decoded again. None in manifests older than them.
    groups = (
        project.nodes,
        project.sources,
        project.exposures,
        manifest.unit_tests,
        manifest.semantic_models,
        manifest.metrics,
        manifest.saved_queries,
    )
    for group in groups:
        if not group:
            continue
        resources = group.values()
        by_package.update(zip(map(_PACKAGE, resources), map(_TYPE, resources), strict=True))
    counts: Counter[str] = Counter()
    in_packages = 0
    for (package, kind), count in by_package.items():
        if package == root:
            counts[kind] += count
        else:
            in_packages += count
    overall = scorecard["overall"]
    # Per tier and per owner the scorecard also counts the tests and sources of seeds and
    # sources; the summary is about models.
    by_tier = {
        tier_label(key): models
        for key, measures in scorecard["by_tier"].items()
        if (models := _models(measures))
    }
    by_owner = {
        key: models
        for key, measures in scorecard["by_owner"].items()
        if (models := _models(measures))
    }
    metadata = manifest.metadata
    loaded = project.artifacts.manifest if project.artifacts else None
    return ProjectSummary(
        name=project.name,
        dbt_version=metadata.dbt_version if metadata else None,
        schema_version=loaded.schema_version if loaded else None,
        resource_counts=dict(sorted((k, v) for k, v in counts.items() if v)),
        models=_models(overall),
        models_tested=overall["test_coverage"]["numerator"],
        models_described=overall["docs_models"]["numerator"],
        columns=overall["docs_columns"]["denominator"],
        columns_described=overall["docs_columns"]["numerator"],
        models_with_owner=overall["owner_coverage"]["numerator"],
        by_tier=dict(sorted(by_tier.items())),
        # The most models first; "(no owner)" last, as every report lists it: it is no team
        # to talk to (ASCII sorted it among the owners of as many models, before `@team`).
        by_owner=dict(
            sorted(by_owner.items(), key=lambda kv: (kv[0] == NO_OWNER, -kv[1], name_order(kv[0])))
        ),
        package_resources=in_packages,
    )


def _models(measures: dict[str, dict[str, Any]]) -> int:
    """How many models a group of the scorecard has (every model-based measure's denominator)."""
    return measures["test_coverage"]["denominator"]


def share(part: int, whole: int) -> str:
    """`75/76 (98.7%)`: the count and its percentage as the KPI scorecard rounds it, so the
    header and the scorecard below it say the same figure."""
    return f"{number(part)}/{number(whole)} ({100 * part / whole:.1f}%)" if whole else "0/0"
