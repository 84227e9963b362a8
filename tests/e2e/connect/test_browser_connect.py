"""The connect flow in a real browser, with the cookie rules a browser enforces.

Origins as deployed: the frontend (app.creator.localhost) and our API (api.creator.localhost) are two
origins of one site; the platform's consent page (the sandbox, 127.0.0.1) is another site. The start
button fetches GET /api/auth/{platform} with the user's token and credentials, the browser keeps the
binding cookie, the consent page is clicked, and the platform's redirect brings the browser back to our
callback, which must see that cookie. Chromium treats *.localhost as a secure context, so the cookie
is exactly the production one: `__Host-`, Secure, HttpOnly, SameSite=Lax, Path=/.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from shared.config import reset_settings
from shared.models.auth import CALLBACK_MESSAGES
from tests.e2e.connect.browser import Frontend, chromium, require_browser
from tests.e2e.connect.conftest import connection_row

PLATFORM = "pinterest"
VICTIM_ACCOUNT, ATTACKER_ACCOUNT = 2, 1


@pytest.fixture(scope="module", autouse=True)
def _browser_available():
    require_browser()


@contextmanager
def deployed_as(stack, frontend_host: str, api_host: str) -> Iterator[Frontend]:
    """Point the API's public URL and CORS/return URLs at browser-facing host names for a while."""
    api = f"http://{api_host}:{stack.gateway.port}"
    frontend = Frontend(frontend_host, api)
    try:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("PUBLIC_BASE_URL", api)
            env.setenv("FRONTEND_URL", frontend.origin)
            env.setenv("FRONTEND_ORIGIN", frontend.origin)
            reset_settings()
            yield frontend
    finally:
        frontend.stop()
        reset_settings()


def _wait(driver, condition, what: str):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 30, poll_frequency=0.05).until(condition, message=f"waiting for {what}")


def _sign_in_and_start(driver, frontend: Frontend, user) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{frontend.origin}/start/{PLATFORM}")
    driver.execute_script("localStorage.setItem('token', arguments[0])", user.token)
    driver.find_element(By.ID, f"connect-{PLATFORM}").click()


def _consent(driver, account: int) -> None:
    from selenium.webdriver.common.by import By

    _wait(driver, lambda d: d.find_elements(By.ID, f"allow-{account}"), "the platform's consent page")
    driver.find_element(By.ID, f"allow-{account}").click()


def _result(driver, frontend: Frontend) -> tuple[str, str]:
    from selenium.webdriver.common.by import By

    _wait(driver, lambda d: d.current_url.startswith(f"{frontend.origin}/connections"), "the return page")
    element = _wait(driver, lambda d: d.find_element(By.ID, "result"), "the result")
    return element.get_attribute("data-code"), element.text


def _binding_cookie(driver, api_origin: str) -> dict | None:
    driver.get(f"{api_origin}/healthz")
    return next((c for c in driver.get_cookies() if c["name"].endswith("ci_oauth_binding")), None)


def _sandbox_user_id(stack, account: int) -> str:
    return stack.sandbox.world.creator(account).user_ids[PLATFORM]


def test_connect_in_her_own_browser_then_an_attackers_link_is_refused_in_it(stack, connector, make_user, db):
    victim, attacker = make_user("victim"), make_user("attacker")
    connector.connect(attacker, PLATFORM, creator=ATTACKER_ACCOUNT)  # the attacker's own account first
    attackers_before = connection_row(db, attacker.user_id, PLATFORM)

    with deployed_as(stack, "app.creator.localhost", "api.creator.localhost") as frontend, chromium() as driver:
        _sign_in_and_start(driver, frontend, victim)
        _consent(driver, VICTIM_ACCOUNT)
        assert _result(driver, frontend) == ("connected", f"{PLATFORM} is connected.")
        mine = connection_row(db, victim.user_id, PLATFORM)
        assert mine["status"] == "active" and mine["platform_user_id"] == _sandbox_user_id(stack, VICTIM_ACCOUNT)

        cookie = _binding_cookie(driver, f"http://api.creator.localhost:{stack.gateway.port}")
        assert cookie is not None, "the browser did not keep the binding cookie"
        assert (cookie["name"], cookie["secure"], cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (
            "__Host-ci_oauth_binding", True, True, "Lax", "/")
        assert victim.user_id not in cookie["value"]

        # The attacker starts a flow in his own browser and sends her the consent link.
        link = connector.start(attacker, PLATFORM).start["authorize_url"]
        driver.get(link)
        _consent(driver, VICTIM_ACCOUNT)
        assert _result(driver, frontend) == ("wrong_user", CALLBACK_MESSAGES["wrong_user"])

    attackers_after = connection_row(db, attacker.user_id, PLATFORM)
    assert attackers_after["platform_user_id"] == _sandbox_user_id(stack, ATTACKER_ACCOUNT)
    assert attackers_after["access_token"] == attackers_before["access_token"]


def test_an_attackers_consent_link_is_refused_in_a_browser_that_never_started_a_flow(stack, connector,
                                                                                     make_user, db):
    victim, attacker = make_user("victim"), make_user("attacker")
    connector.connect(attacker, PLATFORM, creator=ATTACKER_ACCOUNT)
    with deployed_as(stack, "app.creator.localhost", "api.creator.localhost") as frontend, chromium() as driver:
        link = connector.start(attacker, PLATFORM).start["authorize_url"]
        driver.get(link)
        _consent(driver, VICTIM_ACCOUNT)
        code, message = _result(driver, frontend)
    assert (code, message) == ("wrong_browser", CALLBACK_MESSAGES["wrong_browser"])
    assert "Nothing was connected" in message
    assert connection_row(db, attacker.user_id, PLATFORM)["platform_user_id"] == _sandbox_user_id(
        stack, ATTACKER_ACCOUNT)
    assert connection_row(db, victim.user_id, PLATFORM) is None


def test_a_frontend_on_another_site_cannot_hold_the_binding_cookie_so_its_flows_are_refused(
        stack, make_user, db):
    """Why the frontend must be same-site with the API: a browser drops a SameSite=Lax cookie set by a
    cross-site fetch, so the callback never sees it and fails closed rather than trusting the state."""
    user = make_user("crosssite")
    with deployed_as(stack, "127.0.0.1", "api.creator.localhost") as frontend, chromium() as driver:
        _sign_in_and_start(driver, frontend, user)
        _consent(driver, VICTIM_ACCOUNT)
        assert _result(driver, frontend)[0] == "wrong_browser"
        assert _binding_cookie(driver, f"http://api.creator.localhost:{stack.gateway.port}") is None
    assert connection_row(db, user.user_id, PLATFORM) is None
