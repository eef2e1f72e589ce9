"""The PR summary in markdown: the sticky comment and the Actions job summary.

A reviewer reads it top-down and stops early, so the order is the priority: the verdict on the first
line, what it is of and against, the counts, what it did not check or checked in part only, the
warnings, breaking changes with their impact and owners, then what blocks grouped by owner
with the fix and a link to the line on the PR head; then the lineage of what changed, the KPIs, the
waivers used, and everything else folded in <details>. GitHub refuses comments over 65,536
characters, so rendering works against a budget: sections are filled in that order (but for those
after the lineage, rendered first in the room they may keep, so that the blocking findings take all
they leave, and again in what the findings leave unused when that room cut them), a section that
runs out of room says how many items it left out and, on its first such line alone, that the run's
HTML report has them, and a closing note points at the full report.
Whether a section is shown at all, and in which form, is decided in the least room the sections
before it leave at this limit or any larger one (`_Floors`: what the warnings and the breaking
changes may take of their shares, not the rows they happened to fit), in a fixed order of
priority (the lines under the verdict, `_head`; the smallest forms of what blocks,
`_first_forms`; the sections after the lineage, `_later_sections`): a section shown at one
limit is shown at every larger one, from the least limit on (`LEAST_MARKDOWN_CHARS`, the
verdict's and the closing note's room). The room the blocking findings leave unused fills the
sections shown; it shows no section more, which would be gone again at a larger limit where the
findings fill it.
The job summary is this text read on the run's own page: it names the run's gate.html among the
run's artifacts where the comment links the run.
The lineage goes first: it is drawn only when every blocking finding is shown, and says so. The
waiver entry the gate suggests, folded under the blocking findings, keeps its room from them: it
is what lets the author ship. The KPIs vs targets decide the verdict too: once the room holds a
few blocking findings beside the breaking changes, their smallest form (a line counting those
below target and naming the gated ones, in place of the scorecard) keeps its room from the
breaking changes and the blocking findings as the waiver entry does. Before the breaking
changes' table has room the findings fill its room, a few more of them at a limit than at the
next ones, where the table has it: that is no room the KPIs keep at every larger limit.
All untrusted text goes through `dbtgate.report.escape`.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import chain
from typing import Any, NamedTuple

from dbtgate.report import view
from dbtgate.report.escape import (
    md_code,
    md_code_block,
    md_html_text,
    md_text,
    md_text_code,
    md_url,
    mermaid_label,
)
from dbtgate.report.options import RenderOptions, at_base
from dbtgate.report.room import MeasuredItems, RenderedItems, fair_shares
from dbtgate.wording import NO_OWNER, counted, expiry_note, first_few, number

# Kept free while the sections are filled, for the closing note at the end: at least this, and
# more for long URLs (`_note_reserve`).
_NOTE_ROOM = 600
# The least size limit a summary is rendered in: the closing note's room and the verdict's own
# words (`_headline`'s short form, at most about 130 characters) with room to spare. GitHub's
# limits are far above it; the job summary is left out below 4,000 characters (`publish`).
LEAST_MARKDOWN_CHARS = 1_000
_MAX_SECTION_ROWS = 500
# The lines above the sections (`_head`, `_warnings`) as the closing note names those it had no
# room for: words its sentence reads ("had no room for the counts and 3 sections: ...").
_LINE_NAMES = {
    "gated": "what it gates and against what",
    "counts": "the counts",
    "alerts": "the waiver alerts",
    "unchecked": "what was not checked",
    "partly": "what was partly checked",
    "warnings": "the warnings",
}


# The warnings above the findings (a stale build, a newer schema): at most this many, in at
# most this share of the comment's room (a build with hundreds of them pushed the blocking
# findings out of it); the HTML report lists them all.
_MAX_WARNINGS = 10
_WARNING_SHARE = 0.1
# The first line of what the verdict covers in part only has room whole in their share, beyond
# it if need be, up to this share of the room: "run status covers 812 of 1,000 models: ..." is
# about 250 characters, more than a tenth of a comment's room under 3,000 characters, and was
# "… 1 note not shown here" under a PASS a reader took as a pass of all 1,000.
_PARTLY_SHARE = 0.3
# The share of the comment's remaining room the breaking changes may fill (after the headline
# and counts); then the sections after the blocking findings (the KPIs, the waivers, what
# changed, the inputs) may keep the share of what is left that the blocking findings do not
# have, and the blocking findings take all of it they leave unused. The lineage keeps no room
# of its own: the blocking findings may fill its room too, and it is shown only when they are
# shown whole (the HTML report draws it); when they are cut even beside it, its room is the
# sections' after it as much as the findings'.
_BREAKING_SHARE = 0.5
_BLOCKING_SHARE = 0.7
# Then each folded bulk section (the KPIs by owner, the advisory, out-of-scope and baselined
# findings) may fill this share of what is left: the KPIs by owner of a hundred teams, or a
# thousand advisory findings, left out the waivers, what changed and the inputs after them.
_FOLDED_SHARE = 0.5
# The room of "a few blocking findings" (three, with their fixes): once the comment has it
# besides the smallest forms of the breaking changes, the blocking findings and the waiver
# entry, the KPIs vs targets keep the room of theirs.
_FEW_FINDINGS = 1_200
# Beyond this many blocking findings (more than a comment lists) their heading counts them by
# rule.
_BLOCKING_ITEMS = 200


class _Part(NamedTuple):
    """What the closing note says it had no room for: a section by its name (`breaking
    changes`, `inputs`, a report's own section), or, `line`, lines above the sections in the
    words its sentence reads them (`the counts`, `the warnings`). The note counts the sections
    when their names do not fit, never the lines: "had no room for these sections: counts,
    warnings" called lines sections, and "15 sections" counted them as such."""

    name: str
    line: bool = False


class _Budget:
    """Text parts under a character limit; remembers whether anything was left out.

    `rest_at`: where what a section leaves out can be read, for its "N more" line. `cuts`: how
    many "N more" lines were written, for a section of several lists (the blocking findings, an
    owner's list each) to say where the rest is on its first one alone. `shown`: how many items
    the last `add_items` showed, for a section that says what it showed once, not again
    further down (the breaking changes' table rows, which the blocking findings point at).
    `left_out`: what had no room for anything, not even its heading (the sections, and the lines
    above them), for the closing note to say (`section`)."""

    def __init__(self, limit: int, rest_at: str) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.limit = limit
        self.truncated = False
        self.refused = 0
        self.rest_at = rest_at
        self.cuts = 0
        self.shown = 0
        self.left_out: list[_Part] = []

    def room(self) -> int:
        return self.limit - self.size

    def refuse(self) -> None:
        """Something had no room: the closing note says the summary was cut."""
        self.truncated = True
        self.refused += 1

    @contextmanager
    def section(self, name: str, line: bool = False) -> Iterator[None]:
        """The section `name` (or, `line`, the lines above the sections it names) is rendered
        inside: when it had something to say and no room for any of it, it is named in
        `left_out` (in place of its own parts left out). A late section dropped whole said
        nothing, and the closing note said only "Truncated"."""
        size, refused, named = self.size, self.refused, len(self.left_out)
        try:
            yield
        finally:
            if self.size == size and self.refused > refused:
                del self.left_out[named:]
                self.left_out.append(_Part(name, line))

    def take(self, other: _Budget) -> None:
        """`other`'s parts after these, as if rendered here (in room this budget kept for
        them): what it left out, and the sections it had no room for, count as this one's."""
        assert other.size <= self.room(), "the room of the parts taken was not kept"
        self.parts.extend(other.parts)
        self.size += other.size
        self.truncated |= other.truncated
        self.refused += other.refused
        self.cuts += other.cuts
        self.left_out.extend(other.left_out)

    def add(self, text: str) -> bool:
        if len(text) > self.room():
            self.refuse()
            return False
        self.parts.append(text)
        self.size += len(text)
        return True

    @contextmanager
    def share(self, fraction: float, plus: int = 0, keep: int = 0) -> Iterator[None]:
        """The sections rendered inside may fill `fraction` of the room left (and `plus`
        characters more, room they may take from a section after them), not all of it, and
        never the last `keep` characters (the room of a section after them they may not take)."""
        full = self.limit
        self.limit = min(full - keep, self.size + int(fraction * self.room()) + plus)
        try:
            yield
        finally:
            self.limit = full

    def more_room(self, what: str, whose: str = "", say_where: bool = True) -> int:
        return _more_room(self.rest_at if say_where else "", what, whose)

    def add_items(
        self,
        head: str,
        items: list[str] | Iterator[str],
        tail: str,
        what: str,
        weights: list[int] | None = None,
        max_items: int | None = None,
        whose: str = "",
        say_where: bool = True,
        at_least: int = 0,
    ) -> bool:
        """`head`, as many `items` as fit (at most `max_items`), a "N more" line if some did
        not, then `tail`. `what` is the noun in the singular ("finding", "row"), `whose` what
        follows it (" of @finance-eng"): "1 more finding of @finance-eng", "3 more findings
        ...". The line says where they are unless `say_where` is false: a line before it in the
        same section said so (25 owners' lines each linked the same run).

        `weights`: how many of `what` each item stands for (an owner's heading none, a folded
        group of findings several), so the "N more" line counts findings, not lines; one per
        item, so `items` may be an iterator that renders each item only when it is asked for
        (a comment has room for a few hundred of 48,000 findings). With room for fewer than
        `at_least` items nothing is added, not even `head`. Returns whether every item was
        shown."""
        total = len(weights) if weights is not None else len(items)  # type: ignore[arg-type]
        where = f": see {self.rest_at}" if say_where else ""
        more_room = self.more_room(what, whose, say_where)
        self.shown = 0
        if len(head) + len(tail) + more_room > self.room():
            self.refuse()
            return False
        start = len(self.parts), self.size
        self.add(head)
        reserve = len(tail) + more_room
        shown = 0
        for item in items:
            if shown == max_items or len(item) + reserve > self.room():
                break
            self.add(item)
            shown += 1
        if shown < min(at_least, total):
            del self.parts[start[0] :]
            self.size = start[1]
            self.refuse()
            return False
        if shown < total and weights is not None:
            # A heading (an owner's, a table's) with nothing of what it heads under it: the
            # "N more" line after it read as that owner's or that table's alone.
            while shown and weights[shown - 1] == 0:
                shown -= 1
                self.size -= len(self.parts.pop())
        if shown < total:
            self.refuse()
            left = sum(weights[shown:]) if weights is not None else total - shown
            if left:  # not for the heading of an empty table alone
                # "more" only after some were shown: "1 more warning" under none read wrong.
                noun = f"more {what}" if shown else what
                self.add(f"- … {counted(left, noun)}{whose} not shown here{where}\n")
                self.cuts += 1
        self.add(tail)
        self.shown = shown
        return shown == total


def _more_room(rest_at: str, what: str, whose: str = "") -> int:
    """The room `_Budget.add_items` keeps for its "N more" line, however long `what` is (an
    owner's name), saying where the rest is when `rest_at`: with its `head` and `tail`, the
    least room it shows anything in."""
    where = f": see {rest_at}" if rest_at else ""
    return len(what) + len(whose) + len(where) + 80


def render_markdown(report: dict[str, Any], options: RenderOptions | None = None) -> str:
    """The PR summary for `report`, at most `options.max_markdown_chars` characters (at least
    `LEAST_MARKDOWN_CHARS`: with less there is no room for the verdict and the closing note).

    In three steps, each deciding what it shows in the least room those before it leave at this
    limit or any larger one, so that a section shown at one limit is shown at every larger one:
    the lines under the verdict and the warnings (`_head`, `_warnings`); the smallest forms of
    what blocks, in their order of precedence (`_first_forms`); then the breaking changes, the
    blocking findings, the lineage and the sections after it, each in the room the others keep.
    """
    options = at_base(options or RenderOptions(), report)
    if options.max_markdown_chars < LEAST_MARKDOWN_CHARS:
        raise ValueError(
            f"a markdown summary needs at least {number(LEAST_MARKDOWN_CHARS)} characters, "
            f"not {number(options.max_markdown_chars)}: the verdict and the closing note"
        )
    # What a section leaves out is in the run's HTML report: its "N more" line says so, and
    # links the run when it is known, as the lineage's note does.
    budget = _Budget(
        options.max_markdown_chars - _note_reserve(report, options), _html_report(options)
    )
    lookups = view.Lookups.of(report)
    _head(budget, report, options)
    floors, warned = _warnings(budget, report)
    blocking = _blocking_findings(lookups.findings_with("blocking"), options, budget.rest_at)
    changes = _breaking_parts(report, options, lookups)
    lineage = _lineage(report)
    note = max(len(_lineage_left_out(options, taken)) for taken in (False, True)) if lineage else 0
    later = _later_list(report, options, lookups, budget.rest_at)
    fold, short = _waiver_hint(report, options)
    kpis = next(section.least for section in later if section.name == "KPIs")
    first = _first_forms(floors, blocking.least, changes, (fold, short), note, kpis)
    if first.hint != fold:
        budget.refuse()
    # Each section may take a share of what is left, not all of it: a thousand breaking changes
    # left the blocking findings a heading with nothing under it, tens of thousands of findings
    # left out the lineage, the KPIs and the waivers (a KPI table was a header with no rows).
    with (
        budget.share(
            _BREAKING_SHARE,
            plus=int(_BREAKING_SHARE * warned),
            keep=len(first.hint) + blocking.least + note * first.noted + first.kpis,
        ),
        budget.section("breaking changes"),
    ):
        tabled = set()
        if first.breaking:
            tabled = _breaking_section(budget, changes)
        elif changes.changes:
            budget.refuse()
    # The sections after the lineage may keep a share of what the breaking changes leave (less
    # the warnings' room, and the waiver entry's and the lineage note's), never the room of the
    # blocking findings' smallest form, and no more than they take whole; the findings take
    # all of it they do not use: kept for them whether they needed it or not, it went unused
    # when they were short (20 owners' 6,000 findings were cut in a comment that stopped at
    # 48 KB).
    left = floors.after_breaking(changes.whole)
    hint_most = max(len(fold), len(short))
    share = min(
        (1 - _BLOCKING_SHARE) * left - _BLOCKING_SHARE * floors.warned - hint_most - note,
        left - hint_most - note - blocking.least,
    )
    after = _later_sections(later, budget.rest_at, int(max(share, 0)), int(max(share, 0)))
    if not after.truncated:  # all of them whole: no more room is theirs
        share = after.size
    # What blocks comes before the picture of what changed: the lineage is drawn when every
    # blocking finding is shown beside it and the sections after it (it held 40 resources while
    # findings of the PR's own owners were cut), else a line says it was left out. When cut,
    # the findings may take its room, and the sections after it theirs: at 20,000 characters,
    # 10,000 models' comment dropped its KPIs, advisory findings and what changed whole while
    # the findings took the room of a lineage it did not draw. Shown whole, the findings leave
    # the sections all the room past them and the lineage (drawn or not: else the sections
    # shown beside its note lost that room once it was drawn).
    lists = _OwnerLists.of(blocking.findings, tabled, options, lookups)
    where = len(f": see {budget.rest_at}")  # as `_blocking_section` keeps it
    need = lists.room(int(left), where) if blocking.findings else 0
    past = -1.0
    if need is not None:
        past = left - hint_most - max(len(lineage), note) - blocking.least - need
    drawn = bool(lineage) and past >= max(share, first.kpis)
    shown_in = max(int(max(share, past, 0)), first.kpis)
    if after.truncated and shown_in != after.limit:  # rendered again in the room they keep
        after = _later_sections(later, budget.rest_at, shown_in, shown_in)
    kept = len(lineage) if drawn else note * first.noted
    with (
        budget.share(1.0, keep=len(first.hint) + kept + after.size),
        budget.section("blocking findings"),
    ):
        listed = 0
        if first.blocking:
            listed = _blocking_section(budget, blocking, lists, options)
        elif blocking.findings:
            budget.refuse()
    if first.hint:
        budget.add(first.hint)
    elif fold:  # no room for the line in its place either: named as a section would be
        budget.left_out.append(_Part("suggested waiver entry"))
    if lineage:
        with budget.section("lineage"):
            if drawn and listed == len(blocking.findings):
                budget.add(lineage)
            elif drawn or first.noted:
                # That the blocking findings took its room when some of them were shown: not
                # when all of them were (or there were none), nor when none had room.
                budget.add(_lineage_left_out(options, 0 < listed < len(blocking.findings)))
            else:
                budget.refuse()
    if after.truncated and budget.room() > after.limit:
        # The room the blocking findings, the lineage or its note left unused (cut, the
        # findings leave less than one of theirs; a lineage left out, all but its note) fills
        # the sections after them that had room: a comment cut for its size ended a finding or
        # a lineage short of its limit with sections cut that had room for more. Those with no
        # room before have none now, or they came and went as the limit grew.
        after = _later_sections(later, budget.rest_at, shown_in, budget.room())
    budget.take(after)
    budget.limit = options.max_markdown_chars
    budget.add(_footer(report, options, budget.truncated, budget.left_out, budget.room()))
    return "".join(budget.parts)


def _warnings(budget: _Budget, report: dict[str, Any]) -> tuple[_Floors, int]:
    """What the verdict covers in part only, then the warnings (a stale build, a newer schema),
    at most `_MAX_WARNINGS` of each in `_WARNING_SHARE` of the room, or in the room of the first
    of the former when that is more (up to `_PARTLY_SHARE` of it). Returns the least room they
    leave at this limit or any larger one (`_Floors`) and the room they took: what comes after
    is decided in the first, not in what they happened to leave (a table row more that fitted
    left less after it, and sections came and went as the limit grew: 10,000 models' KPIs were
    shown at 6,000 characters, not at 6,250, and again at 6,500)."""
    # In the warnings' room before them (the audit trail at the foot of the comment was where
    # they were, under "Inputs"). A blank line after each: one quote a warning, and the next
    # line not drawn into it.
    partly = [
        f"> **partly checked:** {md_text_code(note)}\n\n" for note in view.partly_checked(report)
    ]
    warnings = [f"> **warning:** {md_text_code(note)}\n\n" for note in report["warnings"]]
    room = budget.room()
    before = budget.size
    # Their share, and room for the line counting those it has no room for (with none, 14
    # warnings went without a word); the notes keep that line's room for the warnings after
    # them too.
    more = len(budget.rest_at) + 100
    plus = more * (1 + bool(partly and warnings))
    if partly:  # the first of them whole, with the warnings' "N more" line after it
        first = len(partly[0]) + budget.more_room("note") + (more if warnings else 0)
        plus = max(plus, min(first, int(_PARTLY_SHARE * room)))
    all_shown = True
    with budget.share(_WARNING_SHARE, plus=plus):
        for items, what, name, keep in (
            (partly, "note", _LINE_NAMES["partly"], more if warnings else 0),
            (warnings, "warning", _LINE_NAMES["warnings"], 0),
        ):
            if not items:
                continue
            cuts = budget.cuts
            # With no room for one of them, nor for the line counting them, named in the
            # closing note: under a verdict whose lines took the room, they went without a word.
            with budget.share(1.0, keep=keep), budget.section(name, line=True):
                all_shown &= budget.add_items("", items, "", what, max_items=_MAX_WARNINGS)
            if budget.cuts > cuts:
                budget.add("\n")  # after the "… N more" item, as after each warning
    # The room the warnings took comes out of the room the sections after what blocks may keep,
    # not out of the breaking changes' share or the room the blocking findings have at least:
    # those keep the room they have without.
    warned = budget.size - before
    # Shown whole, they are at any larger limit; cut, they may take all their share, or all
    # they show at most.
    most = sum(
        sum(map(len, items[:_MAX_WARNINGS])) + budget.more_room(what) + 1
        for items, what in ((partly, "note"), (warnings, "warning"))
        if items
    )
    return _Floors(room, warned if all_shown else min(_WARNING_SHARE * room + plus, most)), warned


class _Floors(NamedTuple):
    """The least room the comment leaves after the warnings and after the breaking changes,
    whatever they took of their shares: it never falls as the limit grows, where the room they
    left did (a table row more that fitted left less after it). `room`: after the headline and
    the counts; `warned`: the most the warnings take of it at this limit or any larger one."""

    room: int
    warned: float

    @property
    def after_warnings(self) -> float:
        return self.room - self.warned

    def after_breaking(self, whole: int) -> float:
        """After the breaking changes too, which take all of theirs (`whole`) or their share:
        their share of the room after the warnings and of the warnings' room, half of `room`."""
        return self.after_warnings - min(whole, _BREAKING_SHARE * self.room)


class _FirstForms(NamedTuple):
    """What comes before the sections after the lineage, in its smallest forms: the waiver
    entry or the line in its place (`hint`, "" with room for neither), whether the blocking
    findings' heading and closing line are shown (`blocking`), the breaking changes' table
    (`breaking`), whether the lineage's note keeps its room (`noted`), and the room the KPIs'
    line keeps (`kpis`, 0 when none)."""

    hint: str
    blocking: bool
    breaking: bool
    noted: bool
    kpis: int


def _first_forms(
    floors: _Floors,
    blocking: int,
    changes: _Breaking,
    hint: tuple[str, str],
    note: int,
    kpis: int,
) -> _FirstForms:
    """Which of the smallest forms of what blocks are shown, each when the room it needs (with
    the forms before it it keeps room for) is within the least room it is decided in (after
    the warnings, or after the breaking changes too): so from a limit on, at every larger one.
    Fitted in what the forms before it happened to leave, the waiver entry's line or the
    lineage's note came and went as the limit grew.

    In order of precedence: the line saying the waiver entry was left out, the blocking
    findings' heading and closing line, the waiver entry whole (what lets the author ship: they
    may not take its room; it was dropped, and nothing said so, when the findings and the
    lineage's room they took left none), the breaking changes, the lineage's note. Then the
    KPIs' line: the KPIs vs targets decide the verdict too, so once the breaking changes leave
    room for the blocking findings' smallest form and a few of those findings (`_FEW_FINDINGS`),
    the waiver entry and the lineage's note, it keeps its room from the breaking changes and the
    blocking findings as the waiver entry does (in what the sections after the lineage keep, it
    came and went). `blocking`, `note`, `kpis`: the room of the smallest forms of the blocking
    findings, the lineage's note and the KPIs (0 when there is none)."""
    fold, short = hint
    most = max(len(fold), len(short))
    breaking = blocking + most + changes.least
    at, past_breaking = floors.after_warnings, floors.after_breaking(changes.whole)
    forms = [  # (name, the room it needs, the least room it is decided in)
        ("line", len(short), at),
        ("blocking", blocking + len(short), at),
        ("entry", blocking + len(fold), at),
        ("breaking", breaking, at),
        ("note", breaking + note, at),
        ("kpis", blocking + _FEW_FINDINGS + most + note + kpis, past_breaking),
    ]
    shown = {name for name, need, least in forms if least >= need}
    return _FirstForms(
        hint=fold if "entry" in shown else short if "line" in shown else "",
        blocking="blocking" in shown,
        breaking="breaking" in shown,
        # Kept with the KPIs' line after it, which may come in first.
        noted="note" in shown or ("kpis" in shown and kpis > 0),
        kpis=kpis if "kpis" in shown else 0,
    )


class _Later(NamedTuple):
    """A section after the lineage: what the closing note calls it when it had no room ("":
    the KPIs by tier and by owner, folded under the scorecard, it never named), the room of its
    smallest form (`least`, 0 when it has nothing to say) and of the fuller one it shows when
    that room is kept for it (`fuller`, 0 when it has one form: the KPI scorecard in place of
    the line counting its KPIs below target), how it renders (told whether its fuller form's
    room was kept), the share of the room left it may fill (`fraction`: a thousand advisory
    findings left out the waivers, what changed and the inputs after them), and whether it has
    room only after the others' fuller forms (`late`: the inputs, the KPIs by owner)."""

    name: str
    least: int
    render: Callable[[_Budget, bool], None]
    fuller: int = 0
    fraction: float = 1.0
    late: bool = False


def _later_sections(later: list[_Later], rest_at: str, shown_in: int, room: int) -> _Budget:
    """The sections after the lineage, in order, in `room` characters. Which are shown, and
    in which form, is decided in `shown_in` (at most `room`), by the room they keep in this
    order: the smallest forms of all but the late ones, the fuller forms, then the late ones;
    a section is shown (or in its fuller form) when it fits after all those before it in that
    order, whatever these take beyond it. So a section shown at one limit is at every larger
    one: first fitted, a section took room a later one then had no more, and more room for it
    left out a section it had left room for. Each keeps the room of the forms shown after it,
    and takes what it needs beyond of the room left."""
    budget = _Budget(max(room, 0), rest_at)
    order = [
        *((index, False) for index, section in enumerate(later) if not section.late),
        *((index, True) for index, section in enumerate(later) if section.fuller),
        *((index, False) for index, section in enumerate(later) if section.late),
    ]
    shown, fuller, kept = [False] * len(later), [False] * len(later), 0
    for index, whole in order:
        section = later[index]
        kept += section.fuller - section.least if whole else section.least
        if kept <= shown_in:
            (fuller if whole else shown)[index] = True
    sizes = [
        (section.fuller if fuller[index] else section.least) if shown[index] else 0
        for index, section in enumerate(later)
    ]
    for index, section in enumerate(later):
        if not section.least:
            continue
        if not shown[index]:
            budget.refuse()
            if section.name:
                budget.left_out.append(_Part(section.name))
            continue
        with budget.share(section.fraction, plus=sizes[index], keep=sum(sizes[index + 1 :])):
            if section.name:
                with budget.section(section.name):
                    section.render(budget, fuller[index])
            else:
                section.render(budget, fuller[index])
    return budget


def _later_list(
    report: dict[str, Any], options: RenderOptions, lookups: view.Lookups, rest_at: str
) -> list[_Later]:
    """The sections after the lineage, in order: the KPIs and what the change fixed, the
    waivers, the findings that do not block, what changed, the report's other sections and the
    inputs. The first is always the KPIs' (`least` 0 when the report has none)."""
    sections = [*_kpi_sections(report, rest_at)]
    text = _fixed_text(report)
    sections.append(_Later(view.FIXED_TITLE.lower(), len(text), lambda b, _: b.add(text)))
    sections.append(_waiver_section(report, lookups, rest_at))
    for disposition in ("advisory", "out_of_scope", "waived", "baselined"):
        findings = lookups.findings_with(disposition)
        if disposition == "waived" or not findings:
            continue
        title = view.DISPOSITION_TITLES[disposition]
        sections.append(
            _findings_details(
                _FOLDED_NAMES[disposition], title, findings, options, lookups, rest_at
            )
        )
    sections.append(_what_changed(report, rest_at))
    sections.extend(
        _tables_section(name, name, tables, rest_at, folded=True, late=True)
        for name, tables in view.other_sections(report)
    )
    sections.append(_inputs_details(report, rest_at))
    return sections


# The folded sections of findings as the closing note names those it had no room for.
_FOLDED_NAMES = {
    "advisory": "advisory findings",
    "out_of_scope": "findings outside the change",
    "baselined": "findings in the baseline",
}


def _head(budget: _Budget, report: dict[str, Any], options: RenderOptions) -> None:
    """The lines above the sections, in the order a reader asks: the verdict, of what and
    against what, what was found, then what the verdict covers (not at all, in part only) in
    one place (the coverage sat above "Against"). The verdict line is always shown (in its
    short form, without the project's name, when that is too long for the room); each line
    after it is shown when it fits after every line before it, and the sections after them only
    when all of them are, so what a limit shows every larger one shows; the closing note names
    those left out. Fitted one by one, a comment of 700 characters or less had no verdict, and
    at 1,000 the line in place of the waiver entry stood where the counts, too long for the
    room, were not."""
    headline = _headline(report, options)
    if len(headline) > budget.room():
        headline = _headline(report, options, short=True)
    budget.add(headline)
    lines = [
        (_LINE_NAMES["gated"], _gated_line(report, options)),
        (_LINE_NAMES["counts"], _counts_line(report)),
    ]
    alerts = view.waiver_alerts(report)
    if alerts:
        lines.append((_LINE_NAMES["alerts"], f"**Waivers:** {md_text_code(alerts)}\n\n"))
    unchecked = view.not_checked(report)
    if unchecked:
        text = f"**Not checked:** {md_text_code(' · '.join(unchecked))}\n\n"
        lines.append((_LINE_NAMES["unchecked"], text))
    for index, (_, line) in enumerate(lines):
        if not budget.add(line):
            # No room for the sections either: each is named in the closing note, as are the
            # lines left out here (a comment without its counts said nothing of them).
            budget.left_out.extend(_Part(name, line=True) for name, text in lines[index:] if text)
            budget.limit = budget.size
            return


def _headline(report: dict[str, Any], options: RenderOptions, short: bool = False) -> str:
    """`### ❌ dbtgate: FAIL — 3 blocking findings, ... (dbt project shop)`; `short`: the
    verdict's own words alone, of a length the least limit has room for (the project's name
    and the selection are the project's, of any length)."""
    icon = ""
    if options.emoji:
        icon = "✅ " if report["verdict"] == "pass" else "❌ "
    # The verdict line is our own words and numbers; the project name and the selection
    # (`check --select`) are not.
    verdict = view.verdict_text({**report, "inputs": {}})
    if short:
        return f"### {icon}{verdict}\n\n"
    project = md_text(report["project"])
    inputs = report["inputs"]
    focus = view.focus_label(inputs.get("select"), inputs.get("exclude"))
    if focus:
        verdict += f", on {md_code(focus)}"
    key = inputs.get("comment_key")
    if key:  # `check --comment-key`: which of the project's gates (a matrix job) this is
        project += f", {md_text(key)}"
    return f"### {icon}{verdict} (dbt project {project})\n\n"


def _gated_line(report: dict[str, Any], options: RenderOptions) -> str:
    """`**Of** commit 5789142 (tag v1.1, main) · **against** v1.0 (commit 4daa4d5)`: which
    release the summary is the gate of, and since which, as the HTML page says it under the
    verdict. A pull request's run checks out GitHub's merge commit, which names nothing the
    author pushed: the commit gated is then the head the footer names (`options.commit`)."""
    inputs = report["inputs"]
    commit = view.gated_commit(inputs)
    git = inputs.get("git")
    if options.commit and (not isinstance(git, dict) or git.get("commit") != options.commit):
        # Edits to the merge commit's checkout are edits to what the head's report gated.
        commit = f"commit {options.commit[:7]}{view.edits_words(git)}"
    base = view.compared_with(inputs)
    if not commit and not base:
        return ""
    parts = [f"**Of** {md_text(commit)}"] if commit else []
    against = md_text(base or "no base build")
    parts.append(f"**against** {against}" if commit else f"**Against** {against}")
    return " · ".join(parts) + "\n\n"


def _counts_line(report: dict[str, Any]) -> str:
    counts = report["counts"]
    by_disposition = counts["by_disposition"]
    parts = [
        f"{number(by_disposition.get(key, 0))} {name}" for key, name in view.STATUS_NAMES.items()
    ]
    if not counts["total"]:
        return "**No findings.**\n\n"
    # Zero counts are noise in a comment read on every push; the JSON report keeps them all.
    shown = [part for part in parts if not part.startswith("0 ")]
    severities = view.severity_split(counts)
    families = ", ".join(f"{md_text(name)} {number(n)}" for name, n in counts["by_family"].items())
    touched = view.touched_counts(report)
    said = (
        f"<br>on what the change touched: {counted(touched[0], 'finding')}, "
        f"{number(touched[1])} of them blocking"
        if touched
        else ""
    )
    return (
        f"**{counted(counts['total'], 'finding')}:** {' · '.join(shown)} ({severities})"
        f"{said}<br>by family: {families}\n\n"
    )


def _link(
    finding: dict[str, Any],
    options: RenderOptions,
    *,
    in_table: bool = False,
    line_only: bool = False,
) -> str:
    place = view.location(finding)
    if line_only and finding.get("line"):
        # Another place in the same file: "10:14", or "line 10".
        place = place.removeprefix(f"{finding.get('path')}:")
        place = place if finding.get("column") else f"line {place}"
    if not place:
        return ""
    url = view.file_link(finding, options)
    # A code span as the link text: paths read as paths, and no markdown inside it needs escaping.
    code = md_code(place, in_table=in_table)
    deleted = f" ({view.DELETED})" if view.path_deleted(finding) and not line_only else ""
    return (f"[{code}]({md_url(url)})" if url else code) + deleted


class _Breaking(NamedTuple):
    """The breaking changes' section, made once: the changes, the table's heading and rows,
    and what follows it (how to fix them). `least`: the room it needs to show anything (its
    heading, what follows and the line counting the rows left out), 0 with no changes;
    `whole`: the room it takes whole."""

    changes: list[dict[str, Any]]
    head: str
    rows: list[str]
    tail: str
    least: int
    whole: int


def _breaking_parts(
    report: dict[str, Any], options: RenderOptions, lookups: view.Lookups
) -> _Breaking:
    """The table of breaking changes with their readers, then how to fix them, each fix once."""
    changes = view.breaking_changes(report)
    if not changes:  # not checked: said under the verdict (`view.not_checked`)
        return _Breaking([], "", [], "", 0, 0)
    head = (
        f"#### Breaking changes ({number(len(changes))})\n\n"
        "| change | who reads it | readers' owners | status |\n"
        "| --- | --- | --- | --- |\n"
    )
    rows = []
    for f in changes:
        where = _link(f, options, in_table=True)
        # One reader a line: whether each selects the changed column is read at a glance.
        readers = "<br>".join(md_text(line) for line in view.impact_lines(f))
        # Under the change, who owns the model: the one to fix it or sign it off, whom a PR's
        # reader talks to (the readers' owners are the teams it breaks). The HTML page says it
        # under the resource; a column of its own would widen the comment's table.
        rows.append(
            f"| {md_text(view.change_text(f, lookups))}"
            f"<br>{md_code(f['code'], in_table=True)}{' · ' + where if where else ''}"
            f"<br>{_owned_by(view.owner_group(f))} "
            f"| {readers or 'no known readers'} "
            f"| {', '.join(md_text(o) for o in view.impact_owners(f)) or '–'} "
            f"| {view.status_name(f['disposition'])} |\n"
        )
    tail = "\n" + _breaking_fixes(changes)
    least = len(head) + len(tail) + _more_room(_html_report(options), "breaking change")
    return _Breaking(changes, head, rows, tail, least, len(head) + sum(map(len, rows)) + len(tail))


def _breaking_section(budget: _Budget, breaking: _Breaking) -> set[int]:
    """The breaking changes' section, as many rows as fit. Returns the changes its rows show
    (by `id`): the blocking findings point at their rows rather than repeat them (10,000
    models' 47 changes took 21 KB of the comment twice)."""
    if not breaking.changes:
        return set()
    budget.add_items(breaking.head, breaking.rows, breaking.tail, "breaking change")
    return {id(f) for f in breaking.changes[: budget.shown]}


def _owned_by(owner: str) -> str:
    """`owned by Finance Analytics`, or `no owner`: a comment's room is short, and a thousand
    models' breaking changes are mostly of models without one."""
    return "no owner" if owner == NO_OWNER else f"owned by {md_text(owner)}"


def _breaking_fixes(changes: list[dict[str, Any]]) -> str:
    """How to fix the breaking changes: each fix once, with the rules it is for and how many
    changes it fixes, and the way out every fix ends with (the acknowledgement label) once
    after them (`_shared_ending`). Under every change, a 300-character fix was said 47 times."""
    rules: dict[str, Counter[str]] = {}
    for change in changes:
        if change.get("fix"):
            rules.setdefault(change["fix"], Counter())[change["code"]] += 1
    if not rules:  # all acknowledged: nothing to fix
        return ""
    fixes = list(rules)
    ending = _shared_ending(fixes)
    lines = [
        f"- {', '.join(f'{md_code(code)} ({number(n)})' for code, n in rules[fix].items())}: "
        f"{md_text_code(view.fix_markup(fix.removesuffix(ending).rstrip()))}\n"
        for fix in fixes
    ]
    if ending:
        lines.append(f"- {md_text_code(ending)}\n")
    return "How to fix them:\n\n" + "".join(lines) + "\n"


def _shared_ending(fixes: list[str]) -> str:
    """The sentences every one of several `fixes` ends with (the acknowledgement label the
    diff adds to each), to say once after them; "" when they share no whole sentence."""
    if len(fixes) < 2:
        return ""
    first = fixes[0]
    for start in range(2, len(first)):
        ending = first[start:]
        if first[start - 2 : start] == ". " and all(fix.endswith(". " + ending) for fix in fixes):
            return ending
    return ""


class _OwnerLists(NamedTuple):
    """The blocking findings by owner as their section lists them, made once: each owner's
    lines pointing at the breaking changes' table (`_pointer_items`), and its other findings,
    measured only as far as the room asks (`MeasuredItems`), so that asking whether they fit
    whole (`fit`) renders nothing twice."""

    owners: list[tuple[str, list[dict[str, Any]]]]
    pointers: list[tuple[list[str], list[int]]]
    lists: list[tuple[MeasuredItems, list[int]]]

    @classmethod
    def of(
        cls,
        findings: list[dict[str, Any]],
        tabled: set[int],
        options: RenderOptions,
        lookups: view.Lookups,
    ) -> _OwnerLists:
        owners = view.by_owner(findings)
        pointers = [_pointer_items(found, tabled, options) for _, found in owners]
        lists = []
        for owner, found in owners:
            # Failed runs and policy findings before lint: what the comment has room for.
            rest = sorted(
                (f for f in found if id(f) not in tabled),
                key=lambda f: view.family_rank(f["family"]),
            )
            items, weights = _finding_items(rest, options, lookups)
            lists.append((MeasuredItems(items, _owner_overhead(owner, found)), weights))
        return cls(owners, pointers, lists)

    def pointed_room(self) -> int:
        """The room the lines pointing at the breaking changes' table take: all of them."""
        return sum(len(item) for items, _ in self.pointers for item in items)

    def room(self, cap: int, where: int) -> int | None:
        """The room every owner's list takes whole (after the section's heading and closing
        line) as `_blocking_section` shares it out, `where` being the room it keeps for saying
        where the rest is; None when that is more than `cap`."""
        need = self.pointed_room() + where
        for items, _ in self.lists:
            need += items.need(cap - need)
            if need > cap:
                return None
        return need


def _blocking_section(
    budget: _Budget,
    blocking: _BlockingFindings,
    lists: _OwnerLists,
    options: RenderOptions,
) -> int:
    """The blocking findings by owner, as many as the budget holds; how many it lists (shown,
    or pointed at in the breaking changes' table).
    Each owner gets the room its findings take when that fits an equal share, the owners with
    more split the rest (`fair_shares`). A breaking change the table above shows is a short
    line pointing at its row (`_pointer_items`), and takes none of its owner's share.

    The heading never stands alone: with no room for any owner it says the findings were left
    out and where they are, and the owners after the last one with room are counted in one line
    (a tiny limit left the heading with nothing under it, or dropped owners without a word)."""
    if not blocking.findings:
        return 0
    if blocking.least > budget.room():
        budget.refuse()
        return 0
    budget.add(blocking.heading)
    closing = blocking.least - len(blocking.heading)
    owners = lists.owners
    listed = 0
    cuts = budget.cuts
    shown = 0
    with budget.share(1.0, keep=closing):
        # More than a comment can hold: every owner gets their share of the room, not the
        # first owner alphabetically all of it (the rest got a heading and "… N more"). The
        # breaking changes the table shows take none of it: a line each is all of them.
        # The first "… N more" line says where the rest is: the owners after it do not.
        where = len(f": see {budget.rest_at}")
        shares = fair_shares(
            budget.room() - lists.pointed_room() - where,
            [items.need for items, _ in lists.lists],
        )
        # What an owner leaves of its share (its items did not fill it to the character) goes
        # to the next; what one takes beyond it (room for its first finding) comes out of theirs.
        carry = where
        for (owner, findings), (pointed, pointed_weights), (items, weights), share in zip(
            owners, lists.pointers, lists.lists, shares, strict=True
        ):
            size = budget.size
            allotted = sum(map(len, pointed)) + share + carry
            say_where = budget.cuts == cuts  # the first owner's cut says where, once
            first = items.overhead + len(pointed[0]) if pointed else items.least()
            counts = pointed_weights + weights
            with budget.share(0.0, plus=max(allotted, first + where * say_where)):
                budget.add_items(
                    _owner_heading(owner, len(findings)),
                    chain(pointed, items),
                    "\n",
                    "finding",
                    counts,
                    whose=f" of {md_text(owner)}",
                    say_where=say_where,
                    # An owner with no room for one finding is counted with the owners after
                    # it, not under a heading of their own with "… 12 more" alone.
                    at_least=1,
                )
            if budget.size == size:  # no room for this owner's findings: none for the next
                break
            listed += sum(counts[: budget.shown])
            carry = allotted - (budget.size - size)
            shown += 1
    if not shown:
        budget.add(_left_out(options, _size_limit(options), "lists them"))
    elif shown < len(owners):
        rest = owners[shown:]
        where = budget.rest_at if budget.cuts == cuts else ""
        budget.add(_owners_left_out(sum(len(f) for _, f in rest), len(rest), where))
        budget.cuts += 1
    return listed


def _owner_overhead(owner: str, findings: list[dict[str, Any]]) -> int:
    """The room an owner's list takes besides its items, as `add_items` reserves it: its
    heading, its closing line and its "… N more" line (but where the rest is, said once)."""
    more = len("finding") + len(f" of {md_text(owner)}") + 80
    return len(_owner_heading(owner, len(findings))) + len("\n") + more


def _owner_heading(owner: str, count: int) -> str:
    return f"**{md_text(owner)}** ({number(count)})\n\n"


def _pointer_items(
    findings: list[dict[str, Any]], tabled: set[int], options: RenderOptions
) -> tuple[list[str], list[int]]:
    """An owner's breaking changes the table shows (`tabled`), as a heading and a short line
    each: the change and its place, for a reviewer who scans the list by owner; its readers
    and its fix are in the table and under it. Returns the items and how many findings each
    holds."""
    pointed = [f for f in findings if id(f) in tabled]
    if not pointed:
        return [], []
    lines = []
    for finding in pointed:
        where = _link(finding, options)
        resource = view.resource_label(finding)
        on = f" on {md_code(resource)}" if resource else ""
        lines.append(f"  - {md_code(finding['code'])}{on}{f' ({where})' if where else ''}\n")
    heading = (
        f"- {counted(len(pointed), 'breaking change')}, in the table above with who reads"
        f" {'it' if len(pointed) == 1 else 'them'} and how to fix or keep"
        f" {'it' if len(pointed) == 1 else 'them'}:\n"
    )
    # The heading with the first line: one item, never shown alone.
    return [heading + lines[0], *lines[1:]], [1] * len(lines)


def _blocking_heading(blocking: list[dict[str, Any]]) -> str:
    """The section's heading and, past `_BLOCKING_ITEMS` findings (more than it lists), their
    count by rule, as the console's capped list has it: the 81 findings a comment held of
    10,000 models' 38,998 were breaking changes, run status and one rule's, and nothing said
    that 9,975 were `owner.present` and 7,922 `governance.contract_enforced`."""
    heading = f"#### Blocking findings ({number(len(blocking))}), by owner\n\n"
    if len(blocking) > _BLOCKING_ITEMS:
        heading += f"{_rule_counts(blocking)}\n\n"
    return heading


# The rules the count by rule names, the most findings first; the others are counted.
_COUNTED_RULES = 8


def _rule_counts(findings: list[dict[str, Any]]) -> str:
    """`By rule: `owner.present` 9,975 · `docs.column_coverage` 6,931 · and 2 more rules`."""
    counts = Counter(finding["code"] for finding in findings)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    # "and 1 more rule" would take the room of its name.
    named = _COUNTED_RULES if len(ranked) > _COUNTED_RULES + 1 else len(ranked)
    parts = [f"{md_code(code)} {number(n)}" for code, n in ranked[:named]]
    if len(ranked) > named:
        parts.append(f"and {counted(len(ranked) - named, 'more rule')}")
    return "By rule: " + " · ".join(parts)


class _BlockingFindings(NamedTuple):
    """The report's blocking findings, their section's heading, and the room the section needs
    to say anything (`least`): its heading and the longest line after the owners shown (none
    shown: that they were left out). Made once: past `_BLOCKING_ITEMS` findings the heading
    counts them by rule, which read 39,000 findings for each of the three that asked."""

    findings: list[dict[str, Any]]
    heading: str
    least: int


def _blocking_findings(
    blocking: list[dict[str, Any]], options: RenderOptions, rest_at: str
) -> _BlockingFindings:
    if not blocking:
        return _BlockingFindings(blocking, "", 0)
    count = len(blocking)
    # No more owners than findings are left out.
    closing = (
        _left_out(options, _size_limit(options), "lists them"),
        _owners_left_out(count, count, rest_at),
    )
    heading = _blocking_heading(blocking)
    return _BlockingFindings(blocking, heading, len(heading) + max(map(len, closing)))


def _owners_left_out(findings: int, owners: int, rest_at: str) -> str:
    """The line after the last owner shown, for those with no room: their findings, counted as
    an owner's cut line counts them, and where they are when no line before said so."""
    where = f": see {rest_at}" if rest_at else ""
    return (
        f"… {counted(findings, 'more finding')} of {counted(owners, 'other owner')} not shown "
        f"here{where}\n\n"
    )


def _waiver_hint(report: dict[str, Any], options: RenderOptions) -> tuple[str, str]:
    """The waiver entry the gate suggests for its most needed blocking finding, folded under
    the blocking findings: the console's hint, for the author who reads the PR comment, not
    the CI log. The entry is YAML in a fence nothing in it can close. Returns it, and what the
    comment says in its place when it has no room for it (that it left it out, and where it
    is, as it says of the lineage); ("", "") when the gate suggests none."""
    suggestion = report["sections"].get("suggested_waiver")
    if not suggestion:
        return "", ""
    title = view.suggested_waiver_title(suggestion)
    intro = view.suggested_waiver_intro(suggestion, report["inputs"])
    lines = view.suggested_waiver_lines(suggestion)
    fold = (
        f"<details><summary>{md_html_text(title)}</summary>"
        f"\n\n{md_text_code(intro)}\n\n{md_code_block(chr(10).join(lines), 'yaml')}\n"
        "</details>\n\n"
    )
    return fold, f"**{md_text(title)}**\n\n{_left_out(options, _size_limit(options), 'shows it')}"


def _finding_items(
    findings: list[dict[str, Any]],
    options: RenderOptions,
    lookups: view.Lookups,
) -> tuple[Iterator[str], list[int]]:
    """One list item per finding, repeats folded (`view.fold_repeats`) into one item listing
    every place. Returns the items (rendered as they are taken) and how
    many findings each holds."""
    groups = view.fold_repeats(findings, _repeat_key)
    items = (_finding_item(group, options, lookups) for group in groups)
    return items, [len(group) for group in groups]


def _repeat_key(finding: dict[str, Any]) -> tuple[Any, ...]:
    return (
        finding["code"],
        view.resource_label(finding),
        finding.get("path"),
        finding["message"],
        finding.get("fix"),
        repr(finding.get("waiver")),
    )


def _finding_item(
    group: list[dict[str, Any]],
    options: RenderOptions,
    lookups: view.Lookups,
) -> str:
    group = sorted(group, key=lambda f: (f.get("line") or 0, f.get("column") or 0))
    finding = group[0]
    resource = view.resource_label(finding)
    on = f" on {md_code(resource)}" if resource else ""
    where = _link(finding, options)
    more = [_link(f, options, line_only=True) for f in group[1 : view.MAX_PLACES]]
    if len(group) > view.MAX_PLACES:
        more.append(f"and {number(len(group) - view.MAX_PLACES)} more")
    # A breaking change's impact is in the table above: its line here says what to fix.
    message = view.change_text(finding, lookups) if finding["family"] == "breaking" else None
    names = view.literal_names(finding)
    text = f"- {md_code(finding['code'])}{on}: {md_text_code(message or finding['message'], names)}"
    if len(group) > 1:
        text += f" ({number(len(group))}×: {', '.join(p for p in [where, *more] if p)})"
    elif where:
        text += f" ({where})"
    text += "\n"
    if finding.get("fix"):
        text += f"  - fix: {md_text_code(view.fix_markup(finding['fix']), names)}\n"
    waiver = finding.get("waiver")
    if waiver:
        text += (
            f"  - waived by {md_text(waiver['owner'])} until"
            f" {md_text(view.waived_until(waiver, lookups.expiring))}:"
            f" {md_text(waiver['reason'])}\n"
        )
    expired = view.expired_waiver_note(finding.get("details"))
    if expired:
        text += f"  - {md_text(expired)}\n"
    return text


_LINEAGE_HEADING = "#### Lineage of the changed resources\n\n"


def _lineage(report: dict[str, Any]) -> str:
    """The lineage section (a mermaid graph), or nothing when the report has none."""
    lineage = report["sections"].get("lineage")
    if not isinstance(lineage, dict) or not lineage.get("nodes"):
        return ""
    ids = {node["id"]: f"n{index}" for index, node in enumerate(lineage["nodes"])}
    lines = ["```mermaid", "graph LR"]
    for node in lineage["nodes"]:
        kind = "breaking" if node.get("breaking") else node["role"]
        label = mermaid_label(f"{node['name']} ({node['resource_type']})")
        lines.append(f'  {ids[node["id"]]}["{label}"]:::{kind}')
    for parent, child in lineage["edges"]:
        if parent in ids and child in ids:
            lines.append(f"  {ids[parent]} --> {ids[child]}")
    runs: set[str] = set()
    for node in lineage["nodes"]:
        run = node.get("run")
        if run in _RUN_STYLES:
            lines.append(f"  class {ids[node['id']]} run_{run.replace(' ', '_')}")
            runs.add(run)
    lines += [
        # (each with its label's colour: GitHub's dark theme draws labels light grey, #ccc,
        # which on these pastels could not be read)
        "  classDef changed fill:#fff3cd,stroke:#b58900,color:#101828",
        "  classDef breaking fill:#f8d7da,stroke:#c0392b,color:#101828",
        "  classDef consumer fill:#e8f0fe,stroke:#4a6fa5,color:#101828",
        "  classDef parent fill:#f2f4f7,stroke:#98a2b3,stroke-dasharray:4 3,color:#475467",
        *(
            f"  classDef run_{run.replace(' ', '_')} {style}"
            for run, (style, _) in _RUN_STYLES.items()
            if run in runs
        ),
        "```",
    ]
    said = view.not_drawn(lineage)
    more = f"\n{said}\n" if said else ""
    legend = "".join(f" · {words}" for run, (_, words) in _RUN_STYLES.items() if run in runs)
    return (
        _LINEAGE_HEADING + "Yellow: changed · red: breaking change · blue: direct consumer ·"
        f" grey, dashed: direct parent (context){legend}\n\n"
        + "\n".join(lines)
        + "\n"
        + more
        + "\n"
    )


# How a node's last run went wrong (`lineage.run`): its mermaid style and the legend's words.
_RUN_STYLES = {
    "errored": (
        "stroke:#b42318,stroke-width:3px,stroke-dasharray:6 3",
        "thick red dashes: errored",
    ),
    "test failed": ("stroke:#b42318,stroke-width:3px", "thick red border: a test failed"),
    "skipped": ("stroke:#667085,stroke-width:2px,stroke-dasharray:2 3", "dotted: skipped"),
}


def _lineage_left_out(options: RenderOptions, taken: bool) -> str:
    """What the lineage section says in its place: that the blocking findings took its room
    (`taken`: some of them were shown, not all), or that the room ran out (a tiny limit said
    the findings took it when none of them were shown)."""
    why = "make room for the blocking findings" if taken else _size_limit(options)
    return _LINEAGE_HEADING + _left_out(options, why, "draws it")


def _size_limit(options: RenderOptions) -> str:
    """Why a section was left out when the room ran out: GitHub's limit of a comment, or of a
    job summary."""
    return f"keep the {'summary' if options.job_summary else 'comment'} under GitHub's size limit"


def _left_out(options: RenderOptions, why: str, does: str) -> str:
    """The line in place of a section left out: why, and that the run's HTML report `does`
    what the section did ("draws it")."""
    return f"Left out to {why}: {_html_report(options)} {does}.\n\n"


# Where the job summary's reader finds the run's reports: the summary is on the run's page, so
# a link to the run would lead back to it.
_ON_RUN_PAGE = "among the run's artifacts at the foot of this page"


def _html_report(options: RenderOptions) -> str:
    """Where the comment's cuts are whole: the run's HTML report, linked when the run is known
    (in the job summary, on the run's page, by where that page lists it)."""
    if options.job_summary:
        return f"the HTML report of this run (gate.html, {_ON_RUN_PAGE})"
    if options.full_report_url:
        return f"the HTML report of [this run]({md_url(options.full_report_url)}) (gate.html)"
    return "the HTML report of this run (gate.html)"


def _nothing(budget: _Budget, fuller: bool) -> None:
    """The render of a section with nothing to say (`_Later.least` 0): never called."""


def _kpi_sections(report: dict[str, Any], rest_at: str) -> list[_Later]:
    """The KPIs vs targets and, folded, the KPIs without one and by tier and by owner. The
    scorecard's smallest form is a line counting the KPIs below target and naming the gated
    ones (they fail the gate): with room for its heading and a "… 5 more rows" line alone, it
    said nothing of what the verdict hung on."""
    kpis = report["sections"].get("kpis")
    if kpis in (None, {}, []):
        return [_Later("KPIs", 0, _nothing), _Later("", 0, _nothing)]
    scorecard = view.scorecard_rows(kpis)
    if scorecard is None:
        tables = view.section_tables("KPIs", kpis)
        return [
            _tables_section("KPIs", "KPIs", tables, rest_at, folded=False),
            _Later("", 0, _nothing),
        ]
    # The KPIs with a target answer "are we there?"; the others are context, folded.
    targeted = [row for row in scorecard if row[3] != "–"]
    untargeted = [row for row in scorecard if row[3] == "–"]
    shown, folded = (targeted, untargeted) if targeted else (scorecard, [])
    headers = view.scorecard_headers(scorecard)
    rows = [view.without_gated([*row[:4], view.gated_status(row), *row[5:]]) for row in shown]
    table = view.Table("KPIs vs targets", view.without_gated(headers), rows)
    noted = view.no_data_notes(kpis, gated=True) + view.base_notes(kpis)
    scorecard_table = _tables_section("KPIs", "KPIs vs targets", [table], rest_at, folded=False)
    whole = _whole(rest_at, scorecard_table.render)
    whole += "".join(f"- note: {md_text_code(note)}\n" for note in noted) + "\n" if noted else ""
    summary = "#### KPIs vs targets\n\n" + _kpi_misses(targeted, len(scorecard), rest_at)

    def render(budget: _Budget, fuller: bool) -> None:
        if fuller or len(whole) <= len(summary):
            budget.add(whole)
        else:
            budget.add(summary)
            budget.refuse()

    scorecard_section = (
        _Later("KPIs", len(whole), render)
        if len(whole) <= len(summary)
        else _Later("KPIs", len(summary), render, fuller=len(whole))
    )
    more = []
    if folded:  # KPI, value, count and, with a base build, how the change moved it
        more.append(
            view.Table(
                "without a target",
                headers[:3] + headers[6:],
                [row[:3] + row[6:] for row in folded],
            )
        )
    more.extend(view.kpi_breakdown(kpis))
    title = "More KPIs: without a target, by tier, by owner"
    return [
        scorecard_section,
        _tables_section(
            "more KPIs", title, more, rest_at, folded=True, fraction=_FOLDED_SHARE, late=True
        ),
    ]


# The gated KPIs below target the line in place of the scorecard names; the others it counts.
_NAMED_KPIS = 5


def _kpi_misses(targeted: list[list[str]], count: int, rest_at: str) -> str:
    """`2 of 5 KPIs below target, 2 of them gated, failing the gate: models documented 71.9%
    (target 90.0%), ...; the scorecard is in gate.html`: the KPIs vs targets when the comment
    has no room for their table. `targeted`: the scorecard's rows with a target."""
    if not targeted:
        return f"{counted(count, 'KPI')}, none with a target: the scorecard is in {rest_at}.\n\n"
    below = [row for row in targeted if row[4] == "below"]
    gated = [row for row in below if row[5]]
    text = f"**{number(len(below))} of {counted(len(targeted), 'KPI')} below target**"
    if gated:
        named = [
            f"{md_text(row[0])} {md_text(row[1])} (target {md_text(row[3])})"
            for row in gated[:_NAMED_KPIS]
        ]
        if len(gated) > _NAMED_KPIS:
            named.append(f"and {number(len(gated) - _NAMED_KPIS)} more")
        text += f", {number(len(gated))} of them gated, failing the gate: {', '.join(named)}"
    return f"{text}; the scorecard is in {rest_at}.\n\n"


def _whole(rest_at: str, render: Callable[[_Budget, bool], None]) -> str:
    """What `render` adds to a budget with room for all of it."""
    budget = _Budget(1 << 40, rest_at)
    render(budget, True)
    return "".join(budget.parts)


def _fixed_text(report: dict[str, Any]) -> str:
    """What the change fixed (`view.fixed_lines`), under the KPIs whose pass rate it moved."""
    lines = view.fixed_lines(report, md_code)
    if not lines:
        return ""
    return f"#### {view.FIXED_TITLE}\n\n" + "".join(f"- {line}\n" for line in lines) + "\n"


def _waiver_section(report: dict[str, Any], lookups: view.Lookups, rest_at: str) -> _Later:
    waivers = view.waivers_listed(report)
    if not waivers:
        return _Later("waivers", 0, _nothing)
    head = (
        f"#### {view.waivers_title(report)}\n\n"
        "| rule | selection | owner | expires | reason | findings |\n"
        "| --- | --- | --- | --- | --- | --- |\n"
    )

    def expires(waiver: dict[str, Any]) -> str:
        days_left = lookups.expiring.get((waiver["rule"], waiver["select"], waiver["expires"]))
        expired = bool(waiver.get("expired"))
        note = expiry_note(days_left, expired=expired)
        # The date in bold when it is the owner's to act on, as the HTML page colours it.
        text = f"**{md_text(waiver['expires'])}**" if note else md_text(waiver["expires"])
        return text + note

    rows = [
        f"| {md_code(w['rule'], in_table=True)} | {md_code(w['select'], in_table=True)} "
        f"| {md_text(w['owner'])} | {expires(w)} | {md_text(w['reason'])} "
        f"| {view.waiver_findings(w)} |\n"
        for w in waivers
    ]
    least = len(head) + len("\n") + _more_room(rest_at, "waiver")
    return _Later("waivers", least, lambda b, _: b.add_items(head, rows, "\n", "waiver"))


def _findings_details(
    name: str,
    title: str,
    findings: list[dict[str, Any]],
    options: RenderOptions,
    lookups: view.Lookups,
    rest_at: str,
) -> _Later:
    # A blank line after the summary, not before the first owner's heading: with no room for
    # one finding, the "… N more" line came right after it, inside GitHub's HTML block, and its
    # link to the run read as `[this run](https://...)`.
    head = f"<details><summary>{md_html_text(title)}: {number(len(findings))}</summary>\n\n"
    tail = "\n</details>\n\n"

    parts: list[Iterator[str]] = []
    weights: list[int] = []
    for index, (owner, group) in enumerate(view.by_owner(findings)):
        # A blank line before each owner's heading: the summary's ends with one.
        before = "\n" if index else ""
        parts.append(iter([f"{before}**{md_text(owner)}** ({number(len(group))})\n\n"]))
        weights.append(0)
        owner_items, owner_weights = _finding_items(group, options, lookups)
        parts.append(owner_items)
        weights.extend(owner_weights)
    # Rendered as they are taken, once however often the section is.
    items = RenderedItems(chain.from_iterable(parts))

    def render(budget: _Budget, _: bool) -> None:
        budget.add_items(head, items, tail, "finding", weights)

    least = len(head) + len(tail) + _more_room(rest_at, "finding")
    return _Later(name, least, render, fraction=_FOLDED_SHARE)


def _what_changed(report: dict[str, Any], rest_at: str) -> _Later:
    found = view.what_changed(report)
    if found is None:
        return _Later("what changed", 0, _nothing)
    summary, tables = found
    if tables:
        title = f"What changed: {summary}"
        return _tables_section(
            "what changed", title, tables, rest_at, folded=True, label="What changed"
        )
    text = f"**What changed:** {md_text(summary)}\n\n"
    return _Later("what changed", len(text), lambda b, _: b.add(text))


def _tables_section(
    name: str,
    title: str,
    tables: list[view.Table],
    rest_at: str,
    *,
    folded: bool,
    label: str = "",
    fraction: float = 1.0,
    late: bool = False,
) -> _Later:
    """The section `title` with its tables (`_tables`), as the closing note calls it `name`."""
    if not tables:
        return _Later(name, 0, _nothing)
    head, tail = _tables_frame(title, folded)
    whose = f" of {md_text(label or title)}"
    least = len(head) + len(tail) + _more_room(rest_at, "row", whose)
    shown = [(table, table.rows[:_MAX_SECTION_ROWS]) for table in tables]
    # A table's heading is no row of it: "5 more rows", not 6.
    weights = [weight for _, rows in shown for weight in (0, *[1] * len(rows))]
    items = RenderedItems(_table_items(title, shown))

    def render(budget: _Budget, _: bool) -> None:
        budget.add_items(head, items, tail, "row", weights, whose=whose)

    return _Later(name, least, render, fraction=fraction, late=late)


def _tables_frame(title: str, folded: bool) -> tuple[str, str]:
    """The heading and the closing line of a section of tables, folded or not."""
    if folded:
        return f"<details><summary>{md_html_text(title)}</summary>\n\n", "</details>\n\n"
    return f"#### {md_text(title)}\n\n", "\n"


def _table_items(title: str, shown: list[tuple[view.Table, list[list[str]]]]) -> Iterator[str]:
    """Each table's heading, then its rows, escaped as `add_items` takes them: a comment has
    room for a few rows of 500, and escaping every cell of every table's 500 rows took most
    of the time of the sections after the blocking findings."""
    for table, rows in shown:
        heading = [f"\n**{md_text(table.title)}**\n\n"] if table.title != title else []
        heading.append("| " + " | ".join(md_text(h) for h in table.headers) + " |\n")
        heading.append("|" + " --- |" * len(table.headers) + "\n")
        yield "".join(heading)
        # Notes name commands as code (`dbt build --select ...`): in plain cells their
        # backticks printed escaped, as written.
        cell = functools.partial(md_text_code, in_table=True) if table.code_spans else md_text
        for row in rows:
            yield "| " + " | ".join(cell(c) or " " for c in row) + " |\n"


def _inputs_details(report: dict[str, Any], rest_at: str) -> _Later:
    rows = []
    for role in ("artifacts", "base"):
        for kind, info in sorted((report["inputs"].get(role) or {}).items()):
            if isinstance(info, dict):
                rows.append(
                    f"| {role} | {md_text(kind)} | {md_code(view.input_path(info), in_table=True)} "
                    f"| {md_text(info.get('dbt_version') or '')} "
                    f"| {md_text(view.written_at(info.get('generated_at')))} "
                    f"| {md_code(info.get('invocation_id') or '', in_table=True)} |\n"
                )
    for key, value in sorted(report["inputs"].items()):
        if key not in ("artifacts", "base"):
            value_text = md_code(view.short_value(value), in_table=True)
            rows.append(f"| {md_text(view.key_words(key))} | | {value_text} | | | |\n")
    written = view.written_at(report["generated_at"])
    # `dbtgate lint` without a manifest gates SQL files, of no build.
    build = (
        f"the gate of the build whose manifest dbt wrote at {md_text(written)}"
        if written
        else "no dbt build's manifest was read"
    )
    head = (
        "<details><summary>Inputs (for the audit trail)</summary>\n\n"
        f"Config digest: {md_code(report['config_digest'] or 'none')}; {build}.\n\n"
    )
    # The table's header is no input, and not left above "… 4 more inputs" with no row.
    header = (
        "| role | file | path | dbt | generated at | invocation |\n"
        "| --- | --- | --- | --- | --- | --- |\n"
    )
    notes = "".join(f"- note: {md_text_code(n)}\n" for n in view.audit_notes(report))
    tail = ("\n" + notes if notes else "") + "\n</details>\n\n"
    least = len(head) + len(tail) + _more_room(rest_at, "input")

    def render(budget: _Budget, _: bool) -> None:
        budget.add_items(head, [header, *rows], tail, "input", [0] + [1] * len(rows))

    return _Later("inputs", least, render, late=True)


def _footer(
    report: dict[str, Any],
    options: RenderOptions,
    truncated: bool,
    left_out: list[_Part],
    room: int,
) -> str:
    """The closing note (`_closing_note`) in `room`: saying what had no room for anything
    (`_Budget.left_out`) in the first of its forms that fits (`_left_out_forms`), with every
    link, then with the run's alone, then with none. A run or commit URL of hundreds of
    characters (a proxy's, a GitHub Enterprise host's) left no room for the note at the least
    limit, and the summary ended without it; with no link, it fits in `_NOTE_ROOM`."""
    note = ""
    for links in (2, 1, 0):
        for said, brief in _left_out_forms(left_out):
            note = _closing_note(report, options, truncated, said, links, brief=brief)
            if len(note) <= room:
                return note
    return note


def _left_out_forms(left_out: list[_Part]) -> Iterator[tuple[str, bool]]:
    """What the closing note says it had no room for, longest first, each with whether it
    goes after "no room for" alone (`_closing_note`'s `brief`): every section named in the
    note's whole sentence, then after "no room for" alone, then the first of them named and
    the others counted, down to none named. The lines above the sections are named in each:
    with 500-character URLs, "had no room for 15 sections" at 1,025 characters named none of
    the 15, and called the counts and the warnings sections."""
    if not left_out:
        yield "", False
        return
    lines = [md_text(part.name) for part in left_out if part.line]
    sections = [md_text(part.name) for part in left_out if not part.line]
    yield _left_out_words(lines, sections, len(sections)), False
    for named in range(len(sections), -1, -1):
        yield _left_out_words(lines, sections, named), True


def _left_out_words(lines: list[str], sections: list[str], named: int) -> str:
    """`the counts, the warnings and 12 sections: breaking changes, lineage and 10 more`: the
    lines above the sections, then the sections counted, the first `named` of them by name."""
    said = list(lines)
    if sections:
        counted_sections = counted(len(sections), "section")
        said.append(
            f"{counted_sections}: {first_few(sections, named)}" if named else counted_sections
        )
    return " and ".join(filter(None, (", ".join(said[:-1]), said[-1])))


def _note_reserve(report: dict[str, Any], options: RenderOptions) -> int:
    """The room the sections leave for the closing note: `_NOTE_ROOM`, or the room of its
    longest form with every link when that is more (long URLs), yet never so much that the
    sections have less room than at a smaller limit (at the least limit they have the least
    limit less `_NOTE_ROOM`, and the note has fewer links): so what a limit shows, every larger
    one shows, and the note has its links from the limit that holds them on. Its longest form
    that must fit is its last (`_left_out_forms`): every line above the sections named, the
    sections counted, after "no room for" alone."""
    said = _left_out_words(list(_LINE_NAMES.values()), ["a section"] * 99, 0)
    longest = len(_closing_note(report, options, True, said, links=2, brief=True))
    floor = LEAST_MARKDOWN_CHARS - _NOTE_ROOM
    return max(_NOTE_ROOM, min(longest, options.max_markdown_chars - floor))


def _closing_note(
    report: dict[str, Any],
    options: RenderOptions,
    truncated: bool,
    left_out: str,
    links: int,
    brief: bool = False,
) -> str:
    """The tool and the commit gated and, when the summary was cut, where the whole report is
    and, when some had no room for anything, what it `left_out` (`_left_out_words`). `links`:
    2, every link (the full report, the commit, the run); 1, the run's alone, at the foot; 0,
    none. `brief`: what it left out after "no room for" alone, for when the note's whole
    sentence leaves no room for its names (at the least limits, where it left out the lines
    under the verdict and most sections). The summary shows "part of the report" when it had
    no room for some of it: "part of the findings" was said of a summary that showed none."""
    # The job summary links no run: it is on the run's page.
    run_url = None if options.job_summary else options.full_report_url
    if options.job_summary:
        where = f"the full report (gate.html and gate.json, {_ON_RUN_PAGE})"
    elif run_url and links == 2:
        where = f"[the full report]({md_url(run_url)})"
    else:
        where = "the full report (the JSON/HTML gate report of this run)"
    tool = report["tool"]
    footer = f"<sub>dbtgate {md_text(tool['version'])}"
    if options.commit:
        short = md_code(options.commit[:7])
        linked = options.commit_url and links == 2
        commit = f"[{short}]({md_url(options.commit_url)})" if linked else short
        footer += f" · gated commit {commit}"
    if run_url and links:
        footer += f" · [run]({md_url(run_url)})"
    footer += "</sub>\n"
    if not truncated:
        return footer
    if not left_out:
        return (
            "> **Truncated:** this summary shows part of the findings, to stay readable and"
            f" under GitHub's size limit; see {where} for every finding.\n\n" + footer
        )
    said = (
        "no room for"
        if brief
        else "this summary shows part of the report, to stay readable and under GitHub's size"
        " limit, and had no room for"
    )
    return (
        f"> **Truncated:** {said} {left_out}; see {where} for every finding and every"
        " section.\n\n" + footer
    )
