from rest_framework import serializers
from rest_framework.reverse import reverse

from certificates.models import Certificate


class CertificateSerializer(serializers.ModelSerializer):
    case = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    supersedes = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    pdf_url = serializers.SerializerMethodField()
    ofd_url = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = (
            "number",
            "case",
            "kind",
            "status",
            "status_reason",
            "issued_at",
            "verification_code",
            "pdf_sha256",
            "supersedes",
            "pdf_url",
            "ofd_url",
        )
        read_only_fields = fields

    def get_pdf_url(self, certificate) -> str:
        return reverse(
            "api:certificate-pdf",
            kwargs={"number": certificate.number},
            request=self.context.get("request"),
        )

    def get_ofd_url(self, certificate) -> str | None:
        """The sealed OFD once rendered; null while it is being prepared or not issued."""
        if not certificate.ofd:
            return None
        return reverse(
            "api:certificate-ofd",
            kwargs={"number": certificate.number},
            request=self.context.get("request"),
        )
