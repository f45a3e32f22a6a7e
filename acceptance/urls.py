from django.urls import path

from .views import audit, cases, drawings

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
    path("cases/<str:reference>/drawings/", drawings.drawing_set_page, name="drawings"),
    path(
        "cases/<str:reference>/drawings/finish/",
        drawings.drawing_review_complete,
        name="drawings_finish",
    ),
    path(
        "cases/<str:reference>/drawings/resubmit/",
        drawings.drawing_resubmit_complete,
        name="drawings_resubmit",
    ),
    path(
        "cases/<str:reference>/drawings/<int:pk>/verdict/",
        drawings.drawing_decide,
        name="drawing_verdict",
    ),
    path(
        "cases/<str:reference>/drawings/<int:pk>/upload/",
        drawings.drawing_upload_version,
        name="drawing_upload",
    ),
    path(
        "cases/<str:reference>/drawings/<int:pk>/preview/<str:name>",
        drawings.drawing_preview,
        name="drawing_preview",
    ),
    path(
        "cases/<str:reference>/volumes/catalog.<str:fmt>",
        cases.volume_catalog,
        name="volume_catalog",
    ),
]
