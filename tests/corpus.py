"""Where the shared corpus of real dbt artifacts lives, for tests that read it."""

from __future__ import annotations

from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def corpus_files(pattern: str) -> list[Path]:
    """Corpus files matching a glob, or one skipped placeholder when the corpus is absent."""
    if not CORPUS.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"corpus absent: {CORPUS}"))]
    return sorted(CORPUS.glob(pattern))


def corpus_dir(name: str) -> Path:
    path = CORPUS / name
    if not path.is_dir():
        pytest.skip(f"corpus folder absent: {path}")
    return path


def file_id(path: Path | None) -> str:
    return "absent" if path is None else str(path.relative_to(CORPUS))
