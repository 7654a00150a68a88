"""A real IMAP server for the tests: Debian's dovecot (package dovecot-imapd), started with a
private configuration on a free port, speaking IMAPS with a self-signed certificate made by
openssl, one passwd-file user and a Maildir in a temporary folder.

Run as root (containers), dovecot refuses mail users with uid 0, so the Maildir then belongs to
`nobody`; run as anyone else, every dovecot process runs as that user.
"""
import imaplib
import os
import pwd
import shutil
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


@dataclass
class ImapServer:
    host: str
    port: int
    username: str
    password: str
    cafile: str

    def ssl_context(self):
        return ssl.create_default_context(cafile=self.cafile)

    def connect(self):
        conn = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=self.ssl_context(), timeout=10)
        conn.login(self.username, self.password)
        return conn

    def append(self, raw, folder="INBOX"):
        conn = self.connect()
        try:
            typ, data = conn.append(f'"{folder}"', None, None, raw)
            assert typ == "OK", data
        finally:
            conn.logout()

    def messages(self, folder="INBOX"):
        """[(flags, raw bytes)] of every mail in `folder` ([] when it does not exist)."""
        folder = folder.replace("/", ".")  # dovecot's Maildir separator
        conn = self.connect()
        try:
            typ, _ = conn.select(f'"{folder}"', readonly=True)
            if typ != "OK":
                return []
            _, data = conn.uid("SEARCH", None, "ALL")
            found = []
            for uid in (data[0] or b"").split():
                _, parts = conn.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
                head, raw = next(p for p in parts if isinstance(p, tuple))
                found.append((head.decode(), raw))
            return found
        finally:
            conn.logout()


def _certificate(folder):
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return key, cert


CONFIG = """\
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
auth_mechanisms = plain
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 1
mail_location = maildir:{mail}/Maildir
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  chroot =
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {folder}/passwd
}}
"""


@pytest.fixture
def imap_server(free_port):
    """A running dovecot with user bounces@shop.example; yields an ImapServer."""
    if not os.path.exists(DOVECOT):
        pytest.fail("dovecot is not installed: apt-get install -y dovecot-imapd")
    # Everything under a fresh folder in /tmp that dovecot's unprivileged processes can reach
    # (pytest's tmp_path is private to its user).
    folder = Path(tempfile.mkdtemp(prefix="chapar-dovecot-"))
    os.chmod(folder, 0o755)
    for sub in ("run", "state"):
        (folder / sub).mkdir()
    key, cert = _certificate(folder)
    me = pwd.getpwuid(os.getuid())
    if os.getuid() == 0:
        mail_user = pwd.getpwnam("nobody")
        internal, login = "dovecot", "dovenull"
        internal_group = "dovecot"
    else:
        mail_user, internal, login, internal_group = me, me.pw_name, me.pw_name, me.pw_name
        import grp

        internal_group = grp.getgrgid(me.pw_gid).gr_name
    # The Maildir's parents must be reachable by the mail user: a fresh folder under /tmp.
    mail = Path(tempfile.mkdtemp(prefix="chapar-imap-"))
    os.chmod(mail, 0o755)
    os.chown(mail, mail_user.pw_uid, mail_user.pw_gid) if os.getuid() == 0 else None
    username, password = "bounces@shop.example", "imap-test-password"
    (folder / "passwd").write_text(
        f"{username}:{{PLAIN}}{password}:{mail_user.pw_uid}:{mail_user.pw_gid}::{mail}::\n")
    port = free_port()
    config = folder / "dovecot.conf"
    config.write_text(CONFIG.format(folder=folder, cert=cert, key=key, internal_user=internal,
                                    internal_group=internal_group, login_user=login, mail=mail, port=port))
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    server = ImapServer("127.0.0.1", port, username, password, str(cert))
    deadline = time.monotonic() + 15
    while True:
        try:
            server.connect().logout()
            break
        except (OSError, imaplib.IMAP4.error) as exc:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log = (folder / "dovecot.log").read_text() if (folder / "dovecot.log").exists() else ""
                pytest.fail(f"dovecot did not start ({exc}): {process.stdout.read()}\n{log[-3000:]}")
            time.sleep(0.1)
    yield server
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    shutil.rmtree(mail, ignore_errors=True)
    shutil.rmtree(folder, ignore_errors=True)
