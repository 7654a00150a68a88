from flask import Blueprint

blueprint = Blueprint("webui", __name__, template_folder="../templates", static_folder="../static",
                      static_url_path="/static")


@blueprint.route("/login")
def login():
    return "login"
