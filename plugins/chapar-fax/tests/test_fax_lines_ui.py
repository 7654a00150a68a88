"""The fax line pages, as an admin uses them: add a line of a transport kind, secrets never shown
back, one default line, connection test and test fax showing the transport's answer, callback
addresses to paste, and no deleting a line a program still faxes through."""
from chapar_fax.lines import FaxLine
from fax_support import add_fax_contacts, fax_program, make_line


def line_form(folder, **changes):
    values = {"kind": "folder", "name": "Office line", "sender": "021 8800 0000", "max_tries": "3",
              "retry_minutes": "5", "is_default": "on", "setting-folder": str(folder), "setting-token": "t0ps3cret"}
    return {**values, **changes}


def test_only_admins_see_the_lines(fax_app, client_as):
    assert client_as("manager").get("/fax/lines/").status_code == 403
    page = client_as("admin").get("/fax/lines/").get_data(as_text=True)
    assert "No fax line yet" in page


def test_an_admin_adds_a_line_and_its_secret_is_never_shown(fax_app, folder_transport, client_as, tmp_path):
    admin = client_as("admin")
    response = admin.post("/fax/lines/new", data=line_form(tmp_path))
    assert response.status_code == 302
    line = FaxLine.get(FaxLine.name == "Office line")
    assert line.sender == "+982188000000" and line.settings["token"] == "t0ps3cret" and line.is_default
    page = admin.get(f"/fax/lines/{line.id}").get_data(as_text=True)
    assert "t0ps3cret" not in page and "Set; leave empty to keep it." in page
    assert f"https://chapar.example/fax/lines/{line.id}/status?secret={line.secret}" in page
    # Saving with the secret left empty keeps it; a second default line takes the flag.
    admin.post(f"/fax/lines/{line.id}", data=line_form(tmp_path, **{"setting-token": "", "max_tries": "4"}))
    assert FaxLine.get_by_id(line.id).settings["token"] == "t0ps3cret" and FaxLine.get_by_id(line.id).max_tries == 4
    admin.post("/fax/lines/new", data=line_form(tmp_path, name="Second"))
    assert [line.name for line in FaxLine.select().where(FaxLine.is_default)] == ["Second"]


def test_bad_input_is_refused_and_nothing_saved(fax_app, folder_transport, client_as, tmp_path):
    admin = client_as("admin")
    response = admin.post("/fax/lines/new", data=line_form(tmp_path, sender="12ab", max_tries="99",
                                                          **{"setting-folder": ""}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Not a valid fax number." in page and "This field is required." in page
    assert "allowed range" in page and "t0ps3cret" not in page
    assert FaxLine.select().count() == 0
    assert admin.post("/fax/lines/new", data=line_form(tmp_path, kind="nonexistent")).status_code == 422


def test_connection_test_and_test_fax_show_the_transports_answer(folder_line, client_as, tmp_path):
    admin = client_as("admin")
    answer = admin.post(f"/fax/lines/{folder_line.id}/test").get_data(as_text=True)
    assert "It works." in answer and "is there" in answer
    sent = admin.post(f"/fax/lines/{folder_line.id}/send-test", data={"number": "۰۲۱ ۸۸۷۷ ۶۶۵۵"})
    assert "Accepted for +982188776655" in sent.get_data(as_text=True)
    assert (folder_line.folder / "chapar-0-1.pdf").exists()
    bad = admin.post(f"/fax/lines/{folder_line.id}/send-test", data={"number": "hello"})
    assert bad.status_code == 422 and "is not a valid fax number" in bad.get_data(as_text=True)
    (folder_line.folder / "down").write_text("")
    down = admin.post(f"/fax/lines/{folder_line.id}/send-test", data={"number": "02188776655"})
    assert "It failed." in down.get_data(as_text=True) and "down" in down.get_data(as_text=True)


def test_a_line_a_program_uses_cannot_be_deleted(fax_app, folder_line, client_as, users):
    from chapar import Program

    program = fax_program(users, folder_line, add_fax_contacts(1))
    Program.update(status="scheduled").where(Program.id == program.id).execute()  # launched for later
    admin = client_as("admin")
    refused = admin.post(f"/fax/lines/{folder_line.id}/delete")
    assert refused.status_code == 409 and "Spring faxes" in refused.get_data(as_text=True)
    assert FaxLine.get_or_none(FaxLine.id == folder_line.id) is not None
    unused = make_line("folder", {"folder": "/nonexistent"}, name="spare", is_default=False)
    assert admin.post(f"/fax/lines/{unused.id}/delete").status_code == 302
    assert FaxLine.get_or_none(FaxLine.id == unused.id) is None
