"""The coordination's partners and the meetings held with them."""

from django.urls import path

from . import views_partners

app_name = "partners"

urlpatterns = [
    path("partenaires/", views_partners.PartnerListView.as_view(), name="partner_list"),
    path("partenaires/ajouter/", views_partners.PartnerCreateView.as_view(), name="partner_create"),
    path("partenaires/<int:pk>/", views_partners.PartnerDetailView.as_view(), name="partner_detail"),
    path("partenaires/<int:pk>/modifier/", views_partners.PartnerUpdateView.as_view(), name="partner_update"),
    path("rencontres/", views_partners.MeetingListView.as_view(), name="meeting_list"),
    path("rencontres/ajouter/", views_partners.MeetingCreateView.as_view(), name="meeting_create"),
]
