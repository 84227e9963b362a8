"""What a Realtime subscriber would receive: the publication's logical replication stream, read through a
pgoutput slot (the plugin Supabase Realtime reads with) and decoded (protocol version 1).

pgoutput applies the publication itself (its tables, column lists and row filters), so the decoded rows
are exactly what leaves the database for Realtime, before Realtime's per-subscriber RLS check.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg

PUBLICATION = "supabase_realtime"


@dataclass(frozen=True)
class Change:
    table: str
    op: str  # INSERT | UPDATE | DELETE
    row: dict[str, str | None]  # the new row; for a DELETE, the old row (as much as the replica identity gives)
    old: dict[str, str | None] | None  # UPDATE: the old row when the replica identity is full


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, fmt: str) -> Any:
        (value,) = struct.unpack_from("!" + fmt, self.data, self.at)
        self.at += struct.calcsize("!" + fmt)
        return value

    def string(self) -> str:
        end = self.data.index(b"\0", self.at)
        text = self.data[self.at : end].decode()
        self.at = end + 1
        return text

    def tuple(self, columns: list[str]) -> dict[str, str | None]:
        values: dict[str, str | None] = {}
        for name in columns[: self.take("h")]:
            kind = self.take("c")
            if kind == b"t":
                length = self.take("i")
                values[name] = self.data[self.at : self.at + length].decode()
                self.at += length
            elif kind == b"n":
                values[name] = None
            # b"u": an unchanged TOASTed value is not sent
        return values


def decode(messages: list[bytes]) -> list[Change]:
    """pgoutput messages in order → the row changes they carry."""
    relations: dict[int, tuple[str, list[str]]] = {}
    changes: list[Change] = []
    for message in messages:
        reader = _Reader(message)
        kind = reader.take("c")
        if kind == b"R":
            relid, _schema, name = reader.take("I"), reader.string(), reader.string()
            reader.take("c")  # replica identity
            columns = []
            for _ in range(reader.take("h")):
                reader.take("b")
                columns.append(reader.string())
                reader.take("i"), reader.take("i")
            relations[relid] = (name, columns)
        elif kind in (b"I", b"U", b"D"):
            name, columns = relations[reader.take("I")]
            marker, old = reader.take("c"), None
            if kind == b"U" and marker in (b"K", b"O"):
                old = reader.tuple(columns)
                marker = reader.take("c")
            row = reader.tuple(columns)
            op = {b"I": "INSERT", b"U": "UPDATE", b"D": "DELETE"}[kind]
            changes.append(Change(name, op, row, old))
        elif kind == b"T":
            raise AssertionError("a TRUNCATE reached the publication")
    return changes


@contextmanager
def replication_slot(database_url: str) -> Iterator[Any]:
    """A temporary pgoutput slot on the publication; yields `read()` → the changes since the last read."""
    slot = f"realtime_probe_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("select pg_create_logical_replication_slot(%s, 'pgoutput')", (slot,))

        def read() -> list[Change]:
            rows = conn.execute(
                "select data from pg_logical_slot_get_binary_changes(%s, null, null, "
                "'proto_version', '1', 'publication_names', %s)",
                (slot, PUBLICATION),
            ).fetchall()
            return decode([bytes(row[0]) for row in rows])

        try:
            yield read
        finally:
            conn.execute("select pg_drop_replication_slot(%s)", (slot,))
