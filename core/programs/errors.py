"""Why a program stopped (Program.error): the English text stored, and that text in the reader's language.

The stored text stays English because the JSON API and the logs show it as it is; the web UI shows it
translated with shown_error, which reads the parameters back out of the stored text.
"""
import re

from flask_babel import gettext
from markupsafe import Markup, escape


def N_(text):  # noqa: N802 - the name pybabel extracts by default
    """Mark `text` for the catalogue and return it untranslated: it is stored, and translated when shown."""
    return text


# Translators: a program was paused because the plugin of its channel (e.g. "sms") is no longer installed.
CHANNEL_NOT_INSTALLED = N_("the %(channel)s channel is not installed")
# Translators: detail is the technical error, which is shown as it is, in English.
LAUNCH_INCOMPLETE = N_("the launch could not be completed: %(detail)s")
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _reader(template):
    """A regex matching the text `template` makes, capturing each parameter by its name."""
    parts = _PLACEHOLDER.split(template)  # literal, name, literal, name, …, literal
    return re.compile("".join(f"(?P<{part}>.+)" if index % 2 else re.escape(part)
                              for index, part in enumerate(parts)), re.DOTALL)


# The launch's first: its detail may itself end "… channel is not installed", which the other would misread.
_READERS = [(template, _reader(template)) for template in (LAUNCH_INCOMPLETE, CHANNEL_NOT_INSTALLED)]


def shown_error(error):
    """A stored Program.error in the current user's language, as safe HTML; text it does not know comes back
    as it is (Jinja escapes it). The parameters (a channel name, an exception's text) stay as they are, each
    in <bdi> so a Latin name or English detail keeps its own direction inside a right-to-left sentence."""
    for template, reader in _READERS:
        if match := reader.fullmatch(error):
            isolated = {name: Markup('<bdi dir="auto">%s</bdi>') % value for name, value in match.groupdict().items()}
            sentence = gettext(template)  # stored in lower case, to be read inside a sentence too
            return escape(sentence[:1].upper() + sentence[1:]) % isolated
    return error
