"""distance() against an independent exact tool from PyPI: codedistance's Brouwer-Zimmermann.

codedistance (Webster, Jacob, Higgott) is a test-only dependency. Its import
compiles its numba kernels eagerly (about 20 s of CPU), so this module holds
every comparison with it.
"""

from __future__ import annotations

import codedistance
import numpy as np
import pytest

from holonet.codes import happy_code
from holonet.stabilizer import commutation_matrix, gf2


@pytest.mark.parametrize(("kwargs", "d"), [
    ({"layers": 1}, 3),                                                  # [[5,1,3]]
    ({"layers": 2, "convention": "edge", "variant": "single"}, 9),       # [[25,1,9]]
])
def test_distance_agrees_with_codedistance(kwargs, d):
    sc = happy_code(**kwargs).stabilizer_code
    ours, witness = sc.distance(return_witness=True, progress=False)
    # tB=2: the check matrix in two-block symplectic form [X | Z]
    peer = codedistance.codeDistance(sc.stabilizers.astype(np.int8), None, 2, "BZDistMW", {},
                                     seed=1)
    assert ours == peer["d"] == d
    # the peer's minimum-weight logical is one of ours too: commutes, not a stabilizer
    v = np.asarray(peer["L"], np.uint8).reshape(1, 2 * sc.n) & 1
    assert int((v[0, :sc.n] | v[0, sc.n:]).sum()) == d
    assert not commutation_matrix(v, sc.stabilizers).any()
    assert gf2.rank(np.vstack([sc.stabilizers, v])) == sc.r + 1
    assert len(witness) - witness.count("I") == d
