from django.urls import path

from . import views_programming as views

app_name = "programming"

urlpatterns = [
    path("programmation/", views.PlannedMarketListView.as_view(), name="list"),
    path("programmation/nouveau/", views.PlannedMarketCreateView.as_view(), name="create"),
    path("programmation/<int:pk>/", views.PlannedMarketDetailView.as_view(), name="detail"),
    path("programmation/<int:pk>/modifier/", views.PlannedMarketUpdateView.as_view(), name="update"),
    path("programmation/<int:pk>/faisabilite/", views.FeasibilityView.as_view(), name="feasibility"),
    path("programmation/<int:pk>/prise-en-charge/", views.AssignView.as_view(), name="assign"),
    path("programmation/<int:pk>/notification/", views.NotifyView.as_view(), name="notify"),
    path("parametres/parts-main-d-oeuvre/", views.LabourSharesView.as_view(), name="labour_shares"),
]
