"""Wording of messages: counted nouns (`1 finding`, `3 findings`, never `3 finding(s)`), lists,
and names written as `code` spans.

Messages are read by people in a CI log, a PR comment and a release report; one function for
every count keeps them plain English in all of them, and one for every code span keeps a name
whole in each (`code_span`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def choices(values: Iterable[object]) -> str:
    """The values a setting takes, as config errors and `dbtgate rules` write them: `'all' |
    'any' | 'one'`. Each in single quotes, the way YAML quotes a string and an error shows the
    value it got (`got 'most'`), so a choice reads the same wherever it is printed."""
    return " | ".join(repr(value) for value in values)


# How a KPI note about the scorecard's "vs base build" column begins: `status.kpi` writes
# them, and every report prints them under the scorecard (`report.view.base_notes`).
BASE_NOTE = "vs base build:"

# What the verdict does not cover without a base build, with how to give one: the breaking
# check says it, and a report of an older dbtgate (no `not_checked`) is read as saying it.
NO_BASE_BUILD = "breaking changes (no base build: --base PATH|REF)"


def counted(count: int, noun: str) -> str:
    """`1 model`, `15 models`, `2 analyses`, `38,962 findings` (nouns given in the singular)."""
    return f"1 {noun}" if count == 1 else f"{number(count)} {plural(noun)}"


_DIGITS = re.compile(r"(\d+)")


def name_order(name: str) -> list[tuple[int, str | int]]:
    """The sort key of a name as the reports list owners and tiers: case ignored, numbers by
    their value (`team-2` before `team-10`, tier 2 before tier 10)."""
    return [(0, int(p)) if p.isdigit() else (1, p) for p in _DIGITS.split(name.lower())]


# The owner of a resource that has none, as every report and the KPI scorecard name it.
NO_OWNER = "(no owner)"
# The group of the findings about the whole project or a policy's whole selection (a gated KPI
# below its target, tests.coverage) or about the build's artifacts (run.stale_results,
# run.not_run): they are on no one resource, so have no owner, and under "(no owner)" they
# read as one more unowned source or model.
WHOLE_PROJECT = "Whole project or selection"


def owner_order(owner: str) -> tuple[int, list[tuple[int, str | int]]]:
    """The sort key of an owner's group wherever owners are listed (the findings by owner, the
    KPI scorecard's per-owner figures): the whole project or selection first (a KPI is
    everyone's, and says where it falls short), then by name (`team-2` before `team-10`), and
    "(no owner)" last, where ASCII put it first."""
    rank = 0 if owner == WHOLE_PROJECT else 2 if owner == NO_OWNER else 1
    return rank, name_order(owner)


def tier_label(key: str) -> str:
    """A tier as the reports name it, from the scorecard's `by_tier` key: `tier 2`, and `no
    tier` for `unset` (sources and resources no tier setting reaches)."""
    return "no tier" if key == "unset" else f"tier {key}"


def number(count: int) -> str:
    """A count as the reports show it to a reader: `38,962`, grouped in thousands (a 10,000-model
    project's "38962 blocking findings" and "108433/112554" were hard to read at a glance)."""
    return f"{count:,}"


def amount(value: float) -> str:
    """An amount of gigabytes or megabytes as a message shows it: three decimals at most
    (0.031, 1,240.5), two significant digits for one too small for them (0.00012)."""
    text = f"{value:,.3f}".rstrip("0").rstrip(".")
    return text if text != "0" else f"{value:.2g}"


def against_base_build(value: float, was: float, counts: tuple[int, int] | None = None) -> str:
    """A share beside the base build's and which way the change moved it: `; 18.9% (14/74) in
    the base build: this change lowers it` (`counts`: the base build's numerator and
    denominator). The KPI findings and the rules on a whole selection say it alike."""
    verdict = (
        "this change lowers it"
        if value < was
        else "this change raises it"
        if value > was
        else "not lowered by this change"
    )
    shown = f" ({number(counts[0])}/{number(counts[1])})" if counts is not None else ""
    return f"; {100 * was:.1f}%{shown} in the base build: {verdict}"


def plural(noun: str) -> str:
    """`models`, `analyses`, `entries`, `leaf models` (the last word made plural)."""
    if noun.endswith("is"):
        return noun[:-2] + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def first_few(items: list[str], shown: int) -> str:
    """`a, b, c and 4 more`: the first `shown` of a list a message names, and how many it
    leaves out (a message names a few, never hundreds)."""
    left = len(items) - shown
    return ", ".join(items[:shown]) + (f" and {number(left)} more" if left > 0 else "")


def acknowledged_words(
    way: str, source: str | None, owner: str | None = None, reason: str | None = None
) -> str:
    """How a breaking change was let through, as the finding, the diff table and the reports say
    it: `acknowledged (label breaking-change-ok)`; with who and why when the reviewer of a
    release must see them: `acknowledged (config dbtgate.yml:39) by @data-platform: "consumers
    migrated in JIRA-42"` (a label's reason only repeats the label)."""
    text = f"acknowledged ({way.replace('_', ' ')}{f' {source}' if source else ''})"
    if owner:
        text += f" by {owner}"
    if reason and way != "label":
        text += f': "{reason}"' if way == "config" else f": {reason}"
    return text


def days_from_now(days: int) -> str:
    """`today`, `in 1 day`, `in 9 days`: when a date `days` ahead comes (an expiry)."""
    return "today" if days == 0 else f"in {counted(days, 'day')}"


def expiry_note(days_left: int | None, *, expired: bool = False) -> str:
    """What follows a waiver's date in the console, the PR comment and the HTML page alike:
    ` (expired)`, ` (expires in 3 days)` for a waiver the gate announced (`waiver.expiring`),
    else nothing. Only the gate's own judgement, made on the day the report records
    (`inputs.waivers_as_of`): days counted from the build, or from the reader's clock, made
    one report say other things than its gate did, or on other days."""
    if expired:
        return " (expired)"
    return "" if days_left is None else f" (expires {days_from_now(days_left)})"


def code_span(text: str) -> str:
    """`text` as a `code` span of a message (`orders`, ``` `` a`b `` ```), kept whole whatever
    backticks it holds: names come from the pull request, and a column named ``a`b`` between
    single backticks would end the span early and make the rest of the message code.

    Written as CommonMark writes one, so the renderers read it back as CommonMark does: a fence
    one backtick longer than the longest run inside, and a space inside each fence when the text
    starts or ends with a backtick, or with a space at both ends (a reader strips one pair)."""
    longest = max(map(len, re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    stripped_by_reader = text[:1] == text[-1:] == " " and text.strip(" ")
    pad = " " if text[:1] == "`" or text[-1:] == "`" or stripped_by_reader else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def hanging(text: str, width: int, first: str = "", then: str = "") -> str:
    """`text` wrapped at `width` for a console that prints soft-wrapped (where the terminal
    would wrap at column 0): the first line indented by `first`, the others by `then`, never
    broken inside a word nor at a hyphen (a name or a flag is printed whole)."""
    import textwrap

    return textwrap.fill(
        text,
        width,
        initial_indent=first,
        subsequent_indent=then,
        break_long_words=False,
        break_on_hyphens=False,
    )
