"""Decoding under Pauli noise: holonet.decode against named peers, side by side in one run.

Three parts, each a function returning rows:

- ``_ml_rows``: exact ML decoding per shot against LEGO_HQEC's
  ``tensor_network_decoder`` on its zero-rate codes (same errors, decisions
  compared shot by shot);
- ``_enumerator_rows``: weight enumerators of the 2-layer codes against PlanqTN;
- ``_dask_rows``: shots per second of a threshold point on 1 vs 2 Dask workers.
"""

from __future__ import annotations

from benchmarks._common import Row


def _ml_rows(quick: bool) -> list[Row]:
    raise NotImplementedError("ML decoding rows: not written yet")


def _enumerator_rows(quick: bool) -> list[Row]:
    """Weight enumerators of the 2-layer pentagon code, holonet vs PlanqTN (benchmarks._planqtn).

    Without planqtn installed the row carries a note instead of a peer time.
    """
    from benchmarks._planqtn import enumerator_rows

    return enumerator_rows(quick)


def _dask_rows(quick: bool) -> list[Row]:
    raise NotImplementedError("Dask threshold rows: not written yet")


def run(quick: bool = False) -> list[Row]:
    """All rows of the decoding benchmark."""
    return _ml_rows(quick) + _enumerator_rows(quick) + _dask_rows(quick)
