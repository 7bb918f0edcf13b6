"""How the hook talks to the engine (``wisca serve``): JSON lines over a child's pipe, or authenticated loopback HTTP.

HTTP requests carry ``Authorization: Bearer <secret>``. The secret is, first match wins: the ``token``
argument, ``$WISCA_TOKEN``, the file named by the ``token_file`` argument or ``$WISCA_TOKEN_FILE``, the
token file the server announced in its startup line (servers this package starts), else the server's
default token file for that port (``$XDG_RUNTIME_DIR/wisca/serve-<port>.token``, else
``~/.cache/wisca/serve-<port>.token``). ``--stdio`` needs none: the pipe is private.
"""

import json
import os
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request

from .errors import WiscaError
from .launcher import cli_command

__all__ = ["StdioTransport", "HttpTransport", "HttpServer", "connect", "default_token_file"]


class StdioTransport:
    """Talks to a ``wisca serve --stdio`` child process, one JSON line per request."""

    def __init__(self, command=None):
        self._lock = threading.Lock()
        command = list(command) if command else cli_command() + ["serve", "--stdio"]
        try:
            self._proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                          encoding="utf-8", bufsize=1)
        except OSError as e:
            raise WiscaError("NoCli", "cannot start %s: %s" % (command[0], e)) from e

    def call(self, op, request):
        with self._lock:
            if self._proc.poll() is not None:
                raise WiscaError("IO", "wisca serve exited with status %s (see its stderr)" % self._proc.returncode)
            try:
                self._proc.stdin.write(json.dumps({"op": op, "request": request}) + "\n")
                self._proc.stdin.flush()
            except OSError as e:
                raise WiscaError("IO", "wisca serve stopped reading: %s (see its stderr)" % e) from e
            line = self._proc.stdout.readline()
        if not line:
            raise WiscaError("IO", "wisca serve closed its output (see its stderr)")
        answer = json.loads(line)
        if not answer["ok"]:
            raise WiscaError(answer["error"]["kind"], answer["error"]["message"])
        return answer["response"]

    def close(self):
        if self._proc.poll() is None:
            try:
                self._proc.stdin.write('{"op": "shutdown"}\n')
                self._proc.stdin.close()
                self._proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()
                self._proc.wait()
        self._proc.stdout.close()


def default_token_file(port):
    """Where ``wisca serve --port PORT`` writes its secret unless told otherwise (contract: serve-<port>.token)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = os.path.join(runtime, "wisca") if runtime else os.path.join(os.path.expanduser("~"), ".cache", "wisca")
    return os.path.join(base, "serve-%d.token" % int(port))


def _read_token(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except OSError as e:
        raise WiscaError("Unauthorized", "cannot read the wisca serve token file %s: %s" % (path, e.strerror)) from e


class HttpTransport:
    """Talks to ``wisca serve --port N`` on loopback, with the bearer token (see the module's doc)."""

    def __init__(self, url, token=None, token_file=None, timeout=300.0):
        self._url = url.rstrip("/")
        self._timeout = timeout
        self._token = token
        self._token_file = token_file
        self._resolved = None

    def _secret(self, refresh=False):
        if self._token is not None:
            return self._token
        if os.environ.get("WISCA_TOKEN"):
            return os.environ["WISCA_TOKEN"]
        if self._resolved is not None and not refresh:
            return self._resolved
        path = self._token_file or os.environ.get("WISCA_TOKEN_FILE")
        if not path:
            port = urllib.parse.urlsplit(self._url).port
            candidate = default_token_file(port) if port else None
            path = candidate if candidate and os.path.isfile(candidate) else None
        self._resolved = _read_token(path) if path else None
        return self._resolved

    def call(self, op, request):
        try:
            return self._post(op, request, self._secret())
        except WiscaError as e:
            if e.kind != "Unauthorized" or self._token is not None or os.environ.get("WISCA_TOKEN"):
                raise
            return self._post(op, request, self._secret(refresh=True))  # the server restarted with a new secret

    def _post(self, op, request, secret):
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["Authorization"] = "Bearer " + secret
        req = urllib.request.Request(self._url + "/v1/" + op, data=json.dumps(request).encode("utf-8"), method="POST",
                                     headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self._timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            if e.code in (401, 403):
                raise WiscaError("Unauthorized" if e.code == 401 else "Forbidden",
                                 "wisca serve at %s answered HTTP %d: %s" % (
                                     self._url, e.code, "no or wrong token: set WISCA_TOKEN, or WISCA_TOKEN_FILE to the "
                                     "token file named in the server's startup line" if e.code == 401 else
                                     "only loopback clients without an Origin header are served")) from e
            try:
                error = json.loads(e.read().decode("utf-8"))["error"]
            except (ValueError, KeyError, TypeError):
                raise WiscaError("IO", "HTTP %d from %s" % (e.code, self._url)) from e
            raise WiscaError(error["kind"], error["message"]) from e
        except urllib.error.URLError as e:
            raise WiscaError("IO", "cannot reach wisca serve at %s: %s" % (self._url, e.reason)) from e

    def close(self):
        pass


class HttpServer:
    """A ``wisca serve --port 0`` child started on demand; ``url`` and ``token`` from its startup line.

    The first stdout line is a JSON object with ``url`` and ``token_file``; a server that predates
    authentication prints ``listening on URL (port N)`` and needs no token."""

    def __init__(self, command=None, extra_args=()):
        command = list(command) if command else cli_command() + ["serve", "--port", "0"] + list(extra_args)
        try:
            self._proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, encoding="utf-8")
        except OSError as e:
            raise WiscaError("NoCli", "cannot start %s: %s" % (command[0], e)) from e
        line = self._proc.stdout.readline().strip()
        self.token_file = None
        if line.startswith("{"):
            announced = json.loads(line)
            self.url = announced["url"]
            self.token_file = announced.get("token_file")
        elif line.startswith("listening on "):
            self.url = line.split()[2]
        else:
            self.close()
            raise WiscaError("IO", "wisca serve did not start (first line: %r; see its stderr)" % line)
        self.token = _read_token(self.token_file) if self.token_file else None

    def transport(self):
        return HttpTransport(self.url, token=self.token)

    def close(self):
        if self._proc.poll() is None:
            try:
                HttpTransport(self.url, token=self.token, timeout=10).call("shutdown", {})
            except (WiscaError, AttributeError, ValueError):
                pass
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._proc.terminate()
                self._proc.wait()
        self._proc.stdout.close()


class _OwnedHttp:
    """An HttpTransport to a server this process started: closing it stops the server."""

    def __init__(self, server):
        self._server = server
        self._transport = server.transport()

    def call(self, op, request):
        return self._transport.call(op, request)

    def close(self):
        self._server.close()


def connect(server=None):
    """A transport for ``server``: None → ``$WISCA_SERVER`` (a URL) when set, else spawn ``wisca serve --stdio``;
    ``"http"`` → start ``wisca serve --port 0`` and talk HTTP to it; a URL string → that server; a list → a
    command to spawn speaking ``--stdio``; anything with ``call(op, request)`` and ``close()`` as it is."""
    if server is None:
        server = os.environ.get("WISCA_SERVER") or None
    if server is None:
        return StdioTransport()
    if server == "http":
        return _OwnedHttp(HttpServer())
    if isinstance(server, str):
        return HttpTransport(server)
    if isinstance(server, (list, tuple)):
        return StdioTransport(list(server))
    return server
