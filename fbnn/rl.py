"""Reinforcement learning in miniature: a grid world and REINFORCE for an MLP policy.

Here the "feedback" a network learns from is a reward, not a target. The agent moves on a small grid;
reaching the goal pays +1, falling into a pit -1, and every step costs a little. The policy is an
:class:`fbnn.MLP` with a softmax output, ``pi(a | s) = softmax(z(s))_a`` with ``z(s)`` the logits for
the state's features. REINFORCE (Williams 1992) follows the gradient of the expected discounted return

    J(theta) = E[ sum_t gamma^t r_t ],
    grad J   = E[ sum_t gamma^t (G_t - b) grad log pi(a_t | s_t) ],   G_t = sum_{k >= t} gamma^(k-t) r_k,

estimated from sampled episodes; ``b`` is a baseline that does not depend on the action taken.

The grid is small enough to evaluate a policy exactly by dynamic programming over the finite horizon
(:func:`expected_return`), and hence to compute the exact policy gradient (:func:`exact_policy_gradient`):
the tests check that against finite differences of :func:`expected_return` and the REINFORCE
estimate against the exact gradient.

States are cell indices ``row * n_cols + col``; actions 0..3 are up, right, down, left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from fbnn._checks import check_fraction, check_positive_int

__all__ = [
    "ACTIONS",
    "DEFAULT_LAYOUT",
    "Episode",
    "GridWorld",
    "ReinforceHistory",
    "expected_return",
    "exact_policy_gradient",
    "policy_table",
    "reinforce",
    "reinforce_gradient",
    "sample_episodes",
    "uniform_policy",
]

ACTIONS: tuple[str, ...] = ("up", "right", "down", "left")
"""Names of the four moves, in the order of the policy's outputs."""
_MOVES = ((-1, 0), (0, 1), (1, 0), (0, -1))

DEFAULT_LAYOUT: tuple[str, ...] = (
    "S....",
    ".##..",
    "...#.",
    ".X..G",
)
"""The default map: ``S`` start, ``G`` goal (+1, ends the episode), ``X`` pit (-1, ends it), ``#`` wall,
``.`` free cell."""


class GridWorld:
    """A small grid world with walls, a goal, pits, a step cost and optional slipping.

    Parameters
    ----------
    layout : rows of equal length over the characters ``S G X # .`` (exactly one ``S``, at least one ``G``).
    step_reward : reward of every move that does not end in the goal or a pit (usually a small cost).
    goal_reward, pit_reward : reward for entering a goal or a pit cell; both end the episode.
    slip : probability that the chosen action is replaced by one drawn uniformly from all four.
    gamma : discount factor in (0, 1].
    horizon : maximum number of steps of an episode.

    Moving into a wall or off the grid leaves the agent where it is (and still costs ``step_reward``).
    Goal and pit cells are absorbing: once there, nothing more happens and no reward is paid.
    """

    def __init__(
        self,
        layout: Sequence[str] = DEFAULT_LAYOUT,
        *,
        step_reward: float = -0.01,
        goal_reward: float = 1.0,
        pit_reward: float = -1.0,
        slip: float = 0.1,
        gamma: float = 0.95,
        horizon: int = 20,
    ) -> None:
        if isinstance(layout, str) or not isinstance(layout, Sequence) or len(layout) == 0:
            raise TypeError(f"layout must be a non-empty list of strings (rows), got {layout!r}")
        rows = [str(r) for r in layout]
        if len({len(r) for r in rows}) != 1 or len(rows[0]) == 0:
            lengths = [len(r) for r in rows]
            raise ValueError(f"layout rows must all have the same non-zero length, got lengths {lengths}")
        bad = sorted(set("".join(rows)) - set("SGX#."))
        if bad:
            raise ValueError(f"layout may contain only the characters 'S', 'G', 'X', '#', '.'; found {bad}")
        flat = "".join(rows)
        if flat.count("S") != 1:
            raise ValueError(f"layout needs exactly one start cell 'S', found {flat.count('S')}")
        if "G" not in flat:
            raise ValueError("layout needs at least one goal cell 'G'")
        self.layout: tuple[str, ...] = tuple(rows)
        self.n_rows, self.n_cols = len(rows), len(rows[0])
        self.step_reward = float(step_reward)
        self.goal_reward = float(goal_reward)
        self.pit_reward = float(pit_reward)
        for name, v in (("step_reward", self.step_reward), ("goal_reward", self.goal_reward),
                        ("pit_reward", self.pit_reward)):
            if not np.isfinite(v):
                raise ValueError(f"{name} must be finite, got {v!r}")
        self.slip = check_fraction(slip, "slip", high_open=False)
        self.gamma = check_fraction(gamma, "gamma", low_open=True, high_open=False)
        self.horizon = check_positive_int(horizon, "horizon")
        self.start: int = flat.index("S")
        self.cells: str = flat
        self.terminal = np.array([c in "GX" for c in flat])
        self.P, self.R = self._tables()

    @property
    def n_states(self) -> int:
        """Number of cells (walls included; they are never visited)."""
        return self.n_rows * self.n_cols

    @property
    def n_actions(self) -> int:
        return len(ACTIONS)

    def __repr__(self) -> str:
        return (
            f"GridWorld({self.n_rows}x{self.n_cols}, slip={self.slip}, gamma={self.gamma}, "
            f"horizon={self.horizon})"
        )

    def _target(self, s: int, a: int) -> int:
        """Cell reached by a deterministic move (walls and edges block)."""
        r, c = divmod(s, self.n_cols)
        dr, dc = _MOVES[a]
        r2, c2 = r + dr, c + dc
        if not (0 <= r2 < self.n_rows and 0 <= c2 < self.n_cols) or self.cells[r2 * self.n_cols + c2] == "#":
            return s
        return r2 * self.n_cols + c2

    def _reward_on_entering(self, s2: int) -> float:
        return {"G": self.goal_reward, "X": self.pit_reward}.get(self.cells[s2], self.step_reward)

    def _tables(self) -> tuple[np.ndarray, np.ndarray]:
        """Transition probabilities ``P[s, a, s2]`` and expected rewards ``R[s, a]`` (0 from terminals)."""
        S, A = self.n_states, self.n_actions
        P = np.zeros((S, A, S))
        R = np.zeros((S, A))
        for s in range(S):
            if self.terminal[s] or self.cells[s] == "#":
                P[s, :, s] = 1.0
                continue
            for a in range(A):
                for b in range(A):
                    prob = (1.0 - self.slip) * (a == b) + self.slip / A
                    s2 = self._target(s, b)
                    P[s, a, s2] += prob
                    R[s, a] += prob * self._reward_on_entering(s2)
        return P, R

    def features(self, states: object = None) -> np.ndarray:
        """One-hot features ``(n, n_states)`` of the given cell indices (all cells if None)."""
        if states is None:
            return np.eye(self.n_states)
        idx = np.asarray(states)
        ok = idx.ndim == 1 and np.issubdtype(idx.dtype, np.integer)
        if not ok or np.any((idx < 0) | (idx >= self.n_states)):
            raise ValueError(
                f"states must be a 1-D array of cell indices in [0, {self.n_states}), got {states!r}"
            )
        return np.eye(self.n_states)[idx]

    def step(self, state: int, action: int, rng: np.random.Generator) -> tuple[int, float, bool]:
        """One move from a non-terminal ``state``: returns ``(next_state, reward, done)``."""
        if not 0 <= action < self.n_actions:
            raise ValueError(f"action must be in 0..{self.n_actions - 1}, got {action!r}")
        if self.terminal[state]:
            raise ValueError(f"state {state} is terminal; start a new episode")
        if self.slip > 0 and rng.random() < self.slip:
            action = int(rng.integers(self.n_actions))
        s2 = self._target(state, action)
        return s2, self._reward_on_entering(s2), bool(self.terminal[s2])


def _check_probs(env: GridWorld, probs: object) -> np.ndarray:
    probs = np.asarray(probs, dtype=np.float64)
    if probs.shape != (env.n_states, env.n_actions):
        raise ValueError(
            f"probs must have shape {(env.n_states, env.n_actions)} (one row per cell), got {probs.shape}"
        )
    if np.any(probs < 0) or not np.allclose(probs.sum(axis=1), 1.0):
        raise ValueError("probs rows must be probability vectors (non-negative, summing to 1)")
    return probs


def policy_table(model, env: GridWorld) -> np.ndarray:
    """The policy ``pi(a | s)`` of a softmax MLP for every cell: ``(n_states, n_actions)``."""
    fits = getattr(model, "output", None) == "softmax" and model.n_out == env.n_actions
    if not fits or model.n_in != env.n_states:
        raise ValueError(
            f"the policy must be an MLP with {env.n_states} inputs (one-hot cells), {env.n_actions} outputs "
            f"and output='softmax', got {model!r}"
        )
    return np.asarray(model.forward(env.features()), dtype=np.float64)


def uniform_policy(env: GridWorld) -> np.ndarray:
    """The random policy: every action with probability 1/4 in every cell."""
    return np.full((env.n_states, env.n_actions), 1.0 / env.n_actions)


def _evaluate(env: GridWorld, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Finite-horizon values: ``Q[k, s, a]`` and ``V[k, s]`` with k steps to go (k = 0..horizon)."""
    H, S, A = env.horizon, env.n_states, env.n_actions
    Q = np.zeros((H + 1, S, A))
    V = np.zeros((H + 1, S))
    for k in range(1, H + 1):
        Q[k] = env.R + env.gamma * env.P @ V[k - 1]
        V[k] = np.sum(probs * Q[k], axis=1)
    return Q, V


def expected_return(env: GridWorld, probs: object) -> float:
    """Exact ``J = E[sum_{t < horizon} gamma^t r_t]`` from the start cell for the policy table ``probs``.

    ``probs: (n_states, n_actions)``, e.g. :func:`policy_table` or :func:`uniform_policy`. Computed by
    backward induction over the horizon (no sampling).
    """
    probs = _check_probs(env, probs)
    _, V = _evaluate(env, probs)
    return float(V[env.horizon, env.start])


def exact_policy_gradient(model, env: GridWorld) -> tuple[float, dict[str, np.ndarray]]:
    """Exact ``J`` and ``dJ/dparams`` of a softmax MLP policy (gradient *ascent* direction).

    Policy gradient theorem for a finite horizon: with ``d_t(s)`` the probability of being in ``s`` at
    step t and ``Q_k, V_k`` the values with k steps to go,
    ``dJ/dz(s)_b = sum_t gamma^t d_t(s) pi(b|s) (Q_{H-t}(s, b) - V_{H-t}(s))``,
    which is then backpropagated through the network with :meth:`fbnn.network.MLP.backward`.
    """
    X = env.features()
    probs, cache = model.forward(X, return_cache=True)
    probs = np.asarray(probs, dtype=np.float64)
    policy_table(model, env)  # shape checks
    Q, V = _evaluate(env, probs)
    H = env.horizon
    # Transition matrix under the policy (terminal cells absorbing).
    M = np.einsum("sa,sat->st", probs, env.P)
    d = np.zeros(env.n_states)
    d[env.start] = 1.0
    dz = np.zeros_like(probs)
    for t in range(H):
        k = H - t
        dz += env.gamma**t * d[:, None] * probs * (Q[k] - V[k][:, None])
        d = d @ M
    grads = model.backward(cache, dz.astype(model.dtype))
    return float(V[H, env.start]), grads


@dataclass
class Episode:
    """One sampled episode: visited ``states``, ``actions`` and the ``rewards`` that followed."""

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray

    def discounted_return(self, gamma: float) -> float:
        """``sum_t gamma^t r_t``."""
        return float(np.sum(gamma ** np.arange(self.rewards.size) * self.rewards))

    def returns_to_go(self, gamma: float) -> np.ndarray:
        """``G_t = sum_{k >= t} gamma^(k-t) r_k`` for every step t."""
        G = np.zeros(self.rewards.size)
        acc = 0.0
        for t in range(self.rewards.size - 1, -1, -1):
            acc = self.rewards[t] + gamma * acc
            G[t] = acc
        return G


def sample_episodes(env: GridWorld, probs: object, n: int, rng: np.random.Generator) -> list[Episode]:
    """Run ``n`` episodes from the start cell with the policy table ``probs: (n_states, n_actions)``."""
    probs = _check_probs(env, probs)
    n = check_positive_int(n, "n")
    cum = np.cumsum(probs, axis=1)
    episodes = []
    for _ in range(n):
        s = env.start
        S, A, R = [], [], []
        for _ in range(env.horizon):
            a = min(int(np.searchsorted(cum[s], rng.random(), side="right")), env.n_actions - 1)
            s2, r, done = env.step(s, a, rng)
            S.append(s)
            A.append(a)
            R.append(r)
            s = s2
            if done:
                break
        episodes.append(Episode(np.array(S, dtype=np.int64), np.array(A, dtype=np.int64), np.array(R)))
    return episodes


def reinforce_gradient(
    model, env: GridWorld, episodes: Sequence[Episode], baseline: float = 0.0
) -> dict[str, np.ndarray]:
    """REINFORCE estimate of ``dJ/dparams`` (ascent direction) from episodes sampled with ``model``'s policy.

    ``(1/N) sum_episodes sum_t gamma^t (G_t - baseline) grad log pi(a_t | s_t)``. With softmax outputs,
    ``d log pi(a|s) / dz(s) = onehot(a) - pi(.|s)``; rows of the same cell add up, so one backward pass
    over all cells suffices.
    """
    if len(episodes) == 0:
        raise ValueError("episodes is empty: sample at least one episode")
    probs, cache = model.forward(env.features(), return_cache=True)
    probs = np.asarray(probs, dtype=np.float64)
    dz = np.zeros_like(probs)
    for ep in episodes:
        w = env.gamma ** np.arange(ep.rewards.size) * (ep.returns_to_go(env.gamma) - baseline)
        np.add.at(dz, ep.states, -w[:, None] * probs[ep.states])
        np.add.at(dz, (ep.states, ep.actions), w)
    dz /= len(episodes)
    return model.backward(cache, dz.astype(model.dtype))


@dataclass
class ReinforceHistory:
    """Per update: mean sampled return of the batch (``sampled``) and the exact expected return (``expected``)
    of the policy that sampled it; ``random`` is the exact expected return of the uniform random policy."""

    sampled: list[float] = field(default_factory=list)
    expected: list[float] = field(default_factory=list)
    random: float = float("nan")


def reinforce(
    model,
    env: GridWorld,
    *,
    n_updates: int = 150,
    episodes_per_update: int = 16,
    optimizer=None,
    baseline: bool = True,
    seed: int | None = 0,
) -> ReinforceHistory:
    """Train a softmax MLP policy in place with REINFORCE and return its learning curve.

    Each update samples ``episodes_per_update`` episodes with the current policy (a seeded
    ``numpy.random.Generator``), forms :func:`reinforce_gradient` and takes an optimizer step on the
    *negated* gradient (optimizers descend). With ``baseline=True`` the baseline is the mean return of
    all earlier updates' episodes (it does not depend on the current actions, so the estimate stays
    unbiased). The default optimizer is ``Adam(lr=0.02)``.
    """
    from fbnn.optim import Adam

    n_updates = check_positive_int(n_updates, "n_updates")
    episodes_per_update = check_positive_int(episodes_per_update, "episodes_per_update")
    if optimizer is None:
        optimizer = Adam(lr=0.02)
    if not hasattr(optimizer, "step"):
        raise TypeError(f"optimizer must have a step(params, grads) method, got {type(optimizer).__name__}")
    policy_table(model, env)  # clear error for a mismatched network before any work
    rng = np.random.default_rng(seed)
    hist = ReinforceHistory(random=expected_return(env, uniform_policy(env)))
    total, count = 0.0, 0
    for _ in range(n_updates):
        probs = policy_table(model, env)
        hist.expected.append(expected_return(env, probs))
        episodes = sample_episodes(env, probs, episodes_per_update, rng)
        returns = [ep.discounted_return(env.gamma) for ep in episodes]
        hist.sampled.append(float(np.mean(returns)))
        b = total / count if (baseline and count) else 0.0
        grads = reinforce_gradient(model, env, episodes, baseline=b)
        optimizer.step(model.params, {k: -g for k, g in grads.items()})
        total += float(np.sum(returns))
        count += len(returns)
    return hist

