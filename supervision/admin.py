"""Admin: staff keep the register of declared conflicts (回避); plans and draws are read-only
here because every change to them goes through the journaled services and pages."""

from __future__ import annotations

from django.contrib import admin

from .models import Draw, InspectionPlan, Recusal


@admin.register(Recusal)
class RecusalAdmin(admin.ModelAdmin):
    list_display = ("inspector", "organisation", "reason", "created_at")
    search_fields = ("inspector__username", "organisation__name")
    autocomplete_fields = ("organisation",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(InspectionPlan)
class InspectionPlanAdmin(ReadOnlyAdmin):
    list_display = ("reference", "title", "status", "published_at")
    exclude = ("seed",)  # secret until the draw reveals it


@admin.register(Draw)
class DrawAdmin(ReadOnlyAdmin):
    list_display = ("plan", "number", "drawn_by", "drawn_at")
