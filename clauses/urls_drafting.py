from django.urls import path

from . import views_drafting

app_name = "drafting"

urlpatterns = [
    path("calculateur/", views_drafting.CalculatorView.as_view(), name="calculator"),
    path("programmation/<int:pk>/dimensionnement/", views_drafting.SizingView.as_view(), name="sizing"),
    path("programmation/<int:pk>/redaction/", views_drafting.ClauseTextView.as_view(), name="clause_text"),
    path("programmation/<int:pk>/clause.docx", views_drafting.ClauseTextDocxView.as_view(), name="clause_text_docx"),
]
