from django.contrib import admin

from .models import ExternalProjectReference


@admin.register(ExternalProjectReference)
class ExternalProjectReferenceAdmin(admin.ModelAdmin):
    list_display = ("external_reference", "platform", "project", "created_at")
    search_fields = ("external_reference", "project__reference")
    raw_id_fields = ("project", "platform")
