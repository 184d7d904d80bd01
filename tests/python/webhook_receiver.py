"""An incoming-webhook stand-in for tests: an HTTP server on 127.0.0.1 that records every
POST body (Slack and Teams webhooks both receive JSON) and answers as the real service does:
Slack with 200 "ok", a Teams (Workflows) webhook with 202 and no body. The answer matters:
edr takes a Teams answer of 200 with more than one character of text for a refusal."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class WebhookReceiver:
    def __init__(self, kind: str = "slack") -> None:
        if kind not in ("slack", "teams"):
            raise ValueError(f"kind must be 'slack' or 'teams', not {kind!r}")
        self.messages: list[dict] = []
        received = self.messages
        status, reply = (200, b"ok") if kind == "slack" else (202, b"")

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    received.append(json.loads(body))
                except ValueError:
                    received.append({"raw": body.decode(errors="replace")})
                self.send_response(status)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def text(self) -> str:
        """Every received message as one JSON text, for `in` checks."""
        return "\n".join(json.dumps(message) for message in self.messages)
