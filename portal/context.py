"""What every view reaches: the store's engine, the settings, and billing's calendar day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Engine

from config.settings import Settings


def engine() -> Engine:
    return current_app.extensions["ibok"].engine


def settings() -> Settings:
    return current_app.extensions["ibok"].settings


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today in billing's time zone (the day a reading is dated, a payment is overdue)."""
    return now().astimezone(ZoneInfo(settings().billing.timezone)).date()
