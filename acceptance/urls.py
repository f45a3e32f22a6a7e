from django.urls import path

from . import views, views_audit

app_name = "acceptance"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("cases/<str:reference>/completeness/", views.case_completeness, name="completeness"),
    path("cases/<str:reference>/volumes/", views.volumes_page, name="volumes"),
    path("cases/<str:reference>/timeline/", views_audit.case_timeline, name="timeline"),
    path(
        "cases/<str:reference>/timeline/replay/",
        views_audit.case_replay,
        name="timeline_replay",
    ),
    path("cases/<str:reference>/timeline/diff/", views_audit.case_diff, name="timeline_diff"),
    path(
        "cases/<str:reference>/volumes/catalog.<str:fmt>",
        views.volume_catalog,
        name="volume_catalog",
    ),
]
