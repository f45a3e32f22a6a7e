"""Bulk intake (批量上传): an owner's zip of a node's records, staged, reviewed, then stored.

A zip is read by its central directory first and refused whole, with the reason, when it is no
readable zip, holds more files than ``ACCEPTANCE_BULK_MAX_FILES``, declares more unpacked bytes
than ``ACCEPTANCE_MAX_UPLOAD_BYTES`` or a compression ratio beyond the four-property checks'
bomb limit, or names a member outside its folder (``../``, an absolute path, a drive). Members
that are not records get a reason and are left out (a zip inside the zip, an encrypted member, a
link); folders and the files operating systems add (``__MACOSX/``, ``.DS_Store``,
``Thumbs.db``) are skipped silently. Member names written by Chinese Windows (GBK, without the
zip's UTF-8 flag) are read as GBK.

The zip waits under ``MEDIA_ROOT/bulk/`` while the owner confirms or corrects the match of each
file to a catalog item; each confirmed member is then unpacked on its own, never past its
declared size (zipfile stops there and checks the CRC), and stored by :func:`.materials.material_upload`, exactly as a single upload is.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files import File

from ..checks.packages import MAX_RATIO, PACKAGE_FORMATS
from ..conf import setting
from ..exceptions import UploadRefused
from ..models import Case, CatalogItem, Material, Node
from .materials import CHUNK_BYTES, material_upload

UTF8_FLAG = 0x800
ENCRYPTED_FLAG = 0x1
IGNORED_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
IGNORED_FOLDERS = {"__macosx"}
PACKAGE_SUFFIXES = {".zip", ".rar", ".7z", ".gz", ".tgz", ".tar", ".bz2", ".xz"} | {
    f".{fmt}" for fmt in PACKAGE_FORMATS
}
STAGED_FOR_SECONDS = 24 * 3600
S_IFLNK = 0o120000


class BulkRefused(UploadRefused):
    code = "bulk_refused"


@dataclass(frozen=True)
class ZipMember:
    """One member of a staged zip: its index in the zip, its path, size, and why it is left out."""

    index: int
    path: str
    size: int
    skipped_zh: str = ""
    skipped_en: str = ""

    def as_dict(self) -> dict:
        return {
            "index": self.index,
            "path": self.path,
            "size": self.size,
            "skipped_zh": self.skipped_zh,
            "skipped_en": self.skipped_en,
        }


def staging_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "bulk"


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its author typed it: GBK when the zip does not say UTF-8."""
    if info.flag_bits & UTF8_FLAG:
        return info.filename
    raw = info.filename.encode("cp437")
    for encoding in ("utf-8", "gbk"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _escapes(name: str) -> bool:
    path = name.replace("\\", "/")
    return (
        path.startswith("/")
        or (len(path) > 1 and path[1] == ":")  # C:\...
        or ".." in PurePosixPath(path).parts
    )


def zip_members(path: Path) -> list[ZipMember]:
    """The records in the zip at ``path``, or :class:`BulkRefused` saying why it is refused."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        raise BulkRefused(
            "无法读取该压缩包（文件损坏或不是 ZIP 格式）。请重新打包为 ZIP 后上传，或选择文件夹上传。",
            "the package cannot be read (damaged, or not a ZIP); pack it again as a ZIP, or "
            "upload the folder instead",
        ) from exc
    max_files = setting("ACCEPTANCE_BULK_MAX_FILES")
    files = [info for info in infos if not info.is_dir()]
    if len(files) > max_files:
        raise BulkRefused(
            f"压缩包内有 {len(files)} 个文件，超过一次最多 {max_files} 个的上限，未解压。"
            "请按节点或类别分成几个压缩包分别上传。",
            f"the package holds {len(files)} files, more than the {max_files} one upload takes; "
            "it was not unpacked. Split it into several packages by node or category.",
            files=len(files),
            max_files=max_files,
        )
    unpacked = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos)
    limit = setting("ACCEPTANCE_MAX_UPLOAD_BYTES")
    if unpacked > limit or unpacked / max(packed, 1) > MAX_RATIO:
        raise BulkRefused(
            f"压缩包声明解压后共 {unpacked} 字节，压缩比 {unpacked / max(packed, 1):.0f}:1，"
            "超出安全上限（疑似“压缩炸弹”），未解压，已拒绝。请上传原始档案文件。",
            f"the package declares {unpacked} bytes unpacked, a "
            f"{unpacked / max(packed, 1):.0f}:1 ratio beyond the safety limits (a zip bomb); it "
            "was not unpacked and is refused. Upload the original records.",
            unpacked_bytes=unpacked,
            max_ratio=MAX_RATIO,
        )
    escaping = [_member_name(info) for info in infos if _escapes(_member_name(info))]
    if escaping:
        raise BulkRefused(
            f"压缩包中的文件名指向压缩包以外的位置（如 {escaping[0]}），已拒绝，未解压任何文件。"
            "请直接打包文件夹中的文件后重新上传。",
            f"member names in the package point outside it (such as {escaping[0]!r}); it is "
            "refused and nothing was unpacked. Pack the folder's files as they are and upload "
            "again.",
            names=escaping[:10],
        )
    return [member for member in map(_member, enumerate(infos)) if member is not None]


def _member(numbered: tuple[int, zipfile.ZipInfo]) -> ZipMember | None:
    index, info = numbered
    name = _member_name(info)
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if info.is_dir() or not parts:
        return None
    if parts[-1].lower() in IGNORED_NAMES or any(p.lower() in IGNORED_FOLDERS for p in parts):
        return None
    member = ZipMember(index, "/".join(parts), info.file_size)
    reason = None
    if (info.external_attr >> 16) & 0o170000 == S_IFLNK:
        reason = ("链接文件不是档案文件，未接收。", "a link is no record and is left out")
    elif info.flag_bits & ENCRYPTED_FLAG:
        reason = (
            "文件已加密，档案馆无法检测，未接收。请去除密码后单独上传。",
            "the member is encrypted and cannot be checked; remove the password and upload it "
            "on its own",
        )
    elif PurePosixPath(parts[-1]).suffix.lower() in PACKAGE_SUFFIXES:
        reason = (
            "压缩包中的压缩包不会展开，未接收。请先解压，再将其中的文件上传。",
            "a package inside the package is not unpacked and is left out; unpack it first and "
            "upload its files",
        )
    if reason is None:
        return member
    return ZipMember(member.index, member.path, member.size, *reason)


def bulk_zip_stage(*, case: Case, user, upload: File) -> tuple[str, list[ZipMember]]:
    """Keep the owner's zip for review and list its members; refused zips are not kept."""
    if not case.project.owner.members.filter(pk=user.pk).exists():
        raise BulkRefused(
            "只能向本单位项目的案件上传材料",
            "you can only upload records to cases of your own organisation's projects",
        )
    folder = staging_dir()
    folder.mkdir(parents=True, exist_ok=True)
    _forget_old(folder)
    token = f"{case.pk}-{user.pk}-{secrets.token_hex(12)}"
    target = folder / f"{token}.zip"
    with target.open("wb") as out:
        for chunk in upload.chunks(CHUNK_BYTES):
            out.write(chunk)
    try:
        members = zip_members(target)
    except BulkRefused:
        target.unlink(missing_ok=True)
        raise
    return token, members


def _staged(case: Case, user, token: str) -> Path:
    owner_prefix = f"{case.pk}-{user.pk}-"
    path = staging_dir() / f"{token}.zip"
    # The token is the file's bare name and carries its case and uploader.
    if not token.startswith(owner_prefix) or path.parent != staging_dir() or not path.is_file():
        raise BulkRefused(
            "这批文件已过期或已处理完毕，请重新选择压缩包。",
            "this batch has expired or is finished; choose the package again",
        )
    return path


def bulk_zip_store(
    *, case: Case, user, token: str, index: int, catalog_item: CatalogItem, node: Node | None
) -> Material:
    """Unpack member ``index`` of the staged zip and store it as one material."""
    path = _staged(case, user, token)
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        if not 0 <= index < len(infos):
            raise BulkRefused("压缩包中没有这个文件。", "the package has no such member")
        member = _member((index, infos[index]))
        if member is None or member.skipped_zh:
            raise BulkRefused(
                member.skipped_zh if member else "这不是一个文件。",
                member.skipped_en if member else "this is not a file",
            )
        with tempfile.TemporaryFile() as unpacked:
            try:
                with archive.open(infos[index]) as source:
                    shutil.copyfileobj(source, unpacked, CHUNK_BYTES)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                # zipfile reads no further than the declared size and then checks the CRC:
                # a member that lies about its size, or is damaged, ends here.
                raise BulkRefused(
                    f"压缩包中的“{member.path}”已损坏或与其声明的大小不符，未接收。"
                    "请重新打包后上传。",
                    f"{member.path!r} in the package is damaged or not the size it declares; "
                    "it was not stored. Pack it again and upload.",
                ) from exc
            unpacked.seek(0)
            return material_upload(
                case=case,
                user=user,
                catalog_item=catalog_item,
                file=File(unpacked),
                name=PurePosixPath(member.path).name,
                node=node,
            )


def bulk_zip_finish(*, case: Case, user, token: str) -> None:
    """The batch is done: the staged zip is deleted (the stored records are their own files)."""
    with contextlib.suppress(BulkRefused):  # already gone: nothing to delete
        _staged(case, user, token).unlink(missing_ok=True)


def _forget_old(folder: Path) -> None:
    """Zips staged more than a day ago were abandoned: delete them."""
    cutoff = time.time() - STAGED_FOR_SECONDS
    for staged in folder.glob("*.zip"):
        if staged.stat().st_mtime < cutoff:
            staged.unlink(missing_ok=True)
