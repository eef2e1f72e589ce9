"""The decode floor: the least work any gate must do, reading only the fields a gate reads.

A gate cannot answer without reading the manifest's nodes, and the cheapest way Python has to do
that is a msgspec decode into Structs that declare only the fields the checks use (everything
else, such as SQL, macros and docs, is skipped by the parser) with the garbage collector kept out
of it (`gc=False`). run.py times this script as a whole process, start-up included, and holds
`dbtgate check` to a multiple of it: the ratio says how much dbtgate adds on top of reading.

Usage: python floor_msgspec.py MANIFEST [MANIFEST ...]   (two manifests: the diff floor)
"""

from __future__ import annotations

import sys
from typing import Any

import msgspec


class Column(msgspec.Struct, gc=False):
    name: str = ""
    description: str | None = None
    data_type: str | None = None


class Contract(msgspec.Struct, gc=False):
    enforced: bool | None = None


class Config(msgspec.Struct, gc=False):
    materialized: str | None = None
    meta: dict[str, Any] | None = None
    tags: list[str] | str | None = None
    contract: Contract | None = None
    access: str | None = None
    group: str | None = None


class DependsOn(msgspec.Struct, gc=False):
    nodes: list[str] | None = None


class TestMetadata(msgspec.Struct, gc=False):
    name: str | None = None
    kwargs: dict[str, Any] | None = None
    namespace: str | None = None


class Node(msgspec.Struct, gc=False):
    unique_id: str = ""
    resource_type: str = ""
    name: str = ""
    description: str | None = None
    columns: dict[str, Column] | None = None
    config: Config | None = None
    meta: dict[str, Any] | None = None
    tags: list[str] | str | None = None
    depends_on: DependsOn | None = None
    test_metadata: TestMetadata | None = None
    patch_path: str | None = None
    original_file_path: str | None = None


class Manifest(msgspec.Struct, gc=False):
    nodes: dict[str, Node] | None = None


def main(paths: list[str]) -> int:
    decoder = msgspec.json.Decoder(Manifest)
    nodes = 0
    for path in paths:
        with open(path, "rb") as file:
            nodes += len(decoder.decode(file.read()).nodes or {})
    print(nodes)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
