"""How the demo prints what the API returned: plain tables a creator could read."""

from __future__ import annotations

from typing import Any


def section(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 96 - len(title)))


def _num(value: Any, pct: bool = False) -> str:
    if value is None:
        return "—"
    if pct:
        return f"{value * 100:.2f}%"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def _change(metric: dict[str, Any]) -> str:
    if metric.get("change_pct") is None:
        return ""
    return f" ({metric['change_pct']:+.1f}%)"


def print_overview(body: dict[str, Any]) -> None:
    section(f"Overview, last {body['period']} (vs the previous {body['period']})")
    names = ("followers", "reach", "views", "engagement_rate", "saves", "shares", "watch_hours")
    print(f"  {'platform':10} " + " ".join(f"{n:>20}" for n in names))
    for row in [*body["platforms"], {"platform": "total", **body["total"]}]:
        metrics = row.get("metrics", row)
        cells = []
        for name in names:
            metric = metrics.get(name) or {}
            cells.append(f"{_num(metric.get('value'), pct=name == 'engagement_rate') + _change(metric):>20}")
        print(f"  {row['platform']:10} " + " ".join(cells))
    fetched = {p["platform"]: p.get("last_fetched_at") for p in body["platforms"]}
    print("  last fetched: " + ", ".join(f"{k} {str(v)[:19] if v else 'never'}" for k, v in fetched.items()))
    windows = [
        f"{p['platform']} {p['window']['start']}..{p['window']['end']} vs {p['window']['previous_start']}.."
        f"{p['window']['previous_end']} ({p['metrics']['views']['days_compared'] or 0} days compared)"
        for p in body["platforms"]
        if p.get("window")
    ]
    print("  equal windows, each ending on the platform's last complete day: " + "; ".join(windows))


def _growth(growth: dict[str, Any]) -> str:
    return "  ".join(f"{w} {_num(growth.get('d' + w[:-1]), pct=True):>8}" for w in ("7d", "14d", "30d"))


def print_topics(body: dict[str, Any]) -> None:
    section("Trending topics for her niche (heat = velocity x relevance x recency)")
    for t in body.get("items", [])[:8]:
        print(
            f"  {t['heat_score']:5.1f}  {t['topic']:28} growth {_growth(t.get('growth') or {})}"
            f"  relevance {t.get('relevance') or 0:.2f}"
            f"  [{t.get('category') or '-'}; {', '.join(t.get('sources', []))}]"
        )


def print_keywords(body: dict[str, Any]) -> None:
    section(f"Rising keywords (ranked by {body.get('window', '7d')} growth; interest = Pinterest index, one scale)")
    for k in body.get("items", [])[:8]:
        series = [p["value"] for p in k.get("series", []) if p.get("value") is not None][-21:]
        print(
            f"  {k['keyword']:28} interest {_num(k.get('interest_index')):>6}  growth {_growth(k.get('growth') or {})}"
            f"  {_sparkline(series)}"
        )


def _sparkline(values: list[float]) -> str:
    if not values:
        return ""
    bars = "▁▂▃▄▅▆▇█"
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    return "".join(bars[int((v - low) / span * (len(bars) - 1))] for v in values)


def print_creators(body: dict[str, Any]) -> None:
    section(f"Trending creators in her niche (size-aware growth, at least {body.get('min_followers', 0):,} followers)")
    for c in body.get("items", [])[:5]:
        print(
            f"  {c['handle']:22} {c['platform']:10} {_num(c.get('followers')):>9} followers  "
            f"{c.get('format_description') or ''}"
        )
        print(f"    why: {c.get('why_listed')}")
    for platform, why in (body.get("not_covered") or {}).items():
        print(f"  ({platform}: {why})")


def _supply(supply: dict[str, Any]) -> str:
    if supply.get("posts_per_week") is None:
        return "supply unknown (nothing measured it)"
    parts = []
    if supply.get("youtube_uploads_30d") is not None:
        parts.append(f"{supply['youtube_uploads_30d']} YouTube uploads/30d ({supply.get('youtube_channels')} channels)")
    if supply.get("instagram_posts_24h") is not None:
        parts.append(f"{supply['instagram_posts_24h']} Instagram posts/24h")
    if supply.get("basis") == "tracked_creators_lower_bound":
        parts.append(f"{supply.get('tracked_posts_30d')} tracked-creator posts/30d (lower bound)")
    return f"{', '.join(parts)} = {supply['posts_per_week']:.1f} posts/week"


def print_opportunities(body: dict[str, Any]) -> None:
    section("Opportunity gaps (relevance x interest per fresh post, 0-100)")
    basis = ", ".join(
        f"{f['level']} {f['ratio']:.1f}x {f.get('metric') or ''}".strip() for f in body.get("ideas_based_on", [])
    )
    print(f"  ideas built on her significant patterns: {basis or 'none yet (no finding clears the bar)'}")
    for o in body.get("items", [])[:5]:
        demand, supply = o.get("demand") or {}, o.get("supply") or {}
        score = "   —" if o.get("gap_score") is None else f"{o['gap_score']:5.1f}"
        print(
            f"  {score}  {o['topic']:28} interest {_num(demand.get('interest_index'))} x relevance"
            f" {demand.get('relevance') or 0:.2f}; {_supply(supply)}"
        )
        for idea in o.get("ideas", [])[:2]:
            print(f"         - {idea}")
    served = sorted(
        (o for o in body.get("items", []) if (o.get("supply") or {}).get("posts_per_week")),
        key=lambda o: -o["supply"]["posts_per_week"],
    )[:3]
    if served:
        print(
            "  most served (narrowest gaps): "
            + "; ".join(f"{o['topic']} {o['gap_score']:.1f} ({_supply(o['supply'])})" for o in served)
        )


def print_insights(body: dict[str, Any]) -> None:
    section(
        f"What makes her posts work ({body.get('posts_analyzed', '?')} posts, "
        f"{body.get('tested', '?')} attribute x metric tests, FDR {body.get('fdr', 0.05)})"
    )
    found = [i for i in body.get("insights", []) if i["category"] != "pattern_coverage"]
    for i in found:
        print(f"  [{i['impact']:6}] {i['insight']}")
    if not found:
        print("  no effect clears the false-discovery bar yet")
    for i in body.get("insights", []):
        if i["category"] == "pattern_coverage":
            print(f"  [n/a   ] {i['insight']}")
    quiet = [c for c in body.get("coverage", []) if c["verdict"] == "no_effect"]
    if quiet:
        print(
            f"  no effect: {', '.join(sorted({c['attribute'].replace('_', ' ') for c in quiet}))} "
            f"(on one metric or both; each with the largest difference it rules out)"
        )
    model = body.get("virality_model") or {}
    if model.get("brier") is not None:
        ci = model.get("skill_ci") or [None, None]
        verdict = "earned" if model.get("earned") else "not better than the base rate: briefs show no probability"
        print(
            f"  virality model, posts predicted before they were seen ({model.get('n_test')}): Brier "
            f"{model['brier']:.3f} vs {model['brier_base_rate']:.3f} for the base rate, skill {model['skill']:+.1%} "
            f"(95% CI {ci[0]:+.1%} to {ci[1]:+.1%}), AUC {model.get('auc', 0):.2f}; {verdict}"
        )


def print_briefs(body: dict[str, Any]) -> None:
    label = "offline provider (no ANTHROPIC_API_KEY)" if body.get("offline") else body.get("provider", "")
    section(f"Three briefs, ranked by her virality probability — {label}")
    for r in body.get("recommendations", []):
        print(f"\n  #{r['rank']}  [{r.get('platform') or 'any'}] {r['score_details'].get('statement', '')}")
        print(f"  Concept: {r['concept']}")
        print(f"  Hook:    {r['hook']}")
        print(f"  Length:  {r.get('video_length_s')} s   Editing: {r.get('editing_style')}   Music: {r.get('music')}")
        for shot in r.get("shot_list", [])[:6]:
            print(f"    {shot.get('order', '-')}. {shot.get('description')} ({shot.get('duration_s')} s)")
        print(f"  Caption: {r.get('caption')}")
        print(f"  Tags:    {' '.join(r.get('hashtags', []))}")


def _ci(low: Any, high: Any, fmt: str = "{:.2f}") -> str:
    return "—" if low is None or high is None else f"{fmt.format(low)}–{fmt.format(high)}"


def print_best_times(body: dict[str, Any]) -> None:
    section(f"When to post (her time zone, {body.get('timezone')}; engagement per reach against her average)")
    for p in body.get("platforms", []):
        if p["status"] != "ok":
            print(f"  {p['platform']:10} not enough data ({p['n_posts']} posts)")
            continue
        best = ", ".join(
            f"{w['weekday'][:3]} {w['block']} {w['ratio']:.2f}x ({_ci(w['ci_low'], w['ci_high'])})"
            for w in p.get("best", [])
        )
        print(f"  {p['platform']:10} best: {best}")
        habit = p.get("versus_habit")
        if habit:
            print(
                f"  {'':10} {habit['best_weekday'][:3]} {habit['best_block']} against her habit of the last 90 days "
                f"({habit['habit_posts']} posts): {habit['ratio']:.2f}x"
                f" (95% CI {_ci(habit['ci_low'], habit['ci_high'])})"
            )


def print_peers(body: dict[str, Any]) -> None:
    section("Against niche creators of her size (percentile among peers in her follower tier, 95% CI)")
    for p in body.get("platforms", []):
        peers = p.get("peers") or {}
        tier = peers.get("tier")
        n = peers.get("n_peers", 0)
        head = (
            f"  {p['platform']:10} {tier or '—'} tier ({_num(peers.get('followers'))} followers), "
            f"{n} peer{'' if n == 1 else 's'}"
        )
        if peers.get("reason"):
            print(f"{head}: {peers['reason']}")
            continue
        print(head)
        for m in peers.get("metrics", []):
            if m["status"] == "ok":
                print(
                    f"    {m['label']:42} {m['percentile']:5d}  (95% CI {_ci(m['ci_low'], m['ci_high'], '{:.0f}')})"
                    f"  {m['explanation']}"
                )
            elif m["status"] != "unavailable":
                print(f"    {m['label']:42}     —  {m['explanation']}")
        unavailable = [m["label"] for m in peers.get("metrics", []) if m["status"] == "unavailable"]
        if unavailable:
            print(f"    ({', '.join(unavailable)}: no platform API exposes other accounts' saves or shares)")


def print_outcomes(body: dict[str, Any], realised: dict[str, Any] | None) -> None:
    section("Did the briefs work? (a post that follows a brief is linked, then measured after 7 days of data)")
    for item in body.get("items", []):
        link, outcome = item.get("link"), item.get("outcome")
        print(f"  [{item['status']:8}] #{item['rank']} {item['concept']} ({item.get('platform') or 'any'})")
        if link:
            how = (
                "named by her"
                if link["source"] == "explicit"
                else f"matched automatically, confidence {link['confidence']:.2f} (text {link['match']['text']:.2f}, "
                f"{link['match']['agreeing']} of {link['match']['compared']} attributes agree)"
            )
            print(f"             post {link['platform_post_id']}: {how}")
        if outcome:
            ratios = ", ".join(
                f"{name} {outcome[key]:.2f}x her {outcome['baseline'][rate]['stratum']} mean"
                for name, key, rate in (("saves", "save_ratio", "save_rate"), ("shares", "share_ratio", "share_rate"))
                if outcome[key] is not None
            )
            verdict = "reached" if outcome["top_quartile"] else "did not reach"
            predicted = "—" if outcome["predicted_probability"] is None else f"{outcome['predicted_probability']:.0%}"
            print(
                f"             after {outcome['data_days']:.1f} days: {ratios}; {verdict} her top quartile "
                f"(percentile {outcome['score_percentile']:.2f}); the brief predicted {predicted}"
            )
    if realised and realised.get("n"):
        print(
            f"  calibration of past briefs on their outcomes: n={realised['n']}, Brier {realised['brier']:.3f} vs "
            f"{realised['brier_base_rate']:.3f} for her base rate; bins "
            + "; ".join(
                f"{b['mean_predicted']:.2f}->{b['observed_rate']:.2f} (n={b['n']})"
                for b in realised.get("calibration", [])
            )
            + ("" if realised.get("acted_on") else " (too few to act on: the score stays as the backtest earned it)")
        )


def print_digest(digest: dict[str, Any] | None) -> None:
    section("Weekly digest (stored as email-ready HTML and text; the frontend hears it through Realtime)")
    if digest is None:
        print("  no digest written")
        return
    print(f"  subject: {digest['subject']}  ({len(digest['html']):,} bytes of HTML)")
    for line in digest["text"].splitlines():
        print(f"  | {line}")
