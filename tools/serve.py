"""Serve the built web book (``_site/``) on http://127.0.0.1:4200 (``make serve``).

Plain HTTP on the loopback interface, with the MIME types Pyodide and vega need (``.mjs``,
``.wasm``, ``.json``, ``.zip``, ``.whl``), no caching (a rebuild shows at the next reload), and one
log line per failed request only.

Usage: ``python tools/serve.py [--port 4200] [--host 127.0.0.1] [--dir _site]``
(the port also from the environment variable ``MLSYSIM_PORT``)
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TYPES = {
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".map": "application/json",
    ".zip": "application/zip",
    ".whl": "application/zip",
    ".tar": "application/x-tar",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".svg": "image/svg+xml",
    ".css": "text/css",
    ".html": "text/html",
    ".txt": "text/plain",
    ".md": "text/markdown",
}


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files with explicit MIME types, no caching, and quiet logging."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **TYPES}

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass

    def log_request(self, code="-", size="-"):
        try:
            failed = int(code) >= 400
        except (TypeError, ValueError):
            failed = False
        if failed:
            sys.stderr.write(f"{self.command} {self.path} -> {int(code)}\n")


def serve(directory: Path, host: str = "127.0.0.1", port: int = 4200) -> None:
    handler = functools.partial(Handler, directory=str(directory))
    try:
        httpd = http.server.ThreadingHTTPServer((host, port), handler)
    except OSError as e:
        raise SystemExit(f"cannot listen on {host}:{port}: {e.strerror}; choose another port with --port") from None
    with httpd:
        print(f"Serving {directory} at http://{host}:{httpd.server_address[1]}/  (Ctrl-C to stop)", flush=True)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            print("\nstopped", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Serve the built web book over HTTP.")
    ap.add_argument("--port", type=int, default=int(os.environ.get("MLSYSIM_PORT", "4200")))
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--dir", type=Path, default=ROOT / "_site", help="the folder to serve (default: _site)")
    args = ap.parse_args(argv)
    if not (args.dir / "index.html").exists():
        print(f"{args.dir}/index.html does not exist: build the site first (make site)", file=sys.stderr)
        return 1
    serve(args.dir.resolve(), args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
