"""fbnn: feedback neural networks, from scratch and checked.

The companion package of the course. ``fbnn.MLP`` is a multilayer perceptron trained by
backpropagation (error *feedback*); ``fbnn.recurrent`` holds networks with real feedback
connections (Hopfield, Elman, Jordan); ``fbnn.symbolic`` derives the gradients with SymPy.
"""

__version__ = "0.1.0"

__all__ = ["MLP", "__version__"]


def __getattr__(name: str):
    # Imported lazily so that `import fbnn` stays cheap for the tools that only need a submodule.
    if name == "MLP":
        from fbnn.network import MLP

        return MLP
    raise AttributeError(f"module 'fbnn' has no attribute {name!r}")
