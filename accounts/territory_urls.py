from django.urls import path

from . import views

urlpatterns = [
    path("membres/", views.MemberListView.as_view(), name="members"),
    path("membres/inviter/", views.InviteView.as_view(), name="invite"),
    path("membres/<int:pk>/renvoyer/", views.resend_invitation, name="resend_invitation"),
    path("membres/<int:pk>/retirer/", views.revoke_membership, name="revoke_membership"),
]
