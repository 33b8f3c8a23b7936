"""holonet.verify: the checks that make a holographic code trustworthy.

Every check returns a :class:`~holonet.verify.report.Report` (``.ok``,
``.explain()``, ``.summary()``); each has an ``assert_*`` twin raising
:class:`holonet._errors.VerificationError`.

* :func:`isometry` — V†V = 1 for any tensor network (codes, MERA), per-tensor
  isometry/perfectness naming the failing tensor.
* :func:`complementary_recovery` — greedy and exact entanglement wedges of a
  boundary region and its complement (:func:`complementary_recovery_sweep`
  over all contiguous intervals).
* :func:`erasure` — exact erasure correction per logical qubit and the greedy
  decoder; :func:`erasure_exhaustive` checks every pattern of a given size.
* :func:`erasure_threshold` — Monte-Carlo recovery curves and crossing points.
* :func:`pauli_threshold` — the same under Pauli noise with exact ML decoding
  (:mod:`holonet.decode`), next to the channel's hashing bound.
* :func:`rt` — stabilizer entropy vs minimal cut (:func:`rt_sweep`).
* :func:`verify_code` — all of the above for one code, as a list of reports.
* :func:`stabilizer_consistency`, :func:`interval_recovery`, :func:`distance_check` —
  the checks of a plain stabilizer code (no tensor network), e.g. one read from a file.
"""

from __future__ import annotations

from holonet.verify.codecheck import distance_check, interval_recovery, stabilizer_consistency
from holonet.verify.erasure import (
    ErasureReport,
    ExhaustiveErasureReport,
    assert_erasure,
    decode_erasures,
    erasure,
    erasure_exhaustive,
)
from holonet.verify.isometry import IsometryReport, assert_isometry, is_perfect_array, isometry
from holonet.verify.pauli import (
    NoiseFamily,
    PauliThresholdReport,
    assert_pauli_threshold,
    pauli_threshold,
)
from holonet.verify.report import Report, ReportList, raise_if_failed
from holonet.verify.rt import RTReport, RTSweepReport, assert_rt, entropies, min_cuts, rt, rt_sweep
from holonet.verify.suite import verify_code
from holonet.verify.threshold import (
    ThresholdReport,
    assert_erasure_threshold,
    crossing,
    erasure_threshold,
)
from holonet.verify.wedge import (
    RecoverySweepReport,
    WedgeReport,
    assert_complementary_recovery,
    complementary_recovery,
    complementary_recovery_sweep,
)

__all__ = [
    "ErasureReport",
    "ExhaustiveErasureReport",
    "IsometryReport",
    "NoiseFamily",
    "PauliThresholdReport",
    "RTReport",
    "RTSweepReport",
    "RecoverySweepReport",
    "Report",
    "ReportList",
    "ThresholdReport",
    "WedgeReport",
    "assert_complementary_recovery",
    "assert_erasure",
    "assert_erasure_threshold",
    "assert_isometry",
    "assert_pauli_threshold",
    "assert_rt",
    "complementary_recovery",
    "complementary_recovery_sweep",
    "crossing",
    "decode_erasures",
    "distance_check",
    "entropies",
    "erasure",
    "erasure_exhaustive",
    "erasure_threshold",
    "interval_recovery",
    "is_perfect_array",
    "isometry",
    "min_cuts",
    "pauli_threshold",
    "raise_if_failed",
    "rt",
    "rt_sweep",
    "stabilizer_consistency",
    "verify_code",
]
