from django.contrib import admin

from .models import (
    HumanTask,
    Incident,
    JournalEntry,
    ProcessDefinition,
    ProcessInstance,
    ServiceJob,
)


@admin.register(ProcessDefinition)
class ProcessDefinitionAdmin(admin.ModelAdmin):
    list_display = ("process_id", "version", "source_name", "deployed_at", "content_sha256")
    readonly_fields = [f.name for f in ProcessDefinition._meta.fields]


@admin.register(ProcessInstance)
class ProcessInstanceAdmin(admin.ModelAdmin):
    list_display = ("business_key", "definition", "status", "next_timer_at", "updated_at")
    list_filter = ("status",)
    search_fields = ("business_key",)
    exclude = ("state",)
    readonly_fields = ("definition", "business_key", "status", "state_digest", "next_timer_at")


@admin.register(HumanTask)
class HumanTaskAdmin(admin.ModelAdmin):
    list_display = ("title", "instance", "lane", "assignee", "due_at", "status")
    list_filter = ("status", "lane")


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("instance", "task_name", "error_type", "created_at", "resolved_at")


@admin.register(ServiceJob)
class ServiceJobAdmin(admin.ModelAdmin):
    list_display = ("operation", "instance", "status", "attempts", "created_at")


@admin.register(JournalEntry)
class JournalEntryAdmin(admin.ModelAdmin):
    list_display = ("chain", "sequence", "kind", "actor", "recorded_at")
    list_filter = ("kind",)
    search_fields = ("chain",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
