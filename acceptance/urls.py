from django.urls import path

from . import views

app_name = "acceptance"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("cases/<str:reference>/completeness/", views.case_completeness, name="completeness"),
    path("cases/<str:reference>/volumes/", views.volumes_page, name="volumes"),
    path(
        "cases/<str:reference>/volumes/catalog.<str:fmt>",
        views.volume_catalog,
        name="volume_catalog",
    ),
]
