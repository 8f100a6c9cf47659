"""Error feedback without backpropagation: feedback alignment and direct feedback alignment.

Backpropagation sends the output error back through the transposes of the forward weights. Feedback alignment
(Lillicrap et al. 2016) sends it back through fixed random matrices instead, and direct feedback alignment
(Nokland 2016) sends the output error straight to every hidden layer. :class:`AlignmentTrainer` trains an
:class:`~fbnn.network.MLP` with any of the three rules and records how far the update is from the true
gradient.

Modules: :mod:`~fbnn.alignment.rules` (feedback matrices, update directions, angles, the trainer).
"""

from fbnn.alignment.rules import (
    METHODS,
    AlignmentHistory,
    AlignmentTrainer,
    angle_between,
    feedback_matrices,
)

__all__ = ["METHODS", "AlignmentHistory", "AlignmentTrainer", "angle_between", "feedback_matrices"]
