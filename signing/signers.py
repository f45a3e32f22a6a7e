"""PAdES signatures on PDFs and detached CMS signatures, behind a swappable interface.

The signer is chosen by the setting ``CERTIFICATES_SIGNER``, a dotted path to a :class:`Signer`
subclass instantiated without arguments. Today's default, :class:`Pkcs12FileSigner`, reads the
archive's key and certificate from a PKCS#12 file (``CERTIFICATES_PKCS12_PATH``,
``CERTIFICATES_PKCS12_PASSWORD``). A hardware module fits by subclassing :class:`PadesSigner`
and returning pyHanko's PKCS#11 signer from :meth:`PadesSigner.cms_signer`.
"""

from __future__ import annotations

import asyncio
import functools
import io
from pathlib import Path

from django.utils.module_loading import import_string

from .conf import setting
from .exceptions import SigningNotConfigured

SIGNATURE_FIELD = "ArchiveSignature"


class Signer:
    """Turns a rendered PDF into a signed one, and signs other data detached."""

    def sign(self, pdf: bytes, *, reason: str) -> bytes:
        """Return ``pdf`` signed with ``reason`` (shown by PDF readers); raise
        :class:`SigningNotConfigured` when it cannot sign."""
        raise NotImplementedError(
            f"{type(self).__name__} must provide sign(pdf, *, reason) returning the signed PDF"
        )

    def sign_detached(self, data: bytes) -> bytes:
        """A detached CMS signature (DER) over ``data``, e.g. an evidence bundle's manifest."""
        raise NotImplementedError(
            f"{type(self).__name__} must provide sign_detached(data) returning DER CMS bytes"
        )

    def describe(self) -> str:
        """Where the key comes from, for logs and the issuance journal entry."""
        return type(self).__name__


class PadesSigner(Signer):
    """A PAdES baseline signature (an invisible field) made by a pyHanko CMS signer."""

    def cms_signer(self):
        """A ``pyhanko.sign.signers.Signer``."""
        raise NotImplementedError(
            f"{type(self).__name__} must provide cms_signer() returning a pyhanko.sign.signers.Signer"
        )

    def sign(self, pdf: bytes, *, reason: str) -> bytes:
        # pyHanko is imported where it is used: it takes longer to load than Django itself.
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        metadata = signers.PdfSignatureMetadata(
            field_name=SIGNATURE_FIELD,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason=reason,
            location=setting("CERTIFICATES_ISSUER_NAME"),
        )
        output = io.BytesIO()
        signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf)),
            metadata,
            signer=self.cms_signer(),
            output=output,
        )
        return output.getvalue()

    def sign_detached(self, data: bytes) -> bytes:
        signed = asyncio.run(
            self.cms_signer().async_sign_general_data(data, "sha256", detached=True)
        )
        return signed.dump()


class Pkcs12FileSigner(PadesSigner):
    """The archive's key and certificate (with its chain) from a PKCS#12 file."""

    def __init__(self, path: str | Path | None = None, password: str | None = None) -> None:
        self.path = Path(path if path is not None else setting("CERTIFICATES_PKCS12_PATH"))
        self.password = (
            password if password is not None else setting("CERTIFICATES_PKCS12_PASSWORD")
        )

    def describe(self) -> str:
        return f"PKCS#12 {self.path}"

    def cms_signer(self):
        try:
            stat = self.path.stat()
        except OSError:
            raise SigningNotConfigured(
                f"未配置本馆的签名密钥：找不到 PKCS#12 文件 {self.path}。请设置 "
                "CERTIFICATES_PKCS12_PATH 与 CERTIFICATES_PKCS12_PASSWORD；开发环境可运行 "
                "manage.py create_dev_signing_ca（仅供开发测试），然后重试该异常",
                f"signing is not configured: no PKCS#12 file at {self.path}. Set "
                "CERTIFICATES_PKCS12_PATH and CERTIFICATES_PKCS12_PASSWORD (for development, run "
                "manage.py create_dev_signing_ca), then retry the incident",
                path=str(self.path),
            ) from None
        return _load_pkcs12(str(self.path), stat.st_mtime_ns, stat.st_size, self.password or "")


@functools.lru_cache(maxsize=4)
def _load_pkcs12(path: str, mtime_ns: int, size: int, password: str):
    # Keyed on the file's mtime and size as well: a replaced key file is read again.
    from pyhanko.sign import signers

    try:
        return signers.SimpleSigner.load_pkcs12_data(
            Path(path).read_bytes(), other_certs=[], passphrase=password.encode() or None
        )
    except (OSError, ValueError) as exc:
        raise SigningNotConfigured(
            f"无法读取签名密钥文件 {path}：密码错误或文件已损坏（请检查 "
            "CERTIFICATES_PKCS12_PASSWORD），然后重试该异常",
            f"cannot open the signing key file {path}: wrong password or damaged file "
            "(check CERTIFICATES_PKCS12_PASSWORD), then retry the incident",
            path=path,
        ) from exc


def get_signer() -> Signer:
    """An instance of the signer class named by ``CERTIFICATES_SIGNER``."""
    dotted_path = setting("CERTIFICATES_SIGNER")
    try:
        signer_class = import_string(dotted_path)
    except ImportError as exc:
        raise SigningNotConfigured(
            f"CERTIFICATES_SIGNER 指向的签名实现 {dotted_path} 无法导入",
            f"CERTIFICATES_SIGNER names {dotted_path!r}, which cannot be imported",
            signer=dotted_path,
        ) from exc
    if not (isinstance(signer_class, type) and issubclass(signer_class, Signer)):
        raise SigningNotConfigured(
            f"CERTIFICATES_SIGNER 指向的 {dotted_path} 不是 signing.signers.Signer 的子类",
            f"CERTIFICATES_SIGNER names {dotted_path!r}, not a signing.signers.Signer subclass",
            signer=dotted_path,
        )
    return signer_class()


def sign_pdf(pdf: bytes, *, reason: str) -> bytes:
    """``pdf`` with the archive's PAdES signature, ``reason`` saying what the signature is for."""
    return get_signer().sign(pdf, reason=reason)


def sign_detached(data: bytes) -> bytes:
    """A detached CMS signature over ``data`` with the configured signer (anchors, bundles)."""
    return get_signer().sign_detached(data)
