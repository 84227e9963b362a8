"""The one clock: frozen when set, real otherwise, always aware UTC."""

from __future__ import annotations

import datetime as dt

import pytest

from shared import clock


@pytest.fixture(autouse=True)
def _real_clock(monkeypatch):
    monkeypatch.delenv(clock.ENV_VAR, raising=False)
    yield
    clock.set_now(None)


def test_set_now_freezes_both_now_and_today():
    clock.set_now("2026-03-01T23:30:00-05:00")
    assert clock.now() == dt.datetime(2026, 3, 2, 4, 30, tzinfo=dt.timezone.utc)
    assert clock.today() == dt.date(2026, 3, 2)


def test_a_date_means_its_midnight_utc_and_env_var_is_read_when_not_set_in_process(monkeypatch):
    monkeypatch.setenv(clock.ENV_VAR, "2025-07-04")
    assert clock.now() == dt.datetime(2025, 7, 4, tzinfo=dt.timezone.utc)
    clock.set_now(dt.date(2024, 2, 29))
    assert clock.today() == dt.date(2024, 2, 29)


def test_unset_clock_is_real_aware_utc_time():
    before = dt.datetime.now(dt.timezone.utc)
    value = clock.now()
    assert value.tzinfo is not None and value.utcoffset() == dt.timedelta(0)
    assert before <= value <= dt.datetime.now(dt.timezone.utc)


def test_frozen_at_restores_the_previous_setting():
    clock.set_now("2026-01-01")
    with clock.frozen_at("2026-11-20T08:00:00Z") as moment:
        assert clock.now() == moment == dt.datetime(2026, 11, 20, 8, tzinfo=dt.timezone.utc)
    assert clock.today() == dt.date(2026, 1, 1)
