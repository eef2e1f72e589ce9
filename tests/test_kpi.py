"""The KPI scorecard against the same numbers computed by hand from the raw artifacts."""

from __future__ import annotations

import json
import re
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
from corpus import corpus_dir
from policy_support import by_code, edited_bouncer, manifest_only_copy, rule_config
from policy_support import gate as policy_gate

from dbtgate.artifacts import load_artifacts
from dbtgate.checks import CheckContext
from dbtgate.config import Config, KpiTargets, load_config
from dbtgate.errors import DbtgateError
from dbtgate.gate import run_gate
from dbtgate.project import OwnerSettings, Project, TierSettings
from dbtgate.status.kpi import KPI_NAMES, compute_scorecard

# dbt_expectations' column tests that guarantee what `unique` and `not_null` do.
DBT_EXPECTATIONS_TWINS = {
    "expect_column_values_to_be_unique": "unique",
    "expect_column_values_to_not_be_null": "not_null",
}


# What says nothing, written out as docs/rules.md states docs.placeholder's defaults: a word
# (any case, spaces and . ! : ; around it ignored), a text starting with a marker (after
# punctuation), and, for a model, its own name (spaces for underscores).
PLACEHOLDER_WORDS = {
    "todo", "tbd", "tba", "fixme", "xxx", "wip", "description", "placeholder", "n/a", "na",
    "none", "null", "-", "...", "?", "lorem ipsum",
}  # fmt: skip
MARKER = re.compile(r"\W*(todo|tbd|tba|fixme|xxx)\b", re.IGNORECASE)


def documented(description: str | None, model_name: str | None = None) -> bool:
    """Whether docs_models (`model_name` given) or docs_columns counts the description."""
    text = (description or "").strip()
    if not text or MARKER.match(text):
        return False
    word = text.lower().strip(" .!:;\t\n")
    if word in PLACEHOLDER_WORDS or text.lower() in PLACEHOLDER_WORDS:
        return False
    return model_name is None or word.replace(" ", "_") != model_name.lower()


def load_raw(directory: Path) -> dict:
    raw = {}
    for name in ("manifest", "catalog", "run_results", "sources"):
        path = directory / f"{name}.json"
        raw[name] = json.loads(path.read_text()) if path.exists() else None
    return raw


def merged_meta(node: dict) -> dict:
    return {**((node.get("config") or {}).get("meta") or {}), **(node.get("meta") or {})}


def hand_counted(raw: dict, tier_of, owner_of) -> dict:
    """Every scorecard count, from the raw JSON with plain loops (no dbtgate code).

    Returns {group: {metric: (numerator, denominator)}} for "overall", "tier:<n>", "owner:<x>"."""
    manifest = raw["manifest"]
    nodes = manifest["nodes"]
    root = manifest["metadata"]["project_name"]
    tests_of = defaultdict(list)
    tested_by = {}
    for uid, node in nodes.items():
        if node["resource_type"] != "test":
            continue
        targets = (
            [node["attached_node"]] if node.get("attached_node") else node["depends_on"]["nodes"]
        )
        for target in targets:
            tests_of[target].append(node)
        tested_by[uid] = sorted(targets)[0] if targets else None
    # A unit test counts for the model it tests, as a data test does.
    for uid, unit_test in (manifest.get("unit_tests") or {}).items():
        targets = sorted((unit_test.get("depends_on") or {}).get("nodes") or [])
        tested_by[uid] = targets[0] if targets else None
    catalog_nodes = (raw["catalog"] or {}).get("nodes", {})
    counts = defaultdict(lambda: defaultdict(lambda: [0, 0]))

    def groups(uid):
        if uid is None:
            return ["overall"]
        return ["overall", f"tier:{tier_of(uid)}", f"owner:{owner_of(uid)}"]

    def count(uid, metric, hit):
        for group in groups(uid):
            counts[group][metric][0] += int(hit)
            counts[group][metric][1] += 1

    for uid, node in nodes.items():
        if node["resource_type"] != "model" or node["package_name"] != root:
            continue
        tests = tests_of.get(uid, [])
        kinds = defaultdict(set)
        key_test = False
        for test in tests:
            name = (test.get("test_metadata") or {}).get("name")
            column = test.get("column_name") or (
                (test.get("test_metadata") or {}).get("kwargs") or {}
            ).get("column_name")
            # The composite-key tests of dbt_utils, dbt_expectations and dbt_constraints; one
            # that lists a single column is a unique test of that column.
            if name in (
                "unique_combination_of_columns",
                "expect_compound_columns_to_be_unique",
                "primary_key",
            ):
                kwargs = (test.get("test_metadata") or {}).get("kwargs") or {}
                listed = kwargs.get("combination_of_columns", kwargs.get("column_list"))
                if isinstance(listed, list) and len(listed) == 1:
                    kinds[listed[0].lower()].add("unique")
                else:
                    key_test = True
            if column:
                kinds[column.lower()].add(DBT_EXPECTATIONS_TWINS.get(name, name))
        enforced = bool(((node.get("config") or {}).get("contract") or {}).get("enforced"))
        constraint_key = enforced and (
            any(c["type"] == "primary_key" for c in node.get("constraints") or [])
            or any(
                {"primary_key"} <= {c["type"] for c in col.get("constraints") or []}
                or {"unique", "not_null"} <= {c["type"] for c in col.get("constraints") or []}
                for col in node["columns"].values()
            )
        )
        pk = key_test or any({"unique", "not_null"} <= k for k in kinds.values()) or constraint_key
        declared = {name.lower(): col for name, col in node["columns"].items()}
        all_columns = set(declared) | {
            c.lower() for c in (catalog_nodes.get(uid) or {}).get("columns", {})
        }
        described_columns = sum(
            1 for col in declared.values() if documented(col.get("description"))
        )
        count(uid, "test_coverage", bool(tests))
        count(uid, "pk_tested", pk)
        count(uid, "docs_models", documented(node.get("description"), node["name"]))
        count(uid, "owner_coverage", owner_of(uid) != "(no owner)")
        for group in groups(uid):
            counts[group]["docs_columns"][0] += described_columns
            counts[group]["docs_columns"][1] += len(all_columns)
        access = node.get("access") or (node.get("config") or {}).get("access")
        if tier_of(uid) == 1 or access == "public":
            count(uid, "contracts", enforced)

    run = raw["run_results"]
    if run and (run.get("args") or {}).get("which") not in ("generate", "compile"):
        for result in run["results"]:
            uid = result["unique_id"]
            if uid.startswith(("test.", "unit_test.")) and result["status"] != "skipped":
                count(tested_by.get(uid), "test_pass_rate", result["status"] in ("pass", "success"))
    if raw["sources"]:
        for result in raw["sources"]["results"]:
            uid = result["unique_id"]
            count(
                uid if uid in manifest["sources"] else None, "freshness", result["status"] == "pass"
            )
    return counts


def as_counts(measures: dict) -> dict:
    return {m: (v["numerator"], v["denominator"]) for m, v in measures.items() if v["denominator"]}


def scorecard_counts(scorecard: dict) -> dict:
    found = {"overall": as_counts(scorecard["overall"])}
    for key, measures in scorecard["by_tier"].items():
        found[f"tier:{key}"] = as_counts(measures)
    for key, measures in scorecard["by_owner"].items():
        found[f"owner:{key}"] = as_counts(measures)
    return found


def plain(counts: dict) -> dict:
    return {group: {m: tuple(v) for m, v in metrics.items()} for group, metrics in counts.items()}


def bouncer_scorecard(build: Path) -> tuple[dict, dict]:
    """A bouncer build's scorecard, and its counts by hand. Owners from meta.maturity (gold,
    lead, ...) so that the per-owner split has several groups."""
    raw = load_raw(build)
    project = Project.from_artifacts(
        load_artifacts(build),
        None,
        TierSettings(("meta.tier",), 3),
        OwnerSettings(("meta.maturity",)),
    )

    def owner_of(uid):
        manifest = raw["manifest"]
        node = manifest["nodes"].get(uid) or manifest["sources"][uid]
        value = merged_meta(node).get("maturity")
        return value if isinstance(value, str) and value.strip() else "(no owner)"

    return compute_scorecard(project, Config()), plain(hand_counted(raw, lambda uid: 3, owner_of))


@pytest.mark.parametrize("name", ["bouncer-dbt112", "bouncer-dbt20"])
def test_bouncer_scorecard_matches_hand_counts(name):
    raw = load_raw(corpus_dir(name))
    scorecard, expected = bouncer_scorecard(corpus_dir(name))
    assert scorecard_counts(scorecard) == expected
    assert len([k for k in expected if k.startswith("owner:")]) >= 3
    if raw["run_results"]["args"]["which"] == "generate":
        # `dbt docs generate` compiled the tests without running them: no pass rate.
        assert scorecard["scorecard"]["test_pass_rate"]["status"] == "no data"
    else:
        assert scorecard["overall"]["test_pass_rate"]["denominator"] > 0
    assert scorecard["scorecard"]["freshness"]["value"] is None  # no sources.json
    coverage = scorecard["scorecard"]["test_coverage"]
    numerator, denominator = expected["overall"]["test_coverage"]
    assert coverage["value"] == pytest.approx(numerator / denominator)
    assert any("change failure rate" in note for note in scorecard["notes"])
    # Owners by name, "(no owner)" last as everywhere in the reports (ASCII put it first).
    owners = list(scorecard["by_owner"])
    assert owners[-1] == "(no owner)"
    assert owners[:-1] == sorted(owners[:-1], key=str.lower)


def test_a_check_the_config_turns_off_is_not_measured_either(tmp_path):
    """`freshness: {enabled: false}` (or `run:`): the scorecard has no figure for it, and says
    why. It showed "source freshness 50% below" under "Not checked: source freshness"."""
    target = corpus_dir("bouncer-dbt20")
    config = tmp_path / "dbtgate.yml"
    config.write_text("version: 1\nrun: {enabled: false}\nfreshness: {enabled: false}\n")
    project = Project.from_artifacts(load_artifacts(target))
    scorecard = compute_scorecard(project, load_config(config))
    assert scorecard["scorecard"]["test_pass_rate"]["value"] is None
    assert scorecard["overall"]["test_pass_rate"]["denominator"] == 0
    assert "test pass rate: not measured (run.enabled: false)" in scorecard["notes"]
    assert "freshness: not measured (freshness.enabled: false)" in scorecard["notes"]
    measured = compute_scorecard(project, Config())
    assert measured["overall"]["test_pass_rate"]["denominator"] > 0


@pytest.mark.slow
def test_fixture_scorecard_matches_hand_counts(shop_builds):
    target = shop_builds.pr / "target"
    raw = load_raw(target)
    project = Project.from_artifacts(load_artifacts(target), shop_builds.pr)
    nodes, groups = raw["manifest"]["nodes"], raw["manifest"]["groups"]
    sources = raw["manifest"]["sources"]

    def resource(uid):
        return nodes.get(uid) or sources.get(uid)

    def tier_of(uid):
        tier = merged_meta(resource(uid)).get("tier")
        return tier if isinstance(tier, int) else 3

    def owner_of(uid):
        node = resource(uid)
        owner = merged_meta(node).get("owner")
        if owner:
            return owner
        group = node.get("group") or (node.get("config") or {}).get("group")
        for definition in groups.values():
            if definition["name"] == group:
                return definition["owner"]["name"]
        return "(no owner)"

    scorecard = compute_scorecard(project, Config())
    expected = plain(hand_counted(raw, tier_of, owner_of))
    assert scorecard_counts(scorecard) == expected
    assert set(scorecard["by_tier"]) == {"1", "2", "3"}
    # The planted failing test: one failure among the run's tests.
    assert expected["overall"]["test_pass_rate"] == (
        sum(
            r["status"] == "pass"
            for r in raw["run_results"]["results"]
            if r["unique_id"].startswith("test.")
        ),
        sum(1 for r in raw["run_results"]["results"] if r["unique_id"].startswith("test.")),
    )
    pass_rate = scorecard["scorecard"]["test_pass_rate"]
    assert (pass_rate["target"], pass_rate["status"]) == (0.98, "below")
    assert scorecard["scorecard"]["tier1_test_coverage"]["target"] == 0.8


PY_ORDER_STATS = "model.dbt_bouncer_test_project.py_order_stats"
# Root-package models of the bouncer build given a placeholder description: a placeholder word
# in any case with punctuation around it, a leading TODO, and the model's own name.
PLACEHOLDERS = {
    "int_model_1": "  TBD. ",
    "stg_orders": "TODO: say what the grain is",
    "stg_payments": "Stg Payments",
    "orders": "n/a",
}


def bouncer_build_run(tmp_path: Path) -> tuple[Path, dict]:
    """The bouncer project's manifest and run_results.json in `tmp_path/target`, the results
    said to be of `dbt build` (the corpus file is of `dbt docs generate`): the run's JSON is
    returned to be edited and written again."""
    source = corpus_dir("bouncer-dbt112")
    target = tmp_path / "target"
    target.mkdir()
    shutil.copy(source / "manifest.json", target / "manifest.json")
    results = json.loads((source / "run_results.json").read_text())
    results["args"]["which"] = "build"
    (target / "run_results.json").write_text(json.dumps(results))
    return target, results


def test_the_scorecard_says_how_many_tests_were_skipped_beside_the_pass_rate(tmp_path):
    """A pass rate of the tests that ran reads well while a failure upstream left others
    unrun: the scorecard's notes say how many were skipped and not counted."""
    target, results = bouncer_build_run(tmp_path)
    untouched = compute_scorecard(Project.from_artifacts(load_artifacts(target)), Config())
    assert untouched["scorecard"]["test_pass_rate"]["value"] is not None
    assert not [note for note in untouched["notes"] if "skipped" in note]
    tests = [r for r in results["results"] if r["unique_id"].startswith("test.")][:3]
    for result in tests:
        result["status"] = "skipped"
    (target / "run_results.json").write_text(json.dumps(results))
    project = Project.from_artifacts(load_artifacts(target))
    scorecard = compute_scorecard(project, Config())
    assert (
        "test pass rate: 3 tests skipped after an upstream failure are not counted, neither "
        "passed nor failed (`run.skipped` lists them)"
    ) in scorecard["notes"]


def test_the_scorecard_says_how_many_tests_a_partial_run_left_out_of_the_pass_rate(tmp_path):
    """`dbt build --select one_model` runs its few tests: the pass rate of those, `3/3`, read
    as the project's. The notes say how many of the build's tests had no result and are not
    counted: the corpus run left out the tiktok_ads package's 23 tests and the 4 unit tests
    (hand-counted), and a run of 3 of its own 42 tests 39 more."""
    target, results = bouncer_build_run(tmp_path)
    whole = compute_scorecard(Project.from_artifacts(load_artifacts(target)), Config())
    said = "test pass rate: of the tests this build's run ran; {} tests of the build's had no "
    said += "result in it (a run of part of the project, as `dbt build --select ...`) and are "
    said += "not counted"
    assert said.format(23 + 4) in whole["notes"]
    tests = [r for r in results["results"] if r["unique_id"].startswith("test.")]
    assert len(tests) == 42
    results["results"] = [r for r in results["results"] if r not in tests[3:]]
    (target / "run_results.json").write_text(json.dumps(results))
    scorecard = compute_scorecard(Project.from_artifacts(load_artifacts(target)), Config())
    assert scorecard["scorecard"]["test_pass_rate"]["denominator"] == 3
    assert said.format(23 + 4 + 39) in scorecard["notes"]


def test_a_placeholder_description_does_not_document_a_model(tmp_path):
    """docs_models counts what docs.placeholder, with its defaults, does not call a placeholder:
    the rule and the KPI disagree on no model."""

    def edit(manifest: dict) -> None:
        for node in manifest["nodes"].values():
            if node["resource_type"] == "model" and node["name"] in PLACEHOLDERS:
                node["description"] = PLACEHOLDERS[node["name"]]

    before = compute_scorecard(
        Project.from_artifacts(load_artifacts(corpus_dir("bouncer-dbt112"))), Config()
    )
    project = edited_bouncer(tmp_path, edit)
    after = compute_scorecard(project, Config())
    was, now = before["overall"]["docs_models"], after["overall"]["docs_models"]
    assert now["numerator"] == was["numerator"] - len(PLACEHOLDERS)
    assert now["denominator"] == was["denominator"]
    config = rule_config(tmp_path, "docs.placeholder", "warn", "resource_type:model")
    findings = by_code(policy_gate(project, config).findings, "docs.placeholder")
    flagged = {f.unique_id.split(".")[2] for f in findings if f.column_name is None}
    assert flagged == set(PLACEHOLDERS)


# Columns of py_order_stats (all four described in the bouncer build) given a placeholder: a
# word with punctuation around it, a leading TODO, and one in capitals.
COLUMN_PLACEHOLDERS = {
    "order_id": "TBD.",
    "customer_id": "N/A",
    "order_date": "todo - which time zone?",
}


def scorecards_around(tmp_path: Path, edit) -> tuple[dict, dict, Project]:
    """The bouncer build's scorecard before and after `edit` of its manifest, and the edited
    project."""
    (tmp_path / "before").mkdir()
    before = compute_scorecard(edited_bouncer(tmp_path / "before", lambda _: None), Config())
    project = edited_bouncer(tmp_path, edit)
    return before, compute_scorecard(project, Config()), project


def test_a_placeholder_description_does_not_document_a_column(tmp_path):
    """docs_columns and docs.column_coverage count a column as docs_models counts a model: a
    column docs.placeholder calls a placeholder is undocumented, and the finding says why."""

    def edit(manifest: dict) -> None:
        columns = manifest["nodes"][PY_ORDER_STATS]["columns"]
        for name, text in COLUMN_PLACEHOLDERS.items():
            columns[name]["description"] = text

    before, after, project = scorecards_around(tmp_path, edit)
    was, now = before["overall"]["docs_columns"], after["overall"]["docs_columns"]
    assert now["numerator"] == was["numerator"] - len(COLUMN_PLACEHOLDERS)
    assert now["denominator"] == was["denominator"]
    coverage = rule_config(tmp_path, "docs.column_coverage", "{min: 1.0}", "py_order_stats")
    assert sorted(
        f.message for f in by_code(policy_gate(project, coverage).findings, "docs.column_coverage")
    ) == [
        f"column {name} of py_order_stats has a placeholder description "
        "(1 of 4 columns documented, 25% < 100%)"
        for name in ("customer_id", "order_date", "order_id")
    ]
    placeholder = rule_config(tmp_path, "docs.placeholder", "warn", "py_order_stats")
    findings = by_code(policy_gate(project, placeholder).findings, "docs.placeholder")
    assert {f.column_name for f in findings} == set(COLUMN_PLACEHOLDERS)


def test_a_column_described_by_its_own_name_is_documented(tmp_path):
    """ "Customer Id" for customer_id is how many projects document a key: coverage counts it,
    as dbt-coverage does; `docs.placeholder`, which a team turns on to ask for more, flags it."""

    def edit(manifest: dict) -> None:
        manifest["nodes"][PY_ORDER_STATS]["columns"]["customer_id"]["description"] = "Customer Id"

    before, after, project = scorecards_around(tmp_path, edit)
    assert after["overall"]["docs_columns"] == before["overall"]["docs_columns"]
    coverage = rule_config(tmp_path, "docs.column_coverage", "{min: 1.0}", "py_order_stats")
    assert by_code(policy_gate(project, coverage).findings, "docs.column_coverage") == []
    placeholder = rule_config(tmp_path, "docs.placeholder", "warn", "py_order_stats")
    findings = by_code(policy_gate(project, placeholder).findings, "docs.placeholder")
    assert [f.column_name for f in findings] == ["customer_id"]


def test_placeholder_descriptions_are_counted_as_the_hand_counts_define_them(tmp_path):
    """The bouncer build with placeholder descriptions on models and columns, and descriptions
    that look like one and are not ("Status" for the status column, "Todos per customer" for a
    model): the scorecard and the plain definition above count them alike, and fewer than
    before."""

    def edit(manifest: dict) -> None:
        for node in manifest["nodes"].values():
            if node["resource_type"] == "model" and node["name"] in PLACEHOLDERS:
                node["description"] = PLACEHOLDERS[node["name"]]
            if node["name"] == "int_incremental":
                node["description"] = "Todos per customer, incremental"
        columns = manifest["nodes"][PY_ORDER_STATS]["columns"]
        for name, text in COLUMN_PLACEHOLDERS.items():
            columns[name]["description"] = text
        columns["status"]["description"] = "Status"

    build = tmp_path / "target"
    shutil.copytree(corpus_dir("bouncer-dbt112"), build)
    manifest = json.loads((build / "manifest.json").read_text())
    edit(manifest)
    (build / "manifest.json").write_text(json.dumps(manifest))
    scorecard, expected = bouncer_scorecard(build)
    assert scorecard_counts(scorecard) == expected
    _, before = bouncer_scorecard(corpus_dir("bouncer-dbt112"))
    for metric, fewer in (("docs_models", len(PLACEHOLDERS)), ("docs_columns", 3)):
        was, now = before["overall"][metric], expected["overall"][metric]
        assert (now[0], now[1]) == (was[0] - fewer, was[1])


def tier1_config(**kpi) -> Config:
    config = Config()
    config.tier.default = 1
    for name, value in kpi.items():
        setattr(config.kpi, name, value)
    return config


def gate(build: Path, config: Config):
    tiers = TierSettings(tuple(config.tier.from_), config.tier.default)
    project = Project.from_artifacts(load_artifacts(build), None, tiers)
    return run_gate(CheckContext(project=project, config=config, changed=set()))


def test_gated_kpi_below_target_blocks_even_in_changed_scope():
    build = corpus_dir("bouncer-dbt112")
    config = tier1_config(targets=KpiTargets(tier1_docs_columns=0.9), gate=["tier1_docs_columns"])
    config.scope = "changed"
    result = gate(build, config)
    entry = result.sections["kpis"]["scorecard"]["tier1_docs_columns"]
    assert entry["value"] < 0.9
    (finding,) = [f for f in result.findings if f.code.startswith("kpi.")]
    assert finding.code == "kpi.tier1_docs_columns"
    assert finding.disposition == "blocking"
    assert finding.tier == 1  # the reports' tier filter finds a tier-1 KPI under tier 1
    assert (
        f"({entry['numerator']}/{entry['denominator']}), below the target 90.0%" in finding.message
    )
    assert "config_line" not in finding.details  # no config file: nowhere to point


def test_a_gated_kpis_finding_names_the_config_line_of_its_target(tmp_path):
    """SARIF and GitLab place a KPI's finding, which is on no file, at the config's `kpi:`
    section, where its target is set."""
    path = write_config(
        tmp_path,
        "version: 1\ntier:\n  default: 1\nkpi:\n  targets: {tier1_docs_columns: 0.9}\n"
        "  gate: [tier1_docs_columns]\n",
    )
    result = gate(corpus_dir("bouncer-dbt112"), load_config(path))
    (finding,) = [f for f in result.findings if f.code.startswith("kpi.")]
    assert finding.details["config_line"] == 4


def recce_gate(config: Config, base_dir: Path, pr_dir: Path | None = None):
    """The recce pair's pull request (or `pr_dir`) gated against `base_dir`: it adds two
    models, untested and with undocumented columns, to a base whose seven models are all
    tested."""
    tiers = TierSettings(tuple(config.tier.from_), config.tier.default)
    pr, base = (
        Project.from_artifacts(load_artifacts(path), None, tiers)
        for path in (pr_dir or corpus_dir("recce-pair/pr2"), base_dir)
    )
    context = CheckContext(project=pr, config=config, base=base, changed=set())
    (finding,) = [f for f in run_gate(context).findings if f.code.startswith("kpi.")]
    return finding


def test_a_gated_kpi_says_whether_the_change_lowered_it_from_the_base_build():
    config = tier1_config(targets=KpiTargets(test_coverage=0.9), gate=["test_coverage"])
    finding = recce_gate(config, corpus_dir("recce-pair/base"))
    assert finding.message == (
        "test coverage is 77.8% (7/9), below the target 90.0%; 100.0% (7/7) in the base build: "
        "this change lowers it"
    )
    assert finding.details["base"] == {"value": 1.0, "numerator": 7, "denominator": 7}
    # Against itself: below target, but not this change's doing.
    finding = recce_gate(config, corpus_dir("recce-pair/pr2"))
    assert finding.message.endswith("; 77.8% (7/9) in the base build: not lowered by this change")


def test_under_scope_changed_a_gated_kpi_blocks_the_change_that_lowered_it_only():
    """Legacy debt does not block a pull request that did not add to it, as for a rule on a
    whole selection; without a base figure the KPI blocks, as it always did."""
    config = tier1_config(targets=KpiTargets(docs_columns=0.9), gate=["docs_columns"])
    config.scope = "changed"
    base, pr = corpus_dir("recce-pair/base"), corpus_dir("recce-pair/pr2")
    lowered = recce_gate(config, base)  # 69.2% in the base build, below the target already
    assert lowered.message.endswith("this change lowers it")
    assert (lowered.changed, lowered.disposition) == (True, "blocking")
    kept = recce_gate(config, pr)  # against itself
    assert kept.message.endswith("not lowered by this change")
    assert (kept.changed, kept.disposition) == (False, "out_of_scope")
    raised = recce_gate(config, pr, pr_dir=base)  # 60.0% then, 69.2% now: still below
    assert raised.message.endswith("; 60.0% (27/45) in the base build: this change raises it")
    assert (raised.changed, raised.disposition) == (False, "out_of_scope")
    config.kpi.targets.docs_columns = 0.65  # the base build met it: this change fails it
    assert recce_gate(config, base).disposition == "blocking"
    config.scope = "all"
    assert recce_gate(config, pr).disposition == "blocking"


def test_column_docs_are_not_compared_with_a_base_build_without_a_catalog(tmp_path):
    """A base parsed from a git ref has no catalog.json, so its columns are the declared ones
    only, while the pull request's build counts the warehouse's too: not the same measure."""
    config = tier1_config(targets=KpiTargets(docs_columns=0.9), gate=["docs_columns"])
    base = manifest_only_copy(corpus_dir("recce-pair/base"), tmp_path / "base")
    finding = recce_gate(config, base)
    assert finding.message == "columns documented is 60.0% (27/45), below the target 90.0%"
    assert "base" not in finding.details
    finding = recce_gate(config, corpus_dir("recce-pair/base"))
    assert finding.message.endswith("; 69.2% (27/39) in the base build: this change lowers it")


# Bouncer's models given owners and tiers: (owner, tier) by model name; the rest keep no owner
# and the default tier 3. Its columns documented, all tiers / tier 1: Orders Team 9/17 / 9/13
# (orders 9/9, stg_orders and stg_payments 0/4 each), Customers Team 26/29 / 9/12 (customers
# 9, 9 and 8 of as many, stg_customers 0/3), Platform 0/2, team-2 0/1, team-10 0/1.
OWNED = {
    "orders": ("Orders Team", 1),
    "stg_orders": ("Orders Team", 1),
    "stg_payments": ("Orders Team", 2),
    "customers": ("Customers Team", 1),
    "stg_customers": ("Customers Team", 1),
    "metricflow_time_spine": ("Platform", 2),
    "int_incremental": ("Platform", 2),
    "int_model_1": ("team-10", 2),
    "stg_raw_orders_for_snapshot": ("team-2", 2),
}


def owned_bouncer(tmp_path: Path) -> Path:
    """Bouncer's build (its catalog too) with `OWNED`'s owners and tiers in the models' meta."""
    build = tmp_path / "target"
    shutil.copytree(corpus_dir("bouncer-dbt112"), build)
    manifest = json.loads((build / "manifest.json").read_text())
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["name"] in OWNED:
            owner, tier = OWNED[node["name"]]
            tier = 3 if node["name"] == "customers" and node["version"] != 3 else tier
            for meta in (node["meta"], node["config"]["meta"]):
                meta.update(owner=owner, tier=tier)
    (build / "manifest.json").write_text(json.dumps(manifest))
    return build


def kpi_finding(build: Path, **kpi):
    config = Config()
    for name, value in kpi.items():
        setattr(config.kpi, name, value)
    (found,) = [f for f in gate(build, config).findings if f.code.startswith("kpi.")]
    return found


def test_a_gated_kpis_fix_names_the_owners_and_tiers_where_it_falls_short_by_most(tmp_path):
    """The fix said "the per-owner and per-tier figures show where": it names the three owners
    (and tiers) below the target with the most missing, the lowest first among equals, then by
    name (`team-2` before `team-10`), and counts the rest; the message is as it was."""
    build = owned_bouncer(tmp_path)
    found = kpi_finding(build, targets=KpiTargets(docs_columns=0.95), gate=["docs_columns"])
    assert found.message == "columns documented is 70.9% (39/55), below the target 95.0%"
    assert found.fix == (
        "Raise it where it falls short by most: Orders Team 52.9% (9/17), Customers Team 89.7% "
        "(26/29), Platform 0.0% (0/2) and 3 more among owners; tier 2 0.0% (0/8), tier 1 72.0% "
        "(18/25) among tiers. Or lower its target in kpi.targets."
    )
    # Customers Team meets 85%; tier 3 (21/22) meets both; 0/1, 0/1 and 4/5 miss one each.
    found = kpi_finding(build, targets=KpiTargets(docs_columns=0.85), gate=["docs_columns"])
    assert found.fix == (
        "Raise it where it falls short by most: Orders Team 52.9% (9/17), Platform 0.0% (0/2), "
        "team-2 0.0% (0/1) and 2 more among owners; tier 2 0.0% (0/8), tier 1 72.0% (18/25) "
        "among tiers. Or lower its target in kpi.targets."
    )


def test_a_gated_tier1_kpis_fix_names_owners_by_their_tier1_models_figures(tmp_path):
    """A tier-1 KPI's tiers would be tier 1 alone, and an owner's figure over every tier says
    little of it: Orders Team's columns are 52.9% (9/17) documented, 69.2% (9/13) on tier 1."""
    build = owned_bouncer(tmp_path)
    targets = KpiTargets(tier1_docs_columns=0.95)
    found = kpi_finding(build, targets=targets, gate=["tier1_docs_columns"])
    assert found.message == "tier-1 columns documented is 72.0% (18/25), below the target 95.0%"
    assert found.fix == (
        "Raise it where it falls short by most: Orders Team 69.2% (9/13), Customers Team 75.0% "
        "(9/12) among owners, on tier 1. Or lower its target in kpi.targets."
    )


@pytest.mark.slow
def test_a_tier1_kpis_owners_count_the_last_runs_tests_of_their_tier1_models(shop_builds, tmp_path):
    """The fixture PR's run with a test of fct_orders (tier 1, @finance-eng) failed too: its
    owner passed 2 of the 3 tests of its tier-1 models, 4 of its 5 in all, and the project-wide
    KPI names the owners and tiers with a test failed, the lowest first."""
    build = tmp_path / "target"
    build.mkdir()
    for name in ("manifest", "catalog", "run_results", "sources"):
        shutil.copy(shop_builds.pr / "target" / f"{name}.json", build)
    run = json.loads((build / "run_results.json").read_text())
    (failed,) = [r for r in run["results"] if r["unique_id"].startswith("test.shop.not_null_fct")]
    failed["status"] = "fail"
    (build / "run_results.json").write_text(json.dumps(run))
    targets = KpiTargets(tier1_test_pass_rate=1.0)
    found = kpi_finding(build, targets=targets, gate=["tier1_test_pass_rate"])
    assert found.message == "tier-1 test pass rate is 90.0% (9/10), below the target 100.0%"
    assert found.fix == (
        "Raise it where it falls short by most: @finance-eng 66.7% (2/3) among owners, on tier "
        "1. Or lower its target in kpi.targets."
    )
    found = kpi_finding(build, targets=KpiTargets(test_pass_rate=0.98), gate=["test_pass_rate"])
    assert found.fix == (
        "Raise it where it falls short by most: @finance-eng 80.0% (4/5), Marketing Analytics "
        "90.0% (9/10) among owners; tier 1 90.0% (9/10), tier 2 93.3% (14/15) among tiers. Or "
        "lower its target in kpi.targets."
    )


def test_gated_kpi_at_target_passes_and_ungated_kpis_only_inform():
    build = corpus_dir("bouncer-dbt112")
    config = tier1_config(targets=KpiTargets(tier1_test_coverage=0.1), gate=["tier1_test_coverage"])
    result = gate(build, config)
    assert [f for f in result.findings if f.code.startswith("kpi.")] == []
    # Below their default targets (e.g. docs), but not gated: no finding.
    assert result.sections["kpis"]["scorecard"]["tier1_docs_columns"]["status"] == "below"


def test_gated_kpi_without_data_is_said_beside_the_verdict():
    """A team that gates the test pass rate believes it is judged: without a run's results
    it is not, which the verdict says (`partly_checked`), the audit trail too (`notes`)."""
    config = tier1_config(gate=["test_pass_rate"])
    result = gate(corpus_dir("bouncer-dbt112"), config)
    assert [f for f in result.findings if f.code.startswith("kpi.")] == []
    note = "kpi.test_pass_rate is gated but has no data in this build, so its target (98.0%) was not judged"
    assert result.partly_checked == [note]
    assert note in result.notes


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "dbtgate.yml"
    path.write_text(text)
    return path


def test_target_out_of_range_is_a_config_error_at_its_line(tmp_path):
    path = write_config(tmp_path, "version: 1\nkpi:\n  targets:\n    tier1_test_coverage: 80\n")
    with pytest.raises(
        DbtgateError,
        match=rf"^{path}:4: kpi.targets.tier1_test_coverage: expected a fraction between 0 and 1 "
        r"\(0.8 for 80%\), got 80$",
    ):
        load_config(path)


def test_gating_a_kpi_without_target_is_a_config_error_at_the_gate_line(tmp_path):
    path = write_config(tmp_path, "kpi:\n  targets: {pk_tested: null}\n  gate: [pk_tested]\n")
    with pytest.raises(
        DbtgateError, match=rf"^{path}:3: kpi: gate names pk_tested, which has no target"
    ):
        load_config(path)
    # A default target counts: freshness has one (0.95) without being written.
    path = write_config(tmp_path, "kpi:\n  gate: [freshness]\n")
    assert load_config(path).kpi.gate == ["freshness"]


def test_unknown_kpi_names_are_rejected_with_their_line(tmp_path):
    path = write_config(tmp_path, "kpi:\n  gate: [tier1_coverage]\n")
    with pytest.raises(DbtgateError, match=rf"{path}:2: kpi.gate\[0\]: expected one of"):
        load_config(path)
    path = write_config(tmp_path, "kpi:\n  targets:\n    coverage: 0.5\n")
    with pytest.raises(DbtgateError, match=rf"{path}:3: unknown key .?kpi.targets.coverage"):
        load_config(path)


def test_every_kpi_name_has_a_target_setting():
    settings = {name for name in KpiTargets.__struct_fields__ if name != "line"}
    assert settings == set(KPI_NAMES)


def test_console_lists_the_kpis_that_have_a_target_and_data():
    from rich.console import Console

    from dbtgate.report.console import print_result

    directory = corpus_dir("ticketswap-dbt19")
    project = Project.from_artifacts(load_artifacts(directory))
    result = run_gate(CheckContext(project=project, config=Config()))
    console = Console(record=True, width=120, color_system=None)
    print_result(console, result)
    text = console.export_text()
    assert "KPIs with a target" in text
    freshness = next(line for line in text.splitlines() if line.startswith("source freshness"))
    assert freshness.split() == ["source", "freshness", "100.0%", "1/1", "95.0%", "met"]
    assert "tier-1 test coverage" not in text  # no tier-1 models: no data, not shown


def test_console_lists_a_gated_kpi_without_data_as_gate_md_does(tmp_path):
    """A gated KPI with no data in the build is not judged (a note says so): gate.md lists it
    "n/a (gated)" under the KPIs vs targets, and the console left it out of its table, so
    an engineer reading the console did not see the KPI the config gates on. Both say why
    under the table ("no tier-1 model"), where "– 0/0 no data" read as a KPI that broke."""
    from rich.console import Console

    from dbtgate.report.console import print_result
    from dbtgate.report.json_report import report_dict
    from dbtgate.report.markdown import render_markdown

    directory = corpus_dir("ticketswap-dbt19")
    config = load_config(write_config(tmp_path, "kpi:\n  gate: [tier1_test_coverage]\n"))
    project = Project.from_artifacts(load_artifacts(directory))
    result = run_gate(CheckContext(project=project, config=config))
    console = Console(record=True, width=120, color_system=None)
    print_result(console, result)
    text = console.export_text()
    row = next(line for line in text.splitlines() if line.startswith("tier-1 test coverage"))
    assert row.split() == ["tier-1", "test", "coverage", "n/a", "80.0%", "n/a", "(gated)"]
    note = "tier-1 test coverage: n/a — no tier-1 model"
    assert f"note: {note}" in text
    markdown = render_markdown(report_dict(result))
    assert re.search(
        r"^\| tier-1 test coverage \| n/a \|\s+\| 80.0% \| n/a \(gated\) \|", markdown, re.M
    )
    assert f"- note: {note}\n" in markdown
    # An ungated KPI without data stays out of the console's table, as before.
    assert "tier-1 models documented" not in text


def test_the_scorecard_says_which_tests_no_tier_or_owner_counts(tmp_path):
    """A singular test that refs no resource (the corpus's `test_assert_something`, hand-read
    from the manifest) counts in the project's pass rate and in no tier's or owner's: at 1,000
    models the scorecard's 1,056 tests were 1,030 by tier and by owner. A note says how many,
    so the tables add up."""
    target, results = bouncer_build_run(tmp_path)
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    ran = {r["unique_id"] for r in results["results"] if r["status"] != "skipped"}
    loose = [
        uid
        for uid, node in nodes.items()
        if uid in ran
        and node["resource_type"] == "test"
        and not node.get("attached_node")
        and not node["depends_on"]["nodes"]
    ]
    assert loose == ["test.dbt_bouncer_test_project.test_assert_something"]
    scorecard = compute_scorecard(Project.from_artifacts(load_artifacts(target)), Config())
    assert (
        "test pass rate: 1 test on no resource (a singular test that refs none) is counted for "
        "the whole project only, under no tier or owner"
    ) in scorecard["notes"]
    total = scorecard["scorecard"]["test_pass_rate"]["denominator"]
    for key in ("by_tier", "by_owner"):
        grouped = sum(g["test_pass_rate"]["denominator"] for g in scorecard[key].values())
        assert grouped + len(loose) == total, key


def test_a_kpi_with_nothing_to_measure_reads_n_a_and_why_in_every_format(tmp_path):
    """A project with no tier-1 model and no tier-1 source: the tier-1 KPIs read "n/a" and
    why (`no_data`, written once in gate.json) in gate.md, gate.html and the console, where
    "tier-1 source freshness – 0/0", "no data", with an empty change cell read as a KPI that
    broke. A gated one keeps its row, "n/a (gated)", its note under the scorecard; the others
    are notes among the KPI notes."""
    from rich.console import Console

    from dbtgate.report.console import print_result
    from dbtgate.report.html import render_html
    from dbtgate.report.json_report import report_dict
    from dbtgate.report.markdown import render_markdown

    directory = corpus_dir("ticketswap-dbt19")
    config = load_config(write_config(tmp_path, "kpi:\n  gate: [tier1_test_coverage]\n"))
    project = Project.from_artifacts(load_artifacts(directory))
    assert not any(project.tier(uid) == 1 for uid in [*project.sources, *project.nodes])
    result = run_gate(CheckContext(project=project, config=config))
    report = report_dict(result)
    scorecard = report["sections"]["kpis"]["scorecard"]
    assert scorecard["tier1_freshness"]["no_data"] == "no source is tier 1"
    assert scorecard["tier1_docs_columns"]["no_data"] == "no column of a tier-1 model"
    assert "no_data" not in scorecard["freshness"]  # measured: 1/1

    markdown = render_markdown(report)
    top = markdown[markdown.index("#### KPIs vs targets") :]
    top = top[: top.index("<details>")]
    assert "0/0" not in top and "no data" not in top
    assert re.search(
        r"^\| tier-1 test coverage \| n/a \|\s+\| 80.0% \| n/a \(gated\) \|", top, re.M
    )
    assert "- note: tier-1 test coverage: n/a — no tier-1 model\n" in top
    assert "tier-1 source freshness" not in top
    folded = markdown[markdown.index("<details><summary>More KPIs") :]
    assert "| tier-1 source freshness: n/a — no source is tier 1 |" in folded
    assert "| tier-1 source freshness |" not in folded

    html = render_html(report)
    kpis = html[html.index('<section id="kpis">') :]
    kpis = kpis[: kpis.index("</section>")]
    assert "0/0" not in kpis and "no data" not in kpis
    assert "<td>tier-1 source freshness: n/a — no source is tier 1</td>" in html
    assert '<p class="meta">note: tier-1 test coverage: n/a — no tier-1 model</p>' in html
    assert "<td>tier-1 source freshness</td>" not in html

    console = Console(record=True, width=120, color_system=None)
    print_result(console, result)
    text = console.export_text()
    assert "0/0" not in text
    assert "note: tier-1 test coverage: n/a — no tier-1 model" in text
    assert "tier-1 source freshness" not in text  # no target: the console lists none such


def test_a_kpi_whose_measure_was_not_taken_says_why_not_what_it_lacks(tmp_path):
    """Without sources.json the freshness KPIs are n/a for that reason (the scorecard's note
    says it too), not "no source was checked"."""
    directory = manifest_only_copy(corpus_dir("ticketswap-dbt19"), tmp_path)
    project = Project.from_artifacts(load_artifacts(directory))
    scorecard = compute_scorecard(project, Config())["scorecard"]
    assert scorecard["freshness"]["no_data"] == "no sources.json"
    assert scorecard["tier1_freshness"]["no_data"] == "no sources.json"
