"""Include under ``verify/``: the address ``CERTIFICATES_VERIFY_BASE_URL`` points at."""

from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("", views.verify_page, name="verify"),
    path("api/", views.verify_api, name="verify_api"),
    path("<str:number>/", views.verify_page, name="verify_number"),
]
