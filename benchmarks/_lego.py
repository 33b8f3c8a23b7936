"""LEGO_HQEC (benchmark-only peer): its zero-rate HaPPY codes by operator pushing.

LEGO_HQEC (``pip install lego-hqec gurobipy``) writes ``output.csv`` and a log into
the working directory and prints tile ids while pushing, so it runs in a temporary
directory with stdout captured. Never needed by the tests.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import time
from typing import NamedTuple


class LegoCode(NamedTuple):
    """Pauli strings of a LEGO_HQEC code and the seconds its build took."""

    stabilizers: list[str]
    logical_x: list[str]
    logical_z: list[str]
    seconds: float


def zero_rate_code(R: int) -> LegoCode:
    """LEGO_HQEC's zero-rate HaPPY code with ``R`` rings (push + extraction timed)."""
    from LEGO_HQEC.OperatorPush.Presets.HaPPY_code import setup_zero_rate_happy
    from LEGO_HQEC.OperatorPush.PushingToolbox import batch_push
    from LEGO_HQEC.QuDec.InputProcessor import (
        extract_logicals_from_result_dict,
        extract_stabilizers_from_result_dict,
    )

    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                t0 = time.perf_counter()
                res = batch_push(setup_zero_rate_happy(R))
                stabs = extract_stabilizers_from_result_dict(res)
                lz, lx = extract_logicals_from_result_dict(res)
                dt = time.perf_counter() - t0
        finally:
            os.chdir(cwd)
    return LegoCode(list(stabs), list(lx), list(lz), dt)
