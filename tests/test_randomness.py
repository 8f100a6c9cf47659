"""The unseeded-randomness check (tests/randomness.py) flags each kind of unseeded draw and only those."""

from __future__ import annotations

import pytest
from randomness import unseeded

FLAGGED = {
    "default_rng()": "import numpy as np\nrng = np.random.default_rng()",
    "default_rng(None)": "import numpy as np\nrng = np.random.default_rng(None)",
    "default_rng(seed=None)": "import numpy as np\nrng = np.random.default_rng(seed=None)",
    "imported default_rng()": "from numpy.random import default_rng\nrng = default_rng()",
    "np.random.rand": "import numpy as np\nx = np.random.rand(3)",
    "np.random.randn": "import numpy as np\nx = np.random.randn(3, 2)",
    "np.random.exponential": "import numpy as np\nx = np.random.exponential(1.0, size=4)",
    "np.random.choice": "import numpy as np\nx = np.random.choice([1, 2, 3])",
    "numpy alias npr": "import numpy.random as npr\nx = npr.normal()",
    "from numpy import random": "from numpy import random as r\nx = r.uniform()",
    "from numpy.random import": "from numpy.random import randint\nx = randint(0, 10)",
    "from numpy.random import as": "from numpy.random import permutation as perm\nx = perm(5)",
    "RandomState()": "import numpy as np\nrs = np.random.RandomState()",
    "bit generator": "import numpy as np\ng = np.random.Generator(np.random.PCG64())",
    "np.random.seed()": "import numpy as np\nnp.random.seed()",
    "random module": "import random\nx = random.random()",
    "from random import": "from random import choice\nx = choice([1, 2])",
    "random.Random()": "import random\nr = random.Random()",
    "fbnn model seed=None": "from fbnn import MLP\nmodel = MLP([2, 3, 1], seed=None)",
    "fbnn data seed=None": "from fbnn.datasets import two_moons\nX, y = two_moons(100, seed=None)",
    "inside an argument": "import numpy as np\nf(rng=np.random.default_rng())",
}

ACCEPTED = {
    "default_rng(0)": "import numpy as np\nrng = np.random.default_rng(0)\nx = rng.normal(size=3)",
    "default_rng(seed=1)": "from numpy.random import default_rng\nrng = default_rng(seed=1)",
    "np.random.seed(0) then draws": "import numpy as np\nnp.random.seed(0)\nx = np.random.rand(3)",
    "random.seed(0) then draws": "import random\nrandom.seed(0)\nx = random.random()",
    "RandomState(0)": "import numpy as np\nrs = np.random.RandomState(0)",
    "seeded bit generator": "import numpy as np\ng = np.random.Generator(np.random.PCG64(5))",
    "fbnn model seeded": "from fbnn import MLP\nmodel = MLP([2, 3, 1], seed=0)",
    "in a string or comment": "s = 'np.random.rand(3)'  # np.random.default_rng()",
    "a generator passed on": "import numpy as np\nrng = np.random.default_rng(3)\ny = rng.permutation(4)",
    "import alone": "import random\nimport numpy.random",
}


@pytest.mark.parametrize("code", FLAGGED.values(), ids=FLAGGED.keys())
def test_flags_unseeded_randomness(code: str):
    found = unseeded([code])
    assert len(found) == 1 and found[0][:2] == (0, 2), found


@pytest.mark.parametrize("code", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_accepts_seeded_randomness(code: str):
    assert unseeded([code]) == []


def test_a_seed_in_an_earlier_cell_counts_and_cells_are_named():
    cells = ["import numpy as np", "x = np.random.rand(2)", "np.random.seed(0)", "y = np.random.rand(2)"]
    assert [(cell, line) for cell, line, _ in unseeded(cells)] == [(1, 1)]
