"""The weekly digest as an email: subject, HTML (escaped, inline styles, one table column, no scripts or
external styles) and plain text with the same facts, from the digest's content (services/digest.py).

Content: period {start, end}; name; changes [{platform, followers, views, engagement_rate, saves, shares}:
each {value, change, change_pct}]; findings [{text, new}]; outcomes [{concept, platform, status,
save_ratio, share_ratio, top_quartile, predicted}]; next_post {concept, hook, platform, statement, when
{weekday, block, hours, ratio, ci_low, ci_high, timezone} | null, when_reason}. Unknown is shown as "—",
never as 0.
"""

from __future__ import annotations

from html import escape
from typing import Any

PLATFORM_NAMES = {"instagram": "Instagram", "youtube": "YouTube", "pinterest": "Pinterest", "tiktok": "TikTok"}
_FONT = "font-family:Helvetica,Arial,sans-serif;color:#1f2933;"
_H2 = f"{_FONT}font-size:16px;font-weight:bold;margin:24px 0 8px 0;"
_P = f"{_FONT}font-size:14px;line-height:20px;margin:0 0 8px 0;"
_CELL = f"{_FONT}font-size:13px;padding:4px 8px;border-bottom:1px solid #e4e7eb;"
_MUTED = f"{_FONT}font-size:12px;color:#616e7c;margin:0 0 8px 0;"


def _count(value: Any) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _pct(value: Any, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def _change(metric: dict[str, Any] | None, *, rate: bool = False) -> str:
    metric = metric or {}
    shown = _pct(metric.get("value"), 2) if rate else _count(metric.get("value"))
    if rate and metric.get("change") is not None:
        return f"{shown} ({metric['change'] * 100:+.2f} pts)"
    if metric.get("change_pct") is not None:
        return f"{shown} ({metric['change_pct']:+.1f}%)"
    if metric.get("change") is not None:
        return f"{shown} ({metric['change']:+,.0f})"
    return shown


def _ratio(value: Any) -> str:
    return "—" if value is None else f"{value:.2f}×"


def subject(content: dict[str, Any]) -> str:
    """The email subject line."""
    period = content["period"]
    return f"Your week, {period['start']} to {period['end']}"


def _change_rows(content: dict[str, Any]) -> list[tuple[str, str, str, str, str, str]]:
    return [
        (
            PLATFORM_NAMES.get(c["platform"], c["platform"]),
            _change(c.get("followers")),
            _change(c.get("views")),
            _change(c.get("engagement_rate"), rate=True),
            _change(c.get("saves")),
            _change(c.get("shares")),
        )
        for c in content.get("changes", [])
    ]


def _outcome_line(o: dict[str, Any]) -> str:
    where = PLATFORM_NAMES.get(o.get("platform") or "", o.get("platform") or "")
    if o["status"] != "measured":
        return f"{o['concept']} ({where}): posted, measured once it has 7 days of data"
    verdict = {
        True: "reached your top quartile",
        False: "did not reach your top quartile",
        None: "no rate measured yet",
    }[o.get("top_quartile")]
    predicted = "" if o.get("predicted") is None else f"; predicted {o['predicted']:.0%}"
    return (
        f"{o['concept']} ({where}): saves {_ratio(o.get('save_ratio'))}, shares {_ratio(o.get('share_ratio'))} "
        f"your usual; {verdict}{predicted}"
    )


def _when_line(next_post: dict[str, Any]) -> str:
    when = next_post.get("when")
    if not when:
        return f"When: {next_post.get('when_reason') or 'not enough data to say'}"
    # An interval that holds 1 is no evidence this window beats any other: say so rather than imply it.
    unsure = "; not clearly better than any other time" if when["ci_low"] <= 1 <= when["ci_high"] else ""
    return (
        f"When: {when['weekday'].title()} {when['block']} ({when['hours']}, {when['timezone']}): "
        f"{when['ratio']:.2f}× your average engagement (95% CI {when['ci_low']:.2f}–{when['ci_high']:.2f})"
        f"{unsure}"
    )


def render_text(content: dict[str, Any]) -> str:
    """The plain-text version."""
    lines = [subject(content), ""]
    if content.get("name"):
        lines += [f"Hi {content['name']},", ""]
    lines.append("WHAT CHANGED (this week against the week before)")
    lines += [
        f"- {r[0]}: followers {r[1]}, views {r[2]}, engagement {r[3]}, saves {r[4]}, shares {r[5]}"
        for r in _change_rows(content)
    ] or ["- No data this week."]
    lines += ["", "WHAT WORKS FOR YOU"]
    findings = content.get("findings", [])
    lines += [f"- {'NEW: ' if f.get('new') else ''}{f['text']}" for f in findings] or [
        "- No finding clears the bar yet."
    ]
    lines += ["", "YOUR BRIEFS"]
    lines += [f"- {_outcome_line(o)}" for o in content.get("outcomes", [])] or [
        "- Nothing posted from a brief this week."
    ]
    lines += ["", "YOUR BEST NEXT POST"]
    next_post = content.get("next_post")
    if next_post:
        lines += [
            f"{next_post['concept']} ({PLATFORM_NAMES.get(next_post.get('platform') or '', 'any platform')})",
            f"Hook: {next_post['hook']}",
            next_post.get("statement") or "",
            _when_line(next_post),
        ]
    else:
        lines.append("No open brief: ask for new ideas.")
    return "\n".join(lines) + "\n"


def render_html(content: dict[str, Any]) -> str:
    """The HTML version: every value escaped, every style inline."""
    parts = [f'<h1 style="{_FONT}font-size:20px;margin:0 0 16px 0;">{escape(subject(content))}</h1>']
    if content.get("name"):
        parts.append(f'<p style="{_P}">Hi {escape(content["name"])},</p>')
    parts.append(f'<h2 style="{_H2}">What changed</h2><p style="{_MUTED}">This week against the week before.</p>')
    rows = _change_rows(content)
    if rows:
        head = "".join(
            f'<th align="left" style="{_CELL}">{h}</th>'
            for h in ("Platform", "Followers", "Views", "Engagement", "Saves", "Shares")
        )
        body = "".join(
            "<tr>" + "".join(f'<td style="{_CELL}">{escape(cell)}</td>' for cell in row) + "</tr>" for row in rows
        )
        parts.append(
            f'<table role="presentation" cellpadding="0" cellspacing="0" border="0" width="100%" '
            f'style="border-collapse:collapse;"><tr>{head}</tr>{body}</table>'
        )
    else:
        parts.append(f'<p style="{_P}">No data this week.</p>')
    parts.append(f'<h2 style="{_H2}">What works for you</h2>')
    findings = content.get("findings", [])
    parts += [
        f'<p style="{_P}">{"<strong>New:</strong> " if f.get("new") else ""}{escape(f["text"])}</p>' for f in findings
    ] or [f'<p style="{_P}">No finding clears the bar yet.</p>']
    parts.append(f'<h2 style="{_H2}">Your briefs</h2>')
    parts += [f'<p style="{_P}">{escape(_outcome_line(o))}</p>' for o in content.get("outcomes", [])] or [
        f'<p style="{_P}">Nothing posted from a brief this week.</p>'
    ]
    parts.append(f'<h2 style="{_H2}">Your best next post</h2>')
    next_post = content.get("next_post")
    if next_post:
        where = PLATFORM_NAMES.get(next_post.get("platform") or "", "any platform")
        parts += [
            f'<p style="{_P}"><strong>{escape(next_post["concept"])}</strong> ({escape(where)})</p>',
            f'<p style="{_P}">Hook: {escape(next_post["hook"])}</p>',
            f'<p style="{_MUTED}">{escape(next_post.get("statement") or "")}</p>',
            f'<p style="{_P}">{escape(_when_line(next_post))}</p>',
        ]
    else:
        parts.append(f'<p style="{_P}">No open brief: ask for new ideas.</p>')
    inner = "".join(parts)
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" '
        'content="width=device-width,initial-scale=1"></head>'
        '<body style="margin:0;padding:0;background:#f5f7fa;">'
        '<table role="presentation" cellpadding="0" cellspacing="0" border="0" width="100%" '
        'style="background:#f5f7fa;"><tr><td align="center" style="padding:24px;">'
        '<table role="presentation" cellpadding="0" cellspacing="0" border="0" width="600" '
        'style="background:#ffffff;border-radius:6px;"><tr><td style="padding:24px;">'
        f"{inner}</td></tr></table></td></tr></table></body></html>"
    )
