from django.urls import path

from . import inspection_views, views

app_name = "supervision"

urlpatterns = [
    path("plans/", views.plan_list, name="plans"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<str:reference>/", views.plan_detail, name="plan"),
    path("plans/<str:reference>/publish/", views.plan_publish_view, name="publish"),
    path("plans/<str:reference>/public-value/", views.public_value_view, name="public_value"),
    path("plans/<str:reference>/draw/", views.plan_draw_view, name="draw"),
    path("plans/<str:reference>/confirm/", inspection_views.confirm_draw, name="confirm"),
    path("inspections/", inspection_views.inspection_list, name="inspections"),
    path("inspections/<str:reference>/", inspection_views.inspection_detail, name="inspection"),
    path("inspections/<str:reference>/findings/", inspection_views.finding_add, name="finding_add"),
    path("inspections/<str:reference>/decide/", inspection_views.decide, name="decide"),
    path("inspections/<str:reference>/report/", inspection_views.report, name="report"),
    path("inspections/<str:reference>/reinspect/", inspection_views.reinspect, name="reinspect"),
    path(
        "inspections/<str:reference>/evidence/<int:pk>/",
        inspection_views.evidence,
        name="evidence",
    ),
    path(
        "inspections/<str:reference>/records/<int:pk>/",
        inspection_views.material_file,
        name="material",
    ),
    path("public/", views.public_list, name="public"),
    path("public/verify_draw.py", views.verifier_script, name="verifier_script"),
    path("public/results.xlsx", views.public_export, name="public_export"),
    path("public/<str:reference>/", views.public_detail, name="public_plan"),
    path(
        "public/<str:reference>/publication.json", views.publication_file, name="publication_file"
    ),
    path("public/<str:reference>/draw-<int:number>.json", views.draw_file, name="draw_file"),
]
