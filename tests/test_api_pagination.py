"""The list convention, on /api/v1/tokens: envelope, Link headers, and bad page values."""
import re
from urllib.parse import parse_qs, urlparse

import pytest

from chapar.tokens import create_token

LINK = re.compile(r'<([^>]+)>;\s*rel="([a-z]+)"')


def links(response):
    """{rel: {query args}} from an RFC 8288 Link header."""
    found = {}
    for url, rel in LINK.findall(response.headers["Link"]):
        parsed = urlparse(url)
        assert parsed.path == "/api/v1/tokens"
        found[rel] = {key: values[0] for key, values in parse_qs(parsed.query).items()}
    return found


@pytest.fixture
def seven_tokens(app, users, api_as):
    client = api_as("viewer")  # its own token is the first of seven
    for number in range(6):
        create_token(users["viewer"], f"token {number}")
    return client


def test_page_two_of_three(seven_tokens):
    response = seven_tokens.get("/api/v1/tokens?per_page=3&page=2")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (2, 3, 7, 3)
    assert [item["name"] for item in body["items"]] == ["token 2", "token 1", "token 0"]
    rels = links(response)
    assert set(rels) == {"first", "prev", "next", "last"}
    assert [rels[rel]["page"] for rel in ("first", "prev", "next", "last")] == ["1", "1", "3", "3"]
    assert all(args["per_page"] == "3" for args in rels.values())  # other arguments are kept


def test_first_and_last_pages_have_no_prev_or_next(seven_tokens):
    first = seven_tokens.get("/api/v1/tokens?per_page=3")
    assert set(links(first)) == {"first", "next", "last"}
    last = seven_tokens.get("/api/v1/tokens?per_page=3&page=3")
    assert len(last.get_json()["items"]) == 1
    assert set(links(last)) == {"first", "prev", "last"}


def test_a_page_past_the_end_is_empty(seven_tokens):
    body = seven_tokens.get("/api/v1/tokens?per_page=3&page=9")
    assert body.status_code == 200
    assert body.get_json()["items"] == [] and body.get_json()["total"] == 7
    assert links(body)["prev"]["page"] == "3"


def test_defaults(seven_tokens):
    body = seven_tokens.get("/api/v1/tokens").get_json()
    assert (body["page"], body["per_page"], body["pages"], len(body["items"])) == (1, 50, 1, 7)


def test_per_page_over_the_maximum_is_rejected_not_clamped(seven_tokens):
    assert seven_tokens.get("/api/v1/tokens?per_page=200").status_code == 200
    response = seven_tokens.get("/api/v1/tokens?per_page=201")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert list(error["details"]["fields"]) == ["per_page"] and "200" in error["message"]


@pytest.mark.parametrize("query,field", [("page=0", "page"), ("page=-1", "page"), ("page=two", "page"),
                                         ("per_page=0", "per_page"), ("page=1.5", "page")])
def test_bad_page_values(seven_tokens, query, field):
    response = seven_tokens.get(f"/api/v1/tokens?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]["fields"]
