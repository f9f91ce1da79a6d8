from django.urls import path, register_converter

from . import views, views_globalisation, views_grid, views_participants, views_statements, views_transfer
from .converters import MonthConverter

app_name = "clauses"

register_converter(MonthConverter, "month")

urlpatterns = [
    path("marches/", views.MarketListView.as_view(), name="market_list"),
    path("marches/<int:pk>/", views.MarketDetailView.as_view(), name="market_detail"),
    # --- Participants (issue 4) ---
    path("participants/", views_participants.ParticipantListView.as_view(), name="participant_list"),
    path("participants/nouveau/", views_participants.ParticipantCreateView.as_view(), name="participant_create"),
    path("participants/export.xlsx", views_participants.ParticipantExportView.as_view(), name="participant_export"),
    path(
        "participants/sorties-a-renseigner/",
        views_participants.OutcomesDueView.as_view(),
        name="participant_outcomes_due",
    ),
    path("participants/journal-des-acces/", views_participants.AccessLogView.as_view(), name="participant_access_log"),
    path("participants/<int:pk>/", views_participants.ParticipantDetailView.as_view(), name="participant_detail"),
    path(
        "participants/<int:pk>/modifier/", views_participants.ParticipantUpdateView.as_view(), name="participant_update"
    ),
    path(
        "participants/<int:pk>/eligibilite/",
        views_participants.EligibilityCreateView.as_view(),
        name="participant_eligibility",
    ),
    path(
        "participants/<int:pk>/mise-en-emploi/",
        views_participants.PlacementCreateView.as_view(),
        name="participant_placement",
    ),
    path(
        "participants/<int:pk>/formations/",
        views_participants.TrainingCreateView.as_view(),
        name="participant_training",
    ),
    path("participants/<int:pk>/sorties/", views_participants.OutcomeCreateView.as_view(), name="participant_outcome"),
    path(
        "participants/<int:pk>/donnees.json",
        views_participants.ParticipantDataJsonView.as_view(),
        name="participant_data_json",
    ),
    path(
        "participants/<int:pk>/donnees.pdf",
        views_participants.ParticipantDataPdfView.as_view(),
        name="participant_data_pdf",
    ),
    path(
        "participants/<int:pk>/anonymiser/",
        views_participants.ParticipantAnonymiseView.as_view(),
        name="participant_anonymise",
    ),
    # --- Monthly hours: grid and progress ---
    path("clauses/<int:pk>/heures/<month:month>/", views_grid.HoursGridView.as_view(), name="hours_grid"),
    path("clauses/<int:pk>/avancement/", views_grid.ClauseProgressView.as_view(), name="clause_progress"),
    path("heures/", views_grid.HoursDashboardView.as_view(), name="hours_dashboard"),
    # --- Monthly hours: statements (company portal, facilitator review) ---
    path("releves/", views_statements.StatementListView.as_view(), name="statement_list"),
    path(
        "releves/nouveau/<int:clause_pk>/<month:month>/",
        views_statements.StatementStartView.as_view(),
        name="statement_start",
    ),
    path("releves/<int:pk>/", views_statements.StatementDetailView.as_view(), name="statement_detail"),
    # --- Monthly hours: import and export ---
    path(
        "clauses/<int:pk>/heures/modele.xlsx",
        views_transfer.HoursTemplateClauseView.as_view(),
        name="hours_template_clause",
    ),
    path("releves/modele.xlsx", views_transfer.HoursTemplateCompanyView.as_view(), name="hours_template_company"),
    path("heures/import/", views_transfer.HoursImportView.as_view(), name="hours_import"),
    path("heures/import/<int:pk>/", views_transfer.HoursImportDetailView.as_view(), name="hours_import_detail"),
    path("heures/import/<int:pk>/statut/", views_transfer.HoursImportStatusView.as_view(), name="hours_import_status"),
    path(
        "heures/import/<int:pk>/confirmer/",
        views_transfer.HoursImportConfirmView.as_view(),
        name="hours_import_confirm",
    ),
    path("heures/import/<int:pk>/annuler/", views_transfer.HoursImportCancelView.as_view(), name="hours_import_cancel"),
    path("heures/export/", views_transfer.HoursExportFormView.as_view(), name="hours_export_form"),
    path("heures/export.xlsx", views_transfer.HoursExportView.as_view(), name="hours_export"),
    # --- Monthly hours: globalisation ---
    path("globalisation/", views_globalisation.GlobalisationListView.as_view(), name="globalisation_list"),
    path("globalisation/nouveau/", views_globalisation.GlobalisationCreateView.as_view(), name="globalisation_create"),
    path("globalisation/<int:pk>/", views_globalisation.GlobalisationDetailView.as_view(), name="globalisation_detail"),
    path(
        "globalisation/<int:pk>/modifier/",
        views_globalisation.GlobalisationUpdateView.as_view(),
        name="globalisation_update",
    ),
    path(
        "globalisation/<int:pk>/terminer/", views_globalisation.GlobalisationEndView.as_view(), name="globalisation_end"
    ),
    path(
        "globalisation/<int:pk>/supprimer/",
        views_globalisation.GlobalisationDeleteView.as_view(),
        name="globalisation_delete",
    ),
    path(
        "globalisation/ligne/<int:pk>/repartir/",
        views_globalisation.HoursAllocationView.as_view(),
        name="hours_allocation",
    ),
]
