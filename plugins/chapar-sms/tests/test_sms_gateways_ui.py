"""SMS gateways in the admin UI: create, edit without a secret ever shown back, one default, delete
(refused while a program still sends through it), test the connection and send a test SMS against
a real HTTP gateway, and the callback addresses to give the gateway.

The gateways here are of a kind this test adds through the plugin's own `register_sms_providers`
hook, as another plugin would; it talks to the local bulk-SMS API of http_gateway_server.py.
"""
import json
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

import pytest
from chapar import Field, SendResult
from markupsafe import escape
from chapar_sms import ProviderError, SmsProvider, hookimpl
from chapar_sms.gateways import SmsGateway
from chapar_sms.providers import registry
from http_gateway_server import GatewayServer
from sms_support import PUBLIC_URL, make_gateway, sms_app, sms_plugin  # noqa: F401
from test_sms_i18n import compiled_catalogue  # noqa: F401  the Persian page needs the compiled catalogue

API_KEY = "k3y-never-shown"


class ApiProvider(SmsProvider):
    """A small JSON-API gateway, with a setting of every kind the form renders."""

    kind = "test-api"
    label = "Test API"
    callbacks = ("receipt", "inbound")
    settings_fields = (
        Field("url", "API address", kind="url", required=True),
        Field("api_key", "API key", kind="password", secret=True, required=True),
        Field("method", "Method", kind="select", choices=(("POST", "POST"), ("GET", "GET")), default="POST"),
        Field("timeout", "Timeout (seconds)", kind="number", default=5),
        Field("note", "Note", kind="textarea", max_length=20),
        Field("sandbox", "Sandbox", kind="checkbox"),
    )

    def validate_settings(self, settings):
        return {} if settings["url"].startswith(("http://", "https://")) else {"url": "Use an http:// address."}

    def _call(self, path, payload=None):
        settings = self.settings
        headers = {"Authorization": f"Bearer {settings['api_key']}", "Content-Type": "application/json"}
        request = Request(settings["url"] + path, data=json.dumps(payload).encode() if payload else None,
                          headers=headers)
        try:
            with urlopen(request, timeout=settings.get("timeout") or 5) as response:
                return json.loads(response.read())
        except HTTPError as exc:
            raise ProviderError(f"{exc.code}: {exc.read().decode()}") from None
        except URLError as exc:
            raise ProviderError(f"cannot reach {settings['url']}: {exc.reason}") from None

    def test_connection(self):
        return f"balance {self._call('/api/balance')['balance']}"

    def send(self, submissions):
        return [SendResult.accepted(s.message_id, self._call("/api/send", {"to": s.to, "text": s.text,
                                                                          "from": s.sender})["data"]["id"])
                for s in submissions]


class AddsApiProvider:
    @hookimpl
    def register_sms_providers(self):
        return [ApiProvider]


@pytest.fixture
def api_kind(sms_app):
    manager = registry.manager()
    plugin = manager.register(AddsApiProvider(), name=f"test-api-{id(sms_app)}")
    yield ApiProvider
    manager.unregister(name=plugin)


@pytest.fixture
def gateway_server():
    server = GatewayServer(api_key=API_KEY).start()
    yield server
    server.stop()


@pytest.fixture
def admin(sms_app, api_kind, client_as):
    return client_as("admin")


def form(server_url="http://127.0.0.1:9", **changes):
    values = {"name": "Shop SMS", "kind": "test-api", "sender": "ShopIR", "rate_per_second": "30",
              "is_default": "1", "setting-url": server_url, "setting-api_key": API_KEY, "setting-method": "GET",
              "setting-timeout": "3", "setting-note": "", "setting-sandbox": "1"}
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


def test_only_admins_see_the_pages(sms_app, api_kind, client_as):
    gateway = make_gateway("test-api", {"url": "http://127.0.0.1:9", "api_key": API_KEY})
    manager = client_as("manager")
    for url in ("/sms/gateways/", "/sms/gateways/new", f"/sms/gateways/{gateway.id}",
                f"/sms/gateways/{gateway.id}/delete"):
        assert manager.get(url).status_code == 403, url
    assert manager.post("/sms/gateways/new", form()).status_code == 403
    assert manager.post(f"/sms/gateways/{gateway.id}/test").status_code == 403
    assert SmsGateway.select().count() == 1
    assert client_as("admin").get("/sms/gateways/").status_code == 200
    assert 'href="/sms/gateways/"' in client_as("admin").get("/").get_data(as_text=True)  # the admin menu


def test_the_empty_list_says_what_to_do(admin):
    page = admin.get("/sms/gateways/").get_data(as_text=True)
    assert "No SMS gateway yet" in page and 'href="/sms/gateways/new"' in page


def test_the_new_form_offers_every_kind_and_shows_the_chosen_kinds_settings(admin):
    page = admin.get("/sms/gateways/new").get_data(as_text=True)
    for kind in ("kannel", "smpp", "http", "test-api"):
        assert f'<option value="{kind}"' in page
    chosen = admin.get("/sms/gateways/new?kind=test-api").get_data(as_text=True)
    assert '<option value="test-api" selected>' in chosen and 'name="kind" value="test-api"' in chosen
    assert 'name="setting-api_key"' in chosen and 'type="password"' in chosen and "API address" in chosen
    assert 'name="setting-sandbox"' in chosen and '<option value="POST" selected>' in chosen
    assert 'name="is_default" checked>' in chosen  # the first gateway is the default one


def test_an_admin_creates_a_gateway_and_its_secret_is_never_shown_back(admin):
    response = admin.post("/sms/gateways/new", form())
    assert response.status_code in (302, 303)
    gateway = SmsGateway.get(SmsGateway.name == "Shop SMS")
    assert (gateway.kind, gateway.sender, gateway.rate_per_second, gateway.is_default) == ("test-api", "ShopIR", 30,
                                                                                         True)
    assert gateway.settings == {"url": "http://127.0.0.1:9", "api_key": API_KEY, "method": "GET", "timeout": 3,
                                "note": "", "sandbox": True}
    page = admin.get(f"/sms/gateways/{gateway.id}").get_data(as_text=True)
    assert API_KEY not in page and 'value="http://127.0.0.1:9"' in page and "Set; leave empty to keep it." in page
    listing = admin.get("/sms/gateways/").get_data(as_text=True)
    assert "Shop SMS" in listing and "Test API" in listing and "ShopIR" in listing and "Default" in listing
    assert API_KEY not in listing


def test_editing_keeps_a_blank_secret_and_rebuilds_the_provider(admin):
    admin.post("/sms/gateways/new", form())
    gateway = SmsGateway.get(SmsGateway.name == "Shop SMS")
    before = registry.provider_for(gateway)
    response = admin.post(f"/sms/gateways/{gateway.id}", form(**{"setting-api_key": "", "sender": "989121234567",
                                                                 "setting-sandbox": None}))
    assert response.status_code in (302, 303)
    saved = SmsGateway.get_by_id(gateway.id)
    assert saved.settings["api_key"] == API_KEY and saved.settings["sandbox"] is False
    assert saved.sender == "989121234567" and saved.updated_at >= gateway.updated_at
    assert registry.provider_for(saved) is not before and registry.provider_for(saved).settings["sandbox"] is False
    admin.post(f"/sms/gateways/{gateway.id}", form(sender="۳۰۰۰", **{"setting-api_key": "n3w-key"}))
    saved = SmsGateway.get_by_id(gateway.id)
    assert saved.settings["api_key"] == "n3w-key" and saved.sender == "3000"  # Persian digits as the gateway needs
    assert "SMS gateway saved." in admin.get(f"/sms/gateways/{gateway.id}").get_data(as_text=True)


def test_only_one_gateway_is_the_default(admin):
    admin.post("/sms/gateways/new", form(name="First"))
    admin.post("/sms/gateways/new", form(name="Second", is_default=None))
    first, second = (SmsGateway.get(SmsGateway.name == n) for n in ("First", "Second"))
    assert first.is_default and not second.is_default
    admin.post(f"/sms/gateways/{second.id}", form(name="Second", **{"setting-api_key": ""}))
    assert [g.name for g in SmsGateway.select().where(SmsGateway.is_default)] == ["Second"]
    listing = admin.get("/sms/gateways/").get_data(as_text=True)
    assert listing.index("Second") < listing.index("First")  # the default is listed first


def test_bad_input_is_explained_and_what_was_typed_is_kept(admin):
    make_gateway("test-api", {"url": "http://127.0.0.1:9", "api_key": API_KEY}, name="Taken")
    response = admin.post("/sms/gateways/new", form(
        name="Taken", sender="Shop Iran Online", rate_per_second="-2",
        **{"setting-url": "ftp://gateway.example", "setting-timeout": "soon", "setting-method": "PUT",
           "setting-note": "x" * 21}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for message in ("Another gateway has this name.", "Letters and digits, at most 11", "A positive number, please.",
                    "A number, please.", "Pick one of the choices.", "Too long.", "Nothing was saved."):
        assert message in page, message
    assert 'value="Shop Iran Online"' in page and 'value="ftp://gateway.example"' in page and 'value="-2"' in page
    assert API_KEY not in page  # a typed secret is not sent back either
    assert SmsGateway.select().count() == 1
    # The provider's own check runs once the fields are well-formed; its message is shown beside its field.
    page = admin.post("/sms/gateways/new", form(**{"setting-url": "ftp://gateway.example"})).get_data(as_text=True)
    assert 'id="field-setting-url-error">Use an http:// address.' in page
    missing = admin.post("/sms/gateways/new", form(name="", **{"setting-api_key": ""}))
    assert missing.status_code == 422 and missing.get_data(as_text=True).count("This field is required.") == 2
    unknown = admin.post("/sms/gateways/new", form(kind="carrier-pigeon"))
    assert unknown.status_code == 422 and "Pick one of the choices." in unknown.get_data(as_text=True)
    assert SmsGateway.select().count() == 1


def test_test_connection_shows_the_gateways_reply(admin, gateway_server):
    admin.post("/sms/gateways/new", form(gateway_server.url))
    gateway = SmsGateway.get(SmsGateway.name == "Shop SMS")
    page = admin.post(f"/sms/gateways/{gateway.id}/test", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "It works." in page and "balance 1000" in page and "<html" not in page  # a fragment for htmx
    full = admin.post(f"/sms/gateways/{gateway.id}/test").get_data(as_text=True)
    assert "balance 1000" in full and "<html" in full  # a whole page without JavaScript
    assert gateway_server.requests[-1]["headers"]["Authorization"] == f"Bearer {API_KEY}"
    admin.post(f"/sms/gateways/{gateway.id}", form(gateway_server.url, **{"setting-api_key": "wrong"}))
    page = admin.post(f"/sms/gateways/{gateway.id}/test", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "It failed." in page and "401" in page and "invalid api key" in page


def test_test_connection_of_the_built_in_http_kind(admin, gateway_server):
    response = admin.post("/sms/gateways/new", {
        "name": "Bulk SMS", "kind": "http", "sender": "3000", "setting-method": "POST",
        "setting-url": f"{gateway_server.url}/api/send", "setting-api_key": API_KEY, "setting-content_type": "json",
        "setting-status_url": f"{gateway_server.url}/api/balance?apikey={{api_key}}"})
    assert response.status_code in (302, 303), response.get_data(as_text=True)
    gateway = SmsGateway.get(SmsGateway.name == "Bulk SMS")
    page = admin.post(f"/sms/gateways/{gateway.id}/test", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "It works." in page and "HTTP 200" in page and "1000" in page


def test_test_connection_says_why_it_cannot_reach_the_gateway(admin, free_port):
    port = free_port()
    admin.post("/sms/gateways/new", form(f"http://127.0.0.1:{port}"))
    gateway = SmsGateway.get(SmsGateway.name == "Shop SMS")
    page = admin.post(f"/sms/gateways/{gateway.id}/test", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "It failed." in page and f"cannot reach http://127.0.0.1:{port}" in page


def test_a_test_sms_goes_to_the_normalised_number(admin, gateway_server):
    admin.post("/sms/gateways/new", form(gateway_server.url))
    gateway = SmsGateway.get(SmsGateway.name == "Shop SMS")
    page = admin.post(f"/sms/gateways/{gateway.id}/send-test", {"number": "۰۹۱۲ ۱۲۳ ۴۵۶۷", "text": "سلام"},
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "It works." in page and "+989121234567" in page
    [sent] = gateway_server.sent()
    assert sent.fields == {"to": "+989121234567", "text": "سلام", "from": "ShopIR"}
    bad = admin.post(f"/sms/gateways/{gateway.id}/send-test", {"number": "12", "text": "Hi"},
                     headers={"HX-Request": "true"})
    assert bad.status_code == 422 and "is not a valid phone number" in bad.get_data(as_text=True)
    assert len(gateway_server.sent()) == 1


def test_the_callback_addresses_are_shown_for_the_gateway(admin):
    gateway = make_gateway("test-api", {"url": "http://127.0.0.1:9", "api_key": API_KEY})
    page = admin.get(f"/sms/gateways/{gateway.id}").get_data(as_text=True)
    for name in ("receipt", "inbound"):
        assert f"{PUBLIC_URL}/sms/gateways/{gateway.id}/{name}?secret={gateway.secret}" in page
    assert "Delivery reports" in page and "Received messages" in page
    # Kannel also gets the sms-service group to paste into kannel.conf.
    kannel = make_gateway("kannel", {"sendsms_url": "http://127.0.0.1:9/cgi-bin/sendsms", "username": "chapar",
                                     "password": "pw"}, name="Kannel", is_default=False)
    page = admin.get(f"/sms/gateways/{kannel.id}").get_data(as_text=True)
    setup = registry.provider_for(kannel).service_config()
    assert "group = sms-service" in setup and f"{PUBLIC_URL}/sms/gateways/{kannel.id}/inbound?secret=" in setup
    assert str(escape(setup)) in page


def test_without_a_public_address_the_page_says_where_to_set_it(admin):
    from chapar.channels import save_channel_settings

    assert save_channel_settings("sms", {"public_url": "", "default_region": "IR"}) == {}
    gateway = make_gateway("test-api", {"url": "http://127.0.0.1:9", "api_key": API_KEY})
    page = admin.get(f"/sms/gateways/{gateway.id}").get_data(as_text=True)
    assert "Set the public address of Chapar" in page and 'href="/admin/channels/sms"' in page
    assert gateway.secret not in page


def _program(gateway, status, provider=None, name="Spring SMS"):
    from chapar.campaigns import save_campaign
    from chapar.models import Program
    from chapar.programs import save_program

    campaign = save_campaign({"name": f"Campaign of {name}"})
    program = save_program({"name": name, "channel": "sms", "provider": str(gateway.id) if provider is None
                            else provider, "variants": {"": {"text": "Hi"}}, "audience": {"contacts": []}},
                           campaign=campaign)
    Program.update(status=status).where(Program.id == program.id).execute()
    return program


def test_deleting_asks_first_and_only_admins_may(admin, client_as):
    gateway = make_gateway("test-api", {"url": "http://127.0.0.1:9", "api_key": API_KEY})
    assert client_as("manager").post(f"/sms/gateways/{gateway.id}/delete").status_code == 403
    assert admin.raw.post(f"/sms/gateways/{gateway.id}/delete").status_code == 400  # no CSRF token: a forged form
    page = admin.get(f"/sms/gateways/{gateway.id}/delete").get_data(as_text=True)
    assert "This cannot be undone." in page and 'class="button danger"' in page
    assert SmsGateway.get_or_none(SmsGateway.id == gateway.id) is not None  # a GET deletes nothing
    _program(gateway, "sent", name="Old news")  # a finished program does not keep it
    response = admin.post(f"/sms/gateways/{gateway.id}/delete")
    assert response.status_code in (302, 303) and response.headers["Location"].endswith("/sms/gateways/")
    assert SmsGateway.get_or_none(SmsGateway.id == gateway.id) is None
    assert "SMS gateway deleted." in admin.get("/sms/gateways/").get_data(as_text=True)


def test_deleting_is_refused_while_a_program_still_sends_through_it(admin):
    from chapar.models import Program

    gateway = make_gateway("test-api", {"url": "http://127.0.0.1:9", "api_key": API_KEY})
    other = make_gateway("test-api", {"url": "http://127.0.0.1:9", "api_key": API_KEY}, name="Other",
                         is_default=False)
    for status in ("scheduled", "sending", "paused"):
        program = _program(gateway, status, name=f"Program {status}")
        response = admin.post(f"/sms/gateways/{gateway.id}/delete")
        page = response.get_data(as_text=True)
        assert response.status_code == 409 and "cannot be deleted" in page and f"Program {status}" in page
        assert SmsGateway.get_or_none(SmsGateway.id == gateway.id) is not None
        Program.update(status="cancelled").where(Program.id == program.id).execute()
    # A program naming no gateway sends through the default one, so that one is kept too.
    _program(other, "scheduled", provider="", name="Default gateway")
    page = admin.get(f"/sms/gateways/{gateway.id}/delete").get_data(as_text=True)
    assert "Default gateway" in page and "cannot be deleted" in page and 'class="button danger"' not in page
    assert admin.post(f"/sms/gateways/{other.id}/delete").status_code in (302, 303)


def test_creating_changing_and_deleting_are_audited_without_secrets(admin):
    from chapar.models import AuditLog

    admin.post("/sms/gateways/new", form())
    gateway = SmsGateway.get(SmsGateway.name == "Shop SMS")
    admin.post(f"/sms/gateways/{gateway.id}", form(sender="Shop", **{"setting-api_key": "n3w-key"}))
    admin.post(f"/sms/gateways/{gateway.id}/delete")
    entries = {e.action: e for e in AuditLog.select().where(AuditLog.action.startswith("sms.gateway_"))}
    assert set(entries) == {"sms.gateway_created", "sms.gateway_updated", "sms.gateway_deleted"}
    assert all(e.target == f"SMS gateway #{gateway.id}" and e.actor.role == "admin" for e in entries.values())
    updated = json.loads(entries["sms.gateway_updated"].details)
    assert updated["changed"] == {"sender": ["ShopIR", "Shop"]} and updated["secrets_changed"] == ["api_key"]
    logged = " ".join(e.details for e in entries.values())
    assert API_KEY not in logged and "n3w-key" not in logged


def test_the_pages_in_persian(admin, users, client_as):
    users["admin"].locale = "fa"
    users["admin"].save()
    browser = client_as("admin")
    page = browser.get("/sms/gateways/").get_data(as_text=True)
    assert '<html lang="fa" dir="rtl">' in page
    assert "درگاه‌های پیامک" in page and "SMS gateways" not in page
    refused = browser.post("/sms/gateways/new", form(name="", sender="Shop Iran Online"))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "این فیلد لازم است." in page and "This field is required." not in page
    assert "شناسهٔ فرستنده" in page  # "Sender id"
