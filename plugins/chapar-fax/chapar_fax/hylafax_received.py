"""chapar-fax-hylafax-received: hand a fax HylaFAX received to Chapar.

HylaFAX runs bin/faxrcvd for every received fax, which sources etc/FaxDispatch in the spool
folder with $FILE (recvq/faxNNNNN.tif), $SENDER (the remote station id), $CIDNUMBER (the
caller's number, when the line gives one) and $COMMID set. Add to etc/FaxDispatch:

    /usr/local/bin/chapar-fax-hylafax-received --url "$CHAPAR_FAX_URL" \\
        --sender "${CIDNUMBER:-$SENDER}" --commid "$COMMID" "$FILE"

with CHAPAR_FAX_URL the line's "received" address from its page in Chapar (it holds the line's
secret: keep FaxDispatch readable by the fax user only). The TIFF is posted as multipart form
data; the command prints Chapar's answer and exits 0 when the fax was kept, 1 when Chapar refused
it (the reason is printed), 2 when Chapar could not be reached (faxrcvd's email to FaxMaster still
goes out, so no fax is lost). It needs only the standard library and nothing of Chapar's setup.
"""
import argparse
import http.client
import os
import secrets
import sys
import urllib.error
import urllib.request
from urllib.parse import urlsplit

MAX_BYTES = 20 * 1024 * 1024  # the size chapar_fax.tiff accepts
TIMEOUT = 60


def multipart(fields, file_field, filename, data):
    """(body, content type) of a multipart/form-data request."""
    boundary = "chapar-" + secrets.token_hex(16)
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
                 "Content-Type: image/tiff\r\n\r\n".encode())
    parts.append(data)
    parts.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _field(value):
    """A form value without line breaks or quotes (they would end the part's header)."""
    return "".join(c for c in str(value or "") if c.isprintable() and c != '"')[:320]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are not followed: urllib would repeat the POST as a GET without the fax, and the
    page it lands on (a sign-in page: 200) would pass for Chapar having kept it."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def post(url, tiff_path, sender="", commid="", timeout=TIMEOUT):
    """Post the fax at `tiff_path`; (HTTP status, Chapar's answer). Raises OSError when Chapar
    cannot be reached, ValueError for a bad URL or file."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError("the URL must start with http:// or https://")
    try:
        with open(tiff_path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ValueError(f"{tiff_path} cannot be read: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise ValueError(f"{tiff_path} is larger than Chapar takes ({MAX_BYTES} bytes)")
    body, content_type = multipart({"sender": _field(sender), "commid": _field(commid)}, "fax",
                                   _field(os.path.basename(tiff_path)), data)
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=timeout) as response:
            return response.status, response.read(2000).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:
            return exc.code, f"redirected to {exc.headers.get('Location', '?')}: put that address in --url"
        return exc.code, exc.read(2000).decode("utf-8", "replace")
    except (urllib.error.URLError, http.client.HTTPException) as exc:
        raise OSError(f"Chapar cannot be reached: {getattr(exc, 'reason', exc)}") from None


def main(argv=None):
    parser = argparse.ArgumentParser(prog="chapar-fax-hylafax-received",
                                     description="Post a fax HylaFAX received to a Chapar fax line.")
    parser.add_argument("--url", required=True, help="the line's \"received\" address, with its secret")
    parser.add_argument("--sender", default="", help="the caller's number or the remote station id")
    parser.add_argument("--commid", default="", help="HylaFAX's communication id ($COMMID)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT)
    parser.add_argument("tiff", help="the received TIFF ($FILE)")
    args = parser.parse_args(argv)
    try:
        status, answer = post(args.url, args.tiff, args.sender, args.commid, args.timeout)
    except ValueError as exc:
        print(f"chapar-fax-hylafax-received: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"chapar-fax-hylafax-received: {exc}", file=sys.stderr)
        return 2
    print(f"{status} {answer.strip()}")
    if status == 200:
        return 0
    return 2 if status >= 500 or status == 429 else 1


if __name__ == "__main__":
    sys.exit(main())
