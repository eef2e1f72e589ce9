"""The annotations this job's dbtgate runs have written, so the next one stays within GitHub's
limits for the job and the step.

GitHub shows 10 error, 10 warning and 10 notice annotations of a step and 50 of a job (the sum
of its steps) and drops the rest without a word. One gate writes at most 30; a job that gates
twice (two projects, or two selections, in one job) could write 60, and the second gate's last
annotations would be dropped, its closing note ("N more findings not annotated") first of all,
which is the one line saying the rest exist. So each run adds what it wrote to a small file in
the job's temporary folder (RUNNER_TEMP, emptied at each job's start and end), by step
(GITHUB_ACTION, unique within a job), and the next run counts it: the room left of the job's
50, and of its step's ten a level when it runs in the same step. Only dbtgate's own annotations
are counted: another tool's in the job are not known here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TextIO

LEDGER_NAME = "dbtgate-annotations.json"
_LEVELS = ("error", "warning", "notice")


class JobAnnotations:
    """What earlier runs in this job wrote (`ledger`: step -> level -> count) and where it is
    kept. A plain class: the gate's path imports this module in Actions only."""

    def __init__(self, path: Path | None, job: str, step: str | None, ledger: dict) -> None:
        self.path = path
        self.job = job
        self.step = step
        self.ledger = ledger

    @classmethod
    def read(cls, environ: Mapping[str, str]) -> JobAnnotations:
        """This job's ledger; empty outside a runner (no RUNNER_TEMP), and when the file is
        another job's (a runner whose folder was not emptied) or not readable as one: nothing
        is known then, as before there was a ledger."""
        temp = environ.get("RUNNER_TEMP", "").strip()
        job = "/".join(
            environ.get(name, "").strip()
            for name in ("GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT", "GITHUB_JOB")
        )
        step = environ.get("GITHUB_ACTION", "").strip() or None
        if not temp:
            return cls(None, job, step, {})
        path = Path(temp) / LEDGER_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        steps = data.get("steps") if isinstance(data, dict) and data.get("job") == job else None
        return cls(path, job, step, _counts(steps))

    def this_step(self) -> dict[str, int]:
        """What earlier runs in this step wrote, by level (none when the step has no name)."""
        return dict(self.ledger.get(self.step, {})) if self.step else {}

    def other_steps(self) -> int:
        """How many the job's other steps wrote."""
        return sum(
            sum(levels.values()) for step, levels in self.ledger.items() if step != self.step
        )

    def record(self, lines: Iterable[str], stderr: TextIO, also: str | None = None) -> None:
        """Add the annotation lines this run wrote (`::error ...`), and one of level `also` (the
        PR comment's failure, said apart), to its step's counts. A ledger that cannot be written
        is one line: the annotations are out already, only a later gate of the job may exceed
        the limits."""
        if self.path is None:
            return
        written = {level: 0 for level in _LEVELS}
        levels = [line[2:].split(" ", 1)[0].split("::", 1)[0] for line in lines]
        for level in [*levels, also]:
            if level in written:
                written[level] += 1
        step = self.step or f"unnamed step {len(self.ledger) + 1}"
        counts = self.ledger.setdefault(step, {})
        for level, count in written.items():
            if count:
                counts[level] = counts.get(level, 0) + count
        text = json.dumps({"job": self.job, "steps": self.ledger}, sort_keys=True)
        try:
            self.path.write_text(text, encoding="utf-8")
        except OSError as exc:
            stderr.write(
                f"dbtgate: warning: {self.path} (RUNNER_TEMP): cannot be written "
                f"({exc.strerror or type(exc).__name__}), so a later dbtgate step of this job "
                "does not know the annotations this one wrote\n"
            )


def _counts(steps: object) -> dict[str, dict[str, int]]:
    """The ledger's counts as written, whatever else the file holds."""
    if not isinstance(steps, dict):
        return {}
    return {
        str(step): {
            level: count
            for level, count in levels.items()
            if level in _LEVELS and isinstance(count, int) and count > 0
        }
        for step, levels in steps.items()
        if isinstance(levels, dict)
    }
