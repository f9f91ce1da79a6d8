from django.urls import path

from . import views_reports as views

app_name = "reports"

urlpatterns = [
    path("bilans/", views.ReportListView.as_view(), name="list"),
    path("bilans/nouveau/", views.ReportCreateView.as_view(), name="create"),
    path("bilans/<int:pk>/", views.ReportDetailView.as_view(), name="detail"),
    path("bilans/<int:pk>/statut/", views.ReportStatusView.as_view(), name="status"),
    path("bilans/<int:pk>/relancer/", views.ReportRerunView.as_view(), name="rerun"),
    path("bilans/<int:pk>/telecharger/", views.ReportDownloadView.as_view(), name="download"),
]
