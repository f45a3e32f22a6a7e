"""Include the plugin's pages (namespace ``workflows``), e.g. under ``tasks/``."""

from django.urls import path

from . import calendar_views, incident_views, migration_views, views

app_name = "workflows"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("bulk/", views.bulk, name="bulk"),
    path("delegations/", views.standing_delegations, name="standing"),
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    path("calendar/day/", calendar_views.calendar_day, name="calendar_day"),
    path("calendar/import/", calendar_views.calendar_import, name="calendar_import"),
    path("incidents/", incident_views.incidents, name="incidents"),
    path("incidents/act/", incident_views.incidents_act, name="incidents_act"),
    path("migrations/", migration_views.migrations, name="migrations"),
    path("migrations/apply/", migration_views.migrations_act, name="migrations_act"),
    path(
        "migrations/<int:migration_id>/revert/",
        migration_views.migration_undo,
        name="migration_revert",
    ),
    path("<uuid:task_id>/", views.task_page, name="task"),
    path("<uuid:task_id>/claim/", views.claim, name="claim"),
    path("<uuid:task_id>/release/", views.release, name="release"),
    path("<uuid:task_id>/assign/", views.assign, name="assign"),
    path("<uuid:task_id>/delegate/", views.delegate, name="delegate"),
    path("<uuid:task_id>/resolve/", views.resolve, name="resolve"),
    path("<uuid:task_id>/recall/", views.recall, name="recall"),
]
