from django.urls import path

from . import views_regional

app_name = "regional"

urlpatterns = [
    path("<str:region_code>/observatoire/", views_regional.RegionalIndicatorsView.as_view(), name="indicators"),
    path(
        "<str:region_code>/observatoire/export/<slug:table_key>.xlsx",
        views_regional.RegionalTableExportView.as_view(),
        name="table_export",
    ),
]
