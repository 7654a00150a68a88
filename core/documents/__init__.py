"""PDF documents from HTML (WeasyPrint), for letters, faxes and reports: see render_pdf.

WeasyPrint is imported on first use, not with `chapar`: it loads Pango, which every web and
worker process would otherwise pay for."""
from .render import FONT_FACES, DocumentError, render_pdf

__all__ = ["FONT_FACES", "DocumentError", "render_pdf"]
