"""A local stand-in for the Cloud Tasks API: the REST `tasks.create` the fetch cron calls, then dispatch.

It accepts only the planned queue, requires an OIDC token request naming the tasks account, refuses a
task name it has seen (ALREADY_EXISTS, like the queue's de-duplication), and delivers each task as
Cloud Tasks does: an HTTP request to the task's URL with its body, headers and a Google ID token for
the task's service account and audience; a non-2xx answer is retried up to the queue's max attempts.
"""

from __future__ import annotations

import base64
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import flask
import httpx
from werkzeug.serving import make_server

from scripts.rehearsal.identity import GoogleKey

# google-cloud-tasks' REST transport sends enums as integers (tasks_v2.HttpMethod).
HTTP_METHODS = {1: "POST", 2: "GET", 3: "HEAD", 4: "PUT", 5: "DELETE", 6: "PATCH", 7: "OPTIONS"}


@dataclass
class Delivery:
    """One task and what its attempts got back."""

    name: str
    url: str
    statuses: list[int] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return bool(self.statuses) and 200 <= self.statuses[-1] < 300


class TasksStandIn:
    """The REST endpoint on a background thread, plus a small dispatcher pool (max concurrent dispatches)."""

    def __init__(
        self,
        queue_path: str,
        service_account: str,
        google: GoogleKey,
        max_attempts: int = 5,
        max_concurrent: int = 10,
        host: str = "127.0.0.1",
    ):
        self.queue_path, self.service_account, self.google = queue_path, service_account, google
        self.max_attempts = max_attempts
        self.deliveries: dict[str, Delivery] = {}
        self.refused: list[str] = []
        self._pending = 0
        self._idle = threading.Condition()
        self._pool = ThreadPoolExecutor(max_workers=max_concurrent, thread_name_prefix="task")
        app = flask.Flask("tasks")
        app.add_url_rule("/v2/<path:parent>/tasks", "create", self._create, methods=["POST"])
        self._server = make_server(host, 0, app, threaded=True)
        self.base_url = f"http://{host}:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, name="tasks-api", daemon=True).start()

    def _error(self, status: int, code: str, message: str) -> flask.Response:
        self.refused.append(message)
        return flask.Response(
            json.dumps({"error": {"code": status, "status": code, "message": message}}),
            status=status,
            content_type="application/json",
        )

    def _create(self, parent: str) -> Any:
        body = flask.request.get_json(force=True)
        task = body.get("task", {})
        http = task.get("httpRequest", {})
        oidc = http.get("oidcToken", {})
        if parent != self.queue_path:
            return self._error(404, "NOT_FOUND", f"queue {parent} does not exist")
        if oidc.get("serviceAccountEmail") != self.service_account or not oidc.get("audience"):
            return self._error(403, "PERMISSION_DENIED", "task must carry an OIDC token of the tasks account")
        name = task.get("name") or f"{parent}/tasks/{len(self.deliveries)}"
        if not name.startswith(f"{parent}/tasks/"):
            return self._error(400, "INVALID_ARGUMENT", f"task name {name} is not in {parent}")
        with self._idle:
            if name in self.deliveries:
                return self._error(409, "ALREADY_EXISTS", f"task {name} already exists")
            self.deliveries[name] = Delivery(name, http["url"])
            self._pending += 1
        self._pool.submit(self._dispatch, name, http, oidc)
        return flask.jsonify({**task, "name": name, "dispatchCount": 0})

    def _dispatch(self, name: str, http: dict[str, Any], oidc: dict[str, Any]) -> None:
        delivery = self.deliveries[name]
        try:
            for _ in range(self.max_attempts):
                token = self.google.id_token(oidc["serviceAccountEmail"], oidc["audience"])
                headers = {**http.get("headers", {}), "Authorization": f"Bearer {token}"}
                body = base64.b64decode(http.get("body", ""))
                try:
                    given = http.get("httpMethod")
                    method = HTTP_METHODS.get(given, "POST") if isinstance(given, int) else str(given or "POST")
                    status = httpx.request(method, http["url"], headers=headers, content=body, timeout=300).status_code
                except httpx.HTTPError:
                    status = 599
                delivery.statuses.append(status)
                if 200 <= status < 300:
                    break
        finally:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until every created task has been delivered (or given up on); False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout_s)

    def stop(self) -> None:
        self._server.shutdown()
        self._pool.shutdown(wait=False, cancel_futures=True)
