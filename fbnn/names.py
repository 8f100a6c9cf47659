"""The one list of names that the numeric engine and the symbolic module both support.

Both registries (``fbnn.activations``, ``fbnn.losses`` and ``fbnn.symbolic``) are tested to have
exactly these keys, so the two cannot drift apart.
"""

HIDDEN_ACTIVATIONS: tuple[str, ...] = ("identity", "sigmoid", "tanh", "relu")
"""Activations allowed in hidden layers."""

OUTPUT_ACTIVATIONS: tuple[str, ...] = HIDDEN_ACTIVATIONS + ("softmax",)
"""Activations allowed in the output layer (softmax acts on a whole row)."""

LOSSES: tuple[str, ...] = ("mse", "binary_cross_entropy", "cross_entropy")
"""Loss names accepted by ``MLP.loss_and_grads`` and ``fbnn.symbolic``."""
