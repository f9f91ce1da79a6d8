from django.urls import path

from . import views_observatory

app_name = "observatory"

urlpatterns = [
    path("observatoire/", views_observatory.IndicatorsView.as_view(), name="indicators"),
    path(
        "observatoire/export/<slug:table_key>.xlsx",
        views_observatory.TableExportView.as_view(),
        name="table_export",
    ),
]
