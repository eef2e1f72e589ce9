"""The project summary `dbtgate check` prints first: read from the KPI scorecard, so it must
count what a reader would count by hand in the manifest (models of the root package, tested,
described, owned, by tier and owner)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from corpus import corpus_files, file_id

from dbtgate.artifacts import load_manifest
from dbtgate.config import Config
from dbtgate.project import Project
from dbtgate.status.kpi import compute_scorecard
from dbtgate.summary import summarise
from dbtgate.wording import name_order


@pytest.mark.parametrize("path", corpus_files("**/manifest*.json"), ids=file_id)
def test_summary_counts_the_manifest_by_hand(path: Path):
    project = Project.from_manifest(load_manifest(path).data)
    summary = summarise(project, compute_scorecard(project, Config()))
    models = list(project.models())
    assert summary.models == len(models)
    assert summary.models_tested == sum(bool(project.tests_on(m.unique_id)) for m in models)
    assert summary.models_described == sum(bool((m.description or "").strip()) for m in models)
    assert summary.models_with_owner == sum(bool(project.owner(m.unique_id)) for m in models)
    tiers = Counter(project.tier(m.unique_id) for m in models)
    assert summary.by_tier == {
        ("no tier" if tier is None else f"tier {tier}"): n for tier, n in tiers.items()
    }
    # By number (tier 2 before tier 10), models without a tier last.
    assert list(summary.by_tier) == sorted(
        summary.by_tier, key=lambda key: (key == "no tier", name_order(key))
    )
    owners = Counter(project.owner(m.unique_id) or "(no owner)" for m in models)
    assert summary.by_owner == dict(sorted(owners.items(), key=lambda kv: (-kv[1], kv[0])))
    assert list(summary.by_owner.values()) == sorted(summary.by_owner.values(), reverse=True)
    root = project.root_package
    everything = [*project.nodes.values(), *project.sources.values(), *project.exposures.values()]
    assert summary.resource_counts.get("model", 0) == len(models)
    assert sum(summary.resource_counts.values()) + summary.package_resources == len(everything)
    assert summary.package_resources == sum(r.package_name != root for r in everything)
