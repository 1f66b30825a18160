# Serves the app: python3 main.py, then open http://localhost:8000 (PORT changes the port).
import os
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

from app.features import FEATURES
from app.page import render_page
from app.store import create_state


class AppHandler(BaseHTTPRequestHandler):
    # One state for everyone who opens the page: this is a small demo app,
    # and the server answers one request at a time.
    state = create_state()
    message = ""

    def do_GET(self):
        if self.path != "/":
            self.send_error(404)
            return
        self.respond(render_page(AppHandler.state, AppHandler.message))

    def do_POST(self):
        prefix, _, slug = self.path.rpartition("/")
        module = next((m for m in FEATURES if m.FEATURE["slug"] == slug), None)
        if prefix != "/features" or module is None:
            self.send_error(404)
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_error(400)
            return
        form = parse_qs(self.rfile.read(length).decode("utf-8", errors="replace"))
        AppHandler.state, AppHandler.message = module.run(AppHandler.state, form.get("text", [""])[0])
        self.send_response(303)
        self.send_header("Location", "/")
        self.end_headers()

    def respond(self, page):
        body = page.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8000"))
    print(f"Serving on http://localhost:{port}")
    HTTPServer(("", port), AppHandler).serve_forever()
