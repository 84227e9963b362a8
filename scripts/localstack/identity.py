"""Local stand-in for Supabase Auth: users in `auth.users` and JWTs signed as Supabase signs them.

Tokens are ES256 with a `kid`, verified through the JWKS the gateway serves at
`{SUPABASE_URL}/auth/v1/.well-known/jwks.json`, exactly like a project using signing keys.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import psycopg
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


@dataclass
class SigningKey:
    """An ES256 key pair with its key id."""

    kid: str
    private_pem: bytes

    @classmethod
    def generate(cls) -> SigningKey:
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return cls(kid=uuid.uuid4().hex[:16], private_pem=pem)

    @classmethod
    def load_or_create(cls, path: Path) -> SigningKey:
        if path.exists():
            data = json.loads(path.read_text())
            return cls(kid=data["kid"], private_pem=data["pem"].encode())
        key = cls.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"kid": key.kid, "pem": key.private_pem.decode()}))
        path.chmod(0o600)
        return key

    def jwks(self) -> dict[str, Any]:
        """The public half as a JWK set."""
        private = serialization.load_pem_private_key(self.private_pem, password=None)
        assert isinstance(private, ec.EllipticCurvePrivateKey), "an ES256 key"
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "alg": "ES256", "use": "sig", "key_ops": ["verify"]}]}


def create_user(database_url: str, email: str, name: str | None = None) -> str:
    """Insert a user into auth.users (the profile follows by trigger); returns its id. Idempotent by email."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute("select id from auth.users where email = %s", (email,)).fetchone()
        if row:
            return str(row[0])
        user_id = str(uuid.uuid4())
        conn.execute(
            "insert into auth.users (id, aud, role, email, raw_user_meta_data) values (%s, 'authenticated',"
            " 'authenticated', %s, %s)",
            (user_id, email, json.dumps({"name": name or email.split("@")[0]})),
        )
        return user_id


def mint_token(
    key: SigningKey,
    *,
    user_id: str,
    email: str,
    issuer: str,
    audience: str = "authenticated",
    ttl_s: int = 3600,
    role: str = "authenticated",
    now: float | None = None,
) -> str:
    """A user access token with the claims Supabase Auth puts in one."""
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": issuer,
        "sub": user_id,
        "aud": audience,
        "exp": issued + ttl_s,
        "iat": issued,
        "email": email,
        "phone": "",
        "role": role,
        "aal": "aal1",
        "is_anonymous": False,
        "session_id": str(uuid.uuid4()),
        "app_metadata": {"provider": "email"},
        "user_metadata": {},
    }
    return jwt.encode(claims, key.private_pem, algorithm="ES256", headers={"kid": key.kid})
