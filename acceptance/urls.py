from django.urls import path

from .views import audit, cases, commitments, statistics

app_name = "acceptance"

urlpatterns = [
    path("", cases.case_list, name="case_list"),
    path("cases/<str:reference>/completeness/", cases.case_completeness, name="completeness"),
    path("cases/<str:reference>/volumes/", cases.volumes_page, name="volumes"),
    path("cases/<str:reference>/commitment/", commitments.commitment_page, name="commitment"),
    path(
        "cases/<str:reference>/commitment/commitment.pdf",
        commitments.commitment_pdf,
        name="commitment_pdf",
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
    path(
        "cases/<str:reference>/decision/",
        commitments.decision_submit_view,
        name="decision_submit",
    ),
    path("statistics/commitments/", statistics.statistics_page, name="statistics"),
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
    path(
        "cases/<str:reference>/volumes/catalog.<str:fmt>",
        cases.volume_catalog,
        name="volume_catalog",
    ),
]
