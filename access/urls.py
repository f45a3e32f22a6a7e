from django.urls import include, path

app_name = "access"

urlpatterns: list = [
    path("catalog/", include("access.catalog.urls")),
]
