"""The Optimizers page in a real browser: the race's scrubber moves every path and loss marker without the server."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.conftest import STREAM_PATH, current_query, settle
from e2e.test_e2e_app import expect_no_errors

pytestmark = pytest.mark.e2e

# Where every path and every loss marker of the race is drawn: the SVG of the scatter traces of both charts.
DRAWN_JS = """
() => {
  const chart = [...document.querySelectorAll("[data-testid='stPlotlyChart']")]
    .find((c) => c.querySelector(".gtitle")?.textContent.startsWith("The race"));
  if (!chart) return null;
  const shapes = [...chart.querySelectorAll(".scatterlayer .trace path")];
  return shapes.map((p) => (p.getAttribute("d") ?? "") + "@" + (p.getAttribute("transform") ?? "")).join(";");
}
"""


def test_the_scrubber_moves_every_path_without_a_rerun(app) -> None:
    sent: list[object] = []

    def watch(ws) -> None:
        if ws.url.endswith(STREAM_PATH):
            ws.on("framesent", lambda payload: sent.append(payload))

    app.page.on("websocket", watch)
    page = app.open("/optimizers")
    expect_no_errors(page)
    expect(page.locator("h1")).to_have_text("Optimizers on the same data")
    chart = page.get_by_test_id("stPlotlyChart").filter(has_text="The race")
    current = chart.locator("text.slider-label").filter(has_text="after update")
    expect(current).to_have_text("after update 0")
    start = page.wait_for_function(DRAWN_JS).json_value()
    runs, messages = app.finished_runs, len(sent)

    # Play: Plotly steps through every checkpoint's frame to the last one, all in the browser.
    chart.locator(".updatemenu-button").filter(has_text="Play").click()
    expect(current).to_have_text("after update 100,000", timeout=120_000)
    assert page.evaluate(DRAWN_JS) != start

    # Drag the scrubber's handle back to the start, as a visitor would: the paths shrink to their first point.
    rail, grip = chart.locator(".slider-rail-rect"), chart.locator(".slider-grip-rect")
    rail.scroll_into_view_if_needed()
    box, rail_box = grip.bounding_box(), rail.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(rail_box["x"] + 1, y, steps=12)
    page.mouse.up()
    expect(current).to_have_text("after update 0")
    assert page.evaluate(DRAWN_JS) == start

    # Nothing went to the server: no script run finished and no message was sent.
    assert app.finished_runs == runs
    assert len(sent) == messages
    expect_no_errors(page)


def test_quick_presses_on_the_rate_land_in_the_widget_the_url_the_table_and_the_chart(app) -> None:
    page = app.open("/optimizers?o_iters=2k")
    expect_no_errors(page)
    thumb = page.get_by_test_id("stSidebar").get_by_test_id("stSlider").filter(has_text="Learning rate α").first
    thumb = thumb.get_by_role("slider")
    expect(thumb).to_have_attribute("aria-valuetext", "5.0e-04")
    for presses, shown in ((8, "5.8e-04"), (8, "6.6e-04")):  # the grid steps by 1e-5 here; 6.6e-4 is past GD's bound
        thumb.focus()
        for _ in range(presses):
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(50)
        label = f"1. GD (α={float(shown):.2g})"
        settle(
            page,
            """(label) => [...document.querySelectorAll("[data-testid='stDataFrame'] table tr")]
                 .some((r) => r.children[0]?.textContent === label)""",
            label,
            f"the table's row {label}",
        )
        expect(thumb).to_have_attribute("aria-valuetext", shown)
        assert current_query(page)["o1_lr"] == [shown]
        legend = page.get_by_test_id("stPlotlyChart").filter(has_text="The race").locator(".legendtext")
        expect(legend.filter(has_text="1. GD")).to_have_count(1)
    # Past the bound: the run diverges, says so and offers a stable rate, without a traceback.
    expect(page.get_by_test_id("stAlert").filter(has_text="Optimizer 1 diverged")).to_have_count(1)
    expect(page.get_by_role("button", name="Use α = ")).to_have_count(1)
    expect(page.get_by_test_id("stException")).to_have_count(0)
