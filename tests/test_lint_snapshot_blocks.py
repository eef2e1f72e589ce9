"""How a file of several snapshot blocks is cut for sqlfluff (`lint.snapshot_blocks`): every line
belongs to one block, each block's text keeps the file's lines, and a fix is put back only where
it edited the block's own lines."""

from __future__ import annotations

import pytest

from dbtgate.lint import snapshot_blocks

TEXT = (
    "-- two snapshots\n\n"
    "{% snapshot a %}\nselect 1 as x\n{% endsnapshot %}\n\n"
    "-- between\n"
    "{%- snapshot b -%}\nselect 2 as y\n{% endsnapshot %}\n"
)


def test_every_line_belongs_to_one_block_and_each_text_keeps_the_files_lines():
    first, second = snapshot_blocks.blocks(TEXT)
    assert (first.name, second.name) == ("a", "b")
    total = TEXT.count("\n") + 1
    assert list(first.lines) + list(second.lines) == list(range(1, total + 1))
    assert first.lines == range(1, 8)  # the comment before b is a's
    # Each text: its own lines as they are, the other block's blank, the text between kept.
    assert first.masked == (
        "-- two snapshots\n\n{% snapshot a %}\nselect 1 as x\n{% endsnapshot %}\n\n"
        "-- between\n\n\n\n"
    )
    assert second.masked == (
        "-- two snapshots\n\n\n\n\n\n-- between\n"
        "{%- snapshot b -%}\nselect 2 as y\n{% endsnapshot %}\n"
    )
    assert first.masked.count("\n") == second.masked.count("\n") == TEXT.count("\n")


def test_a_file_of_one_block_is_not_cut():
    assert snapshot_blocks.blocks("{% snapshot a %}\nselect 1\n{% endsnapshot %}\n") == []


def test_blocks_sharing_a_line_cannot_be_cut():
    with pytest.raises(snapshot_blocks.SharedLine, match="snapshots a and b share a line"):
        snapshot_blocks.blocks(
            TEXT.replace("{% endsnapshot %}\n\n-- between\n", "{% endsnapshot %}")
        )


def test_a_fix_is_put_back_in_its_block_and_refused_past_it():
    first, second = snapshot_blocks.blocks(TEXT)
    fixed = second.masked.replace("select 2 as y", "select\n    2 as y")
    assert snapshot_blocks.splice(TEXT, second, fixed) == TEXT.replace(
        "select 2 as y", "select\n    2 as y"
    )
    assert snapshot_blocks.splice(TEXT, first, first.masked) == TEXT
    # An edit of the blanked lines (a fix removing blank lines at the end) is no text of the file.
    assert snapshot_blocks.splice(TEXT, first, first.masked.rstrip("\n") + "\n") is None
    assert (
        snapshot_blocks.splice(TEXT, second, "-- two" + second.masked[len("-- two snapshots") :])
        is None
    )
