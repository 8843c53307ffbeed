"""How long a phone keeps what it holds, and which times at the door the server believes."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _

# Everything on the phone — the copy of the buildings and recordings not yet sent — is
# deleted this long after it was stored (and at logout).
KEEP_ON_PHONE = timedelta(hours=12)
# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=10)
# The most recordings one request may carry (a phone sends its queue in parts of fewer).
MAX_ITEMS = 500


def keep_hours() -> int:
    return int(KEEP_ON_PHONE.total_seconds() // 3600)


def recorded_at_problem(recorded_at: datetime, now: datetime) -> str | None:
    """Why a recording with this time at the door is refused, or None. A time in the future
    would make it the door's latest answer ahead of visits still to come."""
    if recorded_at > now + CLOCK_SKEW:
        return _("The time recorded lies in the future: check the phone's clock.")
    if recorded_at < now - KEEP_ON_PHONE - CLOCK_SKEW:
        return _("Recorded more than %(hours)s hours ago: a phone keeps recordings for "
                 "%(hours)s hours only.", hours=keep_hours())
    return None
