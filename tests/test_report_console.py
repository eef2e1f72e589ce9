"""The terminal report: grouped by disposition and owner, plain when piped, colourless under
NO_COLOR, the verdict last (also with --quiet), progress only on a terminal."""

from __future__ import annotations

import io
import re

from report_samples import sample_result
from rich.console import Console

from dbtgate.report.console import print_result, stage

COLOUR = re.compile(r"\x1b\[[0-9;]*?(?:3[0-9]|9[0-7]|38;[0-9;]+)m")


def rendered(*, terminal: bool, quiet: bool = False) -> str:
    out = io.StringIO()
    console = Console(file=out, force_terminal=terminal, width=200, highlight=False)
    print_result(console, sample_result(), quiet=quiet)
    return out.getvalue()


def test_piped_output_is_plain_text_grouped_by_disposition_then_owner() -> None:
    text = rendered(terminal=False)
    assert "\x1b[" not in text
    lines = text.splitlines()
    blocking = lines.index("Blocking (3)")
    assert lines[blocking + 1] == "-" * len("Blocking (3)")
    owners = [line for line in lines[blocking + 2 : lines.index("", blocking)] if line[:1] != " "]
    assert owners == ["@finance-eng", "Finance Analytics", "Marketing Analytics"]
    assert "        fix: Add unique and not_null tests on order_id." in lines
    assert (
        "        waived by @data-platform until 2026-03-20: legacy model, rewritten in Q3" in lines
    )
    headings = [line for line in lines if re.fullmatch(r"[A-Z].* \(\d+\)", line)]
    assert [h.split(" (")[0] for h in headings] == [
        "Blocking",
        "Advisory",
        "Outside what this change touched",
        "Waived",
        "In the baseline",
    ]
    assert lines[-1] == "dbtgate: FAIL — 3 blocking finding(s), 6 non-blocking"


def test_quiet_prints_only_notes_and_the_verdict() -> None:
    lines = rendered(terminal=False, quiet=True).splitlines()
    assert lines == [
        "note: sources.json absent: freshness not gated",
        "dbtgate: FAIL — 3 blocking finding(s), 6 non-blocking",
    ]


def test_colours_on_a_terminal_and_none_under_no_color(monkeypatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert COLOUR.search(rendered(terminal=True))
    monkeypatch.setenv("NO_COLOR", "1")
    text = rendered(terminal=True)
    assert not COLOUR.search(text)
    assert "dbtgate: FAIL" in text


def test_progress_is_drawn_on_a_terminal_only() -> None:
    for terminal, drawn in ((False, False), (True, True)):
        out = io.StringIO()
        console = Console(file=out, force_terminal=terminal, width=120)
        with stage(console, "running checks", total=3) as advance:
            advance(3)
        assert ("running checks" in out.getvalue()) is drawn
    quiet = io.StringIO()
    with stage(Console(file=quiet, force_terminal=True), "running checks", quiet=True):
        pass
    assert quiet.getvalue() == ""
