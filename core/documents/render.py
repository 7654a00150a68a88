"""render_pdf: HTML to PDF with WeasyPrint, loading only Chapar's own assets (see fetcher.py)."""
import atexit
import functools
import io
import logging
from pathlib import Path

log = logging.getLogger(__name__)

# Vazirmatn (shipped with the web UI) for Persian and Latin text alike; Liberation/DejaVu after it.
FONT_FACES = """
@font-face { font-family: "Vazirmatn"; src: url("/static/vendor/vazirmatn/Vazirmatn-Regular.ttf"); font-weight: 400; }
@font-face { font-family: "Vazirmatn"; src: url("/static/vendor/vazirmatn/Vazirmatn-Bold.ttf"); font-weight: 700; }
"""
MAX_HTML = 5 * 1024 * 1024  # characters of one document's HTML


class DocumentError(Exception):
    """The document could not be made; the message says why, for people."""


def render_pdf(html, *, stylesheets=(), folders=None, target=None, count_pages=False):
    """The PDF of `html` (a whole document or a fragment): bytes, or written to the binary file
    `target`. `stylesheets` are CSS strings added after the document's own; `folders` maps more
    URL path prefixes to folders the document may load from ({"/letterheads/": Path(...)}).
    With `count_pages`, returns (bytes or None, number of pages): the layout knows it already.

    Remote URLs and local paths are never fetched; what is refused is left out of the PDF and
    logged. Raises DocumentError for HTML too large to render."""
    from weasyprint import HTML

    from .fetcher import ASSET_ORIGIN, OwnAssetsFetcher

    if len(html) > MAX_HTML:
        raise DocumentError("the document is too large to render")
    fetcher = OwnAssetsFetcher(folders)
    font_config, fonts = _fonts()
    document = HTML(string=html, base_url=ASSET_ORIGIN + "/", url_fetcher=fetcher)
    folder_key = tuple(sorted((prefix, str(path)) for prefix, path in (folders or {}).items()))
    sheets = [fonts] + [_stylesheet(css, folder_key) for css in stylesheets]
    out = target if target is not None else io.BytesIO()
    laid_out = document.render(stylesheets=sheets, font_config=font_config)
    laid_out.write_pdf(out)
    pdf = None if target is not None else out.getvalue()
    return (pdf, len(laid_out.pages)) if count_pages else pdf


@functools.lru_cache(maxsize=64)
def _stylesheet(css, folder_key):
    """A parsed stylesheet, kept for the next document: a batch of letters shares its CSS, and
    parsing it again for every letter costs more than the cache. Keyed by the folders it may load
    from, so an image in one set of folders is never served from another."""
    from weasyprint import CSS

    from .fetcher import ASSET_ORIGIN, OwnAssetsFetcher

    fetcher = OwnAssetsFetcher({prefix: Path(path) for prefix, path in folder_key} or None)
    return CSS(string=css, base_url=ASSET_ORIGIN + "/", url_fetcher=fetcher, font_config=_fonts()[0])


@functools.lru_cache(maxsize=1)
def _fonts():
    """(FontConfiguration, the FONT_FACES stylesheet), made once per process: loading the font files
    into fontconfig costs more than rendering a one-page letter."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    from .fetcher import ASSET_ORIGIN, OwnAssetsFetcher

    font_config = FontConfiguration()
    fonts = CSS(string=FONT_FACES, base_url=ASSET_ORIGIN + "/", url_fetcher=OwnAssetsFetcher(), font_config=font_config)
    # Dropped before interpreter shutdown: its __del__ needs Pango, which is gone by then (the
    # parsed stylesheets hold it too).
    atexit.register(_fonts.cache_clear)
    atexit.register(_stylesheet.cache_clear)
    return font_config, fonts
