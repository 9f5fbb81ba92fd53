"""Time conventions: the database stores naive UTC; people see Europe/Berlin."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def utcnow() -> datetime:
    """The current time as naive UTC, the form every DateTime column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def today_local() -> date:
    """Today's date in Europe/Berlin."""
    return datetime.now(BERLIN).date()


def to_local(value: datetime) -> datetime:
    """A stored naive-UTC datetime as an aware Europe/Berlin datetime."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(BERLIN)


def local_to_utc(value: datetime) -> datetime:
    """A wall-clock time in Europe/Berlin (naive or aware) as naive UTC for storage."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=BERLIN)
    return value.astimezone(UTC).replace(tzinfo=None)
