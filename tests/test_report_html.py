"""The HTML gate report as a file: self-contained, a strict CSP, escaped text, all sections."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections import Counter
from html.parser import HTMLParser

from report_samples import (
    INPUTS,
    blocking_owned_by,
    code_span_finding,
    expired_waiver,
    expiring_waiver,
    finding,
    lint_repeats,
    many_findings,
    project_and_unowned,
    sample_findings,
    sample_report,
    waiver_suggestion,
)

from dbtgate.findings import Finding
from dbtgate.report.html import render_html
from dbtgate.report.markdown import render_markdown
from dbtgate.report.options import RenderOptions
from dbtgate.report.view import DISPOSITION_TITLES

PAYLOAD = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">'


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in = tag if tag in ("script", "style") else None

    def handle_data(self, data):
        if self._in == "script":
            self.scripts.append(data)
        elif self._in == "style":
            self.styles.append(data)

    def handle_endtag(self, tag):
        self._in = None


def parse(page: str) -> _Collect:
    collected = _Collect()
    collected.feed(page)
    return collected


def injected_report() -> dict:
    evil = finding(
        code="docs.model_description",
        severity="error",
        message=f"description: {PAYLOAD}",
        unique_id="model.shop.evil",
        resource_name=f"evil{PAYLOAD}",
        owner=f'"><svg onload=alert(1)>{PAYLOAD}',
        path="models/evil.yml",
        line=3,
        disposition="blocking",
        details={"description": PAYLOAD},
    )
    report = sample_report([evil, *sample_findings()])
    report["sections"]["lineage"]["nodes"][0]["name"] = PAYLOAD
    return report


def data_block_payload(owner: str) -> Finding:
    """An advisory finding whose message, owner and details try to end the <script> data block
    of a large report, or to open a comment in it."""
    return finding(
        code="docs.model_description",
        severity="info",
        message=f"description: {PAYLOAD} </script><script>window.__pwned = 3</script> <!-- <script>",
        unique_id="model.big.evil",
        owner=owner,
        disposition="advisory",
        details={"description": PAYLOAD},
    )


def test_page_is_self_contained() -> None:
    page = render_html(sample_report(), RenderOptions(blob_url="https://github.com/a/b/blob/s"))
    collected = parse(page)
    for tag, attrs in collected.tags:
        assert tag not in ("link", "iframe", "object", "embed", "img"), tag
        if tag == "script":
            assert "src" not in attrs
    # No url() but to a fragment of the page itself (the lineage's arrowhead marker).
    assert "@import" not in page and not re.search(r"url\((?!#)", page)
    # The only URLs are file links for the reader to follow (and the SVG namespace).
    urls = set(re.findall(r"https?://[^\"'<> ]+", page))
    assert urls <= {"http://www.w3.org/2000/svg"} | {
        u for u in urls if u.startswith("https://github.com/a/b/blob/s/")
    }


def test_csp_allows_only_this_pages_own_script_and_style() -> None:
    page = render_html(sample_report())
    collected = parse(page)
    csp = next(
        attrs["content"]
        for tag, attrs in collected.tags
        if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy"
    )
    assert "default-src 'none'" in csp
    assert "unsafe-inline" not in csp
    (script,) = collected.scripts
    (style,) = collected.styles
    for text, directive in ((script, "script-src"), (style, "style-src")):
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}'" in csp
    assert not any("style" in attrs for _, attrs in collected.tags)  # CSP would block those


def test_expired_waivers_join_the_used_ones_and_no_date_is_counted_from_the_build() -> None:
    """Days are the gate's (`waiver.expiring`, counted from the day it judged waivers on): the
    page counted other dates from the build's, which neither the console nor the PR comment
    did, and which said "28 days before this build" of a waiver that expired yesterday."""
    expired = expired_waiver()
    expired.details["expires"] = "2026-02-01"  # the sample build is of 2026-03-01
    report = sample_report([*sample_findings(), expired])
    report["waivers"][0]["expires"] = "2099-12-31"
    page = render_html(report)
    assert "<h2>Waivers used (1) and expired (1)</h2>" in page
    assert (
        '<td data-label="expires" class="expired">2026-02-01 (expired)</td>'
        '<td data-label="reason">owned by the CRM team &lt;soon&gt;</td>'
        '<td data-label="findings">3 (no longer waived)</td>'
    ) in page
    assert '<td data-label="expires" class="">2099-12-31</td>' in page and "this build)" not in page


def test_rule_help_keeps_its_code_spans_and_a_finding_on_no_resource_shows_no_chip() -> None:
    bare = finding(code="run.not_run", severity="error", message="no run", disposition="blocking")
    page = render_html(sample_report([*sample_findings(), bare]))
    row = page[page.index('data-fingerprint="' + bare.fingerprint) :]
    row = row[: row.index("</tr>")]
    assert '<a class="rule-link" href="#rule-run.not_run">' in row
    # No empty code chip: the build's finding is the whole project's, in words.
    assert '<td class="resource"><span class="scope">whole project</span></td><td>no run' in row
    rules = page[page.index('<section id="rules">') :]
    assert "`" not in rules[: rules.index("</section>")]


def test_a_message_shows_its_code_spans_as_code_and_escapes_what_is_in_them() -> None:
    """dbtgate's messages write commands in backticks (`dbt test` builds no models); shown
    as written beside fix hints rendered as code, they read as stray punctuation."""
    said = code_span_finding()
    page = render_html(sample_report([*sample_findings(), said]))
    row = page[page.index('data-fingerprint="' + said.fingerprint) :]
    row = row[: row.index("</tr>")]
    assert (
        "orders was not built by <code>dbt test</code>; <code>&lt;b&gt;x&lt;/b&gt;</code> and *y* stay"
        in row
    )


def test_sections_for_release_managers_are_all_there() -> None:
    page = render_html(sample_report())
    for section in ("breaking", "lineage", "findings", "kpis", "waivers", "inputs"):
        assert f'<section id="{section}">' in page
    # Under the header, a link to each section, in the page's order.
    nav = page[page.index('<nav class="contents">') : page.index("</nav>")]
    linked = re.findall(r'href="#([a-z-]+)"', nav)
    assert linked == re.findall(r'<section id="([a-z-]+)">', page)
    assert "finance_revenue (direct reader; does not select item_count)" in page
    # Not announced by the gate (waiver.expiring), so neither marked nor counted in days.
    assert '<td data-label="expires" class="">2026-03-20</td>' in page
    assert "11111111-2222-3333-4444-555555555555" in page
    assert page.count('<tr class="finding"') == 9
    assert '<g class="breaking" data-id="model.shop.orders_summary.v2">' in page
    assert "build of 2026-03-01 10:00:00 UTC (when dbt wrote its manifest) · gated by" in page


RELEASE = "5789142f186d92dca90a9756a894768fd0f0ff38"
PREVIOUS = "4daa4d5ae581c0add4b9b903d7b79a37743fd21a"


def test_the_page_says_which_release_it_gated_and_against_which_base() -> None:
    """Two releases' pages (or printouts) read alike: the commit and its tag were only in the
    audit trail at the foot. Under the verdict now, and in the title a tab or a printed page's
    header shows."""
    git = {"commit": RELEASE, "refs": ["main", "tag v1.1"]}
    page = render_html(sample_report(inputs={**INPUTS, "git": git}))
    assert "<title>dbtgate FAIL — shop v1.1</title>" in page
    assert (
        '<p class="why gated"><b>of:</b> commit 5789142 (tag v1.1, main) · <b>against:</b> the '
        "base build base (dbt wrote its manifest 2026-02-28 10:00:00 UTC)</p>"
    ) in page
    ref = {"ref": "v1.0", "sha": PREVIOUS}
    page = render_html(sample_report(inputs={**INPUTS, "git": git, "base_ref": ref}))
    assert "<b>against:</b> v1.0 (commit 4daa4d5)</p>" in page
    # A branch that left the base ref behind is compared with the merge base, which it names.
    moved = {**ref, "ref": "origin/main", "tip": RELEASE}
    page = render_html(sample_report(inputs={**INPUTS, "git": git, "base_ref": moved}))
    assert "<b>against:</b> origin/main where this branch left it (commit 4daa4d5)</p>" in page
    # No tag: the commit names the page; no base build: said so.
    untagged = {"artifacts": INPUTS["artifacts"], "git": {"commit": RELEASE, "refs": []}}
    page = render_html(sample_report(inputs=untagged))
    assert "<title>dbtgate FAIL — shop 5789142</title>" in page
    assert "<b>of:</b> commit 5789142 · <b>against:</b> no base build</p>" in page
    # A report that records neither (no git, no base) has no such line.
    page = render_html(sample_report(inputs={"artifacts": INPUTS["artifacts"]}))
    assert "<title>dbtgate FAIL — shop</title>" in page and 'class="why gated"' not in page
    # A checkout with uncommitted edits is not quite the tag's: said under the verdict and in
    # the title; none edited reads as a report saved before dbtgate counted them.
    edited = {"commit": RELEASE, "refs": ["tag v1.1"], "edited": 3}
    page = render_html(sample_report(inputs={**INPUTS, "git": edited}))
    assert "<title>dbtgate FAIL — shop v1.1 with edits</title>" in page
    assert "<b>of:</b> commit 5789142 (tag v1.1) with uncommitted edits to 3 files · " in page
    clean = render_html(sample_report(inputs={**INPUTS, "git": {**git, "edited": 0}}))
    assert "<b>of:</b> commit 5789142 (tag v1.1, main) · <b>against:</b>" in clean
    assert "<title>dbtgate FAIL — shop v1.1</title>" in clean


def test_untrusted_text_is_escaped_everywhere() -> None:
    page = render_html(injected_report())
    collected = parse(page)
    assert len(collected.scripts) == 1 and "__pwned" not in collected.scripts[0]
    assert not any(tag in ("img", "svg") and "onload" in attrs for tag, attrs in collected.tags)
    assert not any(name.startswith("on") for _, attrs in collected.tags for name in attrs)
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    owners = {attrs.get("data-owner") for tag, attrs in collected.tags if tag == "tr"}
    assert f'"><svg onload=alert(1)>{PAYLOAD}' in owners  # intact as an attribute value


def test_findings_table_lists_blocking_first_then_by_disposition() -> None:
    page = render_html(sample_report(list(reversed(sample_findings()))), RenderOptions())
    table = page.split('id="findings-table"', 1)[1]
    order = re.findall(r'data-disposition="([a-z_]+)"', table)
    rank = list(DISPOSITION_TITLES)
    assert order[0] == "blocking"
    assert order == sorted(order, key=rank.index)


def test_findings_table_lists_breaking_and_run_findings_before_policy_and_lint() -> None:
    """Within a status the table lists what the console and the PR comment list first: a
    breaking change, then a model that was not built, then policy findings, lint last. Its
    first page is all that prints: at 1,000 models a release's unbuilt models came after
    2,500 policy findings (the JSON's order, by rule code) and were in no printed row."""
    from report_samples import many_findings

    from dbtgate.report.html import PAGE_ROWS

    def blocking(code: str, name: str) -> Finding:
        return finding(
            code=code,
            severity="error",
            message=f"{name} fails {code}",
            unique_id=f"model.shop.{name}",
            disposition="blocking",
        )

    findings = [
        *many_findings(2 * PAGE_ROWS),  # 750 blocking, 250 advisory
        blocking("lint.LT05", "styled"),
        blocking("run.not_run", "unbuilt"),
        blocking("breaking.column_removed", "broken"),
        blocking("freshness.error", "stale"),
    ]
    page = render_html(sample_report(findings))
    table = page.split('id="findings-table"', 1)[1].split("</tbody>", 1)[0]
    rules = re.findall(r'<tr class="finding"[^>]*data-rule="([^"]+)"', table)
    assert len(rules) == PAGE_ROWS
    assert rules[:3] == ["breaking.column_removed", "run.not_run", "freshness.error"]
    assert "lint.LT05" not in rules  # the last blocking one, on a later page
    statuses = re.findall(r'<tr class="finding"[^>]*data-disposition="([a-z_]+)"', table)
    assert set(statuses) == {"blocking"}  # blocking first still: 754 of them


def test_each_breaking_change_says_who_owns_it_escaped() -> None:
    """The breaking changes' table, the first a release manager reads, names the owner of each
    changed resource under it (the team to fix it or sign it off), not only its readers'
    owners; an owner's name is the YAML's, escaped, and a resource without one says so."""

    def owned_by(owner: str | None) -> list[str]:
        report = injected_report()
        (change,) = [f for f in report["findings"] if f["family"] == "breaking"]
        change["owner"] = owner
        page = render_html(report)
        table = page.split('<section id="breaking">', 1)[1].split("</section>", 1)[0]
        assert "<b>" not in table
        pattern = r'<td class="resource">.*?<div class="owned">(.*?)</div></td>'
        return [re.sub(r"<wbr>", "", cell) for cell in re.findall(pattern, table)]

    assert owned_by("Finance Analytics") == [
        'owned by <span class="owner">Finance Analytics</span>'
    ]
    assert owned_by(f"<b>{PAYLOAD}</b>") == [
        f'owned by <span class="owner">{html.escape(f"<b>{PAYLOAD}</b>")}</span>'
    ]
    # As gate.md says it: "owned by (no owner)" read as a team of that name.
    assert owned_by(None) == ["no owner"]


def test_the_kpi_notes_show_their_code_as_code_escaped() -> None:
    """The scorecard's notes name commands as code (`dbt build --select ...`): in the notes
    table they printed with their backticks, as the notes under the scorecard do not; what a
    code span holds is escaped, as everywhere."""
    report = sample_report()
    report["sections"]["kpis"]["notes"] = [
        "test pass rate: 3 tests of the build's had no result in it (a run of part of the "
        "project, as `dbt build --select ...`) and are not counted",
        f"owner `{PAYLOAD}` is not `counted",
    ]
    page = render_html(report)
    notes = page.split('<section id="kpis">', 1)[1].split("</section>", 1)[0]
    notes = notes.split("<h3>notes</h3>", 1)[1]
    assert "<code>dbt build " in notes and "`dbt build" not in notes
    assert "<script>" not in notes and "&lt;script&gt;" in notes
    assert "is not `counted" in notes  # an unmatched backtick stays as written


def test_a_large_report_carries_its_rows_as_data_that_cannot_close_the_script() -> None:
    """Beyond html.PAGE_ROWS findings the table holds the first page and the rest travel as a
    compressed JSON data block (zlib, in base64): markup in it must not end that block, nor
    open a comment, and the data must read back as every row, in the table's order."""
    import json
    import zlib

    from report_samples import many_findings

    from dbtgate.report.html import PAGE_ROWS

    evil = data_block_payload(owner="@x</SCRIPT>")
    page = render_html(sample_report([*many_findings(PAGE_ROWS + 100), evil]))
    collected = parse(page)
    (data,) = [
        text
        for (tag, attrs), text in zip(
            [t for t in collected.tags if t[0] == "script"], collected.scripts, strict=True
        )
        if attrs.get("type") == "application/octet-stream"
        and attrs.get("data-encoding") == "deflate"
    ]
    assert re.fullmatch(r"[A-Za-z0-9+/]+=*", data)  # base64: no `<` to end the block
    unpacked = zlib.decompress(base64.b64decode(data))
    # Each row's markup repeats its rule's help and fix: packed, the data is a fraction of it.
    assert len(data) * 4 < len(unpacked)
    rows = json.loads(unpacked)
    assert len(rows) == PAGE_ROWS + 101
    assert page.count('<tr class="finding"') == PAGE_ROWS  # in the table; the rest as data
    table = page.split('id="findings-table"', 1)[1].split("<tbody>", 1)[1].split("</tbody>")[0]
    assert table == "".join(row[6] for row in rows[:PAGE_ROWS])
    (evil_row,) = [row for row in rows if row[0] == "@x</SCRIPT>"]
    # What the filters compare, the last whether the change touched it (a base build's report).
    assert evil_row[1:6] == ["none", "info", "advisory", "docs.model_description", "untouched"]
    assert "&lt;/script&gt;&lt;script&gt;window.__pwned = 3" in evil_row[6]
    assert 'id="findings-pager"' in page and f"{PAGE_ROWS} of {PAGE_ROWS + 101}" in page


def test_a_large_reports_count_beside_the_filters_is_of_findings_not_rows() -> None:
    """A row of six repeats on the first page counts six beside the filters, as the heading and
    each filter's choices count findings; the pager alone speaks of rows."""
    from report_samples import lint_repeats, many_findings

    from dbtgate.report.html import PAGE_ROWS

    # 450 blocking policy findings, then the lint row of six blocking repeats: on the first page.
    findings = [*many_findings(600), *lint_repeats(6)]
    page = render_html(sample_report(findings))
    total = len(findings)
    assert f"<h2>Findings ({total:,})</h2>" in page
    assert f'<span id="shown-count">{PAGE_ROWS - 1 + 6} of {total:,}</span> shown' in page
    assert f"rows 1–{PAGE_ROWS} of {total - 5}" in page


def test_a_large_report_says_on_the_page_what_the_table_leaves_out_and_where_it_is() -> None:
    """Without JavaScript, or on paper, the first page of findings is all the table holds: the
    page says how many it leaves out, of which status, and where every finding is."""
    from report_samples import many_findings

    from dbtgate.report.html import PAGE_ROWS

    # 600 blocking and 200 advisory, blocking first: the table holds 500 blocking ones.
    page = render_html(sample_report(many_findings(800)))
    assert PAGE_ROWS == 500
    assert (
        '<p class="rest" id="findings-rest">Not in the table: '
        '<span id="rest-count">300 of 800 findings</span> '
        '(<span id="rest-status">100 blocking, 200 advisory</span>); every finding is in the JSON '
        "gate report (gate.json, which <code>--format json</code> writes).</p>"
    ) in page
    # The controls need the script: written hidden, it shows them.
    assert (
        '<nav class="pager" id="findings-pager" aria-label="pages of findings" data-page="500"'
        " hidden>"
    ) in page
    # Owner, tier, severity, rule, status and the change (the sample compared a base build).
    assert page.count("<label hidden>") == 6 and 'id="reset-filters" hidden>' in page


def test_the_headers_counts_are_grouped_in_thousands() -> None:
    """A 10,000-model project's header read "38962 blocking", "docs 9757" beside the verdict's
    "38,962 blocking findings"."""
    from report_samples import many_findings

    page = render_html(sample_report(many_findings(4000)))  # 3,000 blocking, 1,000 advisory
    cards = re.findall(r'<div class="card"><b>([^<]*)</b><span>([^<]*)</span>', page)
    assert cards[:3] == [("4,000", "findings"), ("3,000", "blocking"), ("1,000", "advisory")]
    assert "<b>what blocks:</b> docs 1,000 · owner 1,000 · tests 1,000 (" in page
    assert "by family: docs: 1,334, owner: 1,333, tests: 1,333</p>" in page
    assert '<span id="rest-count">3,500 of 4,000 findings</span>' in page


def test_the_header_splits_the_findings_by_severity_as_the_pr_comment_does() -> None:
    """The PR comment's count line says "(6 errors, 2 warnings)" beside the statuses; the
    page's header said the statuses only, and the two read differently side by side."""
    from report_samples import many_findings

    report = sample_report(many_findings(8))
    page = render_html(report)
    header = page.split("<header>", 1)[1].split("</header>", 1)[0]
    assert '<p class="severities">(6 errors, 2 warnings)</p>' in header
    assert "\n\n**8 findings:** 6 blocking · 2 advisory (6 errors, 2 warnings)" in (
        render_markdown(report)
    )
    assert 'class="severities"' not in render_html(sample_report([]))


def test_what_the_verdict_covers_in_part_only_is_beside_it_not_in_the_audit_trail() -> None:
    """A note that changes how to read the verdict sat in the audit trail's notes at the foot
    of the page only: it is in the header, once, its code as code, escaped."""
    partly = "1 relation the run did not build compared by YAML only (`model.shop.<b>x</b>`)"
    plain = "lint: changed lines measured against the base build's SQL"
    page = render_html(sample_report(notes=[partly, plain], partly_checked=[partly]))
    header, body = page.split("</header>", 1)
    assert (
        '<p class="not-checked"><b>partly checked:</b> 1 relation the run did not build compared'
        " by YAML only (<code>model.shop.&lt;b&gt;x&lt;/b&gt;</code>)</p>"
    ) in header
    assert "1 relation the run" not in body.split("<script", 1)[0]
    assert "<li>lint: changed lines measured against the base build&#x27;s SQL</li>" in body
    assert "lint: changed" not in header


def test_a_path_wraps_between_directories_never_inside_a_file_name() -> None:
    page = render_html(sample_report())
    # The line number is one box (`.end`, kept whole) with the file name's extension: however
    # narrow the cell, it never goes on a line of its own.
    end = '<span class="end">.{}</span>'
    assert f"<code>models/<wbr>marts/<wbr>_marts{end.format('yml:50')}</code></td>" in page
    assert f"<code>models/<wbr>marts/<wbr>_orders_summary{end.format('yml:46')}</code>" in page
    cells = re.findall(r'<td class="where">(.*?)</td>', page)
    # The breaking change's row, then every finding's (the KPI finding's empty: it has no path).
    assert len(cells) == 1 + len(sample_findings()) and cells.count("") == 1
    for cell in cells:
        assert "_<wbr>" not in cell and ".<wbr>" not in cell, cell


def test_a_line_number_keeps_the_file_names_last_characters_whatever_the_name() -> None:
    """The box kept whole holds the line and column and the name's extension, or the last five
    characters of a name without one; a location without a line has no box; all escaped."""
    places = {
        "seeds/raw_orders.csv": (4, 12),
        "Makefile": (3, None),
        "macros/<b>.sql": (9, None),
        "models/_models.yml": (None, None),
    }
    findings = [
        finding(code="owner.present", severity="warn", message="m", path=p, line=n, column=c)
        for p, (n, c) in places.items()
    ]
    cells = re.findall(r'<td class="where">(.*?)</td>', render_html(sample_report(findings)))
    assert sorted(cells) == sorted(
        [
            '<code>seeds/<wbr>raw_orders<span class="end">.csv:4:12</span></code>',
            '<code>Mak<span class="end">efile:3</span></code>',
            '<code>macros/<wbr>&lt;b&gt;<span class="end">.sql:9</span></code>',
            "<code>models/<wbr>_models.yml</code>",
        ]
    )


def test_an_owner_is_one_box_that_wraps_only_between_its_parts() -> None:
    """Each owner of a cell its own box (the stylesheet keeps it whole where the column
    allows), breakable after a `/` and before an `@`, its text escaped."""
    report = sample_report(
        blocking_owned_by(["@acme-corp/data-platform", "analytics-engineering@acme.com"])
    )
    page = render_html(report)
    assert (
        '<td class="owners"><span class="owner">@acme-corp/<wbr>data-platform</span></td>' in page
    )
    assert '<span class="owner">analytics-engineering<wbr>@acme.com</span>' in page
    evil = render_html(injected_report())
    # The breaking change's owners too.
    assert '<td class="owners"><span class="owner">Finance Analytics</span></td><td><span' in evil
    assert (
        '<span class="owner">&quot;&gt;&lt;svg onload=alert(1)&gt;&lt;script&gt;'
        "window.__pwned = 1&lt;/<wbr>script&gt;" in evil
    )


def test_without_a_base_build_breaking_changes_read_not_checked_not_none() -> None:
    """ "None." would read as a pass of a check that never ran."""
    report = sample_report([])
    assert '<h2>Breaking changes</h2><p class="muted">None.</p>' in render_html(report)
    del report["sections"]["diff"]
    page = render_html(report)
    assert '<h2>Breaking changes</h2><p class="muted">None.</p>' not in page
    assert "Not checked: there was no base build to compare with (--base PATH|REF)." in page
    # ... and the header says so beside the verdict, with what else the verdict does not cover.
    report["not_checked"] = [
        "breaking changes (no base build)",
        "source freshness (no sources.json) <i>",
    ]
    header = render_html(report).split("</header>")[0]
    assert (
        '<p class="not-checked"><b>not checked:</b> breaking changes (no base build) · source '
        "freshness (no sources.json) &lt;i&gt;</p>"
    ) in header


def test_the_header_reads_as_gate_md_verdict_against_findings_coverage_warnings() -> None:
    """Under the verdict, what it was against, the counts, then what it did not cover and
    covered in part only, together (the warnings sat between them), then the warnings: the
    order gate.md says them in."""
    report = sample_report(
        many_findings(3),
        not_checked=["policies (no dbtgate.yml)"],
        partly_checked=["1 relation compared by YAML only"],
        warnings=["catalog.json is older than manifest.json"],
    )
    header = render_html(report).split("</header>", 1)[0]
    said = [
        header.index(part)
        for part in (
            'id="verdict"',
            "<b>against:</b>",
            '<div class="cards">',
            "<b>not checked:</b> policies",
            "<b>partly checked:</b> 1 relation",
            '<p class="expiring">warning: catalog.json',
        )
    ]
    assert said == sorted(said)
    markdown = render_markdown(report)
    said = [
        markdown.index(part)
        for part in (
            "### ",
            "**Against**",
            "**3 findings:**",
            "**Not checked:**",
            "> **partly",
            "> **warning",
        )
    ]
    assert said == sorted(said)


def test_code_in_a_fix_hint_is_a_code_element() -> None:
    made = finding(
        code="owner.present",
        severity="error",
        message="m",
        unique_id="model.shop.x",
        fix="Set `meta.owner` (or `<script>`).",
        disposition="blocking",
    )
    page = render_html(sample_report([made]))
    assert "fix: Set <code>meta.owner</code> (or <code>&lt;script&gt;</code>).</div>" in page


def test_a_fix_that_is_a_command_is_one_code_element() -> None:
    """`dbtgate lint --fix ...` is a command to copy, not prose; the file name is the PR's."""
    made = finding(
        code="lint.CP01",
        severity="error",
        message="m",
        unique_id="model.shop.x",
        fix="dbtgate lint --fix CP01 'models/<b>x`y</b>.sql' --base-ref origin/main",
        disposition="blocking",
    )
    page = render_html(sample_report([made]))
    # Each option kept on one line (`opt`): printed, the command broke after `--`.
    assert (
        '<code>dbtgate lint <span class="opt">--fix</span> CP01 '
        "&#x27;models/&lt;b&gt;x`y&lt;/b&gt;.sql&#x27; "
        '<span class="opt">--base-ref</span> origin/main</code></div>'
    ) in page


def test_the_header_names_who_owns_what_blocks_the_unowned_last() -> None:
    """What blocks, then who must act on it, before the findings table (as the PR comment
    groups the blocking findings by owner)."""
    unowned = finding(
        code="owner.present",
        severity="error",
        message="x has no owner <b>",
        unique_id="model.shop.x",
        disposition="blocking",
    )
    header = render_html(sample_report([*sample_findings(), unowned])).split("</header>")[0]
    assert (
        '<p class="why"><b>owned by:</b> <span class="owner">@finance-eng 1</span> · '
        '<span class="owner">Finance Analytics 1</span> · '
        '<span class="owner">Marketing Analytics 1</span> · <span class="owner">(no owner) 1</span></p>'
    ) in header
    passing = render_html(
        sample_report([f for f in sample_findings() if f.disposition != "blocking"])
    )
    assert "owned by:" not in passing


def test_a_kpi_is_the_whole_projects_first_in_the_header_and_the_filter_not_no_owners() -> None:
    """A gated KPI has no resource, so no owner: under "(no owner)" it read as one more model
    nobody owns, in the header's owners, the owner filter and its row; in the header's "owned
    by" it read as a team named "Whole project or selection"."""
    page = render_html(sample_report([*sample_findings(), *project_and_unowned()]))
    header = page.split("</header>")[0]
    assert (
        '<p class="why"><b>on the whole project or a selection:</b> 2</p>'
        '<p class="why"><b>owned by:</b> <span class="owner">@finance-eng 1</span> · '
        '<span class="owner">Finance Analytics 1</span> · '
        '<span class="owner">Marketing Analytics 1</span> · <span class="owner">(no owner) 1</span></p>'
    ) in header
    # When only the whole project's findings block, no one is named.
    whole = [f for f in project_and_unowned() if f.code != "owner.present"]
    header = render_html(sample_report(whole)).split("</header>")[0]
    assert "<b>on the whole project or a selection:</b> 2</p>" in header
    assert "owned by:" not in header
    owner_filter = page.split('id="filter-owner"')[1].split("</select>")[0]
    assert re.findall(r'<option value="([^"]*)">', owner_filter) == [
        "",
        "Whole project or selection",
        "@data-platform",
        "@finance-eng",
        "Finance Analytics",
        "Marketing Analytics",
        "(no owner)",
    ]
    rows = re.findall(r'<tr class="finding" data-owner="([^"]*)".*?href="#rule-([\w.]+)"', page)
    owners = {
        code: owner for owner, code in rows if code.startswith(("kpi.", "owner.", "tests.cov"))
    }
    assert owners == {
        "tests.coverage": "Whole project or selection",
        "kpi.test_pass_rate": "Whole project or selection",
        "kpi.tier1_test_coverage": "Whole project or selection",
        "owner.present": "(no owner)",
    }
    # A rule's finding on a policy's whole selection is on that selection, not the config file.
    rows = re.findall(r'<tr class="finding".*?</tr>', page, re.S)
    (row,) = [r for r in rows if "rule-tests.cov" in r]
    assert '<td class="resource"><code>tier:1</code></td>' in row
    # A KPI's finding says what it measures where the others name their resource.
    scopes = {
        code: scope
        for code, scope in re.findall(
            r'href="#rule-(kpi\.\w+)".*?<td class="resource">(.*?)</td>', page, re.S
        )
    }
    assert scopes == {
        "kpi.test_pass_rate": '<span class="scope">whole project</span>',
        "kpi.tier1_test_coverage": '<span class="scope">tier-1 resources</span>',
    }


def test_the_rule_filter_lists_each_rule_with_its_count_and_each_row_its_rule() -> None:
    """At 10,000 models a handful of rules make most of 39,000 findings: the filter says how
    many each has, every finding's row carries its code for the filter to compare."""
    from report_samples import many_findings

    page = render_html(sample_report([*many_findings(1000), data_block_payload("@x")]))
    rule_filter = page.split('id="filter-rule"')[1].split("</select>")[0]
    assert re.findall(r'<option value="([^"]*)">([^<]*)<', rule_filter) == [
        ("", "any"),
        ("docs.column_coverage", "docs.column_coverage (334)"),
        ("docs.model_description", "docs.model_description (1)"),
        ("owner.present", "owner.present (333)"),
        ("tests.primary_key", "tests.primary_key (333)"),
    ]
    rows = re.findall(
        r'<tr class="finding"[^>]* data-rule="([^"]*)"[^>]*>.*?href="#rule-([\w.]+)"', page
    )
    assert len(rows) == 500 and all(attribute == code for attribute, code in rows)


def test_every_filter_lists_its_choices_with_their_counts_and_none_without_findings() -> None:
    """Only the rule filter counted its choices: which of 30 owners had 7,168 of 29,000
    findings, and which status had none at all ("waived" picked an empty table), was read only
    by picking each in turn."""
    from report_samples import many_findings

    report = sample_report([*many_findings(1000), data_block_payload("@x")])
    page = render_html(report)

    def choices(name: str) -> list[tuple[str, str]]:
        select = page.split(f'id="filter-{name}"')[1].split("</select>")[0]
        return re.findall(r'<option value="([^"]*)">([^<]*)<', select)[1:]

    findings = report["findings"]
    severities = Counter(f["severity"] for f in findings)
    assert choices("severity") == [
        (name, f"{name} ({severities[name]:,})") for name in ("error", "warn", "info")
    ]
    # No one is waived, outside the change or in the baseline: those are no choice.
    statuses = Counter(f["disposition"] for f in findings)
    assert set(statuses) == {"blocking", "advisory"}
    assert choices("disposition") == [
        ("blocking", f"blocking ({statuses['blocking']:,})"),
        ("advisory", f"advisory ({statuses['advisory']:,})"),
    ]
    owners = choices("owner")
    assert owners[:2] == [("@team-0", "@team-0 (40)"), ("@team-1", "@team-1 (40)")]
    assert len(owners) == 26 and ("@x", "@x (1)") in owners
    counts = [int(text.rsplit("(", 1)[1][:-1].replace(",", "")) for _, text in owners]
    assert sum(counts) == len(findings) == 1_001
    tiers = Counter(str(f["tier"]) for f in findings)
    assert choices("tier") == [
        *((tier, f"{tier} ({tiers[tier]})") for tier in ("1", "2", "3")),
        ("none", f"no tier ({tiers['None']})"),
    ]


def test_a_finding_without_a_tier_reads_no_tier_in_the_filter_and_a_dash_in_its_row() -> None:
    """As "no tier" in every other report ("none" read as a tier named so), tiers by number."""
    findings = [*sample_findings(), *project_and_unowned()]
    findings.append(finding(code="owner.present", severity="error", message="m", tier=10))
    report = sample_report(findings)
    page = render_html(report)
    tier_filter = page.split('id="filter-tier"')[1].split("</select>")[0]
    tiers = Counter(str(f["tier"]) for f in report["findings"])
    assert re.findall(r'<option value="([^"]*)">([^<]*)<', tier_filter) == [
        ("", "any"),
        ("1", f"1 ({tiers['1']})"),
        ("2", f"2 ({tiers['2']})"),
        ("3", f"3 ({tiers['3']})"),
        ("10", "10 (1)"),
        ("none", f"no tier ({tiers['None']})"),
    ]
    rows = re.findall(r'<tr class="finding".*?</tr>', page, re.S)
    (kpi,) = [row for row in rows if "rule-kpi.test_pass_rate" in row]
    assert 'data-tier="none"' in kpi  # what the filter matches
    assert '</span></td><td>–</td><td><span class="disp' in kpi


def test_a_release_with_a_hundred_owners_names_those_with_most_blocking_in_the_header() -> None:
    """120 teams were listed in full: a wall of names above the verdict's cards."""
    # team 7 has three findings, team 100 two, the others one
    blocking = blocking_owned_by([f"@team-{i % 120:03d}" for i in [*range(120), 127, 247, 220]])
    header = render_html(sample_report(blocking)).split("</header>")[0]
    owners = re.findall(r'<span class="owner">([^<]*)</span>', header)
    assert len(owners) == 12
    # the two with most first, then by name; shown in the usual (alphabetical) order
    assert owners[:3] == ["@team-000 1", "@team-001 1", "@team-002 1"]
    assert "@team-007 3" in owners and "@team-100 2" in owners
    assert "· and 108 more owners (each with theirs in" in header


def test_waiver_expiry_is_the_gates_when_it_ran_long_after_the_build() -> None:
    """The sample build is of 2026-03-01; gated in November, the gate found one waiver expired
    (2026-11-01) and announced another expiring in 9 days. The page counted both from the build:
    the expired one read "245 days after this build", the other "expires 264 days after"."""
    notice = expiring_waiver()
    report = sample_report([*sample_findings(), expired_waiver(), notice])
    report["waivers"][0]["expires"] = "2026-11-20"
    page = render_html(report)
    assert '<td data-label="expires" class="expiring">2026-11-20 (expires in 9 days)</td>' in page
    assert '<td data-label="expires" class="expired">2026-11-01 (expired)</td>' in page
    assert "after this build" not in page


def test_the_kpis_of_more_owners_than_a_table_shows_say_how_many_are_left_out() -> None:
    """The KPIs by owner stopped at the 200th of 250 owners without a word."""
    report = sample_report()
    measure = {"value": 0.5, "numerator": 1, "denominator": 2}
    report["sections"]["kpis"]["by_owner"] = {
        f"@team-{i:03d}": {"test_coverage": measure} for i in range(250)
    }
    page = render_html(report)
    by_owner = page[page.index("<summary>by owner</summary>") :].split("</table>")[0]
    assert by_owner.count("<tr>") == 1 + 200 + 1  # the header, 200 owners, the note
    assert "<td>… 50 more rows</td><td></td></tr></tbody>" in by_owner


def test_kpis_with_a_target_lead_the_scorecard_and_a_missed_one_is_marked() -> None:
    """Among sixteen KPIs a missed target read like any other cell (the page's status-missed
    style was never applied), and the targeted KPIs were scattered among the others."""
    report = sample_report()
    scorecard = report["sections"]["kpis"]["scorecard"]
    report["sections"]["kpis"]["scorecard"] = {
        "owner_coverage": {
            "value": 0.5,
            "numerator": 1,
            "denominator": 2,
            "label": "owner coverage",
            "target": None,
            "status": "no target",
            "gated": False,
        },
        **scorecard,
        "docs_models": {
            "value": 1.0,
            "numerator": 2,
            "denominator": 2,
            "label": "models documented",
            "target": 0.9,
            "status": "met",
            "gated": False,
        },
    }
    kpis = render_html(report).split('<section id="kpis">')[1].split("</table>")[0]
    labels = re.findall(r"<tr><td>([^<]+)</td>", kpis)
    assert labels == [
        "tier-1 test coverage",
        "test pass rate",
        "models documented",
        "owner coverage",
    ]
    assert (
        '<td data-label="target">80.0%</td><td data-label="status" class="status-missed">below (not gated)</td>'
        in kpis
    )
    assert (
        '<td data-label="target">98.0%</td><td data-label="status" class="status-missed">below (gated)</td>'
        in kpis
    )
    assert "<th>gated</th>" not in kpis
    assert (
        '<td data-label="target">90.0%</td><td data-label="status" class="status-met">met</td>'
        in kpis
    )
    assert '<td data-label="target">–</td><td data-label="status" class="">no target</td>' in kpis


def long_named_lineage() -> dict:
    """The sample report with lineage nodes named as a large project names its models."""
    report = sample_report()
    nodes = report["sections"]["lineage"]["nodes"]
    nodes[0]["name"] = "stg_tiktok_ads__ad_history_report_daily"
    nodes[1]["name"] = "stg_tiktok_ads__ad_history_report_hourly_by_country_and_campaign"
    return report


def test_a_long_model_name_in_the_lineage_takes_two_lines_not_an_ellipsis() -> None:
    """Cut to one line, both nodes read "stg_tiktok_ads__ad_hist…": on paper, with no tooltip,
    the reader could not tell which was which."""
    page = render_html(long_named_lineage())
    assert '>stg_tiktok_ads__ad_<tspan x="246" dy="13">history_report_daily</tspan></text>' in page
    # Beyond two lines the name is cut, still told apart from the other.
    assert 'dy="13">history_report_hourly_b…</tspan></text>' in page
    assert '<text x="26" y="37">orders_summary.v2</text>' in page  # a short name: one line


def test_the_lineage_is_listed_under_its_graph_upstream_first_for_paper() -> None:
    """Printed on A5, a graph of six layers came out at a third of its size, its labels 4 px
    high. Under the graph a list (printed only where the page shrinks the graph below what can
    be read: the browser tests) names each resource as the graph reads, upstream first, in the
    legend's words (top to bottom within a layer, as drawn), with what it reads and its owner,
    which only the graph's tooltip said."""
    report = sample_report()
    report["sections"]["lineage"]["nodes"][1]["owner"] = None
    page = render_html(report)
    start = page.index('<table class="lineage-list">')
    listed = page[start : page.index("</table>", start)]
    assert re.findall(r"<th>([^<]*)</th>", listed) == ["resource", "drawn as", "reads", "owner"]
    finance = '<td class="owners"><span class="owner">Finance Analytics</span></td>'
    assert re.findall(r"<tr><td>.*?</tr>", listed) == [
        '<tr><td>orders_<wbr>summary.<wbr>v2</td><td><span class="kind"><i class="swatch breaking"></i>'
        f"breaking change</span></td><td>–</td>{finance}</tr>",
        '<tr><td>revenue_<wbr>dashboard <span class="muted">(exposure)</span></td>'
        '<td><span class="kind"><i class="swatch consumer"></i>direct consumer</span></td>'
        f"<td>orders_<wbr>summary.<wbr>v2</td>{finance}</tr>",
        '<tr><td>finance_<wbr>revenue</td><td><span class="kind">'
        '<i class="swatch consumer"></i>direct consumer</span></td><td>orders_<wbr>summary.<wbr>v2</td><td class="owners">–</td></tr>',
    ]


def test_a_kpi_that_fell_since_the_base_build_is_marked_and_one_that_rose_too() -> None:
    report = sample_report()
    scorecard = report["sections"]["kpis"]["scorecard"]
    template = scorecard["tier1_test_coverage"]
    for name, was in (("fell", 0.75), ("rose", 0.25), ("held", 0.5)):
        scorecard[name] = {
            **template,
            "label": name,
            "value": 0.5,
            "numerator": 1,
            "denominator": 2,
            "base": {"value": was, "numerator": 3, "denominator": 4},
        }
    kpis = render_html(report).split('<section id="kpis">')[1].split("</table>")[0]
    assert "<th>vs base build</th>" in kpis
    assert (
        '<td data-label="vs base build" class="status-missed">-25.0 pt from 75.0% (3/4)</td>'
        in kpis
    )
    assert (
        '<td data-label="vs base build" class="status-met">+25.0 pt from 25.0% (3/4)</td>' in kpis
    )
    assert '<td data-label="vs base build" class="">unchanged, 50.0% (3/4)</td>' in kpis
    # A KPI without a base figure (another build's measure) has an empty cell, not a guess.
    assert '<td data-label="vs base build" class=""></td>' in kpis


def test_a_long_kpi_breakdown_is_folded_under_its_title_and_a_short_one_is_not() -> None:
    """A release's hundred owners put 5,000 px of KPI rows between the scorecard and the
    waivers: past twenty rows the table is folded (printing opens it)."""
    report = sample_report()
    kpis = report["sections"]["kpis"]
    measures = {"test_coverage": {"value": 1.0, "numerator": 1, "denominator": 1}}
    kpis["by_owner"] = {f"@team-{n:03}": measures for n in range(30)}
    kpis["by_tier"] = {"1": measures, "2": measures}
    section = render_html(report).split('<section id="kpis">')[1].split("</section>")[0]
    assert '<details class="section"><summary>by owner</summary><table>' in section
    assert section.count("@team-") == 30
    assert "<h3>by tier</h3><table>" in section


def test_the_inputs_say_when_dbt_wrote_each_file_as_the_heading_does() -> None:
    report = sample_report()
    report["inputs"]["artifacts"]["manifest"]["generated_at"] = "2026-12-02T17:29:41.848170Z"
    inputs = render_html(report).split('<section id="inputs">')[1].split("</section>")[0]
    assert '<td data-label="generated at">2026-12-02 17:29:41 UTC</td>' in inputs
    assert "848170" not in inputs


def test_the_suggested_waiver_is_folded_under_the_findings_escaped() -> None:
    owner = "</code></pre><script>alert(1)</script>"
    sections = {"suggested_waiver": waiver_suggestion(owner=owner)}
    page = render_html(sample_report(sections=sections))
    start = page.index('<section id="findings">')
    findings = page[start : page.index("</section>", start)]
    assert (
        '<details class="waiver-hint"><summary>To ship with the run.test_failures finding'
        in findings
    )
    assert (
        "    owner: &quot;&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;&quot;\n"
        "    expires: 2026-03-31</code></pre></details>"
    ) in findings
    assert len(parse(page).scripts) == 1


def test_the_inputs_name_the_baseline_once_with_what_it_held_back() -> None:
    report = sample_report(inputs=INPUTS | {"baseline": "b.json"})
    held_back = sum(1 for f in report["findings"] if f["disposition"] == "baselined")
    assert held_back
    inputs = render_html(report).split('<section id="inputs">')[1].split("</section>")[0]
    assert inputs.count("b.json") == 1
    assert f"<li>baseline: <code>b.json</code> ({held_back} suppressed)</li>" in inputs
    without = render_html(sample_report()).split('<section id="inputs">')[1]
    assert "<li>baseline: none</li>" in without.split("</section>")[0]


def test_the_header_names_the_waivers_expired_and_expiring_with_their_dates_and_owners() -> None:
    """A release manager's question after what blocks: which exceptions stop waiving, when, and
    whose they are. The page said it in the waivers table at its foot (gate.md after the KPIs),
    the findings among the advisory rows; now under the verdict, in gate.md's order too."""
    report = sample_report(
        [*sample_findings(), expired_waiver(), expiring_waiver(3)],
        not_checked=["policies (no dbtgate.yml)"],
    )
    header = render_html(report).split("</header>", 1)[0]
    assert (
        "<b>waivers:</b> 1 expired: <code>owner.present</code> on <code>dim_products</code> "
        "(2026-11-01, @crm) · 1 expiring: <code>docs.column_coverage</code> on "
        "<code>model.shop.legacy_orders</code> (2026-11-20, in 3 days, @data-platform) "
        '(<a href="#waivers">the waivers</a>)'
    ) in header
    said = [
        header.index(part)
        for part in ("<b>owned by:</b>", "<b>waivers:</b>", '<div class="cards">')
    ]
    assert said == sorted(said)
    markdown = render_markdown(report)
    line = next(line for line in markdown.splitlines() if line.startswith("**Waivers:**"))
    assert line == (
        "**Waivers:** 1 expired: `owner.present` on `dim_products` (2026-11-01, @&#8203;crm) · "
        "1 expiring: `docs.column_coverage` on `model.shop.legacy_orders` "
        "(2026-11-20, in 3 days, @&#8203;data-platform)"
    )
    said = [markdown.index(part) for part in ("**11 findings", "**Waivers:**", "**Not checked")]
    assert said == sorted(said)
    # None expired or expiring: no line, though waivers were used.
    quiet = sample_report()
    assert quiet["waivers"]
    assert "waivers:</b>" not in render_html(quiet).split("</header>", 1)[0]
    assert "**Waivers:**" not in render_markdown(quiet)


def test_repeats_of_a_lint_rule_on_one_file_are_one_row_listing_every_place() -> None:
    """Six `lint.CP01` on one line were six rows saying one thing, where gate.md and the
    console fold them ("(6×: file:10:9, 10:14, ...)"): one row now, its message with the count,
    its location with every place, each linked to its line, and every count of findings (the
    heading, the filters, the count shown) still counts six. A repeat the change did not touch,
    or of another status, is a row of its own: the filters tell them apart."""
    repeats = lint_repeats(6)
    elsewhere = lint_repeats(2, line=30, changed=False, disposition="out_of_scope")
    report = sample_report([*sample_findings(), *repeats, *elsewhere])
    page = render_html(report, RenderOptions(blob_url="https://github.com/acme/shop/blob/abc"))
    rows = re.findall(r'<tr class="finding" [^>]*data-rule="lint.CP01".*?</tr>', page, re.S)
    assert len(rows) == 2
    folded = rows[0]
    assert 'data-count="6"' in folded and 'data-changed="touched"' in folded
    fingerprints = re.search(r'data-fingerprint="([^"]+)"', folded)[1].split()
    assert fingerprints == [f.fingerprint for f in repeats]
    assert '(capitalisation.keywords) <span class="repeats">(6×)</span>' in folded
    where = re.search(r'<td class="where">(.*?)</td>', folded, re.S)[1]
    places = [html.unescape(re.sub(r"<[^>]+>", "", p)) for p in where.split(", ")]
    assert places == [
        "models/intermediate/int_order_payments.sql:10:9",
        "10:14",
        "10:19",
        "10:24",
        "10:29",
        "10:34",
    ]
    links = re.findall(r'href="([^"]+)"', where)
    assert (
        links
        == ["https://github.com/acme/shop/blob/abc/models/intermediate/int_order_payments.sql#L10"]
        * 6
    )
    assert 'data-count="2"' in rows[1] and 'data-changed="untouched"' in rows[1]
    total = len(report["findings"])
    assert f"<h2>Findings ({total})</h2>" in page
    assert f'<span id="shown-count">{total}</span> shown' in page
    assert '<option value="lint.CP01">lint.CP01 (8)</option>' in page
    # One finding alone keeps its row as before: no count, one place.
    single = re.search(r'<tr class="finding" [^>]*data-rule="owner.present".*?</tr>', page, re.S)
    assert "data-count" not in single[0] and "repeats" not in single[0]


def test_past_twelve_places_a_folded_row_says_how_many_more() -> None:
    """As gate.md and the console: twelve places, then "and 3 more"."""
    page = render_html(sample_report(lint_repeats(15)))
    where = re.search(r'data-count="15".*?<td class="where">(.*?)</td>', page, re.S)[1]
    assert where.count("<code>") == 12 and where.endswith(", and 3 more")
