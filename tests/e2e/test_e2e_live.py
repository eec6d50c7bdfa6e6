"""The app as a visitor lives with it: fast keys, the address bar, shared and hostile links, phones, dark mode."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote, urlparse

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from e2e.conftest import TIMEOUT_MS, App, current_query, current_url, settle
from e2e.test_e2e_app import control_value, expect_no_errors, metric_value, sidebar_control

pytestmark = pytest.mark.e2e

NOISE = "Noise σ"
HEADLINE = ("Test R²", "Test MSE", "w₁ (slope)", "w₂ (intercept)")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 1000}
EVIL_HOST = "evil.example"

# The main area's caption says which settings the shown results were computed with.
CAPTION_JS = """
() => [...document.querySelectorAll("[data-testid='stMain'] [data-testid='stCaptionContainer']")]
        .map((c) => c.textContent).find((t) => t.includes("Gaussian noise")) ?? ""
"""

# The noise slider shows ``value`` and the results on the page were computed with it.
NOISE_SHOWN_JS = f"""
(value) => {{
  const slider = [...document.querySelectorAll("[data-testid='stSidebar'] [data-testid='stSlider']")]
    .find((s) => s.textContent.includes("Noise"));
  const thumb = slider?.querySelector("input[type='range'], [role='slider']");
  if (!thumb || Number(thumb.value) !== value) return false;
  return ({CAPTION_JS})().includes(`noise σ = ${{value}} (`);
}}
"""


def caption(page: Page) -> str:
    return page.evaluate(CAPTION_JS)


def headline(page: Page) -> dict[str, str]:
    """The four headline numbers under the tabs, by label."""
    return {label: metric_value(page, label).first.inner_text() for label in HEADLINE}


def fresh_load(context: BrowserContext, url: str, path: str) -> dict[str, str]:
    """The headline numbers a new tab shows for ``path``."""
    other = App(context.new_page(), url)
    try:
        page = other.open(path)
        expect_no_errors(page)
        return headline(page)
    finally:
        other.page.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator:
    """Make extra browser contexts (another visitor, a phone, dark mode), closed after the test."""
    contexts: list[BrowserContext] = []

    def make(**options) -> BrowserContext:
        context = browser.new_context(**({"viewport": DESKTOP} | options))
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


# 1. Fast key presses


def test_every_key_press_lands(app) -> None:
    page = app.open("/")
    thumb, right, _ = sidebar_control(page, NOISE)
    assert float(control_value(page, NOISE)) == 25
    thumb.focus()
    value = 25.0
    for _ in range(3):
        # The thumb keeps the keyboard focus across the runs, as it does for a visitor who keeps pressing.
        expect(thumb).to_be_focused()
        runs = app.finished_runs
        for _ in range(8):
            page.keyboard.press(right)
            page.wait_for_timeout(50)  # a visitor's pace, not a wait for state: presses land mid-run
        value += 8 * 0.5
        # Runs cut short by the next press never finish; wait for the run with the last value to be drawn.
        settle(page, NOISE_SHOWN_JS, value, what=f"noise {value:g} on the slider and in the results")
        assert app.finished_runs > runs

        assert float(control_value(page, NOISE)) == value
        assert current_query(page).get("noise") == [f"{value:g}"]
        assert f"noise σ = {value:g} (" in caption(page)
        expected = fresh_load(page.context, app.url, f"/?noise={value:g}")
        assert headline(page)["Test MSE"] == expected["Test MSE"]
        assert headline(page) == expected
    expect_no_errors(page)


# 2. The address bar follows the controls without filling the history


def test_moving_a_control_adds_no_history_entry(app) -> None:
    page = app.page
    page.goto("data:text/html,<title>Before the app</title><p>The page before the app</p>")
    app.open("/")
    length = page.evaluate("history.length")
    thumb, right, _ = sidebar_control(page, NOISE)
    thumb.focus()
    for _ in range(5):
        app.rerun(lambda: page.keyboard.press(right))
    settle(page, NOISE_SHOWN_JS, 27.5, what="noise 27.5")
    assert current_query(page).get("noise") == ["27.5"]
    assert page.evaluate("history.length") == length

    # One step back leaves the app: the five moves replaced the entry instead of adding to it.
    page.go_back()
    page.wait_for_function("() => location.protocol === 'data:'")
    expect(page.get_by_text("The page before the app")).to_be_visible()
    assert not current_url(page).startswith(app.url)


# 3. A shared link


def test_a_shared_link_reproduces_the_view(app, new_context) -> None:
    page = app.open("/")
    moves = {NOISE: ("ArrowRight", 2), "Sample size n": ("ArrowRight", 1), "Learning rate α": ("ArrowLeft", 1)}
    for label, (key, times) in moves.items():
        control, _, _ = sidebar_control(page, label)
        control.focus()
        for _ in range(times):
            app.rerun(lambda key=key: page.keyboard.press(key))
    app.rerun(page.get_by_role("tab", name="Loss").click)
    expect(page.get_by_test_id("stPlotlyChart").filter(has_text="iteration")).to_be_visible()

    link = current_url(page)
    assert current_query(page) == {
        "noise": ["26"],
        "n": ["500"],
        "lr": ["4.9e-04"],
        "view": ["Loss"],
    }
    shown = {label: control_value(page, label) for label in moves}
    numbers = headline(page)

    other = App(new_context().new_page(), app.url)  # another visitor who was sent the link
    copy = other.open(link.removeprefix(app.url))
    expect_no_errors(copy)
    assert {label: control_value(copy, label) for label in moves} == shown
    expect(copy.get_by_role("tab", name="Loss")).to_have_attribute("aria-selected", "true")
    expect(copy.get_by_test_id("stPlotlyChart").filter(has_text="iteration")).to_be_visible()
    assert headline(copy) == numbers
    assert current_url(copy) == link


# 4. Links from outside the controls


def test_a_url_pasted_in_an_open_tab_applies(app) -> None:
    page = app.open("/")
    thumb, right, _ = sidebar_control(page, NOISE)
    thumb.focus()
    app.rerun(lambda: page.keyboard.press(right))
    assert current_query(page).get("noise") == ["25.5"]

    app.open("/?noise=40&slope=2")
    expect_no_errors(page)
    assert float(control_value(page, NOISE)) == 40
    assert float(control_value(page, "True slope")) == 2
    assert "y = 2x + 10, with Gaussian noise σ = 40 (" in caption(page)
    assert current_query(page) == {"noise": ["40"], "slope": ["2"]}
    assert headline(page) == fresh_load(page.context, app.url, "/?noise=40&slope=2")


def test_the_theory_link_opens_the_playground_standardized(app) -> None:
    page = app.open("/theory")
    link = page.get_by_role("link", name="Try it: open the playground with x standardized")
    app.rerun(link.click)
    expect_no_errors(page)
    expect(page.locator("h1")).to_have_text("Linear regression by gradient descent")
    toggle = page.get_by_test_id("stSidebar").get_by_test_id("stCheckbox").filter(has_text="Standardize x")
    expect(toggle.locator("input")).to_be_checked()
    assert current_query(page).get("standardize") == ["true"]
    assert "Gradient descent on standardized x" in caption(page)


def test_the_navigation_keeps_a_changed_value(app) -> None:
    page = app.open("/")
    thumb, right, _ = sidebar_control(page, NOISE)
    thumb.focus()
    for _ in range(2):
        app.rerun(lambda: page.keyboard.press(right))
    nav = page.get_by_test_id("stSidebarNav")

    app.rerun(nav.get_by_role("link", name="Theory").click)
    expect(page.locator("h1")).to_have_text("The maths behind the playground")
    assert current_query(page).get("noise") == ["26"]

    app.rerun(nav.get_by_role("link", name="Playground").click)
    expect_no_errors(page)
    assert float(control_value(page, NOISE)) == 26
    assert current_query(page).get("noise") == ["26"]
    assert "noise σ = 26 (" in caption(page)


def test_a_hand_typed_rate_in_the_sliders_own_format_applies(app) -> None:
    # The slider shows its largest rate as 1.0e+00; typed into a link, it must select that rate.
    page = app.open("/?lr=1.0e+00")
    assert control_value(page, "Learning rate α") == "1.0e+00"
    expect(page.get_by_test_id("stMain").get_by_test_id("stAlert").filter(has_text="The link's")).to_have_count(0)
    expect(page.get_by_test_id("stMain").get_by_test_id("stAlert").filter(has_text="Diverged")).to_have_count(1)


# 5. Hostile URL values


HOSTILE = [
    ("slope", "[Session expired, log in](https://evil.example/login)", "[Session expired, log in](https://evil"),
    ("intercept", "![x](https://evil.example/p.png)", "![x](https://evil.example/p.png)"),
    ("noise", ":red[**big**]", ":red[**big**]"),
    ("seed", "$x^2$", "$x^2$"),
    ("lr", "<b>bold</b><img src=https://evil.example/q.png>", "<b>bold</b><img src=https://evil.example/q.png>"),
    ("n", "https://evil.example/auto", "https://evil.example/auto"),
    ("slope", "A" * 30_000, "A" * 40),
]


@pytest.mark.parametrize(
    ("key", "value", "literal"), HOSTILE, ids=["link", "image", "colour", "katex", "html", "autolink", "30-kB"]
)
def test_a_hostile_url_value_is_shown_inert(app, key: str, value: str, literal: str) -> None:
    page = app.page
    evil_requests: list[str] = []
    page.on("request", lambda r: evil_requests.append(r.url) if _is_evil(r.url) else None)
    app.open(f"/?{key}={quote(value, safe='')}")

    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(metric_value(page, "Test R²")).to_have_text("0.95")
    expect(page.locator(f"a[href*='{EVIL_HOST}' i]")).to_have_count(0)
    expect(page.locator(f"img[src*='{EVIL_HOST}' i]")).to_have_count(0)

    alerts = page.get_by_test_id("stMain").get_by_test_id("stAlert")
    expect(alerts.locator(".katex")).to_have_count(0)
    expect(alerts.locator("strong")).to_have_count(0)
    notice = alerts.filter(has_text=f"The link's {key} =")
    expect(notice).to_have_count(1)
    text = notice.inner_text()
    assert literal in text
    assert "was ignored" in text
    for alert_text in alerts.all_inner_texts():
        assert len(alert_text) < 300
        assert max((len(run) for run in re.findall("A+", alert_text)), default=0) <= 60
    # The address bar drops the invalid value: the defaults are what the page shows.
    assert key not in current_query(page)
    assert evil_requests == []


def _is_evil(url: str) -> bool:
    host = urlparse(url).hostname or ""
    return host == EVIL_HOST or host.endswith("." + EVIL_HOST)


# 6. A phone


PAGE_OVERFLOW_JS = """
() => {
  const main = document.querySelector("[data-testid='stMain']");
  return {
    body: document.scrollingElement.scrollWidth,
    main: main.scrollWidth - main.clientWidth,
  };
}
"""

# Each display equation either fits its box or scrolls inside it, never the page.
EQUATIONS_JS = """
() => [...document.querySelectorAll("[data-testid='stMain'] .katex-display")].map((e) => ({
  text: e.textContent.slice(0, 40),
  overflow: e.scrollWidth - e.clientWidth,
  scrolls: ["auto", "scroll"].includes(getComputedStyle(e).overflowX),
  right: e.getBoundingClientRect().right,
}))
"""


def test_on_a_phone_the_chart_comes_first_and_nothing_scrolls_sideways(app, new_context) -> None:
    phone_app = App(new_context(viewport=PHONE).new_page(), app.url)
    page = phone_app.open("/")
    expect_no_errors(page)
    chart = page.get_by_test_id("stMain").get_by_test_id("stPlotlyChart").first
    expect(chart).to_be_visible()
    chart_top = chart.bounding_box()["y"]
    boxes = [m.bounding_box() for m in page.get_by_test_id("stMain").get_by_test_id("stMetric").all()]
    assert len(boxes) == 4
    metrics_top = min(b["y"] for b in boxes)
    metrics_bottom = max(b["y"] + b["height"] for b in boxes)
    assert chart_top < metrics_top
    assert metrics_bottom - metrics_top < 300
    widths = page.evaluate(PAGE_OVERFLOW_JS)
    assert widths["body"] <= PHONE["width"] + 1
    assert widths["main"] <= 1

    page = phone_app.open("/theory")
    expect_no_errors(page)
    expect(page.locator(".katex-display").first).to_be_visible()
    widths = page.evaluate(PAGE_OVERFLOW_JS)
    assert widths["body"] <= PHONE["width"] + 1
    assert widths["main"] <= 1
    equations = page.evaluate(EQUATIONS_JS)
    assert len(equations) >= 8
    for equation in equations:
        assert equation["overflow"] <= 1 or equation["scrolls"], equation
        assert equation["right"] <= PHONE["width"], equation


# 7. Dark mode

# The colour the test points are drawn in and the colour behind them, as the browser paints them.
POINTS_AND_BACKGROUND_JS = """
() => {
  const chart = [...document.querySelectorAll("[data-testid='stPlotlyChart']")]
    .find((c) => c.querySelector(".gtitle")?.textContent === "The fit on the test data");
  const point = chart?.querySelector(".scatterlayer .trace:first-child path.point");
  if (!point) return null;
  const style = getComputedStyle(point);
  const trace = point.closest(".trace");
  const alpha = Number(style.opacity) * Number(style.fillOpacity) * Number(getComputedStyle(trace).opacity);
  const layers = [];
  const plot = chart.querySelector(".bglayer rect.bg");
  if (plot) layers.push(getComputedStyle(plot).fill + "/" + getComputedStyle(plot).fillOpacity);
  for (let e = chart.querySelector("svg.main-svg"); e; e = e.parentElement) {
    layers.push(getComputedStyle(e).backgroundColor + "/1");
  }
  return {
    legend: chart.querySelector(".legendtext")?.textContent,
    fill: style.fill,
    alpha,
    layers,
    app: getComputedStyle(document.querySelector("[data-testid='stApp']")).backgroundColor,
  };
}
"""


def parse_rgba(css: str) -> tuple[float, float, float, float]:
    """``rgb(1, 2, 3)`` or ``rgba(1, 2, 3, 0.5)`` (optionally with ``/opacity`` appended) as 0-255 RGB and alpha."""
    colour, _, extra = css.partition("/")
    numbers = [float(n) for n in re.findall(r"[\d.]+", colour)]
    alpha = numbers[3] if len(numbers) > 3 else 1.0
    return numbers[0], numbers[1], numbers[2], alpha * (float(extra) if extra else 1.0)


def over(top: tuple[float, float, float, float], below: tuple[float, float, float]) -> tuple[float, float, float]:
    """``top`` painted with its alpha over the opaque ``below``."""
    a = top[3]
    return tuple(a * t + (1 - a) * b for t, b in zip(top[:3], below, strict=True))


def luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG relative luminance of an sRGB colour given as 0-255 channels."""

    def linear(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """WCAG contrast ratio, from 1 to 21."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def background(layers: list[str]) -> tuple[float, float, float]:
    """The colour seen through the stacked layers, topmost first, down to the first opaque one."""
    stack = [parse_rgba(layer) for layer in layers]
    colour = (255.0, 255.0, 255.0)  # the browser's canvas under everything
    for layer in reversed(stack):
        colour = over(layer, colour)
    return colour


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_test_points_stand_out_in_light_and_dark_mode(app, new_context, scheme: str) -> None:
    page = App(new_context(color_scheme=scheme).new_page(), app.url).open("/")
    expect_no_errors(page)
    seen = page.wait_for_function(POINTS_AND_BACKGROUND_JS).json_value()
    assert seen["legend"] == "Test data"
    app_background = parse_rgba(seen["app"])
    if scheme == "dark":
        assert luminance(app_background[:3]) < 0.05, seen["app"]
    else:
        assert luminance(app_background[:3]) > 0.8, seen["app"]
    behind = background(seen["layers"])
    points = over((*parse_rgba(seen["fill"])[:3], seen["alpha"]), behind)
    assert contrast(points, behind) >= 3, (seen, points, behind)


# 8. A huge input


def test_the_largest_settings_load_and_draw_a_sample(app) -> None:
    page = app.open("/?n=100k&n_iters=1M&show_train=true")
    expect_no_errors(page)
    chart = page.get_by_test_id("stPlotlyChart").filter(has_text="The fit on the test data")
    legend = chart.locator(".legendtext")
    expect(legend.filter(has_text="Train data (25,000 of 80,000 shown)")).to_have_count(1)
    expect(legend.filter(has_text=re.compile(r"^Test data"))).to_have_count(1)
    assert "100,000 points" in caption(page)
    assert "1,000,000 iterations" in caption(page)
    assert current_query(page) == {"n": ["100k"], "n_iters": ["1M"], "show_train": ["true"]}
    expect(metric_value(page, "Test R²")).to_have_text(re.compile(r"^0\.\d\d$"))
