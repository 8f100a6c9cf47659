"""Learning in networks with feedback connections at their fixed points.

``FixedPointNet`` relaxes to a fixed point and gets its exact gradient from a second, linear relaxation of the
error (recurrent backpropagation: Almeida 1987, Pineda 1987), or, for comparison, by BPTT through the
relaxation. ``EnergyNet`` is a layered continuous Hopfield-like network whose state descends an energy; it
learns by equilibrium propagation (Scellier & Bengio 2017) from a free and a weakly nudged equilibrium.

Modules: :mod:`~fbnn.equilibrium.relaxation` (the relaxation result, :class:`ConvergenceError`,
nonlinearities,
targets), :mod:`~fbnn.equilibrium.fixed_point` (``FixedPointNet``), :mod:`~fbnn.equilibrium.energy`
(``EnergyNet``) and :mod:`~fbnn.equilibrium.training` (the shared minibatch loop).
"""

from fbnn.equilibrium.energy import EnergyNet
from fbnn.equilibrium.fixed_point import FixedPointNet
from fbnn.equilibrium.relaxation import ConvergenceError, Relaxation, accuracy, one_hot
from fbnn.equilibrium.training import train

__all__ = ["ConvergenceError", "EnergyNet", "FixedPointNet", "Relaxation", "accuracy", "one_hot", "train"]
