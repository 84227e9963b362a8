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


def print_topics(body: dict[str, Any]) -> None:
    section("Trending topics for her niche (heat = velocity x relevance x recency)")
    for t in body.get("topics", [])[:8]:
        growth = t.get("growth") or {}
        print(f"  {t['heat_score']:5.1f}  {t['topic']:30} growth 7d {_num(growth.get('d7'), pct=True):>8}"
              f" 30d {_num(growth.get('d30'), pct=True):>8}  relevance {t.get('relevance') or 0:.2f}"
              f"  [{t.get('category') or '-'}; {', '.join(t.get('sources', []))}]")


def print_keywords(body: dict[str, Any]) -> None:
    section("Rising keywords")
    for k in body.get("keywords", [])[:8]:
        series = [p["value"] for p in k.get("series", []) if p.get("value") is not None][-21:]
        spark = _sparkline(series)
        print(f"  {k['keyword']:32} {k.get('search_volume_kind') or '':>6} {_num(k.get('search_volume')):>8}"
              f"  growth {_num(k.get('growth_rate'), pct=True):>9}  {spark}")


def _sparkline(values: list[float]) -> str:
    if not values:
        return ""
    bars = "▁▂▃▄▅▆▇█"
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    return "".join(bars[int((v - low) / span * (len(bars) - 1))] for v in values)


def print_creators(body: dict[str, Any]) -> None:
    section("Trending creators in her niche")
    for c in body.get("creators", [])[:5]:
        print(f"  {c['handle']:22} {c['platform']:10} {_num(c.get('followers')):>9} followers,"
              f" growth {_num(c.get('growth_rate'), pct=True)}/30d — {c.get('format_description') or ''}")


def print_opportunities(body: dict[str, Any]) -> None:
    section("Opportunity gaps (demand vs supply, 0-100)")
    for o in body.get("opportunities", [])[:5]:
        demand, supply = o.get("demand") or {}, o.get("supply") or {}
        print(f"  {o['gap_score'] or 0:5.1f}  {o['topic']:30} interest {_num(demand.get('search_interest'))},"
              f" growth {_num(demand.get('growth_rate'), pct=True)}; {supply.get('active_creators', 0)} active"
              f" creators, {supply.get('posts_per_week', 0):.1f} posts/week")
        for idea in o.get("content_ideas", o.get("ideas", []))[:2]:
            print(f"         - {idea}")


def print_insights(body: dict[str, Any]) -> None:
    section(f"What makes her posts work ({body.get('posts_analyzed', '?')} posts, "
            f"{body.get('tested', '?')} attribute x metric tests, FDR {body.get('fdr', 0.05)})")
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
        print(f"  no effect: {', '.join(sorted({c['attribute'].replace('_', ' ') for c in quiet}))} "
              f"(on one metric or both; each with the largest difference it rules out)")
    model = body.get("virality_model") or {}
    if model.get("brier") is not None:
        ci = model.get("skill_ci") or [None, None]
        verdict = "earned" if model.get("earned") else "not better than the base rate: briefs show no probability"
        print(f"  virality model, posts predicted before they were seen ({model.get('n_test')}): Brier "
              f"{model['brier']:.3f} vs {model['brier_base_rate']:.3f} for the base rate, skill {model['skill']:+.1%} "
              f"(95% CI {ci[0]:+.1%} to {ci[1]:+.1%}), AUC {model.get('auc', 0):.2f}; {verdict}")


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
