"""The documentation of a finding's rule, for reports that carry rule metadata (SARIF, HTML).

Policy rules document themselves in the rule registry (`dbtgate.rules`); other families (breaking,
run, freshness, lint, kpi) and third-party codes may have no entry. Reports must render either
way, so this falls back to the code itself and the fix hint the finding carries. The registry is
imported lazily: rendering a saved report must not pay for loading every rule family unless asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from dbtgate.errors import DbtgateError


@dataclass(frozen=True)
class RuleHelp:
    code: str
    summary: str
    text: str  # plain text: what, why, how to fix
    markdown: str  # the same with the examples, for viewers that render markdown
    documented: bool


def rule_help(code: str, fix: str | None = None) -> RuleHelp:
    """The registry's docs for `code`, else a minimal help built from the code and `fix`."""
    docs = _registry_docs().get(code)
    if docs is None:
        family = code.split(".", 1)[0]
        text = f"dbtgate {family} check {code}."
        if fix:
            text += f"\n\nHow to fix: {fix}"
        return RuleHelp(code, code, text, text, documented=False)
    summary, what, why, failing, passing, how = docs
    text = f"{what}\n\nWhy: {why}\n\nHow to fix: {how}"
    markdown = (
        f"{what}\n\n**Why:** {why}\n\n**How to fix:** {how}\n\n"
        f"Fails:\n\n```yaml\n{failing.strip()}\n```\n\nPasses:\n\n```yaml\n{passing.strip()}\n```\n"
    )
    return RuleHelp(code, summary, text, markdown, documented=True)


@cache
def _registry_docs() -> dict[str, tuple[str, str, str, str, str, str]]:
    try:
        from dbtgate.rules.registry import load_rules
    except ImportError:
        return {}
    try:
        rules = load_rules()
    except DbtgateError:
        # A broken third-party plugin must not stop a report from rendering: built-ins only.
        from dbtgate.rules.registry import RULES as rules
    return {
        code: (
            rule.docs.summary,
            rule.docs.what,
            rule.docs.why,
            rule.docs.failing,
            rule.docs.passing,
            rule.docs.fix,
        )
        for code, rule in rules.items()
    }
