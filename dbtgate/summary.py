"""A project's shape at a glance: counts, tiers, owners, tested and documented shares.

Shown by `dbtgate check` above the findings so a reader knows what was gated before reading
what failed, and used by `dbtgate init` to suggest starting policies.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from dbtgate.project import Project


@dataclass
class ProjectSummary:
    name: str
    dbt_version: str | None
    schema_version: int | None
    resource_counts: dict[str, int]
    models: int
    models_tested: int
    models_described: int
    columns: int
    columns_described: int
    models_with_owner: int
    by_tier: dict[str, int] = field(default_factory=dict)
    by_owner: dict[str, int] = field(default_factory=dict)


def summarise(project: Project) -> ProjectSummary:
    counts: Counter[str] = Counter(node.resource_type for node in project.nodes.values())
    counts["source"] = len(project.sources)
    counts["exposure"] = len(project.exposures)
    models = list(project.models())
    tiers: Counter[str] = Counter()
    owners: Counter[str] = Counter()
    tested = described = columns = columns_described = owned = 0
    for model in models:
        uid = model.unique_id
        tier = project.tier(uid)
        tiers["unset" if tier is None else f"tier {tier}"] += 1
        owner = project.owner(uid)
        owners[owner or "(none)"] += 1
        owned += owner is not None
        tested += bool(project.tests_on(uid))
        described += bool((model.description or "").strip())
        # The columns the KPI scorecard and docs.column_coverage count (declared plus the
        # catalog's), so the summary and the KPIs printed under it agree.
        docs = project.column_docs(model)
        columns += docs.total
        columns_described += docs.described
    metadata = project.manifest.metadata
    loaded = project.artifacts.manifest if project.artifacts else None
    return ProjectSummary(
        name=project.name,
        dbt_version=metadata.dbt_version if metadata else None,
        schema_version=loaded.schema_version if loaded else None,
        resource_counts=dict(sorted((k, v) for k, v in counts.items() if v)),
        models=len(models),
        models_tested=tested,
        models_described=described,
        columns=columns,
        columns_described=columns_described,
        models_with_owner=owned,
        by_tier=dict(sorted(tiers.items())),
        by_owner=dict(sorted(owners.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "0/0"
