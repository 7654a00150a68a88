"""Languages: Flask-Babel with English and Persian, the user's choice, Jalali dates for Persian."""
from datetime import date, datetime, timezone

import jdatetime
from flask import request, session
from flask_babel import Babel, format_date, format_datetime, get_locale
from flask_login import current_user

LANGUAGES = {"en": "English", "fa": "فارسی"}
RTL = {"fa"}
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
# Persian and Arabic digits and separators as Decimal reads them; thousands separators dropped.
_LATIN_NUMBER = str.maketrans({**{c: str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")},
                               **{c: str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")},
                               "٫": ".", "٬": "", ",": "", "،": ""})


def latin_number(text):
    """"۱۲٬۵۰۰٫۷۵" or "12,500.75" -> "12500.75", ready for Decimal()."""
    return str(text).strip().translate(_LATIN_NUMBER)


def select_locale():
    """The user's saved choice, else the session's, else the browser's, else the default."""
    from flask import current_app, has_request_context

    if not has_request_context():  # a command or a worker: lazy strings render in the default language
        return current_app.config["CHAPAR"].DEFAULT_LOCALE
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in LANGUAGES:
        return current_user.locale
    if session.get("locale") in LANGUAGES:
        return session["locale"]
    return request.accept_languages.best_match(list(LANGUAGES)) or current_app.config["CHAPAR"].DEFAULT_LOCALE


def current_language():
    return str(get_locale() or "en")


def text_direction():
    return "rtl" if current_language() in RTL else "ltr"


def persian_digits(text):
    return str(text).translate(_PERSIAN_DIGITS)


def format_when(value, with_time=True):
    """A date or datetime for display: Jalali with Persian digits in Persian, Babel's format otherwise."""
    if value is None:
        return ""
    if current_language() == "fa":
        if isinstance(value, datetime):
            jalali = jdatetime.datetime.fromgregorian(datetime=value)
            text = jalali.strftime("%Y/%m/%d %H:%M" if with_time else "%Y/%m/%d")
        else:
            text = jdatetime.date.fromgregorian(date=value).strftime("%Y/%m/%d")
        return persian_digits(text)
    if isinstance(value, datetime):
        value = value.replace(tzinfo=value.tzinfo or timezone.utc)
        return format_datetime(value, "medium") if with_time else format_date(value, "medium")
    if isinstance(value, date):
        return format_date(value, "medium")
    return str(value)


def init_app(app):
    from pathlib import Path

    import chapar.webui as webui

    from .plugins import plugin_dirs

    # The web UI's catalogue first, then each plugin's own: Flask-Babel merges them.
    folders = [Path(webui.__file__).parent / "translations", *(folder for _name, folder in plugin_dirs("translations"))]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(folder) for folder in folders)
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["when"] = format_when
    app.jinja_env.globals.update(text_direction=text_direction, current_language=current_language,
                                 LANGUAGES=LANGUAGES)
