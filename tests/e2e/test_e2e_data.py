"""Your own data in a real browser: an uploaded file through the file input, a bad one, hostile column names,
a bundled table from a link, and a table on a phone."""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Browser, Dialog, Locator, Page, expect

from e2e.conftest import TIMEOUT_MS, App, current_query, current_url, settle
from e2e.test_e2e_app import expect_no_errors, metric_value, open_tab, save_full_page_screenshot

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("E2E_SHOTS", "/tmp/e2e-shots"))
PHONE = {"width": 390, "height": 844}
PREDICTED_VS_ACTUAL = "Predicted vs actual on the test data"
COEFFICIENTS = "Coefficients: gradient descent and least squares"
STANDARDIZED = "Standardized coefficients (beta weights)"
MULTI_HEADLINE = ("Test R²", "Test MSE", "‖θ_GD − θ_OLS‖")
# The first bytes of a real PNG file: signature, then the IHDR chunk of a 1×1 image.
PNG_BYTES = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + bytes(64)

# The main area's caption that says what the shown results were computed on.
CAPTION_JS = """
() => [...document.querySelectorAll("[data-testid='stMain'] [data-testid='stCaptionContainer']")]
        .map((c) => c.textContent).find((t) => / rows?, \\d+ features? to predict/.test(t)) ?? ""
"""

# Per marker trace of the chart titled ``title``, how many points Plotly drew in the SVG; null until it has.
CHART_POINTS_JS = """
(title) => {
  const chart = [...document.querySelectorAll("[data-testid='stPlotlyChart']")]
    .find((c) => c.querySelector(".gtitle")?.textContent === title);
  if (!chart) return null;
  const counts = [...chart.querySelectorAll(".scatterlayer .trace")]
    .map((t) => t.querySelectorAll("path.point").length).filter((n) => n > 0);
  return counts.length ? counts : null;
}
"""

# The y-axis tick labels of the chart whose title starts with ``title``, and per bar trace each bar's drawn
# width and height in pixels; null until Plotly has drawn them.
BARS_JS = """
(title) => {
  const chart = [...document.querySelectorAll("[data-testid='stPlotlyChart']")]
    .find((c) => c.querySelector(".gtitle")?.textContent.startsWith(title));
  if (!chart) return null;
  const ticks = [...chart.querySelectorAll(".yaxislayer-above .ytick text")].map((t) => t.textContent);
  const bars = [...chart.querySelectorAll(".barlayer .trace")].map((t) =>
    [...t.querySelectorAll(".point path")].map((p) => {
      const box = p.getBoundingClientRect();
      return { width: box.width, height: box.height };
    }));
  return ticks.length && bars.length ? { ticks, bars } : null;
}
"""

# The rows of the first data frame in the open tab, read from the grid's accessible table; null until drawn.
GRID_ROWS_JS = """
() => {
  const rows = [...document.querySelectorAll("[data-testid='stMain'] [data-testid='stDataFrame'] table tr")]
    .map((r) => [...r.children].map((c) => c.textContent));
  return rows.length > 1 ? rows : null;
}
"""

PAGE_OVERFLOW_JS = """
() => {
  const main = document.querySelector("[data-testid='stMain']");
  return { body: document.scrollingElement.scrollWidth, main: main.scrollWidth - main.clientWidth };
}
"""

# Every visible text node of the page (SVG text included) that contains ``token``.
TEXTS_WITH_JS = """
(token) => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const found = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (parent.closest("script, style, template")) continue;
    if (node.textContent.includes(token)) found.push(node.textContent);
  }
  return found;
}
"""


# --- helpers ------------------------------------------------------------------------------------------------


def sidebar_select(page: Page, label: str) -> Locator:
    return page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has_text=label)


def pick(page: Page, label: str, option: str) -> None:
    """Open the sidebar selectbox ``label`` and click ``option`` in its list, as a visitor does."""
    sidebar_select(page, label).click()
    page.get_by_role("option", name=option, exact=True).click()


def features_select(page: Page) -> Locator:
    return page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(has_text="Features X")


def chips(page: Page) -> list[str]:
    """The texts of the chosen features' chips."""
    return features_select(page).locator("[data-tag] > span[title]").all_text_contents()


def caption(page: Page) -> str:
    return page.evaluate(CAPTION_JS)


def headline(page: Page, labels: tuple[str, ...] = MULTI_HEADLINE) -> dict[str, str]:
    return {label: metric_value(page, label).first.inner_text() for label in labels}


def status(page: Page) -> Locator:
    return page.get_by_test_id("stMain").get_by_test_id("stAlert").filter(has_text="Converged")


def chart_points(page: Page, title: str) -> list[int]:
    return page.wait_for_function(CHART_POINTS_JS, arg=title).json_value()


def bars(page: Page, title: str) -> dict:
    return page.wait_for_function(BARS_JS, arg=title).json_value()


def grid_rows(page: Page) -> dict[str, list[str]]:
    """The first data frame of the open tab, row label to the other cells, with the header under ''."""
    rows = page.wait_for_function(GRID_ROWS_JS).json_value()
    return {row[0]: row[1:] for row in rows}


def choose_upload(app: App) -> Page:
    """Open the playground and pick "upload" in the Data set selectbox: the file input appears."""
    page = app.open("/")
    app.rerun(lambda: pick(page, "Data set", "upload"))
    expect(sidebar_select(page, "Data set").locator("input")).to_have_value("upload")
    expect(page.get_by_test_id("stSidebar").get_by_test_id("stFileUploader")).to_contain_text("Your table")
    return page


def upload(app: App, path: Path) -> None:
    """Give the file input ``path``, as the file dialog does, and wait for the run that reads it."""
    file_input = app.page.get_by_test_id("stSidebar").locator("[data-testid='stFileUploader'] input[type=file]")
    app.rerun(lambda: file_input.set_input_files(path))


def write_csv(path: Path, header: list[str] | str, columns: list[np.ndarray]) -> Path:
    """A CSV of ``columns`` under ``header``: a list of names, or the header line exactly as written."""
    with path.open("w", newline="") as f:
        if isinstance(header, str):
            f.write(header + "\r\n")
        else:
            csv.writer(f).writerow(header)
        csv.writer(f).writerows(zip(*(np.round(c, 6) for c in columns), strict=True))
    return path


def linear_table(tmp_path: Path) -> Path:
    """300 rows of y = 1.5p − 2q + 0.5r + 4 plus a little noise, seeded."""
    rng = np.random.default_rng(20240611)
    p, q, r = rng.normal(size=(3, 300))
    y = 1.5 * p - 2 * q + 0.5 * r + 4 + rng.normal(scale=0.05, size=300)
    return write_csv(tmp_path / "linear.csv", ["p", "q", "r", "y"], [p, q, r, y])


def fit_p_and_q(app: App, tmp_path: Path) -> Page:
    """Upload the linear table, choose y as the target and p, q as the features (r removed by its chip's ✕)."""
    page = choose_upload(app)
    upload(app, linear_table(tmp_path))
    expect(page.get_by_test_id("stSidebar").get_by_test_id("stFileChipName")).to_have_text("linear.csv")
    target = sidebar_select(page, "Target y")
    expect(target.locator("input")).to_be_visible()

    target.click()
    expect(page.get_by_role("option")).to_have_text(["p", "q", "r", "y"])
    page.get_by_role("option", name="y", exact=True).click()
    expect(page.get_by_role("listbox")).to_have_count(0)
    expect(target.locator("input")).to_have_value("y")

    assert chips(page) == ["p", "q", "r"]
    app.rerun(features_select(page).get_by_role("button", name="Remove r").click)
    settle(page, f"() => ({CAPTION_JS})().includes('2 features')", what="a fit on two features")
    assert chips(page) == ["p", "q"]
    return page


@pytest.fixture
def phone(browser: Browser, app_url: str) -> Iterator[App]:
    """The app in a tab of a 390 px wide phone."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    context.set_default_timeout(TIMEOUT_MS)
    yield App(context.new_page(), app_url)
    context.close()


# --- 1. An upload through the file input ----------------------------------------------------------------------


def test_an_uploaded_csv_fits_the_chosen_target_and_features(app, tmp_path) -> None:
    page = fit_p_and_q(app, tmp_path)
    expect_no_errors(page)
    assert caption(page).startswith("300 rows, 2 features to predict the target; 240 train and 60 test.")
    expect(status(page)).to_have_count(1)
    expect(status(page)).to_contain_text("Converged:")
    expect(page.get_by_role("tab", name="Fit")).to_have_attribute("aria-selected", "true")

    # Predicted vs actual: the 60 test points, for least squares and for gradient descent.
    assert chart_points(page, PREDICTED_VS_ACTUAL) == [60, 60]
    expect(
        page.get_by_test_id("stMain").get_by_test_id("stSelectbox").filter(has_text="Partial view along")
    ).to_be_visible()
    for label in MULTI_HEADLINE:
        expect(metric_value(page, label)).to_have_count(1)
    expect(metric_value(page, "Test R²")).to_have_text(re.compile(r"^0\.9\d$"))

    query = current_query(page)
    assert query.get("data") == ["upload"]
    assert query.get("features") == ["p", "q"]

    save_full_page_screenshot(page, SHOTS / "upload-fit-1400-full.png")

    open_tab(app, "Numbers")
    rows = grid_rows(page)
    assert rows[""] == ["Gradient descent", "Least squares (OLS)"]
    assert list(rows) == ["", "p", "q", "(intercept)"]
    gd = {name: float(rows[name][0].replace("−", "-")) for name in ("p", "q", "(intercept)")}
    assert gd["p"] == pytest.approx(1.5, abs=0.05)
    assert gd["q"] == pytest.approx(-2.0, abs=0.05)
    assert gd["(intercept)"] == pytest.approx(4.0, abs=0.2)  # r is left out: its 0.5·r lands in the noise
    assert current_query(page).get("view") == ["Numbers"]
    save_full_page_screenshot(page, SHOTS / "upload-numbers-1400-full.png")


# --- 2. A bad file after a good one ---------------------------------------------------------------------------


def test_a_bad_file_after_a_good_one_says_why_and_keeps_the_last_view(app, tmp_path) -> None:
    page = fit_p_and_q(app, tmp_path)
    expect_no_errors(page)
    good = headline(page)
    good_caption = caption(page)

    bad = tmp_path / "bad.csv"
    bad.write_bytes(PNG_BYTES)
    upload(app, bad)

    error = page.get_by_test_id("stAlertContentError")
    expect(error).to_have_count(1)
    expect(error).to_contain_text("bad.csv is not a table: it looks like a PNG image.")
    expect(error.locator("code")).to_contain_text("bad.csv is not a table")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stMain").get_by_text("Showing the last data that worked.")).to_be_visible()
    assert headline(page) == good
    assert caption(page) == good_caption
    expect(status(page)).to_contain_text("Converged:")
    assert chart_points(page, PREDICTED_VS_ACTUAL) == [60, 60]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "upload-bad-file-1400.png")


# --- 3. Hostile column names ----------------------------------------------------------------------------------

FORMULA = "=cmd|' /C calc'!A0"
SCRIPT = "<script>alert(1)</script>"
LINK = "[link](http://x)"
RED = ":red[boom]"
# Each hostile name, with a piece of it that would survive if it were rendered instead of shown.
HOSTILE = {FORMULA: "calc", SCRIPT: "alert(1)", LINK: "http://x", RED: "boom"}


def test_hostile_column_names_are_shown_as_plain_text(app, tmp_path) -> None:
    page = choose_upload(app)
    dialogs: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    scripts_before = page.evaluate("document.scripts.length")

    rng = np.random.default_rng(7)
    a, b, c, d = rng.normal(size=(4, 120))
    y = a - b + 2 * c + 0.5 * d + 1 + rng.normal(scale=0.1, size=120)
    header = f'"{FORMULA}","{SCRIPT}","{LINK}","{RED}",y'
    path = write_csv(tmp_path / "hostile.csv", header, [a, b, c, d, y])
    upload(app, path)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    settle(page, f"() => ({CAPTION_JS})().includes('4 features')", what="a fit on the four hostile columns")
    expect(status(page)).to_contain_text("Converged:")

    # The chips say the names literally.
    assert chips(page) == [FORMULA, SCRIPT, LINK, RED]
    # So do the Plotly charts: the partial view's selectbox and title, then the coefficients' tick labels.
    chart_points(page, PREDICTED_VS_ACTUAL)
    partial = page.get_by_test_id("stMain").get_by_test_id("stSelectbox").filter(has_text="Partial view along")
    expect(partial.locator("input")).to_have_value(FORMULA)
    open_tab(app, "Coefficients")
    drawn = bars(page, STANDARDIZED)  # standardized by default; the intercept has no standardized value
    assert drawn["ticks"] == [FORMULA, SCRIPT, LINK, RED]
    assert [len(trace) for trace in drawn["bars"]] == [4, 4]  # gradient descent and least squares

    # Nothing was rendered: no link, no script, no colour, no dialog, and every trace of a name is the whole name.
    expect(page.locator("a[href*='http://x']")).to_have_count(0)
    links = page.evaluate("[...document.querySelectorAll('a[href]')].map((a) => a.href)")
    assert all(link.startswith(app.url + "/") for link in links), links  # the navigation and heading anchors
    assert page.evaluate("document.scripts.length") == scripts_before
    assert not page.evaluate("[...document.scripts].some((s) => s.textContent.includes('alert(1)'))")
    coloured = page.locator(".stMarkdownColoredText, .stMarkdownColoredBackground, [style*='color']")
    expect(coloured.filter(has_text="boom").filter(has_not_text=RED)).to_have_count(0)
    for name, token in HOSTILE.items():
        texts = page.evaluate(TEXTS_WITH_JS, token)
        assert texts, f"{name!r} is shown nowhere"
        assert all(name in text for text in texts), (name, texts)
    open_tab(app, "Fit")
    for name, token in HOSTILE.items():
        texts = page.evaluate(TEXTS_WITH_JS, token)
        assert all(name in text for text in texts), (name, texts)
    assert dialogs == []


# --- 4. A bundled table from a link ---------------------------------------------------------------------------

LONGLEY = ["gnp_deflator", "gnp", "unemployed", "armed_forces", "population", "year"]


def test_longley_from_a_link_converges_and_draws_its_coefficients(app) -> None:
    page = app.open("/?data=longley")
    expect_no_errors(page)
    expect(sidebar_select(page, "Data set").locator("input")).to_have_value("longley")
    assert caption(page).startswith("16 rows, 6 features to predict the target;")
    expect(status(page)).to_contain_text("Converged:")
    assert chips(page) == LONGLEY
    open_tab(app, "Coefficients")
    # Standardized by default: the six weights are comparable and every one of them shows.
    drawn = bars(page, STANDARDIZED)
    assert drawn["ticks"] == LONGLEY
    assert [len(trace) for trace in drawn["bars"]] == [6, 6]
    assert all(bar["width"] >= 3 and bar["height"] > 5 for trace in drawn["bars"] for bar in trace), drawn

    # In the data's units the intercept (about −3.5 million) dwarfs the six weights.
    toggle = page.get_by_test_id("stMain").get_by_test_id("stCheckbox").filter(has_text="Standardized coefficients")
    app.rerun(toggle.locator("label").click)
    expect(toggle.locator("input")).not_to_be_checked()
    drawn = bars(page, COEFFICIENTS)
    assert drawn["ticks"] == [*LONGLEY, "(intercept)"]
    # One bar per row for gradient descent and one for least squares, each in its own band of the row.
    assert [len(trace) for trace in drawn["bars"]] == [7, 7]
    assert all(bar["height"] > 5 for trace in drawn["bars"] for bar in trace)
    assert all(trace[-1]["width"] > 100 for trace in drawn["bars"])
    assert current_query(page).get("data") == ["longley"]
    assert current_query(page).get("view") == ["Coefficients"]


# --- 5. A table on a phone ------------------------------------------------------------------------------------


def test_tips_on_a_phone_shows_the_chart_first_and_does_not_scroll_sideways(phone) -> None:
    page = phone.open("/?data=tips&features=total_bill&features=day")
    expect_no_errors(page)
    # day enters as three dummy columns.
    assert caption(page).startswith("244 rows, 4 features to predict the target;")
    chart = page.get_by_test_id("stMain").get_by_test_id("stPlotlyChart").first
    expect(chart).to_be_visible()
    chart_points(page, PREDICTED_VS_ACTUAL)
    metrics = page.get_by_test_id("stMain").get_by_test_id("stMetric")
    expect(metrics).to_have_count(3)
    boxes = [m.bounding_box() for m in metrics.all()]
    assert chart.bounding_box()["y"] < min(b["y"] for b in boxes)
    for box in boxes:
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    widths = page.evaluate(PAGE_OVERFLOW_JS)
    assert widths["body"] <= PHONE["width"], widths
    assert widths["main"] <= 1, widths
    assert current_query(page).get("features") == ["total_bill", "day"], current_url(page)
    save_full_page_screenshot(page, SHOTS / "tips-phone-390-full.png")


# Where each chart's title is drawn, and the Plotly toolbar buttons shown over the chart, if any.
TITLES_AND_TOOLBARS_JS = """
() => [...document.querySelectorAll("[data-testid='stMain'] [data-testid='stPlotlyChart']")].map((chart) => {
  const rect = (e) => {
    const b = e.getBoundingClientRect();
    return { left: b.left, right: b.right, top: b.top, bottom: b.bottom };
  };
  const title = chart.querySelector(".gtitle");
  const groups = [...chart.querySelectorAll(".modebar-group")].filter((g) => Number(getComputedStyle(g).opacity) > 0);
  return { title: title?.textContent, box: title && rect(title), chart: rect(chart), toolbar: groups.map(rect) };
})
"""


def overlaps(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def test_on_a_touch_phone_every_chart_title_is_whole_and_uncovered(phone) -> None:
    page = phone.open("/?data=tips&features=total_bill&features=day")
    expect_no_errors(page)
    chart_points(page, PREDICTED_VS_ACTUAL)
    page.wait_for_function("() => document.querySelectorAll(\"[data-testid='stPlotlyChart'] .gtitle\").length >= 2")
    charts = page.evaluate(TITLES_AND_TOOLBARS_JS)
    assert len(charts) == 2
    problems = []
    for chart in charts:
        if chart["box"]["right"] > chart["chart"]["right"] or chart["box"]["left"] < chart["chart"]["left"]:
            problems.append(f"{chart['title']!r} runs past its chart: {chart['box']} in {chart['chart']}")
        if any(overlaps(chart["box"], group) for group in chart["toolbar"]):
            problems.append(f"{chart['title']!r} lies under the Plotly toolbar")
    assert problems == []
