"""The app in a real browser: what a visitor sees and does, from the URL to the keyboard."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from e2e.conftest import current_query

pytestmark = pytest.mark.e2e

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot.png"
FIT_CHART_TITLE = "The fit on the test data"

# A fingerprint of the fit chart as drawn: where every marker sits in the SVG.
FIT_CHART_POINTS_JS = """
(title) => {
  const charts = [...document.querySelectorAll("[data-testid='stPlotlyChart']")];
  const chart = charts.find((c) => c.querySelector(".gtitle")?.textContent === title);
  if (!chart) return null;
  const points = [...chart.querySelectorAll(".scatterlayer path.point")];
  return points.length ? points.map((p) => p.getAttribute("transform")).join(";") : null;
}
"""


def fit_chart_points(page: Page) -> str:
    """The fit chart's fingerprint, once the chart has drawn its points."""
    handle = page.wait_for_function(FIT_CHART_POINTS_JS, arg=FIT_CHART_TITLE)
    return handle.json_value()


def wait_for_fit_chart(page: Page, changed_from: str | None = None, equal_to: str | None = None) -> str:
    """Wait until the fit chart is drawn differently from ``changed_from`` (or exactly as ``equal_to``)."""
    condition = f"""
    ([title, changedFrom, equalTo]) => {{
      const now = ({FIT_CHART_POINTS_JS})(title);
      if (now === null) return false;
      if (changedFrom !== null && now === changedFrom) return false;
      if (equalTo !== null && now !== equalTo) return false;
      return now;
    }}"""
    return page.wait_for_function(condition, arg=[FIT_CHART_TITLE, changed_from, equal_to]).json_value()


def metric_value(page: Page, label: str) -> Locator:
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def table_row(page: Page, name: str) -> list[str]:
    """The cells of the row labelled ``name`` in the open tab's data frame, read from its accessible table."""
    rows = page.wait_for_function(
        """(name) => {
          const rows = [...document.querySelectorAll("[data-testid='stMain'] [data-testid='stDataFrame'] table tr")]
            .map((r) => [...r.children].map((c) => c.textContent));
          return rows.find((r) => r[0] === name)?.slice(1) ?? null;
        }""",
        arg=name,
    )
    return rows.json_value()


def sidebar_control(page: Page, label: str) -> tuple[Locator, str, str]:
    """The keyboard-focusable part of the sidebar control labelled ``label``, with its up and down keys.

    A slider's thumb moves with ArrowRight/ArrowLeft; a number input steps with ArrowUp/ArrowDown.
    """
    sidebar = page.get_by_test_id("stSidebar")
    slider = sidebar.get_by_test_id("stSlider").filter(has_text=label)
    if slider.count():
        return slider.get_by_role("slider"), "ArrowRight", "ArrowLeft"
    return sidebar.get_by_test_id("stNumberInput").filter(has_text=label).locator("input"), "ArrowUp", "ArrowDown"


def control_value(page: Page, label: str) -> str:
    """What the sidebar control labelled ``label`` shows."""
    control, up, _ = sidebar_control(page, label)
    if up == "ArrowRight":
        return control.get_attribute("aria-valuetext") or control.get_attribute("aria-valuenow")
    return control.input_value()


def query(page: Page) -> dict[str, list[str]]:
    # Streamlit rewrites the URL with history.replaceState, which page.url can miss.
    return current_query(page)


def open_tab(app, name: str) -> None:
    """Click the tab ``name``: only the open tab's content is built, so this reruns the page."""
    tab = app.page.get_by_role("tab", name=name)
    app.rerun(tab.click)
    expect(tab).to_have_attribute("aria-selected", "true")


def expect_no_errors(page: Page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)


def save_full_page_screenshot(page: Page, path: Path) -> None:
    """Screenshot the whole app: Streamlit scrolls inside its own container, so grow the window to fit it."""
    height = page.evaluate(
        """() => Math.max(window.innerHeight,
             ...[...document.querySelectorAll("[data-testid='stMain'], [data-testid='stMainBlockContainer']")]
                  .map((e) => e.scrollHeight))"""
    )
    page.set_viewport_size({"width": page.viewport_size["width"], "height": height})
    # Two animation frames: the browser has laid out and painted at the new size.
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    shot = page.screenshot(full_page=True)
    if not looks_the_same(shot, path):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(shot)


def looks_the_same(png: bytes, path: Path, max_changed: float = 1e-3) -> bool:
    """Whether ``png`` differs from the image at ``path`` in at most ``max_changed`` of its pixels.

    A blinking caret or anti-aliasing is not a change of the page; skipping those keeps the file stable in git.
    """
    if not path.exists():
        return False
    new, old = (np.asarray(Image.open(source).convert("RGB")) for source in (io.BytesIO(png), path))
    return new.shape == old.shape and np.any(new != old, axis=2).mean() <= max_changed


def test_playground_opens_with_the_article_numbers(app) -> None:
    page = app.open("/")
    expect_no_errors(page)
    expect(page.locator("h1")).to_contain_text("Linear regression by gradient descent")
    expect(metric_value(page, "Test R²")).to_have_text("0.95")
    fit_chart_points(page)
    save_full_page_screenshot(page, SCREENSHOT)
    # The parameters table is in the Numbers tab.
    open_tab(app, "Numbers")
    # One row per coefficient: gradient descent, least squares, the true line.
    assert table_row(page, "w_1 (slope)")[0] == "3.48"
    assert table_row(page, "w_2 (intercept)")[0] == "9.57"


def test_keyboard_on_the_noise_control_redraws_the_chart(app) -> None:
    page = app.open("/")
    before = fit_chart_points(page)
    noise, up, down = sidebar_control(page, "Noise")
    start = control_value(page, "Noise")

    noise.focus()
    app.rerun(lambda: page.keyboard.press(up))
    assert control_value(page, "Noise") != start
    assert "noise" in query(page)
    wait_for_fit_chart(page, changed_from=before)

    # Back to the article's noise: same seed, same data, the same chart as before.
    app.rerun(lambda: page.keyboard.press(down))
    assert control_value(page, "Noise") == start
    assert "noise" not in query(page)
    wait_for_fit_chart(page, equal_to=before)
    expect(metric_value(page, "Test R²")).to_have_text("0.95")


def test_a_shared_url_opens_with_its_settings(app) -> None:
    page = app.open("/?noise=5&seed=7&n=200&slope=2&intercept=-5&train_ratio=0.5&lr=0.0003")
    expect_no_errors(page)
    assert float(control_value(page, "Noise")) == 5
    assert int(control_value(page, "Random seed")) == 7
    assert int(control_value(page, "Sample size")) == 200
    assert float(control_value(page, "True slope")) == 2
    assert float(control_value(page, "True intercept")) == -5
    assert float(control_value(page, "Train ratio")) == 0.5
    assert float(control_value(page, "Learning rate")) == 3e-4
    expect(metric_value(page, "Test R²")).not_to_have_text("0.95")
    open_tab(app, "Numbers")
    assert table_row(page, "w_1 (slope)")[2] == "2.00"  # the true line's column
    assert table_row(page, "w_2 (intercept)")[2] == "-5.00"
    # The settings stay in the address bar, so the link can be shared again.
    assert query(page)["seed"] == ["7"]


def test_an_unstable_learning_rate_warns_and_offers_a_stable_one(app) -> None:
    page = app.open("/?lr=0.01")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    warning = page.get_by_test_id("stAlertContentWarning").filter(has_text="stable")
    expect(warning.first).to_contain_text(re.compile(r"stable.*(6\.2\d*e-04|0\.00062)"))

    app.rerun(lambda: page.get_by_role("button", name="Use a stable rate").click())
    expect(page.get_by_test_id("stAlertContentWarning").filter(has_text="stable")).to_have_count(0)
    assert float(control_value(page, "Learning rate")) < 0.01
    expect(metric_value(page, "Test R²")).to_have_text("0.95")
    expect_no_errors(page)


def test_every_page_in_the_navigation_opens_without_error(app) -> None:
    page = app.open("/")
    links = page.get_by_test_id("stSidebarNav").get_by_test_id("stSidebarNavLink")
    expect(links).not_to_have_count(0)
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert len(hrefs) >= 2

    # Visit every other page, then come back to the first, by clicking as a visitor would.
    for href in [*hrefs[1:], hrefs[0]]:
        link = page.get_by_test_id("stSidebarNav").locator(f"a[href='{href}']")
        app.rerun(link.click)
        expect(page).to_have_url(href)
        expect(page.locator("h1")).to_be_visible()
        expect_no_errors(page)


def test_a_link_to_a_page_works_as_a_fresh_servers_first_request(fresh_app) -> None:
    # Streamlit's old multipage mode can take over the first run when a folder is named pages/.
    page = fresh_app.open("/theory?noise=5")
    expect_no_errors(page)
    expect(page.locator("h1")).to_have_text("The maths behind the playground")
    links = page.get_by_test_id("stSidebarNav").get_by_test_id("stSidebarNavLink")
    expect(links).to_have_count(3)
    expect(links.nth(0)).to_contain_text("Playground")
    expect(links.nth(1)).to_contain_text("Theory")
    expect(links.nth(2)).to_contain_text("Optimizers")
    assert float(query(page)["noise"][0]) == 5


def test_the_replay_animates_in_the_browser_without_a_rerun(app) -> None:
    page = app.open("/")
    open_tab(app, "Replay")
    chart = page.get_by_test_id("stPlotlyChart").filter(has_text="Replay: gradient descent")
    current = chart.locator("text.slider-label").filter(has_text="after update")  # the slider's current value
    expect(current).to_have_text("after update 0")
    gd_line = chart.locator(".scatterlayer .trace").nth(2).locator("path.js-line")
    start = gd_line.get_attribute("d")
    runs = app.finished_runs

    chart.locator(".updatemenu-button").filter(has_text="Play").click()
    # Plotly steps through every checkpoint's frame to the last one, all in the browser.
    expect(current).to_have_text("after update 100,000", timeout=120_000)
    assert gd_line.get_attribute("d") != start
    assert app.finished_runs == runs
    expect_no_errors(page)


def test_the_bands_toggle_draws_both_bands_and_goes_in_the_url(app) -> None:
    page = app.open("/")
    chart = page.get_by_test_id("stPlotlyChart").filter(has_text=FIT_CHART_TITLE)
    fills = chart.locator(".scatterlayer .trace path.js-fill")
    expect(fills).to_have_count(0)

    app.rerun(page.get_by_test_id("stMain").get_by_text("OLS bands").click)
    legend = chart.locator(".legendtext")
    expect(legend.filter(has_text="95% prediction band")).to_have_count(1)
    expect(legend.filter(has_text="95% confidence band")).to_have_count(1)
    # Each band is a filled polygon that Plotly has drawn with real extent, the prediction band the taller.
    expect(fills).to_have_count(2)
    heights = [fills.nth(i).bounding_box()["height"] for i in range(2)]
    assert heights[0] > heights[1] > 1
    assert query(page)["bands"] == ["true"]
    expect_no_errors(page)


def test_repeats_typed_go_in_the_url_and_survive_a_tab_switch(app) -> None:
    page = app.open("/?view=Repeat")
    box = page.get_by_test_id("stNumberInput").filter(has_text="Repeats K").locator("input")
    expect(box).to_have_value("1000")
    expect(page.get_by_text("of 1,000 intervals cover it").first).to_be_visible()

    box.fill("450")
    app.rerun(lambda: box.press("Enter"))
    expect(page.get_by_text("of 450 intervals cover it").first).to_be_visible()
    assert query(page)["repeats"] == ["450"]

    open_tab(app, "Fit")
    open_tab(app, "Repeat")
    expect(box).to_have_value("450")
    expect(page.get_by_text("of 450 intervals cover it").first).to_be_visible()
    expect_no_errors(page)
