from django.urls import path

from . import views_national

app_name = "national"

urlpatterns = [
    path("observatoire/export-national.csv", views_national.NationalCsvView.as_view(), name="csv"),
    path("observatoire/export-national.json", views_national.NationalJsonView.as_view(), name="json"),
]
