"""The PR comment swept over its size limit: a section it shows at one limit it shows at every
larger one, and the KPIs vs targets (the gated ones decide the verdict too) are shown from the
limit that holds the verdict, the counts, the breaking changes' table and a few blocking findings
beside it on.

Sections came and went as the limit grew: 10,000 models' "KPIs vs targets" was shown at 3,500
characters, not at 6,500, again at 6,750, not at 9,250, again at 9,500. Each section was given
the room the ones before it had left, which fell by a row each time one more fitted.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from msgspec.structs import replace
from report_samples import (
    closing_note_left_out,
    finding,
    many_findings,
    sample_findings,
    sample_report,
)

from dbtgate.report.escape import md_text_code
from dbtgate.report.markdown import LEAST_MARKDOWN_CHARS, render_markdown
from dbtgate.report.options import GITHUB_COMMENT_LIMIT, RenderOptions

RUN_URL = "https://github.com/acme/shop/actions/runs/42"
COMMIT = "5789142" + "0" * 33
# A run and a commit on a host whose URLs take 500 characters (a proxy's, a long query): their
# closing note, with every link, took more than the room kept for it at the least limits.
LONG_RUN_URL = "https://ghe.example.com/acme/shop/actions/runs/42?" + "x" * 450
LONG_COMMIT_URL = f"https://ghe.example.com/acme/shop/commit/{COMMIT}?" + "y" * 418
# From the least limit a summary is rendered in: every 25 characters up to 2,000 (where the
# lines under the verdict come, one by one), every 125 up to 16,000 (the sections after the
# findings), then every 2,000 up to a whole comment's room.
SIZES = [
    *range(LEAST_MARKDOWN_CHARS, 2_000, 25),
    *range(2_000, 16_000, 125),
    *range(16_000, GITHUB_COMMENT_LIMIT, 2_000),
]


# What a run of part of the project, and results older than the manifest, say beside the
# verdict (`status.run_coverage`), as `dbtgate check` words them.
PARTLY_CHECKED = [
    "run status covers 812 of 1,000 models and 2,400 of 3,000 tests: run_results.json (of "
    "`dbt build`) has no result for the others, so the verdict does not say whether they build "
    "and pass",
    "run status may be out of date: run_results.json was written 34.0 days before the manifest "
    "(run.stale_results), so the passes and failures it records may be of code changed since",
]


def large_report(partly: bool = False) -> dict[str, Any]:
    """What a large legacy project's pull request gates: 3,000 findings over 25 owners (three in
    four blocking), 30 breaking changes read by dashboards, a warning, source freshness not
    checked, and the samples' lineage, KPIs (test pass rate gated and below its target), waivers
    and what changed; `partly`, what `PARTLY_CHECKED` says beside the verdict too."""
    breaking = [
        finding(
            code="breaking.column_removed",
            severity="error",
            message=f"fct_sales_{index:02d}: contracted column amount removed",
            unique_id=f"model.shop.fct_sales_{index:02d}",
            resource_name=f"fct_sales_{index:02d}",
            resource_type="model",
            column_name="amount",
            path=f"models/marts/_sales_{index:02d}.yml",
            line=12,
            fix="Add a new model version instead of removing the column.",
            owner=f"@team-{index % 5}",
            tier=1,
            changed=True,
            disposition="blocking",
            details={
                "impact": {
                    "exposures": [
                        {
                            "unique_id": f"exposure.shop.sales_{index:02d}",
                            "name": f"sales_dashboard_{index:02d}",
                            "resource_type": "exposure",
                            "depth": 1,
                            "owner": "Finance Analytics",
                            "selects_column": "unknown",
                        }
                    ],
                    "owners": ["Finance Analytics"],
                }
            },
        )
        for index in range(30)
    ]
    warning = "catalog.json is 3 days older than manifest.json: column types may be stale"
    said = PARTLY_CHECKED if partly else []
    report = sample_report(
        [*sample_findings(), *breaking, *many_findings(3_000)],
        warnings=[warning],
        notes=said,
        partly_checked=said,
    )
    # Under the counts, which are longer: fitted line by line, it came before them.
    report["not_checked"] = ["source freshness (no sources.json)"]
    return report


SECTION = re.compile(
    r"^#### ([^\n(]+?)(?: \(|\n)|<details><summary>([^<:]+?)(?::|</summary>)", re.M
)


# The lines under the verdict, the warnings (or the line counting them) and the waiver entry
# (or the line in its place), by how each begins, and what the closing note calls them when
# it had no room for them: the lines in words of their own, the waiver entry as a section.
HEAD_LINES = {
    "against": ("**Of** ", "**Against** "),
    "counts": ("findings:** ",),
    "not checked": ("**Not checked:** ",),
    "partly checked": ("> **partly checked:** ", "note not shown here", "notes not shown here"),
    "warnings": ("> **warning:** ", "warning not shown here"),
    "waiver entry": ("To ship with the ",),
}
NOTE_LINES = {
    "counts": "the counts",
    "not checked": "what was not checked",
    "warnings": "the warnings",
}
NOTE_SECTIONS = {"waiver entry": "suggested waiver entry"}


def sections(markdown: str) -> set[str]:
    """The sections a comment shows, by their headings: "Breaking changes", "KPIs vs targets",
    "Advisory (does not fail the gate)", the waiver entry's fold, and the lines under the
    verdict ("against", "counts", "not checked"), the warnings and the waiver entry in their
    smallest forms."""
    body = markdown.split("> **Truncated:**", 1)[0]
    shown = {(heading or summary).strip() for heading, summary in SECTION.findall(body)}
    return shown | {
        name for name, starts in HEAD_LINES.items() if any(map(body.__contains__, starts))
    }


def closing_note(markdown: str, url: str, job_summary: bool) -> bool:
    """Whether the closing note has every link (the commit's, and the run's but in the job
    summary, which is on the run's page). Fails when the summary does not end with it."""
    footer = markdown.rsplit("<sub>dbtgate ", 1)
    assert len(footer) == 2 and footer[1].endswith("</sub>\n"), markdown[-300:]
    commit = "commit/" + COMMIT
    return commit in footer[1] and (job_summary or f"[run]({url})" in footer[1])


def blocking_items(markdown: str) -> int:
    """How many blocking findings the comment lists in full (not the lines pointing at the
    breaking changes' table above)."""
    if "#### Blocking findings" not in markdown:
        return 0
    section = markdown.split("#### Blocking findings", 1)[1].split("\n#### ", 1)[0]
    return len(re.findall(r"^- `", section.split("<details>", 1)[0], re.M))


@pytest.mark.parametrize(
    ("job_summary", "long_urls", "partly"),
    [
        pytest.param(
            job_summary,
            long_urls,
            partly,
            id="-".join(
                word
                for word, said in (
                    ("job summary" if job_summary else "comment", True),
                    ("500-character URLs", long_urls),
                    ("partly checked", partly),
                )
                if said
            ),
        )
        for partly in (False, True)
        for long_urls in (False, True)
        for job_summary in (False, True)
    ],
)
def test_a_section_shown_at_a_size_limit_is_shown_at_every_larger_one(
    job_summary: bool, long_urls: bool, partly: bool
) -> None:
    """And the closing note is always there, naming the lines under the verdict and the warnings
    it had no room for, and the waiver entry among the sections (the warnings and the line in
    place of the waiver entry went without a word, and with 500-character URLs the note was not
    there at all). It counts sections alone, and only with 500-character URLs names the first
    few of them only (it called the counts and the warnings sections, and counted them).
    `partly`: with what the verdict covers in part only, its first line is shown whole from a
    limit on, at every larger one, by 2,750 characters with a run's usual URLs (from 3,125 on,
    it was counted alone: the warnings' share had no room for it)."""
    report = large_report(partly)
    note_lines = (
        {**NOTE_LINES, "partly checked": "what was partly checked"} if partly else NOTE_LINES
    )
    first_whole = None  # the first limit that showed the first line of what is partly checked
    url, commit_url = (LONG_RUN_URL, LONG_COMMIT_URL) if long_urls else (RUN_URL, None)
    commit_url = commit_url or f"https://github.com/acme/shop/commit/{COMMIT}"
    options = RenderOptions(
        full_report_url=url, job_summary=job_summary, commit=COMMIT, commit_url=commit_url
    )
    first: dict[str, int] = {}  # each section, and the first limit that showed it
    kpis_from = None
    linked_from = None  # the first limit whose closing note had every link
    for size in SIZES:
        markdown = render_markdown(report, replace(options, max_markdown_chars=size))
        assert len(markdown) <= size
        assert markdown.startswith("### dbtgate: FAIL — "), (size, markdown[:200])
        shown = sections(markdown)
        linked = closing_note(markdown, url, job_summary)
        left_out = closing_note_left_out(markdown)
        assert "sections:" not in left_out.lines, (size, left_out)
        for name, words in note_lines.items():  # named, whatever the URLs
            assert (name in shown) != (words in left_out.lines), (size, name, left_out)
        # The sections named, all of them (with 500-character URLs, the first few).
        assert len(left_out.sections) == left_out.count or long_urls, (size, left_out)
        missing = {NOTE_SECTIONS[name] for name in NOTE_SECTIONS if name not in shown}
        assert left_out.count >= len(missing), (size, left_out)
        assert missing <= set(left_out.sections) or len(left_out.sections) < left_out.count
        linked_from = linked_from or (size if linked else None)
        assert linked or not linked_from, f"at {size} characters, no more links in the note"
        gone = {name: since for name, since in first.items() if name not in shown}
        assert not gone, f"at {size} characters, no more: {gone}"
        for name in shown:
            first.setdefault(name, size)
        if partly:
            whole = f"> **partly checked:** {md_text_code(PARTLY_CHECKED[0])}\n" in markdown
            first_whole = first_whole or (size if whole else None)
            assert whole or not first_whole, f"at {size} characters, no more partly checked"
        listed = blocking_items(markdown)
        if "KPIs vs targets" in shown:
            kpis_from = kpis_from or size
            # Their smallest form names the gated KPI below its target.
            kpi = markdown.split("#### KPIs vs targets", 1)[1].split("\n#### ", 1)[0]
            assert "test pass rate" in kpi and "97.5%" in kpi, (size, kpi)
        elif "Breaking changes" in shown:
            # Beside the table the findings have the room they keep at every larger limit: a
            # fourth of them comes with the KPIs' line.
            assert listed <= 3, f"at {size} characters, {listed} blocking findings and no KPIs"
        else:
            # Before the table has room, the findings fill its room (with partly checked lines,
            # a warning and 500-character URLs, 4 of them at 6,250 characters, 3 of them breaking
            # changes; none at 6,375, where the table comes), and the closing note counts it,
            # first of the sections it names (with 500-character URLs, under 2,000 characters,
            # it may name none). The KPIs' line there would be shown at every larger limit too,
            # ahead of the table's rows and of the few findings beside it (the findings 4 -> 0
            # at 6,250, 1 -> 0 at 8,750, a table row less at 6,375).
            assert left_out.count, (size, left_out)
            assert left_out.sections[:1] in ([], ["breaking changes"]), (size, left_out)
    # Every section has room at some limit, the KPIs no later than a fourth blocking finding
    # beside the breaking changes' table.
    assert kpis_from is not None, first
    assert first["against"] == LEAST_MARKDOWN_CHARS, first
    assert not partly or first_whole is not None
    assert not partly or long_urls or first_whole <= 2_750, first_whole
    assert linked_from is not None
    assert {
        "against",
        "counts",
        "not checked",
        "warnings",
        "waiver entry",
        "Breaking changes",
        "Blocking findings",
        "Lineage of the changed resources",
        "KPIs vs targets",
        "More KPIs",
        "Waivers used",
        "Advisory",
        "What changed",
        "Inputs",
    } <= {name.split(" (")[0] for name in first}, first


def test_the_least_limit_holds_the_verdict_and_a_smaller_one_is_refused() -> None:
    """At the least limit the verdict is shown, in its own words when the project's name is too
    long for the room, and the closing note names every section it had no room for (a limit
    of 700 characters or less showed no verdict at all); below it, no summary is rendered."""
    report = large_report()
    report["project"] = "shop_" * 200
    markdown = render_markdown(report, RenderOptions(max_markdown_chars=LEAST_MARKDOWN_CHARS))
    assert len(markdown) <= LEAST_MARKDOWN_CHARS
    assert markdown.startswith("### dbtgate: FAIL — 2,283 blocking findings, ")
    assert "shop_shop_" not in markdown
    assert (
        "had no room for the counts, what was not checked, the warnings and 12 sections: breaking"
        " changes, blocking findings, suggested waiver entry, lineage, " in markdown
    )
    report["project"] = "shop"
    markdown = render_markdown(report, RenderOptions(max_markdown_chars=LEAST_MARKDOWN_CHARS))
    assert markdown.startswith("### dbtgate: FAIL — 2,283 blocking findings, ")
    assert "(dbt project shop)" in markdown
    # With a 500-character run URL, the note links the run and names what its room holds: the
    # lines under the verdict, and the first sections, counted ("had no room for 15 sections"
    # named none, and called the lines sections).
    options = RenderOptions(
        full_report_url=LONG_RUN_URL,
        commit=COMMIT,
        commit_url=LONG_COMMIT_URL,
        max_markdown_chars=LEAST_MARKDOWN_CHARS,
    )
    markdown = render_markdown(report, options)
    assert len(markdown) <= LEAST_MARKDOWN_CHARS
    assert closing_note_left_out(markdown) == (
        "the counts, what was not checked, the warnings",
        ["breaking changes"],
        12,
    )
    assert "and 12 sections: breaking changes and 11 more; see the full report (" in markdown
    assert markdown.endswith(f" · [run]({LONG_RUN_URL})</sub>\n")
    with pytest.raises(ValueError, match="at least 1,000 characters, not 999"):
        render_markdown(report, RenderOptions(max_markdown_chars=LEAST_MARKDOWN_CHARS - 1))
