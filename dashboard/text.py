"""Text from a visitor (URL values, later file and column names), made inert for display.

Streamlit renders Markdown in alerts, captions and labels: links, images, ``:red[...]``
colours, ``$...$`` KaTeX and autolinked addresses. A code span renders none of them, so
every visitor-supplied value is shown as one, after its line breaks and control
characters are flattened (a blank line would end the span) and it is cut to ``limit``
characters.
"""

from __future__ import annotations

import re

LIMIT = 60
_BREAKS = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_TICKS = re.compile(r"`+")


def shorten(text: str, limit: int = LIMIT) -> str:
    """``text`` on one line, cut to at most ``limit`` characters with an ellipsis."""
    flat = _BREAKS.sub(" ", str(text)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def inert(text: str, limit: int = LIMIT) -> str:
    """``text`` as a Markdown code span that renders literally, whatever it holds.

    Examples
    --------
    >>> inert("[log in](https://evil.example)")
    '` [log in](https://evil.example) `'
    >>> inert("a `tick`")
    '`` a `tick` ``'
    """
    short = shorten(text, limit)
    fence = "`" * (max((len(run) for run in _TICKS.findall(short)), default=0) + 1)
    return f"{fence} {short} {fence}"
