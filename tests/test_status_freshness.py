"""The freshness rules on real sources.json files: late sources, failed checks, unwatched sources."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from corpus import corpus_dir

from dbtgate.artifacts import load_artifacts
from dbtgate.checks import CheckContext
from dbtgate.config import Config
from dbtgate.gate import run_gate
from dbtgate.locate import Locator
from dbtgate.project import Project
from dbtgate.status.freshness import source_freshness
from dbtgate.status.timestamps import format_age, format_timestamp

# From fixtures/README.md, "Sources and freshness".
STALE_SOURCE = "source.shop.shop_raw.raw_payments"
SOURCES_YAML = "models/staging/_sources.yml"


def context(directory: Path, **kwargs) -> CheckContext:
    project = Project.from_artifacts(load_artifacts(directory), kwargs.pop("project_dir", None))
    return CheckContext(project=project, config=kwargs.pop("config", Config()), **kwargs)


def copy_build(source: Path, target: Path, edit=None) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in ("manifest.json", "run_results.json", "catalog.json"):
        if (source / name).exists():
            shutil.copy(source / name, target / name)
    raw = json.loads((source / "sources.json").read_text())
    if edit:
        edit(raw)
    (target / "sources.json").write_text(json.dumps(raw))
    return target


def expected_codes(raw: dict) -> Counter:
    codes = {
        "error": "freshness.error",
        "runtime error": "freshness.error",
        "warn": "freshness.warn",
    }
    return Counter(codes[r["status"]] for r in raw["results"] if r["status"] in codes)


def test_ticketswap_sources_json_is_read_and_evaluated():
    build = corpus_dir("ticketswap-dbt19")
    raw = json.loads((build / "sources.json").read_text())
    ctx = context(build)
    findings = list(source_freshness(ctx))
    status = Counter(f.code for f in findings if f.code in ("freshness.error", "freshness.warn"))
    assert status == expected_codes(raw)
    assert all(r["status"] == "pass" for r in raw["results"])
    assert "sources.json absent" not in " ".join(ctx.notes)


@pytest.mark.parametrize("version", [1, 2, 3])
@pytest.mark.parametrize("status", ["warn", "error"])
def test_late_source_names_its_age_and_thresholds(tmp_path, version, status):
    """The ticketswap result, made late, under each sources.json schema version."""

    def late(raw):
        raw["metadata"]["dbt_schema_version"] = (
            f"https://schemas.getdbt.com/dbt/sources/v{version}.json"
        )
        result = raw["results"][0]
        result["status"] = status
        result["max_loaded_at_time_ago_in_s"] = 30 * 3600.0
        result["criteria"]["error_after"] = {"count": 48, "period": "hour"}

    build = copy_build(corpus_dir("ticketswap-dbt19"), tmp_path, late)
    raw = json.loads((build / "sources.json").read_text())
    result = raw["results"][0]
    (finding,) = [f for f in source_freshness(context(build)) if f.code != "freshness.missing"]
    assert finding.code == f"freshness.{status}"
    assert finding.severity == status
    assert finding.unique_id == result["unique_id"]
    # Read to the second in UTC in the message; as written in the details.
    assert result["max_loaded_at"] == "2025-01-01T11:02:27.087519+00:00"
    assert "is 30.0 h old: last loaded 2025-01-01 11:02:27 UTC" in finding.message
    assert "checked 2025-01-01 11:22:36 UTC" in finding.message
    assert "(warn after 24 hours, error after 48 hours)" in finding.message
    assert finding.details["max_loaded_at"] == result["max_loaded_at"]
    assert finding.details["snapshotted_at"] == result["snapshotted_at"]
    assert finding.details["age_seconds"] == 30 * 3600.0
    assert (finding.details["warn_after"], finding.details["error_after"]) == (
        "24 hours",
        "48 hours",
    )


@pytest.mark.parametrize(
    ("base_status", "said"),
    [
        ("pass", "; fresh in the base build's check"),
        ("warn", "; late in the base build's check too"),
        ("error", "; late in the base build's check too"),
        (None, ""),  # the base build's check did not judge it
    ],
)
def test_a_late_source_says_how_the_base_builds_check_found_it(tmp_path, base_status, said):
    """Late in the pull request's check and fresh in the base build's: the loader's incident of
    the day; late in both: an old one, no news for this review."""

    def late(raw):
        raw["results"][0]["status"] = "error"

    def then(raw):
        if base_status is None:
            raw["results"] = []
        else:
            raw["results"][0]["status"] = base_status

    build = copy_build(corpus_dir("ticketswap-dbt19"), tmp_path / "pr", late)
    base_dir = copy_build(corpus_dir("ticketswap-dbt19"), tmp_path / "base", then)
    base = Project.from_artifacts(load_artifacts(base_dir))
    (finding,) = [
        f for f in source_freshness(context(build, base=base)) if f.code == "freshness.error"
    ]
    assert finding.message.endswith(f"(warn after 24 hours){said}")
    assert finding.details.get("base_status") == base_status


@pytest.mark.parametrize(
    ("loader", "check"), [("", "the loader"), ("fivetran", "fivetran, the loader")]
)
def test_a_late_source_s_fix_names_its_loader(tmp_path, loader, check):
    """The on-call reading the finding learns where to look: the source's `loader`, when the
    YAML names one (the ticketswap build's is empty)."""

    def late(raw):
        raw["results"][0]["status"] = "error"

    build = copy_build(corpus_dir("ticketswap-dbt19"), tmp_path, late)
    manifest = json.loads((build / "manifest.json").read_text())
    [source] = manifest["sources"].values()
    source["loader"] = loader
    (build / "manifest.json").write_text(json.dumps(manifest))
    (finding,) = [f for f in source_freshness(context(build)) if f.code == "freshness.error"]
    assert finding.fix == (
        f"Check {check} of this table; if the SLO changed, update the source's freshness."
    )


def test_failed_freshness_query_is_an_error(tmp_path):
    def broken(raw):
        raw["results"] = [
            {
                "unique_id": raw["results"][0]["unique_id"],
                "status": "runtime error",
                "error": "Binder Error: column loaded_at not found\n  LINE 1",
                "timing": [],
                "thread_id": "Thread-1",
                "execution_time": 0.1,
                "adapter_response": {},
                "message": None,
                "failures": None,
            }
        ]

    build = copy_build(corpus_dir("ticketswap-dbt19"), tmp_path, broken)
    (finding,) = [f for f in source_freshness(context(build)) if f.code != "freshness.missing"]
    assert finding.code == "freshness.error"
    assert (
        "the freshness check itself failed: Binder Error: column loaded_at not found"
        in finding.message
    )


@pytest.mark.parametrize(("status", "said"), [("stale-ish", "the status 'stale-ish'"), ("", "")])
def test_a_status_dbt_never_writes_counts_as_stale_and_is_warned_of(tmp_path, status, said):
    """It passed in silence: a gate must not pass a freshness it cannot read."""

    def odd(raw):
        assert raw["results"][0]["status"] == "pass"
        raw["results"][0]["status"] = status

    build = copy_build(corpus_dir("ticketswap-dbt19"), tmp_path, odd)
    raw = json.loads((build / "sources.json").read_text())
    uid = raw["results"][0]["unique_id"]
    checked = context(build)
    (finding,) = [f for f in source_freshness(checked) if f.code != "freshness.missing"]
    assert finding.code == "freshness.error" and finding.unique_id == uid
    expected = f"{said}, which dbt does not write" if status else "no status"
    assert f"has {expected}: its freshness is unknown, so it counts as stale" in finding.message
    # (The corpus file is also 34 days older than its manifest: warned of apart.)
    (warning,) = [w for w in load_artifacts(build).sources.warnings if "without a status" in w]
    assert warning.startswith(f"{build / 'sources.json'}: 1 result without a status dbt writes")
    assert uid in warning


def test_absent_sources_json_is_a_note_unless_required(tmp_path):
    shutil.copy(corpus_dir("bouncer-dbt112") / "manifest.json", tmp_path / "manifest.json")
    ctx = context(tmp_path)
    assert [f for f in source_freshness(ctx) if f.code != "freshness.missing"] == []
    assert any(note.startswith("sources.json absent") for note in ctx.notes)
    config = Config()
    config.freshness.required = True
    config.freshness.missing_tiers = []
    result = run_gate(context(tmp_path, config=config))
    assert [f.code for f in result.blocking] == ["freshness.not_run"]


def test_absent_sources_json_is_no_note_when_no_source_sets_freshness(tmp_path):
    """No source with a warn_after or error_after: `dbt source freshness` would check nothing,
    so the gate does not tell the user to run it; the reports still say freshness was not
    checked, and why."""
    manifest = json.loads((corpus_dir("bouncer-dbt112") / "manifest.json").read_text())
    for source in manifest["sources"].values():
        source["freshness"] = {"warn_after": {"count": None, "period": None}, "filter": None}
        source["config"].pop("freshness", None)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    ctx = context(tmp_path)
    assert list(source_freshness(ctx)) == []
    assert not [note for note in ctx.notes if "sources.json" in note]
    assert ctx.not_checked == ["source freshness (no source sets a freshness threshold)"]


def test_checks_switched_off_are_listed_as_not_checked(tmp_path):
    """A release manager reading a PASS must see that the config left freshness and the run
    out, as a missing sources.json is shown; `run.slower` under a switched-off run says so."""
    shutil.copy(corpus_dir("bouncer-dbt112") / "manifest.json", tmp_path / "manifest.json")
    config = Config()
    config.path = Path("dbtgate.yml")
    config.freshness.enabled = False
    config.run.enabled = False
    config.run.slower.enabled = True
    result = run_gate(context(tmp_path, config=config))
    assert "source freshness (freshness.enabled: false in dbtgate.yml)" in result.not_checked
    assert "the last run's results (run.enabled: false in dbtgate.yml)" in result.not_checked
    assert "run.slower is enabled but run.enabled is false: nothing was compared" in result.notes
    assert not any(f.code.startswith(("run.", "freshness.")) for f in result.findings)


# -- the fixture project --------------------------------------------------------------------------


def tier1_sources_without_freshness(manifest: dict) -> set[str]:
    """Independently of the Project graph: walk the raw parent_map up from tier-1 models."""

    def tier(node):
        meta = {**(node.get("config", {}).get("meta") or {}), **(node.get("meta") or {})}
        return meta.get("tier")

    frontier = [
        uid
        for uid, n in manifest["nodes"].items()
        if n["resource_type"] == "model" and tier(n) == 1
    ]
    seen = set(frontier)
    while frontier:
        frontier = [
            p for uid in frontier for p in manifest["parent_map"].get(uid, []) if p not in seen
        ]
        seen.update(frontier)
    unwatched = set()
    for uid in seen & set(manifest["sources"]):
        rule = manifest["sources"][uid].get("freshness") or {}
        if not any((rule.get(k) or {}).get("count") for k in ("warn_after", "error_after")):
            unwatched.add(uid)
    return unwatched


@pytest.mark.slow
def test_fixture_stale_source_and_unwatched_sources(shop_builds):
    project_dir = shop_builds.pr
    target = project_dir / "target"
    raw_sources = json.loads((target / "sources.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    ctx = context(target, project_dir=project_dir)
    result = run_gate(ctx, Locator(project_dir))
    freshness = [f for f in result.findings if f.family == "freshness"]

    assert Counter(f.code for f in freshness if f.code != "freshness.missing") == expected_codes(
        raw_sources
    )
    (stale,) = [f for f in freshness if f.code == "freshness.error"]
    assert stale.unique_id == STALE_SOURCE
    assert (stale.path, stale.line) == (SOURCES_YAML, 18)
    assert stale.disposition == "blocking"
    assert stale.details["max_loaded_at"].startswith("2020-01-01T00:00:00")
    assert "(warn after 12 hours, error after 24 hours)" in stale.message

    missing = {f.unique_id: f for f in freshness if f.code == "freshness.missing"}
    assert set(missing) == tier1_sources_without_freshness(manifest)
    assert {uid: f.line for uid, f in missing.items()} == {
        "source.shop.shop_raw.raw_customers": 25,
        "source.shop.shop_raw.raw_products": 27,
        "source.shop.shop_raw.raw_order_items": 29,
    }
    assert all(f.severity == "warn" and f.disposition == "advisory" for f in missing.values())


@pytest.mark.slow
def test_unwatched_source_of_a_changed_tier1_model_is_in_scope(shop_builds):
    target = shop_builds.pr / "target"
    findings = list(source_freshness(context(target, changed={"model.shop.dim_customers"})))
    missing = {f.unique_id: f for f in findings if f.code == "freshness.missing"}
    assert missing["source.shop.shop_raw.raw_customers"].changed
    # The message says why a source nobody edited is the change's.
    assert missing["source.shop.shop_raw.raw_customers"].message == (
        "source shop_raw.raw_customers feeds tier-1 model dim_customers, which this change "
        "touches, but has no freshness configured"
    )
    # raw_products reaches tier-1 only through fct_orders, which did not change.
    assert not missing["source.shop.shop_raw.raw_products"].changed
    assert "this change" not in missing["source.shop.shop_raw.raw_products"].message


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("2024-12-16T07:45:32.505887Z", "2024-12-16 07:45:32 UTC"),
        ("2024-12-16T09:45:32+02:00", "2024-12-16 07:45:32 UTC"),
        ("2024-12-16T07:45:32.269157511Z", "2024-12-16 07:45:32 UTC"),
        ("yesterday", "yesterday"),
        (None, "unknown"),
    ],
)
def test_timestamps_in_messages_are_read_to_the_second_in_utc(text, shown):
    assert format_timestamp(text) == shown


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (45, "45 s"),
        (12 * 60, "12 min"),
        (26.5 * 3600, "26.5 h"),
        (3.5 * 86400, "3.5 days"),
        (99.94 * 86400, "99.9 days"),
        (2527.5 * 86400, "2,528 days"),
    ],
)
def test_an_age_is_said_to_the_precision_a_reader_uses(seconds: float, said: str) -> None:
    assert format_age(seconds) == said
