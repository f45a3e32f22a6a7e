from django.urls import path

from .views import (
    audit,
    bulk,
    cases,
    commitments,
    drawings,
    filing,
    home,
    media,
    projects,
    property_checks,
    statistics,
)

app_name = "acceptance"

urlpatterns = [
    path("", home.home, name="home"),
    path("projects/", projects.project_list, name="projects"),
    path("projects/new/", projects.project_new, name="project_new"),
    path("projects/<str:reference>/", projects.project_detail, name="project"),
    path("projects/<str:reference>/cases/", projects.project_case_open, name="case_open"),
    path("cases/", cases.case_list, name="case_list"),
    path("cases/<str:reference>/", filing.case_detail, name="case"),
    path("cases/<str:reference>/upload/", filing.upload_page, name="upload"),
    path("cases/<str:reference>/materials/", filing.upload, name="upload_files"),
    path("cases/<str:reference>/upload/bulk/", bulk.bulk_page, name="bulk_upload"),
    path("cases/<str:reference>/upload/bulk/match/", bulk.bulk_match, name="bulk_match"),
    path("cases/<str:reference>/upload/bulk/zip/", bulk.bulk_zip, name="bulk_zip"),
    path(
        "cases/<str:reference>/upload/bulk/zip/<str:token>/<int:index>/",
        bulk.bulk_zip_member,
        name="bulk_zip_member",
    ),
    path(
        "cases/<str:reference>/upload/bulk/zip/<str:token>/done/",
        bulk.bulk_zip_done,
        name="bulk_zip_done",
    ),
    path("materials/<int:pk>/check/", filing.material_check, name="material_check"),
    path("materials/<int:pk>/withdraw/", filing.material_withdraw_view, name="material_withdraw"),
    path("materials/<int:pk>/replace/", filing.material_replace_view, name="material_replace"),
    path("cases/<str:reference>/completeness/", cases.case_completeness, name="completeness"),
    path("cases/<str:reference>/volumes/", cases.volumes_page, name="volumes"),
    path(
        "cases/<str:reference>/four-properties/",
        property_checks.case_property_checks,
        name="property_checks",
    ),
    path("four-properties/<int:pk>/", property_checks.property_report, name="property_report"),
    path("cases/<str:reference>/commitment/", commitments.commitment_page, name="commitment"),
    path(
        "cases/<str:reference>/commitment/commitment.pdf",
        commitments.commitment_pdf,
        name="commitment_pdf",
    ),
    path(
        "cases/<str:reference>/commitment/commitment.ofd",
        commitments.commitment_ofd,
        name="commitment_ofd",
    ),
    path(
        "cases/<str:reference>/commitment/sign/",
        commitments.commitment_sign_view,
        name="commitment_sign",
    ),
    path(
        "cases/<str:reference>/commitment/withdraw/",
        commitments.commitment_withdraw_view,
        name="commitment_withdraw",
    ),
    path("statistics/commitments/", statistics.statistics_page, name="statistics"),
    path("statistics/originals/", statistics.originals_page, name="originals_statistics"),
    path(
        "notifications/<int:pk>/read/",
        commitments.notification_read_view,
        name="notification_read",
    ),
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
        "cases/<str:reference>/drawings/index/",
        drawings.drawing_index_upload,
        name="drawing_index",
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
        "cases/<str:reference>/drawings/<int:pk>/file.dxf",
        drawings.drawing_file,
        name="drawing_file",
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
