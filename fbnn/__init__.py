"""fbnn: feedback neural networks, from scratch and checked.

The companion package of the course. ``fbnn.MLP`` is a multilayer perceptron trained by
backpropagation (error *feedback*); ``fbnn.recurrent`` holds networks with real feedback
connections (Hopfield, Elman, Jordan); ``fbnn.symbolic`` derives the gradients with SymPy.
Every trainable model is trained by the one loop :func:`fbnn.training.fit`, and every model is saved and
loaded by :mod:`fbnn.serialization`.
"""

__version__ = "0.1.0"

__all__ = ["MLP", "History", "__version__", "load_model"]


def __getattr__(name: str):
    # Imported lazily so that `import fbnn` stays cheap for the tools that only need a submodule (the
    # symbolic CLI).
    if name == "MLP":
        from fbnn.network import MLP

        return MLP
    if name == "History":
        from fbnn.training import History

        return History
    if name == "load_model":
        from fbnn.serialization import load_model

        return load_model
    raise AttributeError(f"module 'fbnn' has no attribute {name!r}")
