"""The Java CLI from Python: ``rescale``, ``verify``, ``stats`` and ``inspect`` run ``wisca ... --json``
and return dataclasses; a refusal raises :class:`~wisca.errors.WiscaError` with the kind, path and tensor.

    from wisca import cli
    result = cli.rescale("./model", "./model-wisca", pairs=("qk", "vo", "updown"))
    assert cli.verify("./model", "./model-wisca").equivalent

Options are the command's flags in snake case: ``granularity="kv-group"`` becomes ``--granularity kv-group``,
``pairs=("qk", "vo")`` becomes ``--pairs qk,vo``, ``pow2=True`` becomes ``--pow2``, ``fold_norms=False``
becomes ``--no-fold-norms``. Every dataclass keeps the whole answer in ``raw``.
"""

import dataclasses
import json
import os
import subprocess
from typing import Any, Dict, List, Optional

from .errors import WiscaError, from_cli_output
from .launcher import cli_command

__all__ = ["rescale", "verify", "stats", "inspect", "run",
           "RescaleResult", "PairSummary", "SiteReport", "VerifyResult", "BlockResult",
           "StatsResult", "TensorStats", "InspectResult", "TensorInfo"]


@dataclasses.dataclass
class PairSummary:
    pair: str
    sites: int
    channels: int
    min_scale: float
    max_scale: float
    worst_imbalance_before: float
    worst_imbalance_after: float
    fold: bool


@dataclasses.dataclass
class SiteReport:
    id: str
    pair: str
    channels: int
    min_scale: float
    max_scale: float
    geo_mean_scale: float
    imbalance_before: float
    imbalance_after: float
    notes: List[Any]


@dataclasses.dataclass
class RescaleResult:
    architecture: str
    plan_hash: str
    sites: int
    pairs: List[PairSummary]
    site_reports: List[SiteReport]
    skipped: List[Any]
    output: Optional[str]
    plan_folder: Optional[str]
    millis: int
    raw: Dict[str, Any] = dataclasses.field(repr=False)


@dataclasses.dataclass
class BlockResult:
    block: str
    layer: int
    max_abs: float
    max_rel: float
    tolerance: float
    ok: bool


@dataclasses.dataclass
class VerifyResult:
    """``equivalent`` False is an answer, not an error (the CLI's exit 1)."""
    equivalent: bool
    mode: str
    architecture: str
    summary: str
    max_abs: float
    max_rel: float
    first_offending: Optional[str]
    blocks: List[BlockResult]
    raw: Dict[str, Any] = dataclasses.field(repr=False)
    #: what was compared: "logits" (causal LMs, full mode), "last_hidden_state" (encoders), "blocks" (probes)
    output: Optional[str] = None


@dataclasses.dataclass
class TensorStats:
    name: str
    role: Optional[str]
    layer: int
    dtype: str
    shape: List[int]
    l1: Optional[float]
    l2: Optional[float]
    max_abs: Optional[float]
    nan_count: int
    inf_count: int


@dataclasses.dataclass
class StatsResult:
    model: Optional[str]
    tensors: List[TensorStats]
    attention: List[Dict[str, Any]]
    notes: List[str]
    raw: Dict[str, Any] = dataclasses.field(repr=False)

    def balance(self):
        """Per attention layer: (|Wq|1/|Wk|1, |Wv|1/|Wo|1), the ratios WISCA brings to 1."""
        out = {}
        for a in self.attention:
            qk, vo = a.get("qk"), a.get("vo")
            out[a["layer"]] = (qk["producerL1"] / qk["consumerL1"] if qk else None,
                               vo["producerL1"] / vo["consumerL1"] if vo else None)
        return out


@dataclasses.dataclass
class TensorInfo:
    name: str
    dtype: str
    shape: List[int]
    bytes: int
    file: str


@dataclasses.dataclass
class InspectResult:
    path: str
    model_type: str
    adapter: bool
    tensors: List[TensorInfo]
    files: List[Dict[str, Any]]
    total_elements: int
    total_bytes: int
    raw: Dict[str, Any] = dataclasses.field(repr=False)


def _camel(name):
    head, *rest = name.split("_")
    return head + "".join(w.capitalize() for w in rest)


def _build(cls, d):
    """cls from a JSON object whose keys are the fields in camelCase or snake_case (missing ones None)."""
    values = {}
    for f in dataclasses.fields(cls):
        if f.name == "raw":
            values["raw"] = d
            continue
        values[f.name] = d.get(_camel(f.name), d.get(f.name))
    return cls(**values)


def _flags(options):
    args = []
    for key, value in options.items():
        if value is None:
            continue
        flag = "--" + key.replace("_", "-")
        if key == "fold_norms":
            if not value:
                args.append("--no-fold-norms")
        elif key == "pow2" and isinstance(value, str):
            if value not in ("auto", "on", "off"):
                raise WiscaError("InvalidArgument", "pow2 must be True, False, 'auto', 'on' or 'off', not %r" % value)
            args += {"auto": [], "on": ["--pow2"], "off": ["--no-pow2"]}[value]
        elif key == "pow2":
            args.append("--pow2" if value else "--no-pow2")
        elif isinstance(value, bool):
            if value:
                args.append(flag)
        elif isinstance(value, (list, tuple)):
            args += [flag, ",".join(str(v) for v in value)]
        else:
            args += [flag, os.fspath(value) if isinstance(value, os.PathLike) else str(value)]
    return args


def run(*args, ok_codes=(0,), timeout=None):
    """Runs ``wisca ARGS`` and returns (exit code, stdout); other exit codes raise WiscaError."""
    command = cli_command() + [os.fspath(a) for a in args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, encoding="utf-8", timeout=timeout)
    except OSError as e:
        raise WiscaError("NoCli", "cannot run %s: %s" % (command[0], e)) from e
    except subprocess.TimeoutExpired as e:
        raise WiscaError("IO", "wisca %s did not finish within %s s" % (args[0] if args else "", timeout)) from e
    if done.returncode not in ok_codes:
        raise from_cli_output(done.stderr, done.returncode)
    return done.returncode, done.stdout


def _json_run(*args, ok_codes=(0,)):
    code, out = run(*args, "--json", ok_codes=ok_codes)
    try:
        return code, json.loads(out)
    except ValueError as e:
        raise WiscaError("Internal", "wisca %s --json printed no JSON: %r" % (args[0], out[:200])) from e


def rescale(src, dst=None, **options):
    """``wisca rescale SRC DST``: options as the command's (pairs, granularity, norm, alpha, pow2, fold_norms,
    plan_only, apply, save_plan, optimizer_state, arch_spec, report, threads, device, ...)."""
    args = ["rescale", src] + ([dst] if dst is not None else []) + _flags(options)
    d = _json_run(*args)[1]
    result = _build(RescaleResult, d)
    result.pairs = [_build(PairSummary, p) for p in d.get("pairs", [])]
    result.site_reports = [_build(SiteReport, s) for s in d.get("siteReports", [])]
    return result


def verify(a, b, **options):
    """``wisca verify A B``: options adapter_a, adapter_b, probes_only, tokens, sequences, atol, rtol, seed,
    precision, device. Not equivalent is returned (``equivalent`` False), not raised."""
    d = _json_run("verify", a, b, *_flags(options), ok_codes=(0, 1))[1]
    result = _build(VerifyResult, d)
    result.blocks = [_build(BlockResult, x) for x in d.get("blocks", [])]
    return result


def stats(path, **options):
    """``wisca stats PATH``: per tensor norms and NaN/Inf counts, per attention layer the Q/K and V/O balance."""
    d = _json_run("stats", path, *_flags(options))[1]
    tensors = []
    for t in d.get("tensors", []):
        values = t.get("values") or {}
        tensors.append(TensorStats(t["name"], t.get("role"), t.get("layer", -1), t.get("dtype"), t.get("shape"),
                                   values.get("l1"), values.get("l2"), values.get("maxAbs"),
                                   values.get("nanCount", 0), values.get("infCount", 0)))
    return StatsResult(d.get("model"), tensors, d.get("attention", []), d.get("notes", []), d)


def inspect(path):
    """``wisca inspect PATH``: tensors, dtypes, shapes, files and metadata (headers only)."""
    d = _json_run("inspect", path)[1]
    result = _build(InspectResult, d)
    result.tensors = [_build(TensorInfo, t) for t in d.get("tensors", [])]
    return result
