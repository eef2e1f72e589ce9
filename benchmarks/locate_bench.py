"""Locating findings on their YAML lines: time per lookup as one properties file grows.

Reports (the JSON report, annotations, the PR comment) point every finding at its line, so a run
with 48,000 findings asks the locator 48,000 times. Older projects often keep hundreds of models
in one `schema.yml`: locating must stay linear in the file's size (one compose, one index per
list), not scan the file's model list on every lookup. This writes such a file at each size,
locates every model and column in a fresh process-like Locator, and prints the time per lookup;
the ratio of the largest size to the smallest should stay near 1.

Usage: python benchmarks/locate_bench.py [--models 250,1000,4000] [--columns 10]
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from pathlib import Path

from dbtgate.artifacts.manifest import Column, Node
from dbtgate.locate import Locator


def properties_file(models: int, columns: int) -> str:
    lines = ["version: 2", "models:"]
    for m in range(models):
        lines += [f"  - name: model_{m}", f"    description: Model {m}.", "    columns:"]
        for c in range(columns):
            lines += [f"      - name: col_{c}", f"        description: Column {c} of model {m}."]
    return "\n".join(lines) + "\n"


def measure(models: int, columns: int) -> tuple[float, float, int]:
    """(seconds to compose the file, seconds per lookup after it, lookups)."""
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        (root / "models").mkdir()
        (root / "models" / "schema.yml").write_text(properties_file(models, columns))
        nodes = [
            Node(
                unique_id=f"model.bench.model_{m}",
                resource_type="model",
                name=f"model_{m}",
                patch_path="models/schema.yml",
                original_file_path=f"models/model_{m}.sql",
                columns={f"col_{c}": Column(name=f"col_{c}") for c in range(columns)},
            )
            for m in range(models)
        ]
        locator = Locator(root)
        start = time.perf_counter()
        locator.locate(nodes[0])  # composes the file
        composed = time.perf_counter() - start
        start = time.perf_counter()
        lookups = 0
        for node in nodes:
            locator.locate(node)
            lookups += 1
            for c in range(columns):
                assert locator.locate(node, f"col_{c}").line is not None
                lookups += 1
        return composed, (time.perf_counter() - start) / lookups, lookups


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="250,1000,4000", help="comma-separated sizes")
    parser.add_argument("--columns", type=int, default=10, help="columns per model")
    args = parser.parse_args()
    gc.disable()  # as the CLI runs (dbtgate.cli.main): no collector passes over the YAML nodes
    sizes = [int(size) for size in args.models.split(",")]
    print("| models in one file | YAML compose s | lookups | microseconds per lookup |")
    print("|---:|---:|---:|---:|")
    per_lookup = []
    for models in sizes:
        composed, each, lookups = measure(models, args.columns)
        per_lookup.append(each)
        print(f"| {models:,} | {composed:.3f} | {lookups:,} | {each * 1e6:.1f} |")
    print(
        f"\nper lookup at {sizes[-1]:,} models vs {sizes[0]:,}: "
        f"{per_lookup[-1] / per_lookup[0]:.2f}x (linear: about 1)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
