"""GET /api/v1/me: who the token belongs to and what it may do."""
from flask import current_app, g
from flask_smorest import Blueprint

from ..access import require_role
from .schemas import MeSchema

blp = Blueprint("me", __name__, url_prefix="/me", description="The caller: the token's user and role")


@blp.route("")
@require_role("viewer")
@blp.response(200, MeSchema)
def me():
    """The token's user

    The role in force is the token's own (`role`), which is at most the user's (`user_role`).
    """
    user, token = g.api_user, g.api_token
    return {
        "id": user.id, "email": user.email, "name": user.name, "role": token.role, "user_role": user.role,
        "locale": user.locale or current_app.config["CHAPAR"].DEFAULT_LOCALE, "token_id": token.id,
    }
