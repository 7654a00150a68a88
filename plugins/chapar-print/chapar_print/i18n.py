"""The plugin's own catalogue (chapar_print/translations), merged into the app's at mount time.

Chapar loads only the web UI's translations; scripts/install already compiles
plugins/*/*/translations, so this adds the plugin's folder to Flask-Babel's list once per app.
"""
from pathlib import Path

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def add_translations(state):
    """Blueprint.record_once callback: make `_()` in our templates find our Persian text."""
    from flask_babel import get_babel

    babel = get_babel(state.app)
    folder = str(TRANSLATIONS)
    if TRANSLATIONS.is_dir() and folder not in babel.translation_directories:
        babel.translation_directories.append(folder)
