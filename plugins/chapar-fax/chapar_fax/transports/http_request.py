"""One HTTP request to a fax API, and the multipart/form-data body that carries a fax file.

A fax upload is a few hundred kilobytes once in a while, so each request gets its own connection:
nothing to keep alive, nothing stale. Errors say what happened to the request: NotReached (nothing
was sent: safe to send again), TimeoutError (no answer in time: the API may have it), another
OSError (the connection broke after the request went out).
"""
import http.client
import secrets
import socket
import threading
from urllib.parse import urlsplit

from chapar import header_escape

MAX_ANSWER_BYTES = 1024 * 1024  # of an API's answer; a flood is cut off
DEADLINE_TIMEOUTS = 3  # the whole exchange (upload and answer) may take this many timeouts


class NotReached(ConnectionError):
    """The API could not be reached: the request never went out."""


def multipart(fields, files):
    """(content type, body bytes) of a multipart/form-data upload. `fields`: [(name, text)];
    `files`: [(field name, file name, content type, bytes)]."""
    boundary = "chapar-" + secrets.token_hex(16)  # random: no value can contain it by chance or malice
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"\r\n\r\n'.encode()
                     + str(value).encode() + b"\r\n")
    for name, filename, content_type, data in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"; '
                     f'filename="{_quoted(filename)}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
                     + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def _quoted(text):
    return header_escape(str(text)).replace("\\", "\\\\").replace('"', '\\"')


def request(method, url, headers, body, timeout):
    """(status, reason, headers, body bytes) of one request; see the module's errors."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError as exc:
        raise NotReached(f"not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NotReached(f"not an http(s) URL: {url[:100]}")
    for name, value in headers.items():
        try:
            value.encode("latin-1")  # what http.client sends; it would fail half-way through the request
        except UnicodeEncodeError:
            raise NotReached(f"header {name} holds characters HTTP headers cannot carry") from None
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = cls(parts.hostname, port, timeout=timeout)
    try:
        try:
            conn.connect()
        except OSError as exc:
            raise NotReached(f"{parts.netloc}: {exc or type(exc).__name__}") from None
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        # `timeout` bounds each wait on the socket; an API that answers a byte at a time never
        # lets one run out, so the whole exchange has a deadline too, which cuts the connection.
        expired = threading.Event()
        watchdog = threading.Timer(timeout * DEADLINE_TIMEOUTS, _cut, (conn, expired))
        watchdog.daemon = True
        watchdog.start()
        try:
            conn.request(method, target, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read(MAX_ANSWER_BYTES)
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            if isinstance(exc, TimeoutError) or expired.is_set():  # socket.timeout is TimeoutError
                raise TimeoutError(f"{parts.netloc}: no answer within {timeout:g} s") from None
            raise OSError(f"{parts.netloc}: connection lost: {exc or type(exc).__name__}") from None
        finally:
            watchdog.cancel()
        if expired.is_set():  # cut just as the last byte came: what came may be cut short
            raise TimeoutError(f"{parts.netloc}: no answer within {timeout:g} s")
        return answer.status, answer.reason, answer.headers, data
    finally:
        conn.close()


def _cut(conn, expired):
    """The deadline passed: end the connection, so the read waiting on it returns."""
    expired.set()
    try:
        conn.sock.shutdown(socket.SHUT_RDWR)
    except (OSError, AttributeError):
        pass
