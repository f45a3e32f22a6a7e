"""A development SM2 seal (电子印章), key and certificates, so the embedded default seals OFDs.

NOT FOR PRODUCTION: every name says so (不得用于生产), the picture says so across its middle, the key's
password is a published constant and the SM2 CA's private key is thrown away once the signer's
certificate and the seal are made. A real archive sets ``SIGNING_SM2_KEY_PATH``,
``SIGNING_SM2_CERTIFICATE_PATH``, ``SIGNING_SEAL_PATH`` and ``SIGNING_SM2_TRUST_ROOTS`` to its
own, issued by its seal authority.
"""

from __future__ import annotations

import io
import math
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import pem

from workflows.fonts import CJK_FONT_PATH

from .conf import (
    DEV_SEAL_FILE,
    DEV_SM2_CA_FILE,
    DEV_SM2_KEY_FILE,
    DEV_SM2_PASSWORD,
    DEV_SM2_SIGNER_FILE,
)
from .ofd_seal import seal_make
from .sm2 import Sm2Name, sm2_certificate_build, sm2_key_generate, sm2_private_key_pem

NOT_FOR_PRODUCTION = "不得用于生产 NOT FOR PRODUCTION"
ORGANISATION = "城市建设档案馆"
SEAL_MM = 40  # the usual diameter of an organisation's round seal
SEAL_RED = (206, 17, 38, 255)
BACKDATE = timedelta(days=400)  # as the development CA: tests that move the clock back still seal
VALIDITY = timedelta(days=5 * 365)


@dataclass(frozen=True)
class DevSealFiles:
    directory: Path
    ca_certificate: Path
    signer_certificate: Path
    signer_key: Path
    seal: Path
    password: str
    created: bool


def seal_picture_png(organisation: str, middle: str, bottom: str, pixels: int = 472) -> bytes:
    """A red round seal: the name along the upper rim, a star, two lines across the lower half."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGBA", (pixels, pixels), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    centre, rim = pixels / 2, pixels * 0.035
    draw.ellipse(
        (rim / 2, rim / 2, pixels - rim / 2, pixels - rim / 2), outline=SEAL_RED, width=int(rim)
    )
    star = [
        (
            centre + pixels * (0.13 if point % 2 == 0 else 0.05) * math.sin(point * math.pi / 5),
            centre - pixels * (0.13 if point % 2 == 0 else 0.05) * math.cos(point * math.pi / 5),
        )
        for point in range(10)
    ]
    draw.polygon(star, fill=SEAL_RED)
    rim_font = ImageFont.truetype(str(CJK_FONT_PATH), int(pixels * 0.11))
    # The name runs clockwise along the upper rim over 240°, each character upright to the centre.
    spread = math.radians(240)
    for index, character in enumerate(organisation):
        angle = -spread / 2 + spread * (index + 0.5) / len(organisation)
        glyph = Image.new("RGBA", (int(pixels * 0.14), int(pixels * 0.14)), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text(
            (glyph.width / 2, glyph.height / 2),
            character,
            font=rim_font,
            fill=SEAL_RED,
            anchor="mm",
        )
        glyph = glyph.rotate(-math.degrees(angle), resample=Image.BICUBIC)
        radius = pixels * 0.37
        x = centre + radius * math.sin(angle) - glyph.width / 2
        y = centre - radius * math.cos(angle) - glyph.height / 2
        image.alpha_composite(glyph, (int(x), int(y)))
    line_font = ImageFont.truetype(str(CJK_FONT_PATH), int(pixels * 0.075))
    draw.text((centre, centre + pixels * 0.2), middle, font=line_font, fill=SEAL_RED, anchor="mm")
    small_font = ImageFont.truetype(str(CJK_FONT_PATH), int(pixels * 0.05))
    draw.text((centre, centre + pixels * 0.3), bottom, font=small_font, fill=SEAL_RED, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _write(path: Path, data: bytes, mode: int) -> None:
    # Write then rename: a crash never leaves half a key file that looks configured.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def dev_seal_create(directory: Path) -> DevSealFiles:
    """Make the development SM2 CA, signer and seal under ``directory`` unless they are there."""
    paths = [
        directory / name
        for name in (DEV_SM2_CA_FILE, DEV_SM2_SIGNER_FILE, DEV_SM2_KEY_FILE, DEV_SEAL_FILE)
    ]
    files = DevSealFiles(directory, *paths, password=DEV_SM2_PASSWORD, created=False)
    if all(path.is_file() for path in paths):
        return files
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).replace(microsecond=0)
    ca_key, signer_key = sm2_key_generate(), sm2_key_generate()
    ca_name = Sm2Name("仅供开发测试 Development SM2 CA", ORGANISATION, NOT_FOR_PRODUCTION)
    signer_name = Sm2Name(
        f"{ORGANISATION} 电子印章（仅供开发测试）", ORGANISATION, NOT_FOR_PRODUCTION
    )
    validity = {"not_before": now - BACKDATE, "not_after": now + VALIDITY}
    ca = sm2_certificate_build(
        subject=ca_name,
        public_key=ca_key.public_key(),
        issuer=ca_name,
        issuer_key=ca_key,
        serial=secrets.randbits(63),
        authority=True,
        **validity,
    )
    signer = sm2_certificate_build(
        subject=signer_name,
        public_key=signer_key.public_key(),
        issuer=ca_name,
        issuer_key=ca_key,
        serial=secrets.randbits(63),
        authority=False,
        **validity,
    )
    seal = seal_make(
        es_id=f"DEV-{secrets.token_hex(6).upper()}",
        name=f"{ORGANISATION}验收专用章（不得用于生产）",
        picture_png=seal_picture_png(ORGANISATION, "验收专用章", "不得用于生产"),
        picture_mm=(SEAL_MM, SEAL_MM),
        sealer_certificates=[signer],
        maker_key=ca_key,
        maker_certificate=ca,
        valid_from=now - BACKDATE,
        valid_to=now + VALIDITY,
    )
    _write(paths[2], sm2_private_key_pem(signer_key, DEV_SM2_PASSWORD), 0o600)
    _write(paths[1], pem.armor("CERTIFICATE", signer.dump()), 0o644)
    _write(paths[3], seal.dump(), 0o644)
    _write(paths[0], pem.armor("CERTIFICATE", ca.dump()), 0o644)
    return DevSealFiles(directory, *paths, password=DEV_SM2_PASSWORD, created=True)
