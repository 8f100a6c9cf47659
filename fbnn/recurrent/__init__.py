"""Networks with real feedback connections: Hopfield networks and recurrent nets trained by BPTT.

``Hopfield`` settles to stored memories by descending an energy (``DenseAssociativeMemory`` and
``ModernHopfield`` with steeper energies that store far more); ``ElmanRNN`` and ``JordanRNN`` feed the
previous hidden state or output back as context and learn by backpropagation through time.

Modules: :mod:`~fbnn.recurrent.hopfield` (the network, recall, energy), :mod:`~fbnn.recurrent.capacity`
(load experiment), :mod:`~fbnn.recurrent.modern_hopfield` (dense associative memory, the continuous modern
Hopfield network and its attention update), :mod:`~fbnn.recurrent.rnn` (Elman/Jordan, BPTT),
:mod:`~fbnn.recurrent.gradients` (``||dh_T/dh_t||`` against the lag), :mod:`~fbnn.recurrent.tasks`
(temporal XOR, next-character data) and :mod:`~fbnn.recurrent.symbolic_check` (SymPy check of BPTT; imported
lazily because SymPy is slow to import).
"""

from fbnn.recurrent.capacity import CapacityResult, capacity_experiment
from fbnn.recurrent.gradients import GradientNorms, hidden_gradient_norms
from fbnn.recurrent.hopfield import Hopfield, Trajectory, corrupt, overlap
from fbnn.recurrent.modern_hopfield import (
    DenseAssociativeMemory,
    DenseCapacityResult,
    ModernHopfield,
    dense_capacity_experiment,
)
from fbnn.recurrent.rnn import ElmanRNN, JordanRNN
from fbnn.recurrent.tasks import (
    CharData,
    char_dataset,
    load_text,
    sample_text,
    temporal_xor,
    xor_phase_errors,
)

__all__ = [
    "CapacityResult",
    "CharData",
    "DenseAssociativeMemory",
    "DenseCapacityResult",
    "ElmanRNN",
    "GradientNorms",
    "Hopfield",
    "JordanRNN",
    "ModernHopfield",
    "SymbolicBPTT",
    "Trajectory",
    "bptt_symbolic_check",
    "capacity_experiment",
    "char_dataset",
    "corrupt",
    "dense_capacity_experiment",
    "hidden_gradient_norms",
    "load_text",
    "overlap",
    "sample_text",
    "temporal_xor",
    "xor_phase_errors",
]


def __getattr__(name: str):
    if name in ("bptt_symbolic_check", "SymbolicBPTT"):
        from fbnn.recurrent import symbolic_check

        return getattr(symbolic_check, name)
    raise AttributeError(f"module 'fbnn.recurrent' has no attribute {name!r}")
