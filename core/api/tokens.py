"""/api/v1/tokens: list, create and revoke API tokens over the API itself."""
from functools import wraps

from flask import g
from flask_smorest import Blueprint

from .. import audit
from .. import tokens as token_store
from ..access import current_role, require_role
from ..models import ApiToken, User, role_at_least
from .auth import check_role
from .errors import abort
from .pagination import PAGE_HEADERS, page_of, paginate
from .schemas import TokenCreatedSchema, TokenCreateSchema, TokenListArgsSchema, TokenSchema

blp = Blueprint("tokens", __name__, url_prefix="/tokens", description="API tokens")


def _tokens():
    # Joined so that listing owners' emails costs one query, not one per row.
    return ApiToken.select(ApiToken, User).join(User).order_by(ApiToken.id.desc())


@blp.route("", methods=["GET"])
@require_role("viewer")
@blp.arguments(TokenListArgsSchema, location="query")
@blp.response(200, page_of(TokenSchema), headers=PAGE_HEADERS)
def list_tokens(args):
    """List API tokens

    The caller's own tokens, newest first, revoked ones included. With `all=1` an admin token
    lists every user's tokens.
    """
    query = _tokens()
    if args["all"]:
        check_role("admin", "Only an admin token may list every user's tokens (all=1).")
    else:
        query = query.where(ApiToken.user == g.api_user)
    return paginate(query, args)


# The lowest role of a token that may create tokens. Viewer and marketer tokens are the ones
# handed to dashboards and integrations; one of them leaking must not let its holder mint
# replacements that outlive its revocation. People create tokens of any role in the web UI.
CREATOR_ROLE = "manager"


def _creator_role_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        check_role(CREATOR_ROLE, f"Only a {CREATOR_ROLE} or admin token may create tokens; create this one in "
                                 "the web UI (API tokens) or with `chapar token create`.")
        return view(*args, **kwargs)

    return wrapped


@blp.route("", methods=["POST"])
@require_role("viewer")
@_creator_role_required
@blp.arguments(TokenCreateSchema)
@blp.response(201, TokenCreatedSchema)
def create_token(data):
    """Create an API token

    For the caller's own user, with a manager or admin token (lower tokens get 403). The role
    defaults to, and may not exceed, the calling token's role. The secret is in this response
    only: it is stored hashed and cannot be shown again.
    """
    caller_role = current_role()
    role = data.get("role") or caller_role
    if not role_at_least(caller_role, role):
        abort(403, f"A {caller_role} token cannot create a token with the {role} role.",
              details={"field": "role", "max_role": caller_role})
    try:
        token, secret = token_store.create_token(g.api_user, data["name"], role)
    except ValueError as exc:  # the store's own rules, should they be stricter than the schema
        abort(422, str(exc))
    audit.record("token.created", actor=g.api_user, target=token.name, role=token.role, prefix=token.prefix,
                 via="api")
    token.secret = secret
    return token, {"Cache-Control": "no-store"}


@blp.route("/<id:token_id>", methods=["DELETE"])
@require_role("viewer")
@blp.response(204)
def revoke_token(token_id):
    """Revoke an API token

    The caller's own token, or any token for an admin. Revoking an already revoked token
    succeeds and changes nothing. Revoking the token in use ends its access at once.
    """
    token = _tokens().where(ApiToken.id == token_id).first()
    mine = token is not None and token.user_id == g.api_user.id
    if token is None or not (mine or role_at_least(current_role(), "admin")):
        # The same answer for "absent" and "someone else's", so ids reveal nothing.
        abort(404, f"No token {token_id} that you may revoke.")
    if token.revoked_at is None:
        token_store.revoke(token)
        audit.record("token.revoked", actor=g.api_user, target=token.name, prefix=token.prefix,
                     owner=token.user.email, via="api")
    return None
