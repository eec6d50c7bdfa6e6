"""The replays on a 390 px phone: every part readable, none on another, and Play then Pause logs no error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.conftest import TIMEOUT_MS, App

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}

# Plotly.js rejects the promise of an animation that a later one interrupts, and its buttons do not catch it: every
# Pause logs this warning and an uncaught rejection of `undefined` (dashboard/figures.py, play_buttons).
PLOTLY_INTERRUPT_WARNING = "API call to Plotly.animate rejected."

# The boxes, in the page's pixels, of the parts of the chart that must neither overlap nor leave the chart.
BOXES_JS = """
(chart) => {
  const box = (el) => {
    if (!el) return null;
    const b = el.getBoundingClientRect();
    return {left: b.left, top: b.top, right: b.right, bottom: b.bottom};
  };
  const one = (selector) => box(chart.querySelector(selector));
  const labels = [...chart.querySelectorAll("text.slider-label")];
  const current = labels.find((t) => t.textContent.startsWith("after update"));
  return {
    svg: one("svg.main-svg"),
    title: one(".gtitle"),
    legend: one(".legend"),
    slider: one(".slider-container"),
    buttons: one(".updatemenu-container"),
    current: box(current),
    xtitles: [...chart.querySelectorAll(".g-xtitle, .g-x2title")].map(box),
  };
}
"""

# Plotly's animation loop has stopped: no frame queued, no animation frame requested.
IDLE_ANIMATION_JS = """
(chart) => {
  const gd = chart.querySelector(".js-plotly-plot");
  const t = gd && gd._transitionData;
  return Boolean(t) && t._frameQueue.length === 0 && !t._animationRaf;
}
"""


def overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def inside(a: dict, outer: dict) -> bool:
    return outer["left"] <= a["left"] and a["right"] <= outer["right"] and outer["top"] <= a["top"] <= a["bottom"]


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("path", ["/?view=Replay", "/?data=longley&view=Replay"], ids=["one_feature", "longley"])
def test_a_replay_on_a_phone_lays_out_cleanly_and_pauses_without_errors(phone: Page, app_url: str, path: str) -> None:
    errors: list[str] = []
    warnings: list[str] = []
    phone.on("pageerror", lambda error: errors.append(error.message))
    phone.on("console", lambda msg: (errors if msg.type == "error" else warnings).append(msg.text))
    page = App(phone, app_url).open(path)
    chart = page.get_by_test_id("stPlotlyChart").filter(has_text="Replay: gradient descent")
    current = chart.locator("text.slider-label").filter(has_text="after update")
    expect(current).to_have_text("after update 0")

    boxes = page.evaluate(BOXES_JS, chart.element_handle())
    svg, legend, slider = boxes["svg"], boxes["legend"], boxes["slider"]
    assert svg["right"] - svg["left"] < 390
    assert not overlap(legend, slider), boxes
    assert not overlap(legend, boxes["buttons"]) and not overlap(legend, boxes["title"]), boxes
    for part in ("title", "legend", "slider", "buttons", "current"):
        assert inside(boxes[part], svg), (part, boxes)  # nothing cut at the chart's edges
    assert not any(overlap(boxes["current"], title) for title in boxes["xtitles"]), boxes
    assert not overlap(boxes["current"], boxes["buttons"]), boxes

    chart.locator(".updatemenu-button").filter(has_text="Play").click()
    expect(current).not_to_have_text("after update 0")
    chart.locator(".updatemenu-button").filter(has_text="Pause").click()
    page.wait_for_function(IDLE_ANIMATION_JS, arg=chart.element_handle())
    paused = current.text_content()
    assert paused != "after update 0"
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    expect(current).to_have_text(paused)  # the animation stopped where it was

    # The only error is Plotly's own uncaught rejection of the interrupted Play, once per logged warning.
    interrupted = [w for w in warnings if PLOTLY_INTERRUPT_WARNING in w]
    assert len(interrupted) <= 1, warnings
    assert errors == ["undefined"] * len(interrupted), (errors, warnings)
    expect(page.get_by_test_id("stException")).to_have_count(0)
