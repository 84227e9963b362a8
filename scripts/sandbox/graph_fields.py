"""Parse Graph API `fields=` expressions such as `business_discovery.username(x){media.limit(5){id}}`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldSpec:
    name: str
    modifiers: dict[str, str] = field(default_factory=dict)  # e.g. {"username": "x", "limit": "5"}
    children: list[FieldSpec] = field(default_factory=list)


def _split_top(text: str) -> list[str]:
    parts: list[str] = []
    depth, current = 0, list[str]()
    for ch in text:
        if ch in "{(":
            depth += 1
        elif ch in "})":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


def parse_fields(text: str | None) -> list[FieldSpec]:
    """Top-level field specs of a fields= parameter (empty when absent)."""
    if not text:
        return []
    return [_parse_one(part) for part in _split_top(text)]


def _parse_one(part: str) -> FieldSpec:
    children: list[FieldSpec] = []
    brace = part.find("{")
    if brace >= 0 and part.endswith("}"):
        children = parse_fields(part[brace + 1 : -1])
        part = part[:brace]
    pieces: list[str] = []
    depth, current = 0, list[str]()
    for ch in part:  # split on dots outside parentheses: handles like divz.mysterious contain dots
        depth += (ch == "(") - (ch == ")")
        if ch == "." and depth == 0:
            pieces.append("".join(current))
            current = []
        else:
            current.append(ch)
    pieces.append("".join(current))
    name, mods = pieces[0], pieces[1:]
    modifiers = {}
    for mod in mods:
        if "(" in mod and mod.endswith(")"):
            key, value = mod[:-1].split("(", 1)
            modifiers[key] = value
    return FieldSpec(name=name.strip(), modifiers=modifiers, children=children)
