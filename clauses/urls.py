from django.urls import path

from . import views

app_name = "clauses"

urlpatterns = [
    path("marches/", views.MarketListView.as_view(), name="market_list"),
    path("marches/<int:pk>/", views.MarketDetailView.as_view(), name="market_detail"),
    path("participants/", views.ParticipantListView.as_view(), name="participant_list"),
    path("participants/<int:pk>/", views.ParticipantDetailView.as_view(), name="participant_detail"),
]
