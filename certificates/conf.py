"""Settings the certificates app reads, with the defaults used when the host site sets none."""

from django.conf import settings

DEFAULTS = {
    "CERTIFICATES_NUMBER_PATTERN": "{prefix}{year}-{sequence:05d}",
    "CERTIFICATES_NUMBER_PREFIX": "JGYS",
    "CERTIFICATES_ISSUER_NAME": "城市建设档案馆",
}


def setting(name: str):
    return getattr(settings, name, DEFAULTS[name])
