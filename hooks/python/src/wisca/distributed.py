"""The hook under torch.distributed: DDP replicas and FSDP2 (``fully_shard``) shards.

Statistics are sums and maxima, so every rank measures its part (a replica measures nothing it need
send: the leader's replica is the whole tensor; a shard measures its rows), the sharded parts are
all-reduced (sum / max) over the shard's process group, and one rank, the leader (rank 0 of the hook's
group), talks to the engine. It broadcasts each answer, so every rank applies the very same float64
factors to its local rows and optimizer moments: replicas stay bit-identical, shards stay one tensor.

Supported placements: replicated (plain tensors, DDP) and DTensors sharded on dim 0 over any mesh
dimensions (FSDP2, HSDP). Other shardings (tensor parallel on dim 1, DeepSpeed ZeRO-3's flat buffers)
are refused with ``InvalidArgument`` rather than measured wrongly.
"""

import torch

from .errors import WiscaError

try:  # torch >= 2.4; older torch has no public DTensor, and then no FSDP2 either
    from torch.distributed.tensor import DTensor
    from torch.distributed.tensor._utils import compute_local_shape_and_global_offset
except ImportError:  # pragma: no cover - exercised only on old torch
    DTensor = None


def is_dtensor(t):
    return DTensor is not None and isinstance(t, DTensor)


def shard_offset(t):
    """(local tensor, global offset along dim 0): the whole tensor at 0 unless it is a DTensor shard."""
    if not is_dtensor(t):
        return t, 0
    for placement in t.placements:
        if placement.is_shard() and placement.dim != 0:
            raise WiscaError("InvalidArgument", "a DTensor sharded on dim %d (tensor parallel) is not supported; only "
                                                "dim-0 shards (FSDP2) and replicas (DDP)" % placement.dim)
        if placement.is_partial():
            raise WiscaError("InvalidArgument", "a DTensor with a Partial placement cannot be rescaled")
    local = t.to_local()
    shape, offset = compute_local_shape_and_global_offset(t.shape, t.device_mesh, t.placements)
    if local.dim() > 0 and tuple(local.shape) != tuple(shape):
        raise WiscaError("InvalidArgument", "DTensor local shard %s does not match its placement's %s"
                         % (tuple(local.shape), tuple(shape)))
    return local, (offset[0] if len(offset) else 0)


def reshard(model):
    """Puts FSDP2 modules back into their sharded state. FSDP2 leaves the root's parameters unsharded after
    a forward pass (the backward would need them at once), and an unsharded parameter is a temporary
    copy: scaling it would be lost at the next reshard. The shards are the weights."""
    try:
        from torch.distributed.fsdp import FSDPModule
    except ImportError:  # pragma: no cover - torch without FSDP2
        return
    for module in model.modules():
        if isinstance(module, FSDPModule):
            module.reshard()


def shard_groups(t):
    """The process groups whose ranks hold different rows of ``t`` (empty for a replica)."""
    if not is_dtensor(t):
        return []
    return [t.device_mesh.get_group(i) for i, p in enumerate(t.placements) if p.is_shard()]


class Ranks:
    """The hook's view of the job: who talks to the engine, and how answers and statistics travel."""

    def __init__(self, group=None):
        import torch.distributed as dist
        self._dist = dist if dist.is_available() and dist.is_initialized() else None
        self.group = group
        if self._dist is None or self._dist.get_world_size(group) == 1:
            self.size, self.leader, self.is_leader = 1, 0, True
            return
        self.size = self._dist.get_world_size(group)
        self.leader = self._dist.get_global_rank(group, 0) if group is not None else 0
        self.is_leader = self._dist.get_rank() == self.leader

    @property
    def distributed(self):
        return self.size > 1

    def share(self, compute):
        """The leader's ``compute()`` on every rank; a WiscaError it raised is raised on every rank."""
        if not self.distributed:
            return compute()
        box = [None]
        failure = None
        if self.is_leader:
            try:
                box[0] = ("ok", compute())
            except Exception as e:  # every rank must leave the broadcast, whatever the leader hit
                failure = e
                if isinstance(e, WiscaError):
                    box[0] = ("error", (e.kind, e.detail, e.path, e.tensor))
                else:
                    box[0] = ("error", ("Internal", "rank %d: %r" % (self.leader, e), None, None))
        self._dist.broadcast_object_list(box, src=self.leader, group=self.group)
        if failure is not None:
            raise failure
        status, value = box[0]
        if status == "error":
            kind, detail, path, tensor = value
            raise WiscaError(kind, detail, path=path, tensor=tensor, detail=detail)
        return value

    def reduce_shards(self, parts):
        """Completes the partial statistics of sharded parameters in place: ``parts`` is a list of
        (groups, [4, n] float64 tensor); sums over rows 0..2 and max over row 3, one flat all-reduce per group."""
        by_group = {}
        for groups, stats in parts:
            for g in groups:
                by_group.setdefault(id(g), (g, []))[1].append(stats)
        import torch.distributed as dist
        for group, tensors in by_group.values():
            sums = torch.cat([t[:3].reshape(-1) for t in tensors])
            maxes = torch.cat([t[3] for t in tensors])
            dist.all_reduce(sums, op=dist.ReduceOp.SUM, group=group)
            dist.all_reduce(maxes, op=dist.ReduceOp.MAX, group=group)
            i = j = 0
            for t in tensors:
                n = t.shape[1]
                t[:3].copy_(sums[i:i + 3 * n].view(3, n))
                t[3].copy_(maxes[j:j + n])
                i += 3 * n
                j += n
