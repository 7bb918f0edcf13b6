"""Live WISCA rescaling for PyTorch training loops: plain modules, DDP, FSDP2 (``fully_shard``) and PEFT LoRA.

The wisca engine (``wisca serve``) is the brain, this module the hands: it describes the model's
parameters once, then, every ``every`` steps, measures small per-index statistics where the weights
live (GPU or CPU, under ``torch.no_grad()``), asks the engine for scale vectors and applies them in
place, rescaling Adam's ``exp_avg`` / ``exp_avg_sq`` to match (m/s, v/s²). The model's outputs are
unchanged by a rescale (up to the rounding of stored weights); the training trajectory is not.

    from wisca.torch import WiscaHook
    hook = WiscaHook(model, optimizer, every=250)     # spawns `wisca serve --stdio` when first due
    for step, batch in enumerate(loader, start=1):
        model(**batch).loss.backward(); optimizer.step(); optimizer.zero_grad()
        hook.step(step)

Under torch.distributed, construct the hook on every rank with the same arguments and call
``hook.step(step)`` on every rank: only rank 0 of ``process_group`` talks to the engine (see
:mod:`wisca.distributed`).
"""

import json
import logging
import time

import torch

from . import _tensors
from .distributed import Ranks, reshard, shard_groups
from .errors import WiscaError
from .transport import connect

__all__ = ["WiscaHook", "WiscaError", "name_param_groups"]

LOG = logging.getLogger("wisca")
DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64"}
# Optimizer state entries that follow a parameter: name -> power of (r c) they are multiplied by.
MOMENTS = {"exp_avg": 1, "exp_avg_sq": 2, "max_exp_avg_sq": 2}
# Prefixes wrappers put before the checkpoint's names: DDP and torch.compile wrap the whole model (a
# leading prefix); FSDP1 and activation checkpointing wrap inner modules (a path component anywhere).
LEADING_WRAPPERS = ("module.", "_orig_mod.")
INNER_WRAPPERS = ("_fsdp_wrapped_module", "_checkpoint_wrapped_module", "_orig_mod")


def strip_wrappers(name):
    """A parameter's name as in the checkpoint, without the wrappers' prefixes."""
    changed = True
    while changed:
        changed = False
        for prefix in LEADING_WRAPPERS:
            if name.startswith(prefix):
                name, changed = name[len(prefix):], True
    return ".".join(part for part in name.split(".") if part not in INNER_WRAPPERS)


def name_param_groups(model, optimizer, name_map=strip_wrappers):
    """Writes each parameter group's ``param_names`` (torch's own optimizer state key), so the state dict the
    optimizer saves (the Trainer's ``optimizer.pt``) maps every state index to its parameter's checkpoint name:
    ``wisca rescale --optimizer-state`` then needs no guess about the order of the groups. Groups that already
    carry names, or hold a parameter the model does not, are left as they are."""
    if model is None or optimizer is None:
        return
    names = {id(p): name_map(n) for n, p in model.named_parameters()}
    for group in optimizer.param_groups:
        if "param_names" not in group and all(id(p) in names for p in group["params"]):
            group["param_names"] = [names[id(p)] for p in group["params"]]


def _config_dict(config, model):
    if config is None:
        config = getattr(model, "config", None)
        if config is None and hasattr(model, "module"):
            config = getattr(model.module, "config", None)
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


def _worst(sites, key):
    values = [s[key] for s in sites if s.get(key) is not None]
    return max(values) if values else None


class WiscaHook:
    """Rescales ``model`` in place on a schedule: every ``every`` steps, at ``at_steps``, at step 0 if ``at_init``.

    ``pairs``, ``granularity``, ``norm``, ``alpha``, ``pow2`` and ``fold_norms`` are those of
    ``wisca rescale``. ``config`` is the model's config (``model.config`` by default; a dict or an
    object with ``to_dict()``), ``arch_spec`` an architecture spec dict when config.json's
    ``model_type`` is not a built-in one. ``server``: None (``$WISCA_SERVER`` when set, else spawn
    ``wisca serve --stdio``), ``"http"`` (start ``wisca serve --port 0``), a URL, a command list, or a
    transport. ``name_map`` maps a parameter name to its checkpoint name (default: wrappers' prefixes
    removed). ``process_group``: the ranks that hold this model (default: the whole job when
    torch.distributed is initialized). ``all_reduce(tensor, op)`` (op "sum" or "max") combines
    statistics across ranks of a model sharded some other way (your own tensor parallelism).

    ``record_param_names`` (default True) writes ``param_names`` into the optimizer's parameter groups (see
    :func:`name_param_groups`), so that its saved state dict says which entry belongs to which parameter.

    ``adapter_config`` (a PEFT adapter's adapter_config.json as a dict, or a ``peft.LoraConfig``)
    rescales the LoRA adapter instead of the architecture: per rank i, ``lora_A[i, :] * s_i`` and
    ``lora_B[:, i] / s_i``, so every ``B @ A`` (and the model's output) is unchanged; ``pairs`` is
    then ``("lora",)``. The frozen base weights are not touched.

    Each rescale returns (and keeps as ``last_report``) a dict: ``step``, ``sites`` (the solver's
    entry per site: ``imbalanceBefore``/``imbalanceAfter`` in bits, scales, notes), ``skipped``,
    ``tensors`` (the names scaled), ``worst_imbalance_before`` / ``_after`` and ``seconds``.
    """

    def __init__(self, model, optimizer=None, every=250, at_steps=(), at_init=False,
                 pairs=None, granularity="tensor", norm="l1", alpha=1.0, pow2="auto",
                 fold_norms=True, config=None, arch_spec=None, server=None, name_map=None, all_reduce=None,
                 adapter_config=None, process_group=None, record_param_names=True):
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
        self._server = server
        self._transport = None
        self._name_map = name_map or strip_wrappers
        if record_param_names:
            name_param_groups(model, optimizer, self._name_map)
        self._all_reduce = all_reduce
        self._ranks = Ranks(process_group)
        self._described = None
        self.rescales = 0
        self.seconds = 0.0
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
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- protocol -------------------------------------------------------------------------
    def _call(self, op, request):
        """The engine's answer on every rank (only the leader asks)."""
        def ask():
            if self._transport is None:
                self._transport = connect(self._server)
            return self._transport.call(op, request)
        return self._ranks.share(ask)

    def parameters(self):
        """Checkpoint name -> parameter (tied parameters once, under their first name). Looked up on every
        rescale: FSDP2 swaps a module's registered parameters between sharded and unsharded ones."""
        reshard(self.model)
        return {self._name_map(name): p for name, p in self.model.named_parameters() if p.dtype in DTYPES}

    def describe(self):
        if self._described is None:
            parameters = [{"name": n, "dtype": DTYPES[p.dtype], "shape": list(p.shape)}
                          for n, p in self.parameters().items()]
            request = {"parameters": parameters, "config": self.config, "archSpec": self.arch_spec,
                       "options": self.options}
            if self.adapter_config is not None:
                request["adapterConfig"] = self.adapter_config  # only then: servers that predate adapters reject the key
            self._described = self._call("describe", request)
        return self._described

    def apply(self, step=None):
        """Rescales now; returns the report (see the class doc)."""
        start = time.perf_counter()
        try:
            report = self._run(step)
        except WiscaError as e:
            if e.kind != "UnknownSession":
                raise
            self._described = None  # the server restarted: describe again, once
            report = self._run(step)
        report["seconds"] = time.perf_counter() - start
        self.rescales += 1
        self.seconds += report["seconds"]
        self.last_report = report
        if self._ranks.is_leader:
            LOG.info("wisca: rescaled %d tensors at step %s in %.3f s; worst imbalance %.4g -> %.4g bits",
                     len(report["tensors"]), step, report["seconds"], report["worst_imbalance_before"] or 0.0,
                     report["worst_imbalance_after"] or 0.0)
        return report

    def _run(self, step):
        described = self.describe()
        params = self.parameters()
        running = {}
        sites = []
        with torch.no_grad():
            for stage in described["stages"]:
                stats = self._stage_stats(stage["requests"], params, running)
                solved = self._call("solve", {"session": described["session"], "stage": stage["index"],
                                              "stats": stats})
                sites.extend(solved["sites"])
                for f in solved["factors"]:
                    p = params[f["tensor"]]
                    new = [torch.tensor(f[k], dtype=torch.float64, device=p.device)
                           for k in ("rows", "cols", "momentRows", "momentCols")]
                    if f["tensor"] in running:
                        new = [a * b for a, b in zip(running[f["tensor"]][:4], new)]
                    running[f["tensor"]] = new + [f["offsetGain"]]
            for name, (rows, cols, mrows, mcols, offset) in running.items():
                _tensors.scale(params[name], rows, cols, offset)
                self._scale_moments(params[name], mrows, mcols)
        return {"step": step, "sites": sites, "skipped": described["skipped"], "tensors": sorted(running),
                "worst_imbalance_before": _worst(sites, "imbalanceBefore"),
                "worst_imbalance_after": _worst(sites, "imbalanceAfter")}

    def _stage_stats(self, requests, params, running):
        """Every request's statistics, complete on the leader (partial shards all-reduced on every rank)."""
        measured = []
        sharded = []
        for r in requests:
            p = params[r["tensor"]]
            groups = shard_groups(p)
            if not groups and not self._ranks.is_leader and self._all_reduce is None:
                measured.append(None)  # a replica: the leader's copy is the same
                continue
            stats = _tensors.measure(p, r, running.get(r["tensor"]))
            if groups:
                sharded.append((groups, stats))
            measured.append(stats)
        self._ranks.reduce_shards(sharded)
        if self._all_reduce is not None:
            for stats in measured:
                for i in range(3):
                    self._all_reduce(stats[i], "sum")
                self._all_reduce(stats[3], "max")
        if not self._ranks.is_leader:
            return None
        out = []
        for r, stats in zip(requests, measured):
            vectors = stats.cpu().tolist()
            out.append({"id": r["id"], "sum": vectors[0], "absSum": vectors[1], "sqSum": vectors[2],
                        "absMax": vectors[3]})
        return out

    def _scale_moments(self, p, mrows, mcols):
        if self.optimizer is None:
            return
        state = self.optimizer.state.get(p)
        if not state:
            return
        for key, power in MOMENTS.items():
            m = state.get(key)
            if isinstance(m, torch.Tensor) and m.shape == p.shape:
                _tensors.scale(m, mrows ** power, mcols ** power, False)
