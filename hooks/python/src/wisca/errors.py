"""The one exception of the package, and how it is read back from the Java CLI's one-line error."""

import json
import os
import re

__all__ = ["WiscaError", "from_cli_output"]

# A wisca ErrorKind as the CLI prints it (HeaderTooSmall, InvalidArgument, IO, ...): one CamelCase word.
_KIND = re.compile(r"^[A-Z][A-Za-z0-9]*$")
# Exit codes of the CLI (cli/ExitCodes.java): 1 = check failed, 2 = usage or input error, 70 = bug.
_KIND_BY_EXIT = {1: "NotEquivalent", 2: "InvalidArgument", 70: "Internal"}


class WiscaError(RuntimeError):
    """wisca refused a request or could not run.

    ``kind`` is the engine's error kind (``InvalidArgument``, ``UnknownArchitecture``, ``IO``, ...;
    ``NoJdk`` / ``NoCli`` when the Java side cannot be found), ``path`` and ``tensor`` name the file
    and tensor when the engine named them, ``detail`` is the message without them.
    """

    def __init__(self, kind, message, path=None, tensor=None, detail=None, exit_code=None):
        super().__init__("%s: %s" % (kind, message))
        self.kind = kind
        self.path = path
        self.tensor = tensor
        self.detail = detail if detail is not None else message
        self.exit_code = exit_code


def from_cli_output(stderr, exit_code):
    """The WiscaError a failed CLI run stands for: from a JSON error object on stderr when the CLI
    prints one (``{"error": {"kind", "message", "path", "tensor"}}``), else from its line
    ``wisca: Kind: path[tensor]: detail``."""
    lines = [line for line in (stderr or "").splitlines() if line.strip()]
    for line in lines:
        parsed = _json_error(line, exit_code)
        if parsed is not None:
            return parsed
    # The error is the last "wisca: Kind: ..." line; progress lines ("wisca: stats 1/2 75% ...") come before it.
    for line in reversed(lines):
        if line.startswith("wisca: ") and _KIND.match(line[len("wisca: "):].partition(": ")[0]):
            return parse_message(line[len("wisca: "):], exit_code)
    for line in reversed(lines):
        if line.startswith("wisca: "):
            return parse_message(line[len("wisca: "):], exit_code)
    tail = lines[-1] if lines else "no message"
    return WiscaError(_KIND_BY_EXIT.get(exit_code, "Internal"), "wisca exited with status %s: %s" % (exit_code, tail),
                      exit_code=exit_code)


def parse_message(message, exit_code=None):
    """``Kind: file[tensor]: detail`` (WiscaException's message) split into its parts.

    The file may itself contain ``": "``; the split taken is the first whose head is an existing path,
    else the first that carries a ``[tensor]`` or looks like a path (a separator or a known suffix)."""
    head, sep, rest = message.partition(": ")
    if not sep or not _KIND.match(head):
        return WiscaError(_KIND_BY_EXIT.get(exit_code, "InvalidArgument"), message, exit_code=exit_code)
    kind = head
    splits = [i for i in range(len(rest)) if rest.startswith(": ", i)]
    candidates = [(i,) + _path_and_tensor(rest[:i]) for i in splits]
    chosen = next((c for c in candidates if c[1] and os.path.exists(c[1])), None) \
        or next((c for c in candidates if c[2] is not None or (c[1] and _looks_like_path(c[1]))), None)
    if chosen is None:
        return WiscaError(kind, message, detail=rest, exit_code=exit_code)
    i, path, tensor = chosen
    return WiscaError(kind, message, path=path or None, tensor=tensor, detail=rest[i + 2:], exit_code=exit_code)


def _path_and_tensor(head):
    m = re.match(r"^(.*)\[([^\[\]]+)\]$", head)
    return (m.group(1), m.group(2)) if m else (head, None)


def _looks_like_path(text):
    return os.path.exists(text) or os.sep in text or "/" in text or text.endswith((".safetensors", ".json", ".pt", ".bin"))


def _json_error(line, exit_code):
    if not line.lstrip().startswith("{"):
        return None
    try:
        error = json.loads(line)["error"]
        return WiscaError(error["kind"], error.get("message", ""), path=error.get("path"), tensor=error.get("tensor"),
                          detail=error.get("detail"), exit_code=exit_code)
    except (ValueError, KeyError, TypeError):
        return None

