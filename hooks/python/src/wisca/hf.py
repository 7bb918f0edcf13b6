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
"""

from transformers import TrainerCallback

from .torch import WiscaHook, name_param_groups

__all__ = ["WiscaCallback", "name_param_groups"]

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
