"""The cross-user attack matrix, generated from the catalog so a table added later is attacked too.

A row is planted for user A (and one for user B) in every public table; then, as B and as anon, in
PostgREST's shape (role + request.jwt.claims): read A's row, update it, delete it, insert a row owned
by A, move B's own row to A, attach B's rows to A's rows through every foreign key, and reuse A's
values in every unique key B could write. Nothing may succeed, and every refused attempt must fail
exactly as the same attempt against a row that does not exist (no "duplicate key" for A's row and
"missing key" for a made-up one), so errors never reveal which of A's rows exist.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.types.json import Jsonb

# Tables without an owner that every signed-in creator may read: market data, no creator's data.
MARKET_READABLE = {"trends", "trending_creators", "creator_observations"}


@dataclass
class Column:
    name: str
    type: str
    not_null: bool
    has_default: bool
    generated: bool
    enum_labels: list[str]


@dataclass
class Table:
    name: str
    columns: dict[str, Column]
    primary_key: list[str]
    uniques: list[list[str]]
    checks: list[tuple[list[str], str]]
    owner: str | None = None
    # (constraint name, local columns, referenced table, referenced columns)
    references: list[tuple[str, list[str], str, list[str]]] = field(default_factory=list)


def _catalog(conn: psycopg.Connection) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    for (name,) in conn.execute("""select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                                    where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1"""):
        columns = {}
        for col, typ, not_null, has_default, generated, labels in conn.execute(
            """select a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef,
                          (a.attidentity <> '' or a.attgenerated <> ''),
                          array(select e.enumlabel::text from pg_enum e where e.enumtypid = a.atttypid
                                order by e.enumsortorder)
                   from pg_attribute a where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped
                   order by a.attnum""",
            (f"public.{name}",),
        ):
            columns[col] = Column(col, typ, not_null, has_default, generated, list(labels))
        tables[name] = Table(name, columns, [], [], [])
    for table, kind, cname, cols, ref_table, ref_cols, definition in conn.execute(
        """select c.conrelid::regclass::text, c.contype, c.conname,
                      array(select a.attname::text from unnest(c.conkey) with ordinality k(n, i)
                            join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.i),
                      c.confrelid::regclass::text,
                      array(select a.attname::text from unnest(c.confkey) with ordinality k(n, i)
                            join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n order by k.i),
                      pg_get_constraintdef(c.oid)
               from pg_constraint c join pg_namespace n on n.oid = c.connamespace
               where n.nspname = 'public' and c.contype in ('p', 'u', 'f', 'c')"""
    ):
        t = tables.get(table.removeprefix("public."))
        if t is None:
            continue
        if kind == "p":
            t.primary_key = list(cols)
            t.uniques.append(list(cols))
        elif kind == "u":
            t.uniques.append(list(cols))
        elif kind == "c":
            t.checks.append((list(cols), definition))
        elif ref_table == "auth.users" and ref_cols == ["id"] and len(cols) == 1:
            t.owner = cols[0]
        else:
            t.references.append((cname, list(cols), ref_table.removeprefix("public."), list(ref_cols)))
    return tables


def _plant_order(tables: dict[str, Table]) -> list[Table]:
    ordered: list[Table] = []
    pending = dict(tables)
    while pending:
        ready = [
            t for t in pending.values() if all(ref == t.name or ref not in pending for _, _, ref, _ in t.references)
        ]
        assert ready, f"foreign-key cycle among {sorted(pending)}"
        for t in ready:
            ordered.append(pending.pop(t.name))
    return ordered


def _candidates(table: Table, column: Column) -> list[Any]:
    literals = [
        m.replace("''", "'")
        for cols, definition in table.checks
        if cols == [column.name]
        for m in re.findall(r"'((?:[^']|'')*)'", definition)
    ]
    typ = column.type
    if column.enum_labels:
        return column.enum_labels
    if typ == "uuid":
        return [uuid.uuid4()]
    if typ in ("text", "character varying") or typ.startswith("character varying"):
        return literals + [f"planted-{secrets.token_hex(6)}"]
    if typ in ("integer", "bigint", "smallint"):
        return [1, 0, 100]
    if typ in ("double precision", "real", "numeric"):
        return [0.5, 1.0, 0.0, 50.0]
    if typ == "boolean":
        return [False, True]
    # Several dates (a later and an earlier one) so a check ordering two of them (start < end) can be met.
    if typ == "date":
        return [dt.date(2026, 1, 1), dt.date(2026, 1, 8), dt.date(2025, 12, 25)]
    if typ.startswith("timestamp"):
        return [
            dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
            dt.datetime(2026, 1, 8, tzinfo=dt.timezone.utc),
            dt.datetime(2025, 12, 25, tzinfo=dt.timezone.utc),
        ]
    if typ in ("jsonb", "json"):
        return [Jsonb({})]
    if typ == "bytea":
        return [b"\x01"]
    if typ.endswith("[]"):
        return [[]]
    raise AssertionError(f"no sample value for {table.name}.{column.name} ({typ}): teach _candidates this type")


def _fresh(column: Column) -> Any:
    """A value no row has: for keys that must not collide, and for references that point nowhere (an enum
    column takes a real label: its key's other columns make the row one no one has)."""
    if column.enum_labels:
        return column.enum_labels[-1]
    if column.type == "uuid":
        return uuid.uuid4()
    if column.type in ("integer", "bigint", "smallint"):
        return 2_000_000_000 - secrets.randbelow(1_000_000)
    if column.type.startswith("timestamp"):
        return dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=secrets.randbelow(10**6))
    if column.type == "date":
        return dt.date(2100, 1, 1) + dt.timedelta(days=secrets.randbelow(1000))
    return f"fresh-{secrets.token_hex(8)}"


def _insert(conn: psycopg.Connection, table: str, values: dict[str, Any]) -> dict[str, Any]:
    query = sql.SQL("insert into {} ({}) values ({}) returning *").format(
        sql.Identifier("public", table),
        sql.SQL(", ").join(map(sql.Identifier, values)),
        sql.SQL(", ").join(sql.Placeholder() * len(values)),
    )
    cur = conn.cursor(row_factory=psycopg.rows.dict_row)
    return cur.execute(query, list(values.values())).fetchone()


def _plant(conn: psycopg.Connection, table: Table, owner_id: str | None, planted: dict) -> dict[str, Any]:
    """One row of `table` (owned by `owner_id` when the table has an owner), referencing planted rows."""
    if table.owner is not None:
        existing = (
            conn.cursor(row_factory=psycopg.rows.dict_row)
            .execute(
                sql.SQL("select * from {} where {} = %s limit 1").format(
                    sql.Identifier("public", table.name), sql.Identifier(table.owner)
                ),
                (owner_id,),
            )
            .fetchone()
        )
        if existing is not None:  # profiles: the sign-up trigger made it
            return existing
    fixed: dict[str, Any] = {}
    if table.owner is not None:
        fixed[table.owner] = owner_id
    for _, cols, ref, ref_cols in table.references:
        target = planted[(owner_id if tables_owner(planted, ref) else None, ref)]
        for col, ref_col in zip(cols, ref_cols):
            fixed.setdefault(col, target[ref_col])
    choices = {
        name: _candidates(table, c)
        for name, c in table.columns.items()
        if name not in fixed and not c.generated and c.not_null and not c.has_default
    }
    position = dict.fromkeys(choices, 0)
    for _ in range(50):
        values = {**fixed, **{name: options[position[name]] for name, options in choices.items()}}
        try:
            with conn.transaction():
                return _insert(conn, table.name, values)
        except psycopg.errors.CheckViolation as error:
            failing = [
                cols for cols, _ in table.checks if error.diag.constraint_name and any(c in choices for c in cols)
            ] or [list(choices)]
            stepped = False
            for col in failing[0]:
                if col in position and position[col] + 1 < len(choices[col]):
                    position[col] += 1
                    stepped = True
                    break
            if not stepped:
                raise
    raise AssertionError(f"could not plant a row in {table.name}")


def tables_owner(planted: dict, table: str) -> bool:
    return planted["__owned__"].get(table, False)


@dataclass
class World:
    url: str
    tables: dict[str, Table]
    a: str
    b: str
    planted: dict


@pytest.fixture(scope="module")
def world(stack) -> World:
    a = stack.create_user(f"attack-a-{uuid.uuid4().hex[:8]}@example.com").user_id
    b = stack.create_user(f"attack-b-{uuid.uuid4().hex[:8]}@example.com").user_id
    with psycopg.connect(stack.database.url) as conn:
        tables = _catalog(conn)
        planted: dict = {"__owned__": {name: t.owner is not None for name, t in tables.items()}}
        with conn.transaction():
            for table in _plant_order(tables):
                for owner in (a, b) if table.owner else (None,):
                    planted[(owner, table.name)] = _plant(conn, table, owner, planted)
    return World(stack.database.url, tables, a, b, planted)


def _as(conn: psycopg.Connection, role: str, user_id: str | None) -> None:
    claims = {"role": role, "aud": "authenticated"} | ({"sub": user_id} if user_id else {})
    conn.execute(
        "select set_config('role', %s, true), set_config('request.jwt.claims', %s, true)", (role, json.dumps(claims))
    )


@dataclass
class Outcome:
    """What one attempt did: rows affected (or read), or the error's class and constraint."""

    rows: int | None = None
    sqlstate: str | None = None
    constraint: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.sqlstate is None and bool(self.rows)

    @property
    def signature(self) -> tuple:
        return ("ok", self.rows) if self.sqlstate is None else ("error", self.sqlstate, self.constraint)


def _attempt(
    conn: psycopg.Connection, role: str, user_id: str | None, query: sql.Composable, params: list[Any]
) -> Outcome:
    try:
        with conn.transaction(force_rollback=True):
            _as(conn, role, user_id)
            cur = conn.execute(query, params)
            # A read is a count(*); a write reports the rows it touched.
            return Outcome(rows=cur.fetchone()[0] if cur.description else cur.rowcount)
    except psycopg.Error as error:
        return Outcome(sqlstate=error.sqlstate, constraint=error.diag.constraint_name)


def _where(table: Table, row: dict[str, Any]) -> tuple[sql.Composable, list[Any]]:
    key = table.primary_key or list(table.columns)
    return (sql.SQL(" and ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in key), [row[c] for c in key])


def _writable_copy(table: Table, row: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """`row` as an insert: generated columns left out, key columns not overridden made fresh."""
    keyed = {c for key in table.uniques for c in key if c != table.owner}
    referencing = {c for _, cols, _, _ in table.references for c in cols}
    values = {}
    for name, column in table.columns.items():
        if column.generated:
            continue
        value = row[name]
        if name in keyed and name not in referencing:
            value = _fresh(column)
        if isinstance(value, (dict, list)) and column.type in ("jsonb", "json"):
            value = Jsonb(value)
        values[name] = value
    values.update(overrides)
    return values


def _insert_sql(table: Table, values: dict[str, Any]) -> tuple[sql.Composable, list[Any]]:
    return (
        sql.SQL("insert into {} ({}) values ({})").format(
            sql.Identifier("public", table.name),
            sql.SQL(", ").join(map(sql.Identifier, values)),
            sql.SQL(", ").join(sql.Placeholder() * len(values)),
        ),
        list(values.values()),
    )


def _update_sql(table: Table, assignments: dict[str, Any], row: dict[str, Any]) -> tuple[sql.Composable, list[Any]]:
    where, params = _where(table, row)
    sets = sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in assignments)
    return (
        sql.SQL("update {} set {} where ").format(sql.Identifier("public", table.name), sets) + where,
        [*assignments.values(), *params],
    )


@dataclass
class Tally:
    attempts: Counter = field(default_factory=Counter)
    successes: list[str] = field(default_factory=list)
    oracles: list[str] = field(default_factory=list)

    def record(self, kind: str, label: str, outcome: Outcome) -> None:
        self.attempts[kind] += 1
        if outcome.succeeded:
            self.successes.append(f"{label}: {outcome.signature}")

    def compare(self, kind: str, label: str, against_a: Outcome, against_nothing: Outcome) -> None:
        self.record(kind, label, against_a)
        if against_a.signature != against_nothing.signature:
            self.oracles.append(f"{label}: A's row {against_a.signature} vs none {against_nothing.signature}")


ROLES = (("authenticated", "b"), ("anon", None))


def _attack(
    world: World, conn: psycopg.Connection, table: Table, role: str, attacker: str | None, tally: Tally
) -> None:
    owned = table.owner is not None
    target = world.planted[(world.a if owned else None, table.name)]
    own = world.planted.get((world.b, table.name)) if owned else None
    who = f"{role} on {table.name}"
    where, params = _where(table, target)

    # The same statement against a key no row has: its outcome must not differ from the one on A's row.
    nowhere = {**target, **{c: _fresh(table.columns[c]) for c in (table.primary_key or [])}}
    where_none, params_none = _where(table, nowhere)

    readable = role == "authenticated" and not owned and table.name in MARKET_READABLE
    count = sql.SQL("select count(*) from {} where ").format(sql.Identifier("public", table.name))
    if not readable:
        tally.compare(
            "read",
            f"{who}: read the planted row",
            _attempt(conn, role, attacker, count + where, params),
            _attempt(conn, role, attacker, count + where_none, params_none),
        )

    updatable = next(
        (
            c
            for c in table.columns
            if not table.columns[c].generated
            and conn.execute(
                "select has_column_privilege(%s, %s, %s, 'UPDATE')", (role, f"public.{table.name}", c)
            ).fetchone()[0]
        ),
        next(c for c in table.columns if not table.columns[c].generated),
    )
    tally.compare(
        "update",
        f"{who}: update the planted row",
        _attempt(conn, role, attacker, *_update_sql(table, {updatable: target[updatable]}, target)),
        _attempt(conn, role, attacker, *_update_sql(table, {updatable: target[updatable]}, nowhere)),
    )
    delete = sql.SQL("delete from {} where ").format(sql.Identifier("public", table.name))
    tally.compare(
        "delete",
        f"{who}: delete the planted row",
        _attempt(conn, role, attacker, delete + where, params),
        _attempt(conn, role, attacker, delete + where_none, params_none),
    )

    query, args = _insert_sql(table, _writable_copy(table, target))
    tally.record(
        "insert", f"{who}: insert a row {'owned by A' if owned else ''}", _attempt(conn, role, attacker, query, args)
    )
    if not owned:
        return
    query, args = _update_sql(table, {table.owner: world.a}, own)
    tally.record("move", f"{who}: hand B's row to A", _attempt(conn, role, attacker, query, args))

    for name, cols, ref, ref_cols in table.references:
        if not world.planted["__owned__"].get(ref):
            continue
        theirs = world.planted[(world.a, ref)]
        free = [(c, rc) for c, rc in zip(cols, ref_cols) if c != table.owner]
        to_a = {c: theirs[rc] for c, rc in free}
        to_none = {c: _fresh(table.columns[c]) for c, _ in free}
        label = f"{who}: attach B's row to A's {ref} through {name}"
        tally.compare(
            "attach-insert",
            label + " (insert)",
            _attempt(conn, role, attacker, *_insert_sql(table, _writable_copy(table, own, **to_a))),
            _attempt(conn, role, attacker, *_insert_sql(table, _writable_copy(table, own, **to_none))),
        )
        tally.compare(
            "attach-update",
            label + " (update)",
            _attempt(conn, role, attacker, *_update_sql(table, to_a, own)),
            _attempt(conn, role, attacker, *_update_sql(table, to_none, own)),
        )

    for key in table.uniques:
        if table.owner in key or any(table.columns[c].generated for c in key):
            continue
        label = f"{who}: reuse A's key ({', '.join(key)})"
        to_a = {c: target[c] for c in key}
        to_none = {c: _fresh(table.columns[c]) for c in key}
        tally.compare(
            "key-insert",
            label + " (insert)",
            _attempt(conn, role, attacker, *_insert_sql(table, _writable_copy(table, own, **to_a))),
            _attempt(conn, role, attacker, *_insert_sql(table, _writable_copy(table, own, **to_none))),
        )
        tally.compare(
            "key-update",
            label + " (update)",
            _attempt(conn, role, attacker, *_update_sql(table, to_a, own)),
            _attempt(conn, role, attacker, *_update_sql(table, to_none, own)),
        )


def test_no_attack_across_users_succeeds_or_reveals_a_row(world):
    tally = Tally()
    with psycopg.connect(world.url) as conn:
        for table in world.tables.values():
            for role, who in ROLES:
                _attack(world, conn, table, role, world.b if who == "b" else None, tally)
    total = sum(tally.attempts.values())
    print(
        f"\nattack matrix: {len(world.tables)} tables, {total} attempts "
        f"({dict(sorted(tally.attempts.items()))}), {len(tally.successes)} successes, "
        f"{len(tally.oracles)} revealing errors"
    )
    assert not tally.successes, "\n".join(tally.successes)
    assert not tally.oracles, "\n".join(tally.oracles)
    assert tally.attempts["attach-insert"] >= 2 * 2  # post_attributes -> posts and briefs -> requests, two roles


def test_the_planted_rows_are_there_and_b_still_reads_its_own(world):
    """The matrix attacks real rows: each planted row exists, and B's own owned rows are visible to B."""
    with psycopg.connect(world.url) as conn:
        for table in world.tables.values():
            if table.owner is None or table.name in ("platform_connections",):
                continue
            own = world.planted[(world.b, table.name)]
            where, params = _where(table, own)
            query = sql.SQL("select count(*) from {} where ").format(sql.Identifier("public", table.name)) + where
            outcome = _attempt(conn, "authenticated", world.b, query, params)
            assert outcome.sqlstate == "42501" or outcome.rows == 1, (table.name, outcome)


def test_every_reference_between_owned_tables_carries_the_owner(world):
    """Structural form of the same rule: a foreign key from an owned table to another owned table
    includes the owner column on both sides, so the database itself refuses a cross-owner reference."""
    for table in world.tables.values():
        for name, cols, ref, ref_cols in table.references:
            target = world.tables.get(ref)
            if table.owner is None or target is None or target.owner is None:
                continue
            assert (table.owner, target.owner) in zip(cols, ref_cols), f"{table.name}.{name} ignores the owner"


def test_trend_niches_are_readable_only_for_the_readers_own_niche(stack, world):
    with psycopg.connect(stack.database.url) as conn:
        with conn.transaction(force_rollback=True):
            conn.execute("update profiles set niche_keywords = %s where id = %s", (["Crochet ", "RESIN  art"], world.a))
            conn.execute("update profiles set niche_keywords = %s where id = %s", (["woodworking"], world.b))
            conn.execute(
                "insert into trend_niches (niche_key, keywords, computed_at, topics) values"
                " ('k-a', %s, now(), 3), ('k-b', %s, now(), 1) on conflict do nothing",
                (["crochet", "resin art"], ["woodworking"]),
            )
            _as(conn, "authenticated", world.a)
            visible = [r[0] for r in conn.execute("select niche_key from trend_niches order by 1")]
    assert visible == ["k-a"]


@pytest.mark.parametrize(
    "keywords",
    [
        None,
        [],
        ["  "],
        ["Crochet", "crochet ", "RESIN\tart", "resin  art"],
        ["Crème Brûlée", "épinglé"],
        ["zeta", "Alpha", "beta"],
        ["Boho  Home\nDecor"],
    ],
)
def test_the_databases_niche_normalization_matches_the_services(stack, keywords):
    from shared.services.niche import normalize_keywords

    with psycopg.connect(stack.database.url) as conn:
        in_sql = conn.execute("select public.normalized_niche_keywords(%s::text[])", (keywords,)).fetchone()[0]
    assert in_sql == normalize_keywords(keywords)


@pytest.mark.parametrize(
    "zone, accepted",
    [
        ("Europe/Paris", True),
        ("America/Argentina/Buenos_Aires", True),
        ("UTC", True),
        ("Asia/Kolkata", True),
        ("Mars/Olympus", False),
        ("Europe/Atlantis", False),
        ("Factory", False),
        ("utc+5", False),
    ],
)
def test_profile_timezone_must_be_a_real_iana_zone(world, zone, accepted):
    with psycopg.connect(world.url) as conn:
        outcome = _attempt(
            conn, "authenticated", world.b, sql.SQL("update profiles set timezone = %s where id = %s"), [zone, world.b]
        )
    assert (outcome.sqlstate is None and outcome.rows == 1) if accepted else outcome.sqlstate == "23514"
