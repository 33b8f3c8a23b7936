"""The radial explorer in a real browser (headless chromium via Selenium).

The page's highlighted set for a clicked token must equal
``AttentionRecord.top_k`` computed in Python, on every layer and head; zoom,
pan, pinning across layers and the HaPPY wedge mode are driven through the UI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from holonet.viz.explorer import explorer

pytestmark = pytest.mark.browser

# reads back the DOM contract documented in holonet/viz/static/explorer.js
_CLASSES_JS = """
const cls = arguments[0];
return Array.from(document.querySelectorAll('circle.token.' + cls))
  .map(e => Number(e.getAttribute('data-token-index'))).sort((a, b) => a - b);
"""


def _load(driver: Any, path: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(path.resolve().as_uri())
    WebDriverWait(driver, 10).until(
        lambda d: d.execute_script("return document.body.getAttribute('data-ready')") == "1")
    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert not errors, errors


def _token(driver: Any, i: int) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, f'circle.token[data-token-index="{i}"]')


def _state(driver: Any) -> dict[str, Any]:
    return driver.execute_script("return JSON.parse(JSON.stringify(window.holonetExplorer.state))")


def _classed(driver: Any, cls: str) -> list[int]:
    return driver.execute_script(_CLASSES_JS, cls)


def _column_top_k(a: np.ndarray, key: int, k: int) -> list[int]:
    col = a[:, key]
    order = np.lexsort((np.arange(col.size), -col))
    return sorted(int(i) for i in order[:k] if col[i] > 0)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory, toy_record: Any) -> tuple[Any, Path]:
    rec = toy_record
    path = explorer(rec, tmp_path_factory.mktemp("explorer") / "toy.html", k=3)
    return rec, path


def test_click_highlights_python_top_k(driver: Any, page: tuple[Any, Path]) -> None:
    from selenium.webdriver.support.ui import Select

    rec, path = page
    _load(driver, path)
    for layer, head in [(0, 0), (0, 1), (1, 0), (1, 1)]:
        Select(driver.find_element("id", "layer-select")).select_by_value(str(layer))
        Select(driver.find_element("id", "head-select")).select_by_value(str(head))
        for query in (0, 2, 5, 11, 27):
            _token(driver, query).click()
            want = rec.top_k(layer, head, query=query, k=3)
            assert _classed(driver, "highlight") == want, (layer, head, query)
            state = _state(driver)
            assert state["focus"] == query and state["highlighted"] == want
            assert (state["layer"], state["head"]) == (layer, head)
            # context: the queries that attend most to the clicked token
            assert _classed(driver, "attended-by") == _column_top_k(
                rec.maps[(layer, head)], query, 3)
            assert _classed(driver, "focus") == [query]
            # attention by scale: the row's mass on each ring
            mass = np.bincount(rec.ring, weights=rec.maps[(layer, head)][query])
            assert state["ringMass"] == pytest.approx(mass.tolist(), abs=1e-12)
    # the tie in row 5 of (1, 0) resolves like AttentionRecord.top_k (lower index first)
    assert rec.top_k(1, 0, query=5, k=3) == [3, 9, 20]


def test_k_input_changes_the_highlighted_set(driver: Any, page: tuple[Any, Path]) -> None:
    from selenium.webdriver.common.keys import Keys

    rec, path = page
    _load(driver, path)
    _token(driver, 13).click()
    box = driver.find_element("id", "k-input")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("6", Keys.ENTER)
    assert _state(driver)["k"] == 6
    assert _classed(driver, "highlight") == rec.top_k(0, 0, query=13, k=6)


def test_zoom_and_pan(driver: Any, page: tuple[Any, Path]) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin

    _, path = page
    _load(driver, path)
    before = _token(driver, 0).rect["width"]
    driver.find_element("id", "zoom-in").click()
    driver.find_element("id", "zoom-in").click()
    assert _state(driver)["zoom"] == pytest.approx(1.25 ** 2)
    after = _token(driver, 0).rect["width"]
    assert after == pytest.approx(before * 1.25 ** 2, rel=0.05)
    driver.find_element("id", "zoom-out").click()
    assert _state(driver)["zoom"] == pytest.approx(1.25 ** 2 * 0.8)
    driver.find_element("id", "zoom-reset").click()
    assert _state(driver)["zoom"] == 1
    # the mouse wheel zooms about the pointer
    stage = driver.find_element("id", "stage")
    ActionChains(driver).scroll_from_origin(ScrollOrigin.from_element(stage), 0, -300).perform()
    z = _state(driver)["zoom"]
    assert z > 1.2
    # drag on the background pans
    x0 = _token(driver, 0).rect["x"]
    ActionChains(driver).move_to_element_with_offset(stage, -300, -250).click_and_hold() \
        .move_by_offset(120, 0).release().perform()
    state = _state(driver)
    assert state["zoom"] == pytest.approx(z)
    assert _token(driver, 0).rect["x"] == pytest.approx(x0 + 120, abs=3)


def test_pin_a_concept_across_layers(driver: Any, page: tuple[Any, Path]) -> None:
    from selenium.webdriver.support.ui import Select

    rec, path = page
    _load(driver, path)
    _token(driver, 0).click()                      # the core token: a "concept"
    driver.find_element("id", "pin-button").click()
    assert _state(driver)["pinned"] == [0]
    _token(driver, 20).click()                     # focus elsewhere; the pin stays
    assert _classed(driver, "pinned") == [0]
    assert _classed(driver, "highlight") == rec.top_k(0, 0, query=20, k=3)
    assert _classed(driver, "pin-target") == rec.top_k(0, 0, query=0, k=3)
    Select(driver.find_element("id", "layer-select")).select_by_value("1")
    state = _state(driver)
    assert state["layer"] == 1 and state["pinned"] == [0]
    assert _classed(driver, "pinned") == [0]
    assert _classed(driver, "pin-target") == rec.top_k(1, 0, query=0, k=3)
    assert _classed(driver, "highlight") == rec.top_k(1, 0, query=20, k=3)
    # the concept's trajectory: its top-k keys in every layer, shown in the panel
    across = state["pinAcrossLayers"]["0"]
    assert {int(layer): keys for layer, keys in across.items()} == {
        layer: rec.top_k(layer, 0, query=0, k=3) for layer in rec.layers}
    # shift+click pins a second token, clicking pin again on the focus unpins it
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    ActionChains(driver).key_down(Keys.SHIFT).click(_token(driver, 3)).key_up(Keys.SHIFT) \
        .perform()
    assert _state(driver)["pinned"] == [0, 3]
    _token(driver, 3).click()
    driver.find_element("id", "pin-button").click()
    assert _state(driver)["pinned"] == [0]


def test_screenshot(driver: Any, page: tuple[Any, Path], tmp_path: Path) -> None:
    rec, path = page
    _load(driver, path)
    _token(driver, 6).click()
    driver.find_element("id", "pin-button").click()
    _token(driver, 17).click()
    shot = tmp_path / "explorer.png"
    assert driver.save_screenshot(str(shot))
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_code_mode_wedges(driver: Any, tmp_path: Path) -> None:
    """Clicking boundary legs selects an interval; the page shows the wedges Python computed."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from holonet import codes
    from holonet.verify import complementary_recovery  # type: ignore[attr-defined]
    from holonet.viz.explorer import _report_wedges

    code = codes.happy_code(2)
    path = explorer(code, tmp_path / "code.html", max_interval=4)
    _load(driver, path)
    n = len(code.boundary_legs)
    legs = driver.find_elements(By.CSS_SELECTOR, "circle.leg")
    assert len(legs) == n
    driver.execute_script("window.holonetExplorer.selectInterval(0, 1)")
    legs[2].click()                                     # interval of length 1 at leg 2
    ActionChains(driver).key_down(Keys.SHIFT).click(legs[4]).key_up(Keys.SHIFT).perform()
    state = _state(driver)
    assert state["selection"]["legs"] == [2, 3, 4]
    want = _report_wedges(complementary_recovery(code, [2, 3, 4]))
    assert sorted(state["wedge"]["greedy"]) == want["greedy"]
    assert sorted(state["wedge"]["exact"]) == want["exact"]
    shown = driver.execute_script(
        "return Array.from(document.querySelectorAll('circle.bulk.wedge-greedy'))"
        ".map(e => e.getAttribute('data-bulk-leg')).sort()")
    assert shown == sorted(want["greedy"])
    selected = driver.execute_script(
        "return Array.from(document.querySelectorAll('circle.leg.selected'))"
        ".map(e => Number(e.getAttribute('data-leg-index'))).sort((a, b) => a - b)")
    assert selected == [2, 3, 4]
    # a long interval comes from its complement's precomputed entry, roles swapped
    driver.execute_script(f"window.holonetExplorer.selectInterval(1, {n - 3})")
    state = _state(driver)
    region = [(1 + t) % n for t in range(n - 3)]
    want = _report_wedges(complementary_recovery(code, sorted(region)))
    assert sorted(state["wedge"]["exact"]) == want["exact"]
    assert sorted(state["wedge"]["cexact"]) == want["cexact"]
    assert driver.save_screenshot(str(tmp_path / "code.png"))


def test_holographic_attention_on_the_disk(driver: Any, tmp_path: Path) -> None:
    """Holographic ring attention (holonet.attention) drawn on the code's tiling: clicking a
    bulk or boundary token highlights Python's top-k; the page also switches to wedges."""
    from selenium.webdriver.common.by import By

    from holonet.viz._explore_cli import holographic_demo

    code, rec = holographic_demo(layers=2, heads=2, seed=3)
    path = explorer(rec, tmp_path / "holo.html", code=code, k=4)
    _load(driver, path)
    assert driver.find_elements(By.CSS_SELECTOR, "#attention-underlay path.tile")
    for head in (0, 1):
        driver.execute_script(f"window.holonetExplorer.setHead({head})")
        for name in ("q0", "q5", "k7"):
            i = rec.tokens.index(name)
            _token(driver, i).click()
            assert _classed(driver, "highlight") == rec.top_k(0, head, query=i, k=4), name
    driver.find_element("id", "mode-code").click()
    state = _state(driver)
    assert state["mode"] == "code"
    assert not _token(driver, 0).is_displayed()
    legs = driver.find_elements(By.CSS_SELECTOR, "circle.leg")
    legs[5].click()
    assert _state(driver)["selection"]["start"] == 5
