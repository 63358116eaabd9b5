"""`/statistiques/`: one indicator's completeness and service shares over a range of months, as tables and
charts drawn on the server (the page works without JavaScript), with links to the exports."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboards.access import scoped_page
from dashboards.charts import month_label
from dashboards.models import ExportDataset, ExportFormat
from dashboards.statistics import series
from dashboards.statistics.forms import StatisticsForm
from evillage.jurisdiction import Jurisdiction
from evillage.models import Indicator
from evillage.periods import period_of_moment


@dataclass(frozen=True)
class ExportLink:
    label: str
    url: str


def export_links(dataset: str, filters: dict[str, str]) -> list[ExportLink]:
    """The export API's files of one dataset; the export view applies the user's jurisdiction itself."""

    def url(file_format: str, **extra: str) -> str:
        query = urlencode({**filters, **extra})
        address = reverse("api:export", kwargs={"dataset": dataset, "file_format": file_format})
        return f"{address}?{query}" if query else address

    return [
        ExportLink("CSV", url(ExportFormat.CSV)),
        ExportLink(_("CSV (Excel en français, « ; »)"), url(ExportFormat.CSV, sep=";", decimal=",")),
        ExportLink("XLSX", url(ExportFormat.XLSX)),
        ExportLink("GeoJSON", url(ExportFormat.GEOJSON)),
        ExportLink("GeoPackage", url(ExportFormat.GPKG)),
    ]


@scoped_page
def statistics_page(request: HttpRequest, scope: Jurisdiction) -> HttpResponse:
    indicators = list(Indicator.objects.filter(is_active=True).order_by("card_order"))
    periods = series.periods_with_data(scope)
    latest = periods[0] if periods else period_of_moment(timezone.now())
    form = StatisticsForm(request.GET, indicators=indicators, latest_period=latest)
    # What the form shows: what was asked for, until it is understood; then what is shown.
    chosen = {name: request.GET.get(name, "") for name in ("indicator", "period_from", "period_to")}
    context = {"form": form, "indicators": indicators, "chosen": chosen}
    if not form.is_valid() or form.cleaned_data["indicator"] is None:
        # Said on the page, with the form to correct it: a 400, not a page of empty tables.
        return render(request, "dashboards/statistics/page.html", context, status=400)
    indicator = form.cleaned_data["indicator"]
    start, end = form.cleaned_data["period_from"], form.cleaned_data["period_to"]
    months = series.month_range(start, end)
    areas = series.area_series(scope, indicator, months)
    filters = {"indicator": indicator.key, "period_from": start, "period_to": end}
    context.update(
        chosen=filters,
        indicator=indicator,
        months=[month_label(month) for month in months],
        tables=series.tables(areas, indicator, months) if areas else [],
        charts=series.charts(areas, indicator, months) if areas else [],
        exports=[
            (_("Statistiques de cet indicateur et de ces mois"), export_links(ExportDataset.STATISTICS, filters)),
            (ExportDataset.VILLAGES.label, export_links(ExportDataset.VILLAGES, {})),
        ],
    )
    return render(request, "dashboards/statistics/page.html", context)
