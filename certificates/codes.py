"""The short verification code printed on a certificate: made, printed and read back."""

from __future__ import annotations

import secrets

VERIFICATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
CODE_LENGTH = 8  # 40 bits; lookups are rate limited


def verification_code_new() -> str:
    return "".join(secrets.choice(VERIFICATION_ALPHABET) for _ in range(CODE_LENGTH))


def verification_code_printed(code: str) -> str:
    """``7K3MQ9XD`` as printed: ``7K3M-Q9XD``."""
    return "-".join(code[index : index + 4] for index in range(0, len(code), 4))


def verification_code_normalized(typed: str) -> str:
    """What a person typed, as stored: case, spaces and hyphens do not matter."""
    return "".join(typed.split()).replace("-", "").replace("－", "").upper()
