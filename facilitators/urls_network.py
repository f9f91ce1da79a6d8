"""The network pages of a territory: inclusion employers (with their CSV import) and shared resources."""

from django.urls import path

from . import views_employers, views_resources

app_name = "network"

urlpatterns = [
    path("employeurs-inclusifs/", views_employers.EmployerListView.as_view(), name="employer_list"),
    path("employeurs-inclusifs/ajouter/", views_employers.EmployerCreateView.as_view(), name="employer_create"),
    path("employeurs-inclusifs/<int:pk>/", views_employers.EmployerDetailView.as_view(), name="employer_detail"),
    path(
        "employeurs-inclusifs/<int:pk>/modifier/", views_employers.EmployerUpdateView.as_view(), name="employer_update"
    ),
    path(
        "employeurs-inclusifs/<int:pk>/supprimer/",
        views_employers.EmployerDeleteView.as_view(),
        name="employer_delete",
    ),
    path("employeurs-inclusifs/import/", views_employers.EmployerImportView.as_view(), name="employer_import"),
    path(
        "employeurs-inclusifs/import/apercu/",
        views_employers.EmployerImportPreviewView.as_view(),
        name="employer_import_preview",
    ),
    path(
        "employeurs-inclusifs/import/modele.csv",
        views_employers.EmployerImportTemplateView.as_view(),
        name="employer_import_template",
    ),
    path("ressources/", views_resources.ResourceListView.as_view(), name="resource_list"),
    path("ressources/ajouter/", views_resources.ResourceCreateView.as_view(), name="resource_create"),
    path("ressources/<int:pk>/telecharger/", views_resources.ResourceDownloadView.as_view(), name="resource_download"),
    path("ressources/<int:pk>/supprimer/", views_resources.ResourceDeleteView.as_view(), name="resource_delete"),
]
