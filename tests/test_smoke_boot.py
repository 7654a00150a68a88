def test_app_boots_on_each_database(app):
    from chapar.models import User

    assert User.select().count() == 0
    assert app.test_client().get("/login").status_code == 200
