from django.urls import path

from . import views

urlpatterns = [
    path("", views.TerritoryHomeView.as_view(), name="home"),
]
