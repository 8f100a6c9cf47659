"""Tests of the network diagrams and the timeline in fbnn.plotting.

Expected counts come from the definitions of the topologies (a dense layer joins every unit of one layer
to every unit of the next; a copy connection is one-to-one; a Hopfield net couples each unordered pair
once), not from the code under test.
"""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import ArrowStyle, Circle, FancyArrowPatch  # noqa: E402

from fbnn import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def gids(ax, prefix):
    return [p.get_gid() for p in ax.patches if (p.get_gid() or "").startswith(prefix)]


def center(ax, name):
    (c,) = [p for p in ax.patches if p.get_gid() == f"node:{name}"]
    assert isinstance(c, Circle)
    return c.center


# ------------------------------------------------------------------------- feedforward
@pytest.mark.parametrize("sizes", [[2, 1], [3, 4, 2], [2, 3, 3, 1], [1, 5, 2, 4, 1]])
def test_feedforward_draws_every_unit_and_every_weight(sizes):
    ax = plotting.draw_feedforward(sizes)
    assert len(gids(ax, "node:")) == sum(sizes)
    n_weights = sum(a * b for a, b in itertools.pairwise(sizes))
    edges = gids(ax, "edge:")
    assert len(edges) == n_weights
    assert all(g.startswith("edge:forward:") for g in edges)
    assert all(isinstance(p, FancyArrowPatch) for p in ax.patches if (p.get_gid() or "").startswith("edge:"))


def test_feedforward_has_no_connection_pointing_backwards():
    graph = plotting.feedforward_graph([3, 4, 4, 2])
    assert graph.edges and not any(graph.points_backwards(e) for e in graph.edges)
    # and every connection joins consecutive layers
    assert all(graph.node(e.dst).x - graph.node(e.src).x == 1 for e in graph.edges)


def test_error_signal_arrows_run_from_output_to_first_hidden_layer():
    sizes = [2, 3, 3, 2]  # L = 3 weight layers: delta^(3) -> delta^(2) -> delta^(1)
    ax = plotting.draw_feedforward(sizes, show_error_signal=True)
    signals = {p.get_gid(): p for p in ax.patches if (p.get_gid() or "").startswith("signal:error:")}
    assert sorted(signals) == ["signal:error:2->1", "signal:error:3->2"]
    for p in signals.values():
        (x0, _), (x1, _) = p._posA_posB  # the arrow's end points in data coordinates
        assert x1 < x0  # points towards the input
    # the error signal is not a connection of the network: the edge count is unchanged
    assert len(gids(ax, "edge:")) == 2 * 3 + 3 * 3 + 3 * 2
    assert not gids(plotting.draw_feedforward(sizes), "signal:")


# ------------------------------------------------------------------------- Jordan and Elman
@pytest.mark.parametrize(("n_in", "n_hidden", "n_out"), [(2, 3, 2), (1, 4, 3), (3, 2, 1)])
def test_jordan_copies_outputs_into_context_units(n_in, n_hidden, n_out):
    graph = plotting.jordan_graph(n_in, n_hidden, n_out, self_loops=True)
    ax = plotting.draw_network(graph)
    n_context = n_out
    assert len(gids(ax, "node:")) == n_in + n_context + n_hidden + n_out
    forward = n_in * n_hidden + n_context * n_hidden + n_hidden * n_out
    assert len(gids(ax, "edge:forward:")) == forward
    feedback = graph.edges_of_kind("feedback")
    assert len(feedback) == n_out
    assert {e.src for e in feedback} == {f"y{i}" for i in range(1, n_out + 1)}
    assert {e.dst for e in feedback} == {f"c{i}" for i in range(1, n_out + 1)}
    assert all(graph.points_backwards(e) for e in feedback)
    assert not any(graph.points_backwards(e) for e in graph.edges_of_kind("forward"))
    # each context unit feeds every hidden unit and nothing else
    for c in (f"c{i}" for i in range(1, n_out + 1)):
        out = [e.dst for e in graph.edges if e.src == c and e.kind == "forward"]
        assert sorted(out) == sorted(f"h{j}" for j in range(1, n_hidden + 1))
    assert len(graph.edges_of_kind("self")) == n_out
    assert not plotting.jordan_graph(n_in, n_hidden, n_out).edges_of_kind("self")  # default, as JordanRNN


def test_drawn_feedback_arrows_point_backwards_on_the_page():
    ax = plotting.draw_jordan(2, 3, 2)
    fb = [p for p in ax.patches if (p.get_gid() or "").startswith("edge:feedback:")]
    assert len(fb) == 2
    for p in fb:
        src, dst = p.get_gid().split(":", 2)[2].split("->")
        assert center(ax, dst)[0] < center(ax, src)[0]
        assert p.get_linestyle() == "--"


@pytest.mark.parametrize(("n_in", "n_hidden", "n_out"), [(2, 3, 2), (1, 5, 1)])
def test_elman_copies_hidden_units_into_context_units(n_in, n_hidden, n_out):
    graph = plotting.elman_graph(n_in, n_hidden, n_out)
    ax = plotting.draw_elman(n_in, n_hidden, n_out)
    assert len(gids(ax, "node:")) == n_in + 2 * n_hidden + n_out
    assert len(gids(ax, "edge:forward:")) == n_in * n_hidden + n_hidden * n_hidden + n_hidden * n_out
    feedback = graph.edges_of_kind("feedback")
    assert [(e.src, e.dst) for e in feedback] == [(f"h{i}", f"c{i}") for i in range(1, n_hidden + 1)]
    assert all(graph.points_backwards(e) for e in feedback)
    assert not graph.edges_of_kind("self")


# ------------------------------------------------------------------------- Hopfield
@pytest.mark.parametrize("n", [2, 3, 6, 9])
def test_hopfield_couples_every_pair_once_symmetrically(n):
    graph = plotting.hopfield_graph(n)
    ax = plotting.draw_hopfield(n)
    assert len(gids(ax, "node:")) == n
    edges = gids(ax, "edge:")
    assert len(edges) == n * (n - 1) // 2
    assert all(g.startswith("edge:symmetric:") for g in edges)
    pairs = {frozenset((e.src, e.dst)) for e in graph.edges}
    assert len(pairs) == n * (n - 1) // 2  # no pair twice, no self-connection (a singleton set)
    assert all(len(p) == 2 for p in pairs)
    # drawn double-headed: a symmetric weight has no direction
    arrows = [p for p in ax.patches if (p.get_gid() or "").startswith("edge:")]
    assert all(isinstance(p.get_arrowstyle(), ArrowStyle.CurveFilledAB) for p in arrows)


# ------------------------------------------------------------------------- validation and return values
def test_every_draw_function_returns_the_axes_it_was_given():
    fig, ax = plt.subplots()
    for draw in (
        lambda a: plotting.draw_feedforward([2, 2], a),
        lambda a: plotting.draw_jordan(ax=a),
        lambda a: plotting.draw_elman(ax=a),
        lambda a: plotting.draw_hopfield(ax=a),
        lambda a: plotting.draw_timeline([(1990, "x", "g")], a),
    ):
        ax.clear()
        assert draw(ax) is ax


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: plotting.feedforward_graph([3]), ValueError, "at least an input and an output"),
        (lambda: plotting.feedforward_graph([3, 0]), ValueError, r"sizes\[1\]"),
        (lambda: plotting.feedforward_graph([3, 2.5]), TypeError, r"sizes\[1\] must be an int"),
        (lambda: plotting.feedforward_graph([100, 50, 10]), ValueError, "readable"),
        (lambda: plotting.hopfield_graph(0), ValueError, "n must be between"),
        (lambda: plotting.draw_network("net"), TypeError, "NetworkGraph"),
        (lambda: plotting.draw_timeline([]), ValueError, "empty"),
        (lambda: plotting.draw_timeline([("1990", "x", "g")]), ValueError, r"events\[0\]"),
        (lambda: plotting.feedforward_graph([2, 2]).edges_of_kind("sideways"), ValueError, "kind must be"),
    ],
)
def test_bad_input_is_rejected_with_a_clear_message(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ------------------------------------------------------------------------- timeline
def test_timeline_places_one_marker_per_event_at_its_year_in_order():
    events = [(1986, "b", "train"), (1943, "a", "units"), (1997, "c", "recurrent"), (1974, "d", "train")]
    ax = plotting.draw_timeline(events)
    markers = [line for line in ax.lines if (line.get_gid() or "").startswith("event:")]
    markers.sort(key=lambda m: m.get_gid())
    assert [m.get_gid() for m in markers] == [f"event:{i}" for i in range(4)]
    assert [float(m.get_xdata()[0]) for m in markers] == [1943.0, 1974.0, 1986.0, 1997.0]
    assert all(float(m.get_ydata()[0]) == 0.0 for m in markers)
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 4 and all(str(y) in t for y, t in zip([1943, 1974, 1986, 1997], texts, strict=True))
    # one legend entry per group, events of a group share a colour
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["units", "train", "recurrent"]
    assert markers[1].get_color() == markers[2].get_color()
    assert ax.get_xlim()[0] < 1943 and ax.get_xlim()[1] > 1997


# ------------------------------------------------------------------------- cycles
def test_has_cycle_separates_feedforward_from_feedback_networks():
    assert not plotting.feedforward_graph([3, 4, 2]).has_cycle()
    assert plotting.elman_graph(2, 3, 2).has_cycle()
    assert plotting.jordan_graph(2, 3, 2).has_cycle()
    assert plotting.hopfield_graph(4).has_cycle()


def test_has_cycle_on_hand_made_graphs():
    nodes = tuple(plotting.Node(name, "unit", float(i), 0.0) for i, name in enumerate("abc"))
    forward = (plotting.Edge("a", "b", "forward"), plotting.Edge("b", "c", "forward"))
    chain = plotting.NetworkGraph(nodes, forward)
    assert not chain.has_cycle()
    loop = plotting.NetworkGraph(nodes, chain.edges + (plotting.Edge("c", "a", "feedback"),))
    assert loop.has_cycle()
    pair = plotting.NetworkGraph(nodes, (plotting.Edge("a", "b", "symmetric"),))
    assert pair.has_cycle()  # a symmetric coupling feeds back both ways


# ------------------------------------------------------------------------- computational graphs
def _texts(ax, prefix):
    return {t.get_gid(): t for t in ax.texts if (t.get_gid() or "").startswith(prefix)}


def _arrows(ax, prefix):
    return {p.get_gid(): p for p in ax.patches if (p.get_gid() or "").startswith(prefix)}


def test_layer_graph_draws_the_forward_pass_and_its_reverse():
    ax = plotting.draw_layer_graph()
    nodes = _texts(ax, "node:")
    assert set(nodes) == {f"node:{n}" for n in ("a_prev", "W", "b", "z", "a", "loss")}
    # z = W a_prev + b, a = sigma(z), then the rest of the network: five dependencies forward.
    forward = _arrows(ax, "edge:forward:")
    assert set(forward) == {
        "edge:forward:a_prev->z", "edge:forward:W->z", "edge:forward:b->z", "edge:forward:z->a",
        "edge:forward:a->loss",
    }
    # Backward reverses every forward edge: each quantity receives dL/d(itself) from what it feeds.
    backward = _arrows(ax, "edge:backward:")
    reversed_forward = {"edge:backward:" + "->".join(g.split(":")[2].split("->")[::-1]) for g in forward}
    assert set(backward) == reversed_forward
    for g, p in backward.items():
        assert p.get_linestyle() == "--"
        src, dst = g.split(":")[2].split("->")
        # towards the input
        assert nodes[f"node:{dst}"].get_position()[0] <= nodes[f"node:{src}"].get_position()[0]
    labels = {g.split(":", 2)[2]: t.get_text() for g, t in _texts(ax, "label:backward:").items()}
    # delta times the layer's input, transposed
    assert labels["z->W"].endswith(r"= \delta^{(l)} a^{(l-1)\top}$")
    assert labels["z->b"].endswith(r"= \delta^{(l)}$")
    assert labels["z->a_prev"].startswith(r"$W^{(l)\top} \delta^{(l)}$")
    assert r"\odot \sigma'(z^{(l)})" in labels["a->z"]
    # every quantity is labelled with its shape; a gradient has the shape of its parameter
    shapes = {g.split(":")[1]: t.get_text() for g, t in _texts(ax, "shape:").items()}
    assert shapes["W"] == r"$n_l \times n_{l-1}$"
    assert shapes["b"] == shapes["z"] == shapes["a"] == r"$n_l \times 1$"
    assert shapes["a_prev"] == r"$n_{l-1} \times 1$" and shapes["loss"] == "scalar"


def test_backward_arrows_are_clipped_at_the_boxes_and_drawn_beside_their_forward_partner():
    ax = plotting.draw_layer_graph()
    fwd = _arrows(ax, "edge:forward:")["edge:forward:z->a"]
    bwd = _arrows(ax, "edge:backward:")["edge:backward:a->z"]
    (fx0, fy0), (fx1, fy1) = fwd._posA_posB
    (bx0, by0), (bx1, by1) = bwd._posA_posB
    assert fx1 > fx0 and bx1 < bx0  # opposite directions
    assert fy0 == fy1 and by0 == by1 and by0 != fy0  # parallel, not on top of each other
    assert bwd.patchA is not None and bwd.patchB is not None


@pytest.mark.parametrize("T", [1, 3, 5])
def test_unrolled_elman_has_one_column_per_step_and_the_bptt_paths(T):
    graph = plotting.unrolled_elman_graph(T)
    ax = plotting.draw_unrolled_elman(T)
    assert len(_texts(ax, "node:")) == 1 + 3 * T  # h0, then x_t, h_t, loss_t per step
    forward = graph.edges_of_kind("forward")
    assert len(forward) == 3 * T and len(_arrows(ax, "edge:forward:")) == 3 * T
    # The same three weight matrices label every step: the weights are shared.
    assert {e.label for e in forward} == {r"$W_{xh}$", r"$W_{hh}$", r"$W_{hy}$"}
    assert sum(e.label == r"$W_{hh}$" for e in forward) == T
    backward = graph.edges_of_kind("backward")
    # BPTT: each loss sends e_t into its own h_t, and each h_{t+1} sends W_hh^T delta_{t+1} to h_t;
    # nothing goes to h0.
    assert {(e.src, e.dst) for e in backward} == {(f"l{t}", f"h{t}") for t in range(1, T + 1)} | {
        (f"h{t + 1}", f"h{t}") for t in range(1, T)
    }
    assert len(_arrows(ax, "edge:backward:")) == 2 * T - 1
    for e in backward:
        if e.src.startswith("h"):
            assert graph.node(e.dst).x < graph.node(e.src).x  # backwards in time
            assert e.label == rf"$W_{{hh}}^\top \delta_{{{e.src[1:]}}}$"
    assert not [e for e in backward if e.dst in ("h0",) or e.dst.startswith("x")]
    drawn = {t.get_text() for t in _texts(ax, "label:backward:").values()}
    assert drawn == {e.label for e in backward}


def test_computation_graph_validation_and_return_value():
    fig, ax = plt.subplots()
    assert plotting.draw_layer_graph(ax) is ax
    ax.clear()
    assert plotting.draw_unrolled_elman(2, ax) is ax
    with pytest.raises(TypeError, match="ComputationGraph"):
        plotting.draw_computation_graph(plotting.feedforward_graph([2, 2]))
    with pytest.raises(ValueError, match="between 1 and 8"):
        plotting.unrolled_elman_graph(0)
    with pytest.raises(TypeError, match="T must be an int"):
        plotting.unrolled_elman_graph(2.0)
    with pytest.raises(ValueError, match="kind must be"):
        plotting.layer_graph().edges_of_kind("feedback")
    with pytest.raises(KeyError, match="no node"):
        plotting.layer_graph().node("x")


# ------------------------------------------------------------------------- depth profiles
def test_plot_depth_profiles_draws_one_line_per_profile_on_each_side():
    from fbnn.initialization import depth_profile

    profiles = [depth_profile("tanh", s, width=8, depth=5, seed=0) for s in ("glorot", 0.01)]
    fwd, bwd = plotting.plot_depth_profiles(profiles)
    for ax, attr in ((fwd, "activation_rms"), (bwd, "gradient_rms")):
        assert ax.get_yscale() == "log"
        assert len(ax.lines) == 2
        for line, p in zip(ax.lines, profiles, strict=True):
            assert list(line.get_xdata()) == [1, 2, 3, 4, 5]
            assert list(line.get_ydata()) == list(getattr(p, attr))
    assert [t.get_text() for t in fwd.get_legend().get_texts()] == ["tanh, Glorot", "tanh, std 0.01"]
    with pytest.raises(ValueError, match="empty"):
        plotting.plot_depth_profiles([])
    with pytest.raises(TypeError, match=r"profiles\[0\]"):
        plotting.plot_depth_profiles([object()])
