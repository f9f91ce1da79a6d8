from django.urls import path, register_converter

from . import views
from .converters import MonthConverter

app_name = "clauses"

register_converter(MonthConverter, "month")

urlpatterns = [
    path("marches/", views.MarketListView.as_view(), name="market_list"),
    path("marches/<int:pk>/", views.MarketDetailView.as_view(), name="market_detail"),
    path("participants/", views.ParticipantListView.as_view(), name="participant_list"),
    path("participants/<int:pk>/", views.ParticipantDetailView.as_view(), name="participant_detail"),
    # --- Monthly hours: grid and progress ---
    # --- Monthly hours: statements (company portal, facilitator review) ---
    # --- Monthly hours: import and export ---
]
