"""Local stand-ins for the two token issuers the deployed system trusts.

- Google: RS256 ID tokens (`iss` https://accounts.google.com, `aud`, `email`, `email_verified`) as
  Scheduler, Cloud Tasks and API Gateway mint them, verified through an x509 certs document in the
  format of https://www.googleapis.com/oauth2/v1/certs (what `CRON_OIDC_CERTS_URL` points at here).
- Supabase Auth: the local stack's ES256 signing key and JWKS at `{SUPABASE_URL}/auth/v1/.well-known/jwks.json`.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import flask
import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from werkzeug.serving import make_server

from scripts.localstack.identity import SigningKey

GOOGLE_ISSUER = "https://accounts.google.com"
CERTS_PATH = "/oauth2/v1/certs"
JWKS_PATH = "/auth/v1/.well-known/jwks.json"


@dataclass
class GoogleKey:
    """An RSA key with a self-signed certificate, as Google publishes its token-signing keys."""

    kid: str = field(default_factory=lambda: uuid.uuid4().hex)
    key: Any = field(default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))

    def certificate_pem(self) -> str:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rehearsal.googleusercontent.com")])
        # Verifiers check token expiry against real time, so keys and tokens live in real time too.
        now = dt.datetime.fromtimestamp(time.time(), dt.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .sign(self.key, hashes.SHA256())
        )
        return cert.public_bytes(serialization.Encoding.PEM).decode()

    def id_token(self, email: str, audience: str, ttl_s: int = 3600) -> str:
        issued = int(time.time())
        claims = {
            "iss": GOOGLE_ISSUER,
            "aud": audience,
            "azp": email,
            "email": email,
            "email_verified": True,
            "sub": str(abs(hash(email)) % 10**21),
            "iat": issued,
            "exp": issued + ttl_s,
        }
        pem = self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": self.kid})

    def verify(self, token: str, audiences: tuple[str, ...]) -> dict[str, Any]:
        """What the gateway checks on a secured route: signature, issuer, expiry, one of the audiences."""
        return jwt.decode(
            token,
            self.key.public_key(),
            algorithms=["RS256"],
            audience=list(audiences),
            issuer=GOOGLE_ISSUER,
            options={"require": ["exp", "aud", "iss"]},
        )


class IdentityServer:
    """Serves Google's certs and Supabase's JWKS on one local port (a background thread)."""

    def __init__(self, google: GoogleKey, supabase: SigningKey, host: str = "127.0.0.1"):
        app = flask.Flask("identity")
        certs = {google.kid: google.certificate_pem()}
        app.add_url_rule(CERTS_PATH, "certs", lambda: flask.jsonify(certs))
        app.add_url_rule(JWKS_PATH, "jwks", lambda: flask.jsonify(supabase.jwks()))
        self._server = make_server(host, 0, app, threaded=True)
        self.base_url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="identity", daemon=True)
        self._thread.start()

    @property
    def certs_url(self) -> str:
        return f"{self.base_url}{CERTS_PATH}"

    def stop(self) -> None:
        self._server.shutdown()
