from django import forms

from .models import Certificate

REQUIRED = "请填写此项。This field is required."


class LookupForm(forms.Form):
    number = forms.CharField(
        label="意见书或证明编号 Certificate or extract number",
        max_length=Certificate._meta.get_field("number").max_length,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "JGYS2026-00001"}),
        error_messages={
            "required": REQUIRED,
            "max_length": "编号过长。The number is too long.",
        },
    )
    code = forms.CharField(
        label="验证码 Verification code",
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "ABCD-EFGH"}),
        error_messages={"required": REQUIRED, "max_length": "验证码过长。The code is too long."},
    )


class UploadForm(forms.Form):
    # Tells the page which of its two forms was sent (a test client sends both as multipart).
    check = forms.CharField(widget=forms.HiddenInput, initial="pdf", required=False)
    pdf = forms.FileField(
        label="本馆出具的 PDF 或 OFD 文件（意见书、利用证明、承诺书、检测报告） A PDF or OFD the archive issued",
        widget=forms.ClearableFileInput(
            attrs={"accept": "application/pdf,.pdf,application/ofd,.ofd"}
        ),
        error_messages={
            "required": "请选择要核验的 PDF 或 OFD 文件。Choose the PDF or OFD file to check.",
            "empty": "文件为空，请选择验收意见书 PDF 或 OFD 文件。The file is empty; choose the certificate PDF or OFD.",
            "invalid": "未收到文件，请重新选择。No file was received; choose it again.",
        },
    )
