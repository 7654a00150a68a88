"""The only resources a document may load: Chapar's own static files, the folders the caller names
(a plugin's uploaded letterheads), and small data: URLs.

Documents hold merge-tag output and uploaded content, so they are hostile input: a remote URL would
let a template make the server request anything (SSRF), and file:// would read any local file. Both
are refused, as is every scheme but data:. Relative URLs resolve against ASSET_ORIGIN, a host that
never reaches the network: "/static/…" is webui/static, "/plugins/<name>/static/…" a plugin's
static folder, and each extra prefix its folder. A path that escapes its folder is refused.
"""
import importlib.util
import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)

ASSET_ORIGIN = "https://chapar-assets.invalid"  # .invalid never resolves (RFC 2606)
MAX_DATA_URL = 2 * 1024 * 1024  # characters: an inline logo, not a smuggled archive
MAX_FILE = 10 * 1024 * 1024  # bytes of one asset file


class AssetRefused(ValueError):
    """A document asked for something it may not load."""


class OwnAssetsFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves only `folders` ({url path prefix: folder}) and data: URLs."""

    def __init__(self, folders=None):
        super().__init__(timeout=2, allowed_protocols=("data", "https"), allow_redirects=False)
        self.folders = {"/static/": static_folder(), **plugin_static_folders(), **(folders or {})}

    def fetch(self, url, headers=None):
        if url[:5].lower() == "data:":
            if len(url) > MAX_DATA_URL:
                raise AssetRefused("data: URL too large")
            return super().fetch(url, headers)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != ASSET_ORIGIN:
            log.warning("document asked for %.200s: refused (only Chapar's own assets are loaded)", url)
            raise AssetRefused(f"not loaded: {url[:200]} (only Chapar's own assets)")
        path = self.local_path(unquote(parts.path))
        if path.stat().st_size > MAX_FILE:
            raise AssetRefused(f"asset too large: {parts.path}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    def local_path(self, path):
        """The file behind an asset path; AssetRefused if none or if it escapes its folder."""
        for prefix, folder in sorted(self.folders.items(), key=lambda item: -len(item[0])):
            if path.startswith(prefix):
                root = Path(folder).resolve()
                candidate = (root / path[len(prefix):]).resolve()
                if candidate.is_relative_to(root) and candidate.is_file():
                    return candidate
                break
        raise AssetRefused(f"no such asset: {path[:200]}")


def static_folder():
    """The web UI's static folder (chapar.webui is mapped to webui/ in a source checkout)."""
    return Path(importlib.util.find_spec("chapar.webui").origin).parent / "static"


def plugin_static_folders():
    """{"/plugins/<name>/static/": folder} for every plugin with a static folder."""
    from ..plugins import plugin_dirs

    return {f"/plugins/{name}/static/": folder for name, folder in plugin_dirs("static")}
