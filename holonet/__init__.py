"""holonet: holographic codes, MERA and hyperbolic tilings as explicit tensor networks.

Subpackages are imported lazily on first attribute access, so ``import holonet``
stays cheap and never imports torch, cupy or tensornetwork::

    >>> import holonet
    >>> holonet.__version__
    '0.1.0'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from holonet._errors import HolonetError

__version__ = "0.1.0"

_SUBPACKAGES = (
    "attention",
    "backend",
    "codes",
    "contract",
    "geometry",
    "mera",
    "nn",
    "stabilizer",
    "verify",
    "viz",
)

__all__ = ["HolonetError", "__version__", *_SUBPACKAGES]

if TYPE_CHECKING:  # pragma: no cover
    from holonet import (  # noqa: F401
        attention,
        backend,
        codes,
        contract,
        geometry,
        mera,
        stabilizer,
        verify,
        viz,
    )


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"holonet.{name}")
    raise AttributeError(f"module 'holonet' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
