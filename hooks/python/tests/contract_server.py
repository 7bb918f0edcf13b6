"""A loopback HTTP server that checks what contract 2 asks of `wisca serve` clients, for test_transport.py:
a random secret in a 0600 token file, the startup line {"url", "token_file"}, 401 without
`Authorization: Bearer <secret>`, 403 with an Origin header. Every authorized POST /v1/OP answers {"op": OP}."""

import http.server
import json
import os
import secrets
import sys


def main():
    token_file = sys.argv[1]
    secret = secrets.token_hex(32)
    fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secret)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.headers.get("Origin"):
                return self.answer(403, {"error": {"kind": "Forbidden", "message": "origin"}})
            if self.headers.get("Authorization") != "Bearer " + secret:
                return self.answer(401, {"error": {"kind": "Unauthorized", "message": "token"}})
            op = self.path.rsplit("/", 1)[-1]
            self.answer(200, {"op": op})
            if op == "shutdown":
                server.shutdown_requested = True

        def answer(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    server.shutdown_requested = False
    print(json.dumps({"url": "http://127.0.0.1:%d" % server.server_port, "token_file": token_file}), flush=True)
    while not server.shutdown_requested:
        server.handle_request()
    os.remove(token_file)


if __name__ == "__main__":
    main()
