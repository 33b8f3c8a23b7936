"""Memory guards of the MERA entry points: predict the bytes, refuse before allocating.

Like the tile guard of :class:`holonet.geometry.HyperbolicTiling` and the contraction
guard of :mod:`holonet.contract`: the budget is ``memory_limit=`` (bytes, or a string
such as ``'8G'``), by default a quarter of the free RAM (``HOLONET_MEMORY_LIMIT``
overrides it), and the refusal names the prediction and the override.
"""

from __future__ import annotations

from holonet._options import WorkTooLarge, human_bytes

#: Bytes per site of a layer's geometry tables (tuples and dicts; measured ~290).
GEOMETRY_BYTES_PER_SITE = 320


def _fmt_bytes(n: int) -> str:
    return human_bytes(n) if n < 2 ** 100 else f"about 2^{n.bit_length() - 1} bytes"


def memory_budget(memory_limit: int | str | None, need: int) -> int:
    """The budget for ``need`` bytes: ``memory_limit``, else a quarter of the free RAM.

    Examples
    --------
    >>> memory_budget("2G", 10)
    2147483648
    """
    from holonet.contract import _ALWAYS_AFFORDABLE, _parse_bytes, default_memory_limit

    if memory_limit is not None:
        return _parse_bytes(memory_limit)
    if need <= _ALWAYS_AFFORDABLE:  # reading /proc/meminfo costs more than small MERAs
        return need
    return default_memory_limit()


def check_memory(what: str, need: int, memory_limit: int | str | None, *, detail: str = "",
                 advice: str = "") -> None:
    """Refuse (:class:`~holonet._options.WorkTooLarge`) before allocating ``need`` bytes.

    Examples
    --------
    >>> check_memory("a MERA", 10, None)
    >>> check_memory("a MERA", 2**40, "1G", detail="2 tensors")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    holonet._options.WorkTooLarge: a MERA would need 1.0 TiB (2 tensors), above the ... it
    """
    limit = memory_budget(memory_limit, need)
    if not need <= limit:
        raise WorkTooLarge(f"{what} would need {_fmt_bytes(need)}"
                           + (f" ({detail})" if detail else "")
                           + f", above the memory limit of {human_bytes(limit)}; {advice}pass a "
                           "larger memory_limit= (bytes or a string such as '8G'; default a "
                           "quarter of the free RAM, or HOLONET_MEMORY_LIMIT) to allow it")
