"""dbt's timestamps, parsed the same way on every Python we support.

dbt writes `2024-12-16T07:45:32.505887Z`; Fusion writes nanoseconds (`...12.269157511Z`) and
`sources.json` writes `+00:00` offsets. `datetime.fromisoformat` on Python 3.10 takes neither `Z`
nor more than six fractional digits, so the few formats are read here explicitly.
"""

from __future__ import annotations

import datetime as dt
import re

_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)


def parse_timestamp(text: str | None) -> dt.datetime | None:
    """An aware datetime (UTC when the text has no offset: dbt writes UTC), or None."""
    if not text:
        return None
    match = _TIMESTAMP.match(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    tz = dt.timezone.utc
    try:
        if offset and offset != "Z":
            sign = -1 if offset[0] == "-" else 1
            digits = offset[1:].replace(":", "")
            shift = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            tz = dt.timezone(sign * shift)  # ValueError from +24:00 on: no such offset
        return dt.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tz
        )
    except ValueError:
        return None


def format_timestamp(text: str | None) -> str:
    """A timestamp the way a person reads it, to the second in UTC (`2026-12-01 04:24:37 UTC`,
    not `2026-12-01T04:24:37.437878+00:00`); text that does not parse is shown as written."""
    moment = parse_timestamp(text)
    if moment is None:
        return text or "unknown"
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def format_age(seconds: float) -> str:
    """A duration the way a person reads it: 45 s, 12 min, 26.5 h, 3.5 days, 2,528 days (a
    tenth of a day means nothing once they are counted in hundreds)."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    days = seconds / 86400
    return f"{days:.1f} days" if days < 100 else f"{days:,.0f} days"
