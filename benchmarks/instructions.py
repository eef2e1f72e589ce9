"""Instructions, not seconds: `dbtgate check` and its decode floor counted under valgrind.

Wall time on a shared 2-core VM moves by up to 40% from one round to the next (the same
command, the same files), which drowns a 5% change and makes the floor ratio depend on the
hour. The number of instructions a process executes does not move: under callgrind, with
PYTHONHASHSEED fixed, the same command on the same files counts the same to the last few
thousand. So this script answers "is it faster than before" and "how far from the floor" to
the per cent, where run.py answers "how fast for a user, against the peers" in seconds.

What it leaves out: memory stalls and page faults (the kernel's work for the memory a process
touches) and everything else valgrind cannot see. A ratio of instructions is therefore close to,
not equal to, the ratio of seconds that run.py measures, and for a peer that builds a gigabyte
of objects (dbt-bouncer, dbt-score) it understates what the peer costs in seconds. `--peers`
counts dbt-bouncer and dbt-score too (benchmarks/peers.sh installs them; at 10,000 models they
add ~10 minutes); dbt-coverage is left out (~50x of its 12 s).

Usage: python benchmarks/instructions.py --models 1000 [--peers] [--out FILE.json]
(1,000 models: about a minute; 10,000: about 15, 25 with the peers)
Needs valgrind (Debian: apt-get install valgrind).
"""

from __future__ import annotations

import argparse
import json
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
    FLOOR_OF,
    HERE,
    PEER_SPEEDUP,
    PEERS_BIN,
    compile_dbtgate,
    dbtgate_state,
    ensure_build,
)
from run import commands as run_commands

# `==PID== Collected : N`, one line per process: a command that forks (`check --out` renders
# reports in a second process; until 2026-12-04 `check` also ran checks in one) has a count
# for each. The command's own is the one of
# the PID that `==PID== Command:` names; the first line was whichever process ended first.
_COLLECTED = re.compile(r"^==(\d+)== Collected : (\d+)", re.MULTILINE)
_COMMAND_PID = re.compile(r"^==(\d+)== Command:", re.MULTILINE)


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
    command = _COMMAND_PID.search(done.stderr)
    counts = dict(_COLLECTED.findall(done.stderr))
    found = counts.get(command.group(1)) if command else None
    if done.returncode not in ok_codes or found is None:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise CountError(f"{' '.join(argv[:2])}: exit {done.returncode}: {tail}")
    return int(found)


# run.py's commands that are not counted: the full orjson load is no target's floor, and
# dbt-coverage runs two commands of ~6 s each (50x that under valgrind).
NOT_COUNTED = frozenset({"floor: orjson full load", "dbt-coverage"})


def commands(peers: bool = False) -> dict[str, tuple[list[str], frozenset[int]]]:
    """run.py's commands (the same argv, the same exit codes that mean it did its work), less
    those in NOT_COUNTED."""
    return {
        command.label: (list(command.argvs[0]), command.ok_codes)
        for command in run_commands(peers)
        if command.label not in NOT_COUNTED
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1000, help="size of the generated build")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=HERE / ".work", help="generated builds")
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="commands counted at once"
    )
    parser.add_argument("--peers", action="store_true", help="count dbt-bouncer and dbt-score")
    parser.add_argument("--out", type=Path, default=None, help="write the counts as JSON")
    args = parser.parse_args(argv)
    if args.peers and not (PEERS_BIN / "dbt-bouncer").exists():
        parser.error("--peers: peers not installed (run benchmarks/peers.sh)")
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    compile_dbtgate()
    run_results = BUILD_RESULTS if BUILD_RESULTS.exists() else None
    folder = ensure_build(args.models, args.seed, args.work.resolve(), None, run_results)
    console = Console() if sys.stdout.isatty() else Console(width=120)
    console.print(f"{args.models:,} models: {folder} (callgrind, PYTHONHASHSEED=0)")
    planned = commands(args.peers)
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
    compared = ratios(counts)
    for label, count in counts.items():
        table.add_row(label, f"{count / 1e9:.3f}", compared.get(label, ""))
    console.print(table)
    if args.out is not None:
        report = {
            "models": args.models,
            "seed": args.seed,
            "dbtgate": dbtgate_state(),
            "instructions": counts,
            "ratios": compared,
        }
        args.out.write_text(json.dumps(report, indent=2) + "\n")
        console.print(f"wrote {args.out}")
    return 0


def ratios(counts: dict[str, int]) -> dict[str, str]:
    """What each count is compared with, as in run.py's tables: a gate command with its floor,
    a peer with `dbtgate check` (peer / dbtgate), `--version` with the bare interpreter."""
    found = {}
    for label, count in counts.items():
        if label in FLOOR_OF and FLOOR_OF[label] in counts:
            found[label] = f"{count / counts[FLOOR_OF[label]]:.2f}x its floor"
        elif label in PEER_SPEEDUP and "dbtgate check" in counts:
            found[label] = f"{count / counts['dbtgate check']:.2f}x dbtgate check"
        elif label == "dbtgate --version" and "python -c pass" in counts:
            over = (count - counts["python -c pass"]) / 1e9
            found[label] = f"+{over:.3f} G over python -c pass"
    return found


if __name__ == "__main__":
    sys.exit(main())
