"""The access register (利用登记) and the reform's figures (利用统计), against the requests of
the ``march`` fixture (conftest): two served online (one reviewed late), one refused, one served
at the window, and an April one outside March."""

from __future__ import annotations

import io

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from acceptance.models import Volume, VolumeEntry
from access.models import AccessRequest, Proof, ProofKind, RequesterKind, RequesterRole
from workflows.journal import journal_append

from ..api.conftest import token_client
from .conftest import MARCH, MONDAY, TWO_WEEKS_ON, make_user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def cell(page: str, row_id: str) -> str:
    """The value cell of a figure's row on the statistics page."""
    row = page.split(f'id="{row_id}"', 1)[1].split("</tr>", 1)[0]
    return row.rsplit("<td>", 1)[1].split("</td>", 1)[0]


def test_march_figures_on_the_page_in_the_workbook_and_through_the_api(access_world, march):
    world = access_world
    assert [r.status for r in march.values()] == [
        AccessRequest.Status.DELIVERED,
        AccessRequest.Status.DELIVERED,
        AccessRequest.Status.REFUSED,
        AccessRequest.Status.APPOINTMENT,
        AccessRequest.Status.UNDER_REVIEW,
    ]
    # The volumes the served requests used: the tenant's two records lie in two volumes, the
    # committee's two drawings in one, the court's drawing in that one too.
    volumes_of = {
        code: set(
            VolumeEntry.objects.filter(material=world.records[code]).values_list(
                "volume", flat=True
            )
        )
        for code in ("A5-1", "E1-12", "D-1", "D-2")
    }
    assert len(volumes_of["A5-1"] | volumes_of["E1-12"]) == 2
    assert volumes_of["D-1"] == volumes_of["D-2"] and len(volumes_of["D-1"]) == 1
    assert Volume.objects.count() >= 3

    auditor = make_user("auditor_wu", "auditors")
    page = signed_in(auditor).get("/access/statistics/", MARCH).content.decode()
    expected = {
        "row-received": "4",
        "row-served_online": "2",
        "row-served_at_window": "1",
        "row-refused": "1",
        "row-in_progress": "0",
        "row-files_used": "5",  # 2 (tenant) + 2 (lift) + 1 (court)
        "row-volumes_used": "4",  # 2 + 1 + 1
        "row-decided": "4",
        "row-decided_on_time": "3",
        "row-decided_late": "1",
        "row-online_rate": "67%",  # 2 of the 3 served
        "row-on_time_rate": "75%",
        # The tenant's extract on the day (0), the committee's ten working days later.
        "row-average_working_days": "5.0",
        "row-average_calendar_days": "7.0",
    }
    assert {row: cell(page, row) for row in expected} == expected
    by_purpose = page.split('id="purpose-business_registration"', 1)[1].split("</tr>", 1)[0]
    assert [v.split("</td>")[0] for v in by_purpose.split("<td>")[2:]] == [
        "2", "1", "0", "1", "0", "2", "2",
    ]  # fmt: skip

    response = signed_in(auditor).get("/access/statistics/", {**MARCH, "format": "xlsx"})
    assert response["Content-Disposition"].endswith('access-statistics-20260301-20260331.xlsx"')
    book = load_workbook(io.BytesIO(response.content))
    figures = {row[0]: row[2] for row in book["利用统计 Figures"].iter_rows(values_only=True)}
    assert figures["收到查档申请"] == 4
    assert figures["在线出证（少跑一次）"] == 2
    assert figures["预约到馆查阅"] == 1
    assert figures["利用件次"] == 5 and figures["利用卷次"] == 4
    assert figures["审核按期率"] == "75%"
    assert figures["平均办结用时（工作日，提交至在线出证）"] == "5.0"
    purposes = list(book["按利用目的 By purpose"].iter_rows(values_only=True))
    assert ("既有住宅加装电梯", 1, 1, 0, 0, 0, 2, 1) in purposes
    assert ("司法审判取证", 1, 0, 1, 0, 0, 1, 1) in purposes

    body = token_client(auditor).get("/api/statistics/access/", MARCH).json()
    assert {k: body[k] for k in ("received", "served_online", "served_at_window", "refused")} == {
        "received": 4,
        "served_online": 2,
        "served_at_window": 1,
        "refused": 1,
    }
    assert (body["files_used"], body["volumes_used"]) == (5, 4)
    assert (body["decided_on_time"], body["decided_late"], body["on_time_rate"]) == (3, 1, 0.75)
    assert (body["average_working_days"], body["average_calendar_days"]) == (5.0, 7.0)
    assert {p["purpose"]: p["received"] for p in body["purposes"]} == {
        "business_registration": 2,
        "lift_installation": 1,
        "litigation": 1,
    }
    april = token_client(auditor).get(
        "/api/statistics/access/", {"start": "2026-04-01", "end": "2026-04-30"}
    )
    assert (april.json()["received"], april.json()["in_progress"]) == (1, 1)


def test_the_register_shows_each_access_masked_for_auditors_and_filters_it(access_world, march):
    auditor = signed_in(make_user("auditor_wu", "auditors"))
    page = auditor.get("/access/register/", MARCH).content.decode()
    assert "张＊＊" in page and "张晓明" not in page  # a person masked for an auditor
    assert "锦绣苑业主委员会" in page  # an organisation is not a person
    assert march["april"].reference not in page  # outside the period
    lift_row = page.split(f'id="register-{march["lift"].reference}"', 1)[1].split("</tr>", 1)[0]
    assert "超期审核" in lift_row and "2026-03-09 17:30" in lift_row
    assert "业主委员会备案证明" in lift_row and "D-2" in lift_row
    refused_row = page.split(f'id="register-{march["refused"].reference}"')[1].split("</tr>")[0]
    assert "不予利用" in refused_row and "租赁合同已过期" in refused_row
    journal = page.split(f'id="journal-{march["tenant"].reference}"', 1)[1].split("</details>")[0]
    assert "查档申请提交" in journal and "利用登记" in journal and "档案证明出具" in journal
    assert "申请人" in journal and "tenant_zhang" not in journal

    refused_only = auditor.get("/access/register/", {**MARCH, "outcome": "refused"})
    assert march["refused"].reference in refused_only.content.decode()
    assert march["tenant"].reference not in refused_only.content.decode()
    lift_only = auditor.get("/access/register/", {**MARCH, "purpose": "lift_installation"})
    assert march["lift"].reference in lift_only.content.decode()
    assert march["court"].reference not in lift_only.content.decode()

    archivist = signed_in(access_world.archivist)
    assert "张晓明" in archivist.get("/access/register/", MARCH).content.decode()


def test_the_register_and_figures_are_for_staff_and_refuse_a_bad_period_clearly(access_world):
    tenant = signed_in(access_world.tenant)
    assert 'id="nav-access-register"' not in tenant.get("/access/").content.decode()
    assert (
        'id="nav-access-statistics"'
        in signed_in(access_world.archivist).get("/access/").content.decode()
    )
    assert tenant.get("/access/register/").status_code == 403
    assert tenant.get("/access/statistics/").status_code == 403
    assert (
        token_client(access_world.tenant).get("/api/statistics/access/", MARCH).status_code == 403
    )
    auditor = signed_in(make_user("auditor_wu", "auditors"))
    reversed_period = auditor.get(
        "/access/statistics/", {"start": "2026-03-31", "end": "2026-03-01"}
    )
    assert reversed_period.status_code == 400
    assert "开始日期晚于结束日期" in reversed_period.content.decode()
    malformed = auditor.get("/access/register/", {"start": "March"})
    assert malformed.status_code == 400 and "YYYY-MM-DD" in malformed.content.decode()
    api = token_client(make_user("auditor_qian", "auditors")).get(
        "/api/statistics/access/", {"start": "2026-03-31", "end": "2026-03-01"}
    )
    assert api.status_code == 400 and api.json()["field"] == "end"


def registered(world, n: int) -> None:
    """Served requests written directly, each with records, a proof and a journal entry, until
    the register has ``n`` (the process is not what this measures)."""
    records = [world.records["A5-1"], world.records["E1-12"]]
    while AccessRequest.objects.count() < n:
        number = AccessRequest.objects.count() + 1
        request = AccessRequest.objects.create(
            reference=f"CD20260302-{number:06d}",
            requester=world.tenant,
            requester_name="张晓明",
            requester_kind=RequesterKind.PERSON,
            role=RequesterRole.LESSEE,
            purpose=world.purpose("business_registration"),
            project=world.project,
            status=AccessRequest.Status.DELIVERED,
            review_due_at=TWO_WEEKS_ON,
            decided_at=MONDAY,
            created_at=MONDAY,
            closed_at=TWO_WEEKS_ON,
        )
        request.records.set(records)
        request.approved_records.set(records[:1])
        Proof.objects.create(
            request=request,
            kind=ProofKind.objects.get(code="lease_contract"),
            file=f"access/proofs/{request.reference}/lease.pdf",
            original_name="lease.pdf",
            sha256="0" * 64,
            size=1,
        )
        journal_append(
            chain=request.reference, kind="access.registered", actor=world.tenant, payload={}
        )


def queries(client: Client, url: str) -> int:
    assert client.get(url, MARCH).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, MARCH)
    assert response.status_code == 200
    return len(captured)


def test_the_register_and_figures_make_as_many_queries_for_fifty_requests_as_for_one(
    access_world,
):
    auditor = signed_in(make_user("auditor_wu", "auditors"))
    registered(access_world, 1)
    one = [queries(auditor, url) for url in ("/access/register/", "/access/statistics/")]
    registered(access_world, 50)
    fifty = [queries(auditor, url) for url in ("/access/register/", "/access/statistics/")]
    assert fifty == one
    page = auditor.get("/access/register/", MARCH).content.decode()
    assert page.count('class="journal-row"') == 25 and "共 50 条" in page
    figures = auditor.get("/access/statistics/", MARCH).content.decode()
    # Each delivered ten working days (and fourteen calendar days) after it was submitted.
    assert cell(figures, "row-received") == "50"
    assert cell(figures, "row-average_working_days") == "10.0"
    assert cell(figures, "row-average_calendar_days") == "14.0"
