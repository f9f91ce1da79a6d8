from django.contrib import admin
from django.urls import include, path, register_converter

from territories.converters import TerritoryCodeConverter

register_converter(TerritoryCodeConverter, "territory")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("comptes/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("annuaire/", include("observatory.urls_directory")),
    path("<territory:territory_code>/", include("observatory.urls")),
    path("<territory:territory_code>/", include("clauses.urls")),
    path("<territory:territory_code>/", include("accounts.territory_urls")),
    path("<territory:territory_code>/", include("facilitators.urls")),
    path("<territory:territory_code>/", include("facilitators.urls_network")),
    path("<territory:territory_code>/", include("observatory.urls_partners")),
    # Buyers: dashboard and attestations, programming and feasibility, sizing and clause texts, DECP import (issue 5)
    path("<territory:territory_code>/", include("clauses.urls_buyers")),
    path("<territory:territory_code>/", include("clauses.urls_programming")),
    path("<territory:territory_code>/", include("clauses.urls_drafting")),
    path("<territory:territory_code>/", include("markets.urls")),
    # Observatory: indicators, national export, bilans, committee (issue 6); regional aggregates (no territory)
    path("<territory:territory_code>/", include("observatory.urls_observatory")),
    path("<territory:territory_code>/", include("observatory.urls_national")),
    path("<territory:territory_code>/", include("observatory.urls_reports")),
    path("<territory:territory_code>/", include("observatory.urls_committee")),
    path("region/", include("observatory.urls_regional")),
]
