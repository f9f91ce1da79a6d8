from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="root"),
    path("invitation/<str:token>/", views.accept_invitation, name="accept_invitation"),
]
