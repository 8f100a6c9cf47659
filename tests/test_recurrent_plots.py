"""fbnn.recurrent.plots: the helpers draw what they are given, label it, return Axes, never show."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from fbnn.recurrent import capacity_experiment  # noqa: E402
from fbnn.recurrent.gradients import GradientNorms  # noqa: E402
from fbnn.recurrent.plots import (  # noqa: E402
    plot_capacity,
    plot_energy,
    plot_error_by_step,
    plot_gradient_norms,
    show_state,
    state_grid,
)


@pytest.fixture(autouse=True)
def _close_figures(monkeypatch):
    def fail_show(*args, **kwargs):
        raise AssertionError("a plot helper called plt.show()")

    monkeypatch.setattr(plt, "show", fail_show)
    yield
    plt.close("all")


def test_show_state_draws_the_bitmap_row_major():
    state = np.array([1, -1, -1, 1, 1, 1])
    ax = show_state(state, (2, 3), title="x")
    assert isinstance(ax, Axes)
    image = ax.get_images()[0].get_array()
    assert np.array_equal(np.asarray(image), [[1, -1, -1], [1, 1, 1]])
    assert ax.get_title() == "x"


def test_show_state_uses_the_given_axes():
    _, ax = plt.subplots()
    assert show_state(np.ones(4), (2, 2), ax=ax) is ax


@pytest.mark.parametrize(
    ("state", "shape", "match"),
    [(np.ones(5), (2, 3), "rows \\* cols"), (np.array([1, 0, 1, -1]), (2, 2), "only -1 and \\+1"),
     (np.ones((2, 2)), (2, 2), "1-D")],
)
def test_show_state_rejects_bad_input(state, shape, match):
    with pytest.raises(ValueError, match=match):
        show_state(state, shape)


def test_state_grid_one_axes_per_state_and_titles_checked():
    states = np.array([[1, -1, 1, -1], [-1, -1, 1, 1], [1, 1, 1, 1]])
    axes = state_grid(states, (2, 2), titles=["a", "b", "c"])
    assert len(axes) == 3 and all(isinstance(a, Axes) for a in axes)
    assert [a.get_title() for a in axes] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="titles"):
        state_grid(np.ones((2, 4)), (2, 2), titles=["only one"])


def test_plot_energy_marks_exactly_the_steps_where_energy_changed():
    e = np.array([0.0, -1.0, -1.0, -3.0, -3.0])
    ax = plot_energy(e)
    line, marks = ax.get_lines()[:2]
    assert np.array_equal(line.get_ydata(), e)
    assert np.array_equal(marks.get_xdata(), [1, 3])
    assert ax.get_ylabel() and ax.get_xlabel()
    with pytest.raises(ValueError, match="non-empty 1-D"):
        plot_energy(np.zeros((2, 2)))


def test_plot_capacity_draws_trial_means_against_actual_load():
    result = capacity_experiment(n=40, alphas=(0.05, 0.2), n_trials=2, seed=0)
    ax = plot_capacity(result)
    stable, overlap_line, vline = ax.get_lines()[:3]
    assert np.allclose(stable.get_xdata(), result.n_patterns / 40)
    assert np.allclose(stable.get_ydata(), result.stable.mean(axis=1))
    assert np.allclose(overlap_line.get_ydata(), result.overlap.mean(axis=1))
    assert np.allclose(vline.get_xdata(), 0.138)
    assert "load" in ax.get_xlabel()


def test_plot_error_by_step_colours_predictable_steps_apart():
    err = np.array([0.5, 0.5, 0.1, 0.5, 0.5, 0.1])
    mask = np.array([False, False, True, False, False, True])
    ax = plot_error_by_step(err, predictable=mask)
    heights = sorted((p.get_x() + p.get_width() / 2, p.get_height()) for p in ax.patches)
    assert np.allclose([h for _, h in heights], err)
    with pytest.raises(ValueError, match="predictable"):
        plot_error_by_step(err, predictable=mask[:3])


def test_plot_gradient_norms_is_log_scale_geometric_mean():
    per_seq = np.array([[1e-4, 1e-2, 1.0], [1e-2, 1e-1, 1.0]])
    g = GradientNorms(lags=np.arange(-2, 1), per_sequence=per_seq)
    ax = plot_gradient_norms({"rho = 0.5": g})
    assert ax.get_yscale() == "log"
    (line,) = ax.get_lines()
    assert np.allclose(line.get_ydata(), [1e-3, np.sqrt(1e-3), 1.0])  # geometric means by hand
    assert np.array_equal(line.get_xdata(), [-2, -1, 0])
    with pytest.raises(ValueError, match="at least one"):
        plot_gradient_norms({})
