"""The first admin's sign-in in a browser, one-time password change included."""
NEW_PASSWORD = "a much better passphrase"


def sign_in(page, base, one_time_password):
    page.goto(base + "/login")
    page.fill("input[name=email]", "admin@localhost")
    page.fill("input[name=password]", one_time_password)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/account/password**")
    page.fill("input[name=current_password]", one_time_password)
    page.fill("input[name=new_password]", NEW_PASSWORD)
    page.fill("input[name=confirm_password]", NEW_PASSWORD)
    page.click("main button[type=submit].primary")
    page.wait_for_url(base + "/")
