"""The PR summary in markdown: the sticky comment and the Actions job summary.

A reviewer reads it top-down and stops early, so the order is the priority: the verdict on the first
line, the counts, breaking changes with their impact and owners, then what blocks grouped by owner
with the fix and a link to the line on the PR head; then the lineage of what changed, the KPIs, the
waivers used, and everything else folded in <details>. GitHub refuses comments over 65,536
characters, so rendering works against a budget: sections are filled in that order, a section that
runs out of room says how many items it left out, and a closing note points at the full report.
All untrusted text goes through `dbtgate.report.escape`.
"""

from __future__ import annotations

from typing import Any

from dbtgate.report import view
from dbtgate.report.escape import md_code, md_text, md_url, mermaid_label
from dbtgate.report.options import RenderOptions

# Kept free while the sections are filled, for the truncation note at the end.
_NOTE_ROOM = 600
_MAX_SECTION_ROWS = 500


class _Budget:
    """Text parts under a character limit; remembers whether anything was left out."""

    def __init__(self, limit: int) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.limit = limit
        self.truncated = False

    def room(self) -> int:
        return self.limit - self.size

    def add(self, text: str) -> bool:
        if len(text) > self.room():
            self.truncated = True
            return False
        self.parts.append(text)
        self.size += len(text)
        return True

    def add_items(self, head: str, items: list[str], tail: str, what: str) -> None:
        """`head`, as many `items` as fit, a "N more" line if some did not, then `tail`."""
        more_room = 120
        if len(head) + len(tail) + more_room > self.room():
            self.truncated = True
            return
        self.add(head)
        reserve = len(tail) + more_room
        shown = 0
        for item in items:
            if len(item) + reserve > self.room():
                break
            self.add(item)
            shown += 1
        if shown < len(items):
            self.truncated = True
            self.add(f"- … {len(items) - shown} more {what} not shown here: see the full report\n")
        self.add(tail)


def render_markdown(report: dict[str, Any], options: RenderOptions | None = None) -> str:
    """The PR summary for `report`, at most `options.max_markdown_chars` characters."""
    options = options or RenderOptions()
    budget = _Budget(options.max_markdown_chars - _NOTE_ROOM)
    budget.add(_headline(report, options))
    budget.add(_counts_line(report))
    for note in report["warnings"]:
        budget.add(f"> **warning:** {md_text(note)}\n")
    _breaking_section(budget, report, options)
    _blocking_section(budget, report, options)
    _lineage_section(budget, report)
    _kpi_section(budget, report)
    _waiver_section(budget, report)
    for disposition in ("advisory", "out_of_scope", "waived", "baselined"):
        findings = view.findings_with(report, disposition)
        if disposition == "waived" or not findings:
            continue
        _findings_details(budget, view.DISPOSITION_TITLES[disposition], findings, options)
    _other_sections(budget, report)
    _inputs_details(budget, report)
    budget.limit = options.max_markdown_chars
    budget.add(_footer(report, options, budget.truncated))
    return "".join(budget.parts)


def _headline(report: dict[str, Any], options: RenderOptions) -> str:
    icon = ""
    if options.emoji:
        icon = "✅ " if report["verdict"] == "pass" else "❌ "
    project = md_text(report["project"])
    # The verdict line is our own words and numbers; only the project name is untrusted.
    return f"### {icon}{view.verdict_text(report)} (dbt project {project})\n\n"


def _counts_line(report: dict[str, Any]) -> str:
    counts = report["counts"]
    by_disposition = counts["by_disposition"]
    parts = [
        f"{by_disposition[key]} {label}"
        for key, label in (
            ("blocking", "blocking"),
            ("advisory", "advisory"),
            ("out_of_scope", "out of scope"),
            ("waived", "waived"),
            ("baselined", "baselined"),
        )
    ]
    severities = ", ".join(f"{n} {name}" for name, n in counts["by_severity"].items())
    families = ", ".join(f"{md_text(name)} {n}" for name, n in counts["by_family"].items())
    line = f"**{counts['total']} findings:** {' · '.join(parts)} ({severities})"
    if families:
        line += f"; by family: {families}"
    return line + "\n\n"


def _link(finding: dict[str, Any], options: RenderOptions) -> str:
    place = view.location(finding)
    if not place:
        return ""
    url = view.file_link(finding, options)
    return f"[{md_text(place)}]({md_url(url)})" if url else md_code(place)


def _breaking_section(budget: _Budget, report: dict[str, Any], options: RenderOptions) -> None:
    changes = view.breaking_changes(report)
    if not changes:
        return
    head = (
        f"#### Breaking changes ({len(changes)})\n\n"
        "| change | resource | impact | owners | status | where |\n"
        "| --- | --- | --- | --- | --- | --- |\n"
    )
    rows = [
        f"| {md_text(f['message'])} ({md_code(f['code'], in_table=True)}) "
        f"| {md_code(view.resource_label(f), in_table=True)} "
        f"| {md_text(view.impact_text(f)) or '–'} "
        f"| {', '.join(md_text(o) for o in view.impact_owners(f)) or '–'} "
        f"| {f['disposition'].replace('_', ' ')} | {_link(f, options) or '–'} |\n"
        for f in changes
    ]
    budget.add_items(head, rows, "\n", "breaking changes")


def _blocking_section(budget: _Budget, report: dict[str, Any], options: RenderOptions) -> None:
    blocking = view.findings_with(report, "blocking")
    if not blocking:
        return
    if not budget.add(f"#### Blocking findings ({len(blocking)}), by owner\n\n"):
        return
    for owner, findings in view.by_owner(blocking):
        items = [_finding_item(f, options) for f in findings]
        budget.add_items(
            f"**{md_text(owner)}** ({len(findings)})\n\n", items, "\n", f"findings of {owner}"
        )


def _finding_item(finding: dict[str, Any], options: RenderOptions) -> str:
    resource = view.resource_label(finding)
    on = f" on {md_code(resource)}" if resource else ""
    where = _link(finding, options)
    text = f"- {md_code(finding['code'])}{on}: {md_text(finding['message'])}"
    if where:
        text += f" ({where})"
    text += "\n"
    if finding.get("fix"):
        text += f"  - fix: {md_text(finding['fix'])}\n"
    waiver = finding.get("waiver")
    if waiver:
        text += (
            f"  - waived by {md_text(waiver['owner'])} until {md_text(waiver['expires'])}:"
            f" {md_text(waiver['reason'])}\n"
        )
    return text


def _lineage_section(budget: _Budget, report: dict[str, Any]) -> None:
    lineage = report["sections"].get("lineage")
    if not isinstance(lineage, dict) or not lineage.get("nodes"):
        return
    ids = {node["id"]: f"n{index}" for index, node in enumerate(lineage["nodes"])}
    lines = ["```mermaid", "graph LR"]
    for node in lineage["nodes"]:
        kind = "breaking" if node.get("breaking") else node["role"]
        label = mermaid_label(f"{node['name']} ({node['resource_type']})")
        lines.append(f'  {ids[node["id"]]}["{label}"]:::{kind}')
    for parent, child in lineage["edges"]:
        if parent in ids and child in ids:
            lines.append(f"  {ids[parent]} --> {ids[child]}")
    lines += [
        "  classDef changed fill:#fff3cd,stroke:#b58900",
        "  classDef breaking fill:#f8d7da,stroke:#c0392b",
        "  classDef consumer fill:#e8f0fe,stroke:#4a6fa5",
        "```",
    ]
    omitted = lineage.get("omitted", 0)
    more = f"\n{omitted} more resources not drawn.\n" if omitted else ""
    budget.add(
        "#### Lineage of the changed resources and their direct consumers\n\n"
        + "\n".join(lines)
        + "\n"
        + more
        + "\n"
    )


def _kpi_section(budget: _Budget, report: dict[str, Any]) -> None:
    kpis = report["sections"].get("kpis")
    if kpis in (None, {}, []):
        return
    scorecard = view.scorecard_rows(kpis)
    if scorecard is None:
        _tables(budget, "KPIs", view.section_tables("KPIs", kpis), folded=False)
        return
    _tables(
        budget,
        "KPIs vs targets",
        [view.Table("KPIs vs targets", view.SCORECARD_HEADERS, scorecard)],
        folded=False,
    )
    rest = {k: v for k, v in kpis.items() if k not in ("scorecard", "project", "generated_at")}
    if rest:
        _tables(budget, "KPI breakdown", view.section_tables("KPIs", rest), folded=True)


def _waiver_section(budget: _Budget, report: dict[str, Any]) -> None:
    waivers = report["waivers"]
    if not waivers:
        return
    head = (
        f"#### Waivers used ({len(waivers)})\n\n"
        "| rule | selection | owner | expires | reason | findings |\n"
        "| --- | --- | --- | --- | --- | --- |\n"
    )
    rows = [
        f"| {md_code(w['rule'], in_table=True)} | {md_code(w['select'], in_table=True)} "
        f"| {md_text(w['owner'])} | {md_text(w['expires'])} | {md_text(w['reason'])} "
        f"| {w['findings']} |\n"
        for w in waivers
    ]
    budget.add_items(head, rows, "\n", "waivers")


def _findings_details(
    budget: _Budget, title: str, findings: list[dict[str, Any]], options: RenderOptions
) -> None:
    items = []
    for owner, group in view.by_owner(findings):
        items.append(f"\n**{md_text(owner)}** ({len(group)})\n\n")
        items.extend(_finding_item(f, options) for f in group)
    head = f"<details><summary>{md_text(title)}: {len(findings)}</summary>\n"
    budget.add_items(head, items, "\n</details>\n\n", "findings")


def _other_sections(budget: _Budget, report: dict[str, Any]) -> None:
    for name, section in report["sections"].items():
        if name in ("lineage", "kpis") or section in (None, {}, []):
            continue
        _tables(budget, name, view.section_tables(name, section), folded=True)


def _tables(budget: _Budget, title: str, tables: list[view.Table], *, folded: bool) -> None:
    head = (
        f"<details><summary>{md_text(title)}</summary>\n\n"
        if folded
        else f"#### {md_text(title)}\n\n"
    )
    tail = "</details>\n\n" if folded else "\n"
    items = []
    for table in tables:
        lines = [f"\n**{md_text(table.title)}**\n\n"] if table.title != title else ["\n"]
        lines.append("| " + " | ".join(md_text(h) for h in table.headers) + " |\n")
        lines.append("|" + " --- |" * len(table.headers) + "\n")
        items.append("".join(lines))
        items.extend(
            "| " + " | ".join(md_text(cell) or " " for cell in row) + " |\n"
            for row in table.rows[:_MAX_SECTION_ROWS]
        )
    budget.add_items(head, items, tail, f"rows of {title}")


def _inputs_details(budget: _Budget, report: dict[str, Any]) -> None:
    rows = []
    for role in ("artifacts", "base"):
        for kind, info in sorted((report["inputs"].get(role) or {}).items()):
            if isinstance(info, dict):
                rows.append(
                    f"| {role} | {md_text(kind)} | {md_code(info.get('path', ''), in_table=True)} "
                    f"| {md_text(info.get('dbt_version') or '')} "
                    f"| {md_text(info.get('generated_at') or '')} "
                    f"| {md_code(info.get('invocation_id') or '', in_table=True)} |\n"
                )
    for key, value in sorted(report["inputs"].items()):
        if key not in ("artifacts", "base"):
            value_text = md_code(view.short_value(value), in_table=True)
            rows.append(f"| {md_text(key)} | | {value_text} | | | |\n")
    head = (
        "<details><summary>Inputs (for the audit trail)</summary>\n\n"
        f"Config digest: {md_code(report['config_digest'] or 'none')}; report generated at"
        f" {md_text(report['generated_at'] or 'unknown')} (the manifest's time).\n\n"
        "| role | file | path | dbt | generated at | invocation |\n"
        "| --- | --- | --- | --- | --- | --- |\n"
    )
    notes = "".join(f"- note: {md_text(n)}\n" for n in report["notes"])
    budget.add_items(head, rows, ("\n" + notes if notes else "") + "\n</details>\n\n", "inputs")


def _footer(report: dict[str, Any], options: RenderOptions, truncated: bool) -> str:
    where = (
        f"[the full report]({md_url(options.full_report_url)})"
        if options.full_report_url
        else "the full report (the JSON/HTML gate report of this run)"
    )
    tool = report["tool"]
    footer = f"<sub>dbtgate {md_text(tool['version'])}"
    if options.full_report_url:
        footer += f" · [run]({md_url(options.full_report_url)})"
    footer += "</sub>\n"
    if truncated:
        return (
            f"> **Truncated:** this summary is cut to stay under GitHub's comment size limit;"
            f" see {where} for every finding.\n\n" + footer
        )
    return footer
