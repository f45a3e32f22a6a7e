"""Bad input at intake: every case gets a clear answer, and nothing already accepted is lost.

Each test uploads the way an owner would (``material_upload``), runs the four-property checks
the pre-filing node check runs (``materials_check``), and asserts what the owner is told: the
refusal or the failing check's code, property and message, and what is (not) stored.
"""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.uploadhandler import StopUpload
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from acceptance.exceptions import DuplicateMaterial, NotPermitted, UploadRefused
from acceptance.models import CatalogItem, Material, Organisation
from acceptance.services.material_checks import materials_check
from acceptance.services.materials import material_upload
from acceptance.services.projects import project_register
from acceptance.uploads import LimitedTemporaryFileUploadHandler

from .conftest import CaseFlow, make_user

pytestmark = pytest.mark.django_db(transaction=True)

GIB = 1024**3
MIB = 1024**2


def upload(flow: CaseFlow, content: bytes | File, name: str, *, code: str = "A1-1", **kwargs):
    return material_upload(
        case=flow.case,
        user=kwargs.pop("user", flow.owner),
        catalog_item=flow.case.catalog_version.items.get(code=code),
        node=kwargs.pop("node", flow.filing_node),
        file=ContentFile(content) if isinstance(content, bytes) else content,
        name=name,
        **kwargs,
    )


def checked(material: Material) -> Material:
    materials_check([material])
    return Material.objects.get(pk=material.pk)


def outcome(material: Material, code: str) -> dict:
    found = [o for o in material.check_report["outcomes"] if o["code"] == code]
    assert found, f"no {code} in {[o['code'] for o in material.check_report['outcomes']]}"
    return found[0]


def stored_files(media_root: Path) -> list[Path]:
    return sorted(p for p in (media_root / "materials").rglob("*") if p.is_file())


def sample_pdf(flow: CaseFlow, code: str = "A1-1") -> bytes:
    return flow.samples.path(CatalogItem.objects.get(code=code)).read_bytes()


@pytest.fixture
def empty_case(open_case) -> CaseFlow:
    return open_case(upload=False)


def test_an_empty_file_is_refused_with_its_name_and_nothing_is_stored(empty_case, media_root):
    with pytest.raises(UploadRefused) as refused:
        upload(empty_case, b"", "竣工验收报告.pdf")

    assert refused.value.message_zh == "文件“竣工验收报告.pdf”是空文件，请重新选择"
    assert refused.value.message_en == "the file '竣工验收报告.pdf' is empty; choose it again"
    assert not empty_case.case.materials.exists()
    assert not (media_root / "materials").exists()


def test_a_pdf_under_a_wrong_extension_fails_authenticity_and_is_kept_for_correction(
    empty_case,
):
    content = sample_pdf(empty_case)

    material = checked(upload(empty_case, content, "项目建议书.jpg"))

    assert material.status == Material.Status.CHECK_FAILED
    named = outcome(material, "authenticity.file_name")
    assert (named["property"], named["result"]) == ("authenticity", "fail")
    assert "扩展名 .jpg 与实际内容（PDF 文档）不符" in named["message_zh"]
    assert "rename it to ….pdf" in named["message_en"]
    # Everything else about the file is fine: only the name is wrong.
    assert outcome(material, "usability.pdf_opens")["result"] == "pass"
    assert material.check_report["properties"]["authenticity"] == "fail"
    # Nothing lost: the file is stored as uploaded, byte for byte.
    assert Path(material.file.path).read_bytes() == content


def test_a_pdf_that_is_really_html_is_refused_as_a_disguised_file(empty_case):
    page = b"<!DOCTYPE html><html><body><script>alert(1)</script>report</body></html>"

    material = checked(upload(empty_case, page, "竣工报告.pdf"))

    assert material.status == Material.Status.CHECK_FAILED
    mismatch = outcome(material, "security.kind_mismatch")
    assert (mismatch["property"], mismatch["result"]) == ("security", "fail")
    assert mismatch["message_zh"].startswith("文件实际内容是HTML 网页，不是文件")
    assert mismatch["message_en"].startswith("The file's real content is HTML page, not document")
    assert "it may be disguised" in mismatch["message_en"]
    assert outcome(material, "authenticity.file_name")["result"] == "fail"
    assert outcome(material, "usability.format_accepted")["result"] == "fail"
    assert material.detected_format == "html"


def test_an_encrypted_pdf_is_refused_and_told_to_remove_the_encryption(empty_case, tmp_path):
    writer = PdfWriter(clone_from=io.BytesIO(sample_pdf(empty_case)))
    writer.encrypt(user_password="secret", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)

    material = checked(upload(empty_case, buffer.getvalue(), "加密报告.pdf"))

    encrypted = outcome(material, "security.pdf_encrypted")
    assert (encrypted["property"], encrypted["result"]) == ("security", "fail")
    assert "请取消加密后重新导出" in encrypted["message_zh"]
    assert "Remove the encryption and upload an unencrypted copy" in encrypted["message_en"]
    assert material.status == Material.Status.CHECK_FAILED


def test_a_pdf_with_javascript_is_refused(empty_case):
    writer = PdfWriter(clone_from=io.BytesIO(sample_pdf(empty_case)))
    script = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('hello');"),
        }
    )
    writer.root_object[NameObject("/OpenAction")] = writer._add_object(script)
    buffer = io.BytesIO()
    writer.write(buffer)

    material = checked(upload(empty_case, buffer.getvalue(), "脚本.pdf"))

    active = outcome(material, "security.pdf_active_content")
    assert (active["property"], active["result"]) == ("security", "fail")
    assert active["detail"]["found"] == ["open action /JavaScript"]
    assert "PDF 文件含有脚本或启动外部程序的动作" in active["message_zh"]


def zip_bomb(path: Path, megabytes: int = 64) -> Path:
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("竣工报告.pdf", "w", force_zip64=True) as member,
    ):
        block = bytes(MIB)
        for _ in range(megabytes):
            member.write(block)
    return path


def test_a_zip_bomb_is_refused_without_being_unpacked(empty_case, tmp_path):
    bomb = zip_bomb(tmp_path / "资料.zip")
    assert bomb.stat().st_size < MIB

    material = upload(empty_case, bomb.read_bytes(), "资料.zip")
    tracemalloc.start()
    try:
        material = checked(material)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert peak < 16 * MIB  # 64 MB were never inflated
    assert material.status == Material.Status.CHECK_FAILED
    bomb_check = outcome(material, "security.zip_bomb")
    assert (bomb_check["property"], bomb_check["result"]) == ("security", "fail")
    assert bomb_check["detail"]["unpacked_bytes"] == 64 * MIB
    assert "疑似“压缩炸弹”" in bomb_check["message_zh"]
    assert "a zip bomb" in bomb_check["message_en"]
    package = outcome(material, "security.archive_package")
    assert "请解压后将其中的档案文件逐个上传" in package["message_zh"]


def test_a_package_with_macros_is_named_for_them(empty_case):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/vbaProject.bin", b"\x00VBA macro")

    material = checked(upload(empty_case, buffer.getvalue(), "施工日志.docm"))

    macro = outcome(material, "security.macro")
    assert macro["result"] == "fail"
    assert macro["detail"]["found"] == ["word/vbaProject.bin"]


def test_an_executable_named_as_a_pdf_is_refused_unparsed(empty_case):
    material = checked(upload(empty_case, b"MZ\x90\x00" + bytes(200), "报告.pdf"))

    executable = outcome(material, "security.executable")
    assert executable["result"] == "fail"
    assert "Windows 可执行程序" in executable["message_zh"]
    codes = [o["code"] for o in material.check_report["outcomes"]]
    assert not any(code.startswith("usability.") for code in codes)


class CountingReader(io.RawIOBase):
    """A file of ``size`` zero bytes made on the fly, counting what was read."""

    def __init__(self, size: int) -> None:
        self.size, self.position, self.read_bytes = size, 0, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = offset if whence == 0 else self.size + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.size - self.position)
        buffer[:count] = bytes(count)
        self.position += count
        self.read_bytes += count
        return count


def test_a_2_gb_upload_is_streamed_and_refused_at_the_limit_without_being_held(
    empty_case, media_root, tmp_path
):
    # A sparse file: 2 GiB + 1 byte on disk in name only.
    big = tmp_path / "现场录像.mp4"
    with big.open("wb") as handle:
        handle.truncate(2 * GIB + 1)

    tracemalloc.start()
    try:
        with big.open("rb") as handle, pytest.raises(UploadRefused) as refused:
            upload(empty_case, File(handle, name=big.name), big.name, code="E3-2")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert peak < 16 * MIB
    assert refused.value.data == {"limit": 2 * GIB, "kind": "video"}
    assert refused.value.message_zh == (
        "文件“现场录像.mp4”超过音视频类材料的大小上限 2048 MB，未保存。"
        "请压缩或拆分后重新上传，或联系档案馆。"
    )
    assert not empty_case.case.materials.exists()
    assert not (media_root / "materials").exists()
    assert empty_case.journal("material.uploaded") == []


def test_a_document_past_its_kind_limit_is_refused_after_reading_only_up_to_the_limit(
    empty_case, media_root
):
    reader = CountingReader(2 * GIB + 1)

    with pytest.raises(UploadRefused) as refused:
        upload(empty_case, File(reader, name="竣工报告.pdf"), "竣工报告.pdf")

    assert refused.value.data == {"limit": 200 * MIB, "kind": "document"}
    assert "200 MB limit for document records" in refused.value.message_en
    # The rest of the 2 GB was never read.
    assert reader.read_bytes <= 200 * MIB + MIB
    assert not (media_root / "materials").exists()


def test_the_upload_handler_stops_a_request_past_the_overall_limit(settings, tmp_path):
    settings.ACCEPTANCE_MAX_UPLOAD_BYTES = 3 * MIB
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    handler = LimitedTemporaryFileUploadHandler()
    handler.new_file("file", "big.mp4", "video/mp4", 10 * MIB)
    chunk = bytes(MIB)

    for start in range(3):
        handler.receive_data_chunk(chunk, start * MIB)
    with pytest.raises(StopUpload) as stopped:
        handler.receive_data_chunk(chunk, 3 * MIB)

    assert stopped.value.connection_reset is True
    assert list(tmp_path.iterdir()) == []  # the temporary file is gone


@pytest.mark.parametrize(
    ("name", "stored_as"),
    [
        ("../../etc/竣工报告.pdf", "竣工报告.pdf"),
        ("C:\\Users\\施工\\竣工报告.pdf", "竣工报告.pdf"),
        ("竣工\x00报告\r\n.pdf", "竣工报告.pdf"),
        ("/\x1b\x7f", "unnamed"),
    ],
)
def test_a_name_with_path_separators_or_control_characters_is_stored_cleaned_and_checked(
    empty_case, media_root, name, stored_as
):
    material = checked(upload(empty_case, sample_pdf(empty_case), name))

    assert material.original_name == stored_as
    stored = Path(material.file.path).resolve()
    assert stored.is_relative_to((media_root / "materials" / empty_case.case.reference).resolve())
    assert outcome(material, "integrity.metadata_present")["result"] == "pass"
    assert outcome(material, "authenticity.metadata_values")["result"] == "pass"
    if stored_as == "unnamed":
        assert outcome(material, "authenticity.file_name")["result"] == "warn"


def test_a_duplicate_is_reported_with_the_first_upload_and_stored_once(empty_case, media_root):
    first = upload(empty_case, sample_pdf(empty_case), "项目建议书.pdf")

    with pytest.raises(DuplicateMaterial) as refused:
        upload(empty_case, sample_pdf(empty_case), "副本.pdf", code="A1-2")

    assert refused.value.data == {"existing": first.pk}
    assert refused.value.message_zh == "该文件与已上传的“项目建议书.pdf”内容相同，无需重复上传"
    assert list(empty_case.case.materials.all()) == [first]
    assert stored_files(media_root) == [Path(first.file.path)]


def test_an_upload_to_a_node_of_another_owners_project_is_refused(world, empty_case, media_root):
    stranger = make_user("owner_elsewhere", "owners")
    elsewhere = Organisation.objects.create(name="另一建设单位有限公司")
    elsewhere.members.add(stranger)
    their_project = project_register(
        user=stranger, owner=elsewhere, name="另一项目", location="别处", works_type="building"
    )
    their_node = their_project.nodes.first()

    with pytest.raises(NotPermitted) as refused:
        upload(empty_case, sample_pdf(empty_case), "报告.pdf", node=their_node)

    assert refused.value.message_zh == "所选节点不属于该案件的项目"
    assert not empty_case.case.materials.exists()
    assert not their_node.materials.exists()
    assert not (media_root / "materials").exists()


def test_a_failed_new_version_keeps_the_old_version_and_both_reports(empty_case):
    good = checked(upload(empty_case, sample_pdf(empty_case), "项目建议书.pdf"))
    bad = checked(
        upload(empty_case, b"<html>not a pdf</html>", "项目建议书-v2.pdf", supersedes=good)
    )

    old = Material.objects.get(pk=good.pk)
    assert old.status == Material.Status.SUPERSEDED
    assert old.check_report["passed"] is True
    assert Path(old.file.path).is_file()
    assert (bad.version, bad.status, bad.check_report["passed"]) == (2, "check_failed", False)
