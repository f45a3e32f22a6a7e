"""Pages of conditional acceptance: the decision panel, the commitment page and its signature,
the statistics page and its workbook, the statistics API and the notifications include."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from acceptance.models import Commitment, Notification
from acceptance.services.commitments import commitments_sweep
from tests.api.conftest import token_client
from tests.documents import assert_fonts_embedded

from .conftest import CORE_DOCUMENT, TOLERATED, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def deciding(open_case):
    flow = open_case(leave_out=[TOLERATED])
    flow.reach_decision()
    return flow


def panel(flow, name: str, user) -> str:
    request = RequestFactory().get("/tasks/1/")
    request.user = user
    return render_to_string(
        f"workflows/panels/{name}.html",
        {"task": flow.task(name), "case": flow.case, "request": request},
    )


def test_the_decision_panel_shows_the_report_eligibility_policy_and_the_tolerable_items(deciding):
    html = panel(deciding, "acceptance_decision", deciding.reviewer)
    assert "缺失可容缺 missing tolerable 1" in html
    assert "可申请容缺受理" in html
    assert f"{TOLERATED} " in html and "（缺 missing）" in html  # the missing tolerable item
    assert f'value="{CORE_DOCUMENT}"' not in html  # a core item is never offered
    assert "3 个月 3 months" in html


def test_the_owner_reads_signs_and_then_sees_the_effective_deadline(deciding, client):
    deciding.decide("conditional", [TOLERATED])
    sign_panel = panel(deciding, "sign_commitment", deciding.owner)
    page_url = reverse("acceptance:commitment", args=[deciding.case.reference])
    assert page_url in sign_panel and TOLERATED in sign_panel

    client.force_login(deciding.owner)
    page = client.get(page_url).content.decode()
    assert "2026-04-15 23:59" in page  # due if signed today
    pdf = client.get(reverse("acceptance:commitment_pdf", args=[deciding.case.reference]))
    shown = hashlib.sha256(pdf.content).hexdigest()
    assert pdf.content.startswith(b"%PDF") and shown in page
    assert_fonts_embedded(pdf.content)

    sign_url = reverse("acceptance:commitment_sign", args=[deciding.case.reference])
    response = client.post(sign_url, {"pdf_sha256": shown})  # the box not ticked
    assert "请勾选确认" in [str(m) for m in get_messages(response.wsgi_request)][-1]
    assert deciding.commitment.status == Commitment.Status.DRAFT

    response = client.post(sign_url, {"pdf_sha256": shown, "confirm": "on"}, follow=True)
    page = response.content.decode()
    assert "承诺书已签署" in page
    assert 'id="effective-deadline">2026-04-15 23:59' in page
    assert shown in page  # the stored document is the one shown
    assert deciding.commitment.document_sha256 == shown

    reviewer = client.__class__()
    reviewer.force_login(deciding.reviewer)
    response = reviewer.post(sign_url, {"pdf_sha256": shown, "confirm": "on"})
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "只有建设单位的成员" in message and "only members" in message


def _ofd_text(data: bytes) -> str:
    """All the text an independent reader (easyofd) finds in an OFD document."""
    from easyofd.ofd import OFD

    reader = OFD()
    reader.read(data, fmt="binary")
    pages = reader.data[0]["page_content_info"]
    return "".join(run["text"] for n in sorted(pages) for run in pages[n]["text_list"])


def test_the_commitment_is_also_an_ofd_with_the_text_as_signed(deciding, client):
    deciding.decide("conditional", [TOLERATED])
    client.force_login(deciding.owner)
    page_url = reverse("acceptance:commitment", args=[deciding.case.reference])
    ofd_url = reverse("acceptance:commitment_ofd", args=[deciding.case.reference])
    assert f'href="{ofd_url}"' in client.get(page_url).content.decode()
    draft = _ofd_text(client.get(ofd_url).content)
    assert "建设工程竣工档案容缺受理限时承诺书" in draft and "2026年04月15日 23:59" in draft

    shown = hashlib.sha256(
        client.get(reverse("acceptance:commitment_pdf", args=[deciding.case.reference])).content
    ).hexdigest()
    client.post(
        reverse("acceptance:commitment_sign", args=[deciding.case.reference]),
        {"pdf_sha256": shown, "confirm": "on"},
    )
    response = client.get(ofd_url)
    assert response["Content-Type"] == "application/ofd"
    assert response["Content-Disposition"].endswith(f'commitment-{deciding.case.reference}.ofd"')
    text = _ofd_text(response.content)
    assert deciding.case.reference in text and TOLERATED in text
    assert "2026年04月15日 23:59" in text  # the deadline as signed
    assert deciding.owner.get_username() in text or deciding.owner.get_full_name() in text


def test_statistics_page_workbook_and_api_agree_on_the_reform_figures(
    deciding, open_case, clock, client, world
):
    deciding.accept_conditionally()
    deciding.deliver()
    deciding.review("check_delivery", delivery_verdict="approve")  # fulfilled on time
    late = open_case(leave_out=[TOLERATED])
    late.reach_decision()
    late.accept_conditionally()
    clock.move_to(late.commitment.deadline + timedelta(days=1))
    assert commitments_sweep().overdue == 1

    staff = make_user("supervisor_stats", "supervisors")
    client.force_login(staff)
    url = reverse("acceptance:statistics") + "?start=2026-01-01&end=2026-01-31"
    page = client.get(url).content.decode()
    assert "验收通过 <strong>2</strong> 个项目，其中限时承诺 <strong>2</strong> 个" in page
    assert "已履约 <strong>1</strong> 个（50%）" in page
    assert "2 accepted / 2 under commitment / 1 fulfilled, 50%" in page

    workbook = load_workbook(io.BytesIO(client.get(url + "&format=xlsx").content))
    rows = {row[1]: row[2] for row in workbook.active.iter_rows(min_row=3, values_only=True)}
    assert rows["cases accepted"] == 2 and rows["overdue"] == 1
    assert rows["fulfilled on time"] == 1 and rows["fulfilment rate"] == "50%"

    api = token_client(staff)
    body = api.get("/api/statistics/commitments/?start=2026-01-01&end=2026-01-31").json()
    assert (body["accepted"], body["under_commitment"], body["fulfilled"]) == (2, 2, 1)
    assert (body["overdue"], body["within_period"], body["fulfilment_rate"]) == (1, 0, 0.5)

    bad = api.get("/api/statistics/commitments/?start=2026-02-01&end=2026-01-01")
    assert bad.status_code == 400
    assert bad.json()["field"] == "end" and bad.json()["message_zh"]
    assert (
        token_client(world.owner)
        .get("/api/statistics/commitments/?start=2026-01-01&end=2026-01-31")
        .status_code
        == 403
    )
    assert client.get(reverse("acceptance:statistics") + "?start=2026-13-01").status_code == 400

    # The owner's notifications include shows the overdue notice of the late case.
    request = RequestFactory().get("/")
    request.user = world.owner
    notices = render_to_string("acceptance/_notifications.html", {"request": request})
    assert f"{late.case.reference} 承诺已逾期" in notices
    assert "标为已读 mark read" in notices

    notice = Notification.objects.get(recipient=world.owner, kind=Notification.Kind.OVERDUE)
    read_url = reverse("acceptance:notification_read", args=[notice.pk])
    assert client.post(read_url).status_code == 404  # the supervisor's session: not theirs
    owner = Client()
    owner.force_login(world.owner)
    assert owner.post(read_url, {"next": "/"}).url == "/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    notices = render_to_string("acceptance/_notifications.html", {"request": request})
    assert "标为已读 mark read" not in notices
