"""Gate reports edited by hand or corrupted: `dbtgate report`, `dbtgate trend` and every renderer
either work or stop with one line naming the file and the JSON path (exit 2), never a traceback.

The reports are validated once, where they are read (`load_report`: the shipped schema, and no
NaN or Infinity), so the renderers can trust the shapes they read; a random edit of any value
must not find a shape the schema lets through and a renderer cannot draw."""

from __future__ import annotations

import copy
import io
import json
import math
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from report_samples import expired_waiver, sample_findings, sample_result
from rich.console import Console

from dbtgate.errors import DbtgateError
from dbtgate.report.bulk_validate import all_valid
from dbtgate.report.json_report import encode_report, load_report, report_dict, report_schema
from dbtgate.report.options import RenderOptions
from dbtgate.report.render import FORMATS, write_reports
from dbtgate.report.validate import first_error
from dbtgate.status.trend import load_trend
from dbtgate.status.trend_console import print_trend
from dbtgate.status.trend_pages import render_html, render_markdown


def full_report() -> dict:
    """A report with every shape a renderer interprets: KPIs, diff, change set and lineage, a
    breaking change with its impact and acknowledgement, waivers expired and expiring."""
    report = json.loads(
        encode_report(report_dict(sample_result([*sample_findings(), expired_waiver()])))
    )
    expired = next(f for f in report["findings"] if f["code"] == "waiver.expired")
    expiring = copy.deepcopy(expired)
    expiring.update(code="waiver.expiring", severity="info")
    expiring["details"]["days_left"] = 3
    report["findings"].append(expiring)
    breaking = next(f for f in report["findings"] if f["family"] == "breaking")
    breaking["details"]["acknowledged"] = {"way": "label", "reason": "ok", "source": "ok-label"}
    return report


def find(report: dict, code: str) -> int:
    return next(i for i, f in enumerate(report["findings"]) if f["code"] == code)


def render_everything(path: Path, out: Path) -> None:
    """What `dbtgate report` (every format) and `dbtgate trend` (every output) do with a file."""
    report = load_report(path)
    out.mkdir(exist_ok=True)
    write_reports(report, list(FORMATS), out, RenderOptions(blob_url="https://example.com/b"))
    trend = load_trend([path])
    print_trend(Console(file=io.StringIO(), width=120), trend)
    render_markdown(trend)
    render_html(trend)


def test_the_full_report_is_valid_and_renders(tmp_path) -> None:
    report = full_report()
    assert list(jsonschema.Draft202012Validator(report_schema()).iter_errors(report)) == []
    path = tmp_path / "gate.json"
    path.write_text(json.dumps(report))
    render_everything(path, tmp_path / "out")


def _kpi(report: dict, value: object) -> None:
    report["sections"]["kpis"]["scorecard"]["test_pass_rate"]["value"] = value


def _edge(report: dict, edge: object) -> None:
    report["sections"]["lineage"]["edges"][0] = edge


def _details(code: str, key: str, value: object):
    def edit(report: dict) -> None:
        report["findings"][find(report, code)]["details"][key] = value

    return edit


def _reader(report: dict) -> None:
    index = find(report, "breaking.column_removed")
    report["findings"][index]["details"]["impact"]["models"][0]["selects_column"] = ["yes"]


# Each of these crashed `dbtgate report` or `dbtgate trend` with a traceback (found by fuzzing).
@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda r: _kpi(r, float("nan")), "$.sections.kpis.scorecard.test_pass_rate.value"),
        (lambda r: _kpi(r, float("inf")), "$.sections.kpis.scorecard.test_pass_rate.value"),
        (lambda r: _kpi(r, 10**400), "$.sections.kpis.scorecard.test_pass_rate.value"),
        (lambda r: _kpi(r, {"a": 1}), "$.sections.kpis.scorecard.test_pass_rate.value"),
        (
            lambda r: r["sections"]["kpis"]["scorecard"].update(test_pass_rate=7),
            "$.sections.kpis.scorecard.test_pass_rate: expected object",
        ),
        (
            lambda r: r["sections"]["kpis"]["by_tier"]["1"]["test_coverage"].update(numerator=-3),
            "$.sections.kpis.by_tier.1.test_coverage.numerator: expected at least 0",
        ),
        (
            lambda r: r["sections"]["diff"]["changes"][0].update(code=["x"]),
            "$.sections.diff.changes[0].code",
        ),
        (lambda r: r["sections"]["diff"].update(counts=1.5), "$.sections.diff.counts"),
        (lambda r: _edge(r, ["model.shop.orders"]), "$.sections.lineage.edges[0]"),
        (lambda r: _edge(r, []), "$.sections.lineage.edges[0]"),
        (_details("waiver.expiring", "rule", {"a": 1}), "].details.rule: expected string"),
        (_details("waiver.expiring", "days_left", "soon"), "].details.days_left"),
        (_details("waiver.expired", "expires", None), "].details.expires"),
        (_reader, "].details.impact.models[0].selects_column"),
    ],
)
def test_odd_values_are_one_line_naming_the_file_and_json_path(tmp_path, edit, where) -> None:
    report = full_report()
    edit(report)
    path = tmp_path / "gate.json"
    path.write_text(json.dumps(report))
    with pytest.raises(DbtgateError) as raised:
        render_everything(path, tmp_path / "out")
    message = str(raised.value)
    assert message.startswith(f"{path}: not a dbtgate gate report: $."), message
    assert where in message
    assert "\n" not in message


def test_nan_is_named_as_not_a_json_number(tmp_path) -> None:
    report = full_report()
    report["findings"][0]["details"]["anything"] = [1, float("-inf")]  # json.dumps writes it
    path = tmp_path / "gate.json"
    path.write_text(json.dumps(report))
    with pytest.raises(DbtgateError) as raised:
        load_report(path)
    assert str(raised.value) == (
        f"{path}: not a dbtgate gate report: $.findings[0].details.anything[1]: NaN and "
        "Infinity are not JSON numbers (dbtgate writes null where a value is missing)"
    )


def test_the_cli_says_it_in_one_line_with_exit_2(tmp_path) -> None:
    from dbtgate.cli import main

    report = full_report()
    _kpi(report, float("nan"))
    path = tmp_path / "gate.json"
    path.write_text(json.dumps(report))
    for argv in (["report", str(path), "--out", str(tmp_path / "out")], ["trend", str(path)]):
        stderr = io.StringIO()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("sys.argv", ["dbtgate", *argv])
            patch.setattr("sys.stderr", stderr)
            with pytest.raises(SystemExit) as exited:
                main()
        assert exited.value.code == 2
        [line] = stderr.getvalue().splitlines()
        assert line.startswith(f"dbtgate: error: {path}: not a dbtgate gate report: $.sections")


def _paths(node: object, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


FULL = full_report()
# The places whose shapes renderers interpret (the rest of the schema is flat and strict).
PATHS = [
    path
    for path in _paths(FULL)
    if path[0] == "sections" or (path[0] == "findings" and "details" in path)
]
ODD = st.one_of(
    st.floats(),  # NaN and the infinities among them
    st.integers(min_value=-(10**400), max_value=10**400),
    st.sampled_from([None, True, False, "", "x", "2026-03-01T10:00:00Z", -1, 0]),
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5)),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
        max_leaves=4,
    ),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    edits=st.lists(st.tuples(st.sampled_from(PATHS), ODD | st.just(...)), min_size=1, max_size=3)
)
# Found by the search: a report whose scorecard holds no KPI stopped the trend's console table
# with a TypeError (the width of a column of no rows).
@example(edits=[(("sections", "kpis", "scorecard"), {})])
def test_any_edit_renders_or_is_refused_in_one_line(tmp_path, edits) -> None:
    """An edit replaces a value (or, as `...`, deletes the key or item) anywhere in the report."""
    report = copy.deepcopy(FULL)
    for where, value in edits:
        node: object = report
        try:
            for key in where[:-1]:
                node = node[key]  # type: ignore[index]
            if value is ...:
                del node[where[-1]]  # type: ignore[index, attr-defined]
            else:
                node[where[-1]] = value  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed or replaced the place
    path = tmp_path / "gate.json"
    path.write_text(json.dumps(report))
    try:
        render_everything(path, tmp_path / "out")
    except DbtgateError as exc:
        assert str(exc).startswith(f"{path}: ")
        assert "\n" not in str(exc)
    # Where JSON Schema has a say, the real implementation agrees with the built-in one,
    # `if`/`then` included. It differs on purpose on NaN, Infinity and integers too large for
    # a float (allowed as numbers there) and on 3.0 (an integer there: a line number would
    # render as "3.0"), which edits leave out here.
    # The check of all values a keyword at a time lets through only what the walk does (a NaN
    # it leaves to the walk), and all of that when the values are plain.
    ours = first_error(report, SCHEMA) is None
    assert ours or not all_valid([report], SCHEMA, SCHEMA)
    if all(_plain(value) for _, value in edits):
        assert ours == VALIDATOR.is_valid(report), first_error(report, SCHEMA)
        assert all_valid([report], SCHEMA, SCHEMA) == ours


SCHEMA = report_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _plain(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value) and not value.is_integer()
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) < 2**63
    if isinstance(value, list):
        return all(_plain(item) for item in value)
    if isinstance(value, dict):
        return all(_plain(item) for item in value.values())
    return True
