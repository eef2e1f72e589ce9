"""The JSON gate report: its schema, determinism, and `load_report` refusing what is not a report."""

from __future__ import annotations

import copy
import json
import random

import jsonschema
import msgspec
import pytest
from report_samples import (
    INPUTS,
    WAIVER,
    many_findings,
    sample_findings,
    sample_report,
    sample_result,
)

from dbtgate.errors import DbtgateError
from dbtgate.report import validate
from dbtgate.report.bulk_validate import all_valid
from dbtgate.report.json_report import (
    encode_report,
    load_report,
    report_dict,
    report_schema,
    write_json_report,
)


def schema_validator() -> jsonschema.Draft202012Validator:
    schema = report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_report_validates_against_the_shipped_schema() -> None:
    report = sample_report()
    errors = list(schema_validator().iter_errors(report))
    assert errors == []
    assert validate.first_error(report, report_schema()) is None
    assert all_valid([report], report_schema(), report_schema())


def test_report_carries_verdict_counts_inputs_waivers_baseline_and_sections() -> None:
    report = sample_report()
    assert report["schema_version"] == 1
    assert report["tool"] == {"name": "dbtgate", "version": "0.1.0"}
    assert report["verdict"] == "fail"
    assert report["generated_at"] == INPUTS["artifacts"]["manifest"]["generated_at"]
    assert report["counts"]["total"] == 9
    assert report["counts"]["by_disposition"] == {
        "blocking": 3,
        "advisory": 3,
        "out_of_scope": 1,
        "waived": 1,
        "baselined": 1,
    }
    assert report["counts"]["by_family"]["lint"] == 2
    assert report["waivers"] == [{**msgspec.to_builtins(WAIVER), "findings": 1}]
    assert report["baseline"]["suppressed"] == 1
    assert set(report["sections"]) == {"kpis", "lineage", "diff", "changes", "suggested_waiver"}
    # The failed test's waiver, not the breaking change's (an acknowledgement is its way out).
    assert report["sections"]["suggested_waiver"]["code"] == "run.test_failures"
    waived = next(f for f in report["findings"] if f["disposition"] == "waived")
    assert waived["waiver"]["owner"] == "@data-platform"
    assert waived["waiver"]["expires"] == "2026-03-20"
    assert all(len(f["fingerprint"]) == 20 for f in report["findings"])


def test_report_bytes_do_not_depend_on_finding_order() -> None:
    findings = sample_findings()
    first = encode_report(report_dict(sample_result(findings)))
    shuffled = findings[:]
    random.Random(7).shuffle(shuffled)
    assert encode_report(report_dict(sample_result(shuffled))) == first


def test_findings_are_sorted_errors_first() -> None:
    severities = [f["severity"] for f in sample_report()["findings"]]
    assert severities == sorted(severities, key=["error", "warn", "info"].index)


def test_written_report_loads_back_equal(tmp_path) -> None:
    path = tmp_path / "gate.json"
    write_json_report(sample_result(), path)
    assert load_report(path) == json.loads(encode_report(sample_report()))


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda r: r["findings"][0].update(severity="fatal"), "$.findings[0].severity"),
        (lambda r: r.pop("verdict"), "missing required key 'verdict'"),
        (lambda r: r["findings"][1].update(line="12"), "$.findings[1].line"),
        (lambda r: r["counts"]["by_disposition"].update(blocking=-1), "blocking"),
        (lambda r: r.update(surprise=True), "unexpected key 'surprise'"),
        (lambda r: r["sections"]["lineage"].update(nodes=[{"id": "x"}]), "lineage.nodes[0]"),
        (lambda r: r["findings"][0].update(waiver={}), "$.findings[0].waiver"),
    ],
)
def test_load_report_names_the_json_path_of_what_is_wrong(tmp_path, mutate, where) -> None:
    report = json.loads(encode_report(sample_report()))
    mutate(report)
    path = tmp_path / "gate.json"
    path.write_text(json.dumps(report))
    with pytest.raises(DbtgateError) as raised:
        load_report(path)
    assert str(path) in str(raised.value)
    assert where in str(raised.value)
    # The real JSON Schema implementation agrees that this report is invalid.
    assert list(schema_validator().iter_errors(report))


def test_load_report_refuses_a_newer_schema_version(tmp_path) -> None:
    report = sample_report()
    report["schema_version"] = 99
    path = tmp_path / "gate.json"
    path.write_text(json.dumps(report))
    with pytest.raises(DbtgateError, match="newer than this dbtgate"):
        load_report(path)


def test_load_report_names_the_line_of_broken_json(tmp_path) -> None:
    path = tmp_path / "gate.json"
    path.write_text('{\n  "schema_version": 1,\n  "verdict": \n}')
    with pytest.raises(DbtgateError, match=r"gate\.json:4: not valid JSON"):
        load_report(path)


def test_load_report_says_a_report_cut_short_is_truncated(tmp_path) -> None:
    """A gate report whose job stopped writing it, or whose upload was cut short, is said to be
    truncated, as an artifact or a baseline is, not in json's words for where its text stopped
    ("Unterminated string starting at: line 1 column 4989")."""
    text = json.dumps(sample_report(), indent=2)
    verdict = text.index('"verdict"')
    path = tmp_path / "gate.json"
    # in a string, after a key's colon, after a comma, before the last brace
    for end in (verdict + 4, verdict + 10, text.index(",", verdict) + 1, len(text) - 1):
        path.write_text(text[:end] + "\n")
        with pytest.raises(DbtgateError) as raised:
            load_report(path)
        assert str(raised.value) == (
            f"{path}: truncated JSON (the file ends early; was it fully written?)"
        ), text[:end][-20:]


def test_load_report_on_a_missing_file_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(DbtgateError, match="gate report not found"):
        load_report(tmp_path / "nope.json")


def test_schema_uses_only_keywords_the_builtin_validator_implements() -> None:
    used: set[str] = set()

    def walk(node: object, in_properties: bool = False) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if not in_properties:
                    used.add(key)
                walk(value, in_properties=key in ("properties", "$defs") and not in_properties)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(report_schema())
    assert used <= validate.KEYWORDS, used - validate.KEYWORDS


def test_schema_conditions_are_the_form_the_builtin_validator_implements() -> None:
    """`allOf` holds `if`/`then` pairs whose `if` tests keys against strings only."""
    conditions: list[dict] = []

    def walk(node: object, in_all_of: bool = False) -> None:
        if isinstance(node, dict):
            assert in_all_of or "if" not in node, node  # `if` stands in allOf only
            for key, value in node.items():
                if key == "allOf":
                    conditions.extend(value)
                    for part in value:
                        walk(part, in_all_of=True)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(report_schema())
    assert conditions
    for part in conditions:
        assert part.keys() == {"if", "then"}, part
        assert part["if"].keys() == {"properties"}, part
        for test in part["if"]["properties"].values():
            choices = test["enum"] if test.keys() == {"enum"} else [test["const"]]
            assert test.keys() in ({"enum"}, {"const"}), test
            assert all(isinstance(choice, str) for choice in choices), test


@pytest.mark.parametrize("findings", [0, 300], ids=["sample", "300 findings more"])
def test_builtin_validators_agree_with_jsonschema_on_random_breakage(findings: int) -> None:
    """The walk that names the first error, and the check of all values a keyword at a time
    that `load_report` runs first (`bulk_validate`): one broken value among many must be seen
    there too, however many share its key."""
    report = json.loads(
        encode_report(sample_report([*sample_findings(), *many_findings(findings)]))
    )
    validator = schema_validator()
    schema = report_schema()
    rng = random.Random(3)
    paths = list(_leaf_paths(report))
    for _ in range(200):
        broken = copy.deepcopy(report)
        path = rng.choice(paths)
        _set(broken, path, rng.choice([None, "x", -5, 1.5, [], {}, True]))
        ours = validate.first_error(broken, schema) is None
        theirs = validator.is_valid(broken)
        assert ours == theirs, (path, validate.first_error(broken, schema))
        assert all_valid([broken], schema, schema) == theirs, path


def _leaf_paths(node: object, prefix: tuple = ()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaf_paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaf_paths(value, (*prefix, index))
    if prefix:
        yield prefix


def _set(node: object, path: tuple, value: object) -> None:
    for key in path[:-1]:
        node = node[key]  # type: ignore[index]
    node[path[-1]] = value  # type: ignore[index]


def test_a_git_ref_base_is_recorded_with_the_commit_it_named(tmp_path) -> None:
    import subprocess

    from dbtgate.cli import base_ref_input

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(tmp_path), *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    git("init", "-q", "-b", "main")
    (tmp_path / "dbt_project.yml").write_text("name: shop\n")
    git("add", "-A")
    git("-c", "user.email=ci@example.com", "-c", "user.name=CI", "commit", "-q", "-m", "base")
    sha = git("rev-parse", "HEAD")
    assert base_ref_input("main", tmp_path) == {"ref": "main", "sha": sha}
    assert base_ref_input(str(tmp_path), tmp_path) is None  # a base build on disk
    # main moves on after the branch left it: the branch is compared with where it left main
    # (the merge base), and the tip is recorded beside it.
    commit = ["-c", "user.email=ci@example.com", "-c", "user.name=CI", "commit", "-q"]
    git("checkout", "-q", "-b", "feature")
    (tmp_path / "orders.sql").write_text("select 1 as id\n")
    git("add", "-A")
    git(*commit, "-m", "feature")
    git("checkout", "-q", "main")
    (tmp_path / "customers.sql").write_text("select 1 as id\n")
    git("add", "-A")
    git(*commit, "-m", "main moves on")
    tip = git("rev-parse", "HEAD")
    git("checkout", "-q", "feature")
    assert base_ref_input("main", tmp_path) == {"ref": "main", "sha": sha, "tip": tip}
    # A ref with no history in common (an orphan branch, a shallow clone): its tip, and said.
    git("checkout", "-q", "--orphan", "other")
    git(*commit, "-m", "unrelated")
    assert base_ref_input("feature", tmp_path) == {
        "ref": "feature",
        "sha": git("rev-parse", "feature"),
        "merge_base": "none",
    }
    none = sample_report(inputs={**INPUTS, "base_ref": base_ref_input("feature", tmp_path)})
    assert list(schema_validator().iter_errors(none)) == []
    inputs = {**INPUTS, "base_ref": {"ref": "main", "sha": sha, "tip": tip}}
    report = sample_report(inputs=inputs)
    assert list(schema_validator().iter_errors(report)) == []
    assert validate.first_error(report, report_schema()) is None
    broken = copy.deepcopy(report)
    del broken["inputs"]["base_ref"]["sha"]
    assert validate.first_error(broken, report_schema()) is not None


def test_load_report_skips_a_byte_order_mark_and_names_utf16(tmp_path) -> None:
    path = tmp_path / "gate.json"
    text = encode_report(sample_report()).decode()
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert load_report(path) == json.loads(text)
    path.write_bytes(text.encode("utf-16"))
    with pytest.raises(DbtgateError, match=r"gate\.json: encoded as UTF-16LE, not UTF-8"):
        load_report(path)
