"""Tracking: links rewritten to signed redirects stored per message, never an open redirect;
UTM parameters; the open pixel; scanners and prefetchers flagged as not human."""
import re
from datetime import timedelta

import pytest
from chapar.models import utcnow
from chapar_email.click_link import ClickLink
from chapar_email.scanners import not_human_reason
from chapar_email.tokens import click_url, open_pixel_url, sign
from chapar_email.tracking import add_utm, is_web_url, rewrite_links, store_links
from fixture_plugin.testing import plugins  # noqa: F401 - fixtures
from pages_support import BASE, email_pages, events, migrated, sent_message  # noqa: F401 - fixtures
from sending_support import fixture_channel_on, make_program  # noqa: F401 - fixtures

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
HTML = """<html><body>
<p><a href="https://shop.example.test/sale?size=m&amp;colour=red#top">Sale</a>
<a class="b" href='https://shop.example.test/sale?size=m&amp;colour=red#top'>Sale again</a>
<a href="mailto:help@example.test">Write</a> <a href="tel:+982100000000">Call</a> <a href="#top">Up</a>
<a href="//evil.example/x">protocol-relative</a> <a href="https:evil.example">no slashes</a>
<a href="javascript:alert(1)">js</a> <a href="%2F%2Fevil.example">encoded</a>
<a href="https://chapar.example.test/u/TOKEN">Unsubscribe</a>
<a data-chapar-no-track href="https://partner.example.test/">Partner</a>
<a href="https://blog.example.test/یادداشت">Blog</a></p>
</body></html>"""


def hrefs(html):
    return re.findall(r"""href=["']([^"']*)["']""", html)


def tracked(message_id, rows=None):
    html, links = rewrite_links(HTML, message_id, base_url=BASE)
    store_links([(message_id, index, url) for index, url in links] if rows is None else rows)
    return html, links


def path_of(url):
    return url.removeprefix(BASE)


# --- rewriting -------------------------------------------------------------------------------

def test_only_web_links_are_rewritten_and_each_url_gets_one_index(app):
    html, links = rewrite_links(HTML, 9, base_url=BASE)
    assert links == [(0, "https://shop.example.test/sale?size=m&colour=red#top"),
                     (1, "https://blog.example.test/یادداشت")]
    found = hrefs(html)
    assert found.count(click_url(9, 0, BASE)) == 2 and click_url(9, 1, BASE) in found
    for untouched in ("mailto:help@example.test", "tel:+982100000000", "#top", "//evil.example/x",
                      "https:evil.example", "javascript:alert(1)", "%2F%2Fevil.example",
                      "https://chapar.example.test/u/TOKEN", "https://partner.example.test/"):
        assert untouched in found
    pixel = open_pixel_url(9, BASE)
    assert html.index(pixel) < html.index("</body>")


def test_open_redirect_shapes_are_not_web_urls():
    for url in ("//evil.example", "https:evil.example", "https:/evil.example", "javascript:alert(1)",
                "%2F%2Fevil.example", "/\\evil.example", "https://", "data:text/html,x", "https://a b.example",
                "https://ok.example/\x00", "ftp://files.example"):
        assert not is_web_url(url), url
    assert is_web_url("https://shop.example.test/a?b=c#d") and is_web_url("http://xn--mgbh0fb.example/")


def test_utm_is_appended_keeping_the_query_and_fragment():
    utm = {"utm_source": "chapar", "utm_medium": "email", "utm_campaign": "spring sale", "other": "x"}
    assert add_utm("https://shop.example.test/p?size=m&colour=red#reviews", utm) == (
        "https://shop.example.test/p?size=m&colour=red&utm_source=chapar&utm_medium=email"
        "&utm_campaign=spring+sale#reviews")
    assert add_utm("https://shop.example.test/", utm) == (
        "https://shop.example.test/?utm_source=chapar&utm_medium=email&utm_campaign=spring+sale")
    # The author's own utm_source wins.
    assert add_utm("https://s.example/?utm_source=newsletter", {"utm_source": "chapar", "utm_medium": "email"}) == (
        "https://s.example/?utm_source=newsletter&utm_medium=email")
    assert add_utm("mailto:a@example.test", utm) == "mailto:a@example.test"


def test_utm_without_tracking_only_changes_the_links(app):
    html, links = rewrite_links(HTML, 9, track=False, utm={"utm_source": "chapar"}, base_url=BASE)
    assert links == [] and "/t/o/" not in html and "/t/c/" not in html
    assert "https://shop.example.test/sale?size=m&amp;colour=red&amp;utm_source=chapar#top" in hrefs(html)


# --- the redirector --------------------------------------------------------------------------

def test_a_click_goes_to_the_stored_url_with_utm_and_is_recorded(sent_message, client):
    message = sent_message()
    _html, links = rewrite_links(HTML, message.id, utm={"utm_campaign": "spring"}, base_url=BASE)
    store_links([(message.id, index, url) for index, url in links])
    store_links([(message.id, index, url) for index, url in links])  # a retried send: no error, no copy
    assert ClickLink.select().where(ClickLink.message_id == message.id).count() == 2
    response = client.get(path_of(click_url(message.id, 0)), headers={"User-Agent": BROWSER})
    assert response.status_code == 302
    assert response.headers["Location"] == "https://shop.example.test/sale?size=m&colour=red&utm_campaign=spring#top"
    assert response.headers["Cache-Control"].startswith("no-store")
    assert events("clicked", message) == [{"url": response.headers["Location"], "link": 0, "human": True}]


def test_the_redirector_refuses_what_was_not_in_the_email(sent_message, client):
    message, other = sent_message(), sent_message()
    tracked(message.id)
    tracked(other.id, rows=[(other.id, 0, "https://other.example.test/")])
    attempts = [
        click_url(message.id, 7),  # signed, but the email had no link 7
        click_url(message.id, 0)[:-1] + ("A" if click_url(message.id, 0)[-1] != "A" else "B"),  # altered
        f"{BASE}/t/c/{sign('open', message.id)}",  # another purpose's token
        f"{BASE}/t/c/{sign('unsubscribe', message.id, 0)}",
        f"{BASE}/t/c/{sign('click', 999999, 0)}",  # no such message
        f"{BASE}/t/c//evil.example", f"{BASE}/t/c/%2F%2Fevil.example", f"{BASE}/t/c/https:evil.example",
        f"{BASE}/t/c/{sign('click', message.id, 0)}/https://evil.example",
    ]
    for url in attempts:
        response = client.get(path_of(url))
        if response.status_code == 308:  # Werkzeug merges "//" in a path: to our own site, then 404
            assert response.headers["Location"].startswith("http://localhost/t/c/"), url
            response = client.get(response.headers["Location"])
        assert response.status_code == 404, url
        assert "Location" not in response.headers
    # Whatever the query says, the destination is the stored one.
    response = client.get(path_of(click_url(message.id, 0)) + "?url=https://evil.example&next=//evil.example")
    assert response.headers["Location"].startswith("https://shop.example.test/")
    # Even a tampered row is not followed.
    ClickLink.update(url="//evil.example").where(ClickLink.message_id == other.id).execute()
    assert client.get(path_of(click_url(other.id, 0))).status_code == 404
    assert [e["url"] for e in events("clicked")] == [response.headers["Location"]]  # refusals record nothing


@pytest.mark.parametrize("agent,expected", [
    (BROWSER, ""), ("", "user_agent"), ("Mozilla/5.0 (compatible; proofpoint)", "user_agent"),
    ("Mozilla/5.0 (compatible; BingPreview/1.0b)", "user_agent"), ("python-requests/2.32", "user_agent"),
    ("Barracuda Sentinel (EE)", "user_agent"),
    ("Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)", ""),
])
def test_known_scanner_agents(agent, expected):
    long_ago = utcnow() - timedelta(hours=1)
    assert not_human_reason(agent, "GET", long_ago, utcnow()) == expected


def test_scanners_and_prefetchers_are_flagged_not_human(sent_message, client):
    just_sent, earlier = sent_message(seconds_ago=2), sent_message(seconds_ago=3600)
    for message in (just_sent, earlier):
        tracked(message.id)
    client.get(path_of(click_url(just_sent.id, 0)), headers={"User-Agent": BROWSER})
    client.raw.head(path_of(click_url(earlier.id, 0)), headers={"User-Agent": BROWSER})
    client.get(path_of(click_url(earlier.id, 1)), headers={"User-Agent": "Mimecast URL protection"})
    client.get(path_of(click_url(earlier.id, 0)), headers={"User-Agent": BROWSER})
    assert [(e["human"], e.get("not_human")) for e in events("clicked", just_sent)] == [(False, "too_soon")]
    assert [(e["human"], e.get("not_human")) for e in events("clicked", earlier)] == [
        (False, "head_request"), (False, "user_agent"), (True, None)]


def test_the_scanner_window_is_set_in_the_environment(sent_message, client, monkeypatch):
    monkeypatch.setenv("CHAPAR_EMAIL_SCANNER_SECONDS", "120")
    message = sent_message(seconds_ago=60)
    tracked(message.id)
    client.get(path_of(click_url(message.id, 0)), headers={"User-Agent": BROWSER})
    monkeypatch.setenv("CHAPAR_EMAIL_SCANNER_SECONDS", "1")
    client.get(path_of(click_url(message.id, 0)), headers={"User-Agent": BROWSER})
    assert [(e["human"], e.get("not_human")) for e in events("clicked", message)] == [(False, "too_soon"), (True, None)]


def test_the_open_pixel_is_a_gif_never_cached_and_records_opens(sent_message, client):
    message = sent_message()
    response = client.get(path_of(open_pixel_url(message.id)), headers={"User-Agent": BROWSER})
    assert response.status_code == 200 and response.mimetype == "image/gif"
    assert response.data.startswith(b"GIF89a") and len(response.data) < 100
    assert "no-store" in response.headers["Cache-Control"]
    client.get(path_of(open_pixel_url(message.id)), headers={"User-Agent": "Mozilla/5.0 GoogleImageProxy"})
    assert [e["human"] for e in events("opened", message)] == [True, True]
    assert client.get(path_of(open_pixel_url(message.id)).replace(".gif", "x.gif")).status_code == 404
    assert len(events("opened", message)) == 2


def test_tracking_is_rate_limited(sent_message, app, monkeypatch):
    message = sent_message()
    monkeypatch.setenv("CHAPAR_EMAIL_TRACKING_RATE_LIMIT", "5 per minute")  # the environment, as deployed
    browser = app.test_client()
    codes = [browser.get(path_of(open_pixel_url(message.id))).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
