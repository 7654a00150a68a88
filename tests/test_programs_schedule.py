"""Sending windows and time zones: when a program may send."""
from datetime import datetime, time

import pytest

from chapar.programs.schedule import in_window, next_open, parse_hhmm, to_local, to_utc


class Program:
    def __init__(self, start, end, days="0123456", kind="window"):
        self.schedule_kind, self.window_start, self.window_end, self.window_days = kind, start, end, days


def test_a_wall_clock_time_in_tehran_is_stored_in_utc_and_shown_back():
    stored = to_utc(datetime(2026, 11, 25, 9, 0), "Asia/Tehran")
    assert stored == datetime(2026, 11, 25, 5, 30)
    assert to_local(stored, "Asia/Tehran") == datetime(2026, 11, 25, 9, 0)


def test_window_inside_and_outside():
    assert in_window(datetime(2026, 11, 25, 9, 0), time(8), time(20), "0123456")
    assert not in_window(datetime(2026, 11, 25, 21, 0), time(8), time(20), "0123456")
    # 2026-11-25 is a Wednesday (2): a window on weekdays 5 and 6 only is closed.
    assert not in_window(datetime(2026, 11, 25, 9, 0), time(8), time(20), "56")


def test_a_window_past_midnight_belongs_to_the_day_it_opens():
    assert in_window(datetime(2026, 11, 25, 23, 0), time(22), time(2), "2")
    assert in_window(datetime(2026, 11, 26, 1, 0), time(22), time(2), "2")  # Thursday 01:00, opened Wednesday
    assert not in_window(datetime(2026, 11, 26, 23, 0), time(22), time(2), "2")


def test_next_open_is_the_next_allowed_morning_in_the_campaigns_zone():
    program = Program("08:00", "20:00", days="01234")  # weekdays
    friday_night = to_utc(datetime(2026, 11, 27, 21, 0), "Asia/Tehran")
    opens = next_open(program, "Asia/Tehran", friday_night)
    assert to_local(opens, "Asia/Tehran") == datetime(2026, 11, 30, 8, 0)  # Monday 08:00
    assert next_open(program, "Asia/Tehran", to_utc(datetime(2026, 11, 30, 9, 0), "Asia/Tehran")) is None
    assert next_open(Program("", "", kind="now"), "UTC", friday_night) is None


@pytest.mark.parametrize("text", ["8", "25:00", "08:60", "8:5", "", "ab:cd"])
def test_bad_times_are_refused(text):
    with pytest.raises(ValueError):
        parse_hhmm(text)
