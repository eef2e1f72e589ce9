"""Which encoding a JSON file's first bytes show: every JSON reader of dbtgate says the same;
and the user's YAML and TOML files read as UTF-8 with the same one-line error (`read_text`).

dbt writes its artifacts as UTF-8, and dbtgate its reports and baselines. A file that passed
through a Windows tool may start with a UTF-8 byte-order mark (PowerShell's `Out-File -Encoding
utf8`, Notepad), which `json.loads` of bytes skips but msgspec rejects as "invalid character":
the readers skip it. One re-saved as UTF-16 (Windows PowerShell's `>`) or UTF-32 is refused with
the encoding named, rather than transcoded: that would be a second pass over a 160 MB manifest
for a file no dbt writes, and "invalid character (byte 0)" would not tell the user what is wrong.
"""

from __future__ import annotations

from pathlib import Path

from dbtgate.errors import DbtgateError

UTF8_BOM = b"\xef\xbb\xbf"
# With a byte-order mark, or without one by the zero bytes around the first ASCII character of
# JSON text (RFC 4627, section 3). UTF-8 JSON holds no zero byte (a NUL in a string must be
# escaped), so a UTF-8 file is never named. UTF-32LE's mark starts with UTF-16LE's: it is first.
_MARKS = (
    (b"\xff\xfe\x00\x00", "UTF-32LE"),
    (b"\x00\x00\xfe\xff", "UTF-32BE"),
    (b"\xff\xfe", "UTF-16LE"),
    (b"\xfe\xff", "UTF-16BE"),
)
_ZEROS = {
    (True, True, True, False): "UTF-32BE",
    (False, True, True, True): "UTF-32LE",
    (True, False, True, False): "UTF-16BE",
    (False, True, False, True): "UTF-16LE",
}


def wide_encoding(head: bytes) -> str | None:
    """`UTF-16LE` (and so on) when the first four bytes of a JSON file show it is not UTF-8."""
    for mark, name in _MARKS:
        if head.startswith(mark):
            return name
    if len(head) < 4 or 0 not in head[:4]:
        return None
    return _ZEROS.get(tuple(byte == 0 for byte in head[:4]))


def not_utf8(path: object, head: bytes) -> str | None:
    """The one-line error for a file in a wider encoding, or None: the same for an artifact and
    for a user's YAML or TOML file, with the Windows tool that writes one (its likeliest cause)."""
    encoding = wide_encoding(head)
    if encoding is None:
        return None
    return (
        f"{path}: encoded as {encoding}, not UTF-8: re-save it as UTF-8 (Windows PowerShell's "
        "`>` and `Out-File` write UTF-16)"
    )


def read_text(path: Path) -> str:
    """A text file a user writes (dbtgate.yml, dbt_project.yml, profiles.yml) as UTF-8, as YAML
    and TOML files are read. One in another encoding is a one-line error naming the file and the
    line of its first byte that is not UTF-8 (a Latin-1 `é` in a waiver's reason), or the wide
    encoding its first bytes show, rather than a decoding traceback."""
    data = path.read_bytes()
    wide = not_utf8(path, data[:4])
    if wide is not None:
        raise DbtgateError(wide)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DbtgateError(
            f"{path}:{line}: not UTF-8 (byte 0x{data[exc.start]:02x}, as a Latin-1 or Windows "
            "editor writes an accented letter): re-save it as UTF-8"
        ) from None
