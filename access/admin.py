from django.contrib import admin

from .catalog import admin as catalog_admin  # noqa: F401  (the open catalog's levels)
from .models import AccessRequest, EligibilityRule, Extract, ProofKind, Purpose


@admin.register(Purpose)
class PurposeAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "active")


@admin.register(ProofKind)
class ProofKindAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en")


@admin.register(EligibilityRule)
class EligibilityRuleAdmin(admin.ModelAdmin):
    list_display = ("purpose", "role", "visit_required", "extract_valid_days", "active")
    list_filter = ("purpose", "role", "active")
    filter_horizontal = ("proofs",)


@admin.register(AccessRequest)
class AccessRequestAdmin(admin.ModelAdmin):
    list_display = ("reference", "requester_name", "purpose", "project", "status", "created_at")
    list_filter = ("status", "purpose")
    readonly_fields = [f.name for f in AccessRequest._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Extract)
class ExtractAdmin(admin.ModelAdmin):
    list_display = ("number", "request", "issued_at", "valid_until")
    readonly_fields = [f.name for f in Extract._meta.fields]

    def has_add_permission(self, request):
        return False
