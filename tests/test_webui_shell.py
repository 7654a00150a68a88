"""The layout around every page: navigation, dashboard panels, plugin variables, errors, headers."""
import json
import re
from pathlib import Path

import pytest
from jinja2 import ChoiceLoader, DictLoader

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def plugin():
    """plugin(obj) registers a test plugin for the rest of the test."""
    from chapar.plugins import register_plugin, unregister_plugin

    names = []

    def add(obj, name):
        names.append(register_plugin(obj, name=name))
        return obj

    yield add
    for name in names:
        unregister_plugin(name)


def nav_labels(page):
    nav = re.search(r'<nav class="nav".*?</nav>', page, re.S).group(0)
    return re.findall(r"<a [^>]*>([^<]+)</a>", nav)


def with_templates(app, templates):
    app.jinja_loader = ChoiceLoader([DictLoader(templates), app.jinja_loader])


# --- navigation -------------------------------------------------------------------------------

@pytest.mark.parametrize("role, sees, hidden", [
    ("viewer", ["Dashboard", "API tokens"], ["Users", "Jobs", "Plugins", "Settings"]),
    ("manager", ["Dashboard", "API tokens", "Jobs"], ["Users", "Plugins", "Settings"]),
    ("admin", ["Dashboard", "API tokens", "Users", "Jobs", "Plugins", "Settings"], []),
])
def test_the_menu_shows_what_the_role_may_use(client_as, role, sees, hidden):
    labels = nav_labels(client_as(role).get("/").get_data(as_text=True))
    assert [label for label in labels if label in sees] == sees  # in menu order
    assert not set(hidden) & set(labels)


def test_plugin_menu_items_are_sorted_and_the_current_page_is_marked(app, client_as, plugin):
    from chapar import MenuItem, hookimpl

    class Menu:
        @hookimpl
        def menu_items(self, user):
            return [MenuItem("Reports", "/reports", order=50), MenuItem("Secret", "/secret", roles=("admin",)),
                    MenuItem("Campaigns", "/", order=-1)]

    plugin(Menu(), "test-menu")
    page = client_as("marketer").get("/").get_data(as_text=True)
    labels = nav_labels(page)
    assert labels.index("Campaigns") < labels.index("Dashboard") < labels.index("Reports")
    assert "Secret" not in labels
    assert page.count('aria-current="page"') == 2  # "/" is both Campaigns' and Dashboard's href


def test_the_menu_survives_a_broken_plugin(client_as, plugin):
    from chapar import hookimpl

    class Broken:
        @hookimpl
        def menu_items(self):
            raise RuntimeError("menu bug")

    plugin(Broken(), "test-broken-menu")
    response = client_as("viewer").get("/")
    assert response.status_code == 200
    assert "Dashboard" in nav_labels(response.get_data(as_text=True))


# --- dashboard --------------------------------------------------------------------------------

def test_plugin_panels_appear_in_order_for_the_right_roles(app, client_as, plugin):
    from markupsafe import Markup

    from chapar import DashboardPanel, hookimpl

    with_templates(app, {"testpanels/revenue.html": "<p>Revenue: {{ amount }}</p>"})

    class Panels:
        @hookimpl
        def dashboard_panels(self):
            return [DashboardPanel("Revenue", template="testpanels/revenue.html", context={"amount": 42}, order=5),
                    DashboardPanel("Replies", html=Markup("<p>3 replies</p>"), order=1),
                    DashboardPanel("Admins only", html="<p>hush</p>", roles=("admin",))]

    plugin(Panels(), "test-panels")
    page = client_as("marketer").get("/").get_data(as_text=True)
    assert "<p>Revenue: 42</p>" in page and "<p>3 replies</p>" in page
    assert page.index("Getting started") < page.index("Replies") < page.index("Revenue")
    assert "Admins only" not in page


def test_a_broken_panel_stays_inside_its_own_card(app, client_as, plugin):
    from chapar import DashboardPanel, hookimpl

    class Raises:
        @hookimpl
        def dashboard_panels(self):
            raise RuntimeError("panel bug")

    class BadTemplate:
        @hookimpl
        def dashboard_panels(self):
            return [DashboardPanel("Missing template", template="nowhere/at-all.html")]

    plugin(Raises(), "test-raising-panels")
    plugin(BadTemplate(), "test-bad-template")
    response = client_as("admin").get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Getting started" in page and "System status" in page
    assert "Missing template" in page and "This panel could not be shown" in page
    again = client_as("admin").get("/").get_data(as_text=True)
    assert '<a href="/admin/plugins">1 plugin is broken.</a>' in again  # the status card tells the admin


def test_the_status_card_shows_queues_plugins_and_database(app, client_as):
    from chapar.queue import enqueue

    enqueue(print, "queued for the card", queue="mail")
    page = client_as("manager").get("/").get_data(as_text=True)
    card = page[page.index("System status"):]
    assert "mail" in card and "default" in card
    assert "SQLite" in card or "PostgreSQL" in card
    assert "No worker is running" in card  # nothing consumes the queues under test


def test_viewers_get_a_getting_started_card_but_no_status(client_as):
    page = client_as("viewer").get("/").get_data(as_text=True)
    assert "Getting started" in page and "Create an API token" in page
    assert "System status" not in page and "Invite your team" not in page


def test_the_dashboard_has_a_clear_empty_state(app, client_as, monkeypatch):
    from chapar.webui.views import dashboard

    monkeypatch.setattr(dashboard, "visible_panels", lambda: [])
    page = client_as("viewer").get("/").get_data(as_text=True)
    assert 'class="empty-state"' in page and "Nothing on your dashboard yet" in page


# --- plugin template variables ----------------------------------------------------------------

def test_extra_template_vars_reach_every_render_without_overriding_the_view(app, client_as, plugin):
    from chapar import DashboardPanel, hookimpl

    with_templates(app, {"testpanels/vars.html": "<p>{{ banner }} / {{ panels_seen }} / {{ rendered }}</p>"})
    seen = []

    class Vars:
        @hookimpl
        def extra_template_vars(self, template, user):
            seen.append(template)
            role = user.role if user.is_authenticated else "visitor"
            return {"banner": f"Hello {role}", "panels_seen": "from plugin", "rendered": template}

        @hookimpl
        def dashboard_panels(self):
            return [DashboardPanel("Vars", template="testpanels/vars.html", context={"panels_seen": "from view"})]

    plugin(Vars(), "test-vars")
    page = client_as("viewer").get("/").get_data(as_text=True)
    assert "<p>Hello viewer / from view / testpanels/vars.html</p>" in page
    assert "webui/dashboard.html" in seen
    assert "<p>Hello visitor" not in page


# --- errors, headers, no-JS ------------------------------------------------------------------

def test_unknown_pages_get_a_404_in_the_layout(client, client_as):
    for browser in (client, client_as("viewer")):
        response = browser.get("/no/such/page")
        assert response.status_code == 404
        page = response.get_data(as_text=True)
        assert "Page not found" in page and '<meta name="csrf-token"' in page and "Chapar" in page


def test_unknown_api_paths_get_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.is_json and response.get_json()["error"]["status"] == 404


def test_a_viewer_meets_a_friendly_403(client_as):
    response = client_as("viewer").get("/admin/users")
    assert response.status_code == 403
    assert "Your role does not allow this page" in response.get_data(as_text=True)


@pytest.fixture
def app_config(app_config):
    app_config["MAX_UPLOAD_MB"] = 1
    return app_config


def test_oversized_posts_are_refused_politely(client):
    response = client.post("/login", {"email": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Too large" in response.get_data(as_text=True)


def test_an_unexpected_error_shows_a_calm_500(app, client_as):
    def boom():
        raise RuntimeError("internal detail that must not leak")

    app.add_url_rule("/boom", "boom", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client_as("viewer").get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page and "internal detail" not in page


def test_security_headers_are_on_every_page(client, client_as):
    for response in (client.get("/login"), client_as("admin").get("/"), client.get("/missing")):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_scripts_or_styles(client, client_as):
    browser = client_as("admin")
    pages = [client.get("/login"), client.get("/missing"), browser.get("/"), browser.get("/account/password"),
             browser.get("/login"), browser.get("/missing")]
    for response in pages:
        page = response.get_data(as_text=True)
        assert " style=" not in page and "<style" not in page
        assert all('src="' in tag for tag in re.findall(r"<script[^>]*>", page))
        assert re.search(r"<body[^>]* hx-boost=\"true\"", page)
        for form in re.findall(r"<form [^>]*method=\"post\".*?</form>", page, re.S):
            assert 'name="csrf_token"' in form


def test_pages_work_without_the_vendor_files(app, client_as, monkeypatch, tmp_path):
    from chapar.webui.views import shell

    monkeypatch.setattr(shell, "VENDOR_DIR", tmp_path)
    page = client_as("viewer").get("/").get_data(as_text=True)
    assert "htmx.min.js" not in page and "js/chapar.js" in page
    (tmp_path / "htmx.min.js").write_text("// htmx")
    assert '/static/vendor/htmx.min.js' in client_as("viewer").get("/").get_data(as_text=True)


def test_static_files_are_served(client):
    assert client.get("/static/css/chapar.css").status_code == 200
    assert "X-CSRFToken" in client.get("/static/js/chapar.js").get_data(as_text=True)


def test_the_macros_render_fields_empty_states_and_pages(app, users):
    from flask import render_template_string

    from chapar.models import User
    from chapar.webui.views.render import paginate

    with app.test_request_context("/admin/users?q=x&page=2"):
        page = paginate(User.select().order_by(User.id), per_page=3)
        html = render_template_string(
            '{% from "webui/macros.html" import form_field, empty_state, pagination %}'
            '{{ form_field("role", "Role", type="select", value="viewer", options=[("admin", "Admin"), ("viewer", "Viewer")],'
            ' error="Pick one") }}{{ empty_state("No users yet", "Add one.", "/admin/users/new", "New user") }}'
            '{{ pagination(page) }}', page=page)
    assert page.number == 2 and page.pages == 2 and len(page.items) == 1
    assert '<option value="viewer" selected>Viewer</option>' in html and 'aria-invalid="true"' in html
    assert '<a class="button primary" href="/admin/users/new">New user</a>' in html
    assert "Page 2 of 2" in html and 'href="/admin/users?q=x&amp;page=1"' in html


# --- language -----------------------------------------------------------------------------

def test_visitors_pick_a_language_for_their_session(client):
    response = client.post("/language", {"locale": "fa", "next": "/login"})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert '<html lang="fa" dir="rtl">' in client.get("/login").get_data(as_text=True)
    client.post("/language", {"locale": "en", "next": "//evil.example"})
    assert '<html lang="en" dir="ltr">' in client.get("/login").get_data(as_text=True)


def test_a_signed_in_users_choice_is_saved_on_their_account(app, client_as, users):
    from chapar.models import User

    client_as("marketer").post("/language", {"locale": "fa"})
    assert User.get_by_id(users["marketer"].id).locale == "fa"
    fresh = client_as("marketer")  # a new browser, same person
    assert 'dir="rtl"' in fresh.get("/").get_data(as_text=True)


def test_a_language_picked_on_the_sign_in_page_carries_onto_the_account(app, client, users):
    from chapar.models import User

    users["viewer"].locale = "en"
    users["viewer"].save()
    client.post("/language", {"locale": "fa", "next": "/login"})
    client.login(users["viewer"].email)
    assert User.get_by_id(users["viewer"].id).locale == "fa"
    assert 'dir="rtl"' in client.get("/").get_data(as_text=True)


def test_an_unknown_language_is_refused(client):
    assert client.post("/language", {"locale": "xx"}).status_code == 400


# --- the vendor step --------------------------------------------------------------------------

def test_package_json_pins_htmx_2_and_vazirmatn_exactly():
    pins = json.loads((REPO / "package.json").read_text())["dependencies"]
    assert re.fullmatch(r"2\.0\.\d+", pins["htmx.org"])
    assert re.fullmatch(r"\d+\.\d+\.\d+", pins["vazirmatn"])


def _fake_node_modules(root, htmx_version):
    from chapar.webui.vendor import FILES

    (root / "package.json").write_text(json.dumps({"dependencies": {"htmx.org": "2.0.9", "vazirmatn": "1.0.0"}}))
    versions = {"htmx.org": htmx_version, "vazirmatn": "1.0.0"}
    for package, source, _target in FILES:
        path = root / "node_modules" / package / source
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{package} {source}")
        (root / "node_modules" / package / "package.json").write_text(json.dumps({"version": versions[package]}))
    return root / "node_modules"


def test_vendor_copies_the_pinned_files(tmp_path):
    from chapar.webui.vendor import FILES, copy_vendor_files

    node_modules = _fake_node_modules(tmp_path, "2.0.9")
    assert copy_vendor_files(node_modules, tmp_path / "out") == []
    for _package, _source, target in FILES:
        assert (tmp_path / "out" / target).is_file()


def test_vendor_refuses_a_version_other_than_the_pin(tmp_path):
    from chapar.webui.vendor import copy_vendor_files

    problems = copy_vendor_files(_fake_node_modules(tmp_path, "4.0.1"), tmp_path / "out")
    assert problems and "pins 2.0.9" in problems[0]
    assert not (tmp_path / "out").exists()
