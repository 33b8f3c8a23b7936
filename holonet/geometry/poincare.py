"""Poincaré-disk geometry: disk automorphisms, regular polygons, distances.

All functions are vectorised over numpy ``complex128`` arrays. A point of the
hyperbolic plane is a complex number ``z`` with ``|z| < 1``; the orientation
preserving isometries are the Möbius maps ``z -> e^{i phi} (z + c) / (1 + conj(c) z)``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "circumradius",
    "hyperbolic_distance",
    "mobius_from_origin",
    "mobius_to_origin",
    "regular_polygon",
    "rotate_about",
]


def mobius_from_origin(c: complex | np.ndarray, z: complex | np.ndarray) -> np.ndarray:
    """Apply the disk translation ``T_c(z) = (z + c) / (1 + conj(c) z)`` sending 0 to ``c``.

    Examples
    --------
    >>> complex(mobius_from_origin(0.5, 0.0))
    (0.5+0j)
    """
    c = np.asarray(c, dtype=complex)
    z = np.asarray(z, dtype=complex)
    return (z + c) / (1 + np.conj(c) * z)


def mobius_to_origin(c: complex | np.ndarray, z: complex | np.ndarray) -> np.ndarray:
    """Apply ``T_c^{-1}(z) = (z - c) / (1 - conj(c) z)``, the translation sending ``c`` to 0.

    Examples
    --------
    >>> abs(complex(mobius_to_origin(0.3 + 0.2j, 0.3 + 0.2j)))
    0.0
    """
    c = np.asarray(c, dtype=complex)
    z = np.asarray(z, dtype=complex)
    return (z - c) / (1 - np.conj(c) * z)


def rotate_about(center: complex | np.ndarray, z: complex | np.ndarray,
                 angle: float | np.ndarray) -> np.ndarray:
    """Hyperbolic rotation of ``z`` about ``center`` by ``angle`` (radians, counter-clockwise).

    Examples
    --------
    >>> w = rotate_about(0.2, 0.5, 2 * np.pi)
    >>> bool(abs(w - 0.5) < 1e-12)
    True
    """
    d = mobius_to_origin(center, z)
    return mobius_from_origin(center, np.exp(1j * np.asarray(angle)) * d)


def hyperbolic_distance(z: complex | np.ndarray, w: complex | np.ndarray) -> np.ndarray:
    """Hyperbolic distance (curvature -1) between disk points ``z`` and ``w``.

    Examples
    --------
    >>> round(float(hyperbolic_distance(0, np.tanh(0.5))), 12)
    1.0
    """
    d = np.abs(mobius_to_origin(z, w))
    return 2 * np.arctanh(d)


def circumradius(n: int, interior_angle: float) -> float:
    """Poincaré-disk (Euclidean) circumradius of a regular hyperbolic ``n``-gon centred at 0.

    The hyperbolic circumradius ``R`` of a regular ``n``-gon with interior angle
    ``theta`` satisfies ``cosh R = cot(pi/n) cot(theta/2)``; in the disk the vertices
    sit at Euclidean radius ``tanh(R/2)``. For the {p,q} tiling ``theta = 2 pi / q``,
    giving ``sqrt(cos(pi/p + pi/q) / cos(pi/p - pi/q))``.

    Examples
    --------
    >>> round(circumradius(5, 2 * np.pi / 4), 10)
    0.3979754268
    """
    from holonet._options import check_float, check_int

    n = check_int("n", n, minimum=3)
    interior_angle = check_float("interior_angle", interior_angle)
    if not 0 < interior_angle < math.pi:
        raise ValueError(f"interior_angle must be in (0, pi); got {interior_angle!r}")
    cosh_r = 1.0 / (math.tan(math.pi / n) * math.tan(interior_angle / 2))
    if not cosh_r > 1:
        raise ValueError(f"a regular {n}-gon with interior angle {interior_angle!r} "
                         "is not hyperbolic")
    return math.sqrt((cosh_r - 1) / (cosh_r + 1))


def regular_polygon(n: int, radius: float, center: complex = 0j,
                    phase: complex = 1 + 0j) -> np.ndarray:
    """Vertices ``T_center(phase * radius * e^{i(2 pi k/n - pi/n)})``, ``k = 0..n-1`` (CCW).

    With ``center = 0`` and ``phase = 1`` the midpoint of edge 0 (vertices 0 and 1)
    lies on the positive real axis.

    Examples
    --------
    >>> v = regular_polygon(4, 0.5)
    >>> bool(np.allclose(abs(v), 0.5))
    True
    """
    k = np.arange(n)
    ref = radius * np.exp(1j * (2 * np.pi * k / n - np.pi / n))
    return np.asarray(mobius_from_origin(center, phase * ref))
