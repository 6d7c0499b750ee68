"""Charts as inline SVG, built on the server: pure functions from series to a model and to markup.

No script and no inline style (the portal's Content-Security-Policy allows neither): shapes carry
SVG presentation attributes (fill, stroke, stroke-dasharray) and class names that
``static/css/charts.css`` may refine. The markup has a ``viewBox`` and ``width="100%"``, so it
scales to its container, a phone's too. Series differ by more than colour: solid, dashed and
dotted lines with circle, square and triangle markers; solid, hatched and outlined columns.

Nothing here knows languages or units: labels, title and description come in as text, and
numbers are formatted by a function the caller passes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from markupsafe import Markup, escape

Formatter = Callable[[Decimal], str]
KINDS = ("line", "column")
NICE_FRACTIONS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))


@dataclass(frozen=True)
class Series:
    """One named row of values, one per category; None where there is nothing to show."""

    key: str  # a short name, used in class names: "current", "previous", "tariff"
    label: str
    values: tuple[Decimal | None, ...]


@dataclass(frozen=True)
class Look:
    """How the n-th series is drawn, recognisable without its colour."""

    colour: str
    dash: str | None  # stroke-dasharray of its line; None: solid
    marker: str  # circle | square | triangle
    fill: str  # solid | hatch | outline (columns)


# Colours have at least 3:1 contrast on white (WCAG 1.4.11); the patterns tell them apart anyway.
LOOKS = (Look("#00527a", None, "circle", "solid"), Look("#a34700", "9 5", "square", "hatch"),
         Look("#1d6b36", "2 5", "triangle", "outline"))
INK, GRID = "#1b1f23", "#c9d3dc"


@dataclass(frozen=True)
class Frame:
    """The drawing's size in its own units (the viewBox) and the room around the plot."""

    width: int = 480  # on a phone (about 360 px wide) text of font_size 15 shows at about 11 px
    height: int = 300
    top: int = 20
    right: int = 10
    bottom: int = 36
    font_size: int = 15
    label_room: int = 64  # horizontal units one category label needs


@dataclass(frozen=True)
class Tick:
    value: Decimal
    y: float
    label: str


@dataclass(frozen=True)
class Category:
    x: float  # centre of its band
    label: str | None  # None: not labelled (too many to label them all)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Drawn:
    """One series as shapes: line segments (runs of points without gaps) or bars."""

    key: str
    label: str
    look: Look
    segments: tuple[tuple[tuple[float, float], ...], ...]
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Chart:
    """Everything the markup needs, in the frame's units."""

    kind: str
    frame: Frame
    left: float  # x where the plot begins (after the value labels)
    baseline: float  # y of the value zero
    unit: str
    title: str
    description: str
    ticks: tuple[Tick, ...]
    categories: tuple[Category, ...]
    series: tuple[Drawn, ...]


# ----- scales ---------------------------------------------------------------------------------
def nice_step(raw: Decimal) -> Decimal:
    """The smallest of 1, 2, 2.5, 5 and 10 times a power of ten that is at least ``raw`` (> 0)."""
    exponent = raw.adjusted()
    fraction = raw.scaleb(-exponent)
    for nice in NICE_FRACTIONS:
        if fraction <= nice:
            return (nice.scaleb(exponent)).normalize()
    raise AssertionError("unreachable: a fraction of at most 10")


def ticks(low: Decimal, high: Decimal, count: int = 5) -> list[Decimal]:
    """Round values from at most ``low`` to at least ``high``, about ``count`` intervals apart.

    The range always includes zero, so columns and lines are read against it.
    """
    low, high = min(low, Decimal(0)), max(high, Decimal(0))
    if low == high:
        high = low + 1
    step = nice_step((high - low) / count)
    first = (low / step).to_integral_value(ROUND_FLOOR) * step
    last = (high / step).to_integral_value(ROUND_CEILING) * step
    steps = int((last - first) / step)
    return [(first + i * step).normalize() + 0 for i in range(steps + 1)]


def label_every(count: int, room: float, need: float) -> int:
    """Label every n-th of ``count`` categories so that each label has ``need`` units of ``room``."""
    fit = max(1, int(room // need))
    return max(1, math.ceil(count / fit))


def _extent(series: Sequence[Series]) -> tuple[Decimal, Decimal]:
    values = [v for s in series for v in s.values if v is not None]
    return (min(values), max(values)) if values else (Decimal(0), Decimal(0))


def _text_width(text: str, frame: Frame) -> float:
    return len(text) * frame.font_size * 0.6


# ----- the model ------------------------------------------------------------------------------
def build(kind: str, categories: Sequence[str], series: Sequence[Series], formatter: Formatter, *, unit: str,
          title: str, description: str, frame: Frame = Frame()) -> Chart:
    """A chart of ``series`` (at most three, each with one value per category) over ``categories``."""
    if kind not in KINDS:
        raise ValueError(f"unknown chart kind {kind!r}; known: {', '.join(KINDS)}")
    if len(series) > len(LOOKS):
        raise ValueError(f"at most {len(LOOKS)} series, got {len(series)}")
    if any(len(s.values) != len(categories) for s in series):
        raise ValueError("every series needs one value per category")
    values = ticks(*_extent(series))
    labels = [formatter(v) for v in values]
    left = max([_text_width(label, frame) for label in labels] + [_text_width(unit, frame)]) + 10
    top, bottom = frame.top + frame.font_size, frame.height - frame.bottom
    low, high = float(values[0]), float(values[-1])

    def y_of(value: Decimal) -> float:
        return bottom - (float(value) - low) / (high - low) * (bottom - top)

    band = (frame.width - frame.right - left) / max(len(categories), 1)
    every = label_every(len(categories), frame.width - frame.right - left, frame.label_room)
    cats = tuple(Category(left + band * (i + 0.5), label if i % every == 0 else None)
                 for i, label in enumerate(categories))
    drawn = tuple(_draw(kind, s, LOOKS[n], n, len(series), cats, band, y_of) for n, s in enumerate(series))
    return Chart(kind, frame, left, y_of(Decimal(0)), unit, title, description,
                 tuple(Tick(v, y_of(v), label) for v, label in zip(values, labels, strict=False)), cats, drawn)


def _draw(kind: str, series: Series, look: Look, index: int, count: int, cats: Sequence[Category], band: float,
          y_of: Callable[[Decimal], float]) -> Drawn:
    if kind == "line":
        return Drawn(series.key, series.label, look, _segments(series.values, cats, y_of), ())
    group = band * 0.8
    width = group / count
    zero = y_of(Decimal(0))
    bars = tuple(Bar(cat.x - group / 2 + index * width, min(y_of(v), zero), width, abs(y_of(v) - zero))
                 for cat, v in zip(cats, series.values, strict=False) if v is not None)
    return Drawn(series.key, series.label, look, (), bars)


def _segments(values: Sequence[Decimal | None], cats: Sequence[Category], y_of: Callable[[Decimal], float],
              ) -> tuple[tuple[tuple[float, float], ...], ...]:
    """Runs of consecutive values; a None breaks the line (no data is not zero)."""
    runs: list[list[tuple[float, float]]] = [[]]
    for cat, value in zip(cats, values, strict=False):
        if value is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((cat.x, y_of(value)))
    return tuple(tuple(run) for run in runs if run)


# ----- markup ---------------------------------------------------------------------------------
def _n(value: float) -> str:
    """A coordinate, to a tenth of a unit."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _attrs(**attrs: object) -> str:
    """Attributes in Python spelling (``stroke_width``, ``class_``); None leaves one out. Text values are
    escaped; numbers need not be."""
    return "".join(f' {_ATTRIBUTE_NAMES.get(key) or _attribute_name(key)}='
                   f'"{value if type(value) in (int, float) else escape(value)}"'
                   for key, value in attrs.items() if value is not None)


_ATTRIBUTE_NAMES: dict[str, str] = {}


def _attribute_name(key: str) -> str:
    name = _ATTRIBUTE_NAMES[key] = key.rstrip("_").replace("_", "-")
    return name


def _tag(name: str, content: str | None = None, /, **attrs: object) -> str:
    """One element (see ``_attrs``); ``content`` is markup already."""
    rendered = _attrs(**attrs)
    return f"<{name}{rendered}/>" if content is None else f"<{name}{rendered}>{content}</{name}>"


def _marker(shape: str, x: float, y: float, colour: str, size: float = 4.5) -> str:
    # The chart's most numerous shapes, written out: coordinates are numbers and colours are LOOKS'
    # own, so nothing needs escaping.
    if shape == "circle":
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(size)}" fill="{colour}"/>'
    if shape == "square":
        side = _n(2 * size)
        return (f'<rect x="{_n(x - size)}" y="{_n(y - size)}" width="{side}" height="{side}"'
                f' fill="{colour}"/>')
    corners = ((x, y - size * 1.2), (x + size * 1.1, y + size * 0.8), (x - size * 1.1, y + size * 0.8))
    points = " ".join(f"{_n(a)},{_n(b)}" for a, b in corners)
    return f'<polygon points="{points}" fill="#ffffff" stroke="{colour}" stroke-width="2"/>'


def _line_paint(look: Look) -> dict[str, object]:
    """Stroke of a series' line: solid and thicker, or dashed or dotted with round ends."""
    return {"stroke": look.colour, "stroke_width": 3 if look.dash is None else 2.5,
            "stroke_dasharray": look.dash, "stroke_linecap": "round" if look.dash else None}


def _pattern_id(chart_id: str, look: Look) -> str:
    return f"{chart_id}-{look.fill}"


def _defs(chart_id: str, looks: Sequence[Look]) -> str:
    """Hatching for the columns drawn with it (a pattern of diagonal lines)."""
    patterns = [_tag("pattern", _tag("rect", width=6, height=6, fill="#ffffff")
                     + _tag("line", x1=0, y1=0, x2=0, y2=6, stroke=look.colour, stroke_width=3),
                     id=_pattern_id(chart_id, look), width=6, height=6, patternUnits="userSpaceOnUse",
                     patternTransform="rotate(45)")
                for look in looks if look.fill == "hatch"]
    return _tag("defs", "".join(patterns)) if patterns else ""


def _bar_paint(chart_id: str, look: Look) -> dict[str, object]:
    if look.fill == "solid":
        return {"fill": look.colour}
    if look.fill == "hatch":
        return {"fill": f"url(#{_pattern_id(chart_id, look)})", "stroke": look.colour, "stroke_width": 1.5}
    return {"fill": "#ffffff", "stroke": look.colour, "stroke_width": 2}


def _series_markup(chart_id: str, drawn: Drawn) -> str:
    look, parts = drawn.look, []
    for run in drawn.segments:
        if len(run) > 1:
            path = "M" + " L".join(f"{_n(x)} {_n(y)}" for x, y in run)
            parts.append(_tag("path", d=path, fill="none", stroke_linejoin="round", **_line_paint(look)))
        parts += [_marker(look.marker, x, y, look.colour) for x, y in run]
    paint = _attrs(**_bar_paint(chart_id, look))
    parts += [f'<rect x="{_n(b.x)}" y="{_n(b.y)}" width="{_n(b.width)}" height="{_n(b.height)}"{paint}/>'
              for b in drawn.bars]
    return _tag("g", "".join(parts), class_=f"series series-{drawn.key}")


def _axes_markup(chart: Chart) -> str:
    """Grid lines, the value labels with the unit above them, the category labels, the zero line."""
    frame, left, right = chart.frame, _n(chart.left), _n(chart.frame.width - chart.frame.right)
    grid = "".join(f'<line x1="{left}" y1="{_n(t.y)}" x2="{right}" y2="{_n(t.y)}" stroke="{GRID}" stroke-width="1"/>'
                   for t in chart.ticks)
    label_x = _n(chart.left - 6)
    values = _tag("text", escape(chart.unit), x=label_x, y=frame.top, text_anchor="end") + "".join(
        _tag("text", escape(t.label), x=label_x, y=_n(t.y), text_anchor="end", dominant_baseline="middle")
        for t in chart.ticks)
    names = "".join(_tag("text", escape(c.label), x=_n(c.x), y=frame.height - 10, text_anchor="middle")
                    for c in chart.categories if c.label is not None)
    zero = _tag("line", x1=left, y1=_n(chart.baseline), x2=right, y2=_n(chart.baseline), stroke=INK,
                stroke_width=1.5)
    return (_tag("g", grid, class_="grid") + _tag("g", values, class_="axis axis-y")
            + _tag("g", names, class_="axis axis-x") + _tag("g", zero, class_="zero"))


def svg(chart: Chart, chart_id: str) -> Markup:
    """The chart as one ``<svg role="img">`` named by its title and described by its description."""
    frame = chart.frame
    content = (_tag("title", escape(chart.title), id=f"{chart_id}-title")
               + _tag("desc", escape(chart.description), id=f"{chart_id}-desc")
               + _defs(chart_id, [d.look for d in chart.series if d.bars]) + _axes_markup(chart)
               + "".join(_series_markup(chart_id, d) for d in chart.series))
    return Markup(_tag("svg", content, xmlns="http://www.w3.org/2000/svg", class_=f"chart chart-{chart.kind}",  # nosec B704  # text escaped where it enters (escape(), _attrs)
                       viewBox=f"0 0 {frame.width} {frame.height}", width="100%", role="img",
                       aria_labelledby=f"{chart_id}-title {chart_id}-desc", font_family="system-ui, sans-serif",
                       font_size=frame.font_size, fill=INK))


def swatch(index: int, kind: str, swatch_id: str) -> Markup:
    """A small picture of the n-th series' line and marker (or column fill) for a legend; hidden from
    screen readers, since the legend's text says the same."""
    look = LOOKS[index]
    if kind == "column":
        content = _defs(swatch_id, [look]) + _tag("rect", x=8, y=1, width=24, height=14, **_bar_paint(swatch_id, look))
    else:
        content = _tag("line", x1=2, y1=8, x2=38, y2=8, **_line_paint(look)) + _marker(look.marker, 20, 8, look.colour)
    return Markup(_tag("svg", content, xmlns="http://www.w3.org/2000/svg", class_="swatch", viewBox="0 0 40 16",  # nosec B704  # text escaped where it enters (escape(), _attrs)
                       width=40, height=16, aria_hidden="true", focusable="false"))
