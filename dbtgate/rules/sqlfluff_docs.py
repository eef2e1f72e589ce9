"""The documentation of `lint.<CODE>` findings, read from sqlfluff's own rules.

Lint findings carry sqlfluff's code (`lint.LT01`). sqlfluff documents each rule in its class
docstring (reStructuredText with "Anti-pattern" / "Best practice" sections and SQL examples),
and that text changes with the installed sqlfluff version, so dbtgate does not copy it: it
converts it on demand into the same what / why / fix / example shape as every other code.
sqlfluff is imported only here, and only when a lint code is explained.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from dbtgate.codes import CodeDoc
from dbtgate.config import LintConfig

if TYPE_CHECKING:
    from sqlfluff.core.rules.base import RuleManifest

_HEADING = re.compile(r"^\*\*(?P<title>[^*]+)\*\*\s*$")
# `.. note:` (one colon) occurs too, and renders as a note in sqlfluff's own docs.
_DIRECTIVE = re.compile(r"^(?P<indent>\s*)\.\. (?P<name>[\w-]+)::?\s*(?P<argument>.*)$")
_LINK = re.compile(r"`(?P<text>[^`<]+?)\s*<(?P<url>[^>]+)>`__?")
_LINK_TARGET = re.compile(r"^\s*\.\. _(?P<name>[^:]+):\s*(?P<url>\S+)\s*$", re.M)
_ROLE = re.compile(r"(?::[\w-]+)+:`(?P<text>[^`<]*?)\s*(?:<[^>]*>)?`")
# Lines sqlfluff's docs decorator adds; dbtgate shows the same facts from the rule's metadata.
_METADATA_LINE = re.compile(
    r"^(This rule is ``sqlfluff fix`` compatible\.|\*\*(Name|Aliases|Groups)\*\*:.*)$"
)


@dataclass(frozen=True)
class _Block:
    kind: str  # "text" | "sql" | "code" (another language: not shown)
    text: str


@cache
def lint_code_doc(code: str) -> CodeDoc | None:
    """Docs for `lint.<sqlfluff code, name or alias>` (case-insensitive); None if unknown.

    The returned doc's code is the canonical `lint.<CODE>` the lint family emits."""
    if not code.lower().startswith("lint."):
        return None
    wanted = code[len("lint.") :].lower()
    manifests = _manifests()
    manifest = manifests.get(wanted)
    if manifest is None:
        return None
    return _code_doc(manifest)


def lint_rule_names() -> list[str]:
    """Every code, name and alias of the installed sqlfluff's rules as sqlfluff writes them
    (`CP01`, `capitalisation.keywords`, `L010`), for suggestions on a typo."""
    return sorted({key for m in _manifests().values() for key in (m.code, m.name, *m.aliases)})


def lint_rules() -> list[tuple[str, str, str]]:
    """(`lint.<CODE>`, sqlfluff name, description) of every sqlfluff rule, for `dbtgate rules
    lint`."""
    unique = {m.code: m for m in _manifests().values()}
    return [(f"lint.{code}", m.name, m.description) for code, m in sorted(unique.items())]


@cache
def _manifests() -> dict[str, RuleManifest]:
    """sqlfluff's rule manifests by lower-cased code, name and alias."""
    try:
        from sqlfluff.core.rules import get_ruleset
    except ImportError:
        return {}
    found: dict[str, RuleManifest] = {}
    register = get_ruleset()._register
    for manifest in register.values():
        for key in (manifest.code, manifest.name, *manifest.aliases):
            found.setdefault(key.lower(), manifest)
    return found


def _code_doc(manifest: RuleManifest) -> CodeDoc:
    sections = _sections(manifest.rule_class.__doc__ or "")
    intro = _prose(sections.get("", []))
    anti = sections.get("Anti-pattern", [])
    best = sections.get("Best practice", [])
    options = _prose(sections.get("Configuration", []))
    facts = (
        f"sqlfluff rule {manifest.code} (`{manifest.name}`), groups: {', '.join(manifest.groups)}"
    )
    if manifest.aliases:
        facts += f"; old codes: {', '.join(manifest.aliases)}"
    what = "\n\n".join(part for part in (intro, facts + ".") if part)
    why = _prose(anti) or (
        f"sqlfluff's `{manifest.name}` rule: one way of writing SQL across the project keeps "
        "reviews about logic, not layout, and diffs small."
    )
    fix_parts = [_prose(best) or "Rewrite the SQL where the finding points, as its message says."]
    if getattr(manifest.rule_class, "is_fix_compatible", False):
        fix_parts.append(
            f"`dbtgate lint --fix {manifest.code} FILE` rewrites it for you (as `sqlfluff fix` "
            "does, with dbtgate's dbt stubs and the project's macros)."
        )
    if options:
        fix_parts.append(f"Options (in .sqlfluff, [sqlfluff:rules:{manifest.name}]):\n\n{options}")
    fix_parts.append(
        f"To turn the rule off, add {manifest.code} to `exclude_rules` in .sqlfluff; to keep it "
        f"without blocking, set `lint.severity: {{{manifest.code}: warn}}` in dbtgate.yml."
    )
    examples = []
    for title, blocks in (("anti-pattern", anti), ("best practice", best)):
        sql = "\n\n".join(block.text for block in blocks if block.kind == "sql")
        if sql:
            examples.append(f"-- {title}\n{sql}")
    return CodeDoc(
        code=f"lint.{manifest.code}",
        severity=LintConfig().default_severity,
        summary=manifest.description,
        what=what,
        why=why,
        fix="\n\n".join(fix_parts),
        example="\n\n".join(examples),
    )


def _sections(docstring: str) -> dict[str, list[_Block]]:
    """The docstring's blocks under each `**Heading**` ("" before the first)."""
    text = inspect.cleandoc(docstring)
    # Named link targets (`.. _ANSI-92: url`, used as `ANSI-92_`) become "ANSI-92 (url)".
    for target in _LINK_TARGET.finditer(text):
        name, url = target.group("name"), target.group("url")
        text = re.sub(rf"\b{re.escape(name)}_(?!\w)", f"{name} ({url})", text)
    text = _LINK_TARGET.sub("", text)
    # The first line is the rule's description, shown as its summary.
    return _parse(text.splitlines()[1:])


def _parse(lines: list[str]) -> dict[str, list[_Block]]:
    sections: dict[str, list[_Block]] = {}
    current = ""
    paragraph: list[str] = []

    def flush() -> None:
        text = " ".join(" ".join(paragraph).split())
        if text:
            sections.setdefault(current, []).append(_Block("text", _inline(text)))
        paragraph.clear()

    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        heading = _HEADING.match(stripped)
        directive = _DIRECTIVE.match(line)
        if _METADATA_LINE.match(stripped):
            index += 1
        elif heading:
            flush()
            current = heading.group("title").strip()
            index += 1
        elif directive:
            flush()
            body, index = _directive_body(lines, index + 1, len(directive.group("indent")))
            name = directive.group("name")
            if name == "code-block":
                kind = "sql" if directive.group("argument") in ("sql", "") else "code"
                sections.setdefault(current, []).append(_Block(kind, body))
            elif name == "note":
                inner = [block for blocks in _parse(body.splitlines()).values() for block in blocks]
                if inner and inner[0].kind == "text":
                    inner[0] = _Block("text", "Note: " + inner[0].text)
                sections.setdefault(current, []).extend(inner)
            # Other directives (tables) do not read well as plain text: left out.
        elif not stripped:
            flush()
            index += 1
        elif stripped.startswith(("* ", "- ")):
            flush()
            paragraph.append(stripped)
            index += 1
        else:
            paragraph.append(stripped)
            index += 1
    flush()
    return sections


def _directive_body(lines: list[str], index: int, indent: int) -> tuple[str, int]:
    """The indented body of a directive starting at `index` (options like `:force:` skipped)."""
    while index < len(lines) and lines[index].strip().startswith(":"):
        index += 1
    body: list[str] = []
    while index < len(lines):
        line = lines[index]
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        body.append(line)
        index += 1
    text = inspect.cleandoc("\n".join(body)) if any(line.strip() for line in body) else ""
    return text.rstrip(), index


def _inline(text: str) -> str:
    """reStructuredText inline markup as markdown-ish plain text."""
    text = _LINK.sub(lambda m: f"{m.group('text')} ({m.group('url')})", text)
    text = _ROLE.sub(lambda m: f"`{m.group('text')}`", text)
    return text.replace("``", "`")


def _prose(blocks: list[_Block]) -> str:
    return "\n\n".join(block.text for block in blocks if block.kind == "text")
