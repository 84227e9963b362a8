"""The overview's period-over-period changes against the sandbox's true daily account metrics, on several
seeds: ingest through the real pipeline, compare on equal windows, and land within 2 points of the truth."""

from __future__ import annotations

import datetime as dt

import pytest
from ingest_support import TEST_LIMITS

from shared.config import REAL_PLATFORM_HOSTS, get_settings

TODAY = dt.date(2026, 11, 25)
PLATFORMS = ("instagram", "youtube", "pinterest")
METRICS = ("views", "reach", "saves", "shares", "watch_hours")


def _connect(sandbox, settings, user_id: str, platform: str) -> None:
    from shared.db import service_transaction
    from shared.platforms.models import Profile, TokenSet
    from shared.services.connections import save_connection
    from shared.vault import TokenVault

    minted = sandbox.mint_token(platform, 0)
    now = dt.datetime.combine(TODAY, dt.time(9), dt.timezone.utc)
    refresh_in = minted.get("refresh_expires_in")
    tokens = TokenSet(
        access_token=minted["access_token"],
        refresh_token=minted.get("refresh_token"),
        access_expires_at=now + dt.timedelta(seconds=minted["expires_in"]),
        refresh_expires_at=now + dt.timedelta(seconds=refresh_in) if refresh_in else None,
        platform_user_id=minted["user_id"],
    )
    with service_transaction() as conn:
        save_connection(
            conn,
            TokenVault.from_settings(settings),
            user_id=user_id,
            platform=platform,
            tokens=tokens,
            profile=Profile(platform=platform, platform_user_id=str(minted["user_id"])),
        )


def _true_change(days: list[dict], metric: str, end: dt.date, period: int) -> float | None:
    by_day = {dt.date.fromisoformat(d["date"]): d for d in days}
    current = sum(by_day[end - dt.timedelta(days=k)][metric] for k in range(period))
    previous = sum(by_day[end - dt.timedelta(days=period + k)][metric] for k in range(period))
    return (current / previous - 1) * 100 if previous else None


@pytest.mark.parametrize("seed", (7, 11, 23))
def test_overview_changes_match_the_true_change_on_equal_windows(make_user, seed):
    from scripts.sandbox import start_sandbox
    from shared import clock
    from shared.auth import UserClaims
    from shared.db import user_transaction
    from shared.models.ingest import FetchRunRequest
    from shared.models.overview import OverviewQuery
    from shared.services.fetch_run import run_fetch
    from shared.services.overview import overview

    user = make_user("overview-truth")
    clock.set_now(dt.datetime.combine(TODAY, dt.time(9), dt.timezone.utc))
    try:
        with start_sandbox(seed=seed, creators=3, today=TODAY) as sandbox:
            settings = get_settings().model_copy(
                update={
                    "platform_hosts": {**REAL_PLATFORM_HOSTS, **sandbox.hosts},
                    "platform_limits": TEST_LIMITS,
                    "fetch_budget_s": 120.0,
                }
            )
            for platform in PLATFORMS:
                _connect(sandbox, settings, user.user_id, platform)
            run_fetch(settings, FetchRunRequest(), user_ids=[user.user_id])
            claims = UserClaims(user_id=user.user_id, role="authenticated", email=None, raw={"sub": user.user_id})
            with user_transaction(claims) as conn:
                body = overview(conn, OverviewQuery(period="30d"))
            truth = {p: sandbox.account_daily(p) for p in PLATFORMS}
    finally:
        clock.set_now(None)
    compared = 0
    for shown in body.platforms:
        true = truth[shown.platform]
        # The equal windows end on the platform's last final day, as the sandbox knows it.
        assert shown.window is not None and str(shown.window.end) == true["last_final_day"], shown.platform
        for metric in METRICS:
            got = getattr(shown.metrics, metric)
            if metric not in true["days"][-1]:
                assert got.value is None, (shown.platform, metric)  # the platform has no such metric
                continue
            expected = _true_change(true["days"], metric, shown.window.end, 30)
            print(f"seed {seed} {shown.platform:9} {metric:11} overview {got.change_pct!s:>7} truth {expected:.2f}")
            assert got.coverage == 1.0 and got.change_pct == pytest.approx(expected, abs=2.0)
            compared += 1
    assert compared >= 8
