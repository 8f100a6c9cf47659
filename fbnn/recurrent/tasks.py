"""Sequence tasks from the literature, generated with a seed (no downloads).

* Elman's (1990) temporal XOR: a stream of triples ``a, b, a XOR b``; only every third bit can be predicted.
* Next-character prediction on a short English text shipped with the package
  (``fbnn/data/feedback_notes.txt``, written for this course and released with it under the MIT licence).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np

from fbnn.recurrent._validate import check_choice, check_positive_int, make_rng

TEXT_FILE = "feedback_notes.txt"


# --------------------------------------------------------------------------- temporal XOR
def xor_stream(n_triples: int, seed=0) -> np.ndarray:
    """A bit stream of ``n_triples`` triples ``(a, b, a XOR b)`` with random a, b: (3 n_triples,) int8."""
    n_triples = check_positive_int(n_triples, "n_triples")
    rng = make_rng(seed)
    ab = rng.integers(0, 2, size=(n_triples, 2), dtype=np.int8)
    return np.column_stack([ab, ab[:, 0] ^ ab[:, 1]]).ravel()


def temporal_xor(n_sequences: int = 64, n_triples: int = 4, seed=0) -> tuple[np.ndarray, np.ndarray]:
    """Elman's temporal XOR as next-bit prediction.

    Each sequence is a fresh stream of ``n_triples`` triples ``b_0 b_1 ...``; the input at step t is
    ``b_t`` and the target is ``b_{t+1}``, so ``T = 3 n_triples - 1``. The target at step t is predictable
    exactly when ``(t + 1) % 3 == 2`` (it is the XOR of the two bits before it); the others are coin flips.

    Returns
    -------
    X : (n_sequences, T, 1) float64 bits
    Y : (n_sequences, T) int class indices (0 or 1), for a network with ``n_out=2`` and cross-entropy.
    """
    n_sequences = check_positive_int(n_sequences, "n_sequences")
    n_triples = check_positive_int(n_triples, "n_triples")
    rng = make_rng(seed)
    streams = np.stack([xor_stream(n_triples, rng) for _ in range(n_sequences)])
    X = streams[:, :-1, None].astype(np.float64)
    Y = streams[:, 1:].astype(np.int64)
    return X, Y


def xor_target_phase(T: int) -> np.ndarray:
    """Position in its triple of the target at each step t = 0..T-1: (T,) in {0, 1, 2}; 2 is the XOR bit."""
    return (np.arange(T) + 1) % 3


def xor_phase_errors(rnn, X, Y) -> np.ndarray:
    """Mean absolute prediction error ``|P(next bit = 1) - bit|`` by target phase, as in Elman (1990).

    ``rnn`` has two outputs (softmax over {0, 1}); X (n_seq, T, 1), Y (n_seq, T).
    Returns (3,): errors for phase 0 (first bit of a triple), 1 (second) and 2 (the XOR bit). Guessing
    gives 0.5; a network that has found the rule gets a small error at phase 2 only.
    """
    if rnn.n_out != 2:
        raise ValueError(f"xor_phase_errors needs a network with n_out=2 (softmax over 0/1), got {rnn.n_out}")
    p1 = rnn.predict_proba(X)[..., 1]
    Y = np.asarray(Y)
    if Y.shape != p1.shape:
        raise ValueError(f"Y must have shape {p1.shape} to match X, got {Y.shape}")
    err = np.abs(p1 - Y)
    phase = xor_target_phase(Y.shape[1])
    return np.array([err[:, phase == k].mean() if np.any(phase == k) else np.nan for k in range(3)])


# --------------------------------------------------------------------------- characters
def load_text() -> str:
    """The course's short English text (about 4 kB), as stored."""
    return resources.files("fbnn").joinpath("data", TEXT_FILE).read_text(encoding="utf-8")


def normalise_text(text: str) -> str:
    """Lower-case and collapse all runs of whitespace to single spaces (a smaller alphabet)."""
    return " ".join(text.lower().split())


@dataclass(frozen=True)
class CharData:
    """Next-character data.

    Attributes
    ----------
    X : (n_seq, T, V) one-hot inputs; ``Y`` : (n_seq, T) index of the next character.
    alphabet : str, the V characters in sorted order (index = position).
    """

    X: np.ndarray
    Y: np.ndarray
    alphabet: str

    @property
    def baseline(self) -> float:
        """Loss of the uniform guess, ``ln V`` (nats per character)."""
        return float(np.log(len(self.alphabet)))

    def encode(self, text: str) -> np.ndarray:
        """Character indices (len(text),) for a string over :attr:`alphabet`."""
        return encode(text, self.alphabet)

    def decode(self, indices) -> str:
        """The string for character indices."""
        return "".join(self.alphabet[int(i)] for i in np.asarray(indices).ravel())


def encode(text: str, alphabet: str) -> np.ndarray:
    """Indices of the characters of ``text`` in ``alphabet``: (len(text),) int; unknown characters raise."""
    lookup = {c: i for i, c in enumerate(alphabet)}
    missing = sorted(set(text) - set(lookup))
    if missing:
        raise ValueError(f"text contains characters outside the alphabet: {''.join(missing)!r}")
    return np.array([lookup[c] for c in text], dtype=np.int64)


def char_dataset(text: str | None = None, seq_len: int = 25, dtype="float64") -> CharData:
    """Cut a text into non-overlapping windows for next-character prediction.

    ``text`` defaults to :func:`load_text` normalised by :func:`normalise_text`. Window i covers
    characters ``i*seq_len .. (i+1)*seq_len``; the inputs are its first ``seq_len`` characters (one-hot)
    and the targets the same window shifted by one. A remainder too short for a window is dropped.
    """
    seq_len = check_positive_int(seq_len, "seq_len")
    if text is None:
        text = normalise_text(load_text())
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    n_seq = (len(text) - 1) // seq_len
    if n_seq < 1:
        raise ValueError(f"text of {len(text)} characters is too short for one window of seq_len={seq_len} "
                         f"(needs at least {seq_len + 1})")
    alphabet = "".join(sorted(set(text)))
    idx = encode(text, alphabet)
    inputs = idx[: n_seq * seq_len].reshape(n_seq, seq_len)
    targets = idx[1 : n_seq * seq_len + 1].reshape(n_seq, seq_len)
    X = np.eye(len(alphabet), dtype=dtype)[inputs]
    return CharData(X, targets, alphabet)


def sample_text(rnn, alphabet: str, prefix: str, n_chars: int, temperature: float = 1.0, seed=0,
                method: str = "sample") -> str:
    """Generate ``n_chars`` characters after ``prefix`` with a trained character model.

    ``method="sample"`` draws from ``softmax(y / temperature)`` with a seeded generator; ``"argmax"`` picks
    the most likely character. Returns the prefix followed by the generated characters.
    """
    from fbnn.activations import softmax

    check_choice(method, "method", ("sample", "argmax"))
    n_chars = check_positive_int(n_chars, "n_chars", minimum=0)
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}")
    if len(prefix) == 0:
        raise ValueError("prefix must hold at least one character to start from")
    if rnn.n_in != len(alphabet) or rnn.n_out != len(alphabet):
        raise ValueError(f"the network must have n_in = n_out = len(alphabet) = {len(alphabet)}, "
                         f"got n_in={rnn.n_in}, n_out={rnn.n_out}")
    rng = make_rng(seed)
    eye = np.eye(len(alphabet), dtype=rnn.dtype)
    state = rnn.initial_state(1)
    out = list(prefix)
    y = None
    for c in encode(prefix, alphabet):
        y, state = rnn.step(eye[c][None], state)
    for _ in range(n_chars):
        p = softmax(np.asarray(y[0], dtype=np.float64) / temperature)
        c = int(np.argmax(p)) if method == "argmax" else int(rng.choice(len(alphabet), p=p))
        out.append(alphabet[c])
        y, state = rnn.step(eye[c][None], state)
    return "".join(out)
