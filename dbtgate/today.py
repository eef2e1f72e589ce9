"""The day waivers are judged on: dbtgate's one read of the calendar.

A waiver's `expires` is the last day it waives, so whether it still waives, and how many days an
announced one has left, depend on the day the gate runs. Every command takes that day from
here: `check`, `baseline` and `validate` agree, the gate report records it
(`inputs.waivers_as_of`, the day its "expires in 3 days" counts from), and a run is reproduced
(a past CI run's report, a test) by setting DBTGATE_TODAY. The day is UTC's, as on CI runners:
a laptop west of Greenwich in the evening says what CI says, not the next morning's verdict.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from dbtgate.errors import DbtgateError

TODAY_VARIABLE = "DBTGATE_TODAY"


def waiver_today(options: dict[str, Any] | None = None) -> dt.date:
    """The gate's `today` option (tests of the library), else DBTGATE_TODAY, else UTC's date."""
    given = (options or {}).get("today")
    if given is not None:
        return given
    pinned = os.environ.get(TODAY_VARIABLE, "").strip()
    if not pinned:
        return dt.datetime.now(dt.timezone.utc).date()
    try:
        return dt.date.fromisoformat(pinned)
    except ValueError:
        raise DbtgateError(
            f"{TODAY_VARIABLE}={pinned!r}: expected a date (YYYY-MM-DD), the day waivers are "
            "judged on; unset it to use today's"
        ) from None
