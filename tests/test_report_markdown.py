"""The markdown PR summary: order, links, size limit, and untrusted text that stays text.

Escaping is checked by rendering the markdown with a real CommonMark parser (markdown-it-py, with
raw HTML allowed as GitHub allows some) and inspecting the HTML it produces.
"""

from __future__ import annotations

import io
import json
import re
from html import escape
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt
from msgspec.structs import replace
from report_samples import (
    INPUTS,
    blocking_owned_by,
    closing_note_left_out,
    code_span_finding,
    expired_waiver,
    finding,
    many_findings,
    project_and_unowned,
    sample_findings,
    sample_report,
    waiver_suggestion,
)

from dbtgate.report.escape import md_text
from dbtgate.report.html import render_html
from dbtgate.report.markdown import render_markdown
from dbtgate.report.options import (
    GITHUB_COMMENT_LIMIT,
    STEP_SUMMARY_LIMIT,
    RenderOptions,
    render_options,
)

LINKS = RenderOptions(blob_url="https://github.com/acme/shop/blob/abc123")


def to_html(markdown: str) -> str:
    return (
        MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(markdown)
    )


def test_verdict_is_the_first_line_without_emoji() -> None:
    markdown = render_markdown(sample_report())
    first = markdown.splitlines()[0]
    assert first.startswith("### dbtgate")
    assert "FAIL" in first and "3 blocking findings" in first
    assert first.isascii() or all(ord(c) < 0x2600 for c in first)  # the dash, no emoji


def test_emoji_only_when_configured() -> None:
    assert render_markdown(sample_report(), RenderOptions(emoji=True)).startswith("### ❌ ")
    passing = sample_report([])
    assert render_markdown(passing, RenderOptions(emoji=True)).startswith("### ✅ ")
    assert "PASS" in render_markdown(passing).splitlines()[0]


def test_a_pass_headline_reads_as_a_fail_one_does() -> None:
    """It read `no blocking findings (2 non-blocking) (dbt project shop)`: two parentheses."""
    advisory = [f for f in sample_findings() if f.disposition == "advisory"][:2]
    assert render_markdown(sample_report(advisory)).splitlines()[0] == (
        "### dbtgate: PASS — no blocking findings, 2 non-blocking (dbt project shop)"
    )


def test_sections_come_in_priority_order() -> None:
    markdown = render_markdown(sample_report())
    order = [
        "findings:**",
        "Breaking changes (1)",
        "Blocking findings (3)",
        "Lineage of the changed",
        "KPIs vs targets",
        "Waivers used (1)",
        "Advisory",
        "Inputs (for the audit trail)",
    ]
    positions = [markdown.index(marker) for marker in order]
    assert positions == sorted(positions)


def test_breaking_change_shows_impact_and_owners() -> None:
    html = to_html(render_markdown(sample_report()))
    row = re.search(r"<tr>\s*<td>orders_summary v2: contracted column.*?</tr>", html, re.S)
    assert row, html
    cells = re.findall(r"<td>(.*?)</td>", row.group(0), re.S)
    # The diff's own words for the change, then who reads the model (one reader a line, those
    # that may use the removed column before those that do not), then whom to tell.
    assert cells[0].startswith("orders_summary v2: contracted column item_count removed<br>")
    assert "<code>breaking.column_removed</code>" in cells[0]
    assert cells[1].split("<br>") == [
        "revenue_dashboard (exposure, direct reader; may use item_count)",
        "finance_revenue (direct reader; does not select item_count)",
    ]
    assert cells[2:] == ["Finance Analytics", "blocking"]


def test_a_breaking_changes_row_names_the_owner_of_the_changed_model() -> None:
    """Whom a PR's reader talks to: the model's owner, under the change (as the HTML page says
    it under the resource), apart from the readers' owners, the teams it breaks. The table keeps
    its four columns, narrow enough for a GitHub comment."""
    report = sample_report()
    change = next(f for f in report["findings"] if f["code"] == "breaking.column_removed")
    change["owner"] = "@data-platform"
    markdown = render_markdown(report)
    assert "| change | who reads it | readers' owners | status |\n" in markdown
    cells = to_html(markdown).split("<td>orders_summary v2: contracted column", 1)[1]
    cells = re.findall(r"(.*?)</td>", cells, re.S)
    assert cells[0].split("<br>")[-1] == "owned by @​data-platform"
    # The readers' owners are the readers' alone: the model's owner is not a reader's team.
    assert cells[2].strip() == "<td>Finance Analytics"
    unowned = sample_report()
    next(f for f in unowned["findings"] if f["code"] == "breaking.column_removed")["owner"] = None
    assert "<br>no owner |" in render_markdown(unowned)


def test_breaking_change_without_a_diff_entry_falls_back_to_the_message() -> None:
    report = sample_report()
    report["sections"].pop("diff")
    html = to_html(render_markdown(report))
    assert "<td>orders_summary.v2: contracted column item_count removed<br>" in html


def test_blocking_findings_are_grouped_by_owner_with_fix_and_link_to_the_pr_head() -> None:
    markdown = render_markdown(sample_report(), LINKS)
    blocking = markdown[markdown.index("Blocking findings") : markdown.index("Lineage")]
    owners = re.findall(r"^\*\*(.+?)\*\* \(\d+\)$", blocking, re.M)
    assert owners == ["@&#8203;finance-eng", "Finance Analytics", "Marketing Analytics"]
    html = to_html(markdown)
    assert '<a href="https://github.com/acme/shop/blob/abc123/models/marts/_marts.yml#L50">' in html
    assert "fix: Add unique and not_null tests on order_id." in html


@pytest.mark.parametrize("options", [LINKS, replace(LINKS, job_summary=True)])
def test_a_kpi_is_the_whole_projects_listed_first_and_not_under_no_owner(options) -> None:
    """In the PR comment and the job summary alike: a gated KPI has no resource, so no owner,
    and under "(no owner)" it read as one more model nobody owns; so has a rule's finding on a
    policy's whole selection, listed with it."""
    markdown = render_markdown(sample_report([*sample_findings(), *project_and_unowned()]), options)
    blocking = markdown[markdown.index("Blocking findings") : markdown.index("Lineage")]
    owners = re.findall(r"^\*\*(.+?)\*\* \(\d+\)$", blocking, re.M)
    assert owners == [
        "Whole project or selection",
        "@&#8203;finance-eng",
        "Finance Analytics",
        "Marketing Analytics",
        "(no owner)",
    ]
    whole = blocking.split("**Whole project or selection** (2)\n\n")[1].split("\n\n")[0]
    assert whole.startswith("- `kpi.test_pass_rate`: test pass rate is 97.5%")
    # on the policy's selection, at the policy's line
    assert "- `tests.coverage` on `tier:1`: 40% of the 5 models selected by tier:1" in whole
    assert "`dbtgate.yml:12`" in whole
    unowned = blocking.split("**(no owner)** (1)\n\n")[1]
    assert unowned.startswith("- `owner.present` on `dim_orphans`") and "kpi." not in unowned
    advisory = markdown.split("<summary>Advisory (does not fail the gate): ")[1]
    assert advisory.split("</details>")[0].startswith(
        "3</summary>\n\n**Whole project or selection** (1)"
    )


def test_links_need_a_blob_url() -> None:
    assert "github.com" not in render_markdown(sample_report())


def test_paths_outside_the_repository_are_not_linked() -> None:
    outside = [
        finding(code="owner.present", severity="error", message="m", path=path, line=3)
        for path in ("../other/models/a.yml", "/abs/models/b.yml", "C:/x/c.yml")
    ]
    inside = finding(
        code="owner.present", severity="error", message="m", path="./models/d.yml", line=4
    )
    html = to_html(render_markdown(sample_report([*outside, inside]), LINKS))
    assert html.count("<a href=") == 1
    assert '<a href="https://github.com/acme/shop/blob/abc123/models/d.yml#L4">' in html
    assert "<code>../other/models/a.yml:3</code>" in html  # still named, as code


def counts_line(markdown: str) -> str:
    """The line that counts the findings, under the verdict and what it was against."""
    headline, against, counts = markdown.split("\n\n", 3)[:3]
    assert headline.startswith("### ") and against.startswith("**Against** "), markdown
    return counts


def test_counts_line_leaves_out_zero_counts() -> None:
    line = counts_line(render_markdown(sample_report(many_findings(8))))
    assert line.startswith("**8 findings:** 6 blocking · 2 advisory (6 errors, 2 warnings)")
    assert "0 " not in line.split("<br>")[0]
    assert counts_line(render_markdown(sample_report([]))) == "**No findings.**"


def test_the_kpi_notes_table_shows_its_code_as_code_a_pipe_kept_in_its_cell() -> None:
    """The KPI notes name commands as code (`dbt build --select ...`): the PR comment's notes
    table printed their backticks escaped, as written (the HTML report shows code). A `|` in a
    span ends a GFM table cell unless escaped, so it is, and markup in a span stays literal."""
    report = sample_report()
    report["sections"]["kpis"]["notes"] = [
        "test pass rate: 3 tests had no result (as `dbt build --select a|b`) and are not counted",
        "owner `<img src=x>` is not `counted",
    ]
    markdown = render_markdown(report)
    table = markdown.split("**notes**", 1)[1].split("</details>", 1)[0]
    assert "\\`" not in table.split("is not")[0]  # no escaped backtick before the stray one
    page = to_html(table)
    cells = re.findall(r"<td>(.*?)</td>", page)
    assert cells == [
        "test pass rate: 3 tests had no result (as <code>dbt build --select a|b</code>) and are "
        "not counted",
        "owner <code>&lt;img src=x&gt;</code> is not `counted",
    ]


def test_what_changed_is_folded_and_reads_as_tables_not_raw_keys() -> None:
    markdown = render_markdown(sample_report())
    assert "changes / new" not in markdown and "diff / changes" not in markdown
    start = markdown.index("<details><summary>What changed: new: 1 model, 2 tests;")
    block = markdown[start : markdown.index("</details>", start)]
    html = to_html(block + "</details>")
    assert (
        "<td>breaking</td>\n<td>orders_summary v2: contracted column item_count removed</td>"
        in html
    )
    assert "<td>2 tests</td>\n<td>test</td>\n<td>new</td>" in html  # one row, not one per test
    # Named as the schema changes above name it, not as its unique_id ends.
    assert "<td>orders_summary v2</td>\n<td>model</td>\n<td>modified</td>" in html


def test_a_unit_test_in_what_changed_is_named_with_its_model() -> None:
    """A unit test's id ends in its name, not a hash: `test_units_sold on dim_products`, as
    its findings name it (the name is unique only among its model's), not `dim_products`."""
    report = sample_report()
    report["sections"]["changes"] = {
        "new": [],
        "modified": {
            "model.shop.dim_products": ["unit tests"],
            "unit_test.shop.dim_products.test_units_sold": ["unit test definition"],
        },
        "deleted": [],
    }
    html = to_html(render_markdown(report))
    assert "What changed: modified: 1 model, 1 unit test;" in html
    assert (
        "<td>1 test</td>\n<td>test</td>\n<td>modified</td>\n<td>test_units_sold on dim_products</td>"
        in html
    )


def test_what_changed_counts_each_kind_in_english_in_the_comment_and_the_page() -> None:
    """A release adding analyses and saved queries read `new: 2 analysiss, 3 saved querys` in
    the summary of what changed (an `s` added to each kind); thousands are grouped as every
    other count."""
    report = sample_report()
    tests = [f"test.shop.not_null_t{i}.abc{i}" for i in range(1200)]
    report["sections"]["changes"] = {
        "new": [
            "analysis.shop.orders_audit",
            "analysis.shop.customer_audit",
            "saved_query.shop.weekly",
            "saved_query.shop.daily",
            "saved_query.shop.monthly",
            "semantic_model.shop.orders",
            *tests,
        ],
        "modified": {},
        "deleted": [],
    }
    said = (
        "new: 2 analyses, 3 saved queries, 1 semantic model, 1,200 tests; "
        "schema diff: 1 breaking, 0 risky, 1 safe"
    )
    assert f"What changed: {said}" in to_html(render_markdown(report))
    page = render_html(report)
    assert escape(said) in page
    assert ">1,200 tests<" in page.replace("<wbr>", "")  # the tests' row of the table
    # The table names each kind as the summary does, not as dbt spells it (`saved_query`).
    assert "<td>weekly</td>\n<td>saved query</td>\n<td>new</td>" in to_html(render_markdown(report))
    assert "saved_query" not in page.replace("saved_query.shop", "")
    """Markdown is not parsed inside a `<details>` HTML block: a title read `What changed\\:` with
    its backslashes. Titles are HTML-escaped instead, so a model name still cannot open a tag."""
    report = sample_report([finding(code="owner.present", severity="warn", message="m", owner="x")])
    report["sections"]["kpis"]["scorecard"]["x"] = {
        "value": 0.5,
        "numerator": 1,
        "denominator": 2,
        "label": "<img src=x onerror=alert(1)> (@data-team)",
        "target": None,
        "status": "no target",
        "gated": False,
    }
    html = to_html(render_markdown(report))
    summaries = re.findall(r"<summary>(.*?)</summary>", html)
    assert summaries and not [s for s in summaries if "\\" in s]
    assert any(s.startswith("What changed: new: 1 model") for s in summaries)
    assert "<img" not in html and "@data-team" not in html


def test_kpis_with_a_target_lead_and_the_rest_are_folded_with_readable_names() -> None:
    report = sample_report()
    scorecard = report["sections"]["kpis"]["scorecard"]
    scorecard["owner_coverage"] = {
        "value": 0.9,
        "numerator": 9,
        "denominator": 10,
        "label": "owner coverage",
        "target": None,
        "status": "no target",
        "gated": False,
    }
    # Sources no tier setting reaches are counted under `unset`, which reads "no tier".
    report["sections"]["kpis"]["by_tier"]["unset"] = {
        "freshness": {"value": 0.5, "numerator": 1, "denominator": 2}
    }
    markdown = render_markdown(report)
    start = markdown.index("#### KPIs vs targets")
    main = markdown[start : markdown.index("<details>", start)]
    assert "tier-1 test coverage" in main and "test pass rate" in main
    assert "owner coverage" not in main
    # Whether a miss blocks is said beside it, not in a column of its own mostly empty.
    assert "| KPI | value | count | target | status |\n" in main
    assert "| tier-1 test coverage | 75.0% | 3/4 | 80.0% | below (not gated) |" in main
    assert "| test pass rate | 97.5% | 39/40 | 98.0% | below (gated) |" in main
    folded = markdown[markdown.index("<details><summary>More KPIs") :]
    folded = folded[: folded.index("</details>")]
    assert "| owner coverage | 90.0% | 9/10 |" in folded
    assert "|  | test coverage |" in folded  # the by-tier table, headed by labels
    assert "| tier 1 | 75.0% (3/4) |" in folded
    assert "| no tier |" in folded and "unset" not in folded


def test_an_older_reports_kpi_groups_are_listed_in_todays_order() -> None:
    """A gate.json written before the scorecard sorted its groups listed "(no owner)" first and
    tier 10 before tier 2: `dbtgate report` lists them as a new one does."""
    report = sample_report()
    measure = {"test_coverage": {"value": 1.0, "numerator": 1, "denominator": 1}}
    kpis = report["sections"]["kpis"]
    kpis["by_owner"] = {"(no owner)": measure, "team-10": measure, "team-2": measure}
    kpis["by_tier"] = {"1": measure, "10": measure, "2": measure, "unset": measure}
    markdown = render_markdown(report)
    folded = markdown[markdown.index("<details><summary>More KPIs") :]
    rows = re.findall(r"^\| ([^|]+?) \| 100\.0% \(1/1\)", folded, re.M)
    assert rows == ["tier 1", "tier 2", "tier 10", "no tier", "team-2", "team-10", "(no owner)"]


def test_mermaid_lineage_draws_changed_models_and_consumers() -> None:
    markdown = render_markdown(sample_report())
    block = markdown.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert block.startswith("graph LR\n")
    assert re.search(r'n\d\["orders_summary.v2 #40;model#41;"\]:::breaking', block)
    assert re.search(r'n\d\["finance_revenue #40;model#41;"\]:::consumer', block)
    assert len(re.findall(r"^  n\d+ --> n\d+$", block, re.M)) == 2


def test_blocking_findings_cut_for_size_leave_the_lineage_out_and_it_says_where_it_is() -> None:
    """The lineage kept its room while blocking findings were cut: a comment drew the graph of
    what changed and left out findings the PR's owners had to fix."""
    # One team's: each owner gets an equal share of the items, in steps of an item each, and
    # the steps of several owners are more than the lineage's room (with the sample's four
    # owners, 1,600 characters); one owner's are one item's (400).
    many = many_findings(400)
    for made in many:
        made.owner = "@team-0"
    report = sample_report(many)
    markdown = render_markdown(report, RenderOptions(full_report_url="https://ci/run/1"))
    assert "more findings of" in markdown and "```mermaid" not in markdown
    section = markdown.split("#### Lineage of the changed resources\n\n", 1)[1].split("####")[0]
    html = to_html(section)
    assert html == (
        "<p>Left out to make room for the blocking findings: the HTML report of"
        ' <a href="https://ci/run/1">this run</a> (gate.html) draws it.</p>\n'
    )
    # Left out, the lineage takes no room but its note's: the findings have the room they have
    # in a report without a lineage (and so do the sections after them: `lineage_left_out`).
    del report["sections"]["lineage"]
    without = render_markdown(report, RenderOptions(full_report_url="https://ci/run/1"))
    assert blocking_items(markdown) == blocking_items(without) > 200


def headings(markdown: str) -> list[str]:
    """A comment's sections, by their headings and folds' titles, in order."""
    return re.findall(r"^(?:#### |<details><summary>)([^\n:(]+)", markdown, re.M)


def test_a_lineage_left_out_leaves_its_room_to_the_sections_after_it() -> None:
    """Cut blocking findings left the lineage out and took its room, which the sections after
    them had kept for it: 10,000 models' comment at 20,000 characters dropped its KPIs, advisory
    findings and what changed whole. Left out, the lineage's room is theirs as much as the
    findings': the comment has the sections and findings of a report without a lineage."""
    report = sample_report([*sample_findings(), *many_findings(3_000)])
    # A release's lineage of a hundred resources: about 8,000 characters drawn.
    nodes = report["sections"]["lineage"]["nodes"]
    nodes.extend(
        {**nodes[1], "id": f"model.shop.reader_{index}", "name": f"reader_{index:03d}"}
        for index in range(100)
    )
    without = {**report, "sections": {**report["sections"], "lineage": {}}}
    whole = 0
    for size in range(10_000, 40_000, 3_000):
        options = RenderOptions(max_markdown_chars=size)
        markdown, plain = render_markdown(report, options), render_markdown(without, options)
        assert "```mermaid" not in markdown and "more findings of" in markdown
        # The findings and sections of the report without a lineage, but for what its note's
        # room held (a finding, or the last sections).
        assert abs(blocking_items(markdown) - blocking_items(plain)) <= 1, size
        shown = [name for name in headings(markdown) if name != "Lineage of the changed resources"]
        assert shown == headings(plain)[: len(shown)], size
        assert len(shown) >= len(headings(plain)) - 2 and "#### KPIs vs targets" in markdown
        assert size - len(markdown) < 1_500, size
        whole += "no room for" not in markdown
    # All but at 10,000 (before: also at 13,000; before that, at 34,000 and 37,000).
    assert whole == 9


def blocking_items(markdown: str) -> int:
    """How many items the blocking findings' section lists (the fixes under the breaking
    changes' table and the advisory findings folded after it are items too)."""
    if "#### Blocking findings" not in markdown:
        return 0
    section = markdown.split("#### Blocking findings", 1)[1].split("\n#### ", 1)[0]
    return section.split("<details>", 1)[0].count("\n- `")


def test_the_lineage_is_drawn_when_every_blocking_finding_is_shown() -> None:
    report = sample_report([*sample_findings(), *many_findings(40)])
    markdown = render_markdown(report)
    assert "more findings of" not in markdown
    assert "```mermaid" in markdown and "Left out" not in markdown


def test_a_lineage_left_out_with_nothing_blocking_does_not_blame_the_blocking_findings() -> None:
    report = sample_report([f for f in sample_findings() if f.disposition != "blocking"])
    left_out = [
        markdown
        for size in range(1_000, 4_000, 100)
        if "#### Lineage"
        in (markdown := render_markdown(report, RenderOptions(max_markdown_chars=size)))
        and "```mermaid" not in markdown
    ]
    assert left_out
    for markdown in left_out:
        assert "Left out to keep the comment under GitHub's size limit: the HTML report" in markdown
        assert "blocking findings" not in markdown.split("#### Lineage")[1]


def test_a_lineage_left_out_blames_the_blocking_findings_only_when_they_took_its_room() -> None:
    """With room for none of the blocking findings, the lineage said it was left out 'to make
    room for the blocking findings' under the line saying they were left out too."""
    report = sample_report([*sample_findings(), *many_findings(40)])
    said = set()
    for size in range(1_000, 8_000, 50):
        markdown = render_markdown(report, RenderOptions(max_markdown_chars=size))
        if "#### Lineage" not in markdown:
            continue
        note = markdown.split("#### Lineage of the changed resources\n\n", 1)[1].split("\n", 1)[0]
        listed = blocking_items(markdown)
        cut = "more findings of" in markdown or "other owners not shown" in markdown
        if note == "```mermaid":
            assert not cut, size
        elif listed and cut:
            assert note.startswith("Left out to make room for the blocking findings:"), size
            said.add("findings")
        else:
            assert note.startswith("Left out to keep the comment under GitHub's size limit:"), size
            said.add("limit")
    assert said == {"findings", "limit"}


def test_waivers_used_show_owner_reason_and_expiry() -> None:
    html = to_html(render_markdown(sample_report()))
    row = re.search(r"<tr>\s*<td><code>docs.column_coverage</code>.*?</tr>", html, re.S)
    assert row
    for text in ("@\u200bdata-platform", "2026-03-20", "legacy model, rewritten in Q3"):
        assert text in row.group(0).replace("&#8203;", "\u200b")


def test_expired_waivers_are_in_the_waiver_table_with_the_findings_that_count_again() -> None:
    html = to_html(render_markdown(sample_report([*sample_findings(), expired_waiver()])))
    assert "<h4>Waivers used (1) and expired (1)</h4>" in html
    row = re.search(r"<tr>\s*<td><code>owner.present</code>.*?</tr>", html, re.S)
    assert row
    cells = re.findall(r"<td>(.*?)</td>", row.group(0), re.S)
    assert cells[2:] == [
        "@\u200bcrm",
        "<strong>2026-11-01</strong> (expired)",
        "owned by the CRM team &lt;soon&gt;",
        "3 (no longer waived)",
    ]


def test_5000_findings_fit_under_the_comment_limit_with_a_truncation_note() -> None:
    report = sample_report(many_findings(5000))
    markdown = render_markdown(report, RenderOptions(full_report_url="https://ci/run/1"))
    assert len(markdown) <= GITHUB_COMMENT_LIMIT - 512
    assert "**Truncated:**" in markdown
    assert "[the full report](https://ci/run/1)" in markdown
    assert "more findings of" in markdown
    # Counts grouped in thousands, as a reader takes them in at a glance.
    assert markdown.splitlines()[0].startswith(
        "### dbtgate: FAIL — 3,750 blocking findings, 1,250 non-blocking"
    )
    # Folded sections stay balanced even when cut.
    assert markdown.count("<details>") == markdown.count("</details>")


def test_small_report_is_not_truncated() -> None:
    assert "Truncated" not in render_markdown(sample_report())


INJECTIONS = {
    "resource_name": 'evil</details><img src=x onerror="alert(1)">[x](javascript:alert(1))',
    "message": "desc <script>window.pwned=1</script> @everyone ![t](https://evil/t.png)\n## Forged",
    "owner": "@org/all | <b>bold</b>",
    "fix": "`` ` `` [click](https://evil) *not emphasis*",
}


def injected_report() -> dict:
    evil = finding(
        code="docs.model_description",
        severity="error",
        unique_id="model.shop.evil",
        path="models/evil](javascript:alert(1))`<b>x</b>|.yml",
        line=3,
        disposition="blocking",
        changed=True,
        **INJECTIONS,
    )
    report = sample_report([evil])
    report["sections"]["lineage"]["nodes"][0]["name"] = 'x"]\n  click n0 call alert(1)\n```\n<b>'
    return report


def test_untrusted_text_stays_text_in_markdown() -> None:
    markdown = render_markdown(injected_report(), LINKS)
    html = to_html(markdown)
    for tag in ("<img", "<script", "<b>", "<h2", "<em>"):
        assert tag not in html
    assert 'href="javascript' not in html
    assert 'href="https://evil' not in html
    assert "window.pwned=1" in html  # shown as text
    assert "@everyone" not in html.replace("&#8203;", "")  # no mention ping
    assert html.count("<details>") == html.count("</details>")


# What GitHub turns into a notification, a cross-reference, an emoji, a link or math in the
# rendered text of a comment, outside code and links (its filters run after markdown).
GITHUB_TEXT_FEATURES = {
    "mention": re.compile(r"(?<![\w`])@[a-z0-9][a-z0-9-]*(?:/[a-z0-9][a-z0-9-]*)?", re.I),
    "issue reference": re.compile(r"(?:[\w.-]+/[\w.-]+)?#\d+|\bGH-\d+", re.I),
    # Names of digits only are no emoji but `:100:` and `:1234:` (`x.yml:3:` stays text).
    "emoji": re.compile(r":(?!\d+:)[\w+-]+:|:(?:100|1234):"),
    "autolink": re.compile(r"\b(?:https?|ftp)://|\bwww\.", re.I),
    "math": re.compile(r"\$"),
}
HOSTILE = (
    "@octocat @acme/data-eng fixes #1 GH-2 acme/other#3 :rocket: :+1: :100: $x^2$ $$y$$ "
    "https://evil.example/p www.evil.example mail@evil.example"
)


class _GitHubText(HTMLParser):
    """The text nodes GitHub's post-render filters read: outside code, pre and links; each
    `<span>$</span>` (GitHub's documented literal dollar) counts as a plain character."""

    def __init__(self) -> None:
        super().__init__()
        self.skipping = 0
        self.in_span = False
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.skipping += tag in ("code", "pre", "a")
        self.in_span = tag == "span"

    def handle_endtag(self, tag: str) -> None:
        self.skipping -= tag in ("code", "pre", "a")
        self.in_span = False

    def handle_data(self, data: str) -> None:
        if not self.skipping and not (self.in_span and data == "$"):
            self.texts.append(data)


def github_features(html: str) -> dict[str, list[str]]:
    parser = _GitHubText()
    parser.feed(html)
    text = "\n".join(parser.texts)
    found = {name: pattern.findall(text) for name, pattern in GITHUB_TEXT_FEATURES.items()}
    return {name: matches for name, matches in found.items() if matches}


def hostile_report() -> dict:
    report = sample_report()
    for item in report["findings"]:
        item["message"] = f"{item['message']} {HOSTILE}"
        item["owner"] = HOSTILE
        item["fix"] = f"set `meta.owner` {HOSTILE}"
        if item.get("waiver"):
            item["waiver"]["reason"] = HOSTILE
    report["inputs"]["comment_key"] = HOSTILE
    report["sections"]["kpis"]["scorecard"]["x"] = {
        "value": 0.5,
        "numerator": 1,
        "denominator": 2,
        "label": HOSTILE,
        "target": None,
        "status": "no target",
        "gated": False,
    }
    return report


def test_github_features_in_untrusted_text_stay_text() -> None:
    """GitHub notifies, cross-references, links and typesets text that markdown escaping leaves
    alone (its filters run on the rendered text): none of it happens to a PR's names."""
    assert set(github_features(to_html(HOSTILE))) == set(GITHUB_TEXT_FEATURES)  # the probe works
    for options in (LINKS, RenderOptions(max_markdown_chars=STEP_SUMMARY_LIMIT)):
        html = to_html(render_markdown(hostile_report(), options))
        assert github_features(html) == {}
        # Read as written: the joiners are invisible, the dollars shown.
        shown = re.sub(r"<span>\$</span>", "$", html).replace("\u2060", "").replace("&#8203;", "")
        assert html.count("<summary>") > 1 and shown.count(HOSTILE.replace("@", "@\u200b")) > 5


def test_a_cut_table_names_its_section_escaped() -> None:
    """The "N more rows of <section>" line of a table cut at the size limit is markdown too."""
    report = sample_report()
    report["sections"]["<img src=x> @everyone #1"] = [{"name": f"m{i}", "v": i} for i in range(400)]
    markdown = render_markdown(report, RenderOptions(max_markdown_chars=6500))
    (line,) = [line for line in markdown.splitlines() if "more rows of" in line]
    assert "<img" not in to_html(line) and github_features(to_html(line)) == {}


def test_only_the_rows_a_comment_shows_are_escaped(monkeypatch) -> None:
    """Each table's first 500 rows were escaped, cell by cell, when a few of them fit: the
    sections after the blocking findings of 10,000 models with 3,000 changed took 29 ms at
    20,000 characters, 17 ms now. The comment is the same."""
    import dbtgate.report.markdown as markdown_module

    report = sample_report()
    report["sections"]["wide"] = {
        f"part {part}": [{"name": f"m{i}", "v": i, "w": "x_y"} for i in range(500)]
        for part in range(6)
    }
    options = RenderOptions(max_markdown_chars=8_000)
    expected = render_markdown(report, options)
    escaped: list[str] = []

    def counted(text: str) -> str:
        escaped.append(text)
        return md_text(text)

    monkeypatch.setattr(markdown_module, "md_text", counted)
    assert render_markdown(report, options) == expected
    assert "more rows of wide" in expected
    shown = len(re.findall(r"^\| m\d+ \| \d+ \| x_y \|$", expected, re.M))
    # The rows shown and the one that did not fit: not 3,000 (two text cells a row).
    cells = sum(1 for text in escaped if re.fullmatch(r"m\d+|x_y", text))
    assert shown > 20 and 2 * shown <= cells <= 2 * shown + 2, (shown, cells)


def test_github_features_in_an_error_comment_stay_text() -> None:
    from dbtgate.report.failure import error_markdown

    html = to_html(error_markdown(HOSTILE, f"models/x.yml:3: {HOSTILE}", RenderOptions(), HOSTILE))
    assert github_features(html) == {}
    assert "models/x.yml:3:" in html


def test_untrusted_text_cannot_break_out_of_the_mermaid_block() -> None:
    markdown = render_markdown(injected_report())
    block = markdown.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert all(line.startswith("  ") or line == "graph LR" for line in block.splitlines())
    node_lines = [line for line in block.splitlines() if "[" in line]
    for line in node_lines:
        assert re.fullmatch(r'  n\d+\["[^"\[\]\n`<>]*"\]:::\w+', line), line


def test_render_options_take_the_pr_head_sha_from_the_event(tmp_path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7, "head": {"sha": "feedbeef"}}}))
    env = {
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_SHA": "mergecommit",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_RUN_ID": "42",
    }
    options = render_options(env)
    assert options.blob_url == "https://github.example/acme/shop/blob/feedbeef"
    assert options.full_report_url == "https://github.example/acme/shop/actions/runs/42"
    assert render_options(env, repo_url="https://git.acme/shop").blob_url == (
        "https://git.acme/shop/blob/feedbeef"
    )
    assert render_options({}, repo_url="https://git.acme/shop/blob/v1/").blob_url == (
        "https://git.acme/shop/blob/v1"
    )
    assert render_options({}).blob_url is None
    # The comment names the commit it gated: one left from an earlier push reads as such.
    footer = render_markdown(sample_report(), options).splitlines()[-1]
    assert footer == (
        "<sub>dbtgate 0.1.0 · gated commit [`feedbee`](https://github.example/acme/shop/commit/"
        "feedbeef) · [run](https://github.example/acme/shop/actions/runs/42)</sub>"
    )
    assert "gated commit" not in render_markdown(sample_report(), render_options({}))


def test_one_rule_on_many_lines_of_a_file_is_one_item_listing_every_place() -> None:
    hits = [
        finding(
            code="lint.CP01",
            severity="error",
            message="Keywords must be consistently lower case.",
            unique_id="model.shop.int_order_payments",
            resource_name="int_order_payments",
            path="models/intermediate/int_order_payments.sql",
            line=10,
            column=column,
            key=f"10:{column}",
            fix="sqlfluff fix --rules CP01",
            owner="@finance-eng",
            disposition="blocking",
        )
        for column in (9, 14, 38)
    ]
    markdown = render_markdown(sample_report(hits), LINKS)
    items = [line for line in markdown.splitlines() if line.startswith("- `lint.CP01`")]
    assert len(items) == 1
    assert "(3×: [`models/intermediate/int_order_payments.sql:10:9`](" in items[0]
    assert "[`10:14`](" in items[0] and "[`10:38`](" in items[0]
    assert markdown.count("fix: sqlfluff fix") == 1
    assert "**@&#8203;finance-eng** (3)" in markdown  # the heading still counts findings


def test_truncation_counts_the_findings_left_out_not_the_lines() -> None:
    hits = [
        finding(
            code="lint.LT05",
            severity="error",
            message="Line is too long.",
            unique_id=f"model.shop.m{index}",
            resource_name=f"m{index}",
            path=f"models/m{index}.sql",
            line=line,
            key=str(line),
            owner="@a",
            disposition="blocking",
        )
        for index in range(300)
        for line in (1, 2)
    ]
    markdown = render_markdown(sample_report(hits), RenderOptions(max_markdown_chars=8000))
    shown = len(re.findall(r"^- `lint.LT05`", markdown, re.M))
    left = re.search(r"^- … (\d+) more findings of @&#8203;a not shown", markdown, re.M)
    assert shown + int(left.group(1)) // 2 == 300 and int(left.group(1)) % 2 == 0


def test_the_owner_in_a_truncation_line_is_escaped_and_pings_nobody() -> None:
    owner = "@acme/data-eng **bold** [click](https://evil.example) <img src=x>"
    hits = [
        finding(
            code="docs.model_description",
            severity="error",
            message="no description",
            unique_id=f"model.shop.m{index}",
            owner=owner,
            disposition="blocking",
        )
        for index in range(400)
    ]
    markdown = render_markdown(sample_report(hits), RenderOptions(max_markdown_chars=8000))
    line = next(line for line in markdown.splitlines() if "more findings of" in line)
    html = to_html(line)
    assert "<img" not in html and "<a href" not in html and "<strong>" not in html
    assert "@acme" not in line  # the zero-width space after @: no ping


def test_an_acknowledged_breaking_change_says_so_and_how() -> None:
    acknowledged = finding(
        code="breaking.column_removed",
        severity="info",
        message="acknowledged (config dbtgate.yml:39) by @data-platform: "
        '"consumers migrated in JIRA-42" — orders_summary v2: contracted column item_count '
        "removed; finance_revenue reads the model but not item_count",
        unique_id="model.shop.orders_summary.v2",
        resource_name="orders_summary",
        column_name="item_count",
        changed=True,
        disposition="advisory",
        details={
            "acknowledged": {
                "way": "config",
                "reason": "consumers migrated in JIRA-42",
                "owner": "@data-platform",
                "source": "dbtgate.yml:39",
            }
        },
    )
    html = to_html(render_markdown(sample_report([acknowledged])))
    assert (
        "<td>acknowledged (config dbtgate.yml:39) by @​data-platform: "
        "&quot;consumers migrated in JIRA-42&quot; — orders_summary v2: contracted column "
        "item_count removed<br>" in html
    )
    assert "<td>no known readers</td>" in html


def test_without_a_base_build_the_summary_says_breaking_changes_were_not_checked() -> None:
    report = sample_report([])
    assert "Not checked" not in render_markdown(report)
    del report["sections"]["diff"]
    report["not_checked"] = ["breaking changes (no base build)"]  # as the diff check says it
    html = to_html(render_markdown(report))
    assert "<p><strong>Not checked:</strong> breaking changes (no base build)</p>" in html
    # A report of an older dbtgate has no `not_checked`: the missing diff says it, with how to
    # give a base build as a newer report does, and its notes say what else was not gated.
    del report["not_checked"]
    html = to_html(render_markdown(report))
    assert (
        "<p><strong>Not checked:</strong> breaking changes (no base build: --base PATH|REF) · "
        "source freshness (no sources.json)</p>"
    ) in html


def test_the_verdict_is_read_before_what_it_was_against_its_findings_and_its_coverage() -> None:
    """A pass without policies or without the last run's results must not read as a pass of
    them: the reasons sat in the folded inputs at the end of the comment. Under the verdict they
    come in the order a reader asks: against what, what was found, then what the check did not
    cover and covered in part only, together (they sat above "Against", with the warnings
    between them), then the warnings."""
    report = sample_report(
        [],
        not_checked=[
            "policies (no dbtgate.yml)",
            "the last run's results (run_results.json is of `dbt docs generate`, which runs "
            "nothing)",
        ],
        partly_checked=["1 relation the run did not build compared by YAML only"],
        warnings=["the base build is of project `other`", "catalog.json is older than <b>"],
    )
    html = to_html(render_markdown(report))
    head = html.split("\n<h4>", 1)[0].splitlines()
    assert head[0].startswith("<h3>dbtgate: PASS")
    assert head[1:] == [
        "<p><strong>Against</strong> the base build base (dbt wrote its manifest 2026-02-28"
        " 10:00:00 UTC)</p>",
        "<p><strong>No findings.</strong></p>",
        "<p><strong>Not checked:</strong> policies (no dbtgate.yml) · the last run's results"
        " (run_results.json is of <code>dbt docs generate</code>, which runs nothing)</p>",
        "<blockquote>",
        "<p><strong>partly checked:</strong> 1 relation the run did not build compared by YAML"
        " only</p>",
        "</blockquote>",
        # Each warning its own quote, and the next section not drawn into the last one.
        "<blockquote>",
        "<p><strong>warning:</strong> the base build is of project <code>other</code></p>",
        "</blockquote>",
        "<blockquote>",
        "<p><strong>warning:</strong> catalog.json is older than &lt;b&gt;</p>",
        "</blockquote>",
    ]


def test_code_in_a_fix_hint_renders_as_code_and_stays_inert() -> None:
    """Fix hints write `meta.owner`: escaped as text they showed their backticks."""
    made = finding(
        code="owner.present",
        severity="error",
        message="m",
        unique_id="model.shop.x",
        fix="Set `meta.owner` on x_<b>*y*</b> (`a` then `<img src=x>`).",
        disposition="blocking",
    )
    html = to_html(render_markdown(sample_report([made])))
    assert (
        "fix: Set <code>meta.owner</code> on x_&lt;b&gt;*y*&lt;/b&gt; (<code>a</code> then "
        "<code>&lt;img src=x&gt;</code>)." in html
    )


@pytest.mark.parametrize(
    ("path", "span"),
    [
        ("models/x.sql", "`dbtgate lint --fix CP01 models/x.sql`"),
        # A file name from the pull request, with a backtick, a mention and an issue reference.
        ("'models/a`b @team #1.sql'", "``dbtgate lint --fix CP01 'models/a`b @team #1.sql'``"),
    ],
)
def test_a_fix_that_is_a_command_is_a_code_span_copied_without_backslashes(
    path: str, span: str
) -> None:
    r"""Escaped as prose, the raw comment (and an email of it) read `dbtgate lint \-\-fix`:
    copied with its backslashes; on GitHub, prose rather than a command."""
    made = finding(
        code="lint.CP01",
        severity="error",
        message="m",
        unique_id="model.shop.x",
        fix=f"dbtgate lint --fix CP01 {path}",
        disposition="blocking",
    )
    markdown = render_markdown(sample_report([made]))
    assert f"  - fix: {span}\n" in markdown
    html = to_html(markdown)
    assert f"fix: <code>dbtgate lint --fix CP01 {escape(path, quote=False)}</code>" in html
    assert github_features(html) == {}


def test_a_comment_with_thousands_of_blocking_findings_keeps_the_kpis_in_view() -> None:
    """The blocking findings filled the comment: 'KPIs vs targets' was a header with no rows."""
    from report_samples import many_findings

    markdown = render_markdown(sample_report(many_findings(5000)))
    assert "more findings of" in markdown  # truncated, as it must be
    kpis = markdown[markdown.index("#### KPIs vs targets") :]
    rows = [line for line in kpis.splitlines()[4:] if line.startswith("| ")]
    assert rows and "tier-1 test coverage" in kpis


def test_with_thousands_of_blocking_findings_every_owner_gets_items() -> None:
    """Only the first owners alphabetically had items; the others a heading and '… N more'."""
    from report_samples import many_findings

    markdown = render_markdown(sample_report(many_findings(5000)))
    blocking = markdown[markdown.index("#### Blocking findings") : markdown.index("#### Lineage")]
    sections = re.split(r"\n\*\*@&#8203;team-\d+\*\* \(\d+\)\n", blocking)[1:]
    assert len(sections) == 25
    assert all(section.count("\n- `") >= 3 for section in sections)


def owner_blocks(markdown: str) -> dict[str, str]:
    """The blocking section's list of each owner shown, by owner."""
    section = markdown.split("#### Blocking findings", 1)[1].split("<details>", 1)[0]
    blocks = re.split(r"\n(?=\*\*[^\n]+\*\* \(\d[\d,]*\)\n)", section)[1:]
    return {block.split("**", 2)[1]: block for block in blocks}


def short_and_long(owners: int = 20, each: int = 300) -> list:
    """`each` blocking findings of each of `owners` owners, short ones (a line) and long ones
    (400 characters) by turns."""
    made = []
    for team in range(owners):
        words = "is missing a description " * (16 if team % 2 else 1)
        made.extend(
            finding(
                code="docs.model_description",
                severity="error",
                message=f"m{team}_{i} {words.strip()}",
                unique_id=f"model.shop.m{team}_{i}",
                resource_name=f"m{team}_{i}",
                resource_type="model",
                owner=f"@team-{team:02d}",
                disposition="blocking",
            )
            for i in range(each)
        )
    return made


def test_owners_share_the_room_their_findings_take_not_a_count_of_items() -> None:
    """Each owner got room // (owners x 400) items: an owner with two findings left the rest
    of its share empty, and short findings left room nobody used, while the comment listed 5
    findings of each owner at 30 KB of its 65 KB. Now each takes the room its findings need
    when that fits an equal share; the owners with more split what is left."""
    made = short_and_long()
    markdown = render_markdown(sample_report(made))
    assert len(markdown) <= GITHUB_COMMENT_LIMIT - 512
    blocks = owner_blocks(markdown)
    assert len(blocks) == 20
    shown = {owner: block.count("\n- `") for owner, block in blocks.items()}
    short = [shown[f"@&#8203;team-{team:02d}"] for team in range(0, 20, 2)]
    long = [shown[f"@&#8203;team-{team:02d}"] for team in range(1, 20, 2)]
    # The same room each, so many more short findings than long ones: 5 of each before.
    assert min(short) >= 25 and min(long) >= 4 and max(long) <= 6, shown
    sizes = [len(block) for block in blocks.values()]
    assert max(sizes) - min(sizes) < 1_000, sizes  # within about a long finding
    assert sum(shown.values()) > 450  # 100, then 373 in a comment of 48 KB
    assert render_markdown(sample_report(made)) == markdown

    # Owners with a few findings show them whole and leave their room to the one with many.
    few = blocking_owned_by([f"team-{i:02d}" for i in range(24) for _ in range(2)])
    many = blocking_owned_by(["team-zz"] * 3000)
    blocks = owner_blocks(render_markdown(sample_report([*few, *many])))
    assert all(block.count("\n- `") == 2 for owner, block in blocks.items() if "zz" not in owner)
    assert blocks["team-zz"].count("\n- `") > 300  # 8 before


# The sections of a comment, in the order it has them.
SECTION_ORDER = [
    "#### Breaking changes",
    "#### Blocking findings",
    "#### Lineage of the changed resources",
    "#### KPIs vs targets",
    "#### Waivers used",
    "<details><summary>Advisory",
    "<details><summary>What changed",
    "<details><summary>Inputs (for the audit trail)",
    "> **Truncated:**",
]


@pytest.mark.parametrize(
    "findings",
    [short_and_long(), [*sample_findings(), *many_findings(5_000)]],
    ids=["20 owners", "5,000 findings"],
)
def test_the_blocking_findings_take_the_room_the_sections_after_them_leave(findings) -> None:
    """The blocking findings had at most 70% of the room the breaking changes left, the rest
    kept for the sections after them, which took 2 KB of it: 20 owners' 6,000 findings were
    cut in a comment that stopped at 48 KB of its 65 KB. The sections after them take what they
    need first, and the findings all they leave: cut, the comment stops within a finding of
    its limit (and the closing note's room), in order, at any size."""
    report = sample_report(findings)
    for size in [*range(3_000, 65_000, 6_100), GITHUB_COMMENT_LIMIT - 512]:
        options = RenderOptions(max_markdown_chars=size)
        markdown = render_markdown(report, options)
        assert markdown == render_markdown(report, options)
        assert len(markdown) <= size
        assert "more findings of" in markdown  # cut, at any size
        assert size - len(markdown) < 1_500, size  # 17,000 at 65,536 before
        positions = [markdown.find(section) for section in SECTION_ORDER]
        shown = [position for position in positions if position >= 0]
        assert shown == sorted(shown), size
    # In a comment's room, the sections after the findings are all there.
    assert not closing_note_left_out(markdown).count
    assert "<details><summary>Inputs (for the audit trail)" in markdown


def test_the_room_cut_blocking_findings_leave_goes_to_the_sections_after_them() -> None:
    """Cut, the blocking findings leave less than one of theirs, and that was nobody's: with
    findings of 2,600 characters, a comment ended 2 to 3 KB short of its limit with the inputs
    (and at 8,000 characters six sections) left out, which had room in what it left. It is the
    sections' shown after them: a section they left out whole has no room at larger limits
    either (it came at 14,000 characters and went at 16,000)."""
    long = "is missing a description, and so are the columns it hands to the dashboards " * 33
    findings = [
        finding(
            code="docs.model_description",
            severity="error",
            message=f"m{index} {long}",
            unique_id=f"model.shop.m{index}",
            resource_name=f"m{index}",
            resource_type="model",
            owner="@team-a",
            disposition="blocking",
        )
        for index in range(200)
    ]
    report = sample_report([*sample_findings(), *findings])
    report["sections"]["cut"] = [{"name": f"m{i}", "v": i} for i in range(300)]
    for size in range(8_000, 30_000, 2_000):
        markdown = render_markdown(report, RenderOptions(max_markdown_chars=size))
        assert "more findings of @&#8203;team-a" in markdown and len(markdown) <= size
        if "more rows of" in markdown:  # a section shown but cut: it took what they left
            assert size - len(markdown) < 1_000, size
        elif closing_note_left_out(markdown).count:
            # The sections shown are whole, and those left out have no room at larger limits
            # either (a section shown at one limit is shown at every larger one): what is
            # left is less than a finding.
            assert size - len(markdown) < 2_700, size
        else:  # every section whole: what is left is less than a finding, which they need
            assert size - len(markdown) < 2_700, size


def test_a_fold_of_findings_with_no_room_for_one_links_where_they_are() -> None:
    """An advisory fold with no room for one finding had its "… 25 more findings" line right
    under its summary, inside GitHub's HTML block: the link to the run read as
    `[this run](https://...)`."""
    # Advisory findings of 4,000 characters: the fold has room for none of them.
    many = many_findings(5_000)
    for found in many:
        if found.disposition == "advisory":
            found.message *= 40
    report = sample_report([*(f for f in sample_findings() if f.disposition != "advisory"), *many])
    url = "https://github.com/acme/shop/actions/runs/42"
    seen = 0
    for size in range(6_000, 30_000, 500):
        markdown = render_markdown(
            report, RenderOptions(full_report_url=url, max_markdown_chars=size)
        )
        for fold in re.findall(r"<details><summary>Advisory.*?</details>", markdown, re.S):
            html = to_html(fold)
            assert "](" not in html and f'<a href="{url}">this run</a>' in html, (size, fold)
            seen += "</summary>\n\n- … " in fold
    assert seen  # a fold with its "more" line alone


def test_the_sections_after_a_few_blocking_findings_have_the_room_they_leave() -> None:
    """The sections after the blocking findings are rendered first, in the room the findings
    leave them when they are many: when they are few, they take all the findings leave."""
    advisory = many_findings(20_000)[::4]  # 5,000 advisory ones
    markdown = render_markdown(sample_report([*sample_findings(), *advisory]))
    assert "more findings of" not in markdown and "```mermaid" in markdown
    folded = markdown.split("<details><summary>Advisory", 1)[1].split("</details>", 1)[0]
    assert len(folded) > 25_000  # half of what the findings leave, not of 30% of the room
    assert "more findings not shown here" in folded


def test_a_job_summary_holds_more_than_a_comment_when_the_comment_is_cut(tmp_path) -> None:
    """GitHub takes 1 MiB in a job summary, 64 KiB in a comment: the summary is not cut to the
    comment's size."""
    import io

    from dbtgate.report.publish import PublishRequest, publish

    summary = tmp_path / "summary.md"
    report = sample_report(many_findings(5000))
    comment = render_markdown(report)
    environ = {"GITHUB_STEP_SUMMARY": str(summary)}
    publish(
        report, PublishRequest(annotations=False), RenderOptions(), environ, stderr=io.StringIO()
    )
    written = summary.read_text()
    assert len(comment) < GITHUB_COMMENT_LIMIT < len(written) <= STEP_SUMMARY_LIMIT + 1
    assert written.count("\n- ") > 4 * comment.count("\n- ")
    # Small enough for a comment: the summary is the comment's text.
    summary.unlink()
    small = sample_report()
    publish(
        small, PublishRequest(annotations=False), RenderOptions(), environ, stderr=io.StringIO()
    )
    assert summary.read_text() == render_markdown(small) + "\n"


def test_gates_sharing_a_step_keep_its_job_summary_under_githubs_mib(tmp_path) -> None:
    """GitHub shows none of a step's job summary over 1 MiB (the runner's error is all there
    is): two projects gated in one `run:`, with names and messages in Japanese (three bytes a
    character), wrote 1.8 MiB. Each is cut to what the step has left, in bytes; with no room
    left, the summary is not written and a line says why."""
    from dbtgate.report.publish import PublishRequest, publish

    def gate(project: str) -> dict:
        findings = [
            finding(
                code="docs.column_coverage",
                severity="error",
                message=f"モデル{project}_{i:05d}の列の説明がありません。" * 40,
                unique_id=f"model.{project}.売上_{i:05d}",
                resource_name=f"売上_{i:05d}",
                resource_type="model",
                path=f"models/領域_{i}/_models.yml",
                line=1,
                owner=f"@チーム-{i}",
                changed=True,
                disposition="blocking",
            )
            for i in range(3000)
        ]
        return sample_report(findings, project_name=project)

    summary = tmp_path / "summary.md"
    environ = {"GITHUB_STEP_SUMMARY": str(summary)}
    sizes = []
    for project in ("analytics", "marketing"):
        stderr = io.StringIO()
        publish(
            gate(project),
            PublishRequest(annotations=False),
            RenderOptions(),
            environ,
            stderr=stderr,
        )
        assert stderr.getvalue() == ""
        sizes.append(summary.stat().st_size)
    text = summary.read_text(encoding="utf-8")
    assert sizes[0] > 1024 * 1024 // 2  # the first alone took more than half
    assert sizes[1] <= 1024 * 1024
    assert text.count("### dbtgate: FAIL") == 2
    assert "(dbt project analytics)" in text and "(dbt project marketing)" in text
    # Full: a third gate's summary is left out, saying so.
    summary.write_bytes(b"x" * (1024 * 1024 - 3000))
    stderr = io.StringIO()
    publish(
        gate("finance"), PublishRequest(annotations=False), RenderOptions(), environ, stderr=stderr
    )
    assert summary.stat().st_size == 1024 * 1024 - 3000
    assert stderr.getvalue() == (
        f"dbtgate: the job summary was not written: {summary} (GITHUB_STEP_SUMMARY) already "
        "holds 1,045,576 bytes of the 1 MiB GitHub shows of a step's summary; the gate reports "
        "have it all\n"
    )


def test_the_job_summary_names_the_runs_gate_html_where_the_comment_links_the_run(
    tmp_path,
) -> None:
    """The job summary is read on the run's own page: its "see the HTML report of [this run]"
    lines and its footer's run link led back to that page. It names gate.html among the run's
    artifacts, listed at the foot of the page; the PR comment keeps its links."""
    import io

    from dbtgate.report.publish import PublishRequest, publish

    run = "https://github.com/acme/shop/actions/runs/42"
    environ = {
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_RUN_ID": "42",
        "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
    }
    options = render_options(environ)
    warnings = [f"warning {i} of the build" for i in range(30)]
    report = sample_report([*sample_findings(), *many_findings(5000)], warnings=warnings)
    publish(report, PublishRequest(annotations=False), options, environ, stderr=io.StringIO())
    summary = (tmp_path / "summary.md").read_text()
    comment = render_markdown(report, options)

    where = "the HTML report of this run (gate.html, among the run's artifacts at the foot of"
    assert run not in summary
    said = [line for line in summary.splitlines() if where in line]
    assert [re.sub(r"\d[\d,]*", "N", line.split(":", 1)[0]) for line in said] == [
        "- … N more warnings not shown here",
        "- … N more findings of @&#N;team-N not shown here",
        "Left out to make room for the blocking findings",
        "- … N more findings not shown here",  # the advisory ones
    ]
    assert (
        "see the full report (gate.html and gate.json, among the run's artifacts at the foot of"
        " this page) for every finding.\n"
    ) in summary
    assert "gated commit [`0123456`](https://github.com/acme/shop/commit/0123456" in summary
    tight = render_markdown(report, replace(options, job_summary=True, max_markdown_chars=2_000))
    assert (
        "Left out to keep the summary under GitHub's size limit: the HTML report of this run"
        " (gate.html, among the run's artifacts at the foot of this page) lists them.\n"
    ) in tight
    # The comment, read on the pull request, links the run wherever the summary names it.
    assert comment.count(f"[this run]({run})") == len(said)
    assert f"[the full report]({run})" in comment and f"· [run]({run})</sub>" in comment
    assert "artifacts at the foot" not in comment
    # Cut or not, the summary is the comment's text but for the way to the run's reports.
    small = sample_report()
    (tmp_path / "summary.md").unlink()
    publish(small, PublishRequest(annotations=False), options, environ, stderr=io.StringIO())
    assert (tmp_path / "summary.md").read_text() == render_markdown(small, options).replace(
        f" · [run]({run})", ""
    ) + "\n"


def test_an_error_in_the_job_summary_points_at_the_jobs_log_not_a_link_to_its_page(
    tmp_path,
) -> None:
    from dbtgate.report.failure import error_markdown, publish_error

    environ = {
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_RUN_ID": "42",
    }
    options = render_options(environ)
    stderr = io.StringIO()
    publish_error(
        "target/manifest.json: no such file",
        project="shop",
        key=None,
        focus="",
        comment=False,
        repo=None,
        pr=None,
        options=options,
        environ=environ,
        stderr=stderr,
    )
    summary = (tmp_path / "summary.md").read_text()
    assert "Fix the error and push again; the job's log has the details.\n" in summary
    assert "actions/runs/42" not in summary and stderr.getvalue() == ""
    comment = error_markdown("shop", "target/manifest.json: no such file", options)
    assert "the [run's log](https://github.com/acme/shop/actions/runs/42) has the details" in (
        comment
    )


def test_a_thousand_breaking_changes_leave_the_blocking_findings_room() -> None:
    """The breaking table took the whole comment: `Blocking findings (N), by owner` was a
    heading with nothing under it."""
    breaking = [
        finding(
            code="breaking.column_removed",
            severity="error",
            message=f"model_{i:04d}: contracted column amount removed; " + "a reader; " * 8,
            unique_id=f"model.shop.model_{i:04d}",
            resource_name=f"model_{i:04d}",
            column_name="amount",
            owner="Finance",
            changed=True,
            disposition="blocking",
        )
        for i in range(1500)
    ]
    markdown = render_markdown(sample_report([*breaking, *many_findings(3000)]))
    assert len(markdown) <= GITHUB_COMMENT_LIMIT
    table, rest = markdown.split("#### Blocking findings", 1)
    assert "more breaking changes not shown here" in table
    blocking = rest.split("\n####", 1)[0]
    assert blocking.count("\n- `") >= 10


ACK = (
    "To keep the change as it is: label the pull request 'breaking-change-ok' (locally,"
    " `--ack-label breaking-change-ok`), or add a breaking.acknowledge entry with a reason and"
    " an owner."
)
REMOVED_FIX = "Keep the column, or add a new model version without it."
RETYPED_FIX = "Cast the column back to its old type."


def breaking_changes(count: int, owner: str = "Finance") -> list:
    """`count` blocking breaking changes of `owner`, removals and type changes, each fix
    ending with the acknowledgement, as the schema diff writes them."""
    return [
        finding(
            code="breaking.column_removed" if i % 3 else "breaking.type_changed",
            severity="error",
            message=f"model_{i:04d}: column amount removed; 3 downstream resources read the model",
            unique_id=f"model.shop.model_{i:04d}",
            resource_name=f"model_{i:04d}",
            column_name="amount",
            path=f"models/model_{i:04d}.sql",
            line=1,
            fix=f"{REMOVED_FIX if i % 3 else RETYPED_FIX} {ACK}",
            owner=owner,
            changed=True,
            disposition="blocking",
        )
        for i in range(count)
    ]


def test_a_breaking_change_in_the_table_is_one_line_pointing_at_it_and_its_fix_said_once() -> None:
    """Each breaking change was in the table and again in the blocking list with the same
    300-character fix: 10,000 models' 47 took 21 KB of the comment twice and left room for 33
    other blocking findings. The list names each change and its place under its owner, the
    fix is said under the table once per rule, the acknowledgement once."""
    markdown = render_markdown(sample_report(breaking_changes(6)), LINKS)
    table, blocking = markdown.split("#### Blocking findings", 1)
    blocking = blocking.split("\n#### ", 1)[0]
    fixes = table.split("How to fix them:\n\n", 1)[1]
    assert fixes.startswith(
        f"- `breaking.column_removed` (4): {REMOVED_FIX}\n"
        f"- `breaking.type_changed` (2): {RETYPED_FIX}\n"
        f"- {ACK}\n\n"
    ), fixes
    html = to_html(markdown)
    flag = "`--ack-label breaking-change-ok`"
    for said in (REMOVED_FIX, RETYPED_FIX, ACK.replace(flag, f"<code>{flag[1:-1]}</code>")):
        assert html.count(said) == 1, said
    finance = blocking.split("**Finance** (6)\n\n", 1)[1].split("\n\n", 1)[0]
    url = "https://github.com/acme/shop/blob/abc123/models"
    assert finance.splitlines() == [
        "- 6 breaking changes, in the table above with who reads them and how to fix or keep them:",
        *(
            f"  - `{code}` on `model_{i:04d}.amount`"
            f" ([`models/model_{i:04d}.sql:1`]({url}/model_{i:04d}.sql#L1))"
            for code, numbers in (
                ("breaking.column_removed", (1, 2, 4, 5)),
                ("breaking.type_changed", (0, 3)),
            )
            for i in numbers
        ),
    ]
    assert "fix:" not in finance
    assert blocking_accounted(blocking) == 6
    one = render_markdown(sample_report(breaking_changes(1)))
    assert (
        "- 1 breaking change, in the table above with who reads it and how to fix or keep it:\n"
        in one
    )


def test_a_fix_with_no_sentence_shared_is_said_whole_under_the_table() -> None:
    changes = breaking_changes(2)
    changes[0].fix = "Cast it back."
    markdown = render_markdown(sample_report(changes))
    fixes = markdown.split("How to fix them:\n\n", 1)[1].split("\n\n", 1)[0]
    assert fixes.splitlines() == [
        f"- `breaking.column_removed` (1): {REMOVED_FIX} {ACK}",
        "- `breaking.type_changed` (1): Cast it back.",
    ]


def test_the_breaking_changes_the_table_has_no_room_for_are_listed_whole() -> None:
    """Only a change whose row is shown points at the table: one cut from it is listed with its
    change and fix, as any blocking finding, or counted."""
    markdown = render_markdown(sample_report(breaking_changes(600, owner="@crm")))
    table, blocking = markdown.split("#### Blocking findings", 1)
    tabled = set(re.findall(r"^\| model_(\d+): ", table, re.M))
    assert 10 < len(tabled) < 600 and "more breaking changes not shown here" in table
    crm = blocking.split("**@&#8203;crm** (600)\n\n", 1)[1].split("\n\n", 1)[0]
    pointed = re.findall(r"^  - `breaking\.\w+` on `model_(\d+)\.amount`", crm, re.M)
    whole = re.findall(r"^- `breaking\.\w+` on `model_(\d+)\.amount`: model_\1: column", crm, re.M)
    assert set(pointed) == tabled and whole and not tabled & set(whole)
    assert crm.count("  - fix: ") == len(whole)
    assert blocking_accounted(blocking.split("\n#### ", 1)[0]) == 600


def test_a_message_keeps_its_code_spans_and_they_hold_no_markup() -> None:
    """As the fix hints: `dbt test` in a message is code, not escaped backticks; what a span
    holds (a PR's text) stays literal."""
    said = code_span_finding()
    markdown = render_markdown(sample_report([*sample_findings(), said]))
    html = to_html(markdown)
    assert (
        "orders was not built by <code>dbt test</code>; <code>&lt;b&gt;x&lt;/b&gt;</code>" in html
    )
    assert "<b>x" not in html and "<em>" not in html


def test_a_versioned_model_is_named_with_its_version_in_the_findings_list() -> None:
    """As the message names it ("orders_summary v2: ..."): `orders_summary` alone could be any
    of its versions."""
    markdown = render_markdown(sample_report(), LINKS)
    assert "  - `breaking.column_removed` on `orders_summary v2.item_count` (" in markdown


def test_a_kpi_breakdown_of_many_teams_leaves_the_waivers_and_what_changed_room() -> None:
    """The folded KPIs by owner of a release's 200 teams, or its thousand advisory findings,
    filled the rest of the comment: the waivers used, what changed and the inputs were left out,
    said only by the closing note."""
    report = sample_report([*sample_findings(), *many_findings(5000)])
    measure = {"value": 0.5, "numerator": 1, "denominator": 2}
    report["sections"]["kpis"]["by_owner"] = {
        f"@acme-corp/data-platform-analytics-engineering-team-{i:04d}": {
            name: measure
            for name in ("test_coverage", "pk_tested", "docs_models", "docs_columns", "contracts")
        }
        for i in range(200)
    }
    markdown = render_markdown(report)
    assert len(markdown) <= GITHUB_COMMENT_LIMIT
    assert "more rows of More KPIs" in markdown  # the breakdown is cut, and says so
    html = to_html(markdown)
    assert re.search(r"<h4>Waivers used \(\d+\)</h4>", html)
    assert "<summary>What changed:" in html
    assert "<summary>Inputs (for the audit trail)</summary>" in html


def test_a_sections_own_keys_are_named_plainly_and_empty_ones_left_out() -> None:
    """`lint / dialect` under a table titled lint, and `lint / base_ref` with nothing beside it
    (no git ref: the change came from the base build, which `changes_from` says), nor an empty
    list (the baseline's `gone` when nothing is)."""
    report = sample_report()
    report["sections"]["lint"] = {
        "dialect": "duckdb",
        "changes_from": "base build",
        "base_ref": None,
        "merge_base": None,
        "base_build": "$RUNNER_TEMP/base-artifacts/manifest.json",
        "files": ["models/a.sql", "models/b.sql"],
        "unchecked": [],
        "carried": {},
    }
    report["inputs"]["waivers_as_of"] = "2026-12-03"
    markdown = render_markdown(report)
    lint = markdown[markdown.index("<summary>lint</summary>") :].split("</details>")[0]
    assert "| dialect | duckdb |" in lint
    assert "| files | models/a.sql, models/b.sql |" in lint
    assert "base_ref" not in lint and "merge_base" not in lint and "lint / " not in lint
    # An empty list is no more to read than a None: no row with nothing beside its key.
    assert "unchecked" not in lint and "carried" not in lint
    # Keys in words, as every other table's headings are.
    assert "| changes from | base build |" in lint and "| base build | " in lint
    inputs = markdown[markdown.index("<summary>Inputs (for the audit trail)") :]
    assert "| waivers as of | |" in inputs
    page = render_html(report)
    assert "<td>changes from</td>" in page and "<li>waivers as of: " in page


def first_cut(report: dict, mark: str) -> str:
    """The markdown at the largest size limit (in steps of 10 characters) that holds `mark`."""
    size = len(render_markdown(report))
    while mark not in (markdown := render_markdown(report, RenderOptions(max_markdown_chars=size))):
        size -= 10
        assert size > 0, mark
    return markdown


def test_a_cut_what_changed_names_the_section_not_its_summary() -> None:
    """ "… 229 more rows of What changed: modified: 100 models; schema diff: 47 breaking, ...
    not shown here" read as one sentence run into another."""
    report = sample_report()
    report["sections"]["changes"] = [{"resource": f"model.shop.m{i}"} for i in range(30)]
    markdown = first_cut(report, "more rows of What changed")
    (line,) = [line for line in markdown.splitlines() if "more rows of What changed" in line]
    assert line.startswith("- … ") and " more rows of What changed not shown here" in line


def test_a_cut_counts_what_it_left_out_in_words_that_fit_the_count() -> None:
    """A table's heading is no row of it (a five-row table cut whole was "6 more rows"), and
    one finding left out is "1 more finding", not "1 more findings"."""
    report = sample_report()
    report["sections"]["cut"] = [{"name": f"m{i}", "v": i} for i in range(5)]
    markdown = first_cut(report, "more row of cut")
    cut = markdown[markdown.index("<summary>cut</summary>") :].split("</details>")[0]
    assert "- … 1 more row of cut not shown here" in cut and cut.count("| m") == 4
    # From the least limit that shows it, with rows wider than the room the others leave it.
    wide = sample_report()
    wide["sections"]["cut"] = [{"name": f"m{i}", "v": "wide " * 600} for i in range(5)]
    for size in range(1_000, 20_000, 50):
        markdown = render_markdown(wide, RenderOptions(max_markdown_chars=size))
        if "<summary>cut</summary>" in markdown:
            break
    # None of them shown: "5 rows", not "5 more rows" after nothing.
    assert "| m0 |" not in markdown and "- … 5 rows of cut not shown here" in markdown

    one = sample_report(
        [
            finding(
                code="owner.present",
                severity="error",
                message=f"m{index} has no owner",
                unique_id=f"model.shop.m{index}",
                resource_name=f"m{index}",
                owner="@a",
                disposition="blocking",
            )
            for index in range(2)
        ]
    )
    assert "- … 1 more finding of @&#8203;a not shown here" in first_cut(one, "more finding")


def test_a_cut_says_where_what_it_left_out_is_and_links_the_run_when_it_is_known() -> None:
    """ "… 8 more findings of @team-3 not shown here: see the full report" led nowhere: the
    run's link was in the footer only."""
    report = sample_report([*sample_findings(), *many_findings(400)])
    report["sections"]["cut"] = [{"name": f"m{i}", "v": i} for i in range(300)]
    for url, link in (
        ("https://ci/run/1", "[this run](https://ci/run/1)"),
        ("https://ci/run (1)", "[this run](https://ci/run%20%281%29)"),
        (None, "this run"),
    ):
        markdown = render_markdown(report, RenderOptions(full_report_url=url))
        said = [line for line in markdown.splitlines() if " not shown here: see" in line]
        assert len(said) == 2  # the blocking findings (25 owners cut), the advisory ones
        for line in said:
            assert line.endswith(f" not shown here: see the HTML report of {link} (gate.html)")
    html = to_html(said[0])
    assert html.endswith(
        " not shown here: see the HTML report of this run (gate.html)</li>\n</ul>\n"
    )
    linked = render_markdown(report, RenderOptions(full_report_url="https://ci/run/1"))
    line = next(line for line in linked.splitlines() if "more findings of" in line)
    assert to_html(line).endswith(
        ' not shown here: see the HTML report of <a href="https://ci/run/1">this run</a>'
        " (gate.html)</li>\n</ul>\n"
    )


def test_the_blocking_findings_say_where_the_rest_is_once_not_under_every_owner() -> None:
    """At 400 findings the comment held 25 "… 8 more findings of @team-N not shown here: see
    the HTML report of [this run](...)" lines, each with the same link: the first owner's cut
    says where the rest is, the others are plain."""
    report = sample_report([*sample_findings(), *many_findings(400)])
    markdown = render_markdown(report, RenderOptions(full_report_url="https://ci/run/1"))
    blocking = markdown.split("#### Blocking findings", 1)[1].split("<details>", 1)[0]
    cuts = re.findall(r"^- … \d+ more findings? of .*$", blocking, re.M)
    assert len(cuts) == 25
    assert cuts[0].endswith(
        " not shown here: see the HTML report of [this run](https://ci/run/1) (gate.html)"
    )
    assert all(line.endswith(" not shown here") for line in cuts[1:])
    assert blocking.count("https://ci/run/1") == 1


def test_a_long_run_url_keeps_each_cut_said_and_the_comment_in_its_limit() -> None:
    """The first cut line holds the run's link: an owner's findings cut where the room ran out
    still end with the line saying how many more, and where once."""
    url = "https://github.example/" + "acme/" * 40 + "actions/runs/1234567890"
    report = sample_report(many_findings(400))
    owner = re.compile(r"^\*\*(@&#8203;team-\d+)\*\* \((\d+)\)$")
    cuts = 0
    for size in [*range(3_000, 12_000, 53), GITHUB_COMMENT_LIMIT - 512]:
        markdown = render_markdown(
            report, RenderOptions(full_report_url=url, max_markdown_chars=size)
        )
        assert len(markdown) <= size
        blocking = markdown.split("#### Blocking findings", 1)[1].split("<details>", 1)[0]
        where = " not shown here: see the HTML report of [this run]({url}) (gate.html)"
        said = 0
        for block in re.split(r"\n(?=\*\*@)", blocking)[1:]:
            heading = owner.match(block.splitlines()[0])
            assert heading, block
            shown = block.count("\n- `")
            if shown < int(heading.group(2)):
                cuts += 1
                line = f"- … {int(heading.group(2)) - shown} more findings of {heading.group(1)}"
                ending = where.format(url=url) if not said else " not shown here\n"
                assert line + ending in block
                said += 1
    assert cuts > 100


def test_the_inputs_say_when_dbt_wrote_each_file_as_a_person_reads_it() -> None:
    report = sample_report()
    report["generated_at"] = "2026-12-02T17:29:41.848170Z"
    report["inputs"]["artifacts"]["manifest"]["generated_at"] = "2026-12-02T17:29:41.848170Z"
    inputs = render_markdown(report).split("<summary>Inputs (for the audit trail)</summary>")[1]
    assert "whose manifest dbt wrote at 2026-12-02 17:29:41 UTC." in inputs
    assert "| 2026-12-02 17:29:41 UTC |" in inputs
    assert "848170" not in inputs


def test_the_policies_table_says_its_line_is_the_policys_line_in_the_config() -> None:
    """A bare `line` column beside `selected` said nothing of what it counted; a policy's rules
    were cut at 200 characters."""
    from dbtgate.report.html import render_html

    report = sample_report()
    rules = {f"docs.rule_{i}": "error" for i in range(12)}
    report["sections"]["policies"] = [
        {"select": "tier:1", "exclude": None, "line": 9, "selected": 4, "rules": rules},
        {"select": "tier:2", "exclude": None, "line": 17, "selected": 6, "rules": {}},
    ]
    html = to_html(render_markdown(report))
    table = html.split("<summary>policies</summary>", 1)[1].split("</table>")[0]
    headers = re.findall(r"<th>(.*?)</th>", table)
    assert headers == ["select", "line in dbtgate.yml", "resources selected", "rules"]
    first = re.findall(r"<td>(.*?)</td>", table.split("</tr>")[1])
    assert first[:3] == ["tier:1", "9", "4"]
    assert first[3] == "; ".join(f"{code}: error" for code in rules)
    assert "<th>line in dbtgate.yml</th><th>resources selected</th>" in render_html(report)

    report["sections"]["policies"][1]["exclude"] = "tag:legacy"
    report["inputs"].pop("config")
    table = to_html(render_markdown(report)).split("<summary>policies</summary>", 1)[1]
    headers = re.findall(r"<th>(.*?)</th>", table.split("</table>")[0])
    assert headers == ["select", "exclude", "line in the config", "resources selected", "rules"]


def test_the_closing_note_names_each_section_left_out_whole_and_where_it_is() -> None:
    """A late section with no room for its heading was dropped without a word: the closing
    note said only "Truncated", and a reader could not tell the KPIs or the waivers from a
    report without them."""
    report = sample_report([*sample_findings(), *many_findings(400)])
    report["sections"]["cut"] = [{"name": f"m{i}", "v": i} for i in range(300)]
    headings = {
        "KPIs": "#### KPIs vs targets",
        "more KPIs": "<summary>More KPIs: without a target, by tier, by owner",
        "waivers": "#### Waivers used",
        "advisory findings": "<summary>Advisory (does not fail the gate)",
        "findings outside the change": "<summary>Outside the change",
        "findings in the baseline": "<summary>In the baseline",
        "what changed": "<summary>What changed",
        "cut": "<summary>cut</summary>",
        "inputs": "<summary>Inputs (for the audit trail)",
    }
    url = "https://github.com/acme/shop/actions/runs/42"
    named = set()
    # Every 100 characters: a section was left out whole over a narrow band of sizes (the
    # KPIs', between the breaking changes' and the waivers'), which a step of 250 stepped over
    # once a breaking change's row said its owner.
    for size in range(3_000, 40_000, 100):
        options = RenderOptions(full_report_url=url, max_markdown_chars=size)
        markdown = render_markdown(report, options)
        assert len(markdown) <= size
        note = closing_note_left_out(markdown)
        assert note.lines == "" and len(note.sections) == note.count, (size, note)
        for name, heading in headings.items():
            assert (heading in markdown) != (name in note.sections), (size, name, note)
        if note.count:
            where = re.search(r"^> \*\*Truncated:\*\* .*; see (.+)$", markdown, re.M)
            assert where, markdown[-600:]
            assert (
                where.group(1) == f"[the full report]({url}) for every finding and every section."
            )
        named.update(note.sections)
    assert named == set(headings)
    # Where the comment points at the run's reports, the job summary names them on its page.
    markdown = render_markdown(report, RenderOptions(job_summary=True, max_markdown_chars=6_000))
    assert re.search(
        r"had no room for \d+ sections?: [^;]*inputs; see the full report \(gate\.html and"
        r" gate\.json, among the run's artifacts at the foot of this page\) for every finding and"
        r" every section\.\n",
        markdown,
    )
    # Too many to name in the room the note keeps (a hand-edited report's own sections): the
    # first few named, the others counted.
    for index in range(40):
        report["sections"][f"a section of its own with a long name {index}"] = [{"a": 1}]
    markdown = render_markdown(report, RenderOptions(full_report_url=url, max_markdown_chars=4_000))
    note = closing_note_left_out(markdown)
    assert 0 < len(note.sections) < note.count, note
    assert note.sections[:2] == ["KPIs", "more KPIs"], note
    more = note.count - len(note.sections)
    assert f"{note.sections[-1]} and {more} more; see [the full report]({url})" in markdown
    assert len(markdown) <= 4_000


def test_a_cut_leaves_no_heading_without_anything_under_it() -> None:
    """An advisory section cut after an owner's heading read `**@team-18** (4)` and then
    "… 61 more findings", none of them that owner's; a table's header row had no rows."""
    report = sample_report([*sample_findings(), *many_findings(400)])
    report["sections"]["cut"] = [{"name": f"m{i}", "v": i} for i in range(300)]
    orphans = re.compile(r"^\*\*[^\n]+\*\* \(\d+\)\n\n- … |--- \|\n- … ", re.M)
    cuts = 0
    for size in range(20_000, GITHUB_COMMENT_LIMIT, 1_500):
        markdown = render_markdown(report, RenderOptions(max_markdown_chars=size))
        for block in re.findall(r"<details>.*?</details>", markdown, re.S):
            cuts += "more findings not shown" in block or "more rows of cut" in block
            assert not orphans.search(block), (size, block[-400:])
    assert cuts > 10  # the sizes cut both kinds of section


def blocking_accounted(section: str) -> int:
    """The blocking findings a comment's blocking section shows or counts as left out: its
    items (a folded repeat counts its places; a breaking change pointing at the table is a
    nested line) and the numbers of its "… N more" lines."""
    shown = re.findall(r"^(?:  )?- `[^\n]*?(?:\((\d+)×: [^\n]*)?$", section, re.M)
    more = re.findall(r"^(?:- )?… (\d+) more findings? of ", section, re.M)
    return sum(int(count or 1) for count in shown) + sum(map(int, more))


def test_the_blocking_heading_never_stands_alone_and_every_finding_is_shown_or_counted() -> None:
    """A tiny limit left "#### Blocking findings (303), by owner" with nothing under it above
    the suggested-waiver fold, and a small one showed three owners of 28 and dropped the rest
    without a word (or headed some with nothing but "… 12 more findings")."""
    from dbtgate.report.view import by_owner, findings_with

    report = sample_report([*sample_findings(), *many_findings(400)])
    left_out = (
        "Left out to keep the comment under GitHub's size limit: the HTML report of"
        " [this run](https://ci/run/1) (gate.html) lists them.\n\n"
    )
    seen = {"left out": 0, "owners counted": 0}
    for size in range(1_000, 9_000, 50):
        options = RenderOptions(full_report_url="https://ci/run/1", max_markdown_chars=size)
        markdown = render_markdown(report, options)
        if "#### Blocking findings" not in markdown:
            continue
        section = markdown.split("#### Blocking findings (303), by owner\n\n", 1)[1]
        section = re.split(r"^<details>|^#### |^\*\*To ship", section, flags=re.M)[0]
        # More than the section lists: what they are, by rule, under the heading.
        by_rule, section = section.split("\n\n", 1)
        assert by_rule.startswith("By rule: `tests.primary_key` 101 · "), (size, by_rule)
        if section == left_out:
            seen["left out"] += 1
            continue
        assert section.startswith("**"), (size, section[:200])
        assert blocking_accounted(section) == 303, (size, section)
        # An owner with no room for one finding is counted below, not headed with "… 12 more".
        assert not re.search(r"\*\* \(\d+\)\n\n- … ", section), (size, section)
        others = re.search(
            r"^… \d+ more findings? of (\d+) other owners? not shown here", section, re.M
        )
        if others:
            seen["owners counted"] += 1
            owners = len(re.findall(r"^\*\*[^\n]+\*\* \(\d+\)$", section, re.M))
            assert owners + int(others.group(1)) == len(by_owner(findings_with(report, "blocking")))
    assert seen["left out"] and seen["owners counted"] > 10, seen
    assert to_html(left_out) == (
        "<p>Left out to keep the comment under GitHub's size limit: the HTML report of"
        ' <a href="https://ci/run/1">this run</a> (gate.html) lists them.</p>\n'
    )


def test_owners_left_out_are_one_paragraph_saying_where_when_no_cut_before_did() -> None:
    """Owners whose lists fit whole, then none for the next: the count says where they are."""
    report = sample_report(blocking_owned_by([f"team-{i:02d}" for i in range(40)]))
    markdown = first_cut(report, "other owners not shown")
    section = markdown.split("#### Blocking findings (40), by owner\n\n", 1)[1]
    section = section.split("\n#### ", 1)[0].split("<details>", 1)[0]
    assert "- … " not in section  # every owner shown has their one finding
    line = re.search(
        r"^… (\d+) more findings of (\d+) other owners not shown here.*$", section, re.M
    )
    assert line and line.group(1) == line.group(2)
    assert line.group(0).endswith(": see the HTML report of this run (gate.html)")
    assert "<p>… " in to_html(line.group(0))  # a paragraph, not an item of the last owner's list


# An owner written to end the YAML block and the <details> around it, run a script and ping.
HOSTILE_OWNER = "```\n</details><script>alert(1)</script> @everyone"


def test_the_suggested_waiver_is_one_yaml_block_that_nothing_in_it_can_close() -> None:
    sections = {"suggested_waiver": waiver_suggestion(owner=HOSTILE_OWNER)}
    markdown = render_markdown(sample_report(sections=sections))
    tokens = MarkdownIt("commonmark", {"html": True}).parse(markdown)
    [block] = [t for t in tokens if t.type == "fence"]
    assert block.info == "yaml"
    assert block.content.splitlines()[3] == (
        '    owner: "```\\n</details><script>alert(1)</script> @everyone"'
    )
    assert "<script>" not in to_html(markdown).replace(escape(block.content), "")
    assert (
        "<summary>To ship with the run.test_failures finding as it is: the waiver entry to paste"
        in (markdown)
    )


def test_the_suggested_renewal_names_the_expired_entry() -> None:
    sections = {"suggested_waiver": waiver_suggestion({"line": 37, "expires": "2026-02-28"})}
    markdown = render_markdown(sample_report(sections=sections))
    assert (
        "To ship with the run.test_failures finding as it is: renew its expired waiver" in markdown
    )
    assert (
        "renew the waiver that expired on 2026-02-28 at dbtgate.yml:37 rather than "
        "add a second entry"
    ) in markdown


def test_the_suggested_waiver_keeps_its_room_when_the_blocking_findings_are_cut() -> None:
    """The blocking findings of a change with hundreds of them took the fold's room: the waiver
    entry was dropped and nothing said so. It comes after them and before the rest, whole, or,
    when what comes before the findings leaves it no room, a line says it was left out and
    where it is."""
    report = sample_report([*sample_findings(), *many_findings(400)])
    options = RenderOptions(full_report_url="https://ci/run/1")
    fold = "<details><summary>To ship with the run.test_failures finding as it is:"
    left_out = (
        "**To ship with the run.test_failures finding as it is: the waiver entry to paste**\n\n"
        "Left out to keep the comment under GitHub's size limit: the HTML report of"
        " [this run](https://ci/run/1) (gate.html) shows it.\n\n"
    )
    said = []
    # From the least room in which the verdict, its counts and what it was gated against leave
    # the blocking findings' section its heading.
    for size in [*range(1_300, 8_000, 100), GITHUB_COMMENT_LIMIT - 512]:
        markdown = render_markdown(report, replace(options, max_markdown_chars=size))
        assert "**Truncated:**" in markdown
        assert (fold in markdown) != (left_out in markdown), size
        if fold in markdown:
            blocking, after = markdown.split(fold)
            assert "#### Blocking findings (303)" in blocking
            assert "#### KPIs" not in blocking and "<details>" not in blocking
            # (the fixes under the breaking changes' table are items too)
            if "- `" in blocking.split("#### Blocking findings", 1)[1]:
                assert "more findings of" in blocking  # the findings are cut, the fold is not
            assert "</details>" in after
        else:
            said.append(size)
    # Only when the verdict, the counts and the blocking section's heading (with its count by
    # rule) and line leave none.
    assert said and max(said) < 2_000
    html = to_html(left_out)
    assert '<a href="https://ci/run/1">this run</a> (gate.html) shows it.' in html


def test_a_suggested_waiver_left_out_names_gate_html_when_the_run_is_not_known() -> None:
    for size in range(2_000, 1_000, -50):
        markdown = render_markdown(sample_report(), RenderOptions(max_markdown_chars=size))
        if "<summary>To ship" not in markdown:
            break
    assert "**To ship with the run.test_failures finding as it is: the waiver entry" in markdown
    assert (
        "Left out to keep the comment under GitHub's size limit: the HTML report of this run"
        " (gate.html) shows it.\n\n"
    ) in markdown


def test_warnings_above_the_findings_are_cut_and_leave_the_blocking_findings_their_room() -> None:
    """A build with hundreds of warnings pushed the blocking findings, the suggested waiver and
    everything after them out of the comment: ten are shown, in at most a tenth of it, and the
    rest counted in a line as a cut list of findings is, saying where they are."""
    warning = "catalog.json is 3 days older than manifest.json: column types may be stale"
    report = sample_report([*sample_findings(), *many_findings(400)], warnings=[warning] * 600)
    alone = render_markdown(sample_report([*sample_findings(), *many_findings(400)]))
    markdown = render_markdown(report, RenderOptions(full_report_url="https://ci/run/1"))
    assert len(markdown) <= GITHUB_COMMENT_LIMIT - 512
    assert markdown.count(f"> **warning:** {warning}\n\n") == 10
    line = (
        "- … 590 more warnings not shown here: see the HTML report of"
        " [this run](https://ci/run/1) (gate.html)\n\n#### Breaking changes (1)\n"
    )
    assert line in markdown
    assert "<summary>To ship with the run.test_failures finding" in markdown
    blocking = markdown.split("#### Blocking findings (303), by owner", 1)[1].split("<details>")[0]
    in_alone = alone.split("#### Blocking findings (303), by owner", 1)[1].split("<details>")[0]
    # The sections after the findings give up room for them too: the findings lose less than
    # the warnings take.
    taken = markdown.index("#### Breaking changes") - alone.index("#### Breaking changes")
    assert 0 <= len(in_alone) - len(blocking) < taken
    assert "#### KPIs vs targets" in markdown and "#### Waivers used" in markdown
    # A few warnings are all shown, each a quote of its own.
    few = render_markdown(sample_report(warnings=[warning, "the base build is of project <x>"]))
    html = to_html(few)
    assert html.count("<blockquote>") == 2 and "more warning" not in few
    # With little room, or none for one, they are counted all the same.
    counted = set()
    for size in range(1_500, 5_000, 100):
        tight = render_markdown(
            sample_report(warnings=[warning] * 14), RenderOptions(max_markdown_chars=size)
        )
        shown = tight.count("> **warning:**")
        more = "more " if shown else ""  # "14 more" after none shown read wrong
        line = (
            f"\n\n- … {14 - shown} {more}warnings not shown here: see the HTML report of this run"
        )
        assert line in tight, size
        counted.add(shown)
    assert 0 in counted and len(counted) > 2
    # Long ones fill their share of the room before the ten.
    long = sample_report(warnings=[warning * 20] * 12)
    cut = render_markdown(long, RenderOptions(max_markdown_chars=40_000))
    assert 0 < cut.count("> **warning:**") < 3 and "more warnings not shown here: see" in cut


def test_what_the_verdict_covers_in_part_only_is_beside_it_within_the_warnings_room() -> None:
    """A note that changes how to read the verdict ("3 relations the run did not build ...
    compared by the columns declared in YAML only") sat under the audit trail at the foot of
    the comment. It is beside the verdict, once, before the warnings and in their room: however
    many warnings, and however small the comment, it is shown or counted, never dropped."""
    partly = "3 relations the run did not build (errored or skipped) compared by `dbt` YAML only"
    plain = "lint: changed lines measured against the base build's SQL"
    report = sample_report(notes=[partly, plain], partly_checked=[partly])
    markdown = render_markdown(report)
    verdict, rest = markdown.split("\n#### ", 1)
    assert (
        "> **partly checked:** 3 relations the run did not build (errored or skipped) " in verdict
    )
    assert "compared by `dbt` YAML only\n" in verdict and "3 relations" not in rest
    assert f"- note: {plain}" in rest and plain not in verdict
    # Before a flood of warnings it keeps a line of its own, and they are counted after it.
    warning = "catalog.json is 3 days older than manifest.json: column types may be stale"
    for warnings, size in (([warning] * 600, 65_000), ([warning] * 14, 2_500), ([], 1_500)):
        report = sample_report(warnings=warnings, notes=[partly], partly_checked=[partly])
        cut = render_markdown(report, RenderOptions(max_markdown_chars=size))
        assert "> **partly checked:** 3 relations" in cut or "- … 1 note not shown" in cut
        # (at 1,500 characters, with the note counted, no section has room for its heading)
        assert "3 relations" not in cut.partition("\n#### ")[2]
        if warnings:
            assert re.search(r"- … \d+ more warnings not shown here", cut), size
    # An older report, without `partly_checked`, keeps its notes in the audit trail.
    older = sample_report(notes=[partly])
    del older["partly_checked"]
    assert "- note: 3 relations" in render_markdown(older)


def test_a_passing_report_suggests_no_waiver() -> None:
    assert "<summary>To ship" not in render_markdown(sample_report([]))


def test_owners_are_ordered_by_name_with_numbers_by_value_and_no_owner_last() -> None:
    """`team-10` sorted before `team-2` as text; "(no owner)" comes last in every report, and
    the whole project's KPIs first."""
    from dbtgate.report.view import by_owner

    owners = ["team-10", None, "Team-2", "analytics", "team-2b", "team-1"]
    findings = [
        {"owner": owner, "code": "x", "family": "x", "unique_id": "model.p.m"} for owner in owners
    ]
    findings.append({"owner": None, "code": "kpi.freshness", "family": "kpi"})
    assert [name for name, _ in by_owner(findings)] == [
        "Whole project or selection",
        "analytics",
        "team-1",
        "Team-2",
        "team-2b",
        "team-10",
        "(no owner)",
    ]
    # A finding on the build's artifacts (no resource, no file) is no unowned resource's.
    build = {"owner": None, "code": "run.stale_results", "family": "run"}
    groups = dict(by_owner([*findings, build]))
    assert groups["Whole project or selection"][-1] is build
    assert build not in groups["(no owner)"]


def test_owners_left_out_count_their_findings_in_thousands() -> None:
    """The line counting the owners with no room wrote "1210 more findings", where every other
    count of the comment is grouped in thousands."""
    owners = ["team-a", *["team-b"] * 10, *["team-c"] * 1200]
    markdown = first_cut(sample_report(blocking_owned_by(owners)), "other owners not shown")
    assert re.search(r"^… 1,210 more findings of 2 other owners not shown here", markdown, re.M)


def test_past_what_it_lists_the_blocking_section_counts_its_findings_by_rule() -> None:
    """10,000 models' comment listed 81 of 38,998 blocking findings, the breaking changes, the
    run status and one rule's: nothing said that 9,975 were `owner.present`. Past what it lists
    the heading counts them by rule, the most first, as the console does; a few are listed
    whole and need no count."""
    hits = [
        finding(
            code=f"docs.rule_{rule:02d}",
            severity="error",
            message="no description",
            unique_id=f"model.shop.m{rule}_{index}",
            disposition="blocking",
        )
        for rule in range(10)
        for index in range(10 + rule * 5)
    ]
    markdown = render_markdown(sample_report(hits))
    heading = "#### Blocking findings (325), by owner\n\n"
    assert (
        heading
        + (
            "By rule: `docs.rule_09` 55 · `docs.rule_08` 50 · `docs.rule_07` 45 · `docs.rule_06` 40"
            " · `docs.rule_05` 35 · `docs.rule_04` 30 · `docs.rule_03` 25 · `docs.rule_02` 20"
            " · and 2 more rules\n\n"
        )
        in markdown
    )
    nine = render_markdown(sample_report(hits[10:]))  # rule_00 gone: rule_01 is named
    assert " · `docs.rule_02` 20 · `docs.rule_01` 15\n\n" in nine
    few = render_markdown(sample_report(hits[:150]))
    assert "#### Blocking findings (150), by owner\n\n**" in few and "By rule:" not in few


def test_the_summary_says_which_release_it_gated_and_against_which_base() -> None:
    """Under the verdict, as the HTML page: the commit with its tags, and the base. In a pull
    request's run the checkout is GitHub's merge commit, which the author never pushed: the
    commit named is the head the footer names."""
    git = {"commit": "5789142f186d92dca90a9756a894768fd0f0ff38", "refs": ["main", "tag v1.1"]}
    ref = {"ref": "v1.0", "sha": "4daa4d5ae581c0add4b9b903d7b79a37743fd21a"}
    markdown = render_markdown(sample_report(inputs={**INPUTS, "git": git, "base_ref": ref}))
    assert "\n\n**Of** commit 5789142 (tag v1.1, main) · **against** v1.0 (commit 4daa4d5)\n\n" in (
        markdown
    )
    merge = {"commit": "7777777aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "refs": []}
    options = RenderOptions(commit="abcdef0123456789abcdef0123456789abcdef01")
    markdown = render_markdown(sample_report(inputs={**INPUTS, "git": merge}), options)
    assert "**Of** commit abcdef0 · **against** the base build base (dbt wrote its manifest" in (
        markdown
    )
    # The merge commit is in the audit trail only.
    assert markdown.count("7777777") == 1
    # The merge commit's checkout was edited: what the head's run gated was too.
    edited = {**merge, "edited": 1}
    markdown = render_markdown(sample_report(inputs={**INPUTS, "git": edited}), options)
    assert "**Of** commit abcdef0 with uncommitted edits to 1 file · **against**" in markdown


def test_the_tests_a_release_adds_are_named_whole() -> None:
    """A release adding a model adds its tests, whose names are long: the row of new tests was
    cut at 200 characters, mid-name (`unique_customer_s…`, no test's name). The names that fit
    are whole, and the rest counted."""
    names = [
        "accepted_values_customer_segments_segment__prospect__one_time__repeat",
        "accepted_values_dim_products_category__coffee__equipment__accessories",
        "not_null_customer_segments_customer_id",
        "unique_customer_segments_customer_id",
    ]
    changes = {"new": [f"test.shop.{name}.065207ba61" for name in names], "modified": {}}
    markdown = render_markdown(sample_report(sections={"changes": changes}))
    assert f"| 4 tests | test | new | {', '.join(names[:3])} and 1 more |" in markdown
    assert "…" not in markdown.split("**Changed resources**")[1].split("</details>")[0]
    page = render_html(sample_report(sections={"changes": changes})).replace("<wbr>", "")
    assert f"{', '.join(names[:3])} and 1 more</td>" in page
