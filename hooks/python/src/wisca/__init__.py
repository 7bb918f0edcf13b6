"""wisca: function-preserving weight rescaling (WISCA) for Transformer checkpoints and training loops.

- :mod:`wisca.cli`: ``rescale``, ``verify``, ``stats``, ``inspect`` on checkpoints (the Java CLI, ``--json``);
- :mod:`wisca.torch`: :class:`~wisca.torch.WiscaHook`, live rescaling in a PyTorch loop (plain, DDP, FSDP2, LoRA);
- :mod:`wisca.hf`: :class:`~wisca.hf.WiscaCallback` for ``transformers.Trainer``;
- the ``wisca`` command runs the Java CLI (:mod:`wisca.launcher` says how it is found).

Importing ``wisca`` needs neither torch nor a JDK; only the modules that use them do.
"""

from .errors import WiscaError

__version__ = "0.1.0"
__all__ = ["WiscaError", "__version__"]
