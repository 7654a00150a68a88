"""The segment pages: roles on every route, HTML in names escaped everywhere, counts with their
age, members by id, recounting and deleting."""
import pytest

from chapar.contacts import add_tags
from chapar.models import Contact, Segment
from chapar.segments import save_segment

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"


@pytest.fixture
def segment(app):
    for number in range(3):
        Contact.create(first_name=f"Sara{number}", city="تهران", email=f"s{number}@example.com")
    Contact.create(first_name="Ali", city="Shiraz")
    return save_segment("In Tehran", {"field": "city", "op": "eq", "value": "تهران"})


def routes(segment_id):
    """(method, url, lowest role) for every segment page."""
    return [
        ("get", "/segments", "viewer"),
        ("get", f"/segments/{segment_id}", "viewer"),
        ("post", f"/segments/{segment_id}/count", "viewer"),
        ("get", "/segments/new", "marketer"),
        ("post", "/segments/new", "marketer"),
        ("get", f"/segments/{segment_id}/edit", "marketer"),
        ("post", f"/segments/{segment_id}/edit", "marketer"),
        ("post", "/segments/builder", "marketer"),
        ("post", "/segments/preview", "marketer"),
        ("post", f"/segments/{segment_id}/delete", "manager"),
    ]


def test_every_route_needs_a_login_and_its_role(client, client_as, segment):
    order = ("viewer", "marketer", "manager", "admin")
    browsers = {role: client_as(role) for role in order}
    for method, url, lowest in routes(segment.id):
        anonymous = getattr(client, method)(url)
        assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"], url
        for role in order:
            if method == "post" and url.endswith("/delete"):
                continue  # tried last, below, so that the segment exists for every other call
            status = getattr(browsers[role], method)(url).status_code
            allowed = order.index(role) >= order.index(lowest)
            assert (status != 403) == allowed, (url, role, status)
    assert browsers["marketer"].post(f"/segments/{segment.id}/delete").status_code == 403
    assert browsers["manager"].post(f"/segments/{segment.id}/delete").status_code == 302
    assert Segment.select().count() == 0


def test_the_list_shows_counts_with_their_age(client_as, segment):
    html = client_as("viewer").get("/segments").get_data(as_text=True)
    assert "In Tehran" in html and "<strong>3</strong>" in html and "counted just now" in html
    assert 'href="/segments/new"' not in html  # a viewer cannot create
    assert 'href="/segments/new"' in client_as("marketer").get("/segments").get_data(as_text=True)


def test_the_list_has_an_empty_state(client_as, app):
    html = client_as("marketer").get("/segments").get_data(as_text=True)
    assert "No segments yet" in html and 'href="/segments/new"' in html


def test_the_segment_page_lists_members_by_id(client_as, segment):
    for number in range(60):
        Contact.create(first_name=f"More{number}", city="تهران")
    browser = client_as("viewer")
    html = browser.get(f"/segments/{segment.id}").get_data(as_text=True)
    assert "City" in html and "تهران" in html and "Sara0" in html and "Ali" not in html
    assert "Edit" not in html.split("<main", 1)[1].split("</header>", 1)[0]  # no edit button for viewers
    next_link = html.split('rel="next" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    second = browser.get(next_link).get_data(as_text=True)
    assert "More59" in second and "Sara0" not in second and "First page" in second


def test_recounting(client_as, segment):
    Contact.create(first_name="Late", city="تهران")
    browser = client_as("viewer")
    fragment = browser.post(f"/segments/{segment.id}/count", data={"next": "/segments"},
                            headers={"HX-Request": "true", "HX-Target": f"segment-count-{segment.id}"})
    assert fragment.status_code == 200 and "<strong>4</strong>" in fragment.get_data(as_text=True)
    plain = browser.post(f"/segments/{segment.id}/count", data={"next": "//evil.example/"})
    assert plain.status_code == 302 and plain.headers["Location"] == "/segments"


def test_a_segment_other_segments_include_is_not_deleted(client_as, segment):
    save_segment("Outside Tehran", {"op": "not_in_segment", "value": segment.id})
    browser = client_as("manager")
    response = browser.post(f"/segments/{segment.id}/delete")
    assert response.status_code == 302
    html = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "is included in other segments (Outside Tehran)" in html
    assert Segment.select().count() == 2


def test_html_in_names_is_escaped_on_every_page(client_as, segment):
    Contact.create(first_name=PAYLOAD, city="تهران", email="x@example.com")
    add_tags([Contact.get(Contact.email == "x@example.com").id], [PAYLOAD])
    hostile = save_segment(PAYLOAD, {"all": [{"op": "has_tag", "value": PAYLOAD},
                                             {"op": "in_segment", "value": segment.id}]}, description=PAYLOAD)
    user = save_segment("Uses it", {"op": "in_segment", "value": hostile.id})
    browser = client_as("manager")
    pages = ["/segments", f"/segments/{hostile.id}", f"/segments/{hostile.id}/edit", f"/segments/{segment.id}",
             f"/segments/{user.id}", f"/segments/{user.id}/edit", "/segments/new"]
    refused = browser.post(f"/segments/{hostile.id}/delete")
    pages.append(refused.headers["Location"])  # the flash names it
    for url in pages:
        html = browser.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, url
    assert ESCAPED in browser.get(f"/segments/{hostile.id}").get_data(as_text=True)
    preview = browser.post("/segments/preview", data={"node": ["r", "r-0"], "kind-r": "group", "match-r": "all",
                                                       "kind-r-0": "cond", "subject-r-0": "tag", "op-r-0": "has_tag",
                                                       "value-r-0": PAYLOAD}).get_data(as_text=True)
    assert "<script>alert" not in preview and ESCAPED.split("alert")[0] in preview


def test_no_change_without_a_csrf_token(client_as, segment):
    browser = client_as("admin")
    for url in (f"/segments/{segment.id}/delete", f"/segments/{segment.id}/edit", "/segments/new",
                f"/segments/{segment.id}/count"):
        assert browser.raw.post(url, data={"name": "Changed", "action": "save"}).status_code == 400, url
    assert Segment.get_by_id(segment.id).name == "In Tehran"
