"""The documentation of a finding's code, for reports that carry rule metadata (SARIF, HTML).

Policy rules document themselves in the rule registry (`dbtgate.rules`); the other families'
codes (breaking, risky, safe, run, freshness, kpi, waiver) in `dbtgate.codes`; `lint.<CODE>` comes
from sqlfluff's own rule docs. A third-party code may have no docs at all, and reports must render
either way, so this falls back to the code itself and the fix hint the finding carries. All of it
is imported lazily: rendering a saved report must not pay for loading every family unless asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from dbtgate.errors import DbtgateError
from dbtgate.report.escape import md_code, md_text, md_text_code

if TYPE_CHECKING:
    from dbtgate.codes import CodeDoc


@dataclass(frozen=True)
class RuleHelp:
    code: str
    summary: str
    text: str  # plain text: what, why, how to fix
    markdown: str  # the same with the examples, for viewers that render markdown
    documented: bool


def rule_help(code: str, fix: str | None = None) -> RuleHelp:
    """The docs for `code` (a rule, a documented code, a sqlfluff rule), else a minimal help
    built from the code and `fix`."""
    docs = _registry_docs().get(code)
    if docs is None:
        documented = _code_doc(code)
        if documented is not None:
            return _code_help(documented)
        return _fallback_help(code, fix)
    summary, what, why, failing, passing, how = docs
    text = f"{what}\n\nWhy: {why}\n\nHow to fix: {how}"
    markdown = (
        f"{what}\n\n**Why:** {why}\n\n**How to fix:** {how}\n\n"
        f"Fails:\n\n```yaml\n{failing.strip()}\n```\n\nPasses:\n\n```yaml\n{passing.strip()}\n```\n"
    )
    return RuleHelp(code, summary, text, markdown, documented=True)


def _fallback_help(code: str, fix: str | None) -> RuleHelp:
    """The help of an undocumented code: the code and the finding's fix hint. The markdown is
    laid out as documented help is (**How to fix:**), but both come from the finding, not from
    docs dbtgate or a plugin wrote, so they are escaped, the fix's `code` spans kept."""
    family = code.split(".", 1)[0]
    text = f"dbtgate {family} check {code}."
    markdown = f"dbtgate {md_text(family)} check {md_code(code)}."
    if fix:
        text += f"\n\nHow to fix: {fix}"
        markdown += f"\n\n**How to fix:** {md_text_code(fix)}"
    return RuleHelp(code, code, text, markdown + "\n", documented=False)


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


def _code_doc(code: str) -> CodeDoc | None:
    from dbtgate.codes import code_docs

    documented = code_docs().get(code)
    if documented is None and code.startswith("lint."):
        from dbtgate.rules.sqlfluff_docs import lint_code_doc

        documented = lint_code_doc(code)
    return documented


def _code_help(doc: CodeDoc) -> RuleHelp:
    from dbtgate.rules.reference import example_lexer

    text = f"{doc.what}\n\nWhy: {doc.why}\n\nHow to fix: {doc.fix}"
    markdown = f"{doc.what}\n\n**Why:** {doc.why}\n\n**How to fix:** {doc.fix}\n"
    if doc.example:
        markdown += f"\nExample:\n\n```{example_lexer(doc)}\n{doc.example}\n```\n"
    return RuleHelp(doc.code, doc.summary, text, markdown, documented=True)
