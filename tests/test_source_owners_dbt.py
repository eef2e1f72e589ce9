"""Source owners as dbt users write them, built for real by dbt-duckdb. The fixture's source
has `config: meta: {owner: ...}` (dbt 1.10 on): every table's findings name that owner, as the
demo shows them. Given the other ways instead, `meta:` on the source (before dbt 1.10, and still
read) and `config: meta:` on a table (which comes first), their freshness findings name those
owners in the console, the PR comment, gate.html and gate.json, and the KPI scorecard counts
each table's freshness for its owner; the models' owner coverage stays a count of models."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_support import dbtgate
from policy_support import read_json

from dbtgate.fixture_build import build_fixture

pytestmark = pytest.mark.slow

SOURCE = '    config:\n      meta:\n        owner: "@data-platform"'
SOURCE_OWNED = '    meta: {owner: "@ingest"}'
TABLE = "        config:\n          loaded_at_field: _loaded_at\n"
TABLE_OWNED = (
    "        config:\n"
    '          meta: {owner: "@payments-ingest"}\n'
    "          loaded_at_field: _loaded_at\n"
)


def with_source_owners(built: Path, workdir: Path) -> Path:
    """The fixture's base build copied to `workdir`, its source's owner given by `meta:` and
    its stale table given one of its own, built again by `build_fixture` (which rebuilds a
    fixture project edited in place)."""
    shutil.copytree(built.parent, workdir / "base", ignore=shutil.ignore_patterns("*.duckdb*"))
    sources = workdir / "base" / "project" / "models" / "staging" / "_sources.yml"
    text = sources.read_text(encoding="utf-8")
    assert SOURCE in text and TABLE in text
    sources.write_text(
        text.replace(SOURCE, SOURCE_OWNED, 1).replace(TABLE, TABLE_OWNED, 1), encoding="utf-8"
    )
    return build_fixture("base", workdir)


def test_source_findings_name_the_tables_owner_in_every_report(shop_builds, tmp_path):
    project = with_source_owners(shop_builds.base, tmp_path / "fixture")
    done = dbtgate(
        "check", "--json", "gate.json", "--out", "out", "--format", "md,html", cwd=project
    )
    assert done.returncode == 1, done.stdout + done.stderr
    report = read_json(project / "gate.json")
    on_sources = {
        (f["code"], f["unique_id"].rsplit(".", 1)[1]): f.get("owner")
        for f in report["findings"]
        if f["unique_id"] and f["unique_id"].startswith("source.")
    }
    assert on_sources == {
        ("freshness.error", "raw_payments"): "@payments-ingest",
        ("freshness.missing", "raw_customers"): "@ingest",
        ("freshness.missing", "raw_order_items"): "@ingest",
        ("freshness.missing", "raw_products"): "@ingest",
    }

    # The console groups findings under their owner: the stale table under its own.
    console = done.stdout.splitlines()
    stale = next(i for i, line in enumerate(console) if "freshness.error" in line)
    assert console[stale - 1] == "@payments-ingest"
    markdown = (project / "out" / "gate.md").read_text(encoding="utf-8")
    assert "**@&#8203;payments-ingest** (1)" in markdown
    html = (project / "out" / "gate.html").read_text(encoding="utf-8")
    assert 'data-owner="@payments-ingest"' in html and 'data-owner="@ingest"' in html

    kpis = report["sections"]["kpis"]
    assert kpis["by_owner"]["@payments-ingest"]["freshness"]["denominator"] == 1
    assert kpis["by_owner"]["@payments-ingest"]["freshness"]["numerator"] == 0
    assert kpis["by_owner"]["@ingest"]["freshness"] == {
        "value": 1.0,
        "numerator": 1,
        "denominator": 1,
    }
    # Owner coverage is of models: a source's owner adds no model to it.
    assert kpis["overall"]["owner_coverage"]["denominator"] == 14
    assert kpis["by_owner"]["@ingest"]["owner_coverage"]["denominator"] == 0


def test_the_fixtures_source_findings_name_its_owner_and_only_the_planted_gap_has_none(
    shop_builds, tmp_path
):
    """The demo's pull request gated as the demo gates it: every source finding under the
    owner its source's `config: meta:` gives, and the one finding without an owner is the
    model the fixture leaves unowned on purpose (`owner.present` on dim_products)."""
    done = dbtgate(
        "check",
        "--base",
        str(shop_builds.base / "target"),
        "--json",
        str(tmp_path / "gate.json"),
        cwd=shop_builds.pr,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    findings = read_json(tmp_path / "gate.json")["findings"]
    on_sources = {
        f["unique_id"]: f.get("owner")
        for f in findings
        if (f["unique_id"] or "").startswith("source.")
    }
    assert len(on_sources) == 4
    assert set(on_sources.values()) == {"@data-platform"}
    unowned = [
        (f["code"], f["unique_id"]) for f in findings if f["unique_id"] and not f.get("owner")
    ]
    assert unowned == [("owner.present", "model.shop.dim_products")]
