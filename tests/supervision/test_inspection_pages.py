"""The inspection pages through the test client: the supervisor confirms a draw, the lead
inspector records findings with evidence and decides, the owner reports, the lead re-inspects,
and the public notice shows the outcome; who may see what."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from supervision.models import Inspection, InspectionPlan
from supervision.services import plan_draw

from ..acceptance.conftest import make_user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client, name: str, *args) -> str:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


def test_the_supervisor_confirms_the_draw_and_follows_the_plan_s_progress(world):
    call_command("deploy_processes", verbosity=0)
    plan = world.ready(sample_size=2)
    plan_draw(plan=plan, actor=world.supervisor, seen_draws=0)
    client = signed_in(world.supervisor)
    assert "确认并下达检查任务" in page(client, "supervision:plan", plan.reference)

    response = client.post(reverse("supervision:confirm", args=[plan.reference]), follow=True)

    text = response.content.decode()
    assert "已下达 2 项检查任务" in text
    assert "已办结 0 / 2 项" in text
    assert text.count("主查检查并作出结论") == 2
    assert InspectionPlan.objects.get(pk=plan.pk).status == "inspecting"
    # Twice is refused by name, nothing started again.
    again = client.post(reverse("supervision:confirm", args=[plan.reference]), follow=True)
    assert "只有已抽取、尚未确认的计划" in again.content.decode()
    assert Inspection.objects.count() == 2


def test_an_inspection_walks_from_findings_to_a_published_rectified_outcome(world, confirmed):
    inspection = confirmed[0]
    lead = signed_in(inspection.lead_inspector)
    owner = signed_in(inspection.case.owner_user)
    url = reverse("supervision:inspection", args=[inspection.reference])

    inbox = page(lead, "supervision:inspections")
    assert inspection.reference in inbox and "检查中" in inbox
    detail = page(lead, "supervision:inspection", inspection.reference)
    assert "案件档案" in detail and "记录检查情况" in detail and "作出结论" in detail

    refused = lead.post(
        reverse("supervision:finding_add", args=[inspection.reference]),
        {"item": "E1-5", "verdict": "deficient", "note": "缺少监理签章"},
    )
    assert refused.status_code == 400
    assert "不符合项须上传证据文件" in refused.content.decode()
    assert "缺少监理签章</textarea>" in refused.content.decode()
    photo = SimpleUploadedFile("签章缺失.jpg", b"\xff\xd8\xff" + b"x" * 500, "image/jpeg")
    lead.post(
        reverse("supervision:finding_add", args=[inspection.reference]),
        {"item": "E1-5", "verdict": "deficient", "note": "缺少监理签章", "evidence": photo},
    )
    decided = lead.post(
        reverse("supervision:decide", args=[inspection.reference]),
        {"decision": "rectify", "rectification_days": "5", "comment": ""},
        follow=True,
    ).content.decode()
    assert "责令整改，整改中" in decided and "签章缺失.jpg" in decided

    evidence = inspection.findings.get()
    download = owner.get(reverse("supervision:evidence", args=[inspection.reference, evidence.pk]))
    assert b"".join(download.streaming_content).startswith(b"\xff\xd8\xff")
    owner_page = owner.get(url).content.decode()
    assert "提交整改报告" in owner_page and "案件档案" not in owner_page
    owner.post(reverse("supervision:report", args=[inspection.reference]), {"report": "已补盖"})
    assert "整改后复查中" in page(lead, "supervision:inspection", inspection.reference)
    done = lead.post(
        reverse("supervision:reinspect", args=[inspection.reference]),
        {"verdict": "rectified", "comment": "签章齐全"},
        follow=True,
    ).content.decode()
    assert "本次检查已办结" in done

    public = Client().get(reverse("supervision:public_plan", args=[inspection.plan.reference]))
    text = public.content.decode()
    assert "责令整改，已整改到位" in text
    assert inspection.lead_inspector.get_username() not in text


def test_an_inspection_is_closed_to_anyone_not_on_it(world, confirmed):
    inspection = confirmed[0]
    outsider = make_user("inspector_outside", "inspectors")
    url = reverse("supervision:inspection", args=[inspection.reference])
    assert signed_in(outsider).get(url).status_code == 403
    assert Client().get(url).status_code == 302  # to sign in
    assert inspection.reference not in page(signed_in(outsider), "supervision:inspections")
    # The co-inspector reads everything but neither records nor decides.
    co = next(user for user in inspection.inspectors.all() if user != inspection.lead_inspector)
    text = signed_in(co).get(url).content.decode()
    assert "案件档案" in text and "finding-form" not in text and "decision-form" not in text
    refused = signed_in(co).post(
        reverse("supervision:decide", args=[inspection.reference]),
        {"decision": "no_issue"},
        follow=True,
    )
    assert "只有本次检查的主查人员" in refused.content.decode()


def test_the_plugin_inbox_names_an_inspection_by_its_plan_case_and_project(world, confirmed):
    inspection = confirmed[0]
    inbox = page(signed_in(inspection.lead_inspector), "workflows:inbox")
    assert (
        f"双随机抽查 {inspection.plan.reference} · {inspection.case.reference} "
        f"{inspection.case.project.name}"
    ) in inbox
