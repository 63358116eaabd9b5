"""The web pages: login and logout, and the national map.

The map page carries no statistics: its script (static/dashboards/national.js) fetches the layer from
`/api/v1/layers/`, which applies the user's jurisdiction, so the HTML stays small whatever the country's size.
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dashboards import maps
from dashboards.forms import LoginForm
from evillage.jurisdiction import jurisdiction_of
from evillage.models import Indicator, LayerLevel

# The words national.js shows, translated here with the rest of the page.
MAP_LABELS = {
    "share_villages": _("Villages avec le service"),
    "completeness": _("Taux de rapportage"),
    "no_data": _("pas de données"),
    "loading": _("Chargement…"),
    "period": _("Mois :"),
    "error": _("Impossible de charger la couche."),
}


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "dashboards/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    template_name = "dashboards/logged_out.html"


@login_required
def national_map(request: HttpRequest) -> HttpResponse:
    scope = jurisdiction_of(request.user)
    if scope.is_empty:
        raise PermissionDenied
    # A region's figures mix in other prefectures: only the nation's users see that level.
    levels = [LayerLevel.REGION] if scope.national else []
    levels += [LayerLevel.PREFECTURE, LayerLevel.CANTON]
    indicators = Indicator.objects.filter(is_active=True).order_by("card_order").values("key", "label")
    context = {
        "map": maps.render(maps.base_map()),
        "indicators": list(indicators),
        "levels": [(level.value, level.label) for level in levels],
        "layers_url": reverse("api:layers"),
        "map_labels": MAP_LABELS,
    }
    return render(request, "dashboards/national.html", context)
