"""Network diagrams and a timeline, drawn with matplotlib.

A diagram is built in two steps. A *graph* function (:func:`feedforward_graph`, :func:`jordan_graph`,
:func:`elman_graph`, :func:`hopfield_graph`) returns a :class:`NetworkGraph`: units with positions and
connections with a kind. :func:`draw_network` then draws any graph. Keeping the two apart lets the tests
check the topology (how many connections, which of them point backwards) without looking at pixels.

Layers are laid out left to right (input at ``x = 0``), so a connection that *points backwards* is one
whose target lies to the left of its source. Every drawn artist carries a ``gid``:
``"node:<name>"`` for a unit, ``"edge:<kind>:<src>-><dst>"`` for a connection, ``"signal:error:<l>-><l-1>"``
for the error-signal arrows of :func:`draw_feedforward`, ``"event:<i>"`` for timeline markers.

Every function returns the Axes it drew on and never calls ``plt.show()``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import Circle, FancyArrowPatch

__all__ = [
    "EDGE_KINDS",
    "GRAPH_NODE_KINDS",
    "ComputationGraph",
    "Edge",
    "GraphEdge",
    "GraphNode",
    "NetworkGraph",
    "Node",
    "draw_computation_graph",
    "draw_elman",
    "draw_feedforward",
    "draw_hopfield",
    "draw_jordan",
    "draw_layer_graph",
    "draw_network",
    "draw_timeline",
    "draw_unrolled_elman",
    "elman_graph",
    "feedforward_graph",
    "hopfield_graph",
    "jordan_graph",
    "layer_graph",
    "plot_depth_profiles",
    "unrolled_elman_graph",
]

EDGE_KINDS = ("forward", "feedback", "self", "symmetric")
"""Connection kinds: a weight into the next layer, a delayed copy into context units, a context unit's
connection to itself, and an undirected (symmetric) Hopfield coupling."""

MAX_UNITS = 12
"""Largest layer a diagram draws: beyond that the picture is a grey blur, so we refuse instead."""

_GROUP_COLORS = {
    "input": "#9ecae1",
    "hidden": "#a1d99b",
    "output": "#fdae6b",
    "context": "#dadaeb",
    "unit": "#a1d99b",
}
_GROUP_SYMBOL = {"input": "x", "hidden": "h", "output": "y", "context": "c", "unit": "s"}
_EDGE_STYLE = {
    "forward": {"color": "0.45", "linestyle": "-", "lw": 0.9},
    "feedback": {"color": "#d62728", "linestyle": "--", "lw": 1.6},
    "self": {"color": "#d62728", "linestyle": "--", "lw": 1.3},
    "symmetric": {"color": "#1f77b4", "linestyle": "-", "lw": 0.9},
}


@dataclass(frozen=True)
class Node:
    """A unit: its ``name`` (e.g. ``"h2"``), its ``group`` (input/hidden/output/context/unit) and position."""

    name: str
    group: str
    x: float
    y: float


@dataclass(frozen=True)
class Edge:
    """A connection from unit ``src`` to unit ``dst`` (names) of one of :data:`EDGE_KINDS`."""

    src: str
    dst: str
    kind: str


@dataclass(frozen=True)
class NetworkGraph:
    """Units and connections of a network diagram, plus a title."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    title: str = ""

    def node(self, name: str) -> Node:
        """The unit called ``name``."""
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(f"no unit named {name!r}; units are {[n.name for n in self.nodes]}")

    def edges_of_kind(self, kind: str) -> tuple[Edge, ...]:
        """The connections of one kind (see :data:`EDGE_KINDS`)."""
        if kind not in EDGE_KINDS:
            raise ValueError(f"kind must be one of {EDGE_KINDS}, got {kind!r}")
        return tuple(e for e in self.edges if e.kind == kind)

    def points_backwards(self, edge: Edge) -> bool:
        """True if ``edge`` goes from a layer to one on its left (towards the input)."""
        return self.node(edge.dst).x < self.node(edge.src).x

    def has_cycle(self) -> bool:
        """True if the connections form a directed cycle, i.e. the network has feedback.

        A symmetric (Hopfield) coupling acts both ways, so it counts as an edge in each direction. A
        feed-forward network has no cycle whatever its training does; a recurrent one has at least one.
        """
        succ: dict[str, list[str]] = {n.name: [] for n in self.nodes}
        for e in self.edges:
            succ[e.src].append(e.dst)
            if e.kind == "symmetric":
                succ[e.dst].append(e.src)
        state = dict.fromkeys(succ, 0)  # 0 unvisited, 1 on the current path, 2 finished

        def visit(u: str) -> bool:
            state[u] = 1
            for v in succ[u]:
                if state[v] == 1 or (state[v] == 0 and visit(v)):
                    return True
            state[u] = 2
            return False

        return any(state[u] == 0 and visit(u) for u in succ)


# ---------------------------------------------------------------------------------------------- graphs
def _check_width(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if not 1 <= value <= MAX_UNITS:
        raise ValueError(
            f"{name} must be between 1 and {MAX_UNITS} units for a readable diagram, got {value}"
        )
    return value


def _column(group: str, n: int, x: float, *, y0: float = 0.0, prefix: str | None = None) -> list[Node]:
    """``n`` units stacked vertically around ``y0`` at ``x``, named ``<prefix><i>`` (1-based)."""
    prefix = _GROUP_SYMBOL[group] if prefix is None else prefix
    return [Node(f"{prefix}{i + 1}", group, x, y0 + (n - 1) / 2 - i) for i in range(n)]


def _dense(src: Sequence[Node], dst: Sequence[Node], kind: str = "forward") -> list[Edge]:
    return [Edge(a.name, b.name, kind) for a in src for b in dst]


def feedforward_graph(sizes: Sequence[int]) -> NetworkGraph:
    """A fully connected feedforward network with layer widths ``sizes = [n_in, n_1, ..., n_out]``.

    Units of layer ``l`` are named ``x1..`` (input), ``h<l>_1..`` (hidden layer ``l``; just ``h1..`` when
    there is one hidden layer) and ``y1..`` (output). Every connection is ``"forward"``.
    """
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or len(sizes) < 2:
        raise ValueError(
            f"sizes must list at least an input and an output width, like [3, 4, 2]; got {sizes!r}"
        )
    widths = [_check_width(s, f"sizes[{i}]") for i, s in enumerate(sizes)]
    n_hidden = len(widths) - 2
    layers: list[list[Node]] = []
    for k, n in enumerate(widths):
        if k == 0:
            layers.append(_column("input", n, 0.0))
        elif k == len(widths) - 1:
            layers.append(_column("output", n, float(k)))
        else:
            prefix = "h" if n_hidden == 1 else f"h{k}_"
            layers.append(_column("hidden", n, float(k), prefix=prefix))
    edges = [e for a, b in zip(layers[:-1], layers[1:], strict=True) for e in _dense(a, b)]
    title = "Feedforward network " + "-".join(str(w) for w in widths)
    return NetworkGraph(tuple(n for layer in layers for n in layer), tuple(edges), title)


def _recurrent_graph(
    n_in: int, n_hidden: int, n_out: int, n_context: int, source: str, self_loops: bool, title: str
) -> NetworkGraph:
    n_in = _check_width(n_in, "n_in")
    n_hidden = _check_width(n_hidden, "n_hidden")
    n_out = _check_width(n_out, "n_out")
    # Context units sit below the inputs, in the input column: they feed the hidden layer like extra inputs.
    gap = 1.2
    inputs = _column("input", n_in, 0.0, y0=(n_context + gap) / 2)
    context = _column("context", n_context, 0.0, y0=-(n_in + gap) / 2)
    hidden = _column("hidden", n_hidden, 1.5)
    output = _column("output", n_out, 3.0)
    edges = _dense(inputs, hidden) + _dense(context, hidden) + _dense(hidden, output)
    copied = output if source == "output" else hidden
    # One-to-one copy with a delay of one time step: c_i(t) = (unit i)(t - 1).
    edges += [Edge(s.name, c.name, "feedback") for s, c in zip(copied, context, strict=True)]
    if self_loops:
        edges += [Edge(c.name, c.name, "self") for c in context]
    return NetworkGraph(tuple(inputs + context + hidden + output), tuple(edges), title)


def jordan_graph(n_in: int, n_hidden: int, n_out: int, *, self_loops: bool = False) -> NetworkGraph:
    """A Jordan network: outputs are copied, one step late, into context units that feed the hidden layer.

    There are ``n_out`` context units ``c1..``: c(t) = y(t - 1), as in :class:`fbnn.recurrent.JordanRNN`.
    With ``self_loops`` each context unit also keeps a decayed copy of its own previous value, as Jordan's
    original state units did: c(t) = mu c(t - 1) + y(t - 1).
    """
    return _recurrent_graph(
        n_in, n_hidden, n_out, n_out, "output", self_loops, "Jordan network: output -> context -> hidden"
    )


def elman_graph(n_in: int, n_hidden: int, n_out: int) -> NetworkGraph:
    """An Elman network: the hidden layer is copied, one step late, into context units that feed it again.

    There are ``n_hidden`` context units; h(t) = f(W_xh x(t) + W_hh c(t) + b) with c(t) = h(t - 1).
    """
    return _recurrent_graph(
        n_in, n_hidden, n_out, n_hidden, "hidden", False, "Elman network: hidden -> context -> hidden"
    )


def hopfield_graph(n: int) -> NetworkGraph:
    """A Hopfield network of ``n`` units on a circle, every pair coupled by one symmetric weight w_ij = w_ji.

    There are n (n - 1) / 2 ``"symmetric"`` edges and no self-connections (w_ii = 0).
    """
    n = _check_width(n, "n")
    nodes = [
        Node(
            f"s{i + 1}",
            "unit",
            math.cos(math.pi / 2 - 2 * math.pi * i / n),
            math.sin(math.pi / 2 - 2 * math.pi * i / n),
        )
        for i in range(n)
    ]
    edges = [Edge(nodes[i].name, nodes[j].name, "symmetric") for i in range(n) for j in range(i + 1, n)]
    return NetworkGraph(tuple(nodes), tuple(edges), f"Hopfield network, {n} units: all pairs, symmetric")


# ---------------------------------------------------------------------------------------------- drawing
def _axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _label(name: str) -> str:
    # "h2_3" -> $h^{(2)}_{3}$, "x1" -> $x_{1}$
    head, num = name[0], name[1:]
    if "_" in num:
        layer, idx = num.split("_")
        return rf"${head}^{{({layer})}}_{{{idx}}}$"
    return rf"${head}_{{{num}}}$"


def draw_network(
    graph: NetworkGraph, ax: Axes | None = None, *, radius: float = 0.17, legend: bool = True
) -> Axes:
    """Draw ``graph``: units as labelled circles, connections as arrows styled by kind.

    Forward connections are thin grey arrows, feedback (delayed copy) connections dashed red arrows that curve
    back to the context units, self-connections small dashed loops, and Hopfield couplings double-headed blue
    lines. Returns the Axes.
    """
    if not isinstance(graph, NetworkGraph):
        raise TypeError(
            f"graph must be a NetworkGraph (from feedforward_graph, jordan_graph, ...), got {graph!r}"
        )
    ax = _axes(ax, (6.0, 4.0))
    pos = {n.name: (n.x, n.y) for n in graph.nodes}
    for e in graph.edges:
        style = dict(_EDGE_STYLE[e.kind])
        (x0, y0), (x1, y1) = pos[e.src], pos[e.dst]
        if e.kind == "self":
            # A small loop on the left of the unit, leaving and re-entering its rim.
            start = (x0 - radius * 0.7, y0 + radius * 0.7)
            end = (x0 - radius * 0.7, y0 - radius * 0.7)
            arrow = FancyArrowPatch(
                start, end, connectionstyle="arc3,rad=1.6", arrowstyle="-|>", mutation_scale=9, **style
            )
        elif e.kind == "symmetric":
            arrow = FancyArrowPatch(
                (x0, y0), (x1, y1), arrowstyle="<|-|>", mutation_scale=7, shrinkA=0, shrinkB=0, **style
            )
        else:
            # Feedback copies bend below the network so they do not hide the forward connections.
            rad = "-0.45" if e.kind == "feedback" else "0"
            arrow = FancyArrowPatch(
                (x0, y0),
                (x1, y1),
                connectionstyle=f"arc3,rad={rad}",
                arrowstyle="-|>",
                mutation_scale=9,
                shrinkA=0,
                shrinkB=0,
                **style,
            )
        arrow.set_gid(f"edge:{e.kind}:{e.src}->{e.dst}")
        ax.add_patch(arrow)
    circles = {}
    for n in graph.nodes:
        c = Circle((n.x, n.y), radius, facecolor=_GROUP_COLORS[n.group], edgecolor="black", lw=1.0, zorder=3)
        c.set_gid(f"node:{n.name}")
        ax.add_patch(c)
        circles[n.name] = c
        ax.text(n.x, n.y, _label(n.name), ha="center", va="center", fontsize=9, zorder=4)
    # Arrows stop at the rim of the circles they connect.
    for p in ax.patches:
        gid = p.get_gid() or ""
        if gid.startswith("edge:") and not gid.startswith("edge:self"):
            src, dst = gid.split(":", 2)[2].split("->")
            p.set_patchA(circles[src])
            p.set_patchB(circles[dst])
    xs = [n.x for n in graph.nodes]
    ys = [n.y for n in graph.nodes]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.9, max(ys) + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    if graph.title:
        ax.set_title(graph.title, fontsize=11)
    if legend:
        kinds = [k for k in EDGE_KINDS if graph.edges_of_kind(k)]
        names = {
            "forward": "forward connection",
            "feedback": "feedback: copy, one step late",
            "self": "context self-connection",
            "symmetric": "symmetric coupling $w_{ij} = w_{ji}$",
        }
        handles = [
            plt.Line2D(
                [],
                [],
                color=_EDGE_STYLE[k]["color"],
                linestyle=_EDGE_STYLE[k]["linestyle"],
                lw=_EDGE_STYLE[k]["lw"],
                label=names[k],
            )
            for k in kinds
        ]
        groups = []
        for n in graph.nodes:
            if n.group not in groups:
                groups.append(n.group)
        handles += [
            plt.Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markerfacecolor=_GROUP_COLORS[g],
                markeredgecolor="black",
                label="unit" if g == "unit" else f"{g} unit",
            )
            for g in groups
        ]
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.02),
            ncol=2,
            fontsize=8.5,
            frameon=False,
        )
    return ax


def draw_feedforward(
    sizes: Sequence[int], ax: Axes | None = None, *, show_error_signal: bool = False, legend: bool = True
) -> Axes:
    """Draw a feedforward network; ``show_error_signal`` adds the path of the training error signal below it.

    The error-signal arrows are not connections of the network: they show the order in which
    backpropagation computes delta^(L), ..., delta^(1), from the output layer back to the first hidden
    layer (it never needs one for the input layer). There are ``len(sizes) - 2`` of them, each with gid
    ``"signal:error:<l>-><l-1>"``.
    """
    graph = feedforward_graph(sizes)
    ax = draw_network(graph, ax, legend=legend)
    if show_error_signal:
        L = len(sizes) - 1
        y = min(n.y for n in graph.nodes) - 0.55
        for k in range(1, L + 1):
            ax.text(k, y - 0.22, rf"$\delta^{{({k})}}$", ha="center", va="top", fontsize=9, color="#9467bd")
        for k in range(L, 1, -1):
            arrow = FancyArrowPatch(
                (k - 0.15, y), (k - 0.85, y), arrowstyle="-|>", mutation_scale=12, color="#9467bd", lw=2.0
            )
            arrow.set_gid(f"signal:error:{k}->{k - 1}")
            ax.add_patch(arrow)
        ax.text(
            0, y - 0.22, "error signal\n(training only)", ha="center", va="top", fontsize=8.5, color="#9467bd"
        )
        ax.set_ylim(y - 0.8, ax.get_ylim()[1])
    return ax


def draw_jordan(
    n_in: int = 2,
    n_hidden: int = 3,
    n_out: int = 2,
    ax: Axes | None = None,
    *,
    self_loops: bool = False,
    legend: bool = True,
) -> Axes:
    """Draw a Jordan network (see :func:`jordan_graph`). Returns the Axes."""
    return draw_network(jordan_graph(n_in, n_hidden, n_out, self_loops=self_loops), ax, legend=legend)


def draw_elman(
    n_in: int = 2, n_hidden: int = 3, n_out: int = 2, ax: Axes | None = None, *, legend: bool = True
) -> Axes:
    """Draw an Elman network (see :func:`elman_graph`). Returns the Axes."""
    return draw_network(elman_graph(n_in, n_hidden, n_out), ax, legend=legend)


def draw_hopfield(n: int = 6, ax: Axes | None = None, *, legend: bool = True) -> Axes:
    """Draw a Hopfield network of ``n`` units (see :func:`hopfield_graph`). Returns the Axes."""
    return draw_network(hopfield_graph(n), ax, legend=legend)


# ---------------------------------------------------------------------------------------------- timeline
def draw_timeline(
    events: Sequence[tuple[int, str, str]],
    ax: Axes | None = None,
    *,
    colors: dict[str, str] | None = None,
    fontsize: float = 7.5,
) -> Axes:
    """Draw dated events on a horizontal time axis.

    Parameters
    ----------
    events : ``(year, label, group)`` triples, in any order. Events are drawn sorted by year; labels alternate
        above and below the axis on stems of staggered heights so that neighbours do not overlap.
    colors : colour per group (default: matplotlib's cycle in order of first appearance).
    fontsize : size of the event labels in points (the legend is 0.5 pt larger).

    Each marker has gid ``"event:<i>"`` with ``i`` the position in year order. Returns the Axes.
    """
    events = list(events)
    if not events:
        raise ValueError("events is empty: give at least one (year, label, group) triple")
    for i, ev in enumerate(events):
        if not (
            isinstance(ev, tuple) and len(ev) == 3 and isinstance(ev[0], int) and not isinstance(ev[0], bool)
        ):
            raise ValueError(f"events[{i}] must be a (year: int, label: str, group: str) triple, got {ev!r}")
    ordered = sorted(events, key=lambda ev: ev[0])
    groups = list(dict.fromkeys(ev[2] for ev in ordered))
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    colors = dict(colors or {})
    for k, g in enumerate(groups):
        colors.setdefault(g, cycle[k % len(cycle)])
    ax = _axes(ax, (12.0, 6.5))
    levels = [1.3, -1.3, 2.9, -2.9, 4.5, -4.5]
    for i, (year, label, group) in enumerate(ordered):
        h = levels[i % len(levels)]
        ax.plot([year, year], [0, h], color=colors[group], lw=0.8, zorder=1)
        (marker,) = ax.plot([year], [0], "o", color=colors[group], markersize=7, zorder=3)
        marker.set_gid(f"event:{i}")
        ax.text(
            year,
            h + (0.12 if h > 0 else -0.12),
            f"{year}\n{label}" if h > 0 else f"{label}\n{year}",
            ha="center",
            va="bottom" if h > 0 else "top",
            fontsize=fontsize,
            bbox={"boxstyle": "round,pad=0.25", "facecolor": "white", "edgecolor": colors[group], "lw": 0.8},
        )
    years = [ev[0] for ev in ordered]
    ax.axhline(0, color="black", lw=1.0, zorder=2)
    ax.set_xlim(min(years) - 4, max(years) + 4)
    ax.set_ylim(-7.0, 7.0)
    ax.set_yticks([])
    ax.set_xlabel("year")
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    handles = [plt.Line2D([], [], marker="o", linestyle="", color=colors[g], label=g) for g in groups]
    ax.legend(handles=handles, loc="upper left", fontsize=fontsize + 0.5, frameon=False)
    return ax


# ------------------------------------------------------------------------------------- computational graphs
GRAPH_NODE_KINDS = ("input", "parameter", "value", "loss")
"""Node kinds of a computational graph: data entering the graph, a trained parameter, a computed value and
the loss (or the part of the graph that computes it)."""

_GRAPH_NODE_STYLE = {
    "input": {"facecolor": "#9ecae1", "boxstyle": "round,pad=0.3"},
    "parameter": {"facecolor": "#fdd0a2", "boxstyle": "square,pad=0.3"},
    "value": {"facecolor": "#c7e9c0", "boxstyle": "round,pad=0.3"},
    "loss": {"facecolor": "#dadaeb", "boxstyle": "round4,pad=0.3"},
}
_GRAPH_EDGE_STYLE = {
    "forward": {"color": "0.25", "linestyle": "-", "lw": 1.4},
    "backward": {"color": "#d62728", "linestyle": "--", "lw": 1.6},
}


@dataclass(frozen=True)
class GraphNode:
    """A quantity of a computational graph: ``name`` (an id), ``label`` (LaTeX), ``kind``, position, shape."""

    name: str
    label: str
    kind: str
    x: float
    y: float
    shape: str = ""


@dataclass(frozen=True)
class GraphEdge:
    """A dependency ``src -> dst``: ``"forward"`` (dst is computed from src) or ``"backward"`` (a gradient
    message from dst's side to src, labelled with what it carries)."""

    src: str
    dst: str
    kind: str
    label: str = ""
    label_at: tuple[float, float] | None = None
    """Where the label goes (data coordinates); default: beside the middle of the arrow."""


@dataclass(frozen=True)
class ComputationGraph:
    """Quantities and dependencies of a computation, forward and backward, plus a title."""

    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    title: str = ""

    def node(self, name: str) -> GraphNode:
        """The node called ``name``."""
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(f"no node named {name!r}; nodes are {[n.name for n in self.nodes]}")

    def edges_of_kind(self, kind: str) -> tuple[GraphEdge, ...]:
        """The ``"forward"`` or the ``"backward"`` edges."""
        if kind not in _GRAPH_EDGE_STYLE:
            raise ValueError(f"kind must be one of {tuple(_GRAPH_EDGE_STYLE)}, got {kind!r}")
        return tuple(e for e in self.edges if e.kind == kind)


def layer_graph() -> ComputationGraph:
    """The computational graph of one dense layer ``z = W a_prev + b``, ``a = sigma(z)``, both passes.

    Forward edges: ``a_prev, W, b -> z -> a -> loss`` (the loss node stands for the layers above and the
    loss).
    Backward edges reverse each forward edge whose source needs a gradient, labelled with that gradient:
    ``dL/da`` arrives from above, ``delta = dL/da (.) sigma'(z)``, then ``delta a_prev^T`` to ``W``, ``delta``
    to ``b`` and ``W^T delta`` to ``a_prev`` (the layer below). Shapes are those of one example.
    """
    nodes = (
        GraphNode("a_prev", r"$a^{(l-1)}$", "input", 0.0, 0.0, r"$n_{l-1} \times 1$"),
        GraphNode("W", r"$W^{(l)}$", "parameter", 0.0, 1.6, r"$n_l \times n_{l-1}$"),
        GraphNode("b", r"$b^{(l)}$", "parameter", 0.0, -1.6, r"$n_l \times 1$"),
        GraphNode("z", r"$z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}$", "value", 3.2, 0.0, r"$n_l \times 1$"),
        GraphNode("a", r"$a^{(l)} = \sigma(z^{(l)})$", "value", 6.4, 0.0, r"$n_l \times 1$"),
        GraphNode("loss", r"$\mathcal{L}$" + "\n(layers above\nand the loss)", "loss", 9.0, 0.0, "scalar"),
    )
    edges = (
        GraphEdge("a_prev", "z", "forward"),
        GraphEdge("W", "z", "forward"),
        GraphEdge("b", "z", "forward"),
        GraphEdge("z", "a", "forward"),
        GraphEdge("a", "loss", "forward"),
        GraphEdge("loss", "a", "backward", r"$\partial\mathcal{L}/\partial a^{(l)}$", (7.75, 0.55)),
        GraphEdge(
            "a",
            "z",
            "backward",
            r"$\delta^{(l)} = \partial\mathcal{L}/\partial a^{(l)} \odot \sigma'(z^{(l)})$",
            (4.8, 0.55),
        ),
        GraphEdge(
            "z",
            "W",
            "backward",
            r"$\partial\mathcal{L}/\partial W^{(l)} = \delta^{(l)} a^{(l-1)\top}$",
            (2.6, 1.35),
        ),
        GraphEdge(
            "z", "b", "backward", r"$\partial\mathcal{L}/\partial b^{(l)} = \delta^{(l)}$", (2.3, -1.35)
        ),
        GraphEdge("z", "a_prev", "backward", r"$W^{(l)\top} \delta^{(l)}$ to layer $l-1$", (1.2, 0.45)),
    )
    return ComputationGraph(nodes, edges, "One dense layer: forward (black) and backward (red, dashed)")


def unrolled_elman_graph(T: int = 4) -> ComputationGraph:
    """An Elman network unrolled over ``T`` steps, with the gradient paths of backpropagation through time.

    Nodes per step ``t``: ``x<t>`` (input), ``h<t>`` (hidden state), ``l<t>`` (the step's loss ell_t, through
    the output y_t); plus ``h0`` and the shared parameters are written on the edges. Forward edges:
    ``x<t> -> h<t>`` (W_xh), ``h<t-1> -> h<t>`` (W_hh), ``h<t> -> l<t>`` (W_hy). Backward edges:
    ``l<t> -> h<t>`` carries W_hy^T e_t, ``h<t+1> -> h<t>`` carries W_hh^T delta_{t+1}; none goes to ``h0``
    (it is fixed) or to the inputs (training needs no gradient there).
    """
    T = _check_steps(T)
    nodes = [GraphNode("h0", r"$h_0 = 0$", "input", 0.0, 0.0)]
    edges = []
    for t in range(1, T + 1):
        x = 2.2 * t
        nodes += [
            GraphNode(f"x{t}", rf"$x_{{{t}}}$", "input", x, -1.8),
            GraphNode(f"h{t}", rf"$h_{{{t}}}$", "value", x, 0.0),
            GraphNode(f"l{t}", rf"$y_{{{t}}} \to \ell_{{{t}}}$", "loss", x, 1.9),
        ]
        edges += [
            GraphEdge(f"x{t}", f"h{t}", "forward", r"$W_{xh}$"),
            GraphEdge(f"h{t - 1}", f"h{t}", "forward", r"$W_{hh}$"),
            GraphEdge(f"h{t}", f"l{t}", "forward", r"$W_{hy}$"),
            GraphEdge(f"l{t}", f"h{t}", "backward", rf"$W_{{hy}}^\top e_{{{t}}}$"),
        ]
        if t > 1:
            edges.append(GraphEdge(f"h{t}", f"h{t - 1}", "backward", rf"$W_{{hh}}^\top \delta_{{{t}}}$"))
    title = f"An Elman network unrolled over T = {T} steps: one set of weights, used at every step"
    return ComputationGraph(tuple(nodes), tuple(edges), title)


def _check_steps(T: object) -> int:
    if isinstance(T, bool) or not isinstance(T, int):
        raise TypeError(f"T must be an int, got {T!r}")
    if not 1 <= T <= 8:
        raise ValueError(f"T must be between 1 and 8 steps for a readable diagram, got {T}")
    return T


def draw_computation_graph(
    graph: ComputationGraph, ax: Axes | None = None, *, fontsize: float = 10.0, legend: bool = True
) -> Axes:
    """Draw ``graph``: nodes as labelled boxes (coloured by kind), forward edges as black arrows and backward
    edges as dashed red arrows offset beside them, each with its label.

    Artists carry gids: ``"node:<name>"`` (the box), ``"edge:<kind>:<src>-><dst>"`` (the arrow) and
    ``"label:<kind>:<src>-><dst>"`` (its label), ``"shape:<name>"`` for a node's shape. Returns the Axes.
    """
    if not isinstance(graph, ComputationGraph):
        raise TypeError(
            f"graph must be a ComputationGraph (from layer_graph, unrolled_elman_graph), got {graph!r}"
        )
    ax = _axes(ax, (9.0, 4.5))
    boxes = {}
    for n in graph.nodes:
        style = _GRAPH_NODE_STYLE[n.kind]
        t = ax.text(
            n.x,
            n.y,
            n.label,
            ha="center",
            va="center",
            fontsize=fontsize,
            zorder=4,
            bbox={
                "facecolor": style["facecolor"],
                "edgecolor": "black",
                "boxstyle": style["boxstyle"],
                "lw": 1.0,
            },
        )
        t.set_gid(f"node:{n.name}")
        boxes[n.name] = t
        if n.shape:
            s = ax.text(n.x, n.y - 0.55, n.shape, ha="center", va="top", fontsize=fontsize - 2, color="0.3")
            s.set_gid(f"shape:{n.name}")
    pos = {n.name: (n.x, n.y) for n in graph.nodes}
    for e in graph.edges:
        (x0, y0), (x1, y1) = pos[e.src], pos[e.dst]
        # A backward edge runs beside its forward partner: shifted to the right of the direction of travel.
        dx, dy = x1 - x0, y1 - y0
        norm = math.hypot(dx, dy) or 1.0
        off = 0.17 if e.kind == "backward" else 0.0
        ox, oy = off * dy / norm, -off * dx / norm
        arrow = FancyArrowPatch(
            (x0 + ox, y0 + oy),
            (x1 + ox, y1 + oy),
            arrowstyle="-|>",
            mutation_scale=13,
            shrinkA=2,
            shrinkB=2,
            zorder=2,
            **_GRAPH_EDGE_STYLE[e.kind],
        )
        arrow.set_gid(f"edge:{e.kind}:{e.src}->{e.dst}")
        # Clip the arrow at the rims of the two boxes, however wide their labels are.
        arrow.set_patchA(boxes[e.src].get_bbox_patch())
        arrow.set_patchB(boxes[e.dst].get_bbox_patch())
        ax.add_patch(arrow)
        if e.label:
            if e.label_at is not None:
                lx, ly = e.label_at
            else:
                # Both kinds label the right-hand side of their direction of travel, so a forward label
                # and the label of its backward partner (travelling the other way) fall on opposite sides.
                side = 0.32 if e.kind == "forward" else 0.5
                lx, ly = (x0 + x1) / 2 + side * dy / norm, (y0 + y1) / 2 - side * dx / norm
            lab = ax.text(
                lx,
                ly,
                e.label,
                ha="center",
                va="center",
                fontsize=fontsize - 1,
                color=_GRAPH_EDGE_STYLE[e.kind]["color"],
                zorder=5,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.0},
            )
            lab.set_gid(f"label:{e.kind}:{e.src}->{e.dst}")
    xs = [n.x for n in graph.nodes]
    ys = [n.y for n in graph.nodes]
    ax.set_xlim(min(xs) - 1.2, max(xs) + 1.2)
    ax.set_ylim(min(ys) - 1.2, max(ys) + 0.9)
    ax.axis("off")
    if graph.title:
        ax.set_title(graph.title, fontsize=fontsize + 1)
    if legend:
        handles = [
            plt.Line2D([], [], label=label, **{k: v for k, v in _GRAPH_EDGE_STYLE[kind].items()})
            for kind, label in (("forward", "forward: computes"), ("backward", "backward: gradient message"))
        ]
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            ncol=2,
            fontsize=fontsize - 1,
            frameon=False,
        )
    return ax


def draw_layer_graph(ax: Axes | None = None, *, fontsize: float = 10.0, legend: bool = True) -> Axes:
    """Draw :func:`layer_graph`, one dense layer's forward and backward pass. Returns the Axes."""
    return draw_computation_graph(layer_graph(), ax, fontsize=fontsize, legend=legend)


def draw_unrolled_elman(
    T: int = 4, ax: Axes | None = None, *, fontsize: float = 10.0, legend: bool = True
) -> Axes:
    """Draw :func:`unrolled_elman_graph`, BPTT's gradient paths through ``T`` steps. Returns the Axes."""
    return draw_computation_graph(unrolled_elman_graph(T), ax, fontsize=fontsize, legend=legend)


# ------------------------------------------------------------------------------------------ depth profiles
def plot_depth_profiles(profiles: Sequence, axes: Sequence[Axes] | None = None) -> tuple[Axes, Axes]:
    """Plot :class:`fbnn.initialization.DepthProfile` results side by side, on log scales.

    Left: RMS of the activations ``a^(l)`` against the layer ``l`` (the forward signal). Right: RMS of the
    weight gradients ``dL/dW^(l)`` (the backward signal). One line per profile, labelled by its ``label``.
    Returns the two Axes.
    """
    profiles = list(profiles)
    if not profiles:
        raise ValueError("profiles is empty: give at least one DepthProfile")
    for i, p in enumerate(profiles):
        if not (hasattr(p, "activation_rms") and hasattr(p, "gradient_rms") and hasattr(p, "label")):
            raise TypeError(f"profiles[{i}] must be a DepthProfile (from fbnn.initialization), got {p!r}")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(9.0, 3.6))
    if len(axes) != 2:
        raise ValueError(f"axes must hold 2 Axes (forward, backward), got {len(axes)}")
    fwd, bwd = axes
    for k, p in enumerate(profiles):
        layers = range(1, len(p.activation_rms) + 1)
        style = {"color": f"C{k}", "marker": "o", "ms": 3, "label": p.label}
        fwd.semilogy(layers, p.activation_rms, **style)
        bwd.semilogy(layers, p.gradient_rms, **style)
    fwd.set_title("forward: activations")
    fwd.set_ylabel(r"RMS of $a^{(l)}$")
    bwd.set_title("backward: weight gradients")
    bwd.set_ylabel(r"RMS of $\partial\mathcal{L}/\partial W^{(l)}$")
    for a in (fwd, bwd):
        a.set_xlabel("layer $l$")
        a.grid(alpha=0.3, which="both")
    fwd.legend(fontsize=8)
    return fwd, bwd
