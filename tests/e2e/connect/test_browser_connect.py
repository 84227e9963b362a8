"""The connect flow in a real browser, with the cookie rules a browser enforces, on both deployments.

Same site: the frontend (app.creator.localhost) and our API (api.creator.localhost) are two origins of
one site. The start button fetches GET /api/auth/{platform} with the user's token and credentials, the
browser keeps the binding cookie, the consent page is clicked, and the platform's redirect brings the
browser back to our callback, which sees that cookie and completes at once. Chromium treats *.localhost
as a secure context, so the cookie is exactly the production one: `__Host-`, Secure, HttpOnly,
SameSite=Lax, Path=/.

Cross site, as deployed behind API Gateway (*.gateway.dev is never the frontend's site): the frontend is
app.creatorstudio.localhost, another registrable site than the API. The browser drops the cookie set on
the start fetch's response, so the callback completes nothing: it keeps the code and sends the browser
back with a one-time handle in the fragment, and the return page posts it to /api/auth/complete with
the signed-in creator's token. The platform's consent page (the sandbox, 127.0.0.1) is a third site.
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
API_HOST = "api.creator.localhost"
SAME_SITE_FRONTEND, CROSS_SITE_FRONTEND = "app.creator.localhost", "app.creatorstudio.localhost"


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


def _sign_in(driver, frontend: Frontend, user) -> None:
    driver.get(f"{frontend.origin}/start/{PLATFORM}")
    driver.execute_script("localStorage.setItem('token', arguments[0])", user.token)


def _sign_in_and_start(driver, frontend: Frontend, user) -> None:
    from selenium.webdriver.common.by import By

    _sign_in(driver, frontend, user)
    driver.find_element(By.ID, f"connect-{PLATFORM}").click()


def _consent(driver, account: int) -> None:
    from selenium.webdriver.common.by import By

    _wait(driver, lambda d: d.find_elements(By.ID, f"allow-{account}"), "the platform's consent page")
    driver.find_element(By.ID, f"allow-{account}").click()


def _result(driver, frontend: Frontend) -> tuple[str, str]:
    from selenium.webdriver.common.by import By

    _wait(driver, lambda d: d.current_url.startswith(f"{frontend.origin}/connections"), "the return page")
    element = _wait(
        driver,
        lambda d: d.find_element(By.ID, "result").get_attribute("data-code") and d.find_element(By.ID, "result"),
        "the result",
    )
    return element.get_attribute("data-code"), element.text


def _binding_cookie(driver, api_origin: str) -> dict | None:
    driver.get(f"{api_origin}/healthz")
    return next((c for c in driver.get_cookies() if c["name"].endswith("ci_oauth_binding")), None)


def _sandbox_user_id(stack, account: int) -> str:
    return stack.sandbox.world.creator(account).user_ids[PLATFORM]


def _latest_state(db, user) -> dict:
    """The user's newest state for the platform: whether it was kept for completion, and what is left."""
    return db.execute(
        "select handle_digest, authorization_code, claimed_at from oauth_states"
        " where user_id = %s and platform = %s order by created_at desc limit 1",
        (user.user_id, PLATFORM),
    ).fetchone()


def test_connect_in_her_own_browser_then_an_attackers_link_is_refused_in_it(stack, connector, make_user, db):
    victim, attacker = make_user("victim"), make_user("attacker")
    connector.connect(attacker, PLATFORM, creator=ATTACKER_ACCOUNT)  # the attacker's own account first
    attackers_before = connection_row(db, attacker.user_id, PLATFORM)

    with deployed_as(stack, SAME_SITE_FRONTEND, API_HOST) as frontend, chromium() as driver:
        _sign_in_and_start(driver, frontend, victim)
        _consent(driver, VICTIM_ACCOUNT)
        assert _result(driver, frontend) == ("connected", f"{PLATFORM} is connected.")
        assert _latest_state(db, victim)["handle_digest"] is None  # completed by the callback itself
        mine = connection_row(db, victim.user_id, PLATFORM)
        assert mine["status"] == "active" and mine["platform_user_id"] == _sandbox_user_id(stack, VICTIM_ACCOUNT)

        cookie = _binding_cookie(driver, f"http://{API_HOST}:{stack.gateway.port}")
        assert cookie is not None, "the browser did not keep the binding cookie"
        assert (cookie["name"], cookie["secure"], cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (
            "__Host-ci_oauth_binding",
            True,
            True,
            "Lax",
            "/",
        )
        assert victim.user_id not in cookie["value"]

        # The attacker starts a flow in his own browser and sends her the consent link.
        link = connector.start(attacker, PLATFORM).start["authorize_url"]
        driver.get(link)
        _consent(driver, VICTIM_ACCOUNT)
        assert _result(driver, frontend) == ("wrong_user", CALLBACK_MESSAGES["wrong_user"])

    attackers_after = connection_row(db, attacker.user_id, PLATFORM)
    assert attackers_after["platform_user_id"] == _sandbox_user_id(stack, ATTACKER_ACCOUNT)
    assert attackers_after["access_token"] == attackers_before["access_token"]


@pytest.mark.parametrize("signed_in", [True, False])
def test_an_attackers_consent_link_in_a_browser_that_never_started_a_flow_is_never_completed(
    stack, connector, make_user, db, signed_in
):
    """No binding cookie in her browser: the callback keeps the code for the starter, and her frontend,
    signed in as her, is refused it (or, signed out, asks her to sign in); nothing is linked either way."""
    victim, attacker = make_user("victim"), make_user("attacker")
    connector.connect(attacker, PLATFORM, creator=ATTACKER_ACCOUNT)
    attackers_before = connection_row(db, attacker.user_id, PLATFORM)
    with deployed_as(stack, SAME_SITE_FRONTEND, API_HOST) as frontend, chromium() as driver:
        if signed_in:
            _sign_in(driver, frontend, victim)
        link = connector.start(attacker, PLATFORM).start["authorize_url"]
        driver.get(link)
        _consent(driver, VICTIM_ACCOUNT)
        code, message = _result(driver, frontend)
        assert "complete=" not in driver.current_url
    if signed_in:
        assert (code, message) == ("wrong_user", CALLBACK_MESSAGES["wrong_user"])
        assert "Nothing was connected" in message
        assert _latest_state(db, attacker)["authorization_code"] is None  # discarded
    else:
        assert (code, message) == ("sign_in", f"Sign in to finish connecting {PLATFORM}.")
    attackers_after = connection_row(db, attacker.user_id, PLATFORM)
    assert attackers_after["platform_user_id"] == _sandbox_user_id(stack, ATTACKER_ACCOUNT)
    assert attackers_after["access_token"] == attackers_before["access_token"]
    assert connection_row(db, victim.user_id, PLATFORM) is None


def test_a_frontend_on_another_site_connects_through_the_completion_endpoint(stack, make_user, db):
    """The production shape: the browser drops the Lax cookie set by a cross-site fetch, the callback keeps
    the code, and the return page completes it with her token."""
    user = make_user("crosssite")
    with deployed_as(stack, CROSS_SITE_FRONTEND, API_HOST) as frontend, chromium() as driver:
        _sign_in_and_start(driver, frontend, user)
        _consent(driver, VICTIM_ACCOUNT)
        assert _result(driver, frontend) == ("connected", f"{PLATFORM} is connected.")
        assert driver.current_url == f"{frontend.origin}/connections"  # the handle left the address bar
        assert _binding_cookie(driver, f"http://{API_HOST}:{stack.gateway.port}") is None
    state = _latest_state(db, user)
    assert state["handle_digest"] is not None and state["claimed_at"] is not None
    assert state["authorization_code"] is None
    mine = connection_row(db, user.user_id, PLATFORM)
    assert mine["status"] == "active" and mine["platform_user_id"] == _sandbox_user_id(stack, VICTIM_ACCOUNT)


def test_an_attackers_consent_link_across_sites_is_refused_for_the_victim(stack, connector, make_user, db):
    """Issue 14's attack on the cross-site deployment: Mallory starts a flow and sends Alice the consent
    link; Alice, signed in to the frontend, consents with her own account. Her frontend is refused the
    completion (`wrong_user`) with the message, the code is discarded, Mallory's connection is untouched."""
    victim, attacker = make_user("victim"), make_user("attacker")
    connector.connect(attacker, PLATFORM, creator=ATTACKER_ACCOUNT)
    attackers_before = connection_row(db, attacker.user_id, PLATFORM)
    with deployed_as(stack, CROSS_SITE_FRONTEND, API_HOST) as frontend, chromium() as driver:
        _sign_in(driver, frontend, victim)
        driver.get(connector.start(attacker, PLATFORM).start["authorize_url"])
        _consent(driver, VICTIM_ACCOUNT)
        assert _result(driver, frontend) == ("wrong_user", CALLBACK_MESSAGES["wrong_user"])
    attackers_after = connection_row(db, attacker.user_id, PLATFORM)
    assert attackers_after["platform_user_id"] == _sandbox_user_id(stack, ATTACKER_ACCOUNT)
    assert attackers_after["access_token"] == attackers_before["access_token"]
    assert connection_row(db, victim.user_id, PLATFORM) is None
    pending = _latest_state(db, attacker)
    assert pending["claimed_at"] is not None and pending["authorization_code"] is None
