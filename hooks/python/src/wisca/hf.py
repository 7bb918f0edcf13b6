"""WISCA in ``transformers.Trainer`` (and Accelerate-launched runs of it): :class:`WiscaCallback`.

    from wisca.hf import WiscaCallback
    trainer = Trainer(model=model, args=args, train_dataset=data, callbacks=[WiscaCallback(every=250)])
    trainer.train()                      # or trainer.train(resume_from_checkpoint=True)

The callback runs :class:`wisca.torch.WiscaHook` after the optimizer step of every due global step,
on every rank (the hook's leader alone talks to the engine). ``save_steps`` checkpoints are written
after ``on_step_end``, so a checkpoint of a rescaled step holds the rescaled weights and the moments
rescaled with them (``optimizer.pt``); resuming builds a fresh hook and keeps the schedule, which
counts global steps.

Every rescale is logged: ``wisca/rescales`` (count so far), ``wisca/imbalance_before`` and
``wisca/imbalance_after`` (worst site, bits), ``wisca/tensors`` and ``wisca/seconds`` (this rescale)
and ``wisca/seconds_total``. The hook logs each rescale to the Python logger ``wisca``; the metrics go into ``state.log_history``
(trainer_state.json) at once; :meth:`WiscaCallback.attach` (or passing ``trainer=``) logs them
through ``Trainer.log`` instead, so every reporter (TensorBoard, W&B, the console) sees them.

The callback also writes ``param_names`` into the optimizer's groups, so each checkpoint's ``optimizer.pt`` says
which state entry is which parameter (``wisca rescale CKPT OUT --optimizer-state`` relies on it); for a checkpoint
saved without the callback, :func:`name_optimizer_state` adds them from the model.
"""

import os
import tempfile

from transformers import TrainerCallback

from .errors import WiscaError
from .torch import WiscaHook, name_param_groups, strip_wrappers

__all__ = ["WiscaCallback", "name_param_groups", "name_optimizer_state"]

def _unwrap_optimizer(optimizer):
    """The torch optimizer under Accelerate's AcceleratedOptimizer (its ``state`` is keyed by the parameters)."""
    while optimizer is not None and not hasattr(optimizer, "state") and hasattr(optimizer, "optimizer"):
        optimizer = optimizer.optimizer
    return optimizer


class WiscaCallback(TrainerCallback):
    """A ``TrainerCallback`` running :class:`~wisca.torch.WiscaHook` with these options (``every``, ``pairs``,
    ``granularity``, ``at_init``, ``server``, ``adapter_config``, ...); model and optimizer come from the Trainer.

    ``record_param_names`` (default True) names the optimizer's parameter groups (``param_names``), so that
    a checkpoint's ``optimizer.pt`` says which state entry belongs to which parameter."""

    def __init__(self, trainer=None, record_param_names=True, **hook_options):
        self.hook_options = hook_options
        self.record_param_names = record_param_names
        self.hook = None
        self.trainer = None
        if trainer is not None:
            self.attach(trainer)

    def attach(self, trainer):
        """Logs through ``trainer.log`` (every reporter sees the metrics); adds the callback if it is not there."""
        self.trainer = trainer
        if self not in trainer.callback_handler.callbacks:
            trainer.add_callback(self)
        return self

    def _hook(self, model, optimizer):
        if self.hook is None:
            self.hook = WiscaHook(model, _unwrap_optimizer(optimizer), record_param_names=self.record_param_names,
                                  **self.hook_options)
        else:
            self.hook.optimizer = _unwrap_optimizer(optimizer)
        return self.hook

    def on_train_begin(self, args, state, control, model=None, optimizer=None, **kwargs):
        if self.record_param_names:
            name_param_groups(model, optimizer)
        if self.hook_options.get("at_init") and state.global_step == 0:
            self._log(state, self._hook(model, optimizer).apply(0))

    def on_step_end(self, args, state, control, model=None, optimizer=None, **kwargs):
        hook = self._hook(model, optimizer)
        if state.global_step != 0 and hook.due(state.global_step):
            self._log(state, hook.apply(state.global_step))

    def on_train_end(self, args, state, control, **kwargs):
        if self.hook is not None:
            self.hook.close()
            self.hook = None

    def _log(self, state, report):
        metrics = {"wisca/rescales": self.hook.rescales,
                   "wisca/imbalance_before": report["worst_imbalance_before"],
                   "wisca/imbalance_after": report["worst_imbalance_after"],
                   "wisca/tensors": len(report["tensors"]),
                   "wisca/seconds": report["seconds"],
                   "wisca/seconds_total": self.hook.seconds}
        metrics = {k: v for k, v in metrics.items() if v is not None}
        if self.trainer is not None:
            self.trainer.log(dict(metrics))
        else:
            state.log_history.append(dict(metrics, step=state.global_step))


def name_optimizer_state(path, model, trainer=None, out=None):
    """Adds ``param_names`` to an ``optimizer.pt`` that ``Trainer`` saved without them (no WiscaCallback), so that
    ``wisca rescale --optimizer-state`` can map its entries. The names come from ``model`` (the model it was trained
    with: same modules, any weights) grouped as ``Trainer.create_optimizer`` does: the weight-decay group, then the
    others, each in ``model.named_parameters()`` order, trainable parameters only (``trainer`` decides the decay set
    when given, else the Trainer's own rule). Refuses (``WiscaError`` InvalidOptimizerState, nothing written) when
    the groups' sizes or any moment's shape disagree. Writes ``out`` (default: ``path``) atomically."""
    import torch
    from transformers import Trainer
    state = torch.load(path, weights_only=True)
    groups = state["param_groups"]
    if not all("param_names" in g for g in groups):
        decay = set((trainer or Trainer).get_decay_parameter_names(*(() if trainer else (None,)), model))
        trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        expected = [[(n, p) for n, p in trainable if n in decay], [(n, p) for n, p in trainable if n not in decay]]
        sizes = [len(g["params"]) for g in groups]
        if sizes != [len(e) for e in expected]:
            raise WiscaError("InvalidOptimizerState", "%s: its param groups hold %s parameters, the Trainer's groups of this"
                             " model %s: not the model (or optimizer setup) it was saved with" % (path, sizes, [len(e) for e in expected]),
                             path=str(path))
        for group, named in zip(groups, expected):
            for index, (name, p) in zip(group["params"], named):
                moment = state["state"].get(index, {}).get("exp_avg")
                if moment is not None and tuple(moment.shape) != tuple(p.shape):
                    raise WiscaError("InvalidOptimizerState", "%s: state entry %d has shape %s, parameter %s %s"
                                     % (path, index, tuple(moment.shape), name, tuple(p.shape)), path=str(path))
            group["param_names"] = [strip_wrappers(n) for n, _ in named]
    target = os.fspath(out or path)
    fd, temp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(target)), prefix="." + os.path.basename(target) + ".")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, target)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    return [n for g in groups for n in g["param_names"]]

