"""The baseline end to end through the command line: `dbtgate baseline` records today's findings,
`check --baseline` then blocks only on new ones and reports the ones fixed since."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import dbtgate
from corpus import CORPUS
from policy_support import read_json, write_config

from dbtgate.errors import DbtgateError
from dbtgate.report import validate
from dbtgate.report.json_report import report_schema

BOUNCER = CORPUS / "bouncer-dbt112"
PKG = "dbt_bouncer_test_project"
CONFIG = """\
version: 1
policies:
  - select: "resource_type:model"
    rules:
      owner.present: error
      docs.model_description: error
      docs.column_coverage: {severity: error, min: 1.0, use_catalog: false}
"""


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    if not BOUNCER.is_dir():
        pytest.skip(f"corpus absent: {BOUNCER}")
    write_config(tmp_path, CONFIG)
    write_build(tmp_path / "target", manifest())
    return tmp_path


def manifest() -> dict:
    return json.loads((BOUNCER / "manifest.json").read_text())


def write_build(directory: Path, data: dict) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "manifest.json").write_text(json.dumps(data))
    return directory


def node(data: dict, name: str) -> dict:
    return data["nodes"][f"model.{PKG}.{name}"]


def baseline(workdir: Path, *args: str) -> str:
    result = dbtgate("baseline", "--artifacts", "target", *args, cwd=workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def check(workdir: Path, artifacts: str, *args: str) -> tuple[int, str, dict]:
    result = dbtgate("check", "--artifacts", artifacts, "--json", "gate.json", *args, cwd=workdir)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return result.returncode, result.stdout, read_json(workdir / "gate.json")


def test_baseline_records_every_finding_and_then_nothing_blocks(workdir):
    first, blocking_report = check(workdir, "target")[::2]
    assert first == 1
    blocking = [f for f in blocking_report["findings"] if f["disposition"] == "blocking"]
    out = baseline(workdir)
    assert f"wrote {len(blocking)} findings to dbtgate-baseline.json" in out
    # Not in the config: the next check must name it.
    assert "`dbtgate check --baseline dbtgate-baseline.json` now blocks only on new" in " ".join(
        out.split()
    )
    # ... or the config must: CI reads what the repository holds.
    assert " ".join(out.split("; ")[-1].split()) == (
        "commit the file and set `baseline: dbtgate-baseline.json` in the config (relative to "
        "it), so that every check reads it"
    )
    written = read_json(workdir / "dbtgate-baseline.json")
    assert written["schema_version"] == 1
    assert sorted(e["fingerprint"] for e in written["findings"]) == sorted(
        f["fingerprint"] for f in blocking
    )
    returncode, stdout, report = check(workdir, "target", "--baseline", "dbtgate-baseline.json")
    assert returncode == 0
    assert {f["disposition"] for f in report["findings"]} == {"baselined"}
    assert report["sections"]["baseline"]["fixed"] == []
    assert "dbtgate: PASS" in stdout
    # The console counts the recorded debt per rule instead of listing it on every run.
    heading = f"In the baseline (legacy, not blocking) ({len(blocking)})"
    lines = stdout.splitlines()
    at = lines.index(heading)
    assert lines[at + 2].startswith("by rule: ")
    assert lines[at + 3].startswith("(recorded in the baseline; `--max-findings 0` lists them")
    assert not any(blocking[0]["message"] in line for line in lines)
    listed = check(workdir, "target", "--baseline", "dbtgate-baseline.json", "--max-findings", "0")
    assert blocking[0]["message"] in listed[1]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_full_disk_is_one_line_naming_the_baseline_file(workdir):
    """A write's OSError names no file: the runner's full disk read `dbtgate: error: : No space
    left on device`."""
    result = dbtgate("baseline", "-o", "/dev/full", cwd=workdir)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr == (
        "dbtgate: error: /dev/full: cannot write the baseline: No space left on device\n"
    )


def test_the_baseline_file_is_the_same_bytes_when_written_twice(workdir):
    baseline(workdir, "-o", "one.json")
    baseline(workdir, "-o", "two.json")
    assert (workdir / "one.json").read_bytes() == (workdir / "two.json").read_bytes()
    assert b"generated_at" not in (workdir / "one.json").read_bytes()


def test_with_a_baseline_only_new_findings_block_and_fixed_ones_are_reported(workdir):
    baseline(workdir)
    data = manifest()
    # Fixed since the baseline: stg_customers gets an owner.
    node(data, "stg_customers")["config"]["meta"]["owner"] = "@crm"
    node(data, "stg_customers")["meta"]["owner"] = "@crm"
    # New: stg_payments loses its description.
    node(data, "stg_payments")["description"] = ""
    write_build(workdir / "pr", data)
    returncode, stdout, report = check(workdir, "pr", "--baseline", "dbtgate-baseline.json")
    assert returncode == 1
    blocking = [
        (f["code"], f["unique_id"]) for f in report["findings"] if f["disposition"] == "blocking"
    ]
    assert blocking == [("docs.model_description", f"model.{PKG}.stg_payments")]
    fixed = report["sections"]["baseline"]["fixed"]
    assert [(e["code"], e["unique_id"]) for e in fixed] == [
        ("owner.present", f"model.{PKG}.stg_customers")
    ]
    entries = report["sections"]["baseline"]["entries"]
    assert report["sections"]["baseline"]["matched"] == entries - 1
    assert (
        f"note: baseline dbtgate-baseline.json: 1 of {entries} entries fixed since it was written "
        f"(owner.present on model.{PKG}.stg_customers); `dbtgate baseline --prune -o "
        "dbtgate-baseline.json` drops it and records nothing new"
    ) in stdout


def test_baselined_findings_survive_unrelated_edits(workdir):
    baseline(workdir)
    data = manifest()
    data["nodes"] = dict(reversed(list(data["nodes"].items())))  # another write order
    # stg_orders has baselined findings (no owner, undocumented columns): move its file, reword
    # its description, add a column; the old findings stay matched.
    orders = node(data, "stg_orders")
    orders["original_file_path"] = "models/staging/crm/renamed/stg_orders.sql"
    orders["description"] = "Orders, reworded."
    orders["columns"]["amount"] = {"name": "amount", "description": "", "meta": {}, "tags": []}
    # A new undocumented column elsewhere is a new finding.
    node(data, "py_order_stats")["columns"]["status"]["description"] = ""
    write_build(workdir / "pr", data)
    _, _, report = check(workdir, "pr", "--baseline", "dbtgate-baseline.json")
    assert report["sections"]["baseline"]["fixed"] == []
    blocking = sorted(
        (f["code"], f["unique_id"].split(".")[-1], f["column_name"])
        for f in report["findings"]
        if f["disposition"] == "blocking"
    )
    assert blocking == [
        ("docs.column_coverage", "py_order_stats", "status"),
        ("docs.column_coverage", "stg_orders", "amount"),
    ]


def test_the_baseline_path_can_come_from_the_config(workdir):
    baseline(workdir, "-o", "debt/baseline.json")
    write_config(workdir, CONFIG + "baseline: debt/baseline.json\n")
    returncode, _, report = check(workdir, "target")
    assert returncode == 0
    assert report["baseline"]["path"] == "debt/baseline.json"
    # Written again where the config names it: a plain `check` reads it.
    again = baseline(workdir)
    assert (
        "to debt/baseline.json (the same entries as before): `dbtgate check` now blocks only on new"
    ) in " ".join(again.split())
    assert again.split()[-3:] == ["commit", "the", "file"]


def test_a_baseline_nothing_names_is_a_warning_that_says_how_to_read_it(workdir):
    """`dbtgate baseline` then `dbtgate check`, as the quick start lists them: the file is not
    read until the config names it, and check says so rather than blocking on it in silence."""
    baseline(workdir)
    returncode, stdout, report = check(workdir, "target")
    assert returncode == 1
    warning = (
        "dbtgate-baseline.json is not read (neither the config nor --baseline names it), so the "
        "findings it records block: set `baseline: dbtgate-baseline.json` in dbtgate.yml, or "
        "pass --baseline dbtgate-baseline.json"
    )
    assert f"warning: {warning}" in " ".join(stdout.split())
    assert warning in report["warnings"]
    # Run from a folder below, with neither a repository nor a dbt project to name files from,
    # the file is named as findings name a file outside the working directory: whole, a path
    # to type there. (Below a repository's root: test_console_paths_notes.py.)
    (workdir / "models").mkdir()
    result = dbtgate(
        "check", "-a", "../target", "-c", "../dbtgate.yml", "-q", cwd=workdir / "models"
    )
    whole = (workdir / "dbtgate-baseline.json").resolve().as_posix()
    assert f"warning: {whole} is not read" in result.stdout
    # So is the config to edit: `dbtgate.yml` alone, from here, was no file.
    config = (workdir / "dbtgate.yml").resolve().as_posix()
    assert (
        f"`baseline: dbtgate-baseline.json` in {config}, or pass --baseline {whole}"
    ) in " ".join(result.stdout.split())
    # Another project's baseline (a monorepo's root) or a file that is no baseline is not this
    # project's to read: nothing is said of it.
    recorded = read_json(workdir / "dbtgate-baseline.json")
    for other in ({**recorded, "project": "another_project"}, {"not": "a baseline"}):
        (workdir / "dbtgate-baseline.json").write_text(json.dumps(other))
        assert "is not read" not in check(workdir, "target")[1]
    (workdir / "dbtgate-baseline.json").write_text(json.dumps(recorded))
    # Named, it is read and nothing is said.
    for named in (["--baseline", "dbtgate-baseline.json"], []):
        if not named:
            write_config(workdir, CONFIG + "baseline: dbtgate-baseline.json\n")
        returncode, stdout, report = check(workdir, "target", *named)
        assert returncode == 0
        assert "is not read" not in stdout and not report["warnings"]


def test_the_config_line_a_baseline_suggests_is_relative_to_the_config(workdir):
    """Run from a folder below the config, `-o ../debt.json` was suggested as
    `baseline: ../debt.json`, which the config reads from beside itself: one folder too high."""
    (workdir / "models").mkdir()
    out = dbtgate(
        "baseline",
        "-a",
        "../target",
        "-c",
        "../dbtgate.yml",
        "-o",
        "../debt.json",
        cwd=workdir / "models",
    ).stdout
    said = " ".join(out.split())
    assert "`dbtgate check --baseline ../debt.json` now blocks" in said
    assert said.endswith(
        "set `baseline: debt.json` in the config (relative to it), so that every check reads it"
    )
    write_config(workdir, CONFIG + "baseline: debt.json\n")
    assert check(workdir, "target")[0] == 0


def test_the_baseline_path_from_the_config_is_printed_as_written(workdir):
    """dbtgate.yml comes with the pull request: its path is text, never rich markup."""
    write_config(workdir, CONFIG + "baseline: debt/[bold]baseline.json\n")
    out = baseline(workdir)
    assert "to debt/[bold]baseline.json: `dbtgate check` now blocks" in " ".join(out.split())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "missing.json: baseline file not found (write one with `dbtgate baseline`)"),
        ("{not json", "missing.json: not a dbtgate baseline file"),
        (
            '{"schema_version": 1, "findings": [{"rule": "owner.pres',
            "missing.json: truncated JSON (the file ends early; was it fully written?)",
        ),
        (
            " \n",
            "missing.json: empty file, expected a dbtgate baseline (write one with `dbtgate "
            "baseline`)",
        ),
        ('{"schema_version": 9, "tool": "dbtgate", "findings": []}', "is newer than this"),
    ],
)
def test_a_bad_baseline_file_is_one_line_and_exit_2(workdir, content, message):
    if content is not None:
        (workdir / "missing.json").write_text(content)
    result = dbtgate("check", "--artifacts", "target", "--baseline", "missing.json", cwd=workdir)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert message in line


def test_a_baseline_never_holds_a_failed_run_and_never_hides_one(workdir):
    """A baseline is for policy and lint debt: a failed model is news about this build. Recorded
    on a red day it would hide that failure, and every later one, for good."""
    results = json.loads((BOUNCER / "run_results.json").read_text())
    results["args"]["which"] = "build"
    failed = results["results"][0]
    failed.update(status="error", message="Runtime Error: division by zero")
    (workdir / "target" / "run_results.json").write_text(json.dumps(results))
    _, _, report = check(workdir, "target")
    run_errors = [f for f in report["findings"] if f["code"] == "run.errors"]
    assert [f["unique_id"] for f in run_errors] == [failed["unique_id"]]

    out = baseline(workdir)
    written = read_json(workdir / "dbtgate-baseline.json")["findings"]
    assert written and not [e for e in written if e["code"].startswith("run.")]
    assert "breaking and risky changes, run and freshness status and KPI targets always" in out

    # A baseline that holds one anyway (hand-edited, or written by an older dbtgate) is not obeyed.
    written.append({"fingerprint": run_errors[0]["fingerprint"], "code": "run.errors"})
    (workdir / "old-baseline.json").write_text(
        json.dumps({"schema_version": 1, "tool": "dbtgate", "findings": written})
    )
    returncode, _, report = check(workdir, "target", "--baseline", "old-baseline.json")
    assert returncode == 1
    assert [
        (f["code"], f["disposition"]) for f in report["findings"] if f["disposition"] != "baselined"
    ] == [("run.errors", "blocking")]


def test_entries_of_a_rule_taken_out_or_a_resource_renamed_are_not_called_fixed(workdir):
    """Only debt that was checked and is gone was paid off: an entry whose rule left the config
    is kept (rewriting the baseline would drop debt that blocks when the rule comes back), and
    one on a model no longer built is named as such (renamed? its findings are new now)."""
    baseline(workdir)
    write_config(workdir, CONFIG.replace("      owner.present: error\n", ""))
    data = manifest()
    data["nodes"].pop(f"model.{PKG}.stg_payments")
    write_build(workdir / "pr", data)
    _, stdout, report = check(workdir, "pr", "--baseline", "dbtgate-baseline.json")
    section = report["sections"]["baseline"]
    assert section["fixed"] == []
    assert {e["unique_id"] for e in section["gone"]} == {f"model.{PKG}.stg_payments"}
    assert section["unchecked"] and {e["code"] for e in section["unchecked"]} == {"owner.present"}
    accounted = section["matched"] + len(section["gone"]) + len(section["unchecked"])
    assert accounted == section["entries"]
    notes = " ".join(stdout.split())
    assert "on resources or columns no longer in the build" in notes
    assert "this run did not check (owner.present on" in notes
    assert "entries fixed" not in notes


def test_a_baseline_with_a_byte_order_mark_loads_and_one_in_utf16_is_named(tmp_path):
    from dbtgate.baseline import load_baseline

    text = (
        '{"schema_version": 1, "tool": "dbtgate", "findings": [{"fingerprint": "f", "code": "c"}]}'
    )
    path = tmp_path / "baseline.json"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert load_baseline(path).fingerprints == {"f"}
    path.write_bytes(text.encode("utf-16"))
    with pytest.raises(DbtgateError, match=r"baseline.json: encoded as UTF-16LE, not UTF-8"):
        load_baseline(path)


def test_a_baseline_names_its_project_and_another_projects_is_refused(workdir):
    """A monorepo's gate handed the neighbour's baseline would match nothing and block on every
    legacy finding as new: it says whose baseline it is instead."""
    baseline(workdir)
    path = workdir / "dbtgate-baseline.json"
    written = read_json(path)
    assert list(written)[:3] == ["schema_version", "tool", "project"]
    assert written["project"] == PKG
    written["project"] = "billing"
    path.write_text(json.dumps(written))
    result = dbtgate("check", "--artifacts", "target", "--baseline", path.name, cwd=workdir)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip() == (
        f"dbtgate: error: {path.name}: a baseline of dbt project 'billing', and this build is of "
        f"{PKG!r}: give this project's baseline (`dbtgate baseline` writes one)"
    )
    # A file written before baselines named their project still reads.
    del written["project"]
    path.write_text(json.dumps(written))
    returncode, _, report = check(workdir, "target", "--baseline", path.name)
    assert returncode == 0 and report["findings"]


def test_an_entry_on_a_column_renamed_away_is_not_called_fixed(workdir):
    """A column's debt is paid off when the column is fixed, not when it is renamed: the renamed
    column's finding is new (and blocks), so the old entry is named as gone, not fixed."""
    baseline(workdir)
    entries = read_json(workdir / "dbtgate-baseline.json")["findings"]
    on_columns = [e for e in entries if e.get("column_name")]
    assert on_columns, "the corpus project must have an undocumented declared column"
    entry = on_columns[0]
    data = manifest()
    columns = data["nodes"][entry["unique_id"]]["columns"]
    renamed = columns.pop(entry["column_name"])
    renamed["name"] = f"{entry['column_name']}_renamed"
    columns[renamed["name"]] = renamed
    write_build(workdir / "pr", data)
    # The warehouse's table, which says the column is no longer there.
    catalog = json.loads((BOUNCER / "catalog.json").read_text())
    table = catalog["nodes"][entry["unique_id"]]["columns"]
    table[renamed["name"]] = {**table.pop(entry["column_name"]), "name": renamed["name"]}
    (workdir / "pr" / "catalog.json").write_text(json.dumps(catalog))
    _, stdout, report = check(workdir, "pr", "--baseline", "dbtgate-baseline.json")
    section = report["sections"]["baseline"]
    gone = [(e["unique_id"], e.get("column_name")) for e in section["gone"]]
    assert (entry["unique_id"], entry["column_name"]) in gone
    assert all(e.get("column_name") != entry["column_name"] for e in section["fixed"])
    assert "on resources or columns no longer in the build" in " ".join(stdout.split())
    new = [
        f
        for f in report["findings"]
        if f["disposition"] == "blocking" and f.get("column_name") == renamed["name"]
    ]
    assert new, "the renamed column's finding is new and blocks"


def test_an_empty_baseline_says_why_nothing_was_recorded(workdir):
    """Without a dbtgate.yml no policy runs: the baseline written is empty, and committing it
    in good faith would leave every finding of the config written next blocking. It says so."""
    (workdir / "dbtgate.yml").unlink()
    out = " ".join(baseline(workdir).split())
    assert out == (
        "wrote an empty baseline to dbtgate-baseline.json: no dbtgate.yml was found, so no "
        "policy ran (`dbtgate init` writes one); nothing is recorded, so every finding "
        "`dbtgate check` reports counts"
    )
    assert read_json(workdir / "dbtgate-baseline.json")["findings"] == []


def renamed(data: dict, old: str, new: str) -> dict:
    """The manifest dbt writes after `git mv old.sql new.sql` (and the readers' refs updated):
    the model under its new name, everywhere its unique_id is, with the same file checksum."""
    text = json.dumps(data).replace(f'"model.{PKG}.{old}"', f'"model.{PKG}.{new}"')
    data = json.loads(text)
    model = data["nodes"][f"model.{PKG}.{new}"]
    model["name"] = model["alias"] = new
    model["fqn"][-1] = new
    for key in ("path", "original_file_path"):
        model[key] = model[key].replace(f"{old}.sql", f"{new}.sql")
    return data


def test_a_model_renamed_without_an_edit_keeps_its_debt_and_prune_moves_it(workdir):
    """`git mv stg_customers.sql stg_clients.sql`: the model's debt is the same, and its file
    is, as dbt's checksum says; its findings under the new name stay baselined, a note says so,
    and `baseline --prune` records them under the new name. Renamed and edited, they are new."""
    baseline(workdir)
    entries = read_json(workdir / "dbtgate-baseline.json")["findings"]
    old_uid, new_uid = f"model.{PKG}.stg_customers", f"model.{PKG}.stg_clients"
    debt = sorted((e["code"], e.get("column_name")) for e in entries if e["unique_id"] == old_uid)
    assert debt and all(e.get("checksum") for e in entries if e["unique_id"] == old_uid)
    write_build(workdir / "pr", renamed(manifest(), "stg_customers", "stg_clients"))
    returncode, stdout, report = check(workdir, "pr", "--baseline", "dbtgate-baseline.json")
    assert returncode == 0, stdout
    moved = [f for f in report["findings"] if f.get("unique_id") == new_uid]
    assert sorted((f["code"], f.get("column_name")) for f in moved) == debt
    assert {f["disposition"] for f in moved} == {"baselined"}
    section = report["sections"]["baseline"]
    assert section["gone"] == [] and section["fixed"] == []
    assert {c["unique_id"] for c in section["carried"]} == {new_uid}
    assert section["matched"] == section["entries"]
    assert (
        f"entries matched under a renamed resource's new name, whose file dbt read unchanged "
        f"(owner.present on {old_uid} -> {new_uid}"
    ) in " ".join(stdout.split())
    # The report with its carried entries is one the schema takes: `report` renders it again.
    rendered = dbtgate("report", "gate.json", "--out", "again", cwd=workdir)
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr

    # Pruned, the file holds them under the new name, and is what `baseline` writes there.
    pruned = dbtgate(
        "baseline", "--artifacts", "pr", "--prune", "-o", "dbtgate-baseline.json", cwd=workdir
    )
    assert pruned.returncode == 0, pruned.stdout + pruned.stderr
    assert " ".join(pruned.stdout.split()) == (
        f"pruned dbtgate-baseline.json: nothing to drop; moved {len(debt)} entries to a renamed "
        f"resource's name; {len(entries)} entries left"
    )
    baseline(workdir, "--artifacts", "pr", "-o", "fresh.json")
    assert (workdir / "dbtgate-baseline.json").read_bytes() == (workdir / "fresh.json").read_bytes()

    # Renamed and edited: not the same file, so not known to be the same model; new debt.
    data = renamed(manifest(), "stg_customers", "stg_clients")
    data["nodes"][new_uid]["checksum"]["checksum"] = "0" * 64
    write_build(workdir / "pr", data)
    baseline(workdir, "-o", "dbtgate-baseline.json")
    returncode, stdout, report = check(workdir, "pr", "--baseline", "dbtgate-baseline.json")
    assert returncode == 1
    assert {f["disposition"] for f in report["findings"] if f.get("unique_id") == new_uid} == {
        "blocking"
    }
    assert report["sections"]["baseline"]["carried"] == []
    assert {e["unique_id"] for e in report["sections"]["baseline"]["gone"]} == {old_uid}


def test_a_model_added_beside_a_deleted_twin_is_not_its_rename_against_the_base(workdir):
    """With a base build, only a model new in it can be a renamed one: a model that was there
    already and gains a finding does not take a deleted model's entry with the same file."""
    baseline(workdir)
    data = renamed(manifest(), "stg_customers", "stg_clients")
    write_build(workdir / "pr", data)
    base = renamed(manifest(), "stg_customers", "stg_clients")
    base["nodes"][f"model.{PKG}.stg_customers"] = node(manifest(), "stg_customers")
    base["metadata"]["invocation_id"] = "another build"
    write_build(workdir / "base", base)
    returncode, _, report = check(
        workdir, "pr", "--baseline", "dbtgate-baseline.json", "--base", "base"
    )
    assert returncode == 1
    assert report["sections"]["baseline"]["carried"] == []
    on_twin = [f for f in report["findings"] if f.get("unique_id") == f"model.{PKG}.stg_clients"]
    assert on_twin and {f["disposition"] for f in on_twin} == {"blocking"}


def test_a_model_renamed_beside_a_copy_of_its_file_carries_nothing_to_either(workdir):
    """`git mv` and an unchanged copy of the old file added: two new models have its checksum,
    and the debt would go to whichever has findings left (the copy, where the renamed one was
    fixed). Which one is the old model is a guess: neither is paired, the entries read gone and
    the copy's findings block, as on two models added."""
    baseline(workdir)
    old_uid = f"model.{PKG}.stg_customers"
    data = renamed(manifest(), "stg_customers", "stg_clients")
    fixed = data["nodes"][f"model.{PKG}.stg_clients"]
    fixed["meta"] = fixed["config"]["meta"] = {"owner": "@crm"}
    fixed["columns"] = {}
    copy = renamed(manifest(), "stg_customers", "stg_customers_copy")
    copy_uid = f"model.{PKG}.stg_customers_copy"
    data["nodes"][copy_uid] = copy["nodes"][copy_uid]
    write_build(workdir / "pr", data)
    returncode, _, report = check(workdir, "pr", "--baseline", "dbtgate-baseline.json")
    assert returncode == 1
    section = report["sections"]["baseline"]
    assert section["carried"] == [] and section["fixed"] == []
    assert {e["unique_id"] for e in section["gone"]} == {old_uid}
    on_copy = [f for f in report["findings"] if f.get("unique_id") == copy_uid]
    assert sorted(f["code"] for f in on_copy) == ["docs.column_coverage", "owner.present"]
    assert {f["disposition"] for f in on_copy} == {"blocking"}


def test_entries_not_seen_on_a_renamed_model_are_named_as_it_is_called_now(workdir):
    """The pull request renames `stg_customers`, gives it an owner and drops its columns' YAML
    (a model declaring no columns is a new finding of its own): the note names the fixed entry and the one it cannot check (no catalog.json to see the
    column) on `stg_clients`, where the report judged them, with the name they were recorded
    on after."""
    baseline(workdir)
    old_uid, new_uid = f"model.{PKG}.stg_customers", f"model.{PKG}.stg_clients"
    data = renamed(manifest(), "stg_customers", "stg_clients")
    model = data["nodes"][new_uid]
    model["meta"] = model["config"]["meta"] = {"owner": "@crm"}
    model["columns"] = {}
    write_build(workdir / "pr", data)
    _, stdout, report = check(workdir, "pr", "--baseline", "dbtgate-baseline.json")
    section = report["sections"]["baseline"]
    # The report's entries are the file's, as `--prune` drops them.
    assert [(e["code"], e["unique_id"]) for e in section["fixed"]] == [("owner.present", old_uid)]
    assert [(e["code"], e["unique_id"]) for e in section["unchecked"]] == [
        ("docs.column_coverage", old_uid)
    ]
    notes = " ".join(stdout.split())
    assert f"fixed since it was written (owner.present on {new_uid} (was {old_uid}))" in notes
    assert (
        f"this run did not check (docs.column_coverage on {new_uid}.customer_id (was {old_uid}):"
    ) in notes


def test_prune_drops_what_is_fixed_or_gone_and_adds_nothing(workdir):
    """After a merge the team prunes paid debt: `--prune` drops the entries fixed and those on
    models deleted, and does not record the findings that are new (rewriting the file would,
    and they would no longer block). A rewrite over an older file says what it took in."""
    baseline(workdir)
    before = read_json(workdir / "dbtgate-baseline.json")["findings"]
    data = manifest()
    node(data, "stg_customers")["config"]["meta"]["owner"] = "@crm"  # fixed
    node(data, "stg_customers")["meta"]["owner"] = "@crm"
    node(data, "stg_payments")["description"] = ""  # new
    deleted = data["nodes"].pop(f"model.{PKG}.stg_orders")["unique_id"]  # gone
    write_build(workdir / "pr", data)
    gone = [e for e in before if e["unique_id"] == deleted]
    assert gone
    result = dbtgate("baseline", "--artifacts", "pr", "--prune", cwd=workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " ".join(result.stdout.split()) == (
        f"pruned dbtgate-baseline.json: dropped {len(gone) + 1} entries (1 fixed, {len(gone)} "
        f"on resources or columns no longer built); {len(before) - len(gone) - 1} entries left; "
        "1 finding not in it left out, to count as new (`dbtgate baseline` without --prune "
        "records every finding)"
    )
    after = read_json(workdir / "dbtgate-baseline.json")["findings"]
    dropped = {(e["code"], e["unique_id"]) for e in before} - {
        (e["code"], e["unique_id"]) for e in after
    }
    assert dropped == {("owner.present", f"model.{PKG}.stg_customers")} | {
        (e["code"], e["unique_id"]) for e in gone
    }
    assert not {e["unique_id"] for e in after} - {e["unique_id"] for e in before}
    returncode, _, report = check(workdir, "pr", "--baseline", "dbtgate-baseline.json")
    assert returncode == 1
    assert [
        (f["code"], f["unique_id"]) for f in report["findings"] if f["disposition"] == "blocking"
    ] == [("docs.model_description", f"model.{PKG}.stg_payments")]

    rewritten = baseline(workdir, "--artifacts", "pr")
    assert "(1 finding not in it before, now recorded as debt; to drop what is fixed and add " in (
        " ".join(rewritten.split())
    )


def test_prune_without_a_baseline_says_there_is_none(workdir):
    result = dbtgate("baseline", "--artifacts", "target", "--prune", cwd=workdir)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "dbtgate: error: dbtgate-baseline.json: no baseline to prune (`dbtgate baseline` "
        "without --prune writes one)"
    )


def test_a_source_without_freshness_is_debt_a_baseline_holds(workdir):
    """`freshness.missing` made an error is the sources' YAML, as old as the project: a team
    adopting the gate records it like a policy's findings, and its fix is seen as fixed."""
    write_config(workdir, CONFIG + "freshness: {missing_tiers: [3], severity: {missing: error}}\n")

    def without_freshness(data: dict, keep: str | None = None) -> dict:
        for uid, source in data["sources"].items():
            if uid != keep:
                source["freshness"] = source["config"]["freshness"] = None
        return data

    write_build(workdir / "target", without_freshness(manifest()))
    first, _, report = check(workdir, "target")
    missing = [f for f in report["findings"] if f["code"] == "freshness.missing"]
    assert first == 1 and missing and {f["disposition"] for f in missing} == {"blocking"}
    baseline(workdir)
    returncode, _, report = check(workdir, "target", "--baseline", "dbtgate-baseline.json")
    assert returncode == 0
    assert {f["disposition"] for f in report["findings"] if f["code"] == "freshness.missing"} == {
        "baselined"
    }
    fixed = missing[0]["unique_id"]
    write_build(workdir / "pr", without_freshness(manifest(), keep=fixed))
    _, _, report = check(workdir, "pr", "--baseline", "dbtgate-baseline.json")
    assert [e["unique_id"] for e in report["sections"]["baseline"]["fixed"]] == [fixed]


WAIVING_TWO = """\
waivers:
  - rule: owner.present
    select: "stg_customers stg_orders"
    reason: "owners being assigned"
    owner: "@data"
    expires: 2099-12-31
"""


def test_matched_entries_whose_findings_are_waived_are_counted_so_in_every_report(workdir):
    """A waiver comes before the baseline: two entries matched by waived findings were read
    "entries 26, matched 26" beside "24 in the baseline" in the verdict's counts."""
    baseline(workdir)
    config = workdir / "dbtgate.yml"
    config.write_text(config.read_text() + WAIVING_TWO)
    result = dbtgate(
        "check", "--artifacts", "target", "--baseline", "dbtgate-baseline.json",
        "--out", "reports", cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    report = read_json(workdir / "reports" / "gate.json")
    section = report["sections"]["baseline"]
    entries = section["entries"]
    assert (section["matched"], section["waived"]) == (entries, 2)
    counts = report["counts"]["by_disposition"]
    assert (counts["waived"], counts["baselined"], counts["blocking"]) == (2, entries - 2, 0)
    assert validate.first_error(report, report_schema()) is None
    markdown = (workdir / "reports" / "gate.md").read_text()
    assert f"| matched | {entries}, 2 of them waived |" in markdown
    assert "| waived |" not in markdown
    page = (workdir / "reports" / "gate.html").read_text()
    assert f"<td>matched</td><td>{entries}, 2 of them waived</td>" in page
    # Rendered again from the JSON alone, the same words.
    again = dbtgate("report", "reports/gate.json", "--out", "again", cwd=workdir)
    assert again.returncode == 0, again.stdout + again.stderr
    assert (workdir / "again" / "gate.md").read_text() == markdown
    # A count the schema refuses names its JSON path.
    section["waived"] = -1
    assert "waived" in (validate.first_error(report, report_schema()) or "")


def test_matched_entries_without_a_waiver_say_nothing_of_waivers(workdir):
    baseline(workdir)
    check(workdir, "target", "--baseline", "dbtgate-baseline.json")
    report = read_json(workdir / "gate.json")
    assert report["sections"]["baseline"]["waived"] == 0
    assert validate.first_error(report, report_schema()) is None
    rendered = dbtgate("report", "gate.json", "--out", "reports", cwd=workdir)
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    markdown = (workdir / "reports" / "gate.md").read_text()
    assert f"| matched | {report['sections']['baseline']['entries']} |" in markdown
    assert "waived" not in markdown


EXPIRING_SOON = WAIVING_TWO.replace("2099-12-31", "2026-12-10")


def test_an_expiring_waiver_over_baselined_findings_says_the_baseline_will_hold_them(workdir):
    """The notice said the findings "will no longer be waived", read as a red build to come;
    the baseline holds them, and after the date they are legacy debt, not blocking."""
    baseline(workdir)
    config = workdir / "dbtgate.yml"
    config.write_text(config.read_text() + EXPIRING_SOON)
    today = {"DBTGATE_TODAY": "2026-12-05"}
    args = ("check", "--artifacts", "target", "--baseline", "dbtgate-baseline.json")
    result = dbtgate(*args, "--json", "gate.json", cwd=workdir, env=today)
    assert result.returncode == 0, result.stdout + result.stderr
    report = read_json(workdir / "gate.json")
    [notice] = [f for f in report["findings"] if f["code"] == "waiver.expiring"]
    assert notice["message"] == (
        "waiver for owner.present on 'stg_customers stg_orders' (owner @data) expires in 5 days, "
        "on 2026-12-10; then its 2 findings will no longer be waived but held by the baseline: "
        "they will not block"
    )
    assert notice["fix"].startswith("Let the waiver expire, or remove it: the baseline holds")
    assert notice["details"]["held_by_baseline"] == 2
    assert validate.first_error(report, report_schema()) is None
    assert notice["message"] in " ".join(result.stdout.split())
    # As it says: past the date the waiver has expired and nothing blocks.
    after = dbtgate(*args, "--json", "after.json", cwd=workdir, env={"DBTGATE_TODAY": "2026-12-11"})
    assert after.returncode == 0, after.stdout + after.stderr
    later = read_json(workdir / "after.json")
    assert later["counts"]["by_disposition"]["blocking"] == 0
    assert "waived" not in {
        f["disposition"] for f in later["findings"] if f["code"] == "owner.present"
    }


def test_an_expiring_waiver_names_the_share_the_baseline_holds(workdir):
    """One of its findings is new since the baseline (stg_customers had an owner then): that
    one will block, the other will not."""
    data = manifest()
    node(data, "stg_customers")["config"]["meta"]["owner"] = "@crm"
    node(data, "stg_customers")["meta"]["owner"] = "@crm"
    write_build(workdir / "then", data)
    result = dbtgate("baseline", "--artifacts", "then", cwd=workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    config = workdir / "dbtgate.yml"
    config.write_text(config.read_text() + EXPIRING_SOON)
    args = ("check", "--artifacts", "target", "--baseline", "dbtgate-baseline.json")
    result = dbtgate(*args, "--json", "gate.json", cwd=workdir, env={"DBTGATE_TODAY": "2026-12-05"})
    assert result.returncode == 0, result.stdout + result.stderr
    [notice] = [
        f for f in read_json(workdir / "gate.json")["findings"] if f["code"] == "waiver.expiring"
    ]
    assert notice["message"].endswith(
        "then its 2 findings will no longer be waived; the baseline holds 1 of them, which will "
        "not block"
    )
    assert notice["fix"].startswith("Fix the findings before then")
    assert notice["details"]["held_by_baseline"] == 1
    # Without a baseline the notice is as it was.
    plain = dbtgate(
        "check",
        "--artifacts",
        "target",
        "--json",
        "plain.json",
        cwd=workdir,
        env={"DBTGATE_TODAY": "2026-12-05"},
    )
    assert plain.returncode == 1, plain.stdout + plain.stderr  # no baseline: the debt blocks
    [notice] = [
        f for f in read_json(workdir / "plain.json")["findings"] if f["code"] == "waiver.expiring"
    ]
    assert notice["message"].endswith("then its 2 findings will no longer be waived")
    assert "held_by_baseline" not in notice["details"]


EXPIRED = WAIVING_TWO.replace("2099-12-31", "2026-12-01")


def test_an_expired_waiver_over_baselined_findings_says_the_baseline_holds_them(workdir):
    """Past the date the notice said "it no longer waives 2 findings", read as the cause of a
    red build; the baseline holds them, they do not block, and the entry can simply go: as the
    expiring notice said they would be."""
    baseline(workdir)
    config = workdir / "dbtgate.yml"
    config.write_text(config.read_text() + EXPIRED)
    args = ("check", "--artifacts", "target", "--baseline", "dbtgate-baseline.json")
    result = dbtgate(*args, "--json", "gate.json", cwd=workdir, env={"DBTGATE_TODAY": "2026-12-05"})
    assert result.returncode == 0, result.stdout + result.stderr
    report = read_json(workdir / "gate.json")
    [notice] = [f for f in report["findings"] if f["code"] == "waiver.expired"]
    assert notice["message"] == (
        "waiver for owner.present on 'stg_customers stg_orders' (owner @data) expired on "
        "2026-12-01; it no longer waives 2 findings, but the baseline holds them: they do not "
        "block"
    )
    assert notice["fix"].startswith("Remove the expired waiver: the baseline holds its findings")
    assert (notice["details"]["findings"], notice["details"]["held_by_baseline"]) == (2, 2)
    assert validate.first_error(report, report_schema()) is None
    assert notice["message"] in " ".join(result.stdout.split())
    # As it says: the two findings are in the baseline, and nothing blocks.
    held = [f["disposition"] for f in report["findings"] if f["code"] == "owner.present"]
    assert "waived" not in held
    assert report["counts"]["by_disposition"]["blocking"] == 0


def test_an_expired_waiver_names_the_share_the_baseline_holds(workdir):
    """stg_customers had an owner when the baseline was written: its finding is new and blocks,
    the other is in the baseline; without a baseline the notice is as it was."""
    data = manifest()
    node(data, "stg_customers")["config"]["meta"]["owner"] = "@crm"
    node(data, "stg_customers")["meta"]["owner"] = "@crm"
    write_build(workdir / "then", data)
    result = dbtgate("baseline", "--artifacts", "then", cwd=workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    config = workdir / "dbtgate.yml"
    config.write_text(config.read_text() + EXPIRED)
    today = {"DBTGATE_TODAY": "2026-12-05"}
    args = ("check", "--artifacts", "target", "--json", "gate.json")
    result = dbtgate(*args, "--baseline", "dbtgate-baseline.json", cwd=workdir, env=today)
    assert result.returncode == 1, result.stdout + result.stderr  # the new one blocks
    report = read_json(workdir / "gate.json")
    [notice] = [f for f in report["findings"] if f["code"] == "waiver.expired"]
    assert notice["message"].endswith(
        "it no longer waives 2 findings; the baseline holds 1 of them, which does not block"
    )
    assert notice["fix"].startswith("Fix the findings, or renew the waiver")
    assert notice["details"]["held_by_baseline"] == 1
    blocking = [
        f["resource_name"]
        for f in report["findings"]
        if f["code"] == "owner.present" and f["disposition"] == "blocking"
    ]
    assert blocking == ["stg_customers"]

    plain = dbtgate(*args, cwd=workdir, env=today)
    assert plain.returncode == 1, plain.stdout + plain.stderr
    [notice] = [
        f for f in read_json(workdir / "gate.json")["findings"] if f["code"] == "waiver.expired"
    ]
    assert notice["message"].endswith("it no longer waives 2 findings")
    assert notice["fix"].startswith("Fix the findings, or renew the waiver")
    assert "held_by_baseline" not in notice["details"]


# The waiver names the model by its name now; the baseline was written before the rename.
WAIVING_RENAMED = WAIVING_TWO.replace("stg_customers", "stg_clients")


def renamed_build(workdir: Path, *, edited: bool = False) -> None:
    """The baseline of the build as it was; `pr/`: stg_customers renamed stg_clients by `git
    mv` (its file hashed the same), or `edited` too (another checksum: not known to be it)."""
    baseline(workdir)
    data = renamed(manifest(), "stg_customers", "stg_clients")
    if edited:
        data["nodes"][f"model.{PKG}.stg_clients"]["checksum"]["checksum"] = "0" * 64
    write_build(workdir / "pr", data)


def waiver_notice(workdir: Path, expires: str, code: str, today: str = "2026-12-05"):
    config = workdir / "dbtgate.yml"
    config.write_text(CONFIG + WAIVING_RENAMED.replace("2099-12-31", expires))
    args = ("check", "--artifacts", "pr", "--baseline", "dbtgate-baseline.json", "--json")
    result = dbtgate(*args, "gate.json", cwd=workdir, env={"DBTGATE_TODAY": today})
    report = read_json(workdir / "gate.json")
    assert validate.first_error(report, report_schema()) is None
    notices = [f for f in report["findings"] if f["code"] == code]
    return result, report, notices


PRUNE_HINT = (
    " Run `dbtgate baseline --prune -o dbtgate-baseline.json` too: the baseline holds it under "
    "the old name only while the rename can be told (the file unchanged, or git reading it as "
    "renamed); pruned, under the new one."
)


def test_an_expired_waiver_on_a_renamed_model_says_the_baseline_holds_it_by_its_old_name(workdir):
    """Asked by fingerprint alone, the notice said the baseline held 1 of the 2 findings and
    "fix the findings, or renew the waiver", of a finding the gate then baselined under the
    model's old name: nothing blocked. It says the baseline holds both, the renamed one by its
    old name, and that pruning records it under the new one; pruned, the old name is gone."""
    renamed_build(workdir)
    result, report, [notice] = waiver_notice(workdir, "2026-12-01", "waiver.expired")
    assert result.returncode == 0, result.stdout + result.stderr
    assert notice["message"] == (
        "waiver for owner.present on 'stg_clients stg_orders' (owner @data) expired on "
        "2026-12-01; it no longer waives 2 findings, but the baseline holds them: they do not "
        "block (1 of them under stg_customers, its resource's name before a rename)"
    )
    assert notice["fix"] == (
        "Remove the expired waiver: the baseline holds its findings, which do not block "
        "(fixing them pays that debt off)." + PRUNE_HINT
    )
    details = notice["details"]
    assert (details["findings"], details["held_by_baseline"]) == (2, 2)
    assert details["held_under_old_names"] == 1
    assert notice["message"] in " ".join(result.stdout.split())
    # As it says: both are in the baseline, the renamed one by its old name, and nothing blocks.
    held = {
        f["resource_name"]: f["disposition"]
        for f in report["findings"]
        if f["code"] == "owner.present" and f["resource_name"] in ("stg_clients", "stg_orders")
    }
    assert held == {"stg_clients": "baselined", "stg_orders": "baselined"}
    assert report["counts"]["by_disposition"]["blocking"] == 0
    # The fix's command, run: the entry is under the new name, and the notice is as it was.
    pruned = dbtgate(
        "baseline", "--artifacts", "pr", "--prune", "-o", "dbtgate-baseline.json", cwd=workdir
    )
    assert pruned.returncode == 0, pruned.stdout + pruned.stderr
    result, _, [notice] = waiver_notice(workdir, "2026-12-01", "waiver.expired")
    assert notice["message"].endswith("but the baseline holds them: they do not block")
    assert "held_under_old_names" not in notice["details"]


def test_an_expiring_waiver_on_a_renamed_model_says_the_baseline_will_hold_it(workdir):
    renamed_build(workdir)
    result, _, [notice] = waiver_notice(workdir, "2026-12-10", "waiver.expiring")
    assert result.returncode == 0, result.stdout + result.stderr
    assert notice["message"].endswith(
        "on 2026-12-10; then its 2 findings will no longer be waived but held by the baseline: "
        "they will not block (1 of them under stg_customers, its resource's name before a "
        "rename)"
    )
    assert notice["fix"] == (
        "Let the waiver expire, or remove it: the baseline holds its findings, which will not "
        "block (fixing them pays that debt off)." + PRUNE_HINT
    )
    assert (notice["details"]["held_by_baseline"], notice["details"]["held_under_old_names"]) == (
        2,
        1,
    )
    # As it says: past the date nothing blocks.
    after, report, _ = waiver_notice(workdir, "2026-12-10", "waiver.expired", today="2026-12-11")
    assert after.returncode == 0, after.stdout + after.stderr
    assert report["counts"]["by_disposition"]["blocking"] == 0


def test_a_renamed_and_edited_model_is_not_said_to_be_held_by_its_old_name(workdir):
    """Edited as well as renamed (no git to read the rename): not known to be the same model,
    so its finding is new and blocks, and the notice does not say the baseline holds it."""
    renamed_build(workdir, edited=True)
    result, report, [notice] = waiver_notice(workdir, "2026-12-01", "waiver.expired")
    assert result.returncode == 1, result.stdout + result.stderr
    assert notice["message"].endswith(
        "it no longer waives 2 findings; the baseline holds 1 of them, which does not block"
    )
    assert notice["fix"] == (
        "Fix the findings, or renew the waiver: a new `expires` date and an updated `reason`."
    )
    assert "held_under_old_names" not in notice["details"]
    blocking = [
        f["resource_name"]
        for f in report["findings"]
        if f["code"] == "owner.present" and f["disposition"] == "blocking"
    ]
    assert blocking == ["stg_clients"]
