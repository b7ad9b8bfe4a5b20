"""Static files for web pages (docs/config.md, `web.static`), as in the TS runtime: a file under
one directory, nothing outside it (no "..", no symbolic link leading out)."""

from __future__ import annotations

import os
from urllib.parse import unquote

_TYPES = {
    ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8", ".json": "application/json", ".map": "application/json", ".svg": "image/svg+xml",
    ".png": "image/png", ".ico": "image/x-icon", ".txt": "text/plain; charset=utf-8",
}


def static_file(root: str, url_path: str) -> tuple[str, bytes] | None:
    """The content type and bytes of the file for a URL path under `root`, or None."""
    path = unquote(url_path, errors="strict") if "%" in url_path else url_path
    if "\0" in path or ".." in path.split("/"):
        return None
    if path.endswith("/"):
        path += "index.html"
    try:
        base = os.path.realpath(root)
        file = os.path.realpath(os.path.join(base, path.lstrip("/")))
        if not file.startswith(base + os.sep) or not os.path.isfile(file):
            return None
        with open(file, "rb") as f:
            body = f.read()
    except (OSError, UnicodeDecodeError):
        return None
    return _TYPES.get(os.path.splitext(file)[1].lower(), "application/octet-stream"), body
