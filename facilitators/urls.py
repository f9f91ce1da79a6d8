from django.urls import path

from . import views_coverage

app_name = "coverage"

urlpatterns = [
    path("couverture/", views_coverage.CoverageView.as_view(), name="coverage"),
    path("couverture/<int:pk>/retirer/", views_coverage.remove_coverage_area, name="remove"),
]
