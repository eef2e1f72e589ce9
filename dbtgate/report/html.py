"""The HTML gate report: one self-contained page for release managers.

It is mailed, attached to releases and opened offline, so everything is inside the file: CSS and
JavaScript inline, the lineage drawn as inline SVG (laid out here, in Python), no fonts, images or
scripts from the network. A Content-Security-Policy allows only this page's own script and style
(by hash), so even a description that slipped past escaping could not run. All untrusted text is
escaped with `html_text`. Sections: verdict, breaking changes and impact, lineage, findings
filterable by owner, tier, severity, rule, status and, with a base build, whether the change
touched them (beyond `PAGE_ROWS`, a page at a time, previous and next, from the page's
compressed data), KPIs (and their trend when present),
waivers with their expiry, other sections, and the inputs for the audit trail.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import math
import re
import zlib
from collections import Counter
from collections.abc import Callable
from importlib import resources
from string import Template
from typing import Any

import msgspec

from dbtgate.plain_text import visible_bidi
from dbtgate.report import view
from dbtgate.report.escape import html_text as h
from dbtgate.report.escape import html_text_code
from dbtgate.report.json_report import encode_sorted
from dbtgate.report.lineage import layered_layout
from dbtgate.report.options import RenderOptions, at_base
from dbtgate.report.rule_help import rule_help
from dbtgate.status.timestamps import format_timestamp
from dbtgate.wording import NO_OWNER, counted, expiry_note, name_order, number

_NODE_W, _NODE_H, _GAP_X, _GAP_Y, _PAD = 180, 34, 40, 20, 16
_LABEL_CHARS = 24
# The lineage is drawn at most at its own size, shrunk to fit its frame no further than
# `_MIN_SCALE` on screen (labels below ~9px cannot be read): a wider graph scrolls. Paper does
# not scroll: a page that shrinks it further prints it as a list too (`_lineage_list`).
_MIN_SCALE = 0.75
# On paper, the room a page keeps above the lineage graph for its heading and legend (8rem, the
# stylesheet's `svg.lineage { max-height }` in print), in px.
_PRINT_GRAPH_ROOM_PX = 128
# The legend's words for each kind of node, which the printed list repeats.
_LINEAGE_KINDS = {
    "breaking": "breaking change",
    "changed": "changed",
    "consumer": "direct consumer",
    "parent": "direct parent (context)",
}
# How a node's last run went wrong (`lineage.run`), drawn over its kind, and the legend's words.
_RUN_OUTCOMES = {
    "errored": "errored (not built)",
    "test failed": "a test failed",
    "skipped": "skipped (not built)",
}
# At most this many findings are in the page's table at once: Chromium takes over a minute to
# open a table of 48,000 rows (10,000 models, measured), against a few seconds for 500. Beyond
# that the rows travel as the page's data (`packed_rows`), and the script shows them a page at
# a time; the filters reach every finding.
PAGE_ROWS = 500


def render_html(report: dict[str, Any], options: RenderOptions | None = None) -> str:
    options = at_base(options or RenderOptions(), report)
    for cached in (_fix_html, _row_attributes, _rule_cells, _status_cells):
        cached.cache_clear()
    lineage, lineage_style = _lineage(report)
    lookups = view.Lookups.of(report)
    style = _asset("report.css") + lineage_style
    script = _asset("report.js")
    csp = (
        "default-src 'none'; "
        f"style-src '{csp_hash(style)}'; script-src '{csp_hash(script)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    sections = [
        part
        for part in (
            _breaking(report, options, lookups),
            lineage,
            # Why it fails before what changed: the reader's first question.
            _findings(report, options, lookups),
            _what_changed(report),
            _kpis(report),
            _fixed(report),
            _waivers(report, lookups),
            _rules(report),
            _other_sections(report),
            _inputs(report),
        )
        if part
    ]
    body = "\n".join([_header(report), _contents(sections), *sections])
    page = Template(_asset("report.html"))
    return page.substitute(
        csp=csp,
        title=h(_title(report)),
        style=style,
        script=script,
        body=body,
    )


def _title(report: dict[str, Any]) -> str:
    """`dbtgate FAIL — shop v1.1`: the verdict, the project and the release (its tag, else its
    commit), which a browser's tab, a bookmark and a printed page's header show: the pages of
    two releases had one title."""
    release = view.release_name(report["inputs"])
    project = f"{report['project']} {release}" if release else report["project"]
    return f"dbtgate {report['verdict'].upper()} — {project}"


_SECTION_HEADING = re.compile(r'<section id="([a-z-]+)"><h2>([^<]*)')


def _contents(sections: list[str]) -> str:
    """Links to the page's sections, under the header: a release manager jumps to the waivers
    or the KPIs without scrolling past a thousand findings."""
    links = [
        f'<a href="#{anchor}">{title.split(" (")[0]}</a>'
        for part in sections
        for anchor, title in _SECTION_HEADING.findall(part)[:1]
    ]
    return f'<nav class="contents">{" · ".join(links)}</nav>' if links else ""


def _asset(name: str) -> str:
    return resources.files("dbtgate.report").joinpath("templates", name).read_text("utf-8")


def csp_hash(text: str) -> str:
    """The Content-Security-Policy source that allows an inline style or script of `text`."""
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def _header(report: dict[str, Any]) -> str:
    counts = report["counts"]
    cards = [("findings", counts["total"])]
    by_disposition = counts["by_disposition"]
    # No "outside the change" under `scope: all`, where nothing can be: the count of findings on
    # what the change touched is said under the verdict there, and the change filter shows them.
    outside = view.outside_the_change_counted(report)
    cards += [
        (name, by_disposition.get(key, 0))
        for key, name in view.STATUS_NAMES.items()
        if key != "out_of_scope" or outside
    ]
    card_html = "".join(
        f'<div class="card"><b>{number(n)}</b><span>{h(label)}</span></div>' for label, n in cards
    )
    # The split by severity beside the counts by status, as the PR comment's count line has it.
    severities = view.severity_split(counts)
    if severities:
        card_html += f'<p class="severities">({h(severities)})</p>'
    families = (
        ", ".join(f"{h(name)}: {number(n)}" for name, n in counts["by_family"].items()) or "none"
    )
    blocking = view.blocking_by_family(report)
    why = (
        '<p class="why"><b>what blocks:</b> '
        + " · ".join(f"{h(family)} {number(n)}" for family, n in blocking)
        + ' (<a href="#findings">the findings</a>)</p>'
        if blocking
        else ""
    )
    # Who must act, as the PR comment groups the blocking findings: the release manager's next
    # question after what blocks, answered before the table.
    owners = view.by_owner(view.findings_with(report, "blocking"))
    # The whole project's findings (a gated KPI, a rule on a policy's whole selection) are no
    # owner's: "owned by: Whole project or selection 2" read as a team of that name.
    whole = [found for owner, found in owners if owner == view.WHOLE_PROJECT]
    if whole:
        why += (
            f'<p class="why"><b>on the whole project or a selection:</b> {number(len(whole[0]))}'
            "</p>"
        )
    owners = [(owner, found) for owner, found in owners if owner != view.WHOLE_PROJECT]
    if owners:
        why += f'<p class="why"><b>owned by:</b> {_owners_line(owners)}</p>'
    touched = view.touched_counts(report)
    if touched:
        # Under scope: all, how many findings are the pull request's (the findings' change
        # filter, which needs the script, shows them).
        why += (
            f'<p class="why"><b>on what the change touched:</b> {number(touched[0])} of '
            f'<a href="#findings">the findings</a>, {number(touched[1])} of them blocking</p>'
        )
    alerts = view.waiver_alerts(report)
    if alerts:
        why += (
            f'<p class="why"><b>waivers:</b> {html_text_code(alerts)} '
            '(<a href="#waivers">the waivers</a>)</p>'
        )
    # After the counts, what the verdict does not cover and covers in part only, in one place
    # (beside it rather than in the audit trail alone), then the warnings, as gate.md says them.
    unchecked = view.not_checked(report)
    coverage = (
        f'<p class="not-checked"><b>not checked:</b> {html_text_code(" · ".join(unchecked))}</p>'
        if unchecked
        else ""
    )
    coverage += "".join(
        f'<p class="not-checked"><b>partly checked:</b> {html_text_code(note)}</p>'
        for note in view.partly_checked(report)
    )
    warnings = "".join(
        f'<p class="expiring">warning: {html_text_code(w)}</p>' for w in report["warnings"]
    )

    return (
        f"<header><h1>dbtgate gate report — {h(report['project'])}</h1>"
        f'<div class="verdict {h(report["verdict"])}" id="verdict">{h(view.verdict_text(report))}</div>'
        f"{_gated_line(report['inputs'])}{why}"
        f'<p class="meta">build of {h(format_timestamp(report["generated_at"]))} (when dbt '
        f"wrote its manifest) · gated by dbtgate {h(report['tool']['version'])} · all findings "
        f"by family: {families}</p>"
        f'<div class="cards">{card_html}</div>{coverage}{warnings}</header>'
    )


def _gated_line(inputs: dict[str, Any]) -> str:
    """`of: commit 5789142 (tag v1.1, main) · against: v1.0 (commit 4daa4d5)` under the
    verdict: which release the page is the gate of, and since which one, before what blocks
    (the audit trail at the foot of the page said it, where a reader of two releases' pages,
    or of their printouts, did not look). Nothing for a report that records neither."""
    commit, base = view.gated_commit(inputs), view.compared_with(inputs)
    if not commit and not base:
        return ""
    parts = [f"<b>of:</b> {h(commit)}"] if commit else []
    parts.append(f"<b>against:</b> {h(base or 'no base build')}")
    return f'<p class="why gated">{" · ".join(parts)}</p>'


# A release's hundred teams listed in full pushed the verdict's cards and the findings a screen
# down: the header names the owners with the most blocking findings, the filter lists them all.
_HEADER_OWNERS = 12


def _owners_line(owners: list[tuple[str, list[Any]]]) -> str:
    """Who must act, each owner and their count kept on one line (a name was split across
    two); beyond `_HEADER_OWNERS` the ones with the most blocking findings, in the usual order,
    and how many more there are."""
    shown = owners
    if len(owners) > _HEADER_OWNERS:
        most = sorted(owners, key=lambda item: (-len(item[1]), item[0].lower()))
        kept = {owner for owner, _ in most[:_HEADER_OWNERS]}
        shown = [item for item in owners if item[0] in kept]
    line = " · ".join(
        f'<span class="owner">{h(owner)} {number(len(found))}</span>' for owner, found in shown
    )
    left = len(owners) - len(shown)
    if left:
        more = counted(left, "more owner")
        line += f' · and {more} (each with theirs in <a href="#findings">the findings</a>)'
    return line


def _breakable(text: str) -> str:
    """Escaped text that may wrap after `/`, `.` and `_` (paths, codes, model names)."""
    return h(text).replace("/", "/<wbr>").replace(".", ".<wbr>").replace("_", "_<wbr>")


def _path_breakable(text: str) -> str:
    """Escaped text that may wrap after `/` only: a path wraps between directories, never inside
    a file name (`_orders_summary.yml:4` stays whole)."""
    return h(text).replace("/", "/<wbr>")


def _location_breakable(path: str, suffix: str) -> str:
    """A location for a table cell: the path wraps at its directories (`_path_breakable`), a
    file name wider than its line where it must, but never before its line and column
    (`suffix`, `:46`), which stay in one box (`.end`, kept whole by the stylesheet) with the
    name's last characters: from its extension's dot, at most five (`.yml:46`; `efile:3` of a
    `Makefile`). Squeezed, the cell broke `sql:10:14` as `sql:10:1` / `4`, and on narrow paper
    printed `:46` alone under `_marts.yml`."""
    if not suffix:
        return _path_breakable(path)
    folder, slash, name = path.rpartition("/")
    last = max(len(name) - 5, 0)
    dot = name.rfind(".", last)
    cut = dot if dot > 0 else last
    head = _path_breakable(folder + slash) + h(name[:cut])
    return f'{head}<span class="end">{h(name[cut:] + suffix)}</span>'


def _owned_by(owner: str) -> str:
    """`owned by Finance Analytics`, or `no owner`, as gate.md says it under a breaking change:
    "owned by (no owner)" read as a team of that name."""
    return "no owner" if owner == NO_OWNER else f"owned by {_owner_names([owner])}"


def _owner_names(owners: list[str]) -> str:
    """Owners for a table cell, each kept whole on its line where the column allows (the
    stylesheet's `td .owner`): on paper "@finance-" / "eng" and "engineerin" / "g@acme.c" read
    as other teams. A name wider than the column wraps between its own parts: at spaces and
    hyphens, after a `/` and before an `@`."""
    return ", ".join(
        '<span class="owner">'
        + h(owner).replace("/", "/<wbr>").replace("@", "<wbr>@").removeprefix("<wbr>")
        + "</span>"
        for owner in owners
    )


def _where(
    finding: dict[str, Any], options: RenderOptions, repeats: list[dict[str, Any]] | None = None
) -> str:
    """The cell of a finding's file and line (class `where`: the stylesheet keeps it readable),
    then the line (and column) of each of its `repeats` in the same file, each linked to its
    line, as gate.md and the console list them: `models/a.sql:10:9, 10:14, 12:1`."""
    place = view.location(finding)
    if not place:
        return '<td class="where"></td>'
    path = finding.get("path") or ""
    code = _linked(
        f"<code>{_location_breakable(path, place[len(path) :])}</code>", finding, options
    )
    if view.path_deleted(finding):
        code += f" ({h(view.DELETED)})"
    if not repeats:
        return f'<td class="where">{code}</td>'
    others = [
        _linked(f"<code>{h(view.location(f).removeprefix(path + ':'))}</code>", f, options)
        for f in repeats[: view.MAX_PLACES - 1]
        if f.get("line")
    ]
    if len(repeats) >= view.MAX_PLACES:
        others.append(f"and {number(len(repeats) + 1 - view.MAX_PLACES)} more")
    return f'<td class="where">{", ".join([code, *others])}</td>'


def _linked(code: str, finding: dict[str, Any], options: RenderOptions) -> str:
    """`code` linked to the finding's line on the PR head, where the report has a link."""
    url = view.file_link(finding, options)
    if url and url.startswith(("https://", "http://")):
        return f'<a href="{h(url)}" rel="noopener noreferrer">{code}</a>'
    return code


def _breaking(report: dict[str, Any], options: RenderOptions, lookups: view.Lookups) -> str:
    changes = view.breaking_changes(report)
    if not changes:
        said = "None." if view.breaking_checked(report) else h(view.BREAKING_NOT_CHECKED)
        return (
            f'<section id="breaking"><h2>Breaking changes</h2><p class="muted">{said}</p></section>'
        )

    rows = "".join(
        "<tr>"
        f"<td>{h(view.change_text(f, lookups))}<br><code>{h(f['code'])}</code></td>"
        # Under the resource, who owns it: the readers' owners are the teams it breaks, its
        # owner the one to fix it or sign it off, which the table did not say (the findings
        # below did, 6 of 3,662 at 1,000 models).
        f'<td class="resource"><code>{_breakable(view.resource_label(f))}</code>'
        f'<div class="owned">{_owned_by(view.owner_group(f))}</div></td>'
        # One reader a line: whether each selects the changed column is read at a glance.
        f"<td>{'<br>'.join(h(line) for line in view.impact_lines(f, 600)) or 'no known readers'}</td>"
        f'<td class="owners">{_owner_names(view.impact_owners(f)) or "–"}</td>'
        f"<td>{_status_pill(f['disposition'])}</td>"
        f"{_where(f, options)}</tr>"
        for f in changes
    )
    return (
        f'<section id="breaking"><h2>Breaking changes and impact ({number(len(changes))})</h2>'
        "<table><thead><tr><th>change</th><th>resource</th><th>who reads it</th>"
        "<th>readers' owners</th>"
        f"<th>status</th><th>where</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _lineage(report: dict[str, Any]) -> tuple[str, str]:
    """The lineage section and the stylesheet's rules for its graph's size: as wide as its frame,
    at most its own width and, on screen, at least `_MIN_SCALE` of it; on paper narrower than
    that, its list too. The frame is wider on a wide screen than the page's text; the sizes are
    rules of the stylesheet because the CSP (a hash of the stylesheet) allows no style
    attribute."""
    lineage = report["sections"].get("lineage")
    if not isinstance(lineage, dict) or not lineage.get("nodes"):
        return "", ""
    positions = layered_layout(lineage)
    layers = max(layer for layer, _ in positions.values()) + 1
    rows = max(row for _, row in positions.values()) + 1
    width = _PAD * 2 + layers * _NODE_W + (layers - 1) * _GAP_X
    height = _PAD * 2 + rows * _NODE_H + (rows - 1) * _GAP_Y
    size = (
        f"svg.lineage {{ max-width: {width}px; }}\n"
        f"@media screen {{ svg.lineage {{ min-width: {math.ceil(width * _MIN_SCALE)}px; }} }}\n"
        # (the section is the container `lineage` on paper only: the stylesheet)
        f"@media print {{ @container lineage (width < {width * _MIN_SCALE:g}px) {{\n"
        "  .lineage-list { display: table; } } }\n"
        # A graph taller than the page is shrunk to it (the stylesheet: a graph is one box,
        # which a page does not split but pushes whole to the next, the heading and legend left
        # alone on theirs): a page shorter than the graph at `_MIN_SCALE` lists it too.
        f"@media print and (max-height: {height * _MIN_SCALE + _PRINT_GRAPH_ROOM_PX:g}px) {{\n"
        "  .lineage-list { display: table; } }\n"
    )

    def corner(uid: str) -> tuple[int, int]:
        layer, row = positions[uid]
        return _PAD + layer * (_NODE_W + _GAP_X), _PAD + row * (_NODE_H + _GAP_Y)

    parts = []
    for parent, child in lineage["edges"]:
        if parent not in positions or child not in positions:
            continue
        path = _edge_path(corner(parent), corner(child))
        parts.append(f'<path class="edge" d="{path}" marker-end="url(#arrow)"/>')
    for node in lineage["nodes"]:
        x, y = corner(node["id"])
        kind = "breaking" if node.get("breaking") else node["role"]
        run = node.get("run") if node.get("run") in _RUN_OUTCOMES else None
        tip = f"{node['id']} ({kind}; owner {node.get('owner') or 'none'})"
        if run:
            tip += f"; last run: {_RUN_OUTCOMES[run]}"
            kind += f" run-{run.replace(' ', '-')}"
        lines = _label_lines(node["name"])
        text = (
            f'<text x="{x + 10}" y="{y + 21}">{h(lines[0])}</text>'
            if len(lines) == 1
            else f'<text x="{x + 10}" y="{y + 15}">{h(lines[0])}'
            f'<tspan x="{x + 10}" dy="13">{h(lines[1])}</tspan></text>'
        )
        parts.append(
            f'<g class="{h(kind)}" data-id="{h(node["id"])}"><title>{h(tip)}</title>'
            f'<rect x="{x}" y="{y}" width="{_NODE_W}" height="{_NODE_H}"/>{text}</g>'
        )
    said = view.not_drawn(lineage)
    more = f'<p class="muted">{h(said)}</p>' if said else ""
    legend = "".join(
        f'<span><i class="swatch {kind}"></i>{h(name)}</span>'
        for kind, name in _LINEAGE_KINDS.items()
    )
    runs = {node.get("run") for node in lineage["nodes"]}
    legend += "".join(
        f'<span><i class="swatch run-{run.replace(" ", "-")}"></i>{h(name)}</span>'
        for run, name in _RUN_OUTCOMES.items()
        if run in runs
    )
    markup = (
        '<section id="lineage"><h2>Lineage of the changed resources</h2>'
        f'<p class="legend">{legend}</p>'
        '<div class="lineage-scroll">'
        f'<svg class="lineage" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="lineage graph" viewBox="0 0 {width} {height}" width="{width}"'
        f' height="{height}">'
        # Edges end in an arrowhead on the reader: which way the data flows, at a glance.
        '<defs><marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z"/></marker></defs>'
        f"{''.join(parts)}</svg></div>{_lineage_list(lineage, positions)}{more}</section>"
    )
    return markup, size


def _lineage_list(lineage: dict[str, Any], positions: dict[str, tuple[int, int]]) -> str:
    """The graph as a table, shown only on paper that prints the graph under `_MIN_SCALE` of its
    size (A5 printed the demo's graph of six layers at a third, its labels 4 px high): each
    resource as the graph reads, upstream first, in the legend's words with its swatch, what it
    reads among those drawn, and its owner (the graph's tooltip, which paper has not). A type is
    named unless the resource is a model, as most are."""
    names = {node["id"]: node["name"] for node in lineage["nodes"]}
    reads: dict[str, list[str]] = {uid: [] for uid in names}
    for parent, child in lineage["edges"]:
        if parent in positions and child in positions and parent != child:
            reads[child].append(parent)
    rows = []
    for node in sorted(lineage["nodes"], key=lambda node: positions[node["id"]]):
        kind = "breaking" if node.get("breaking") else node["role"]
        typed = node["resource_type"] != "model"
        type_note = f' <span class="muted">({h(node["resource_type"])})</span>' if typed else ""
        parents = sorted(set(reads[node["id"]]), key=positions.__getitem__)
        owner = node.get("owner")
        run = _RUN_OUTCOMES.get(node.get("run"))  # type: ignore[arg-type]
        rows.append(
            f"<tr><td>{_breakable(node['name'])}{type_note}</td>"
            f"<td>{_drawn_as(kind)}{f'; last run: {h(run)}' if run else ''}</td>"
            f"<td>{', '.join(_breakable(names[uid]) for uid in parents) or '–'}</td>"
            f'<td class="owners">{_owner_names([owner]) if owner else "–"}</td></tr>'
        )
    return (
        '<table class="lineage-list"><thead><tr><th>resource</th><th>drawn as</th>'
        f"<th>reads</th><th>owner</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _drawn_as(kind: str) -> str:
    """A lineage kind with its swatch, the two and the kind's words kept on one line but for a
    parenthesis: on A5 the list's narrow "drawn as" column printed "direct / parent /
    (context)", one word a line, and then the swatch alone above "direct consumer"."""
    words, _, aside = _LINEAGE_KINDS[kind].partition(" (")
    kept = f'<span class="kind"><i class="swatch {h(kind)}"></i>{h(words)}</span>'
    return kept + (f" ({h(aside)}" if aside else "")


def _label_lines(name: str) -> list[str]:
    """A node's name on one line, or two broken after a `_`, `.` or space: cut to one line,
    "stg_tiktok_ads__ad_hist…" and "stg_tiktok_ads__ad_hist…" were two models a reader could
    tell apart only by a tooltip, which paper has not. Beyond two lines it is cut."""
    if len(name) <= _LABEL_CHARS:
        return [name]
    cut = max(name.rfind(mark, 0, _LABEL_CHARS) for mark in "_. ") + 1
    if cut <= _LABEL_CHARS // 2:
        cut = _LABEL_CHARS
    rest = name[cut:]
    if len(rest) > _LABEL_CHARS:
        rest = rest[: _LABEL_CHARS - 1] + "…"
    return [name[:cut], rest]


def _edge_path(parent: tuple[int, int], child: tuple[int, int]) -> str:
    """An edge from the parent's right side to the child's left side (top-left corners given).

    Between neighbouring layers, one curve. An edge that skips layers runs along the gap between
    two rows: drawn straight, it would pass behind the nodes in between and read as edges to them.
    """
    (x1, y1), (x2, y2) = parent, child
    x1, y1, y2 = x1 + _NODE_W, y1 + _NODE_H // 2, y2 + _NODE_H // 2
    if x2 - x1 <= _GAP_X:
        mid = (x1 + x2) // 2
        return f"M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}"
    step = (_NODE_H + _GAP_Y) // 2
    lane = y1 - step if y2 < y1 else y1 + step
    a, b = x1 + _GAP_X // 2, x2 - _GAP_X // 2
    return (
        f"M{x1},{y1} C{a},{y1} {a},{lane} {x1 + _GAP_X},{lane} L{x2 - _GAP_X},{lane}"
        f" C{b},{lane} {b},{y2} {x2},{y2}"
    )


def _findings(report: dict[str, Any], options: RenderOptions, lookups: view.Lookups) -> str:
    findings = report["findings"]
    if not findings:
        return '<section id="findings"><h2>Findings</h2><p class="muted">None.</p></section>'
    on_change = view.change_known(report)
    filters = _filters(findings, on_change)
    # What blocks first, then what only informs: the reader's first question is "what must change".
    # Within a status, a breaking change or a model that failed or was not built before a policy
    # finding, and style (lint) last, as the console and the PR comment list them
    # (`view.family_rank`): the table holds the first page alone on paper and without the
    # script, and at 1,000 models a release's 8 unbuilt models came after 2,500 policy
    # findings, in no printed row.
    rank = {disposition: i for i, disposition in enumerate(view.DISPOSITION_TITLES)}
    ordered = sorted(
        findings,
        key=lambda f: (rank.get(f["disposition"], len(rank)), view.family_rank(f.get("family"))),
    )
    # One rule saying the same about the same resource in one file (a lint rule on six places
    # of a line) is one row listing every place, as gate.md and the console fold them: six rows
    # told the reader one thing six times. The row counts for its findings in every count.
    groups = _repeats(ordered)
    rows = [_finding_row(group, options, lookups.expiring, on_change) for group in groups]
    paged = len(rows) > PAGE_ROWS
    # Findings, as the heading and every filter count them: a row of six repeats is six.
    on_page = sum(map(len, groups[:PAGE_ROWS]))
    shown = f"{number(on_page)} of {number(len(findings))}" if paged else number(len(findings))
    table = (
        f'<section id="findings"><h2>Findings ({number(len(findings))})</h2>'
        f'<div class="filters">{filters}<button type="button" id="reset-filters" hidden>clear filters'
        "</button>"
        # A live region: a screen reader says the new count when a filter changes it.
        f'<span class="muted" id="filter-status" role="status" aria-atomic="true">'
        f'<span id="shown-count">{shown}</span> shown'
        '<span id="active-filters"></span></span></div>'
        '<table id="findings-table"><thead><tr><th>severity</th><th>rule</th><th>resource</th>'
        "<th>finding</th><th>owner</th><th>tier</th><th>status</th><th>where</th></tr></thead>"
        f"<tbody>{''.join(rows[:PAGE_ROWS] if paged else rows)}</tbody></table>"
        # The next page's button right under the page's last row.
        f"{_pager(len(rows)) if paged else ''}{_waiver_hint(report)}"
    )
    if not paged:
        return table + "</section>"
    # Every row as data, with what the filters compare (as the options' values read once
    # parsed: a bidirectional control as its escape), then how many findings it holds; the
    # script shows a page at a time.
    data = [
        [
            visible_bidi(view.owner_group(group[0])),
            visible_bidi(_tier(group[0])),
            group[0]["severity"],
            group[0]["disposition"],
            visible_bidi(group[0]["code"]),
            _on_the_change(group[0]) if on_change else "",
            row,
            len(group),
        ]
        for group, row in zip(groups, rows, strict=True)
    ]
    unlisted = [f for group in groups[PAGE_ROWS:] for f in group]
    return (
        f"{table}{_rest(unlisted, len(ordered))}"
        '<script type="application/octet-stream" id="finding-rows" data-encoding="deflate">'
        f"{packed_rows(data)}</script></section>"
    )


def _filters(findings: list[dict[str, Any]], on_change: bool) -> str:
    """The findings table's filters, by owner, tier, severity, rule and status, and with a
    base build (`on_change`) by whether the change touched what a finding is on, each choice
    with its count (`_counted`)."""
    owners = Counter(view.owner_group(f) for f in findings)
    tiers = Counter(_tier(f) for f in findings)
    severities = Counter(f["severity"] for f in findings)
    rules = Counter(f["code"] for f in findings)
    statuses = Counter(f["disposition"] for f in findings)
    by_tier = sorted(tiers, key=name_order)  # 2 before 10, none last
    return "".join(
        (
            _select(
                "owner",
                "owner",
                _counted([(o, o) for o in sorted(owners, key=view.owner_order)], owners),
            ),
            _select(
                "tier",
                "tier",
                _counted([(t, "no tier" if t == _NO_TIER else t) for t in by_tier], tiers),
            ),
            _select(
                "severity",
                "severity",
                _counted([(s, s) for s in ("error", "warn", "info")], severities),
            ),
            # In the rules section's order.
            _select("rule", "rule", _counted([(code, code) for code in sorted(rules)], rules)),
            # Filters the `disposition` field, named as the table's status column names it.
            _select("disposition", "status", _counted(list(view.STATUS_NAMES.items()), statuses)),
            _change_filter(findings) if on_change else "",
        )
    )


# The change filter's choices (a finding's `data-changed`), in the words of "outside the
# change": a lint finding is on a changed line, a KPI's on a KPI the change lowered, the others
# on a new or modified resource (or config entry).
_ON_THE_CHANGE = {"touched": "on what it touched", "untouched": "elsewhere"}


def _on_the_change(finding: dict[str, Any]) -> str:
    return "touched" if finding.get("changed") else "untouched"


def _change_filter(findings: list[dict[str, Any]]) -> str:
    """Under `scope: all` a reviewer wants the findings on what the pull request changed, and a
    release manager every finding: the status filter cannot tell them apart there (outside the
    change is a status of `scope: changed` alone), this filter can, whatever the scope."""
    tally = Counter(_on_the_change(f) for f in findings)
    return _select("changed", "the change", _counted(list(_ON_THE_CHANGE.items()), tally))


def _pager(total: int) -> str:
    """The controls to page through the findings, `PAGE_ROWS` at a time, in place: "show 500
    more" appended them, and Chromium lays out a row in about 0.85 ms, so each click took
    longer (10,000 models: 0.9 s for the second page, 4 s for the fifth). Hidden until the script
    runs; the page's live region says which rows it shows."""
    return (
        f'<nav class="pager" id="findings-pager" aria-label="pages of findings"'
        f' data-page="{PAGE_ROWS}" hidden>'
        f'<button type="button" id="previous-findings">previous {PAGE_ROWS}</button> '
        f'<span id="page-range">rows 1–{number(PAGE_ROWS)} of {number(total)}</span> '
        f'<button type="button" id="next-findings">next {PAGE_ROWS}</button></nav>'
    )


def _counted(choices: list[tuple[str, str]], tally: Counter[str]) -> list[tuple[str, str]]:
    """A filter's choices, each with its count of findings (`owner.present (9,975)`), those
    with none left out: at 10,000 models a handful of rules make most of 39,000 findings and
    30 owners share them unevenly, and the count says which before one is picked. Counted over
    every finding, those carried compressed beyond the first page too, as the filter picks."""
    return [(value, f"{text} ({number(tally[value])})") for value, text in choices if tally[value]]


def _waiver_hint(report: dict[str, Any]) -> str:
    """The waiver entry the gate suggests for its most needed blocking finding, folded under
    the findings table, in the words and lines of the console and the PR comment."""
    suggestion = report["sections"].get("suggested_waiver")
    if not suggestion:
        return ""
    intro = view.suggested_waiver_intro(suggestion, report["inputs"])
    lines = "\n".join(view.suggested_waiver_lines(suggestion))
    return (
        f'<details class="waiver-hint"><summary>{h(view.suggested_waiver_title(suggestion))}'
        f"</summary><p>{html_text_code(intro)}</p><pre><code>{h(lines)}</code></pre></details>"
    )


def _rest(unlisted: list[dict[str, Any]], total: int) -> str:
    """What the table leaves out, by status, and where it is: a reader without JavaScript, or of
    the printed page, has no "show more" and saw the first page pass for the release's findings.
    The script rewrites the numbers as the table grows or the filters change."""
    tally = Counter(f["disposition"] for f in unlisted)
    by_status = ", ".join(
        f"{number(tally[key])} {name}" for key, name in view.STATUS_NAMES.items() if tally[key]
    )
    return (
        '<p class="rest" id="findings-rest">Not in the table: '
        f'<span id="rest-count">{number(len(unlisted))} of {number(total)} findings</span> '
        f'(<span id="rest-status">{h(by_status)}</span>); every finding is in the JSON gate '
        "report (gate.json, which <code>--format json</code> writes).</p>"
    )


def packed_rows(data: list[list[str]]) -> str:
    """The rows' data as JSON, zlib-compressed ("deflate", as the browser's DecompressionStream
    names it) and in base64: a row's markup repeats its rule's help and fix and the same few
    classes, so 39,000 findings (10,000 models) took 50 of the page's 51 MB as plain JSON, and
    take about 2 MB so. Base64 holds no `<`, so nothing in it can end its <script> element."""
    return base64.b64encode(zlib.compress(msgspec.json.encode(data), _ZLIB_LEVEL)).decode()


# zlib's fastest level: level 6 saves another quarter of the data block and takes twice as
# long (0.23 s against 0.48 s for 50 MB of rows).
_ZLIB_LEVEL = 1


# A finding's `data-tier` without a tier; the filter says "no tier", as the other reports do,
# and the row's narrow tier column "–", as its other empty cells.
_NO_TIER = "none"


def _tier(finding: dict[str, Any]) -> str:
    return _NO_TIER if finding.get("tier") is None else str(finding["tier"])


def _select(name: str, label: str, choices: list[tuple[str, str]]) -> str:
    """A filter over the rows' `data-<name>`: each choice is (value, text shown)."""
    options = "".join(f'<option value="{h(v)}">{h(text)}</option>' for v, text in choices)
    # Hidden until the script runs: without it the filters would be controls that do nothing.
    return (
        f'<label hidden>{h(label)}<select id="filter-{name}" data-filter="{name}">'
        f'<option value="">any</option>{options}</select></label>'
    )


def _repeats(findings: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """`findings` folded by `_repeat_key`, in order: first by what a finding has alone (its
    rule, resource, file and message), and only those that share it by the whole key, which
    encodes details and waivers (40,000 findings, nearly all alone: 0.3 s when asked of each)."""
    alone = view.fold_repeats(
        findings, lambda f: (f["code"], f.get("unique_id"), f.get("path"), f["message"])
    )
    return [
        sorted(split, key=lambda f: (f.get("line") or 0, f.get("column") or 0))
        if len(group) > 1
        else split
        for group in alone
        for split in (view.fold_repeats(group, _repeat_key) if len(group) > 1 else [group])
    ]


def _repeat_key(finding: dict[str, Any]) -> tuple[Any, ...]:
    """What the findings of one row share: everything its cells and the filters show but the
    place (`_where` lists each)."""
    return (
        finding["code"],
        view.resource_label(finding),
        finding.get("path"),
        finding["message"],
        finding.get("fix"),
        msgspec.json.encode(finding.get("waiver")),
        msgspec.json.encode(finding.get("details")),
        view.owner_group(finding),
        _tier(finding),
        finding["severity"],
        finding["disposition"],
        bool(finding.get("changed")),
    )


def _finding_row(
    group: list[dict[str, Any]],
    options: RenderOptions,
    expiring: dict[tuple[str, str, str], int],
    on_change: bool,
) -> str:
    """The row of a finding, or of repeats of it (`_repeat_key`): `data-count` says how many
    findings it holds, and `data-fingerprint` names each."""
    finding = group[0]
    owner = view.owner_group(finding)
    names = view.literal_names(finding)
    extra = ""
    if finding.get("fix"):
        extra += f'<div class="fix">fix: {_fix_html(view.fix_markup(finding["fix"]), names)}</div>'
    waiver = finding.get("waiver")
    if waiver:
        extra += (
            f'<div class="fix">waived by {h(waiver["owner"])} until'
            f" {h(view.waived_until(waiver, expiring))}:"
            f" {h(waiver['reason'])}</div>"
        )
    expired = view.expired_waiver_note(finding.get("details"))
    if expired:
        extra += f'<div class="fix">{h(expired)}</div>'
    if finding.get("details"):
        # As gate.json spells the values (msgspec; json.dumps took 0.4 s for 48,000 findings).
        detail_text = encode_sorted(finding["details"]).rstrip("\n")
        extra += f"<details><summary>details</summary><pre>{h(detail_text)}</pre></details>"
    tier, severity, disposition = _tier(finding), finding["severity"], finding["disposition"]
    code = finding["code"]
    touched = f' data-changed="{_on_the_change(finding)}"' if on_change else ""
    fingerprints = " ".join(f["fingerprint"] for f in group)
    count, repeated = len(group), ""
    if count > 1:
        touched += f' data-count="{count}"'
        repeated = f' <span class="repeats">({number(count)}×)</span>'
    return (
        f'<tr class="finding" {_row_attributes(owner, tier, severity, disposition, code)}'
        f'{touched} data-fingerprint="{h(fingerprints)}">'
        f"{_rule_cells(severity, code)}"
        f'<td class="resource">{_resource_cell(finding)}</td>'
        f"<td>{html_text_code(finding['message'], names)}{repeated}{extra}</td>"
        f"{_status_cells(owner, tier, disposition)}"
        f"{_where(finding, options, group[1:])}</tr>"
    )


def _resource_cell(finding: dict[str, Any]) -> str:
    """The resource as code; for a KPI's finding or one on the build what it is about, in
    words (`whole project`: an empty cell read as a finding on nothing); nothing for another
    finding on no resource (an empty code chip read as a resource with no name). It wraps
    after its `_` and `.` first; the stylesheet's `td.resource` caps the column, so a name
    with neither breaks where it must."""
    label = view.resource_label(finding)
    if label:
        return f"<code>{_breakable(label)}</code>"
    scope = view.whole_scope(finding)
    return f'<span class="scope">{h(scope)}</span>' if scope else ""


# The parts of a finding's row that repeat from row to row (owner, tier, severity, status, rule,
# fix) are rendered once per value: escaping them on each of 48,000 rows was a third of the page.
# Emptied at each render, so rule help from plugins loaded since is never stale. A fix hint has
# its `code` spans as <code> (the hints write `meta.owner`, `--base`), a command hint is one
# (`view.fix_markup`).
_fix_html = functools.lru_cache(maxsize=4096)(html_text_code)


@functools.lru_cache(maxsize=4096)
def _row_attributes(owner: str, tier: str, severity: str, disposition: str, code: str) -> str:
    return (
        f'data-owner="{h(owner)}" data-tier="{h(tier)}" data-severity="{h(severity)}"'
        f' data-disposition="{h(disposition)}" data-rule="{h(code)}"'
    )


@functools.lru_cache(maxsize=4096)
def _rule_cells(severity: str, code: str) -> str:
    return (
        f'<td class="sev sev-{h(severity)}">{h(severity)}</td>'
        # The code links to what it checks, in the rules section below.
        f'<td><a class="rule-link" href="#rule-{h(code)}"><code title="{h(rule_help(code).summary)}">'
        f"{_breakable(code)}</code></a></td>"
    )


@functools.lru_cache(maxsize=4096)
def _status_cells(owner: str, tier: str, disposition: str) -> str:
    return (
        f'<td class="owners">{_owner_names([owner])}</td>'
        f"<td>{'–' if tier == _NO_TIER else h(tier)}</td><td>{_status_pill(disposition)}</td>"
    )


def _status_pill(disposition: str) -> str:
    return f'<span class="disp disp-{h(disposition)}">{h(view.status_name(disposition))}</span>'


def _kpis(report: dict[str, Any]) -> str:
    kpis = report["sections"].get("kpis")
    if kpis in (None, {}, []):
        return ""
    parts = ['<section id="kpis"><h2>KPIs</h2>']
    scorecard = view.scorecard_rows(kpis)
    if scorecard is not None:
        parts.append(_scorecard_html(scorecard))
        notes = view.no_data_notes(kpis, gated=True) + view.base_notes(kpis)
        parts.extend(f'<p class="meta">note: {html_text_code(note)}</p>' for note in notes)
        parts.extend(
            # The notes name commands and settings as code (`dbt build --select ...`), as the
            # notes under the scorecard do: in plain cells their backticks printed as written.
            _table_html(table, html_text_code) if table.code_spans else _breakdown_html(table)
            for table in view.kpi_breakdown(kpis)
        )
    else:
        parts.extend(_table_html(table) for table in view.section_tables("KPIs", kpis))
    parts.append("</section>")
    return "".join(parts)


def _fixed(report: dict[str, Any]) -> str:
    """What the change fixed (`view.fixed_lines`), after the KPIs whose pass rate it moved."""
    lines = view.fixed_lines(report, lambda name: f"<code>{_breakable(name)}</code>")
    if not lines:
        return ""
    items = "".join(f"<li>{line}</li>" for line in lines)
    return f'<section id="fixed"><h2>{h(view.FIXED_TITLE)}</h2><ul>{items}</ul></section>'


# The scorecard's status column, coloured where it answers "are we there?".
_KPI_STATUS_CLASS = {"below": "status-missed", "met": "status-met"}


def _scorecard_html(rows: list[list[str]]) -> str:
    """The scorecard with the KPIs that have a target first, as the PR comment leads with them,
    and their status coloured: a target missed read like any other cell among sixteen rows."""
    ordered = sorted(rows, key=lambda row: row[3] == "–")
    headers = view.without_gated(view.scorecard_headers(rows))
    head = "".join(f"<th>{h(cell)}</th>" for cell in headers)
    label = _column_labels(headers)
    body = "".join(
        "<tr>"
        + "".join(f"<td{label[i]}>{h(cell)}</td>" for i, cell in enumerate(row[:4]))
        + f'<td{label[4]} class="{_KPI_STATUS_CLASS.get(row[4], "")}">'
        f"{h(view.gated_status(row))}</td>"
        + "".join(f'<td{label[5]} class="{_moved_class(cell)}">{h(cell)}</td>' for cell in row[6:])
        + "</tr>"
        for row in ordered
    )
    return (
        '<h3>Scorecard</h3><table class="named">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _moved_class(change: str) -> str:
    """A KPI that fell since the base build in the failing colour, one that rose in the
    passing one (`view.base_moved`)."""
    return {"fell": "status-missed", "rose": "status-met"}.get(view.base_moved(change) or "", "")


_WAIVER_HEADERS = ["rule", "selection", "owner", "expires", "reason", "findings"]


def _waivers(report: dict[str, Any], lookups: view.Lookups) -> str:
    waivers = view.waivers_listed(report)
    if not waivers:
        return '<section id="waivers"><h2>Waivers used</h2><p class="muted">None.</p></section>'
    label = _column_labels(_WAIVER_HEADERS)
    rows = []
    for waiver in waivers:
        # Marked expiring when the gate announced it (waiver.expiring, in the config's
        # `waiver_notice_days`): one window, the team's, in every report.
        days_left = lookups.expiring.get((waiver["rule"], waiver["select"], waiver["expires"]))
        expired = bool(waiver.get("expired"))
        note = expiry_note(days_left, expired=expired)
        css = "expired" if expired else ("expiring" if days_left is not None else "")
        rows.append(
            f"<tr><td><code>{_breakable(waiver['rule'])}</code></td>"
            f"<td{label[1]}><code>{_breakable(waiver['select'])}</code></td>"
            f"<td{label[2]}>{h(waiver['owner'])}</td>"
            f'<td{label[3]} class="{css}">{h(waiver["expires"])}{h(note)}</td>'
            f"<td{label[4]}>{h(waiver['reason'])}</td>"
            f"<td{label[5]}>{h(view.waiver_findings(waiver))}</td></tr>"
        )
    return (
        f'<section id="waivers"><h2>{h(view.waivers_title(report))}</h2><table class="named">'
        f"<thead><tr>{''.join(f'<th>{h(header)}</th>' for header in _WAIVER_HEADERS)}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _what_changed(report: dict[str, Any]) -> str:
    found = view.what_changed(report)
    if found is None:
        return ""
    summary, tables = found
    return (
        f'<section id="changes"><h2>What changed</h2><p class="meta">{h(summary)}</p>'
        f"{''.join(_table_html(table, _breakable, _CHANGES_CLASS.get(table.title, '')) for table in tables)}"
        "</section>"
    )


# The tables of what changed, named for the stylesheet: on a screen wide enough, a schema
# change's rule stays on one line and a changed resource's name keeps its room, where at
# 1280 px a long change took the width and left `breaking.column_` / `removed`.
_CHANGES_CLASS = {"Schema changes": "schema-changes", "Changed resources": "changed-resources"}


def _rules(report: dict[str, Any]) -> str:
    """What each code in the report checks, why it matters and how to fix it: the reader of a
    release report should not need the CLI to understand a finding."""
    fixes: dict[str, str | None] = {}
    for finding in report["findings"]:
        fixes.setdefault(finding["code"], finding.get("fix"))
    if not fixes:
        return ""
    entries = []
    for code in sorted(fixes):
        help_ = rule_help(code, fixes[code])
        paragraphs = "".join(
            f"<p>{html_text_code(p)}</p>"
            for p in help_.text.split("\n\n")
            if p.strip() and p.strip() != help_.summary
        )
        entries.append(
            f'<details class="rule" id="rule-{h(code)}"><summary><code>{h(code)}</code> '
            f"{html_text_code(help_.summary)}</summary>{paragraphs}</details>"
        )
    return f'<section id="rules"><h2>Rules in this report</h2>{"".join(entries)}</section>'


def _other_sections(report: dict[str, Any]) -> str:
    """Each other section's tables, their names wrapping at dots and underscores: a policy's
    rules (`governance.contract_enforced: error`) were words that widened the table 34 px past
    A5's page."""
    parts = []
    for name, found in view.other_sections(report):
        tables = "".join(_table_html(table, _breakable) for table in found)
        parts.append(f'<details class="section"><summary>{h(name)}</summary>{tables}</details>')
    if not parts:
        return ""
    return f'<section id="sections"><h2>Other sections</h2>{"".join(parts)}</section>'


# A KPI breakdown longer than this (a release's hundred owners: 5,000 px between the scorecard
# and the waivers) is folded under its title; printing opens it, as every folded section.
_FOLDED_BREAKDOWN_ROWS = 20


def _breakdown_html(table: view.Table) -> str:
    if len(table.rows) <= _FOLDED_BREAKDOWN_ROWS:
        return _table_html(table)
    inner = _table_html(view.Table("", table.headers, table.rows)).removeprefix("<h3></h3>")
    return f'<details class="section"><summary>{h(table.title)}</summary>{inner}</details>'


# The columns a table keeps side by side on paper narrower than A4: A5's page holds some 36em,
# four columns of ~8em. A table of more (the KPIs by owner and by tier: nine, 653 px of A5's
# 435, and Chromium printed every page of the report at 71% to fit them) prints there a card a
# row, each cell under its column's name (`data-label`, the stylesheet's `table.wide`).
_NARROW_PAPER_COLUMNS = 4


def _table_html(table: view.Table, text: Callable[[str], str] = h, css: str = "") -> str:
    """A table of plain cells, each escaped by `text` (`_breakable` where cells hold names that
    should wrap at their dots and underscores rather than inside a word), of class `css`."""
    head = "".join(f"<th>{h(cell)}</th>" for cell in table.headers)
    opening, labels = _table_opening(table.headers, css)
    body = "".join(
        "<tr>"
        + "".join(f"<td{label}>{text(cell)}</td>" for label, cell in zip(labels, row, strict=True))
        + "</tr>"
        for row in table.rows
    )
    return f"<h3>{h(table.title)}</h3>{opening}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _table_opening(headers: list[str], css: str = "") -> tuple[str, list[str]]:
    """A table's opening tag (of class `css`) and each column's cell attributes: a table of
    more columns than `_NARROW_PAPER_COLUMNS` is one of cards on narrow paper and on a phone,
    each cell but the first (which heads the card) named by its column."""
    if len(headers) <= _NARROW_PAPER_COLUMNS:
        return (f'<table class="{css}">' if css else "<table>"), [""] * len(headers)
    return f'<table class="{" ".join(["wide", css]).strip()}">', _column_labels(headers)


def _column_labels(headers: list[str]) -> list[str]:
    """Each column's cell attribute naming it (`data-label`), none for the first: a table of
    them is a card a row on a phone (the stylesheet's `table.wide`, and `table.named`, which
    prints as a table: the scorecard and the waivers fit A5's page), its first cell heading the
    card and the others under their column's name."""
    return ["", *(f' data-label="{h(header)}"' for header in headers[1:])]


def _input_path_cell(info: dict[str, Any], label: str) -> str:
    """The file as the reports name it, wrapping at its directories (on paper it broke inside
    its names, on A5 every four letters: "targ" / "et/ma" / "nifes" / "t.jso" / "n"); a file
    outside the repository keeps its full path in a tooltip, for whoever audits the very machine
    it ran on."""
    shown = view.input_path(info)
    full = info.get("path", "")
    title = f' title="{h(full)}"' if full != shown else ""
    return f"<td{label}><code{title}>{_path_breakable(shown)}</code></td>"


_INPUT_HEADERS = ["role", "file", "path", "schema", "dbt", "generated at", "invocation"]


def _inputs(report: dict[str, Any]) -> str:
    opening, label = _table_opening(_INPUT_HEADERS)
    rows = []
    for role in ("artifacts", "base"):
        for kind, info in sorted((report["inputs"].get(role) or {}).items()):
            if isinstance(info, dict):
                rows.append(
                    f"<tr><td>{h(role)}</td><td{label[1]}>{h(kind)}</td>"
                    f"{_input_path_cell(info, label[2])}"
                    f"<td{label[3]}>{h(info.get('schema_version') or '')}</td>"
                    f"<td{label[4]}>{h(info.get('dbt_version') or '')}</td>"
                    f"<td{label[5]}>{h(view.written_at(info.get('generated_at')))}</td>"
                    f"<td{label[6]}><code>{h(info.get('invocation_id') or '')}</code></td></tr>"
                )
    # The baseline's file is named once, with what it held back (`report["baseline"]` names
    # the same file as the inputs do): the page listed it twice, once without the count.
    others = "".join(
        f"<li>{h(view.key_words(key))}: <code>{h(view.short_value(value))}</code></li>"
        for key, value in sorted(report["inputs"].items())
        if key not in ("artifacts", "base", "baseline")
    )
    notes = "".join(f"<li>{html_text_code(note)}</li>" for note in view.audit_notes(report))
    baseline = report["baseline"]
    path = baseline["path"] or report["inputs"].get("baseline")
    used = (
        f"<code>{h(view.short_value(path))}</code> ({baseline['suppressed']} suppressed)"
        if path
        else "none"
    )
    return (
        f'<section id="inputs"><h2>Inputs (audit trail)</h2>{opening}<thead><tr>'
        + "".join(f"<th>{h(header)}</th>" for header in _INPUT_HEADERS)
        + f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"<ul><li>config digest: <code>{h(report['config_digest'] or 'none')}</code></li>"
        f"<li>baseline: {used}</li>"
        f"{others}</ul>" + (f"<h3>Notes</h3><ul>{notes}</ul>" if notes else "") + "</section>"
    )
