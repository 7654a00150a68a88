"""A bulk-SMS provider's JSON API on a free local port, for the generic HTTP gateway's tests.

POST /api/send (JSON or form) or GET /api/send?…: answers {"status": "ok", "data": {"id": "abcN"}} when
the request carries the key (`Authorization: Bearer <key>` or an `apikey` parameter), 401 with
{"status": "error", "message": "invalid api key"} otherwise. `fail_next(status, body, headers)` makes
the next answers fail (429 with Retry-After, 500 …; None hangs up without answering). GET /api/balance
answers the balance. Every request is recorded, parsed.
"""
import itertools
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from chapar_process import free_port


class Recorded(dict):
    """One request: method, path, query, headers, body (text), `fields` (query, form and JSON merged)
    and the status it was answered; each also an attribute."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class GatewayServer:
    def __init__(self, api_key="secret-key"):
        self.api_key = api_key
        self.requests = []
        self._failures = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.connections = 0  # TCP connections accepted (keep-alive reuses them)
        self._sockets = []
        self.port = free_port()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def fail_next(self, status, body=None, headers=None, times=1):
        """The next `times` send requests answer `status` with `body` (a dict is sent as JSON)."""
        with self._lock:
            self._failures += [(status, body if body is not None else {"status": "error"}, headers or {})] * times

    def hang_up_idle(self):
        """Close every open connection, as a provider does with idle kept-alive ones."""
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def sent(self):
        """The recorded send requests that were accepted, in order."""
        return [r for r in self.requests if r["path"] == "/api/send" and r["answer"] == 200]

    def _answer(self, record):
        with self._lock:
            if record["path"] == "/api/send" and self._failures:
                return self._failures.pop(0)
        key = record["fields"].get("apikey") or record["headers"].get("Authorization", "").removeprefix("Bearer ")
        if key != self.api_key:
            return 401, {"status": "error", "message": "invalid api key"}, {}
        if record["path"] == "/api/balance":
            return 200, {"status": "ok", "balance": 1000}, {}
        if record["path"] != "/api/send":
            return 404, {"status": "error", "message": "no such endpoint"}, {}
        if not record["fields"].get("to"):
            return 400, {"status": "error", "message": "missing recipient 'to'"}, {}
        return 200, {"status": "ok", "data": {"id": f"abc{next(self._ids)}"}}, {}

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real providers

            def setup(self):
                super().setup()
                with server._lock:
                    server.connections += 1
                    server._sockets.append(self.request)

            def log_message(self, *args):
                pass

            def _handle(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8") if length else ""
                fields = {k: v[0] for k, v in parse_qs(parts.query).items()}
                kind = self.headers.get("Content-Type", "")
                broken = False
                if body and kind.startswith("application/json"):
                    try:
                        parsed = json.loads(body)
                    except ValueError:
                        parsed, broken = {}, True
                    fields.update(parsed if isinstance(parsed, dict) else {})
                elif body:
                    fields.update({k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()})
                record = Recorded(method=self.command, path=parts.path, query=parts.query, body=body,
                                  headers=dict(self.headers.items()), fields=fields)
                status, answer, headers = ((400, {"status": "error", "message": "invalid JSON"}, {}) if broken
                                           else server._answer(record))
                record["answer"] = status
                server.requests.append(record)
                if status is None:  # hang up without answering, as a crashing gateway does
                    self.close_connection = True
                    return
                data = (json.dumps(answer) if isinstance(answer, dict) else str(answer)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_HEAD = _handle

        return Handler
