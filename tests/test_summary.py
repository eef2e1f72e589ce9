"""The project summary `dbtgate check` prints first: read from the KPI scorecard, so it must
count what a reader would count by hand in the manifest (models of the root package, tested,
described, owned, by tier and owner)."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pytest
from corpus import CORPUS, corpus_files, file_id

from dbtgate.artifacts import load_manifest
from dbtgate.config import Config
from dbtgate.project import Project
from dbtgate.report.console import PlainConsole, print_summary
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
    # The most models first, "(no owner)" last whatever its count.
    assert summary.by_owner == owners
    owned = [owner for owner in summary.by_owner if owner != "(no owner)"]
    assert list(summary.by_owner) == owned + ["(no owner)"] * ("(no owner)" in owners)
    counts = [summary.by_owner[owner] for owner in owned]
    assert counts == sorted(counts, reverse=True)
    root = project.root_package
    manifest = project.manifest
    everything = [
        *project.nodes.values(),
        *project.sources.values(),
        *project.exposures.values(),
        *(manifest.unit_tests or {}).values(),
        *(manifest.semantic_models or {}).values(),
        *(manifest.metrics or {}).values(),
        *(manifest.saved_queries or {}).values(),
    ]
    assert summary.resource_counts.get("model", 0) == len(models)
    assert sum(summary.resource_counts.values()) + summary.package_resources == len(everything)
    assert summary.package_resources == sum(r.package_name != root for r in everything)


def test_the_summary_counts_unit_tests_and_the_semantic_layer() -> None:
    """The manifest's unit tests, semantic models, metrics and saved queries are resources of
    the project as its models are: the summary's resource line left them out."""
    path = CORPUS / "schema-versions" / "manifest_v12_dbt1.10.json"
    if not path.is_file():
        pytest.skip(f"corpus absent: {path}")
    project = Project.from_manifest(load_manifest(path).data)
    summary = summarise(project, compute_scorecard(project, Config()))
    assert summary.resource_counts == {
        "metric": 19,
        "model": 13,
        "saved_query": 3,
        "semantic_model": 6,
        "source": 6,
        "test": 27,
        "unit_test": 3,
    }
    out = io.StringIO()
    print_summary(PlainConsole(out), summary)
    assert (
        " resources             19 metrics, 13 models, 3 saved queries, 6 semantic models, "
        "6 sources, 27 tests, 3 unit tests\n"
    ) in out.getvalue()


def test_models_without_an_owner_come_last_among_the_owners(tmp_path: Path) -> None:
    """Sorted by count and then as ASCII, "(no owner)" came before `@team` of as many models
    (a release's "(no owner): 1, @finance-eng: 1"), and first when it had the most: every
    other list puts it last, as it is no team to talk to."""
    from diff_support import model, write_build

    models = [
        model("a", meta={"owner": "@team-10"}),
        model("b", meta={"owner": "@team-2"}),
        model("c"),
        model("d"),
    ]
    project = write_build(tmp_path, models)
    summary = summarise(project, compute_scorecard(project, Config()))
    assert list(summary.by_owner.items()) == [("@team-2", 1), ("@team-10", 1), ("(no owner)", 2)]
