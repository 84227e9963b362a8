"""Re-encrypt every stored token under the newest key of TOKEN_KEYS (the middle step of a key rotation).

    uv run python -m scripts.reencrypt_tokens [--batch-size 200]

Covers platform_connections.access_token / refresh_token and oauth_states.code_verifier /
authorization_code (a code awaiting completion, minutes old). Idempotent:
blobs already under the newest key are left alone, so it can be re-run after an interruption. Each
row is written only if its blob is unchanged since it was read (a refresh that raced us already wrote
under the newest key). Prints counts, never values.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Any

from shared.config import get_settings
from shared.db import service_transaction
from shared.vault import TokenDecryptError, TokenVault

# table → (key column, vault-blob columns); both tables carry user_id and platform for the AAD.
_TABLES = {
    "platform_connections": ("id", ("access_token", "refresh_token")),
    "oauth_states": ("nonce", ("code_verifier", "authorization_code")),
}


@dataclass
class Counts:
    examined: int = 0
    reencrypted: int = 0
    current: int = 0
    failed: int = 0
    by_column: dict[str, int] = field(default_factory=dict)


def reencrypt_table(vault: TokenVault, table: str, *, batch_size: int = 200) -> Counts:
    """Re-encrypt one table's blobs in keyset-paginated batches, one transaction per batch."""
    key, columns = _TABLES[table]
    counts, last = Counts(), ""
    while True:
        with service_transaction() as conn:
            rows = conn.execute(
                f"select {key}::text as key, user_id::text as user_id, platform::text as platform, "
                f"{', '.join(columns)} from {table} where {key}::text > %s order by {key}::text limit %s",
                (last, batch_size),
            ).fetchall()
            for row in rows:
                counts.examined += 1
                _reencrypt_row(conn, vault, table, key, columns, row, counts)
        if len(rows) < batch_size:
            return counts
        last = rows[-1]["key"]


def _reencrypt_row(
    conn: Any, vault: TokenVault, table: str, key: str, columns: tuple[str, ...], row: dict[str, Any], counts: Counts
) -> None:
    for column in columns:
        blob = row[column]
        if blob is None:
            continue
        blob = bytes(blob)
        try:
            if not vault.needs_reencrypt(blob):
                counts.current += 1
                continue
            plaintext = vault.decrypt(blob, user_id=row["user_id"], platform=row["platform"], column=column)
        except TokenDecryptError:
            counts.failed += 1
            continue
        sealed = vault.encrypt(plaintext, user_id=row["user_id"], platform=row["platform"], column=column)
        updated = conn.execute(
            f"update {table} set {column} = %s where {key}::text = %s and {column} = %s", (sealed, row["key"], blob)
        ).rowcount
        counts.reencrypted += updated
        counts.by_column[column] = counts.by_column.get(column, 0) + updated


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=200)
    args = parser.parse_args(argv)
    vault = TokenVault.from_settings(get_settings())
    failed = 0
    for table in _TABLES:
        counts = reencrypt_table(vault, table, batch_size=args.batch_size)
        failed += counts.failed
        print(
            f"{table}: examined {counts.examined} rows, re-encrypted {counts.reencrypted} blobs "
            f"{dict(sorted(counts.by_column.items()))}, already current {counts.current}, "
            f"undecryptable {counts.failed} (key {vault.current_kid})"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
