"""Bulk intake: matching files to catalog items, hostile zips refused, members stored as uploads."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from acceptance.models import CatalogItem
from acceptance.selectors.catalog import case_catalog_items, catalog_match
from acceptance.selectors.checks import CheckState, material_check_state
from acceptance.services.bulk import BulkRefused, bulk_zip_stage, bulk_zip_store, zip_members

pytestmark = pytest.mark.django_db(transaction=True)


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def matched(case, *paths: str) -> list[tuple[str | None, str]]:
    return [
        (m.item.code if m.item else None, m.how)
        for m in catalog_match(case_catalog_items(case), paths)
    ]


def test_files_are_matched_by_the_code_in_their_names_then_their_folders_then_by_name(open_case):
    case = open_case(upload=False).case
    assert matched(
        case,
        "A1-1 立项批复.pdf",
        "A1-1-2.pdf",  # a second file of A1-1
        "ａ１－１　项目建议书.pdf",  # full-width, as typed on a Chinese keyboard
        "01 立项/C6-P3/检测报告.pdf",  # the code in a folder's name
        "批复 B1-10.pdf",  # B1-10, not B1-1
        "可行性研究报告批复文件.pdf",  # no code: by name
        "照片 IMG_0001.jpg",  # nothing to go by
    ) == [
        ("A1-1", "code"),
        ("A1-1", "code"),
        ("A1-1", "code"),
        ("C6-P3", "code"),
        ("B1-10", "code"),
        ("A1-2", "name"),
        (None, ""),
    ]


def test_a_zip_is_listed_with_gbk_names_and_members_that_are_no_records_say_why(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("资料/A1-1 立项批复.pdf", b"%PDF-1.4 one")
        # Chinese Windows writes GBK names without the UTF-8 flag: an ASCII placeholder of the
        # same length is written, then its bytes are replaced by the GBK name.
        archive.writestr("A1-2 XXXXXXXX.pdf", b"%PDF-1.4 two")
        archive.writestr("资料/更多.zip", zip_bytes({"x.pdf": b"x"}))
        archive.writestr("__MACOSX/._A1-1 立项批复.pdf", b"")
        archive.writestr("资料/", b"")
        link = zipfile.ZipInfo("链接.pdf")
        link.external_attr = 0o120777 << 16
        archive.writestr(link, b"/etc/passwd")
    path = tmp_path / "node.zip"
    gbk = "A1-2 可研批复.pdf".encode("gbk")
    path.write_bytes(buffer.getvalue().replace(b"A1-2 XXXXXXXX.pdf", gbk))

    members = {m.path: m for m in zip_members(path)}
    assert sorted(members) == [
        "A1-2 可研批复.pdf",
        "资料/A1-1 立项批复.pdf",
        "资料/更多.zip",
        "链接.pdf",
    ]
    assert not members["资料/A1-1 立项批复.pdf"].skipped_zh
    assert not members["A1-2 可研批复.pdf"].skipped_zh
    assert "压缩包中的压缩包不会展开" in members["资料/更多.zip"].skipped_zh
    assert "链接文件" in members["链接.pdf"].skipped_zh


@pytest.mark.parametrize(
    ("members", "says"),
    [
        ({"../../etc/cron.d/x.pdf": b"x"}, "指向压缩包以外的位置"),
        ({"/etc/passwd": b"x"}, "指向压缩包以外的位置"),
        ({"C:\\Windows\\x.pdf": b"x"}, "指向压缩包以外的位置"),
        ({"bomb.pdf": b"\0" * 5_000_000}, "压缩炸弹"),
    ],
)
def test_a_hostile_zip_is_refused_whole_with_the_reason(tmp_path, members, says):
    path = tmp_path / "hostile.zip"
    path.write_bytes(zip_bytes(members))
    with pytest.raises(BulkRefused) as refused:
        zip_members(path)
    assert says in refused.value.message_zh


def test_too_many_files_and_no_zip_at_all_are_refused(tmp_path, settings):
    settings.ACCEPTANCE_BULK_MAX_FILES = 3
    path = tmp_path / "many.zip"
    path.write_bytes(zip_bytes({f"A1-{n}.pdf": b"%PDF" for n in range(1, 5)}))
    with pytest.raises(BulkRefused) as refused:
        zip_members(path)
    assert "超过一次最多 3 个的上限" in refused.value.message_zh
    path.write_bytes(b"not a zip at all")
    with pytest.raises(BulkRefused) as refused:
        zip_members(path)
    assert "无法读取该压缩包" in refused.value.message_zh


def test_a_member_that_unpacks_to_more_than_it_declared_is_not_stored(open_case, samples):
    flow = open_case(upload=False)
    item = CatalogItem.objects.get(code="A1-1")
    record = samples.path(item).read_bytes()
    data = bytearray(zip_bytes({"A1-1.pdf": record}))
    # Lower the declared size in the central directory: the member now lies about its size.
    directory = data.rfind(b"PK\x01\x02")
    data[directory + 24 : directory + 28] = (10).to_bytes(4, "little")
    token, members = bulk_zip_stage(
        case=flow.case, user=flow.owner, upload=SimpleUploadedFile("x.zip", bytes(data))
    )
    with pytest.raises(BulkRefused) as refused:
        bulk_zip_store(
            case=flow.case,
            user=flow.owner,
            token=token,
            index=members[0].index,
            catalog_item=item,
            node=flow.filing_node,
        )
    assert "已损坏或与其声明的大小不符" in refused.value.message_zh
    assert not flow.case.materials.exists()


def test_a_staged_zip_is_stored_member_by_member_through_the_material_intake(
    client, open_case, samples
):
    flow = open_case(upload=False)
    first, second = CatalogItem.objects.get(code="A1-1"), CatalogItem.objects.get(code="A1-2")
    package = zip_bytes(
        {
            "A1-1 立项批复.pdf": samples.path(first).read_bytes(),
            "可研/说明.pdf": samples.path(second).read_bytes(),
        }
    )
    client.force_login(flow.owner)
    reference = flow.case.reference
    answer = client.post(
        reverse("acceptance:bulk_zip", args=[reference]),
        {"file": SimpleUploadedFile("节点.zip", package, content_type="application/zip")},
    ).json()
    files = {f["path"]: f for f in answer["files"]}
    assert files["A1-1 立项批复.pdf"]["item"] == "A1-1"
    assert files["可研/说明.pdf"]["item"] is None
    assert not flow.case.materials.exists()  # nothing is stored before the owner confirms

    for path, code in (("A1-1 立项批复.pdf", "A1-1"), ("可研/说明.pdf", "A1-2")):
        url = reverse(
            "acceptance:bulk_zip_member", args=[reference, answer["token"], files[path]["index"]]
        )
        stored = client.post(url, {"node": flow.filing_node.code, "catalog_item": code})
        assert stored.status_code == 201, stored.content
    materials = {m.catalog_item.code: m for m in flow.case.materials.all()}
    assert sorted(materials) == ["A1-1", "A1-2"]
    assert materials["A1-2"].original_name == "说明.pdf"
    # Checked at intake as a single upload is: the one check state says so.
    assert {material_check_state(m) for m in materials.values()} == {CheckState.PASSED}
    assert [e.payload.get("material") for e in flow.journal("material.uploaded")] == [
        materials["A1-1"].pk,
        materials["A1-2"].pk,
    ]

    done = reverse("acceptance:bulk_zip_done", args=[reference, answer["token"]])
    assert client.post(done).json() == {"ok": True}
    gone = client.post(
        reverse("acceptance:bulk_zip_member", args=[reference, answer["token"], 0]),
        {"node": flow.filing_node.code, "catalog_item": "A1-1"},
    )
    assert gone.status_code == 400 and "已过期或已处理完毕" in gone.json()["message_zh"]


def test_only_the_owner_may_use_bulk_intake_and_another_owners_batch_is_not_theirs(
    client, open_case
):
    flow = open_case(upload=False)
    reference = flow.case.reference
    client.force_login(flow.reviewer)
    assert client.get(reverse("acceptance:bulk_upload", args=[reference])).status_code == 403
    match = client.post(
        reverse("acceptance:bulk_match", args=[reference]),
        json.dumps({"paths": ["A1-1.pdf"]}),
        content_type="application/json",
    )
    assert match.status_code == 403
    client.force_login(flow.owner)
    stolen = client.post(
        reverse("acceptance:bulk_zip_member", args=[reference, "1-999-abc", 0]),
        {"node": flow.filing_node.code, "catalog_item": "A1-1"},
    )
    assert stolen.status_code == 400


def test_the_folder_match_answers_each_path_and_refuses_too_many(client, open_case, settings):
    flow = open_case(upload=False)
    client.force_login(flow.owner)
    url = reverse("acceptance:bulk_match", args=[flow.case.reference])
    answer = client.post(
        url, json.dumps({"paths": ["节点/A1-1 立项批复.pdf"]}), content_type="application/json"
    ).json()
    assert answer["files"] == [
        {
            "path": "节点/A1-1 立项批复.pdf",
            "item": "A1-1",
            "item_name": answer["files"][0]["item_name"],
            "how": "code",
        }
    ]
    settings.ACCEPTANCE_BULK_MAX_FILES = 1
    refused = client.post(
        url, json.dumps({"paths": ["a.pdf", "b.pdf"]}), content_type="application/json"
    )
    assert refused.status_code == 400 and "一次最多上传 1 个文件" in refused.json()["message_zh"]
