"""The comité départemental: members by college, meetings with their agenda, attendance and minutes."""

from django.urls import path

from . import views_committee

app_name = "committee"

urlpatterns = [
    path("comite/", views_committee.CommitteeIndexView.as_view(), name="index"),
    path("comite/membres/nouveau/", views_committee.MemberCreateView.as_view(), name="member_create"),
    path("comite/membres/<int:pk>/modifier/", views_committee.MemberUpdateView.as_view(), name="member_update"),
    path("comite/reunions/nouveau/", views_committee.MeetingCreateView.as_view(), name="meeting_create"),
    path("comite/reunions/<int:pk>/", views_committee.MeetingDetailView.as_view(), name="meeting_detail"),
    path("comite/reunions/<int:pk>/modifier/", views_committee.MeetingUpdateView.as_view(), name="meeting_update"),
]
