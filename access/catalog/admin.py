"""Staff set access levels in the admin; each save goes through the journaled services."""

from django.contrib import admin

from .models import CatalogItemAccess, MaterialAccess
from .services import catalog_item_access_set, material_access_set


@admin.register(CatalogItemAccess)
class CatalogItemAccessAdmin(admin.ModelAdmin):
    list_display = ("code", "level", "reason", "updated_at", "updated_by")
    list_filter = ("level",)
    search_fields = ("code", "reason")
    fields = ("code", "level", "reason")

    def save_model(self, request, obj, form, change):
        saved = catalog_item_access_set(
            code=obj.code, level=obj.level, reason=obj.reason, actor=request.user
        )
        obj.pk = saved.pk


@admin.register(MaterialAccess)
class MaterialAccessAdmin(admin.ModelAdmin):
    list_display = ("material", "level", "reason", "set_by", "set_at")
    list_filter = ("level",)
    raw_id_fields = ("material",)
    fields = ("material", "level", "reason")

    def save_model(self, request, obj, form, change):
        saved = material_access_set(
            material=obj.material, level=obj.level, reason=obj.reason, actor=request.user
        )
        obj.pk = saved.pk
