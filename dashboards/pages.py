"""The web pages: login and logout, and the national map.

The map page carries no statistics: its script (static/dashboards/national.js) fetches the layer from
`/api/v1/layers/`, which applies the user's jurisdiction, so the HTML stays small whatever the country's size.
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dashboards import maps
from dashboards.access import scoped_page
from dashboards.charts import month_label
from dashboards.forms import LoginForm
from dashboards.statistics.series import periods_with_data
from evillage.jurisdiction import Jurisdiction
from evillage.models import Indicator, LayerLevel
from evillage.periods import period_of_moment

# The words national.js shows, translated here with the rest of the page.
MAP_LABELS = {
    "share_villages": _("Villages avec le service"),
    "share_population": _("Population avec le service"),
    "completeness": _("Taux de rapportage"),
    "villages": _("villages"),
    "inhabitants": _("habitants"),
    "no_data": _("pas de données"),
    "loading": _("Chargement…"),
    "period": _("Mois :"),
    "error": _("Impossible de charger la couche."),
    "open": _("Cliquez pour ouvrir la préfecture."),
}
# What the map colours the areas by: both shares come in every layer, so switching needs no new request.
SHARE_KINDS = [
    ("share_villages", _("Part des villages")),
    ("share_population", _("Part de la population")),
]


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "dashboards/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    template_name = "dashboards/logged_out.html"


@scoped_page
def national_map(request: HttpRequest, scope: Jurisdiction) -> HttpResponse:
    # A region's figures mix in other prefectures: only the nation's users see that level.
    levels = [LayerLevel.REGION] if scope.national else []
    levels += [LayerLevel.PREFECTURE, LayerLevel.CANTON]
    indicators = Indicator.objects.filter(is_active=True).order_by("card_order").values("key", "label")
    # The months that have layers, newest first, in the page (one small query rather than an API round trip);
    # the current month is selected when it has figures, else the newest that has.
    periods = periods_with_data(scope)
    current = period_of_moment(timezone.now())
    context = {
        "map": maps.render(maps.base_map()),
        "indicators": list(indicators),
        "levels": [(level.value, level.label) for level in levels],
        "periods": [(period, month_label(period)) for period in periods],
        "selected_period": current if current in periods else next(iter(periods), ""),
        "share_kinds": SHARE_KINDS,
        "layers_url": reverse("api:layers"),
        "map_labels": MAP_LABELS,
    }
    return render(request, "dashboards/national.html", context)
