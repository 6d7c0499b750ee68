"""Server-side SVG charts (pure): nice scales, thinned labels, lines with gaps, columns, and markup a
strict Content-Security-Policy and a screen reader accept."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal as D

import pytest

from portal import charts

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def _chart(kind: str = "line", values: tuple = (D(1), None, D("3.5")), **kw: object) -> charts.Chart:
    series = [charts.Series("current", "This period", values),
              charts.Series("previous", "A year earlier", tuple(D(2) for _ in values))]
    return charts.build(kind, [f"m{i}" for i in range(len(values))], series, lambda v: f"<{v}>", unit="m³",
                        title="Consumption <per month>", description="Total & more", **kw)


@pytest.mark.parametrize(("raw", "step"), [(D("0.7"), D(1)), (D("1.1"), D(2)), (D("2.2"), D("2.5")),
                                           (D("3"), D(5)), (D("7"), D(10)), (D("0.031"), D("0.05")),
                                           (D("1234"), D(2000)), (D(5), D(5))])
def test_steps_are_one_two_two_and_a_half_or_five_times_a_power_of_ten(raw: D, step: D) -> None:
    assert charts.nice_step(raw) == step


@pytest.mark.parametrize(("low", "high", "expected"), [
    (D(0), D("13.7"), [0, 5, 10, 15]),
    (D("4"), D("9"), [0, 2, 4, 6, 8, 10]),  # zero is always on the scale
    (D("-12.5"), D(130), [-50, 0, 50, 100, 150]),
    (D(0), D(0), [D("0"), D("0.2"), D("0.4"), D("0.6"), D("0.8"), D("1")]),  # nothing to show: 0 to 1
    (D("0.01"), D("0.07"), [D(0), D("0.02"), D("0.04"), D("0.06"), D("0.08")]),
    (D(1234), D(98765), [0, 20000, 40000, 60000, 80000, 100000]),
])
def test_ticks_are_round_numbers_covering_the_values_and_zero(low: D, high: D, expected: list) -> None:
    found = charts.ticks(low, high)
    assert found == [D(e) for e in expected]
    assert all(str(t) == str(D(e)) for t, e in zip(found, expected, strict=False)), "no exponents: 10, not 1E+1"


def test_category_labels_are_thinned_to_fit() -> None:
    assert charts.label_every(12, 480, 64) == 2
    assert charts.label_every(6, 480, 64) == 1
    assert charts.label_every(60, 480, 64) == 9
    chart = charts.build("line", [f"m{i}" for i in range(24)], [charts.Series("a", "A", (D(1),) * 24)], str,
                         unit="m³", title="t", description="d")
    labelled = [c.label for c in chart.categories if c.label is not None]
    assert labelled[0] == "m0" and len(labelled) <= 8


def test_values_map_to_heights_on_the_scale() -> None:
    chart = _chart(values=(D(0), D(2), D(4)))
    ys = {t.value: t.y for t in chart.ticks}
    assert chart.baseline == ys[D(0)]
    [run] = chart.series[0].segments
    assert [y for _x, y in run] == [ys[D(0)], ys[D(2)], ys[D(4)]]
    xs = [c.x for c in chart.categories]
    assert xs == sorted(xs) and xs[0] > chart.left and xs[-1] < chart.frame.width - chart.frame.right


def test_a_missing_value_breaks_the_line_instead_of_dropping_to_zero() -> None:
    chart = _chart(values=(D(1), D(2), None, D(4)))
    assert [len(run) for run in chart.series[0].segments] == [2, 1]
    markup = _parse(charts.svg(chart, "c"))
    current = markup.find(f".//{SVG}g[@class='series series-current']")
    assert len(current.findall(f"{SVG}path")) == 1  # the lone last point is a marker only
    assert len(current.findall(f"{SVG}circle")) == 3


def test_columns_grow_from_zero_up_and_down_and_skip_missing_values() -> None:
    chart = _chart("column", values=(D(3), D(-2), None))
    bars = chart.series[0].bars
    assert len(bars) == 2
    up, down = bars
    assert up.y + up.height == pytest.approx(chart.baseline)
    assert down.y == pytest.approx(chart.baseline) and down.height > 0
    assert up.x + up.width <= chart.series[1].bars[0].x + 0.01  # side by side, not overlapping


def test_the_markup_is_an_accessible_image_without_inline_style_or_script() -> None:
    for kind in charts.KINDS:
        markup = str(charts.svg(_chart(kind), "my-chart"))
        root = _parse(markup)
        assert root.get("role") == "img"
        assert root.get("aria-labelledby") == "my-chart-title my-chart-desc"
        assert root.find(f"{SVG}title").get("id") == "my-chart-title"
        assert root.find(f"{SVG}title").text == "Consumption <per month>"  # escaped in, read back out
        assert root.find(f"{SVG}desc").text == "Total & more"
        assert root.get("viewBox") == "0 0 480 300" and root.get("width") == "100%" and root.get("height") is None
        assert "style" not in markup and "<script" not in markup
        assert not [e for e in root.iter() if "style" in e.attrib]
        texts = [t.text for t in root.iter(f"{SVG}text")]
        assert "<0>" in texts and "m³" in texts and "m0" in texts  # the formatter's labels, the unit, categories


def test_series_differ_by_dash_marker_and_fill_not_only_colour() -> None:
    assert len({(look.dash, look.marker, look.fill) for look in charts.LOOKS}) == len(charts.LOOKS)
    assert all(len({getattr(look, a) for look in charts.LOOKS}) == len(charts.LOOKS)
               for a in ("dash", "marker", "fill"))
    line = _parse(charts.svg(_chart("line"), "c"))
    paths = line.findall(f".//{SVG}g[@class='series series-previous']/{SVG}path")
    assert paths and paths[0].get("stroke-dasharray") == charts.LOOKS[1].dash
    column = _parse(charts.svg(_chart("column"), "c"))
    assert column.find(f".//{SVG}pattern").get("id") == "c-hatch"
    assert column.find(f".//{SVG}g[@class='series series-previous']/{SVG}rect").get("fill") == "url(#c-hatch)"


def test_legend_swatches_are_hidden_from_screen_readers_and_match_the_series() -> None:
    for kind in charts.KINDS:
        for index in range(len(charts.LOOKS)):
            root = _parse(charts.swatch(index, kind, f"s{index}"))
            assert root.get("aria-hidden") == "true"
            assert charts.LOOKS[index].colour in str(charts.swatch(index, kind, "s"))


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="kind"):
        _chart("pie")
    with pytest.raises(ValueError, match="one value per category"):
        charts.build("line", ["a", "b"], [charts.Series("a", "A", (D(1),))], str, unit="", title="", description="")
