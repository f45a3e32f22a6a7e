from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from .exceptions import CertificateRefused
from .lifecycle import certificate_reinstate, certificate_revoke, certificate_suspend
from .models import Certificate, OpinionTemplate


@admin.register(OpinionTemplate)
class OpinionTemplateAdmin(admin.ModelAdmin):
    list_display = ("kind", "updated_at", "updated_by")
    readonly_fields = ("updated_at", "updated_by")

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="理由 Reason", widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=500
    )


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Read-only: certificates change only through the lifecycle actions, each journaled."""

    list_display = ("number", "kind", "status", "case", "issued_at")
    list_filter = ("kind", "status")
    search_fields = ("number", "journal_chain", "project_name")
    date_hierarchy = "issued_at"
    actions = ("suspend_selected", "reinstate_selected", "revoke_selected")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _lifecycle(self, request, queryset, *, verb: str, title: str, service):
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            changed = []
            for certificate in queryset.order_by("number"):
                try:
                    service(
                        certificate=certificate,
                        reason=form.cleaned_data["reason"],
                        actor=request.user,
                    )
                except CertificateRefused as refused:
                    self.message_user(request, str(refused), messages.ERROR)
                else:
                    changed.append(certificate.number)
            if changed:
                self.message_user(request, f"{title}：{'、'.join(changed)}", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "queryset": queryset,
            "form": form,
            "action": verb,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/certificates/lifecycle_action.html", context)

    @admin.action(description="中止所选意见书 Suspend selected", permissions=["change"])
    def suspend_selected(self, request, queryset):
        return self._lifecycle(
            request, queryset, verb="suspend_selected", title="中止 Suspend",
            service=certificate_suspend,
        )  # fmt: skip

    @admin.action(description="恢复所选意见书 Reinstate selected", permissions=["change"])
    def reinstate_selected(self, request, queryset):
        return self._lifecycle(
            request, queryset, verb="reinstate_selected", title="恢复 Reinstate",
            service=certificate_reinstate,
        )  # fmt: skip

    @admin.action(description="撤销所选意见书 Revoke selected", permissions=["change"])
    def revoke_selected(self, request, queryset):
        return self._lifecycle(
            request, queryset, verb="revoke_selected", title="撤销 Revoke",
            service=certificate_revoke,
        )  # fmt: skip
