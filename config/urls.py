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
]
