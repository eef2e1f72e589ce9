"""Workflow-command annotations: escaping that stops injected commands; GitHub's caps."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from dbtgate.report.annotations import format_annotation, render_annotations


@dataclass
class Item:
    severity: str
    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    code: str | None = None


@dataclass
class TitledItem:
    severity: str
    message: str
    path: str | None
    line: int | None
    column: int | None
    title: str | None


# What the runner does with a line: a command only when the line starts with `::`; the properties
# are split on `,` and the first `=`, then unescaped (as actions/runner's ActionCommand.TryParse).
_COMMAND = re.compile(r"^::(?P<name>[a-z]+)(?: (?P<props>.*?))?::(?P<data>.*)$")


def runner_parse(output: str) -> list[tuple[str, dict[str, str], str]]:
    commands = []
    for line in output.splitlines():
        match = _COMMAND.match(line)
        if not match:
            continue
        props = {}
        for pair in filter(None, (match["props"] or "").split(",")):
            key, _, value = pair.partition("=")
            props[key] = unescape_property(value)
        commands.append((match["name"], props, unescape_data(match["data"])))
    return commands


def unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text: str) -> str:
    return unescape_data(text.replace("%3A", ":").replace("%2C", ","))


def test_annotation_carries_file_line_column_and_title() -> None:
    line = format_annotation(
        "error", "missing test", file="models/x.yml", line=3, end_line=5, col=7, title="T"
    )
    assert line == "::error file=models/x.yml,line=3,endLine=5,col=7,title=T::missing test"


def test_annotation_without_properties() -> None:
    assert format_annotation("notice", "hello") == "::notice::hello"


def test_message_escaping_follows_the_runner() -> None:
    line = format_annotation("warning", "100% done\r\nnext")
    assert line == "::warning::100%25 done%0D%0Anext"


def test_property_escaping_covers_colon_and_comma() -> None:
    line = format_annotation("error", "m", file="a,b:c%d.yml", title="x\ny")
    assert line == "::error file=a%2Cb%3Ac%25d.yml,title=x%0Ay::m"


def test_injected_newline_command_in_a_message_stays_one_annotation() -> None:
    output = format_annotation("notice", "harmless\n::error::fake failure\n::add-mask::x")

    assert "\n" not in output
    assert runner_parse(output) == [
        ("notice", {}, "harmless\n::error::fake failure\n::add-mask::x"),
    ]


def test_injection_through_properties_cannot_add_or_change_properties() -> None:
    path = "models/a.yml,line=999,title=pwned::\n::error::x"
    output = format_annotation("error", "real", file=path, line=4, title="t,itle=x")

    assert runner_parse(output) == [
        ("error", {"file": path, "line": "4", "title": "t,itle=x"}, "real"),
    ]


def test_escaping_round_trips_every_special_character() -> None:
    nasty = "%0A already-escaped %25 , : :: \r\n end"
    [(name, props, data)] = runner_parse(format_annotation("warning", nasty, title=nasty))
    assert (name, props, data) == ("warning", {"title": nasty}, nasty)


def test_control_codes_are_dropped_from_messages_and_properties() -> None:
    """The runner unescapes only `%`, CR and LF: an escape sequence in a model's name would
    reach the job's log, which renders ANSI codes (erase the line, paint a fake PASS)."""
    evil = "a\x1b[2K\x1b[32mPASS\x07\x00\x9bb\u2028c"
    line = format_annotation("error", evil, file=f"models/{evil}.sql", title=evil)
    assert line == (
        "::error file=models/a[2K[32mPASSb c.sql,title=a[2K[32mPASSb c::a[2K[32mPASSb c"
    )
    assert line.isprintable()


def test_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="annotation level"):
        format_annotation("fatal", "x")


def test_findings_map_severity_and_use_the_code_as_title() -> None:
    lines = render_annotations(
        [
            Item("info", "fyi", "models/a.sql", 1, 2, "lint.LT01"),
            Item("warn", "owner missing", "models/a.yml", 4, None, "governance.owner"),
            Item("error", "column removed", "models/a.yml", 9, 5, "contract.removed_column"),
        ]
    )
    assert lines == [
        "::error file=models/a.yml,line=9,col=5,title=contract.removed_column::column removed",
        "::warning file=models/a.yml,line=4,title=governance.owner::owner missing",
        "::notice file=models/a.sql,line=1,col=2,title=lint.LT01::fyi",
    ]


def test_title_attribute_wins_and_line_without_file_is_dropped() -> None:
    lines = render_annotations([TitledItem("warning", "m", None, 3, 4, "Stale source")])
    assert lines == ["::warning title=Stale source::m"]


def test_most_severe_first_then_by_file_and_line() -> None:
    items = [
        Item("info", "n", "b.yml", 1),
        Item("warn", "w2", "b.yml", 2),
        Item("error", "e2", "b.yml", 10),
        Item("error", "e1", "b.yml", 9),
        Item("warn", "w1", "a.yml", 50),
        Item("error", "e0", "a.yml", 100),
    ]
    messages = [runner_parse(line)[0][2] for line in render_annotations(items)]
    assert messages == ["e0", "e1", "e2", "w1", "w2", "n"]


def test_order_does_not_depend_on_input_order() -> None:
    items = [Item(sev, f"{sev} {i}", f"m{i % 3}.yml", i) for i in range(12) for sev in ("warn",)]
    assert render_annotations(items) == render_annotations(list(reversed(items)))


def test_each_level_is_capped_at_ten_and_a_note_counts_the_rest() -> None:
    items = [Item("error", f"e{i:02}", "a.yml", i + 1) for i in range(15)]
    items += [Item("warn", f"w{i:02}", "a.yml", i + 1) for i in range(12)]
    items += [Item("info", f"n{i:02}", "a.yml", i + 1) for i in range(3)]

    lines = render_annotations(items, full_report="gate-report.json")
    parsed = runner_parse("\n".join(lines))

    levels = [name for name, _, _ in parsed]
    assert levels.count("error") == 10
    assert levels.count("warning") == 10
    # 3 notices shown plus the closing note
    assert levels.count("notice") == 4
    assert [data for _, _, data in parsed[:10]] == [f"e{i:02}" for i in range(10)]
    name, props, note = parsed[-1]
    assert (name, props["title"]) == ("notice", "dbtgate")
    assert note.startswith("7 more findings not annotated")
    assert "gate-report.json" in note


def test_closing_note_takes_a_notice_slot_so_it_is_not_dropped() -> None:
    items = [Item("info", f"n{i:02}", "a.yml", i + 1) for i in range(12)]

    parsed = runner_parse("\n".join(render_annotations(items)))

    assert len(parsed) == 10
    assert parsed[-1][2].startswith("3 more findings not annotated")


def test_job_limit_caps_the_total_including_the_note() -> None:
    items = [Item(sev, f"{sev}{i}", "a.yml", i + 1) for sev in ("error", "warn") for i in range(8)]

    lines = render_annotations(items, limit=5)

    assert len(lines) == 5
    assert all(line.startswith("::error ") for line in lines[:4])
    assert lines[-1].startswith("::notice title=dbtgate::12 more findings")


def test_nothing_omitted_means_no_note() -> None:
    items = [Item("error", f"e{i}", "a.yml", i + 1) for i in range(10)]
    lines = render_annotations(items)
    assert len(lines) == 10
    assert not any("not annotated" in line for line in lines)


def test_single_omitted_finding_is_singular() -> None:
    items = [Item("error", f"e{i:02}", "a.yml", i + 1) for i in range(11)]
    assert "::1 more finding not annotated" in render_annotations(items)[-1]


def test_the_count_left_out_is_grouped_in_thousands() -> None:
    """10,000 models' job log ended "39003 more findings not annotated" beside reports that
    count them "39,023"."""
    items = [Item("error", f"e{i}", "a.yml", i + 1) for i in range(1_510)]
    assert "::1,500 more findings not annotated" in render_annotations(items)[-1]


def test_no_findings_no_output() -> None:
    assert render_annotations([]) == []


def test_unknown_severity_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown severity 'fatal'"):
        render_annotations([Item("fatal", "x")])


def test_of_one_level_what_blocks_comes_first_and_breaking_changes_before_lint() -> None:
    """GitHub shows ten errors a step: the demo's were all lint hits (models/intermediate sorts
    before models/marts) and the breaking changes were the ones left out."""
    lint = [
        BlockingItem("error", f"lint hit {n}", "lint", "blocking", "models/a.sql", n)
        for n in range(1, 12)
    ]
    breaking = BlockingItem("error", "column removed", "breaking", "blocking", "models/z.yml", 4)
    advisory = BlockingItem("error", "not blocking", "docs", "out_of_scope", "models/0.yml", 1)
    lines = render_annotations([*lint, advisory, breaking], per_level=3, limit=50)
    assert "column removed" in lines[0]
    assert "lint hit 1" in lines[1] and "lint hit 2" in lines[2]
    assert not [line for line in lines if "not blocking" in line]


@dataclass
class BlockingItem:
    severity: str
    message: str
    family: str
    disposition: str
    path: str
    line: int


def test_a_findings_annotation_says_its_rule_line_column_and_fix_command() -> None:
    from dbtgate.report.publish import annotation_lines

    finding = {
        "code": "lint.LT01",
        "severity": "error",
        "disposition": "blocking",
        "message": "Unnecessary trailing whitespace. (layout.spacing)",
        "path": "models/a.sql",
        "line": 4,
        "column": 12,
        "fix": "dbtgate lint --fix LT01 models/a.sql --base-ref origin/main",
    }
    [(name, props, data)] = runner_parse("\n".join(annotation_lines({"findings": [finding]})))
    assert (name, props) == (
        "error",
        {"file": "models/a.sql", "line": "4", "col": "12", "title": "lint.LT01"},
    )
    assert data == (
        "Unnecessary trailing whitespace. (layout.spacing)\n"
        "fix: dbtgate lint --fix LT01 models/a.sql --base-ref origin/main"
    )


def test_an_annotation_already_written_takes_one_of_its_levels_ten() -> None:
    """The step said at warning level that the PR comment was not posted: GitHub shows ten
    warnings a step, so the findings get nine, and the note says how many more."""
    items = [Item("warn", f"w{i:02}", "a.yml", i + 1) for i in range(12)]
    lines = render_annotations(items, taken={"warning": 1})
    assert [line.split("::")[1][:7] for line in lines] == ["warning"] * 9 + ["notice "]
    assert "::3 more findings not annotated" in lines[-1]
    assert len(render_annotations(items[:9], taken={"warning": 1})) == 9
