from django.urls import path

from . import views_decp

app_name = "decp"

urlpatterns = [
    path("marches/import-decp/", views_decp.DecpImportView.as_view(), name="import"),
    path("marches/import-decp/<int:pk>/", views_decp.DecpImportDetailView.as_view(), name="detail"),
    path("marches/import-decp/<int:pk>/statut/", views_decp.DecpImportStatusView.as_view(), name="status"),
]
