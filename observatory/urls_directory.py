"""Public pages (no login): deliberately outside ``/<territory_code>/``, whose middleware answers 404 to an
authenticated non-member. Included under ``annuaire/``."""

from django.urls import path

from . import views_directory

app_name = "directory"

urlpatterns = [
    path("<territory:code>/", views_directory.DirectoryView.as_view(), name="territory"),
]
