"""The consumption analysis page and its CSV: any period, consumption or charges, the whole account or
one meter, compared with a year earlier and with the average household of the customer's tariff.

A GET form (nothing changes, so no CSRF token): ``from`` and ``to`` (months, ``YYYY-MM``),
``measure`` (consumption | charges), ``scope`` (``account`` or a meter's id) and ``chart``
(line | column). A meter that is not the customer's answers 404, exactly like one that does not
exist. Charges are billed per account, so charges with a meter show the whole account, with a note.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal
from markupsafe import Markup
from sqlalchemy import Connection

from adapters.store.pages import analysis as pages
from adapters.store.pages.analysis import Context, Figures
from portal import charts, context
from portal.auth.guard import customer_required
from portal.i18n import date_text, request_locale
from portal.i18n import gettext as _
from sync.formats import signed

bp = Blueprint("analysis", __name__)

MEASURES = pages.MEASURES
CHART_KINDS = charts.KINDS
MAX_MONTHS = 60  # five years: what the store keeps, and what a chart can still show
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
PLACES = {"consumption": 3, "charges": 2}  # m³ to the litre, złoty to the grosz
CHART_ID = "analysis-chart"
AVERAGES_TTL_S = 60.0  # a tariff's averages kept by each process (the daemon recomputes them hourly)


@dataclass(frozen=True)
class Params:
    """A valid request: the period (first days of its months), what, where, and how drawn."""

    first: date
    last: date
    measure: str = "consumption"
    meter_id: int | None = None
    chart: str = "line"

    def query(self) -> dict[str, str]:
        """The request's parameters, for links (the CSV) and the form."""
        return {"from": self.first.strftime("%Y-%m"), "to": self.last.strftime("%Y-%m"), "measure": self.measure,
                "scope": "account" if self.meter_id is None else str(self.meter_id), "chart": self.chart}


@dataclass
class Parsed:
    """What the form asked for: valid parameters, or the values given with an error per field."""

    params: Params | None
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# ----- reading the request -------------------------------------------------------------------------
def default_period(today: date) -> tuple[date, date]:
    """The last 12 full months."""
    this_month = today.replace(day=1)
    return pages.add_months(this_month, -12), pages.add_months(this_month, -1)


def parse_month(text: str) -> date | None:
    """``YYYY-MM`` as the first day of that month; None if it is not one (years 1901-9998: a year
    earlier and the month after stay dates)."""
    found = MONTH.match(text.strip())
    if not found:
        return None
    year, month = int(found[1]), int(found[2])
    return date(year, month, 1) if 1901 <= year <= 9998 and 1 <= month <= 12 else None


def parse_scope(text: str, ctx: Context) -> int | None:
    """None for the whole account, or the id of one of the customer's meters; anything else is not
    found (404), whether it is no meter at all or another customer's."""
    if text == "account":
        return None
    if text.isascii() and text.isdigit() and ctx.meter(int(text)) is not None:
        return int(text)
    abort(404)


def _choice(args: Mapping[str, str], name: str, allowed: Sequence[str]) -> str:
    """One of the allowed values (the first if not given); anything else is a bad request: the form
    never sends it."""
    value = args.get(name, allowed[0])
    if value not in allowed:
        abort(400)
    return value


def period_errors(first: date | None, last: date | None) -> dict[str, str]:
    """What is wrong with the period, per field (none: nothing)."""
    errors = {}
    if first is None:
        errors["from"] = _("Choose the month the period starts with.")
    if last is None:
        errors["to"] = _("Choose the month the period ends with.")
    elif first is not None and last < first:
        errors["to"] = _("The period cannot end before it starts.")
    elif first is not None and len(pages.months_between(first, last)) > MAX_MONTHS:
        errors["to"] = _("The period can be at most %(n)d months long.", n=MAX_MONTHS)
    return errors


def parse(args: Mapping[str, str], ctx: Context, today: date) -> Parsed:
    """The form's parameters checked; a meter with charges becomes the whole account, with a note."""
    start, end = default_period(today)
    values = {"from": args.get("from", start.strftime("%Y-%m")), "to": args.get("to", end.strftime("%Y-%m")),
              "measure": _choice(args, "measure", MEASURES), "scope": args.get("scope", "account"),
              "chart": _choice(args, "chart", CHART_KINDS)}
    meter_id = parse_scope(values["scope"], ctx)
    first, last = parse_month(values["from"]), parse_month(values["to"])
    parsed = Parsed(None, values, period_errors(first, last))
    if first is None or last is None or parsed.errors:
        return parsed
    if meter_id is not None and values["measure"] == "charges":
        meter_id = None
        values["scope"] = "account"
        parsed.notes.append(_("Charges are billed for the whole account, not for each meter, so the charges of"
                              " the whole account are shown."))
    parsed.params = Params(first, last, values["measure"], meter_id, values["chart"])
    return parsed


# ----- formatting ----------------------------------------------------------------------------------
def polish() -> bool:
    return request_locale() == "pl"


def month_name(month: date) -> str:
    return date_text(month, "LLLL yyyy")


def month_short(month: date) -> str:
    return date_text(month, "LLL yy")


def period_name(first: date, last: date) -> str:
    return month_name(first) if first == last else f"{month_name(first)} – {month_name(last)}"


def number(value: Decimal | None, measure: str) -> str:
    """A figure for the page: grouped, with the measure's decimal places; a dash for none."""
    if value is None:
        return "—"
    return signed(value, PLACES[measure], request_locale())


def tick(value: Decimal) -> str:
    return format_decimal(value, "#,##0.###")


def unit(measure: str) -> str:
    return "m³" if measure == "consumption" else "zł"


def measure_name(measure: str) -> str:
    return _("Consumption (m³)") if measure == "consumption" else _("Charges (zł)")


def total(values: Sequence[Decimal | None]) -> Decimal | None:
    known = [v for v in values if v is not None]
    return sum(known, Decimal(0)) if known else None


# ----- the page's parts --------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    """One series as the chart, the table and the CSV show it."""

    key: str
    label: str  # with its period or tariff: the legend's text
    heading: str  # the table's and the CSV's column heading
    values: tuple[Decimal | None, ...]


def columns(params: Params, figures: Figures, ctx: Context) -> list[Column]:
    year_earlier = (pages.add_months(params.first, -12), pages.add_months(params.last, -12))
    found = [Column("current", _("This period (%(period)s)", period=period_name(params.first, params.last)),
                    _("This period"), figures.current),
             Column("previous", _("A year earlier (%(period)s)", period=period_name(*year_earlier)),
                    _("A year earlier"), figures.previous)]
    if figures.tariff is not None and ctx.tariff is not None:
        name = _("Average household in tariff %(tariff)s", tariff=ctx.tariff.tariff)
        found.append(Column("tariff", name, name, figures.tariff))
    return found


def describe(params: Params, cols: Sequence[Column], months: Sequence[date]) -> str:
    """The chart's description for screen readers: each series' total, and this period's highest month."""
    measure = params.measure
    parts = []
    for col in cols:
        amount = total(col.values)
        parts.append(_("%(series)s: total %(total)s %(unit)s.", series=col.label, unit=unit(measure),
                       total=number(amount, measure)) if amount is not None
                     else _("%(series)s: no data.", series=col.label))
    known = [(v, m) for v, m in zip(cols[0].values, months, strict=False) if v is not None]
    if known:
        value, month = max(known, key=lambda vm: vm[0])
        parts.append(_("The highest month of this period: %(month)s, %(value)s %(unit)s.", month=month_name(month),
                       value=number(value, measure), unit=unit(measure)))
    parts.append(_("The table below the chart has every month's figures."))
    return " ".join(parts)


def title(params: Params, ctx: Context) -> str:
    scope = (_("whole account") if params.meter_id is None
             else _("meter %(serial)s", serial=ctx.meter(params.meter_id)["serial_number"]))  # type: ignore[index]
    return _("%(measure)s per month, %(period)s, %(scope)s", measure=measure_name(params.measure),
             period=period_name(params.first, params.last), scope=scope)


def chart_markup(params: Params, figures: Figures, cols: Sequence[Column], heading: str) -> Markup:
    series = [charts.Series(c.key, c.label, c.values) for c in cols]
    model = charts.build(params.chart, [month_short(m) for m in figures.months], series, tick,
                         unit=unit(params.measure), title=heading,
                         description=describe(params, cols, figures.months))
    return charts.svg(model, CHART_ID)


def tariff_notes(params: Params, figures: Figures, ctx: Context) -> list[str]:
    """What the comparison with the average household is, and why it may be missing."""
    if params.meter_id is not None:
        return [_("The average household is compared with the whole account only.")]
    choice = ctx.tariff
    if choice is None:
        return [_("Your account has no contract, so there is no tariff to compare with.")]
    notes = [_("The average household: the mean of the customers in tariff %(tariff)s with figures in a month.",
               tariff=choice.tariff)]
    if choice.several:
        notes.append(_("Your contracts are in several tariffs (%(tariffs)s); the comparison uses tariff"
                       " %(tariff)s of your main contract, %(contract)s.", tariffs=", ".join(choice.tariffs),
                       tariff=choice.tariff, contract=choice.contract_number))
    if figures.tariff is not None and all(v is None for v in figures.tariff):
        notes.append(_("The averages for tariff %(tariff)s are not available for this period yet.",
                       tariff=choice.tariff))
    return notes


def meter_label(meter: Mapping[str, Any], several_points: bool) -> str:
    """How a meter is offered in the form: its serial number, its kind, where it is (when the account
    has several points), and when it was removed."""
    label = f"{meter['serial_number']} – " + (_("main meter") if meter["main"] else _("sub-meter"))
    if several_points:
        flat = f"/{meter['flat_number']}" if meter["flat_number"] else ""
        label += f", {meter['street']} {meter['house_number']}{flat}, {meter['city']}"
    if meter["dismounted_on"] is not None:
        label += ", " + _("removed %(date)s", date=date_text(meter["dismounted_on"]))
    return label


def month_range(ctx: Context, today: date, values: Mapping[str, str]) -> tuple[date, date]:
    """The months the period may start or end with: from the account's first figures (or the default
    period's start) to this month, and whatever was asked for."""
    start, _end = default_period(today)
    chosen = [m for m in (parse_month(values["from"]), parse_month(values["to"])) if m is not None]
    first = min([start, *chosen] + ([ctx.span[0]] if ctx.span else []))
    last = max([today.replace(day=1), *chosen])
    if len(pages.months_between(first, last)) > 12 * 50:  # a hand-made URL: keep the list readable
        first = pages.add_months(last, -12 * 50 + 1)
    return first, last


@lru_cache(maxsize=1024)
def _month_options(first: date, last: date, chosen: date | None, locale: str) -> Markup:
    """A month field's ``<option>``s, the chosen one selected. Most accounts share the same few ranges,
    and five years are sixty options in each of two fields, so each is built once per process.
    ``locale`` is the request's: ``month_name`` writes in it."""
    option = Markup('<option value="{}"{}>{}</option>')  # format() escapes what it is given
    selected = Markup(" selected")
    return Markup("").join(option.format(f"{m:%Y-%m}", selected if m == chosen else "", month_name(m))
                           for m in pages.months_between(first, last))


def month_options(ctx: Context, today: date, values: Mapping[str, str]) -> dict[str, Markup]:
    """The options of the "from" and "to" fields."""
    first, last = month_range(ctx, today, values)
    locale = request_locale()
    return {name: _month_options(first, last, parse_month(values[name]), locale) for name in ("from", "to")}


# ----- views ---------------------------------------------------------------------------------------
def _load() -> tuple[Context, Parsed, date]:
    today = context.today()
    with context.reading() as conn:
        ctx = pages.context(conn, g.customer_id, today)
    return ctx, parse(request.args, ctx, today), today


def _averages(_conn: Connection, tariff: str, measure: str, first: date, last: date) -> Mapping[date, Decimal]:
    """A tariff's average household over a period: the same for every customer in the tariff, and
    recomputed by the daemon once an hour, so each process reads it at most once a minute."""
    return context.per_process(("tariff_averages", tariff, measure, first, last), AVERAGES_TTL_S,
                               lambda read: pages.tariff_averages(read, tariff, measure, first, last))


def _figures(ctx: Context, params: Params) -> Figures:
    with context.reading() as conn:
        return pages.figures(conn, g.customer_id, ctx, measure=params.measure, meter_id=params.meter_id,
                             first=params.first, last=params.last, averages_of=_averages)


def form_of(ctx: Context, parsed: Parsed, today: date) -> dict[str, Any]:
    """What the form shows: the choices offered, the ones made, and the errors."""
    several_points = len({m["point_id"] for m in ctx.meters}) > 1
    return {"chosen": parsed.values, "errors": parsed.errors,
            "month_options": month_options(ctx, today, parsed.values),
            "meters": [(str(m["id"]), meter_label(m, several_points)) for m in ctx.meters],
            "measures": [(m, measure_name(m)) for m in MEASURES],
            "kinds": [("line", _("Line chart")), ("column", _("Column chart"))]}


def result_of(params: Params, figures: Figures, ctx: Context, notes: list[str]) -> dict[str, Any]:
    """What the page shows below the form: the chart with its legend, the notes, the table, the CSV link."""
    cols = columns(params, figures, ctx)
    heading = title(params, ctx)
    query: dict[str, Any] = params.query()  # url_for's **values; as dict[str, str] it could fill _external (a bool)
    return {"heading": heading, "columns": cols, "unit": unit(params.measure),
            "chart": chart_markup(params, figures, cols, heading), "notes": notes + tariff_notes(params, figures, ctx),
            "legend": [(charts.swatch(i, params.chart, f"swatch-{i}"), c.label) for i, c in enumerate(cols)],
            "rows": [(month_name(m), [number(c.values[i], params.measure) for c in cols])
                     for i, m in enumerate(figures.months)],
            "totals": [number(total(c.values), params.measure) for c in cols],
            "empty": all(v is None for v in figures.current),
            "csv_url": url_for("analysis.csv_file", **query)}


@bp.route("/analysis")
@customer_required
def analysis():
    ctx, parsed, today = _load()
    form = form_of(ctx, parsed, today)
    if parsed.params is None:
        return render_template("analysis/page.html", form=form, result=None), 400
    result = result_of(parsed.params, _figures(ctx, parsed.params), ctx, parsed.notes)
    return render_template("analysis/page.html", form=form, result=result)


def csv_text(params: Params, figures: Figures, cols: Sequence[Column], in_polish: bool) -> str:
    """The figures as CSV for a spreadsheet: Polish Excel wants semicolons and decimal commas."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if in_polish else ",", lineterminator="\r\n")
    symbol = unit(params.measure)
    header = [_("Month"), f"{cols[0].heading} ({symbol})", _("Month a year earlier"), f"{cols[1].heading} ({symbol})"]
    header += [f"{c.heading} ({symbol})" for c in cols[2:]]
    writer.writerow(header)

    def plain(value: Decimal | None) -> str:
        if value is None:
            return ""
        text = f"{value:.{PLACES[params.measure]}f}"
        return text.replace(".", ",") if in_polish else text

    for i, month in enumerate(figures.months):
        row = [month.strftime("%Y-%m"), plain(cols[0].values[i]), pages.add_months(month, -12).strftime("%Y-%m"),
               plain(cols[1].values[i])]
        writer.writerow(row + [plain(c.values[i]) for c in cols[2:]])
    return "\ufeff" + out.getvalue()


@bp.route("/analysis.csv")
@customer_required
def csv_file():
    ctx, parsed, _today_ = _load()
    if parsed.params is None:
        abort(400)
    params = parsed.params
    figures = _figures(ctx, params)
    cols = columns(params, figures, ctx)
    query = params.query()
    what = {"consumption": "zuzycie", "charges": "oplaty"}[params.measure] if polish() else params.measure
    name = ("analiza" if polish() else "analysis") + f"-{what}-{query['from']}-{query['to']}"
    if params.meter_id is not None:
        name += f"-{ctx.meter(params.meter_id)['serial_number']}"  # type: ignore[index]
    return Response(csv_text(params, figures, cols, polish()).encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{_safe_filename(name)}.csv"'})


def _safe_filename(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)
