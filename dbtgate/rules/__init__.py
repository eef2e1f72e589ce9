"""Policy rules: one module per family (tests, docs, owner, governance, modeling, naming,
performance, sources, code).

Third-party rules use the same decorator: `from dbtgate.rules import rule, Violation`. The family
modules are imported by `registry.load_rules`, never from here, so importing this package stays
cheap.
"""

from dbtgate.rules.registry import (
    Count,
    Gigabytes,
    Megabytes,
    Minimums,
    Names,
    ParamError,
    Regex,
    RegexMap,
    Seconds,
    Share,
    Violation,
    rule,
)

__all__ = [
    "Count",
    "Gigabytes",
    "Megabytes",
    "Minimums",
    "Names",
    "ParamError",
    "Regex",
    "RegexMap",
    "Seconds",
    "Share",
    "Violation",
    "rule",
]
