"""Include the plugin's pages (namespace ``workflows``), e.g. under ``tasks/``."""

from django.urls import path

from . import views

app_name = "workflows"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("bulk/", views.bulk, name="bulk"),
    path("<uuid:task_id>/", views.task_page, name="task"),
    path("<uuid:task_id>/claim/", views.claim, name="claim"),
    path("<uuid:task_id>/release/", views.release, name="release"),
    path("<uuid:task_id>/assign/", views.assign, name="assign"),
    path("<uuid:task_id>/delegate/", views.delegate, name="delegate"),
    path("<uuid:task_id>/resolve/", views.resolve, name="resolve"),
    path("<uuid:task_id>/recall/", views.recall, name="recall"),
]
