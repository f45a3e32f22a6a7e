from django.urls import path

from .views import audit, cases, media

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
    path("cases/<str:reference>/media/", media.gallery, name="media_gallery"),
    path("cases/<str:reference>/media/decide/", media.decide, name="media_decide"),
    path("cases/<str:reference>/media/describe/", media.describe, name="media_describe"),
    path("cases/<str:reference>/media/finish/", media.finish, name="media_finish"),
    path(
        "cases/<str:reference>/media/<int:material>/<str:variant>/",
        media.media_file,
        name="media_file",
    ),
    path(
        "cases/<str:reference>/media/photo-catalog.<str:fmt>",
        media.photo_catalog,
        name="photo_catalog",
    ),
]
