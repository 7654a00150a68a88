"""A marketer's whole path in a browser: a campaign, a program composed with a live merge-tag
check, launched by the admin, and followed to "Sent" on the program page without a reload."""
import subprocess
import sys

from signin import sign_in

ARTIFACT_DIR = "test-artifacts"


def import_subscribers(env, tmp_path):
    rows = "first_name,email\nSara,sara@example.com\nعلی,ali@example.com\nJohn,john@example.com\n"
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(rows, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "chapar.cli", "contacts", "import", str(csv_file), "--consent",
                           "email=subscribed", "--wording", "Send me offers"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and "created 3" in done.stdout, done.stdout + done.stderr


def test_compose_launch_and_watch_a_program_send(channel_server, page, tmp_path):
    base, one_time_password, env = channel_server
    import_subscribers(env, tmp_path)
    sign_in(page, base, one_time_password)
    page.goto(base + "/campaigns")
    page.click("main a[href='/campaigns/new']")
    page.fill("input[name=name]", "Nowruz 1405")
    page.click("main button[type=submit].primary")
    page.wait_for_selector("h1 >> text=Nowruz 1405")

    page.click("main a >> text=New program")
    page.fill("input[name=name]", "Spring email")
    if page.input_value("select[name=channel]") != "fixture":  # other channel plugins may be installed
        page.select_option("select[name=channel]", "fixture")
        page.wait_for_selector("[name='c..body']")
    page.click("[name='c..subject']")
    page.keyboard.type("Hello {{ contact.nickname }}")
    page.wait_for_selector("text=/Line 1: .*nickname/")  # the live check names the line of the unknown tag
    page.fill("[name='c..subject']", "")
    page.keyboard.type('Hello {{ contact.first_name|default("friend") }}')
    page.wait_for_selector("text=/Line 1: .*nickname/", state="detached")
    page.fill("[name='c..body']", "Spring sale! {{ links.unsubscribe }}")
    page.fill("input[name=contacts]", "1, 2, 3")
    page.click("main button[name=action][value=save]")
    page.wait_for_selector("h1 >> text=Spring email")

    page.click("main a >> text=Launch…")
    page.wait_for_selector("button >> text=Launch: send to 3 contacts")
    page.click("button >> text=Launch: send to 3 contacts")
    # The worker `chapar serve` started sends them; the status card follows without a reload.
    page.evaluate("window.__sameDocument = true")
    page.wait_for_selector("#program-progress >> text=Sent", timeout=30_000)
    assert page.evaluate("window.__sameDocument === true")
    page.screenshot(path=f"{ARTIFACT_DIR}/program-sent.png", full_page=True)
    page.click("main a >> text=Messages")
    page.wait_for_selector("text=sara@example.com")
    assert page.locator("main table tbody tr").count() == 3
