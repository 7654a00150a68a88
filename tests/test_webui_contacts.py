"""The contacts list: access by role, search, filters, keyset pages, htmx fragments, escaping."""
import pytest
from contacts_support import QUOTE_BREAK, XSS, html, listed_names, people, region, rows  # noqa: F401

from chapar.contacts import create_contact, define_field
from chapar.contacts.tags import add_tags
from chapar.models import Contact, Tag
from chapar.webui.views import contacts_query

PAGES = ["/contacts", "/contacts/{id}", "/contacts/new", "/contacts/{id}/edit", "/contacts/{id}/merge", "/tags",
         "/admin/fields"]


def test_every_contacts_page_sends_visitors_to_sign_in(client, people):
    for page in PAGES:
        response = client.get(page.format(id=people["sara"].id))
        assert response.status_code == 302 and "/login" in response.headers["Location"], page


def test_a_viewer_reads_contacts_but_changes_nothing(client_as, people):
    viewer = client_as("viewer")
    sara = people["sara"].id
    page = html(viewer.get("/contacts"))
    assert "Sara Karimi" in page and 'name="ids"' not in page and "/contacts/new" not in page
    assert viewer.get(f"/contacts/{sara}").status_code == 200
    assert viewer.get("/tags").status_code == 200
    for url in ("/contacts/new", f"/contacts/{sara}/edit", f"/contacts/{sara}/merge", "/admin/fields"):
        assert viewer.get(url).status_code == 403, url
    for url in ("/contacts/new", "/contacts/bulk", "/contacts/delete", f"/contacts/{sara}/edit",
                "/contacts/validate/email", f"/tags/{Tag.get(Tag.name == 'VIP').id}/rename"):
        assert viewer.post(url, {"ids": sara, "action": "tag", "tag_name": "x"}).status_code == 403, url
    assert not Tag.select().where(Tag.name == "x").exists()


def test_roles_see_the_actions_they_may_use(client_as, people):
    marketer = html(client_as("marketer").get("/contacts"))
    assert 'name="ids"' in marketer and 'value="tag"' in marketer and 'value="delete"' not in marketer
    manager = html(client_as("manager").get("/contacts"))
    assert 'value="delete"' in manager
    sara = people["sara"].id
    assert "Merge with" not in html(client_as("marketer").get(f"/contacts/{sara}"))
    assert "Merge with" in html(client_as("manager").get(f"/contacts/{sara}"))


SEARCHES = [
    ("sara", {"Sara Karimi"}),
    ("KARIMI", {"Sara Karimi"}),
    ("sara kar", {"Sara Karimi"}),
    ("john@example.com", {"John Miller"}),
    ("sara.karimi", {"Sara Karimi"}),  # the start of an email, without the @
    ("0912 123 4567", {"Sara Karimi"}),
    ("۰۹۱۲۱۲۳۴۵۶۷", {"Sara Karimi"}),  # Persian digits
    ("٠٩١٢١٢٣٤٥٦٧", {"Sara Karimi"}),  # Arabic-Indic digits
    ("+98 912 123", {"Sara Karimi"}),  # the start of a number
    ("09351", {"علی رضایی"}),
    ("+447911", {"John Miller"}),
    ("علي", {"علی رضایی"}),  # typed with the Arabic ye
    ("nobody", set()),
]


def test_search_by_name_email_and_phone(client_as, people):
    viewer = client_as("viewer")
    for query, expected in SEARCHES:
        page = html(viewer.get("/contacts", query_string={"q": query}))
        assert set(listed_names(page)) == expected, query
    assert "No contacts match" in page


def test_filters_by_tag_consent_source_and_do_not_contact(client_as, people):
    viewer = client_as("viewer")
    people["john"].do_not_contact = True
    people["john"].save()

    def names(**args):
        return set(listed_names(html(viewer.get("/contacts", query_string=args))))

    assert names(tag="VIP") == {"Sara Karimi", "علی رضایی"}
    assert names(tag="مشتری") == {"علی رضایی"}
    assert names(tag="no such tag") == set()
    assert names(consent="email:subscribed") == {"Sara Karimi"}
    assert names(consent="sms:unsubscribed") == {"John Miller"}
    assert names(source="import") == {"John Miller"}
    assert names(dnc="yes") == {"John Miller"}
    assert names(dnc="no", tag="VIP", consent="email:unknown") == {"علی رضایی"}
    # Nonsense in the query string is ignored, not an error.
    assert names(consent="email:maybe", sort="'; DROP", dnc="perhaps") == {"Sara Karimi", "John Miller", "علی رضایی"}


def test_a_large_tag_is_matched_the_other_way_round(client_as, people, monkeypatch):
    monkeypatch.setattr(contacts_query, "LARGE_TAG", 1)  # VIP has two contacts: "large"
    assert set(listed_names(html(client_as("viewer").get("/contacts?tag=VIP")))) == {"Sara Karimi", "علی رضایی"}


def test_sorting(client_as, people):
    viewer = client_as("viewer")
    assert listed_names(html(viewer.get("/contacts?sort=name"))) == ["Sara Karimi", "John Miller", "علی رضایی"]
    assert listed_names(html(viewer.get("/contacts?sort=-name"))) == ["علی رضایی", "John Miller", "Sara Karimi"]
    assert listed_names(html(viewer.get("/contacts")))[0] == "علی رضایی"  # newest first


def test_keyset_pages_walk_every_match_once_both_ways(client_as, region, monkeypatch):
    monkeypatch.setattr(contacts_query, "PAGE_SIZE", 3)
    monkeypatch.setattr(contacts_query, "COUNT_CAP", 5)
    created = [create_contact({"first_name": f"Person {n:02d}", "last_name": "Same"}).id for n in range(8)]
    marketer = client_as("marketer")
    seen, url, pages = [], "/contacts?sort=name", []
    while url:
        page = html(marketer.get(url))
        pages.append((url, rows(page)))
        seen += rows(page)
        found = [part for part in page.split('href="') if part.startswith("/contacts?") and 'rel="next"' in part]
        url = found[0].split('"')[0].replace("&amp;", "&") if found else None
    assert seen == created  # by name: Person 00 … Person 07, each once
    assert [len(ids) for _url, ids in pages] == [3, 3, 2]
    assert "More than 5 contacts" in html(marketer.get("/contacts"))
    back = html(marketer.get(f"/contacts?sort=name&before={created[6]}"))
    assert rows(back) == created[3:6]
    assert html(marketer.get(f"/contacts?sort=name&after={created[-1]}")).count('name="ids"') == 0
    assert rows(html(marketer.get("/contacts?sort=name&after=999999"))) == created[:3]  # a vanished cursor


def test_the_search_box_gets_only_the_results_from_htmx(client_as, people):
    viewer = client_as("viewer")
    page = viewer.get("/contacts?q=sara")
    assert "<html" in html(page) and 'hx-trigger="input changed delay:300ms, search"' in html(page)
    fragment = viewer.get("/contacts?q=sara", headers={"HX-Request": "true", "HX-Target": "contact-results"})
    assert "<html" not in html(fragment) and listed_names(html(fragment)) == ["Sara Karimi"]
    assert "HX-Target" in fragment.headers["Vary"]
    # The form sends every select, empty ones too; the address bar shows only what is chosen.
    sent = viewer.get("/contacts?q=sara&tag=&consent=&source=&dnc=&sort=-created",
                      headers={"HX-Request": "true", "HX-Target": "contact-results"})
    assert sent.headers["HX-Push-Url"] == "/contacts?q=sara"


def test_html_and_script_in_contacts_is_escaped_everywhere(client_as, region, people):
    define_field("note", "Note " + XSS, "text")
    define_field("tier", "Tier", "choice", [XSS, "gold"])
    bad = create_contact({"first_name": XSS, "last_name": QUOTE_BREAK, "company": "O'Brien & \"Sons\" " + XSS,
                          "email": "xss@example.com", "city": QUOTE_BREAK, "note": XSS, "tier": XSS})
    add_tags([bad.id], [XSS, QUOTE_BREAK])
    manager = client_as("manager")
    other = people["sara"].id
    pages = ["/contacts", f"/contacts?q={XSS}", f"/contacts?tag={QUOTE_BREAK}", f"/contacts/{bad.id}",
             f"/contacts/{bad.id}/edit", f"/contacts/{other}/merge?q=xss@example.com",
             f"/contacts/{bad.id}/merge/{other}", "/tags", "/admin/fields", "/contacts/new"]
    for url in pages:
        page = html(manager.get(url))
        assert XSS not in page and "<img src=x" not in page, url
    confirm = html(manager.post("/contacts/bulk", {"action": "delete", "scope": "selected", "ids": bad.id}))
    assert XSS not in confirm and "&lt;script&gt;" in confirm
    assert Contact.select().where(Contact.id == bad.id).exists()
