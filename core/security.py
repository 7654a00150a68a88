"""Security defaults: CSRF on unsafe methods, rate limits, security headers, proxy trust."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)

# Only the app's own origin. htmx's indicator styles are disabled in the layout so no inline
# style is needed; embeddable forms will relax frame-ancestors on their own routes.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def _limiter_storage_uri(app):
    settings = app.config["CHAPAR"]
    if settings.embedded_redis:
        return f"redis+unix://{settings.HOME / 'redis.sock'}"
    return settings.REDIS_URL


def init_app(app):
    settings = app.config["CHAPAR"]
    if settings.PROXY_COUNT:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.PROXY_COUNT, x_proto=settings.PROXY_COUNT,
                                x_host=settings.PROXY_COUNT)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # tied to the session instead of a clock
    app.config["WTF_CSRF_HEADERS"] = ["X-CSRFToken"]
    app.config["RATELIMIT_STORAGE_URI"] = _limiter_storage_uri(app)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "chapar-limits")
    csrf.init_app(app)
    limiter.init_app(app)

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if settings.HTTPS:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
