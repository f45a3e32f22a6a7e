from django.urls import include, path

from . import views

app_name = "access"

urlpatterns = [
    path("catalog/", include("access.catalog.urls")),
    path("", views.home, name="home"),
    path("new/", views.request_new, name="request_new"),
    path("requests/<str:reference>/", views.request_detail, name="request"),
    path("requests/<str:reference>/extract.pdf", views.extract_file, name="extract"),
    path("requests/<str:reference>/extract.ofd", views.extract_ofd_file, name="extract_ofd"),
    path("register/", views.register, name="register"),
    path("statistics/", views.statistics, name="statistics"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/<str:reference>/", views.review, name="review"),
    path("review/<str:reference>/proofs/<int:proof_id>/", views.proof_file, name="proof"),
    path(
        "review/<str:reference>/partner-files/<int:file_id>/",
        views.partner_file,
        name="partner_file",
    ),
    path(
        "review/<str:reference>/partners/<uuid:token>/resend/",
        views.forwarding_resend,
        name="forwarding_resend",
    ),
    path(
        "review/<str:reference>/partners/<uuid:token>/withdraw/",
        views.forwarding_withdraw,
        name="forwarding_withdraw",
    ),
]
