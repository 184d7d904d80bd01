"""The simulated calendar: when the history starts, and the days on which nothing arrives."""

from __future__ import annotations

from datetime import date

HISTORY_START = date(1992, 1, 1)
# Last date on which an earlier version of a customer/part/supplier/offer may be replaced.
VERSION_SPAN_END = date(1998, 8, 1)
# The calendar runs from HISTORY_START to well past the last possible arrival.
CALENDAR_END = date(2000, 6, 1)
