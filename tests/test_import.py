"""``import holonet`` stays light: no torch, cupy or tensornetwork."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("torch", "cupy", "tensornetwork")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"],
        check=True, capture_output=True, text=True,
    )
    return set(out.stdout.split())


def test_import_holonet_imports_no_heavy_backend() -> None:
    mods = _modules_after("import holonet")
    assert not [m for m in mods if m.split(".")[0] in HEAVY]


def test_core_subpackages_import_no_heavy_backend() -> None:
    code = "\n".join(
        f"import holonet.{name}"
        for name in ("backend", "contract", "geometry", "stabilizer", "codes", "verify",
                     "mera", "attention")
    )
    mods = _modules_after(code)
    heavy = sorted(m for m in mods if m.split(".")[0] in HEAVY)
    assert not heavy, f"core subpackages imported {heavy[:5]}"


def test_lazy_subpackage_attribute() -> None:
    import holonet

    assert holonet.contract.contract is not None
    assert "contract" in dir(holonet)
