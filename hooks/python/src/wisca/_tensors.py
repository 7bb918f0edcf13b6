"""The hook's arithmetic on one rank: the statistics of a (possibly sharded) parameter and the in-place scaling.

A parameter is seen through its local view: the whole tensor, or under FSDP2 its DTensor's local
shard, rows ``offset .. offset + n`` of dim 0 (experts of a 3-D tensor). Factors are always global
vectors; each rank takes the slice that belongs to its rows. Statistics of a shard are partial: rows
it does not hold are 0 (sums) or 0 (max of |v|, never negative), so a sum / max all-reduce completes them.
"""

import torch

# Elements per block when measuring or scaling a large matrix (bounds the float64 temporaries).
BLOCK_ELEMENTS = 1 << 24


def local_view(t):
    """(local tensor, global offset along dim 0) of a parameter or optimizer state tensor."""
    from .distributed import shard_offset  # DTensor support is optional
    return shard_offset(t)


def measure(p, request, prior):
    """The four per-index statistics (Σv, Σ|v|, Σv², max|v|) of one request on this rank's part of ``p``.

    ``v = r_i·w_ij·c_j`` under the running factors ``prior`` (global rows, cols) of the earlier stages,
    ``v = r_i·(1 + w_i)`` for offset gains. Returns a float64 tensor [4, n] on the parameter's device."""
    local, offset = local_view(p.detach())
    rows_all, cols_all = (prior[0], prior[1]) if prior is not None else (None, None)
    by_rows = request["axis"] == "rows"
    batch = request["batch"]
    shape = p.shape
    if len(shape) == 3:
        a, b = shape[1], shape[2]
        n = a if by_rows else b
        out = torch.zeros(4, n, dtype=torch.float64, device=local.device)
        if not offset <= batch < offset + local.shape[0]:
            return out  # this rank holds no part of that expert
        w = local[batch - offset]
        rows = rows_all[batch * a:(batch + 1) * a] if rows_all is not None else None
        cols = cols_all[batch * b:(batch + 1) * b] if cols_all is not None else None
        _accumulate(out, w, rows, cols, by_rows, 0, request["offsetGain"])
        return out
    w = local[:, None] if local.dim() == 1 else local
    n = shape[0] if by_rows else (1 if len(shape) == 1 else shape[1])
    out = torch.zeros(4, n, dtype=torch.float64, device=local.device)
    rows = rows_all[offset:offset + w.shape[0]] if rows_all is not None else None
    _accumulate(out, w, rows, cols_all, by_rows, offset, request["offsetGain"])
    return out


def _accumulate(out, w, rows, cols, by_rows, row_offset, offset_gain):
    block = max(1, BLOCK_ELEMENTS // max(1, w.shape[1]))
    for start in range(0, w.shape[0], block):
        v = w[start:start + block].to(torch.float64)
        if offset_gain:
            v = v + 1.0
        if rows is not None:
            v = v * rows[start:start + block, None]
        if cols is not None and not offset_gain:
            v = v * cols[None, :]
        a = v.abs()
        if by_rows:
            part = slice(row_offset + start, row_offset + start + v.shape[0])
            out[0, part] = v.sum(1)
            out[1, part] = a.sum(1)
            out[2, part] = (v * v).sum(1)
            out[3, part] = a.amax(1)
        else:
            out[0] += v.sum(0)
            out[1] += a.sum(0)
            out[2] += (v * v).sum(0)
            out[3] = torch.maximum(out[3], a.amax(0))


def scale(t, rows, cols, offset_gain):
    """In place on this rank's part: t <- rows_i * t_ij * cols_j in float64, rounded once ((1 + t) * rows - 1 for
    offset gains). ``rows`` and ``cols`` are the global factors; 3-D tensors are scaled expert by expert."""
    local, offset = local_view(t)
    if local.dim() == 1:
        r = rows[offset:offset + local.shape[0]]
        if offset_gain:
            local.copy_(((1.0 + local.to(torch.float64)) * r - 1.0).to(local.dtype))
        else:
            local.copy_((local.to(torch.float64) * r).to(local.dtype))
        return
    if local.dim() == 3:
        a, b = local.shape[1], local.shape[2]
        for k in range(local.shape[0]):
            e = offset + k
            _scale_matrix(local[k], rows[e * a:(e + 1) * a], cols[e * b:(e + 1) * b])
        return
    _scale_matrix(local, rows[offset:offset + local.shape[0]], cols)


def _scale_matrix(m, rows, cols):
    block = max(1, BLOCK_ELEMENTS // max(1, m.shape[1]))
    for start in range(0, m.shape[0], block):
        part = m[start:start + block]
        f = rows[start:start + block, None] * cols[None, :]
        part.copy_((part.to(torch.float64) * f).to(m.dtype))
