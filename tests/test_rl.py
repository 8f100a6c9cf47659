"""Tests of fbnn.rl: the grid world, exact policy evaluation, the policy gradient and REINFORCE."""

from __future__ import annotations

import numpy as np
import pytest

from fbnn import MLP
from fbnn.rl import (
    Episode,
    GridWorld,
    exact_policy_gradient,
    expected_return,
    policy_table,
    reinforce,
    reinforce_gradient,
    sample_episodes,
    uniform_policy,
)

TINY = ("S.X", ".#G")


def tiny_env(**kw) -> GridWorld:
    return GridWorld(TINY, **{"slip": 0.2, "gamma": 0.9, "horizon": 6, **kw})


def policy(env: GridWorld, seed: int = 0) -> MLP:
    return MLP([env.n_states, 5, env.n_actions], hidden="tanh", output="softmax", seed=seed)


def test_transition_rows_are_distributions_and_walls_block():
    env = GridWorld()
    np.testing.assert_allclose(env.P.sum(axis=2), 1.0)
    # Start is the top-left corner: without slipping, "up" and "left" leave the agent in place.
    env0 = GridWorld(slip=0.0)
    assert env0.P[env0.start, 0, env0.start] == 1.0
    assert env0.P[env0.start, 3, env0.start] == 1.0
    # The cell below (1, 1) is a wall in the default layout, so "down" from (0, 1) stays put.
    s = 1
    assert env0.P[s, 2, s] == 1.0


def test_returns_to_go_by_hand():
    ep = Episode(np.array([0, 1, 2]), np.array([1, 1, 1]), np.array([1.0, 0.0, 2.0]))
    # G_2 = 2, G_1 = 0 + 0.5 * 2 = 1, G_0 = 1 + 0.5 * 1 = 1.5; the episode's return is G_0.
    np.testing.assert_allclose(ep.returns_to_go(0.5), [1.5, 1.0, 2.0])
    assert ep.discounted_return(0.5) == pytest.approx(1.5)


def test_expected_return_one_step_by_hand():
    env = GridWorld(("SG",), slip=0.2, gamma=0.9, horizon=1, step_reward=-0.1)
    probs = np.tile([0.0, 1.0, 0.0, 0.0], (2, 1))  # always "right"
    # Right lands on G unless it slips to up/down/left (edges: stay): P(G) = 0.8 + 0.2/4.
    p_goal = 0.8 + 0.05
    assert expected_return(env, probs) == pytest.approx(p_goal * 1.0 + (1 - p_goal) * -0.1)


def test_expected_return_two_steps_by_hand():
    # Two steps, always "right", no slip: S -> . (cost -0.1) -> G (+1, discounted by gamma).
    env = GridWorld(("S.G",), slip=0.0, gamma=0.5, horizon=2, step_reward=-0.1)
    probs = np.tile([0.0, 1.0, 0.0, 0.0], (3, 1))
    assert expected_return(env, probs) == pytest.approx(-0.1 + 0.5 * 1.0)
    # A horizon of one step never reaches the goal.
    short = GridWorld(("S.G",), slip=0.0, horizon=1, step_reward=-0.1)
    assert expected_return(short, probs) == pytest.approx(-0.1)


def test_expected_return_matches_monte_carlo():
    env = tiny_env()
    probs = policy_table(policy(env, seed=3), env)
    rng = np.random.default_rng(0)
    returns = np.array([ep.discounted_return(env.gamma) for ep in sample_episodes(env, probs, 5000, rng)])
    se = returns.std() / np.sqrt(returns.size)
    assert abs(returns.mean() - expected_return(env, probs)) < 4 * se


def test_exact_policy_gradient_matches_finite_differences():
    env = tiny_env()
    model = policy(env, seed=1)
    J, grads = exact_policy_gradient(model, env)
    assert J == pytest.approx(expected_return(env, policy_table(model, env)))
    eps = 1e-6
    for name, p in model.params.items():
        fd = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + eps
            jp = expected_return(env, policy_table(model, env))
            p[i] = old - eps
            jm = expected_return(env, policy_table(model, env))
            p[i] = old
            fd[i] = (jp - jm) / (2 * eps)
        np.testing.assert_allclose(grads[name], fd, rtol=1e-5, atol=1e-8, err_msg=name)


def _flat(grads: dict[str, np.ndarray]) -> np.ndarray:
    return np.concatenate([grads[k].ravel() for k in sorted(grads)])


@pytest.mark.parametrize("baseline", [0.0, 0.3])
def test_reinforce_estimate_is_unbiased(baseline):
    env = tiny_env()
    model = policy(env, seed=2)
    _, exact = exact_policy_gradient(model, env)
    episodes = sample_episodes(env, policy_table(model, env), 6000, np.random.default_rng(5))
    est = _flat(reinforce_gradient(model, env, episodes, baseline=baseline))
    ref = _flat(exact)
    cosine = est @ ref / (np.linalg.norm(est) * np.linalg.norm(ref))
    assert cosine > 0.98
    assert np.linalg.norm(est - ref) < 0.2 * np.linalg.norm(ref)


def test_reinforce_beats_random_policy_and_is_deterministic():
    env = GridWorld()
    model = policy(env, seed=0)
    hist = reinforce(model, env, n_updates=100, seed=0)
    J = expected_return(env, policy_table(model, env))
    assert hist.random == pytest.approx(expected_return(env, uniform_policy(env)))
    assert J > hist.random + 0.5
    assert J > 0.5  # it reaches the goal, not just avoids the pit
    # The sampled returns tell the same story as the exact values.
    assert np.mean(hist.sampled[-20:]) > np.mean(hist.sampled[:5]) + 0.3
    again = reinforce(policy(env, seed=0), env, n_updates=100, seed=0)
    assert again.sampled == hist.sampled


def test_bad_input_gives_clear_errors():
    with pytest.raises(ValueError, match="exactly one start"):
        GridWorld(("..G",))
    with pytest.raises(ValueError, match="only the characters"):
        GridWorld(("S?G",))
    with pytest.raises(ValueError, match="same non-zero length"):
        GridWorld(("S.G", ".."))
    with pytest.raises(ValueError, match="gamma"):
        GridWorld(gamma=0.0)
    env = tiny_env()
    with pytest.raises(ValueError, match="probs must have shape"):
        expected_return(env, np.ones((2, 4)) / 4)
    with pytest.raises(ValueError, match="probability vectors"):
        expected_return(env, np.ones((env.n_states, 4)))
    with pytest.raises(ValueError, match="output='softmax'"):
        reinforce(MLP([env.n_states, 3, 4], output="sigmoid"), env)
    with pytest.raises(ValueError, match="terminal"):
        env.step(env.cells.index("G"), 0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="action"):
        env.step(env.start, 7, np.random.default_rng(0))
