from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .catalog import admin as catalog_admin  # noqa: F401  (the open catalog's levels)
from .models import (
    AccessRequest,
    EligibilityRule,
    Extract,
    Forwarding,
    Partner,
    PartnerHolding,
    ProofKind,
    Purpose,
)
from .partners import partner_register, partner_update


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


class PartnerForm(forms.ModelForm):
    endpoint = forms.URLField(
        assume_scheme="https",
        label=_("接收转交的地址 endpoint"),
        max_length=500,
        help_text=_("本馆向此地址推送签名的转交通知（HTTP POST）"),
    )
    private_network = forms.BooleanField(
        label=_("政务内网地址 on the intranet"),
        required=False,
        help_text=_("地址为内网（私有）地址时勾选；其他 webhook 接收方仍只能是公网地址"),
    )

    class Meta:
        model = Partner
        fields = (
            "code", "name", "kind", "endpoint", "private_network", "answer_working_days",
            "contact", "active",
        )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["endpoint"].initial = self.instance.endpoint
            self.fields[
                "private_network"
            ].initial = self.instance.subscription.private_network_allowed
            self.fields["code"].disabled = True  # the partner signs with it


class PartnerHoldingInline(admin.TabularInline):
    model = PartnerHolding
    extra = 1
    raw_id_fields = ("material",)


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    """馆室联动: staff register a partner; the shared key is shown here to hand to it."""

    form = PartnerForm
    list_display = ("name", "code", "kind", "endpoint", "answer_working_days", "active")
    readonly_fields = ("shared_key",)
    inlines = (PartnerHoldingInline,)

    @admin.display(description=_("共享密钥 shared key"))
    def shared_key(self, partner) -> str:
        return partner.subscription.secret if partner.pk else "保存后生成 made on saving"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            obj.save()
            partner_update(
                partner=obj,
                endpoint=data["endpoint"],
                private_network=data["private_network"],
                active=obj.active,
            )
            return
        registered = partner_register(
            code=data["code"],
            name=data["name"],
            kind=data["kind"],
            endpoint=data["endpoint"],
            private_network=data["private_network"],
            answer_working_days=data["answer_working_days"],
            contact=data["contact"],
        )
        obj.pk, obj.subscription, obj.created_at = (
            registered.pk,
            registered.subscription,
            registered.created_at,
        )
        obj._state.adding = False


@admin.register(Forwarding)
class ForwardingAdmin(admin.ModelAdmin):
    list_display = ("request", "partner", "status", "sent_at", "due_at", "answered_at")
    list_filter = ("status", "partner")
    readonly_fields = [f.name for f in Forwarding._meta.fields]

    def has_add_permission(self, request):
        return False
