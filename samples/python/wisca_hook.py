"""Live WISCA rescaling for PyTorch training loops.

The wisca engine (``wisca serve``) is the brain, this module is the hands: it describes the
model's parameters once, then, every ``every`` steps, measures small per-index statistics where
the weights live (GPU or CPU, under ``torch.no_grad()``), asks the engine for scale vectors and
applies them in place, rescaling Adam's ``exp_avg`` / ``exp_avg_sq`` to match. The model's outputs
are unchanged by a hook call (up to the rounding of stored weights); the training trajectory is not.

Only ``torch`` is required; ``transformers`` is imported only by :func:`WiscaTrainerCallback`.

    hook = WiscaHook(model, optimizer, every=250)          # spawns `bin/wisca serve --stdio`
    for step, batch in enumerate(loader):
        loss = model(**batch).loss; loss.backward(); optimizer.step(); optimizer.zero_grad()
        hook.step(step + 1)
"""

import json
import os
import subprocess
import threading
import urllib.error
import urllib.request

import torch

__all__ = ["WiscaHook", "WiscaTrainerCallback", "WiscaError", "StdioTransport", "HttpTransport"]

PROTOCOL_VERSION = 1
DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64"}
# Optimizer state entries that follow a parameter: name -> power of (r c) they are divided by.
MOMENTS = {"exp_avg": 1, "exp_avg_sq": 2, "max_exp_avg_sq": 2}
# Elements per block when measuring or scaling a large matrix (bounds the float64 temporaries).
BLOCK_ELEMENTS = 1 << 24


class WiscaError(RuntimeError):
    """The engine refused a request (``kind`` as ``wisca`` names it) or could not be reached."""

    def __init__(self, kind, message):
        super().__init__("%s: %s" % (kind, message))
        self.kind = kind


def _default_command():
    here = os.path.dirname(os.path.abspath(__file__))
    return [os.path.join(here, "..", "..", "bin", "wisca"), "serve", "--stdio"]


class StdioTransport:
    """Talks to a ``wisca serve --stdio`` child process, one JSON line per request."""

    def __init__(self, command=None):
        self._lock = threading.Lock()
        self._proc = subprocess.Popen(command or _default_command(), stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1)

    def call(self, op, request):
        with self._lock:
            if self._proc.poll() is not None:
                raise WiscaError("IO", "wisca serve exited with status %s" % self._proc.returncode)
            self._proc.stdin.write(json.dumps({"op": op, "request": request}) + "\n")
            self._proc.stdin.flush()
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


def _server_token(token=None, token_file=None):
    """The server's secret: ``token``, else ``$WISCA_TOKEN``, else the file ``token_file`` or ``$WISCA_TOKEN_FILE``."""
    token = token or os.environ.get("WISCA_TOKEN")
    if token:
        return token.strip()
    token_file = token_file or os.environ.get("WISCA_TOKEN_FILE")
    if not token_file:
        raise WiscaError("Unauthorized", "set WISCA_TOKEN or WISCA_TOKEN_FILE (the token_file wisca serve printed on its first line)")
    with open(token_file, encoding="ascii") as f:
        return f.read().strip()


class HttpTransport:
    """Talks to ``wisca serve --port N`` on loopback, sending its secret as ``Authorization: Bearer``.

    ``token`` / ``token_file`` default to ``$WISCA_TOKEN`` / ``$WISCA_TOKEN_FILE``; :meth:`from_startup_line`
    takes the ``token_file`` from the JSON line a ``wisca serve`` started by the caller printed first.
    """

    def __init__(self, url, timeout=300.0, token=None, token_file=None):
        self._url = url.rstrip("/")
        self._timeout = timeout
        self._token = _server_token(token, token_file)

    @classmethod
    def from_startup_line(cls, line, timeout=300.0):
        started = json.loads(line)
        return cls(started["url"], timeout=timeout, token_file=started["token_file"])

    def call(self, op, request):
        body = json.dumps(request).encode("utf-8")
        req = urllib.request.Request(self._url + "/v1/" + op, data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Authorization": "Bearer " + self._token})
        try:
            with urllib.request.urlopen(req, timeout=self._timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            try:
                error = json.loads(e.read().decode("utf-8"))["error"]
            except (ValueError, KeyError):
                raise WiscaError("IO", "HTTP %d from %s" % (e.code, self._url)) from e
            raise WiscaError(error["kind"], error["message"]) from e
        except urllib.error.URLError as e:
            raise WiscaError("IO", "cannot reach wisca serve at %s: %s" % (self._url, e.reason)) from e

    def close(self):
        pass


def _transport(server):
    if server is None:
        return StdioTransport()
    if isinstance(server, str):
        return HttpTransport(server)
    if isinstance(server, (list, tuple)):
        return StdioTransport(list(server))
    return server  # anything with call(op, request) and close()


def _config_dict(config, model):
    if config is None:
        config = getattr(model, "config", None)
    if config is None:
        return None
    if hasattr(config, "to_dict"):
        return config.to_dict()
    return dict(config)


def _adapter_dict(adapter_config):
    """adapter_config.json as a JSON-ready dict (a PEFT config's sets become sorted lists)."""
    if adapter_config is None:
        return None
    d = adapter_config.to_dict() if hasattr(adapter_config, "to_dict") else dict(adapter_config)
    return json.loads(json.dumps(d, default=lambda v: sorted(v) if isinstance(v, (set, frozenset)) else str(v)))


def _strip_wrappers(name):
    """Names as in the checkpoint: without DDP's ``module.`` and torch.compile's ``_orig_mod.``."""
    for prefix in ("module.", "_orig_mod."):
        while name.startswith(prefix):
            name = name[len(prefix):]
    return name


class WiscaHook:
    """Rescales ``model`` in place on a schedule: every ``every`` steps, at ``at_steps``, at step 0 if ``at_init``.

    ``pairs``, ``granularity``, ``norm``, ``alpha``, ``pow2`` and ``fold_norms`` are those of
    ``wisca rescale``. ``config`` is the model's config (``model.config`` by default; a dict or an
    object with ``to_dict()``), ``arch_spec`` an architecture spec dict when config.json's
    ``model_type`` is not a built-in one. ``server`` is a URL (``wisca serve --port``), a command
    list to spawn, or None to spawn ``bin/wisca serve --stdio``. ``name_map`` maps a parameter name
    to its checkpoint name. ``all_reduce(tensor, op)`` (op "sum" or "max") combines statistics across
    ranks of a sharded model; leave it None for replicated (DDP) or single-process training.

    ``adapter_config`` (a PEFT adapter's adapter_config.json as a dict, or a ``peft.LoraConfig``)
    rescales the LoRA adapter instead of the architecture: per rank i, ``lora_A[i, :] * s_i`` and
    ``lora_B[:, i] / s_i``, so every ``B @ A`` (and the model's output) is unchanged. ``pairs`` must
    then be ``("lora",)`` (the default with an adapter). The factors keep the model's own names: a
    live PEFT model's ``...q_proj.lora_A.default.weight`` and adapter_model.safetensors's
    ``...q_proj.lora_A.weight`` are both understood; the frozen base weights are not touched.
    """

    def __init__(self, model, optimizer=None, every=250, at_steps=(), at_init=False,
                 pairs=None, granularity="tensor", norm="l1", alpha=1.0, pow2="auto",
                 fold_norms=True, config=None, arch_spec=None, server=None, name_map=None, all_reduce=None,
                 adapter_config=None):
        self.model = model
        self.optimizer = optimizer
        self.every = int(every or 0)
        self.at_steps = set(int(s) for s in at_steps)
        self.at_init = bool(at_init)
        self.adapter_config = _adapter_dict(adapter_config)
        if pairs is None:
            pairs = ("lora",) if self.adapter_config is not None else ("qk", "vo")
        self.options = {"pairs": list(pairs), "granularity": granularity, "norm": norm, "alpha": float(alpha),
                        "pow2": pow2, "foldNorms": bool(fold_norms)}
        self.config = None if self.adapter_config is not None and config is None else _config_dict(config, model)
        self.arch_spec = arch_spec
        self._transport = _transport(server)
        self._name_map = name_map or _strip_wrappers
        self._all_reduce = all_reduce
        self._described = None
        self._params = None
        self.last_report = None

    # -- schedule -------------------------------------------------------------------------
    def due(self, step):
        if step == 0 and self.at_init:
            return True
        if self.every > 0 and step > 0 and step % self.every == 0:
            return True
        return step in self.at_steps

    def step(self, step):
        """Call after ``optimizer.step()``; rescales when the schedule says so. Returns the report or None."""
        return self.apply(step) if self.due(step) else None

    def close(self):
        self._transport.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- protocol -------------------------------------------------------------------------
    def parameters(self):
        """Checkpoint name -> parameter (tied parameters once, under their first name)."""
        if self._params is None:
            params = {}
            for name, p in self.model.named_parameters():
                if p.dtype not in DTYPES:
                    continue
                params[self._name_map(name)] = p
            self._params = params
        return self._params

    def describe(self):
        if self._described is None:
            parameters = [{"name": n, "dtype": DTYPES[p.dtype], "shape": list(p.shape)}
                          for n, p in self.parameters().items()]
            request = {"parameters": parameters, "config": self.config, "archSpec": self.arch_spec,
                       "options": self.options}
            if self.adapter_config is not None:
                request["adapterConfig"] = self.adapter_config  # only then: servers that predate adapters reject the key
            self._described = self._transport.call("describe", request)
        return self._described

    def apply(self, step=None):
        """Rescales now; returns the report: solver entries per site and the applied factors per tensor."""
        try:
            return self._run(step)
        except WiscaError as e:
            if e.kind != "UnknownSession":
                raise
            self._described = None  # the server restarted: describe again, once
            return self._run(step)

    def _run(self, step):
        described = self.describe()
        params = self.parameters()
        running = {}
        sites = []
        with torch.no_grad():
            for stage in described["stages"]:
                stats = [self._measure(params[r["tensor"]], r, running.get(r["tensor"])) for r in stage["requests"]]
                solved = self._transport.call("solve", {"session": described["session"],
                                                        "stage": stage["index"], "stats": stats})
                sites.extend(solved["sites"])
                for f in solved["factors"]:
                    p = params[f["tensor"]]
                    new = [torch.tensor(f[k], dtype=torch.float64, device=p.device)
                           for k in ("rows", "cols", "momentRows", "momentCols")]
                    if f["tensor"] in running:
                        old = running[f["tensor"]]
                        new = [a * b for a, b in zip(old[:4], new)]
                    running[f["tensor"]] = new + [f["offsetGain"]]
            for name, (rows, cols, mrows, mcols, offset) in running.items():
                _scale(params[name], rows, cols, offset)
                self._scale_moments(params[name], mrows, mcols)
        self.last_report = {"step": step, "sites": sites, "skipped": described["skipped"],
                            "tensors": sorted(running)}
        return self.last_report

    def _measure(self, p, request, prior):
        rows, cols = (prior[0], prior[1]) if prior is not None else (None, None)
        w, rows, cols = _matrix(p.detach(), request["batch"], rows, cols)
        by_rows = request["axis"] == "rows"
        n = w.shape[0] if by_rows else w.shape[1]
        out = [torch.zeros(n, dtype=torch.float64, device=w.device) for _ in range(4)]
        block = max(1, BLOCK_ELEMENTS // max(1, w.shape[1]))
        for start in range(0, w.shape[0], block):
            v = w[start:start + block].to(torch.float64)
            r = rows[start:start + block, None] if rows is not None else None
            if request["offsetGain"]:
                v = v + 1.0
            if r is not None:
                v = v * r
            if cols is not None and not request["offsetGain"]:
                v = v * cols[None, :]
            a = v.abs()
            if by_rows:
                part = slice(start, start + v.shape[0])
                out[0][part] = v.sum(1)
                out[1][part] = a.sum(1)
                out[2][part] = (v * v).sum(1)
                out[3][part] = a.amax(1)
            else:
                out[0] += v.sum(0)
                out[1] += a.sum(0)
                out[2] += (v * v).sum(0)
                out[3] = torch.maximum(out[3], a.amax(0))
        if self._all_reduce is not None:
            for i in range(3):
                self._all_reduce(out[i], "sum")
            self._all_reduce(out[3], "max")
        vectors = [t.cpu().tolist() for t in out]
        return {"id": request["id"], "sum": vectors[0], "absSum": vectors[1], "sqSum": vectors[2], "absMax": vectors[3]}

    def _scale_moments(self, p, mrows, mcols):
        if self.optimizer is None:
            return
        state = self.optimizer.state.get(p)
        if not state:
            return
        for key, power in MOMENTS.items():
            m = state.get(key)
            if isinstance(m, torch.Tensor) and m.shape == p.shape:
                _scale(m, mrows ** power, mcols ** power, False)


def _matrix(w, batch, rows, cols):
    """The matrix a request reads (1-D as a column) and the slices of the factors that belong to it."""
    if w.dim() == 3:
        a, b = w.shape[1], w.shape[2]
        w = w[batch]
        rows = rows[batch * a:(batch + 1) * a] if rows is not None else None
        cols = cols[batch * b:(batch + 1) * b] if cols is not None else None
    elif w.dim() == 1:
        w = w[:, None]
    return w, rows, cols


def _scale(t, rows, cols, offset_gain):
    """In place: t <- rows_i * t_ij * cols_j computed in float64, rounded once (offset gains: (1 + t) * rows - 1)."""
    if t.dim() == 1:
        if offset_gain:
            t.copy_(((1.0 + t.to(torch.float64)) * rows - 1.0).to(t.dtype))
        else:
            t.copy_((t.to(torch.float64) * rows).to(t.dtype))
        return
    if t.dim() == 3:
        e, a, b = t.shape
        factor_cols = cols.view(e, 1, b)
        for k in range(e):
            _scale_matrix(t[k], rows[k * a:(k + 1) * a], factor_cols[k, 0])
        return
    _scale_matrix(t, rows, cols)


def _scale_matrix(m, rows, cols):
    block = max(1, BLOCK_ELEMENTS // max(1, m.shape[1]))
    for start in range(0, m.shape[0], block):
        part = m[start:start + block]
        f = rows[start:start + block, None] * cols[None, :]
        part.copy_((part.to(torch.float64) * f).to(m.dtype))


def WiscaTrainerCallback(**hook_options):
    """A Hugging Face ``TrainerCallback`` running :class:`WiscaHook` after optimizer steps.

    Takes the hook's options (``every``, ``pairs``, ``server``, ...); the model and optimizer come
    from the Trainer. Rescales at ``on_train_begin`` when ``at_init`` and at ``on_step_end`` when due.
    """
    from transformers import TrainerCallback  # imported lazily: only this helper needs transformers

    class _Callback(TrainerCallback):
        def __init__(self):
            self.hook = None

        def _hook(self, model, optimizer):
            if self.hook is None:
                self.hook = WiscaHook(model, optimizer, **hook_options)
            self.hook.optimizer = optimizer
            return self.hook

        def on_train_begin(self, args, state, control, model=None, optimizer=None, **kwargs):
            if hook_options.get("at_init"):
                self._hook(model, optimizer).apply(0)

        def on_step_end(self, args, state, control, model=None, optimizer=None, **kwargs):
            hook = self._hook(model, optimizer)
            if state.global_step != 0 and hook.due(state.global_step):
                hook.apply(state.global_step)

        def on_train_end(self, args, state, control, **kwargs):
            if self.hook is not None:
                self.hook.close()
                self.hook = None

    return _Callback()
