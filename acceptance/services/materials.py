import re
import unicodedata
from datetime import date
from pathlib import Path

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from workflows.digests import SHA256, configured_algorithm, hasher, labelled
from workflows.jobs.outbox import job_enqueue
from workflows.journal import journal_append

from ..checks import CheckResult, FileKind, FileReport, check_file, summarize_properties
from ..checks.formats import KIND_NAMES_ZH
from ..conf import max_bytes_by_kind, rule_outcomes
from ..exceptions import CatalogNotReady, DuplicateMaterial, NotPermitted, UploadRefused
from ..models import Case, CatalogItem, Material, Node
from ..selectors.cases import material_changeable
from .fixity import file_sha256

CONTROL_OR_SEPARATOR = re.compile(r"[\x00-\x1f\x7f/\\]")
FORBIDDEN_IN_TITLE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
CHUNK_BYTES = 1024 * 1024
INTAKE_CHECK_TASK = "acceptance.check_material"


def clean_file_name(name: str) -> str:
    """The last path component, without control characters; never empty."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = CONTROL_OR_SEPARATOR.sub("", name).strip(" .")
    return name[:200] or "unnamed"


def _digest(file: File, *, limit: int, name: str, kind: str) -> tuple[str, str, int]:
    """SHA-256 (the storage address), the fixity digest under the configured algorithm
    (labelled) and the size of ``file``, read in chunks; refused as soon as it passes ``limit``.

    Nothing is stored yet and only one chunk is held at a time, so a 2 GB upload costs no more
    memory than a small one, and a too-large one is refused without reading the rest of it.
    """
    algorithm = configured_algorithm()
    sha256, size = hasher(SHA256), 0
    fixity = sha256 if algorithm == SHA256 else hasher(algorithm)
    file.seek(0)
    for chunk in file.chunks(CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            raise UploadRefused(
                f"文件“{name}”超过{KIND_NAMES_ZH[FileKind(kind)]}类材料的大小上限 "
                f"{_mb(limit)}，未保存。请压缩或拆分后重新上传，或联系档案馆。",
                f"the file {name!r} is larger than the {_mb(limit)} limit for {kind} records "
                "and was not stored; reduce or split it and upload again, or contact the archive",
                limit=limit,
                kind=kind,
            )
        sha256.update(chunk)
        if fixity is not sha256:
            fixity.update(chunk)
    file.seek(0)
    return sha256.hexdigest(), labelled(algorithm, fixity.hexdigest()), size


def _mb(size: int) -> str:
    return f"{size / 1024**2:.0f} MB"


def _default_title(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name.strip(".") else name
    return FORBIDDEN_IN_TITLE.sub("_", stem).strip()[:300] or name


def material_upload(
    *,
    case: Case,
    user,
    catalog_item: CatalogItem,
    file: File,
    name: str,
    node: Node | None = None,
    supersedes: Material | None = None,
    title: str = "",
    document_number: str = "",
    responsible_party: str = "",
    formed_on: date | None = None,
    origin: str = "",
) -> Material:
    """Store one uploaded file as a material version, with its digests taken at intake.

    The file is hashed in chunks and refused past its kind's size limit before anything is
    stored; the same content twice in a case is refused and stored once. ``title`` and the
    other metadata default to the file name, the owner organisation and today; ``origin``
    (``Material.Origin``, declared by the owner) to none: it is then told from the file
    (``selectors.originals``).
    """
    if not case.project.owner.members.filter(pk=user.pk).exists():
        raise NotPermitted(
            "只能向本单位项目的案件上传材料",
            "you can only upload records to cases of your own organisation's projects",
        )
    if node is not None and node.project_id != case.project_id:
        raise NotPermitted(
            "所选节点不属于该案件的项目", "the chosen node does not belong to this case's project"
        )
    if catalog_item.version_id != case.catalog_version_id:
        raise CatalogNotReady(
            f"条目 {catalog_item.code} 不属于该案件使用的归档范围 v{case.catalog_version.number}",
            f"item {catalog_item.code} is not of the case's catalog v{case.catalog_version.number}",
            code=catalog_item.code,
        )
    clean_name = clean_file_name(name)
    limit = max_bytes_by_kind().get(FileKind(catalog_item.format_kind))
    sha256, digest, size = _digest(
        file, limit=limit, name=clean_name, kind=catalog_item.format_kind
    )
    if size == 0:
        raise UploadRefused(
            f"文件“{clean_name}”是空文件，请重新选择",
            f"the file {clean_name!r} is empty; choose it again",
        )
    stored = None
    try:
        with transaction.atomic():
            duplicate = case.materials.same_content(sha256).first()
            if duplicate is not None:
                raise _duplicate_refusal(duplicate)
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
                original_name=clean_name,
                title=title.strip() or _default_title(clean_name),
                document_number=document_number.strip(),
                responsible_party=responsible_party.strip() or case.project.owner.name,
                formed_on=formed_on or timezone.localdate(),
                origin=origin,
                size=size,
                sha256=sha256,
                digest=digest,
                format_kind=catalog_item.format_kind,
                version=version,
                supersedes=supersedes,
                uploaded_by=user,
            )
            material.file.save(sha256, file, save=False)
            stored = material.file.name
            material.save()
            journal_append(
                chain=case.reference,
                kind="material.uploaded",
                actor=user,
                payload={
                    "material": material.pk,
                    "name": material.original_name,
                    "sha256": sha256,
                    # Under another algorithm than SHA-256, its fixity digest too (labelled).
                    **({"digest": digest} if digest != sha256 else {}),
                    "size": size,
                    "catalog_item": catalog_item.code,
                    "node": node.code if node else None,
                    "version": version,
                    "supersedes": supersedes.pk if supersedes else None,
                    **({"origin": origin} if origin else {}),
                },
            )
            # The intake checks (``services.intake``), as a job written with the material: the
            # result is recorded on it, so every page shows it after a reload.
            job_enqueue(INTAKE_CHECK_TASK, material.pk)
    except BaseException as exc:
        # The row was rolled back: do not leave its file behind.
        if stored is not None:
            material.file.storage.delete(stored)
        if isinstance(exc, IntegrityError):
            # A concurrent upload of the same content committed between the check and the insert.
            duplicate = case.materials.same_content(sha256).first()
            if duplicate is not None:
                raise _duplicate_refusal(duplicate) from exc
        raise
    return material


def _duplicate_refusal(duplicate: Material) -> DuplicateMaterial:
    return DuplicateMaterial(
        f"该文件与已上传的“{duplicate.original_name}”内容相同，无需重复上传",
        f"this file has the same content as {duplicate.original_name!r}, already uploaded",
        existing=duplicate.pk,
    )


def material_metadata(material: Material) -> dict:
    """The record's metadata as the checks read it (see ``acceptance.checks.metadata``)."""
    return {
        "title": material.title,
        "file_name": material.original_name,
        "catalog_item": material.catalog_item.code,
        "retention": material.catalog_item.retention,
        "responsible_party": material.responsible_party,
        "date": material.formed_on.isoformat() if material.formed_on else "",
        "format_kind": material.format_kind,
        "size": material.size,
    }


def material_check_report(material: Material, **options) -> FileReport:
    """Run the four-property checks on one stored material version.

    Only the moment the check started is saved (``check_started_at``: the check is running
    until its result is recorded). ``options`` go to ``check_file`` (``image_check``,
    ``av_rules``).
    """
    material.check_started_at = timezone.now()
    Material.objects.filter(pk=material.pk).update(check_started_at=material.check_started_at)
    return material_file_report(material, **options)


def material_file_report(material: Material, **options) -> FileReport:
    """The four-property checks of one stored material version, recording nothing."""
    return check_file(
        Path(material.file.path),
        declared_kind=FileKind(material.format_kind),
        expected_digest=material.intake_digest,
        max_bytes=max_bytes_by_kind(),
        name=material.original_name,
        metadata=material_metadata(material),
        today=timezone.localdate(),
        **options,
    )


def _check_result(report: FileReport, outcomes: list[dict], checks: list[str]) -> dict:
    passed = report.passed and all(outcome["result"] != CheckResult.FAIL for outcome in outcomes)
    return {
        **report.as_dict(),
        "outcomes": outcomes,
        "passed": passed,
        "checks": checks,
        "properties": summarize_properties(outcomes),
        "checked_at": timezone.now().isoformat(),
    }


def _outcomes_with_rules(material: Material, report: FileReport, rules) -> list[dict]:
    outcomes = [outcome.as_dict() for outcome in report.outcomes]
    if report.passed:
        path = Path(material.file.path)
        for rule in rules:
            outcomes += [outcome.as_dict() for outcome in rule_outcomes(rule, path)]
    return outcomes


def materials_lock(materials) -> list[Material]:
    """Lock ``materials`` for checking or recording, in the one lock order; return them fresh.

    The order: all the material rows first, by ``pk``, and only then (when a status change is
    journaled) the journal's head. The intake job (``services.intake``) and the process's checks
    (``handlers``) both lock through here, so neither can hold a row the other waits for while
    waiting for one the other holds. The case is not locked: the asynchronous checks must not
    (see ``handlers``). ``no_key``: a row stored meanwhile that refers to a material need not
    wait. ``materials``: rows, or a query of them, which is then read by the locking statement
    itself. Call inside a transaction.
    """
    pks = (
        materials.values("pk")
        if isinstance(materials, QuerySet)
        else [material.pk for material in materials]
    )
    return list(
        Material.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk__in=pks)
        .select_related("case__project", "catalog_item", "node")
        .order_by("pk")
    )


def checks_signature(rules) -> list[str]:
    """The names of the extra ``rules`` a check runs, stored with its result (``checks``)."""
    return [
        f"{function.__module__}.{function.__qualname__}"
        for function in (getattr(rule, "func", rule) for rule in rules)
    ]


def material_check_reusable(material: Material, checks: list[str]) -> bool:
    """The same ``checks`` of this very content are recorded on the version: reuse, not redo.

    Every check of a material runs the checks of its kind (``services.material_checks``), so
    the intake job's result serves the node check, the drawing review and the AV intake, and
    the other way round; only the stored file's digest is read again. A result recorded with
    other rules (the configured rules changed since) is redone; a returned file is checked
    again on resubmission (its status has to leave ``returned``).
    """
    report = material.check_report or {}
    return (
        material.status in (Material.Status.CHECKED, Material.Status.CHECK_FAILED)
        and report.get("sha256") == material.sha256
        and report.get("checks") == checks
        and _stored_unchanged(material)
    )


def _stored_unchanged(material: Material) -> bool:
    """The stored file still has the content checked (a damaged one is checked again)."""
    try:
        return file_sha256(Path(material.file.path)) == material.sha256
    except (OSError, ValueError):
        return False


def materials_check_each(materials, check_for, *, statuses=None) -> list[Material]:
    """Lock ``materials`` and check each one not already so checked; return those that failed.

    ``check_for(material)`` answers how the material is checked: the names of its checks
    (``checks_signature``, stored with the result) and ``check(material) -> passed``. A reused
    result that failed counts as failed. ``statuses``: only the rows still in one of them once
    locked are checked (the others are left as they are).

    Inside a caller's transaction no savepoint is taken: nothing here catches a failed check,
    which rolls back the caller's whole transaction (a handler's, the engine's), so a savepoint
    would protect nothing. Called alone, it is a transaction of its own.
    """
    failed = []
    with transaction.atomic(savepoint=False):
        for material in materials_lock(materials):
            if statuses is not None and material.status not in statuses:
                continue
            checks, check = check_for(material)
            if material_check_reusable(material, checks):
                passed = material.status == Material.Status.CHECKED
            else:
                passed = check(material)
            if not passed:
                failed.append(material)
    return failed


def material_rules_check(material: Material, *, rules) -> bool:
    """Run the four-property checks, then ``rules`` if they passed; record pass or fail.

    Each rule takes the stored file's path and returns a ``CheckOutcome`` or a list of them.
    The report is stored on the material version checked (``check_report``). Returns whether
    it passed.
    """
    report = material_check_report(material)
    outcomes = _outcomes_with_rules(material, report, rules)
    return material_checks_record(material, report, outcomes, checks=checks_signature(rules))


def material_checks_record(
    material: Material, report: FileReport, outcomes: list[dict], *, checks: list[str]
) -> bool:
    """Store ``outcomes`` (dicts) of ``report`` on the material: checked, or failed; saved.

    ``checks`` names the extra rules run (``checks_signature``). A status change is journaled.
    Returns whether it passed (no outcome failed).
    """
    result = _check_result(report, outcomes, checks)
    material.detected_format = report.detected_format
    before = material.status
    # The row and its journal entry together; no savepoint: nothing catches a failure here.
    with transaction.atomic(savepoint=False):
        if result["passed"]:
            material.pass_checks(result)
        else:
            material.fail_checks(result)
        material.save()
        if material.status != before:
            material_status_journal(material, "material.checked", passed=result["passed"])
    return result["passed"]


def material_status_journal(material: Material, kind: str, *, actor=None, **payload) -> None:
    """Journal a material's new status; every status change goes through here.

    A material's status is part of the case an auditor travels back to
    (``selectors.history`` reads the ``status`` of any entry that names a material).
    """
    journal_append(
        chain=material.case.reference,
        kind=kind,
        actor=actor,
        payload={
            "material": material.pk,
            "name": material.original_name,
            "version": material.version,
            "status": material.status,
            **payload,
        },
    )


def materials_review(*, materials, approve: bool, comment: str = "") -> int:
    """A reviewer's verdict on a set of materials: approve what passed, or return the rest.

    Returning leaves alone what a reviewer already approved one by one (the drawing page,
    the AV gallery): only what was not approved goes back to the owner.
    """
    count = 0
    for material in materials:
        before = material.status
        if approve and material.status == Material.Status.CHECKED:
            material.approve()
        elif not approve and material.status != Material.Status.APPROVED:
            material.return_for_correction(comment)
        else:
            continue
        # The row and its journal entry together; no savepoint: nothing catches a failure here.
        with transaction.atomic(savepoint=False):
            material.save()
            if material.status != before:
                material_status_journal(material, "material.reviewed", comment=comment)
        count += 1
    return count


def material_withdraw(*, material: Material, user) -> Material:
    """The owner takes back a file before submitting it: withdrawn and journaled, never deleted.

    Refused once the node or case it belongs to was submitted, or once a reviewer saw it.
    """
    case = material.case
    if not case.project.owner.members.filter(pk=user.pk).exists():
        raise NotPermitted(
            "只能撤回本单位项目的材料", "you can only withdraw records of your own organisation"
        )
    with transaction.atomic():
        material = Material.objects.select_for_update().get(pk=material.pk)
        if not material_changeable(material):
            raise NotPermitted(
                f"“{material.original_name}”已随节点或验收申请提交（或已审核），不能再撤回；"
                "如需更正，请按审核意见上传新版本",
                f"{material.original_name!r} was already submitted (or reviewed) and can no "
                "longer be withdrawn; upload a corrected version when asked",
                material=material.pk,
            )
        material.withdraw()
        material.save()
        material_status_journal(material, "material.withdrawn", actor=user)
    return material
