"""The email as a mailbox provider sees it: headers per RFC 5322 / 2047 / 2369 / 8058, a
Message-ID naming the message, multipart/alternative with a text part made from the HTML, the
default layout right-to-left in Persian, inlined CSS, IDN addresses, attachments, DKIM."""
import dataclasses
import email
import email.policy
import re
import subprocess
import threading
from email.utils import parsedate_to_datetime

import dkim
import pytest
from chapar import OutgoingMessage
from chapar_email import verp
from chapar_email.identities import SenderIdentity
from chapar_email.mime import MAX_ATTACHMENTS_BYTES, MessageTooLarge, build, message_id
from flask import Flask

ONE_CLICK = "https://chapar.example/u/TOKEN/one-click"
MAILTO = "mailto:unsubscribe+TOKEN@shop.example?subject=unsubscribe"
PAGE = "https://chapar.example/u/TOKEN"
DOMAIN = "فروشگاه.ایران".encode("idna").decode()  # xn--….xn--mgba3a4f16a


@pytest.fixture(autouse=True)
def app_context():
    """The app's secret key signs the Message-ID, as in the worker."""
    app = Flask(__name__)
    app.secret_key = "a test secret key"
    with app.app_context():
        yield


def identity(**fields):
    return SenderIdentity(id=1, name="Shop", host="h", from_name="فروشگاه چاپار", from_address="news@فروشگاه.ایران",
                          reply_to="help@shop.example", **fields)


def message(html="<h1>سلام علی</h1><p>حراج <a href=\"https://shop.example/sale\">بهاره</a> شروع شد.</p>",
            language="fa", address="ali@bücher.example", **content):
    return OutgoingMessage(id=42, program_id=7, contact_id=3, address=address, language=language,
                           content={"subject": "حراج بهاره برای شما", "html": html, "preheader": "تا ۵۰٪ تخفیف", **content})


def parsed(data):
    return email.message_from_bytes(data, policy=email.policy.strict)


def built(msg=None, who=None, **kwargs):
    kwargs = {"unsubscribe_page": PAGE, "one_click_url": ONE_CLICK, "unsubscribe_mailto": MAILTO, **kwargs}
    return build(msg or message(), who or identity(), **kwargs)


def test_headers_follow_the_rfcs():
    sender, recipient, data = built()
    assert sender == f"news@{DOMAIN}" and recipient == "ali@xn--bcher-kva.example"
    assert data.isascii(), "headers and bodies are 7-bit: no server needs SMTPUTF8 or 8BITMIME"
    assert b"\n" not in data.replace(b"\r\n", b""), "every line ends in CRLF"
    assert max(len(line) for line in data.split(b"\r\n")) <= 78
    head = data.split(b"\r\n\r\n")[0].decode()
    for name in ("From", "To", "Subject", "Date", "Message-ID", "MIME-Version"):
        assert len(re.findall(rf"^{name}:", head, re.MULTILINE)) == 1, name
    msg = parsed(data)
    assert msg["Subject"] == "حراج بهاره برای شما"  # RFC 2047 encoded, decoded back
    assert msg["From"].addresses[0].display_name == "فروشگاه چاپار"
    assert msg["From"].addresses[0].addr_spec == sender and msg["To"] == recipient
    assert msg["Reply-To"] == "help@shop.example"
    assert parsedate_to_datetime(msg["Date"]).tzinfo is not None
    assert msg["Message-ID"] == f"<{verp.message_id_local(42)}@{DOMAIN}>"
    assert verp.signed_message_ids(msg["Message-ID"]) == [42]


def test_the_smtp_thread_gets_the_message_id_of_the_email_built_and_of_no_other():
    """send.py names the provider id in a thread without the app context that signs it."""
    _sender, _recipient, data = built()
    seen = {}

    def smtp_thread():
        seen["built"] = message_id(message(), DOMAIN)
        with pytest.raises(RuntimeError, match="987654321"):
            message_id(dataclasses.replace(message(), id=987654321), DOMAIN)  # never built: no guess
        seen["refused"] = True

    thread = threading.Thread(target=smtp_thread)
    thread.start()
    thread.join()
    assert seen == {"built": parsed(data)["Message-ID"], "refused": True}


def test_list_unsubscribe_offers_one_click_and_mailto():
    msg = parsed(built()[2])
    assert re.sub(r"\s+", " ", str(msg["List-Unsubscribe"])) == f"<{ONE_CLICK}>, <{MAILTO}>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_no_one_click_url_means_no_list_unsubscribe_post():
    msg = parsed(built(one_click_url="")[2])
    assert msg["List-Unsubscribe"] == f"<{MAILTO}>" and msg["List-Unsubscribe-Post"] is None


def test_html_and_a_text_part_made_from_it():
    msg = parsed(built()[2])
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    text = msg.get_body(("plain",)).get_content()
    assert "سلام علی" in text and "بهاره (https://shop.example/sale)" in text
    assert "<" not in text and "display" not in text
    html = msg.get_body(("html",)).get_content()
    assert '<html lang="fa" dir="rtl">' in html
    assert re.search(r'<td class="content" style="[^"]*direction: rtl', html), "CSS is inlined"
    assert "@media only screen" in html, "the responsive rules stay for clients that read them"
    assert "تا ۵۰٪ تخفیف" in html and PAGE in html  # preheader and the footer's unsubscribe link


def test_a_written_text_part_is_kept():
    msg = parsed(built(message(text="Plain words only."))[2])
    assert msg.get_body(("plain",)).get_content().strip() == "Plain words only."


def test_english_is_left_to_right():
    html = parsed(built(message(html="<p>Hello</p>", language="en"))[2]).get_body(("html",)).get_content()
    assert '<html lang="en" dir="ltr">' in html and "Unsubscribe" in html


def test_a_whole_document_is_not_wrapped_and_the_footer_link_not_doubled():
    source = '<!DOCTYPE html><html><head><style>p { color: red }</style></head><body><p>Hi</p></body></html>'
    html = parsed(built(message(html=source, language="en"))[2]).get_body(("html",)).get_content()
    assert 'class="card"' not in html and '<p style="color: red;">Hi</p>' in html
    own = parsed(built(message(html=f'<p><a href="{PAGE}">leave</a></p>', language="en"))[2])
    assert own.get_body(("html",)).get_content().count(PAGE) == 1


def test_attachments_and_their_limit():
    pdf = b"%PDF-1.4 fake" * 100
    msg = parsed(built(message(attachments=[{"filename": "فاکتور.pdf", "content_type": "application/pdf",
                                             "data": pdf}]))[2])
    assert msg.get_content_type() == "multipart/mixed"
    attachment = next(msg.iter_attachments())
    assert attachment.get_filename() == "فاکتور.pdf" and attachment.get_content() == pdf
    assert msg.get_body(("plain",)) is not None
    with pytest.raises(MessageTooLarge):
        built(message(attachments=[{"filename": "big.pdf", "data": b"x" * (MAX_ATTACHMENTS_BYTES + 1)}]))


def test_a_bad_address_is_refused():
    with pytest.raises(ValueError):
        built(message(address="not-an-address"))


def test_dkim_signature_covers_the_unsubscribe_headers_and_verifies(tmp_path):
    key = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    public = subprocess.run(["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"], check=True,
                            capture_output=True).stdout
    import base64

    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    who = identity(dkim_selector="s1")
    data = built(who=who, dkim_key=key.read_bytes())[2]
    signature = parsed(data)["DKIM-Signature"]
    signed = {h.strip().lower() for h in re.search(r"h=([^;]+)", re.sub(r"\s+", "", signature)).group(1).split(":")}
    assert {"list-unsubscribe", "list-unsubscribe-post", "from", "subject", "message-id"} <= signed
    assert f"d={DOMAIN}" in re.sub(r"\s+", "", signature)

    def dns(name, timeout=5):
        return record if name == f"s1._domainkey.{DOMAIN}.".encode() else None

    assert dkim.verify(data, dnsfunc=dns)
    assert not dkim.verify(data.replace(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click",
                                        b"List-Unsubscribe-Post: List-Unsubscribe=Other"), dnsfunc=dns)
