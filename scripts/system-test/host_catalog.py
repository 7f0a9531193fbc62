"""The catalog feed for the system test, on the host: one catalog.toml over HTTP, as a shop's server would
publish it for its kiosks. The guest reaches it at 10.0.2.100:8080 (QEMU's user network, restrict=on, through
relay.py). The power step publishes new versions and sees when the kiosk fetches one, to cut the power while
the kiosk checks and keeps it.
"""

import http.server
import threading
import time

GUEST_PORT = 8080


class HostCatalogFeed:
    def __init__(self, catalog_bytes):
        self.body = catalog_bytes
        self.version = 0
        self.fetched = {}  # version -> when the kiosk first fetched it (monotonic)
        self.lock = threading.Lock()
        feed = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path != "/catalog.toml":
                    self.send_error(404)
                    return
                with feed.lock:
                    body, version = feed.body, feed.version
                    feed.fetched.setdefault(version, time.monotonic())
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", f'"v{version}"')
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def guestfwd(self, relay):
        return f"guestfwd=tcp:10.0.2.100:{GUEST_PORT}-cmd:python3 {relay} {self.port}"

    def publish(self, body):
        """A new version (new bytes, new ETag); returns its number."""
        with self.lock:
            self.body = body
            self.version += 1
            return self.version

    def wait_fetched(self, version, timeout):
        """Waits until the kiosk has fetched this version; returns False when it did not in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if version in self.fetched:
                    return True
            time.sleep(0.01)
        return False

    def stop(self):
        self.server.shutdown()
