"""Instructions, not seconds: `dbtgate check` and its decode floor counted under valgrind.

Wall time on a shared 2-core VM moves by up to 40% from one round to the next (the same
command, the same files), which drowns a 5% change and makes the floor ratio depend on the
hour. The number of instructions a process executes does not move: under callgrind, with
PYTHONHASHSEED fixed, the same command on the same files counts the same to the last few
thousand. So this script answers "is it faster than before" and "how far from the floor" to
the per cent, where run.py answers "how fast for a user, against the peers" in seconds.

What it leaves out: memory stalls and page faults (the kernel's work for the memory a process
touches; a few per cent of dbtgate's wall time at 10,000 models, as much of the floor's) and
everything valgrind cannot see. A ratio of instructions is therefore close to, not equal to, the
ratio of seconds that run.py measures. Peers are not counted: at ~50x under valgrind a
dbt-coverage run would take ten minutes, and their comparison is about wall time anyway.

Usage: python benchmarks/instructions.py --models 1000   (about 1 minute; 10,000: about 15)
Needs valgrind (Debian: apt-get install valgrind).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rich.console import Console
from rich.table import Table

# run.py is the sibling script (its folder is sys.path[0] when this one runs).
from run import (
    BUILD_RESULTS,
    DBTGATE_CONFIG,
    FLOOR,
    HERE,
    compile_dbtgate,
    dbtgate_executable,
    ensure_build,
)

_COLLECTED = re.compile(r"Collected : (\d+)")


class CountError(RuntimeError):
    """valgrind is missing, or the command failed under it."""


def count_instructions(argv: list[str], cwd: Path, ok_codes: frozenset[int]) -> int:
    """Instructions executed by `argv` (and nothing it spawns), as callgrind counts them."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise CountError("valgrind not found (Debian: apt-get install valgrind)")
    done = subprocess.run(
        [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},  # set and dict orders, hence the work
        check=False,
    )
    found = _COLLECTED.search(done.stderr)
    if done.returncode not in ok_codes or found is None:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise CountError(f"{' '.join(argv[:2])}: exit {done.returncode}: {tail}")
    return int(found.group(1))


def commands() -> dict[str, tuple[list[str], frozenset[int]]]:
    """What is counted, with the exit codes that mean it did its work (1: the gate failed)."""
    dbtgate, python = dbtgate_executable(), sys.executable
    check = [dbtgate, "check", "--artifacts", "pr", "--config", str(DBTGATE_CONFIG)]
    judged, succeeded = frozenset({0, 1}), frozenset({0})
    return {
        "python -c pass": ([python, "-c", "pass"], succeeded),
        "dbtgate --version": ([dbtgate, "--version"], succeeded),
        "dbtgate check": (check, judged),
        "dbtgate check --base": ([*check, "--base", "base"], judged),
        "floor: msgspec 1 manifest": ([python, str(FLOOR), "pr/manifest.json"], succeeded),
        "floor: msgspec 2 manifests": (
            [python, str(FLOOR), "base/manifest.json", "pr/manifest.json"],
            succeeded,
        ),
    }


# Each gate command and the floor it is held to (run.py's targets: at most 2x).
FLOOR_OF = {
    "dbtgate check": "floor: msgspec 1 manifest",
    "dbtgate check --base": "floor: msgspec 2 manifests",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1000, help="size of the generated build")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=HERE / ".work", help="generated builds")
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="commands counted at once"
    )
    args = parser.parse_args(argv)
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    compile_dbtgate()
    run_results = BUILD_RESULTS if BUILD_RESULTS.exists() else None
    folder = ensure_build(args.models, args.seed, args.work.resolve(), None, run_results)
    console = Console() if sys.stdout.isatty() else Console(width=120)
    console.print(f"{args.models:,} models: {folder} (callgrind, PYTHONHASHSEED=0)")
    planned = commands()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {
            label: pool.submit(count_instructions, argv_, folder, codes)
            for label, (argv_, codes) in planned.items()
        }
        try:
            counts = {label: future.result() for label, future in futures.items()}
        except CountError as exc:
            console.print(f"[red]instructions.py: {exc}[/]")
            return 2
    table = Table(title=f"Instructions at {args.models:,} models")
    for header in ("command", "instructions (G)", "ratio"):
        table.add_column(header, justify="left" if header == "command" else "right")
    for label, count in counts.items():
        ratio = ""
        if label in FLOOR_OF:
            ratio = f"{count / counts[FLOOR_OF[label]]:.2f}x its floor"
        elif label == "dbtgate --version":
            ratio = f"+{(count - counts['python -c pass']) / 1e9:.3f} G over python -c pass"
        table.add_row(label, f"{count / 1e9:.3f}", ratio)
    console.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
