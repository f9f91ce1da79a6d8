from django.urls import path

from . import views_buyers

app_name = "buyers"

urlpatterns = [
    path("acheteur/", views_buyers.BuyerDashboardView.as_view(), name="dashboard"),
    path(
        "marches/<int:pk>/attestation.pdf",
        views_buyers.MarketAttestationView.as_view(),
        name="attestation",
    ),
]
