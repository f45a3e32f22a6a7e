from django.contrib import admin
from django.contrib.auth.views import LoginView, LogoutView
from django.urls import include, path

from workflows import ops_views

urlpatterns = [
    path("metrics", ops_views.metrics, name="metrics"),
    path("health/live", ops_views.live, name="health_live"),
    path("health/ready", ops_views.ready, name="health_ready"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("tasks/", include("workflows.urls")),
    path("supervision/", include("supervision.urls")),
    path("access/", include("access.urls")),
    path("", include("acceptance.urls")),
    path("verify/", include("certificates.urls")),
]
