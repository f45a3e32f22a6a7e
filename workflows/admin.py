from django.contrib import admin, messages

from .models import (
    HumanTask,
    Incident,
    JournalEntry,
    OutboxJob,
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
    list_display = ("instance", "task_name", "error_type", "attempts", "created_at", "resolved_at")
    list_filter = ("error_type", "operation")
    actions = ("retry",)

    @admin.action(description="重试所选异常 Retry the selected incidents")
    def retry(self, request, queryset):
        ids = list(queryset.filter(resolved_at__isnull=True).values_list("pk", flat=True))
        from .incidents import incidents_retry  # the engine (SpiffWorkflow): not at start-up

        report = incidents_retry(incident_ids=ids, actor=request.user)
        self.message_user(request, f"已重试 {len(report.done)} 个 / {len(report.done)} retried")
        for incident_id, reason in report.refused.items():
            self.message_user(request, f"#{incident_id}: {reason}", level=messages.WARNING)


@admin.register(ServiceJob)
class ServiceJobAdmin(admin.ModelAdmin):
    list_display = ("operation", "instance", "status", "attempts", "created_at")


@admin.register(OutboxJob)
class OutboxJobAdmin(admin.ModelAdmin):
    """The job outbox, read only: the relay, workers and the sweep change it."""

    list_display = ("task", "args", "status", "tries", "lock_owner", "available_at", "error")
    list_filter = ("status", "task")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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
