"""The rules reference, rendered from the registry: `dbtgate rules` (a table), `dbtgate rules CODE`
(one rule's documentation) and docs/rules.md (`python -m dbtgate.rules.docs > docs/rules.md`).

The documentation lives once, next to each rule's code; every view of it is generated here, so
the terminal, the docs page and the code never disagree.
"""

from __future__ import annotations

import json
import textwrap
from typing import TYPE_CHECKING, Any

from dbtgate.rules.registry import Rule, builtin_rules

if TYPE_CHECKING:
    from rich.console import Console

_INTRO = """\
# Rules reference

<!-- Generated from the rule registry by `python -m dbtgate.rules.docs > docs/rules.md`.
     Do not edit by hand: change the rule's docstring or its @rule(...) arguments instead. -->

Each rule has a stable code (`family.name`), a default severity and parameters. Switch rules on
per selection in `dbtgate.yml`:

```yaml
policies:
  - select: "tier:1"
    rules:
      tests.primary_key: error                         # severity only
      docs.column_coverage: {severity: error, min: 1.0}  # severity and parameters
```

A parameter that a rule does not have, or a value of the wrong type, stops the run with the
config file and line. `dbtgate rules` lists the rules; `dbtgate rules CODE` explains one.
"""


def _value(value: Any) -> str:
    return json.dumps(value)


def _applies(rule: Rule) -> str:
    kinds = ", ".join(rule.applies_to)
    return f"the selection's {kinds}s (once, as a whole)" if rule.selection else kinds


def render_markdown(rules: dict[str, Rule]) -> str:
    lines = [
        _INTRO,
        "| code | default severity | applies to | checks |",
        "| --- | --- | --- | --- |",
    ]
    for code, rule in sorted(rules.items()):
        anchor = code.replace(".", "")
        lines.append(
            f"| [`{code}`](#{anchor}) | {rule.severity} | {_applies(rule)} | {rule.docs.summary} |"
        )
    for _code, rule in sorted(rules.items()):
        lines.extend(["", *render_rule_markdown(rule)])
    return "\n".join(lines) + "\n"


def render_rule_markdown(rule: Rule) -> list[str]:
    docs = rule.docs
    out = [
        f"## {rule.code}",
        "",
        docs.summary,
        "",
        f"Default severity: **{rule.severity}**. Applies to: {_applies(rule)}.",
    ]
    if docs.what != docs.summary:
        out += ["", "**What it checks.** " + " ".join(docs.what.split())]
    out += ["", "**Why it matters.** " + " ".join(docs.why.split())]
    out += ["", "Fails:", "", "```yaml", docs.failing, "```"]
    out += ["", "Passes:", "", "```yaml", docs.passing, "```"]
    out += ["", "**How to fix.** " + " ".join(docs.fix.split())]
    if rule.params:
        out += ["", "| parameter | type | default |", "| --- | --- | --- |"]
        for param in rule.params.values():
            out.append(f"| `{param.name}` | `{param.type_name}` | `{_value(param.default)}` |")
    else:
        out += ["", "No parameters (only `severity`)."]
    return out


def print_rules(console: Console, rules: dict[str, Rule]) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="dbtgate rules", title_justify="left")
    table.add_column("code", style="bold", no_wrap=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("applies to")
    table.add_column("parameters")
    table.add_column("checks")
    for code, rule in sorted(rules.items()):
        params = ", ".join(rule.params)
        source = "" if rule.builtin else f" [dim](plugin {escape(rule.origin)})[/]"
        table.add_row(
            escape(code),
            rule.severity,
            escape(_applies(rule)),
            escape(params) or "-",
            escape(rule.docs.summary) + source,
        )
    console.print(table)
    console.print("Explain one rule: dbtgate rules CODE", style="dim")


def print_rule(console: Console, rule: Rule) -> None:
    from rich.markup import escape
    from rich.padding import Padding
    from rich.syntax import Syntax

    docs = rule.docs
    width = max(40, min(console.width, 100) - 2)

    def prose(title: str, text: str) -> None:
        console.print()
        console.print(f"[bold]{title}[/]")
        for paragraph in text.split("\n\n"):
            wrapped = textwrap.fill(
                " ".join(paragraph.split()), width, initial_indent="  ", subsequent_indent="  "
            )
            console.print(escape(wrapped))

    def example(title: str, text: str) -> None:
        console.print()
        console.print(f"[bold]{title}[/]")
        syntax = Syntax(text, "yaml", theme="ansi_dark", background_color="default")
        console.print(Padding(syntax, (0, 0, 0, 2)))

    console.print(f"[bold]{escape(rule.code)}[/]  {escape(docs.summary)}")
    console.print(f"default severity: {rule.severity}; applies to: {escape(_applies(rule))}")
    if not rule.builtin:
        console.print(f"from plugin {escape(rule.origin)}")
    if docs.what != docs.summary:
        prose("What it checks", docs.what)
    prose("Why it matters", docs.why)
    example("Fails", docs.failing)
    example("Passes", docs.passing)
    prose("How to fix", docs.fix)
    console.print()
    console.print("[bold]Parameters[/] (besides severity)")
    for p in rule.params.values():
        console.print(escape(f"  {p.name}: {p.type_name} = {_value(p.default)}"))
    if not rule.params:
        console.print("  none")


def main() -> int:
    print(render_markdown(builtin_rules()), end="")
    return 0
