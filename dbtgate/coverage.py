"""What a run looked for: the resources each rule was applied to, the files lint read whole.

A baseline entry a run did not see is debt paid off only if the run looked for it there: a
policy narrowed to fewer resources, a rule that read an artifact the build lacks, a file lint
left out, could not parse or turned a rule off for (a `.sqlfluff` in its folder), a source no
gated model reads any more, all report nothing where the debt still is. `dbtgate baseline
--prune` drops the entries found fixed, so it must tell those apart (`checked`), or a narrowed
run would drop debt that blocks once the check is back.
The checks record what they applied as they run, by reference: the sets are only built for the
codes of entries not seen, which a run without a baseline never asks about.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dbtgate.baseline import BaselineEntry


class Coverage:
    """What the checks of one run applied, recorded as they run (`CheckContext.coverage`)."""

    def __init__(self) -> None:
        # Rule code -> the collections of resources (or unique_ids) it was applied to.
        self._applied: dict[str, list[Collection[Any]]] = defaultdict(list)
        self._uids: dict[str, frozenset[str]] = {}
        # Rule code -> the keys of the selections a rule on a whole selection judged.
        self._judged: dict[str, set[str]] = defaultdict(set)
        # Rule code -> what tells the keys of the findings its resources share that it judged
        # on one (`Rule.shares`), and those keys, case-folded, once asked.
        self._shares: dict[str, Callable[[Any], Iterable[str]]] = {}
        self._shared_keys: dict[str, frozenset[str]] = {}
        # Lint: whether it read every file, the sqlfluff codes on (None: not known, any), and
        # each file read (its unique_id, else its anchored path) -> whether it parsed, and the
        # codes on for it where a config in its folder sets its own.
        self._lint_all = False
        self._lint_codes: frozenset[str] | None = None
        self._lint_files: dict[str, bool] = {}
        self._lint_file_codes: dict[str, frozenset[str]] = {}

    def applied(
        self,
        code: str,
        subjects: Collection[Any],
        shares: Callable[[Any], Iterable[str]] | None = None,
    ) -> None:
        """`code` was applied to each of `subjects` (resources, or their unique_ids);
        `shares`: the keys of shared findings it judged on a resource (`Rule.shares`)."""
        self._applied[code].append(subjects)
        if shares is not None:
            self._shares[code] = shares

    def judged(self, code: str, key: str) -> None:
        """`code`, a rule on a whole selection, judged the selection its findings key `key`."""
        self._judged[code].add(key)

    def lint_read(self, every_file: bool, codes: frozenset[str] | None) -> None:
        self._lint_all = every_file
        self._lint_codes = codes

    def linted(self, file: str, *, parsed: bool, codes: frozenset[str] | None = None) -> None:
        """Lint read `file`; `codes`: the sqlfluff codes on for it, when a config file in its
        folder turns rules on or off there (else the run's)."""
        self._lint_files[file] = parsed
        if codes is not None:
            self._lint_file_codes[file] = codes

    def checked(self, entry: BaselineEntry) -> bool:
        """Whether this run looked for `entry`'s finding where the entry is: had it still been
        there, it would have been reported. A finding several resources share is looked for
        through any of them (`Rule.shares`), not only the one it was put on, which a policy
        need not select: a properties file judged through one model it declares."""
        code = entry.code
        if code.startswith("lint."):
            return self._lint_checked(entry)
        if entry.unique_id is None:
            return entry.key is not None and entry.key in self._judged.get(code, ())
        if entry.unique_id in self._applied_uids(code):
            return True
        return entry.key is not None and entry.key.casefold() in self._keys_shared(code)

    def _lint_checked(self, entry: BaselineEntry) -> bool:
        # An entry written before entries named their file (no unique_id, no path): which
        # file it is on is not known, so neither is whether lint read it.
        file = entry.unique_id or entry.path
        if not self._lint_all or file is None or file not in self._lint_files:
            return False
        if entry.code == "lint.unparsable":
            return True
        sqlfluff_code = entry.code.removeprefix("lint.")
        codes = self._lint_file_codes.get(file, self._lint_codes)
        return self._lint_files[file] and (codes is None or sqlfluff_code in codes)

    def _keys_shared(self, code: str) -> frozenset[str]:
        """The keys of the shared findings `code` judged, case-folded: a schema written in
        another case is the same schema to the warehouse (the fix of `naming.location_case`
        respells it), and a file's path in another case the same file to a checkout on macOS
        or Windows."""
        if code not in self._shared_keys:
            shares = self._shares.get(code)
            keys: set[str] = set()
            if shares is not None:
                for subjects in self._applied.get(code, ()):
                    for subject in subjects:
                        keys.update(key.casefold() for key in shares(subject))
            self._shared_keys[code] = frozenset(keys)
        return self._shared_keys[code]

    def _applied_uids(self, code: str) -> frozenset[str]:
        if code not in self._uids:
            self._uids[code] = frozenset(
                subject if isinstance(subject, str) else subject.unique_id
                for subjects in self._applied.get(code, ())
                for subject in subjects
            )
        return self._uids[code]
