import hashlib
import re
import unicodedata
from pathlib import Path

from django.core.files import File
from django.db import transaction

from workflows.journal import journal_append

from ..checks import CheckResult, FileKind, check_file
from ..conf import setting
from ..exceptions import DuplicateMaterial, NotPermitted, UploadRefused
from ..models import Case, CatalogItem, Material, Node

CONTROL_OR_SEPARATOR = re.compile(r"[\x00-\x1f\x7f/\\]")


def clean_file_name(name: str) -> str:
    """The last path component, without control characters; never empty."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = CONTROL_OR_SEPARATOR.sub("", name).strip(" .")
    return name[:200] or "unnamed"


def _digest(file: File) -> tuple[str, int]:
    sha256, size = hashlib.sha256(), 0
    file.seek(0)
    for chunk in file.chunks():
        sha256.update(chunk)
        size += len(chunk)
    file.seek(0)
    return sha256.hexdigest(), size


def material_upload(
    *,
    case: Case,
    user,
    catalog_item: CatalogItem,
    file: File,
    name: str,
    node: Node | None = None,
    supersedes: Material | None = None,
) -> Material:
    """Store one uploaded file as a material version, with its SHA-256 taken at intake."""
    if not case.project.owner.members.filter(pk=user.pk).exists():
        raise NotPermitted(
            "只能向本单位项目的案件上传材料",
            "you can only upload records to cases of your own organisation's projects",
        )
    if node is not None and node.project_id != case.project_id:
        raise NotPermitted(
            "所选节点不属于该案件的项目", "the chosen node does not belong to this case's project"
        )
    sha256, size = _digest(file)
    if size == 0:
        raise UploadRefused(
            f"文件“{name}”是空文件，请重新选择", f"the file {name!r} is empty; choose it again"
        )
    if size > setting("ACCEPTANCE_MAX_UPLOAD_BYTES"):
        raise UploadRefused(
            f"文件“{name}”超过上传上限 {setting('ACCEPTANCE_MAX_UPLOAD_BYTES')} 字节",
            f"the file {name!r} is larger than the {setting('ACCEPTANCE_MAX_UPLOAD_BYTES')} byte limit",
        )
    with transaction.atomic():
        duplicate = case.materials.filter(sha256=sha256).first()
        if duplicate is not None:
            raise DuplicateMaterial(
                f"该文件与已上传的“{duplicate.original_name}”内容相同，无需重复上传",
                f"this file has the same content as {duplicate.original_name!r}, already uploaded",
                existing=duplicate.pk,
            )
        version = 1
        if supersedes is not None:
            supersedes = Material.objects.select_for_update().get(pk=supersedes.pk, case=case)
            supersedes.supersede()
            supersedes.save()
            version = supersedes.version + 1
        material = Material(
            case=case,
            node=node,
            catalog_item=catalog_item,
            original_name=clean_file_name(name),
            size=size,
            sha256=sha256,
            format_kind=catalog_item.format_kind,
            version=version,
            supersedes=supersedes,
            uploaded_by=user,
        )
        material.file.save(sha256, file, save=False)
        material.save()
        journal_append(
            chain=case.reference,
            kind="material.uploaded",
            actor=user,
            payload={
                "material": material.pk,
                "name": material.original_name,
                "sha256": sha256,
                "size": size,
                "catalog_item": catalog_item.code,
                "node": node.code if node else None,
                "version": version,
                "supersedes": supersedes.pk if supersedes else None,
            },
        )
    return material


def materials_check(materials, *, rules=()) -> list[Material]:
    """Run the file checks, then ``rules`` on files that passed; record pass or fail.

    Each rule takes the stored file's path and returns one ``CheckOutcome``. Returns the
    materials that failed.
    """
    failed = []
    for material in materials:
        path = Path(material.file.path)
        report = check_file(
            path, declared_kind=FileKind(material.format_kind), expected_sha256=material.sha256
        )
        outcomes = [outcome.as_dict() for outcome in report.outcomes]
        passed = report.passed
        if passed:
            for rule in rules:
                outcome = rule(path)
                outcomes.append(outcome.as_dict())
                passed = passed and outcome.result != CheckResult.FAIL
        material.detected_format = report.detected_format
        result = {**report.as_dict(), "outcomes": outcomes, "passed": passed}
        if passed:
            material.pass_checks(result)
        else:
            material.fail_checks(result)
            failed.append(material)
        material.save()
    return failed


def materials_review(*, materials, approve: bool, comment: str = "") -> int:
    """A reviewer's verdict on a set of materials: approve what passed, or return all."""
    count = 0
    for material in materials:
        if approve and material.status == Material.Status.CHECKED:
            material.approve()
        elif not approve:
            material.return_for_correction(comment)
        else:
            continue
        material.save()
        count += 1
    return count
