"""Gradient-descent optimizers with explicit state.

An optimizer updates a dict of parameter arrays in place from a dict of gradients with the same
keys: ``opt.step(params, grads)``. Its state (velocities, moment estimates, step count) is kept per
parameter name, so any model whose parameters are a ``dict[str, ndarray]`` (the MLP, the
recurrent networks) trains with the same optimizers. One optimizer object belongs to one model.

Learning-rate schedules (:class:`StepLR`, :class:`ExponentialLR`, :class:`CosineLR`) give the learning rate of
each epoch as a function of the epoch index and the optimizer's base rate; :func:`fbnn.training.fit` sets
``optimizer.lr`` from one before every epoch, so they work with every optimizer.
:func:`clip_grad_norm_` rescales gradients in place (the trailing underscore says so, as in PyTorch).

Weight decay adds ``weight_decay * p`` to every gradient (L2 regularisation of every parameter,
biases included, as in PyTorch's ``weight_decay``; for Adam this is the coupled form, not AdamW).
"""

from __future__ import annotations

import math

import numpy as np

from fbnn._checks import (
    check_fraction,
    check_name,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
)

__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Adam",
    "CosineLR",
    "ExponentialLR",
    "LRSchedule",
    "Momentum",
    "OPTIMIZER_NAMES",
    "Optimizer",
    "StepLR",
    "as_optimizer",
    "clip_grad_norm_",
    "get_optimizer",
    "grad_norm",
]


class Optimizer:
    """Base class: holds the learning rate and weight decay; subclasses implement :meth:`step`."""

    def __init__(self, lr: float, weight_decay: float = 0.0) -> None:
        self.lr = check_positive_float(lr, "lr")
        self.weight_decay = check_nonnegative_float(weight_decay, "weight_decay")
        self.state: dict[str, dict[str, np.ndarray]] = {}

    def _grad(self, p: np.ndarray, g: np.ndarray) -> np.ndarray:
        return g + self.weight_decay * p if self.weight_decay else g

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update every array in ``params`` in place using the gradient of the same name in ``grads``."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget all state (velocities, moments, step count)."""
        self.state = {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._config().items())
        return f"{type(self).__name__}({args})"

    def _config(self) -> dict[str, object]:
        return {"lr": self.lr, "weight_decay": self.weight_decay}


class SGD(Optimizer):
    """Plain gradient descent: p <- p - lr * g."""

    def __init__(self, lr: float = 0.01, weight_decay: float = 0.0) -> None:
        super().__init__(lr, weight_decay)

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        lr = self.lr
        for k, p in params.items():
            g = self._grad(p, grads[k])
            p -= lr * g


class Momentum(Optimizer):
    """Gradient descent with momentum (PyTorch's formulation).

    Classical: v <- beta v + g;  p <- p - lr v.
    Nesterov:  v <- beta v + g;  p <- p - lr (g + beta v)  (the gradient "looks ahead" along v).
    """

    def __init__(
        self, lr: float = 0.01, beta: float = 0.9, nesterov: bool = False, weight_decay: float = 0.0
    ) -> None:
        super().__init__(lr, weight_decay)
        self.beta = check_fraction(beta, "beta")
        if not isinstance(nesterov, bool):
            raise TypeError(f"nesterov must be True or False, got {nesterov!r}")
        self.nesterov = nesterov

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        lr, beta = self.lr, self.beta
        for k, p in params.items():
            g = self._grad(p, grads[k])
            st = self.state.get(k)
            if st is None:
                st = self.state[k] = {"v": np.zeros_like(p)}
            v = st["v"]
            v *= beta
            v += g
            if self.nesterov:
                p -= lr * (g + beta * v)
            else:
                p -= lr * v

    def _config(self) -> dict[str, object]:
        return {**super()._config(), "beta": self.beta, "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam with bias correction (Kingma and Ba, 2015).

    m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;  p <- p - lr m_hat / (sqrt(v_hat) + eps)
    with m_hat = m / (1 - b1^t) and v_hat = v / (1 - b2^t); ``t`` counts calls to :meth:`step`.
    """

    def __init__(
        self,
        lr: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(lr, weight_decay)
        self.beta1 = check_fraction(beta1, "beta1")
        self.beta2 = check_fraction(beta2, "beta2")
        self.eps = check_positive_float(eps, "eps")
        self.t = 0

    def reset(self) -> None:
        super().reset()
        self.t = 0

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        self.t += 1
        b1, b2, t = self.beta1, self.beta2, self.t
        bc1 = 1 - b1**t
        sqrt_bc2 = math.sqrt(1 - b2**t)
        step_size = self.lr * sqrt_bc2 / bc1
        eps_hat = self.eps * sqrt_bc2
        for k, p in params.items():
            g = self._grad(p, grads[k])
            st = self.state.get(k)
            if st is None:
                st = self.state[k] = {"m": np.zeros_like(p), "v": np.zeros_like(p)}
            m, v = st["m"], st["v"]
            m *= b1
            m += (1 - b1) * g
            v *= b2
            g2 = g * g
            g2 *= 1 - b2
            v += g2
            # lr m_hat / (sqrt(v_hat) + eps) = (lr sqrt(bc2) / bc1) m / (sqrt(v) + eps sqrt(bc2)):
            # the same value with fewer passes over the arrays (PyTorch rearranges it similarly).
            denom = np.sqrt(v, out=g2)
            denom += eps_hat
            np.divide(m, denom, out=denom)
            denom *= step_size
            p -= denom

    def _config(self) -> dict[str, object]:
        return {**super()._config(), "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "momentum": Momentum, "adam": Adam}
"""Optimizer classes by name (``"nesterov"`` is ``Momentum(..., nesterov=True)``)."""

OPTIMIZER_NAMES: tuple[str, ...] = (*OPTIMIZERS, "nesterov")
"""Every name :func:`get_optimizer` accepts."""


def get_optimizer(name: str, **kwargs: object) -> Optimizer:
    """Build an optimizer by name: ``"sgd"``, ``"momentum"``, ``"nesterov"`` or ``"adam"``.

    Keyword arguments go to the class; without them each gets its defaults (``lr=0.01`` for SGD and
    momentum, ``1e-3`` for Adam).
    """
    check_name(name, OPTIMIZER_NAMES, "optimizer")
    if name == "nesterov":
        kwargs = {**kwargs, "nesterov": True}
    cls = OPTIMIZERS["momentum" if name == "nesterov" else name]
    try:
        return cls(**kwargs)  # type: ignore[arg-type]
    except TypeError as exc:
        raise TypeError(f"bad arguments for optimizer {name!r}: {exc}") from exc


def as_optimizer(optimizer: object, name: str = "optimizer") -> Optimizer:
    """An :class:`Optimizer` from an instance (returned as is) or a name; anything else is refused
    with a message (a class such as ``Adam`` instead of ``Adam()`` included)."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str):
        return get_optimizer(optimizer)
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        raise TypeError(
            f"{name} must be an optimizer instance, got the class {optimizer.__name__}; "
            f"write {optimizer.__name__}() or {optimizer.__name__}(lr=...)"
        )
    raise TypeError(
        f"{name} must be an fbnn.optim.Optimizer instance or one of the names {list(OPTIMIZER_NAMES)}, "
        f"got {optimizer!r} ({type(optimizer).__name__})"
    )


# ---------------------------------------------------------------------- gradient norms
def grad_norm(grads: dict[str, np.ndarray]) -> float:
    """Joint L2 norm ``sqrt(sum_k ||grads[k]||^2)`` over every array (NaN or inf if any entry is)."""
    return math.sqrt(sum(float(np.vdot(g, g)) for g in grads.values()))


def clip_grad_norm_(grads: dict[str, np.ndarray], max_norm: float) -> float:
    """Scale all gradients in place so their joint L2 norm is at most ``max_norm``; return the norm before.

    The joint norm is ``sqrt(sum_k ||grads[k]||^2)`` over every array; the direction is unchanged
    (Pascanu, Mikolov & Bengio 2013). Non-finite gradients are left alone (the norm returned is then
    NaN or inf, which :func:`fbnn.training.fit` reports).
    """
    max_norm = check_positive_float(max_norm, "max_norm")
    total = grad_norm(grads)
    if math.isfinite(total) and total > max_norm:
        scale = max_norm / (total + 1e-12)
        for g in grads.values():
            g *= scale
    return total


# ---------------------------------------------------------------------- learning-rate schedules
class LRSchedule:
    """Base class: ``schedule(epoch, base_lr)`` is the learning rate of the 0-based ``epoch``."""

    def __call__(self, epoch: int, base_lr: float) -> float:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class StepLR(LRSchedule):
    """``base_lr * gamma ** (epoch // step_size)``: multiply by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = check_positive_int(step_size, "step_size")
        self.gamma = check_positive_float(gamma, "gamma")

    def __call__(self, epoch: int, base_lr: float) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRSchedule):
    """``base_lr * gamma ** epoch``: multiply by ``gamma`` after every epoch."""

    def __init__(self, gamma: float) -> None:
        self.gamma = check_positive_float(gamma, "gamma")

    def __call__(self, epoch: int, base_lr: float) -> float:
        return base_lr * self.gamma**epoch


class CosineLR(LRSchedule):
    """Cosine annealing (Loshchilov & Hutter 2017, without restarts) from ``base_lr`` to ``min_lr`` over
    ``total_epochs`` epochs, then ``min_lr``:
    ``min_lr + (base_lr - min_lr) (1 + cos(pi min(epoch, total_epochs) / total_epochs)) / 2``."""

    def __init__(self, total_epochs: int, min_lr: float = 0.0) -> None:
        self.total_epochs = check_positive_int(total_epochs, "total_epochs")
        self.min_lr = check_nonnegative_float(min_lr, "min_lr")

    def __call__(self, epoch: int, base_lr: float) -> float:
        frac = min(epoch, self.total_epochs) / self.total_epochs
        return self.min_lr + (base_lr - self.min_lr) * (1 + math.cos(math.pi * frac)) / 2
