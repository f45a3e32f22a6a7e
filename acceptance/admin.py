"""Admin of the acceptance domain: archive staff edit and version the filing catalog here.

A published catalog version is read-only (cases depend on it); to change the catalog, copy a
version to a draft, edit the draft's items and profiles, and publish it, or import an edited
YAML/XLSX export as a new version.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from .exceptions import AcceptanceError
from .exports.catalog import catalog_to_xlsx, catalog_to_yaml
from .models import (
    CatalogItem,
    CatalogProfile,
    CatalogVersion,
    Commitment,
    CommitmentPolicy,
    FixityAudit,
    Material,
    Node,
    Notification,
    Organisation,
    Project,
    Volume,
    VolumeEntry,
)
from .services.catalog import catalog_import, catalog_version_copy, catalog_version_publish
from .services.fixity import material_verify

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CatalogImportForm(forms.Form):
    file = forms.FileField(label="归档范围文件 catalog file (.yaml / .xlsx)")
    note = forms.CharField(label="说明 note", required=False)
    publish = forms.BooleanField(label="立即发布 publish now", required=False, initial=True)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin.register(CatalogVersion)
class CatalogVersionAdmin(admin.ModelAdmin):
    list_display = ("number", "is_published", "published_at", "item_count", "case_count", "note")
    readonly_fields = ("number", "source", "created_at", "published_at", "categories")
    fields = ("number", "note", "source", "categories", "created_at", "published_at")
    actions = ("publish", "copy_to_draft", "export_yaml", "export_xlsx")
    change_list_template = "admin/acceptance/catalogversion/change_list.html"

    @admin.display(boolean=True, description="已发布 published")
    def is_published(self, obj):
        return obj.is_published

    @admin.display(description="条目 items")
    def item_count(self, obj):
        return obj.items.count()

    @admin.display(description="案件 cases")
    def case_count(self, obj):
        return obj.cases.count()

    def has_add_permission(self, request):
        return False  # versions come from an import or a copy

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="acceptance_catalogversion_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not self.has_change_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        form = CatalogImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                version = catalog_import(
                    source=upload,
                    name=upload.name,
                    user=request.user,
                    note=form.cleaned_data["note"],
                    publish=form.cleaned_data["publish"],
                )
            except AcceptanceError as exc:
                form.add_error("file", exc.message_zh + " / " + exc.message_en)
            else:
                self.message_user(
                    request, f"已导入为归档范围 v{version.number}（{version.items.count()} 项）"
                )
                return HttpResponseRedirect(reverse("admin:acceptance_catalogversion_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": "导入归档范围 Import a filing catalog",
        }
        return TemplateResponse(request, "admin/acceptance/catalogversion/import.html", context)

    @admin.action(description="发布所选草稿 Publish the selected drafts")
    def publish(self, request, queryset):
        for version in queryset:
            try:
                catalog_version_publish(version=version, user=request.user)
            except AcceptanceError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, f"归档范围 v{version.number} 已发布")

    @admin.action(description="复制为新草稿 Copy to a new draft")
    def copy_to_draft(self, request, queryset):
        for version in queryset:
            draft = catalog_version_copy(version=version, user=request.user)
            self.message_user(request, f"v{version.number} 已复制为草稿 v{draft.number}")

    def _one(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "请只选择一个版本 choose one version", messages.ERROR)
            return None
        return queryset.get()

    @admin.action(description="导出 YAML Export as YAML")
    def export_yaml(self, request, queryset):
        if version := self._one(request, queryset):
            return _download(
                catalog_to_yaml(version), "application/yaml", f"catalog-v{version.number}.yaml"
            )
        return None

    @admin.action(description="导出 XLSX Export as XLSX")
    def export_xlsx(self, request, queryset):
        if version := self._one(request, queryset):
            return _download(catalog_to_xlsx(version), XLSX, f"catalog-v{version.number}.xlsx")
        return None


class _DraftOnly:
    """Rows of a published catalog version are read-only."""

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.version.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.version.is_published:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(CatalogItem)
class CatalogItemAdmin(_DraftOnly, admin.ModelAdmin):
    list_display = (
        "code",
        "name_zh",
        "version",
        "category",
        "retention",
        "tolerable",
        "format_kind",
        "active",
    )
    list_filter = ("version", "category", "retention", "tolerable", "format_kind", "active")
    search_fields = ("code", "name_zh", "name_en")
    ordering = ("-version__number", "category", "code")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "version":
            kwargs["queryset"] = CatalogVersion.objects.filter(published_at__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(CatalogProfile)
class CatalogProfileAdmin(_DraftOnly, admin.ModelAdmin):
    list_display = ("version", "works_type", "item_count")
    list_filter = ("version", "works_type")
    filter_horizontal = ("items",)

    @admin.display(description="条目 items")
    def item_count(self, obj):
        return obj.items.count()


def check_results(material: Material) -> str:
    outcomes = (material.check_report or {}).get("outcomes", [])
    if not outcomes:
        return "未检测 not checked yet"
    return format_html(
        "<ul>{}</ul>",
        format_html_join(
            "",
            "<li><b>{}</b> <code>{}</code> {}</li>",
            ((o["result"], o["code"], o["message_zh"]) for o in outcomes),
        ),
    )


@admin.register(Material)
class MaterialAdmin(admin.ModelAdmin):
    list_display = (
        "original_name",
        "version",
        "case",
        "catalog_item",
        "status",
        "checks",
        "fixity_ok",
    )
    list_filter = ("status", "format_kind", "fixity_ok")
    search_fields = ("original_name", "sha256", "case__reference")
    actions = ("verify_fixity",)
    exclude = ("check_report",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Material._meta.fields if f.name != "check_report"] + [
            "check_results"
        ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # records are evidence: never deleted

    @admin.display(description="四性检测 checks")
    def checks(self, obj):
        props = (obj.check_report or {}).get("properties", {})
        return " ".join(f"{k[:4]}:{v}" for k, v in props.items()) or "—"

    @admin.display(description="检测结果 check results")
    def check_results(self, obj):
        return check_results(obj)

    @admin.action(description="重新校验摘要 Re-verify SHA-256 now")
    def verify_fixity(self, request, queryset):
        results = [material_verify(material=m, user=request.user) for m in queryset]
        bad = [r for r in results if r.verdict != "ok"]
        level = messages.ERROR if bad else messages.SUCCESS
        self.message_user(
            request,
            f"{len(results)} 个文件已校验，{len(bad)} 个不一致或缺失 "
            f"({len(results)} verified, {len(bad)} changed or missing)",
            level,
        )


class VolumeEntryInline(admin.TabularInline):
    model = VolumeEntry
    extra = 0
    can_delete = False
    readonly_fields = ("position", "material", "pages", "start_page", "end_page")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Volume)
class VolumeAdmin(admin.ModelAdmin):
    list_display = ("archival_code", "title", "retention", "item_count", "page_count", "case")
    list_filter = ("retention", "group")
    search_fields = ("case__reference", "title")
    inlines = (VolumeEntryInline,)
    readonly_fields = [f.name for f in Volume._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(FixityAudit)
class FixityAuditAdmin(admin.ModelAdmin):
    list_display = ("started_at", "finished_at", "checked", "problems", "intact")
    readonly_fields = [f.name for f in FixityAudit._meta.fields]

    @admin.display(description="问题 problems")
    def problems(self, obj):
        return len(obj.mismatches) + len(obj.missing)

    @admin.display(boolean=True)
    def intact(self, obj):
        return obj.intact

    def has_add_permission(self, request):
        return False


class NodeInline(admin.TabularInline):
    """A project's construction nodes (施工节点): archive staff adjust the list per project."""

    model = Node
    extra = 0
    fields = ("position", "code", "name_zh", "name_en")
    ordering = ("position",)


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("reference", "name", "works_type", "owner", "created_at")
    list_filter = ("works_type",)
    search_fields = ("reference", "name")
    inlines = (NodeInline,)
    readonly_fields = ("reference", "created_by", "created_at")


@admin.register(Node)
class NodeAdmin(admin.ModelAdmin):
    """Which catalog items each node's pre-filing expects."""

    list_display = ("project", "position", "code", "name_zh", "expected_count")
    list_filter = ("code",)
    search_fields = ("project__reference", "project__name", "code")
    filter_horizontal = ("expected_items",)

    @admin.display(description="预期条目 expected items")
    def expected_count(self, obj):
        return obj.expected_items.count()


class CommitmentPolicyForm(forms.ModelForm):
    tolerable_codes = forms.MultipleChoiceField(
        label="可容缺条目 tolerable items",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="不选：按归档范围的“可容缺”标记。主审要件不在此列。"
        " None ticked: the catalog's own flags. Core items are not offered.",
    )

    class Meta:
        model = CommitmentPolicy
        fields = (
            "period",
            "day_count",
            "reminder_offsets",
            "pause_on_return",
            "escalate_after_days",
            "tolerable_codes",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        items = CatalogItem.objects.current().filter(active=True).order_by("code")
        self.fields["tolerable_codes"].choices = [
            (item.code, f"{item.code} {item.name_zh}") for item in items if not item.is_core
        ]


@admin.register(CommitmentPolicy)
class CommitmentPolicyAdmin(admin.ModelAdmin):
    """Each save is a new policy row (the one in force is the latest); history stays readable."""

    form = CommitmentPolicyForm
    list_display = ("updated_at", "period", "day_count", "reminder_offsets", "pause_on_return")
    readonly_fields = ("updated_at", "updated_by")

    def save_model(self, request, obj, form, change):
        obj.pk = None
        obj.updated_by = request.user
        obj.save()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "conditional_eligible", "eligibility_reason")
    list_filter = ("conditional_eligible",)
    search_fields = ("name", "credit_code")
    filter_horizontal = ("members",)


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
    """Read-only: a commitment changes only through its transitions (pages, process, sweep)."""

    list_display = ("case", "status", "deadline", "initial_deadline", "paused_at", "signed_by")
    list_filter = ("status",)
    search_fields = ("case__reference",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind", "title_zh", "read_at")
    list_filter = ("kind",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
