from django.urls import path

from .views import audit, cases

app_name = "acceptance"

urlpatterns = [
    path("", cases.case_list, name="case_list"),
    path("cases/<str:reference>/completeness/", cases.case_completeness, name="completeness"),
    path("cases/<str:reference>/volumes/", cases.volumes_page, name="volumes"),
    path("cases/<str:reference>/timeline/", audit.case_timeline, name="timeline"),
    path(
        "cases/<str:reference>/timeline/replay/",
        audit.case_replay,
        name="timeline_replay",
    ),
    path("cases/<str:reference>/timeline/diff/", audit.case_diff, name="timeline_diff"),
    path(
        "cases/<str:reference>/volumes/catalog.<str:fmt>",
        cases.volume_catalog,
        name="volume_catalog",
    ),
]
