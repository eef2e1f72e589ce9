"""Under `scope: all` against a base build, which findings are the pull request's.

Every finding blocks or informs by its severity there, whatever the change touched, and the
statuses cannot tell a reviewer which ones the pull request brought: the PR comment's count line
and gate.html's header say how many are on what the change touched, and gate.html offers a
filter by the change (its behaviour in a browser: test_report_html_browser).
"""

from __future__ import annotations

import re

from report_samples import sample_report, scope_all_report

from dbtgate.report.html import render_html
from dbtgate.report.markdown import render_markdown


def on_the_change(report: dict) -> tuple[int, int]:
    touched = [f for f in report["findings"] if f["changed"]]
    return len(touched), sum(f["disposition"] == "blocking" for f in touched)


def test_the_comment_counts_the_findings_on_what_the_change_touched_under_scope_all() -> None:
    report = scope_all_report()
    touched, blocking = on_the_change(report)
    assert 0 < blocking < report["counts"]["by_disposition"]["blocking"]
    # Under the verdict and what it was against.
    _, against, counts_line = render_markdown(report).split("\n\n")[:3]
    assert against.startswith("**Against** ")
    said = f"<br>on what the change touched: {touched} findings, {blocking} of them blocking<br>"
    assert said in counts_line


def test_the_html_header_counts_them_and_the_findings_filter_by_the_change() -> None:
    report = scope_all_report()
    touched, blocking = on_the_change(report)
    page = render_html(report)
    header = page.split("</header>", 1)[0]
    assert (
        f'<p class="why"><b>on what the change touched:</b> {touched} of '
        f'<a href="#findings">the findings</a>, {blocking} of them blocking</p>'
    ) in header
    options = re.search(r'<select id="filter-changed" data-filter="changed">(.*?)</select>', page)
    assert options[1] == (
        '<option value="">any</option>'
        f'<option value="touched">on what it touched ({touched})</option>'
        f'<option value="untouched">elsewhere ({len(report["findings"]) - touched})</option>'
    )
    marks = re.findall(r'<tr class="finding"[^>]* data-changed="(\w+)"', page)
    assert marks.count("touched") == touched and len(marks) == len(report["findings"])


def test_under_scope_changed_the_statuses_say_it_and_the_header_does_not_repeat_it() -> None:
    """A report with findings outside the change is of `scope: changed`: what blocks is the
    change's already. The filter stays (a waived finding may be on either)."""
    report = sample_report()
    assert "out_of_scope" in {f["disposition"] for f in report["findings"]}
    page = render_html(report)
    assert "on what the change touched:" not in page
    assert "on what the change touched" not in render_markdown(report)
    assert 'id="filter-changed"' in page


def test_without_a_base_build_nothing_is_said_of_the_change() -> None:
    """Without a change set each finding's `changed` tells nothing: no count, no filter."""
    report = scope_all_report()
    del report["sections"]["changes"]
    page = render_html(report)
    assert "on what the change touched" not in page and "data-changed" not in page
    assert 'id="filter-changed"' not in page
    assert "on what the change touched" not in render_markdown(report)


def test_the_console_counts_them_before_what_is_not_checked_and_the_verdict() -> None:
    import io

    from report_samples import sample_result, scope_all_findings
    from rich.console import Console

    from dbtgate.report.console import print_result

    found = scope_all_findings()
    touched = [f for f in found if f.changed]
    blocking = sum(f.disposition == "blocking" for f in touched)
    out = io.StringIO()
    result = sample_result(found, not_checked=["source freshness (no sources.json)"])
    print_result(Console(file=out, force_terminal=False, width=200), result)
    *_, said, unchecked, verdict = out.getvalue().splitlines()
    assert said == (
        f"on what the change touched: {len(touched)} findings, {blocking} of them blocking"
    )
    assert unchecked.startswith("not checked:") and verdict.startswith("dbtgate: FAIL")
    # Under scope: changed the statuses say it: no count.
    out = io.StringIO()
    print_result(Console(file=out, force_terminal=False, width=200), sample_result())
    assert "on what the change touched" not in out.getvalue()


def cards(page: str) -> dict[str, str]:
    """gate.html's cards beside the verdict: label -> count."""
    header = page.split("</header>", 1)[0]
    return {
        label: count
        for count, label in re.findall(
            r'<div class="card"><b>([^<]*)</b><span>([^<]*)</span>', header
        )
    }


def test_under_scope_all_no_card_counts_findings_outside_the_change() -> None:
    """Nothing is outside the change under `scope: all`: its card read "outside the change 0"
    beside a header saying how many findings were off what the change touched, as if none
    were. The cards left add up to the findings."""
    report = scope_all_report()
    shown = cards(render_html(report))
    assert "outside the change" not in shown
    assert list(shown) == ["findings", "blocking", "advisory", "waived", "in the baseline"]
    assert int(shown["findings"]) == sum(
        int(n) for label, n in shown.items() if label != "findings"
    )


def test_under_scope_changed_the_card_counts_them_zero_included() -> None:
    """`scope: changed` (gate.json's `inputs.scope`): "outside the change 0" says nothing the
    change did not touch has a finding. A report written before the scope was recorded shows
    the card where it has such findings."""
    report = scope_all_report()  # no finding outside the change
    report["inputs"]["scope"] = "changed"
    assert cards(render_html(report))["outside the change"] == "0"
    older = sample_report()
    assert "scope" not in older["inputs"]
    outside = older["counts"]["by_disposition"]["out_of_scope"]
    assert outside > 0 and cards(render_html(older))["outside the change"] == str(outside)
