"""A typical fax service's JSON API on a free local port, for the HTTP fax transport's tests.

POST /v1/faxes (multipart/form-data, `Authorization: Bearer <key>`): answers 201
{"id": "fax_N", "status": "queued"} and keeps the upload (fields, file name, type, bytes) in
`uploads`; 401 {"error": "invalid api key"} without the key. GET /v1/faxes/<id>: the job as
`jobs[id]` says ({"id", "status", "error", "pages"}), 404 for an id it never gave. HEAD /: 200.
`fail_next(status, body, headers)` makes the next uploads fail; `stall_next()` makes the next
upload wait unanswered until `release()` (the client's timeout ends it first). Fixtures `fax_api`
(one per module) and `api` (reset for each test): `from http_fax_server import api, fax_api`.
"""
import email
import email.policy
import itertools
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from chapar_process import free_port


@pytest.fixture(scope="module")
def fax_api():
    """One fax API for a test module (import it with `api`)."""
    server = FaxApiServer().start()
    yield server
    server.stop()


@pytest.fixture
def api(fax_api):
    """The module's fax API, with no uploads, jobs or failures left from the last test."""
    fax_api.reset()
    return fax_api


class FaxApiServer:
    def __init__(self, api_key="fax-key"):
        self.api_key = api_key
        self.uploads = []
        self.jobs = {}
        self.polled = []
        self._failures = []
        self._stalls = 0
        self._released = threading.Event()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
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
        self.release()
        self.httpd.shutdown()
        self.httpd.server_close()

    def reset(self):
        with self._lock:
            self.uploads.clear()
            self.jobs.clear()
            self.polled.clear()
            self._failures.clear()
            self._stalls = 0
            self._ids = itertools.count(1)
        self._released.set()  # a request still held by the last test is let go
        self._released = threading.Event()

    def fail_next(self, status, body=None, headers=None, times=1):
        """The next `times` uploads answer `status` with `body` (a dict is sent as JSON)."""
        with self._lock:
            self._failures += [(status, body if body is not None else {"error": "failed"}, headers or {})] * times

    def stall_next(self):
        with self._lock:
            self._stalls += 1

    def release(self):
        self._released.set()

    def _upload(self, handler, body):
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
            stalled = failure is None and self._stalls > 0
            self._stalls -= stalled
        if stalled:
            self._released.wait()
            return None
        if failure:
            return failure
        if handler.headers.get("Authorization", "") != f"Bearer {self.api_key}":
            return 401, {"error": "invalid api key"}, {}
        parsed = email.message_from_bytes(f"Content-Type: {handler.headers['Content-Type']}\r\n\r\n".encode() + body,
                                          policy=email.policy.default)
        fields, files = {}, {}
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if part.get_filename():
                files[name] = {"filename": part.get_filename(), "type": part.get_content_type(),
                               "data": part.get_payload(decode=True)}
            else:
                fields[name] = part.get_content().strip() if part.get_content_type() == "text/plain" else ""
        job_id = f"fax_{next(self._ids)}"
        with self._lock:
            self.uploads.append({"id": job_id, "fields": fields, "files": files,
                                 "headers": dict(handler.headers.items())})
            self.jobs[job_id] = {"id": job_id, "status": "queued"}
        return 201, {"id": job_id, "status": "queued"}, {}

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _reply(self, status, body, headers=None):
                data = json.dumps(body).encode() if isinstance(body, (dict, list)) else str(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def do_HEAD(self):
                self._reply(200, "")

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path != "/v1/faxes":
                    return self._reply(404, {"error": "not found"})
                answer = server._upload(self, body)
                if answer is None:
                    self.close_connection = True
                    return None
                return self._reply(*answer)

            def do_GET(self):
                found = re.fullmatch(r"/v1/faxes/([\w-]+)", self.path)
                with server._lock:
                    job = dict(server.jobs.get(found.group(1)) or {}) if found else None
                    if found:
                        server.polled.append(found.group(1))
                if not job:
                    return self._reply(404, {"error": "no such fax"})
                if self.headers.get("Authorization", "") != f"Bearer {server.api_key}":
                    return self._reply(401, {"error": "invalid api key"})
                return self._reply(200, job)

        return Handler
