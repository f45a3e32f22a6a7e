"""Included by ``access.urls`` under ``catalog/``: the public pages of the open catalog."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.catalog_search_page, name="catalog"),
    path("<str:reference>/", views.project_catalog_page, name="catalog_project"),
]
