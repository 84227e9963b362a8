"""The weekly digest as an email: the same facts in HTML and text, everything escaped, unknown as a dash."""

from __future__ import annotations

from shared.engines.digest import render_html, render_text, subject

CONTENT = {
    "period": {"start": "2026-11-27", "end": "2026-12-04"},
    "name": "Divz <b>& co</b>",
    "changes": [
        {
            "platform": "instagram",
            "followers": {"value": 26259, "change": 87, "change_pct": None},
            "views": {"value": 23770, "change": -74450, "change_pct": -75.8},
            "engagement_rate": {"value": 0.1066, "change": -0.0439, "change_pct": -29.2},
            "saves": {"value": None, "change": None, "change_pct": None},
            "shares": {"value": 111, "change": None, "change_pct": None},
        }
    ],
    "findings": [
        {"key": "camera_angle=overhead:save_rate", "text": "Overhead shots get 1.6× <saves>", "new": True},
        {"key": "audio_type=asmr:share_rate", "text": "ASMR gets 0.8× shares", "new": False},
    ],
    "outcomes": [
        {
            "concept": "Tutorial: <script>alert(1)</script>",
            "platform": "instagram",
            "status": "measured",
            "save_ratio": 1.9439,
            "share_ratio": None,
            "top_quartile": True,
            "predicted": 0.736,
        },
        {
            "concept": "Showcase",
            "platform": "tiktok",
            "status": "posted",
            "save_ratio": None,
            "share_ratio": None,
            "top_quartile": None,
            "predicted": None,
        },
    ],
    "next_post": {
        "concept": 'Timelapse: "decor" & more',
        "hook": "Hours in seconds",
        "platform": "pinterest",
        "statement": "59% (95% CI 42%–74%) chance",
        "when_reason": None,
        "when": {
            "weekday": "friday",
            "block": "afternoon",
            "hours": "15-18",
            "ratio": 1.19,
            "ci_low": 1.05,
            "ci_high": 1.35,
            "timezone": "Europe/London",
        },
    },
}


def test_the_text_says_each_fact_with_its_uncertainty_and_dashes_for_unknown():
    text = render_text(CONTENT)
    assert subject(CONTENT) == "Your week, 2026-11-27 to 2026-12-04" and text.startswith(subject(CONTENT))
    assert (
        "- Instagram: followers 26,259 (+87), views 23,770 (-75.8%), engagement 10.66% (-4.39 pts), saves —, shares 111"
    ) in text
    assert "- NEW: Overhead shots get 1.6× <saves>" in text and "- ASMR gets 0.8× shares" in text
    assert (
        "Tutorial: <script>alert(1)</script> (Instagram): saves 1.94×, shares — your usual; reached your top "
        "quartile; predicted 74%"
    ) in text
    assert "Showcase (TikTok): posted, measured once it has 7 days of data" in text
    assert "When: Friday afternoon (15-18, Europe/London): 1.19× your average engagement (95% CI 1.05–1.35)" in text


def test_the_html_escapes_every_value_and_styles_inline():
    html = render_html(CONTENT)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Divz &lt;b&gt;&amp; co&lt;/b&gt;" in html and "Timelapse: &quot;decor&quot; &amp; more" in html
    assert "&lt;saves&gt;" in html and "<strong>New:</strong>" in html
    assert "<style" not in html and "class=" not in html and "<link" not in html
    assert html.count('style="') > 20 and html.startswith("<!DOCTYPE html>")
    assert "1.19× your average engagement (95% CI 1.05–1.35)" in html


def test_an_empty_week_says_so():
    empty = {
        "period": CONTENT["period"],
        "name": None,
        "changes": [],
        "findings": [],
        "outcomes": [],
        "next_post": None,
    }
    text = render_text(empty)
    assert "- No data this week." in text and "No finding clears the bar yet." in text
    assert "Nothing posted from a brief this week." in text and "No open brief: ask for new ideas." in text
    no_when = {
        **CONTENT,
        "next_post": {
            **CONTENT["next_post"],
            "when": None,
            "when_reason": "not enough posts on pinterest in the last year to say when",
        },
    }
    assert "When: not enough posts on pinterest in the last year to say when" in render_text(no_when)
    unsure = {
        **CONTENT,
        "next_post": {**CONTENT["next_post"], "when": {**CONTENT["next_post"]["when"], "ratio": 1.05, "ci_low": 0.94}},
    }
    assert "1.05× your average engagement (95% CI 0.94–1.35); not clearly better than any other time" in render_text(
        unsure
    )
