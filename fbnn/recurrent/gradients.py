"""Vanishing and exploding gradients: how strongly h_T still depends on an earlier h_t.

By the chain rule ``dh_T/dh_t = J_T J_{T-1} ... J_{t+1}`` with ``J_s = dh_s/dh_{s-1}``; for an Elman net
``J_s = diag(1 - h_s^2) Whh``. A product of many such matrices shrinks or grows roughly geometrically in
``T - t``, which is why a plain RNN trained by BPTT struggles to learn dependencies over long lags
(Bengio, Simard & Frasconi 1994; Hochreiter & Schmidhuber 1997).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fbnn.recurrent._validate import check_choice

NORMS: tuple[str, ...] = ("spectral", "frobenius")


@dataclass(frozen=True)
class GradientNorms:
    """Norms of ``dh_T/dh_t`` for t = 0..T.

    Attributes
    ----------
    lags : (T + 1,) int
        ``t - T``, from ``-T`` (the initial state h_0) up to 0.
    per_sequence : (n_seq, T + 1)
        ``||dh_T/dh_t||`` for each sequence; the entry at lag 0 is ``||I||``.
    """

    lags: np.ndarray
    per_sequence: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        """Arithmetic mean over sequences (T + 1,)."""
        return self.per_sequence.mean(axis=0)

    @property
    def geometric_mean(self) -> np.ndarray:
        """Geometric mean over sequences (T + 1,): the natural average of exponentially decaying values."""
        with np.errstate(divide="ignore"):
            return np.exp(np.log(self.per_sequence).mean(axis=0))


def hidden_gradient_norms(rnn, X, norm: str = "spectral") -> GradientNorms:
    """Measure ``||dh_T/dh_t||`` against the lag ``t - T`` for a trained or untrained recurrent net.

    Parameters
    ----------
    rnn : ElmanRNN or JordanRNN
    X : (n_seq, T, n_in)
        Input sequences that drive the hidden states (the Jacobians depend on them through tanh').
    norm : {"spectral", "frobenius"}
        Matrix norm of each (n_hidden, n_hidden) Jacobian product.

    Returns
    -------
    GradientNorms
        ``lags`` (T + 1,) and ``per_sequence`` (n_seq, T + 1).
    """
    check_choice(norm, "norm", NORMS)
    J = rnn.recurrent_jacobians(X).astype(np.float64)  # (T, n_seq, H, H); J[s-1] = dh_s/dh_{s-1}
    T, n_seq, H = J.shape[0], J.shape[1], J.shape[2]
    M = np.broadcast_to(np.eye(H), (n_seq, H, H)).copy()  # dh_T/dh_T
    products = np.empty((T + 1, n_seq, H, H))
    products[T] = M
    for t in range(T, 0, -1):
        M = M @ J[t - 1]  # dh_T/dh_{t-1} = dh_T/dh_t  dh_t/dh_{t-1}
        products[t - 1] = M
    if norm == "spectral":
        values = np.linalg.norm(products, ord=2, axis=(-2, -1))
    else:
        values = np.linalg.norm(products, ord="fro", axis=(-2, -1))
    return GradientNorms(lags=np.arange(-T, 1), per_sequence=values.T.copy())
