"""The auditor's pages of a case: timeline, replay and verification, process data diff."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

import acceptance
from acceptance.models import Organisation
from workflows.journal import journal_append
from workflows.models import JournalEntry

from ..browser import CHROMIUM, CHROMIUM_ARGS
from .conftest import make_user
from .internals import internals

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(acceptance.__file__).resolve().parents[1] / "test-artifacts" / "audit"


@pytest.fixture
def accepted(flow):
    flow.reach_decision()
    flow.decide("accept")
    return flow


@pytest.fixture
def auditor(db):
    return make_user("auditor_test", "auditors")


def timeline_url(flow) -> str:
    return reverse("acceptance:timeline", args=[flow.case.reference])


def replay_url(flow) -> str:
    return reverse("acceptance:timeline_replay", args=[flow.case.reference])


def rewrite_decision(flow) -> JournalEntry:
    """Play the attacker: the journaled acceptance decision now says "return"."""
    decision = next(
        e for e in flow.journal("task.completed") if e.task_name == "acceptance_decision"
    )
    altered = {**decision.payload, "data": {**decision.payload["data"], "decision": "return"}}
    JournalEntry.objects.filter(pk=decision.pk).update(payload=altered)
    return decision


def diff_url(flow, first: int, last: int) -> str:
    url = reverse("acceptance:timeline_diff", args=[flow.case.reference])
    return f"{url}?from={first}&to={last}"


def test_the_timeline_lists_every_entry_with_labels_materials_and_certificates(
    accepted, auditor, client
):
    client.force_login(auditor)
    response = client.get(timeline_url(accepted))
    assert response.status_code == 200
    html = response.content.decode()
    assert "案件时间线" in html and "Case timeline" in html

    def page_of(entry) -> str:
        """The timeline page holding ``entry`` (25 entries a page)."""
        return client.get(timeline_url(accepted), {"at": entry.sequence}).content.decode()

    decision = accepted.journal("task.completed")[-1]
    assert decision.task_name == "acceptance_decision"
    html = page_of(decision)
    assert f'id="entry-{decision.sequence}"' in html
    decision_row = html.split(f'id="entry-{decision.sequence}"')[1].split("</tr>")[0]
    assert '<td class="role">审核员 reviewer</td>' in decision_row
    assert "decision=accept" in decision_row  # the decision data, compactly
    assert "acceptance.apply_decision" in decision_row  # a service operation and its result
    # Codes and data only in the folded detail an auditor opens; the face says it in words.
    assert "<details" in decision_row and "<td>验收决定</td>" in decision_row
    assert "任务办结" in html and "task completed" in html
    service = accepted.journal("service.completed")[0]
    html = page_of(service)
    service_row = html.split(f'id="entry-{service.sequence}"')[1].split("</tr>")[0]
    assert '<td class="role">系统 system</td>' in service_row
    upload = accepted.journal("material.uploaded")[0]
    html = page_of(upload)
    assert upload.payload["name"] in html and upload.payload["sha256"] in html
    assert reverse("api:material-file", args=[upload.payload["material"]]) in html
    # Dates in Beijing time: the case started at 09:30 Shanghai.
    assert "2026-01-15 09:3" in html
    certificate = accepted.journal("certificate.issued")[0]
    assert certificate.payload["number"] in page_of(certificate)


def test_an_auditor_opening_the_timeline_is_journaled_and_shown(accepted, auditor, client):
    client.force_login(auditor)
    before = len(accepted.journal("audit.viewed"))
    response = client.get(timeline_url(accepted))

    viewed = accepted.journal("audit.viewed")
    assert len(viewed) == before + 1
    assert viewed[-1].actor == "auditor_test"
    assert viewed[-1].payload["page"] == timeline_url(accepted)
    assert f'id="entry-{viewed[-1].sequence}"' in response.content.decode()
    assert "审计查阅" in response.content.decode()


def test_a_reviewer_reads_the_timeline_without_an_audit_entry(accepted, client):
    client.force_login(accepted.reviewer)
    response = client.get(timeline_url(accepted))

    assert response.status_code == 200
    assert accepted.journal("audit.viewed") == []


def test_the_timeline_filters_by_kind(accepted, auditor, client):
    client.force_login(auditor)
    response = client.get(timeline_url(accepted), {"kind": "certificate.issued"})

    html = response.content.decode()
    assert response.status_code == 200
    assert '<option value="material.uploaded"' in html  # every kind present is offered
    assert '<option value="certificate.issued" selected>' in html
    rows = [e for e in accepted.journal() if f'id="entry-{e.sequence}"' in html]
    assert [e.kind for e in rows] == ["certificate.issued"]


def test_the_timeline_pages_its_entries_and_opens_on_the_page_of_a_chosen_point(
    flow, auditor, client
):
    # The uploads give some 70 entries; claims (which leave the workflow as is) make 60 more.
    total = len(flow.journal()) + 60
    for index in range(60):
        journal_append(chain=flow.case.reference, kind="task.claimed", payload={"n": index})
    client.force_login(flow.reviewer)

    first = client.get(timeline_url(flow), {"page": 1}).content.decode()
    second = client.get(timeline_url(flow), {"page": 2}).content.decode()
    latest = client.get(timeline_url(flow)).content.decode()

    assert f'<tr id="entry-{total}" class="selected">' in latest  # opens on the latest entry
    assert 'id="entry-1"' in first and 'id="entry-25"' in first
    assert 'id="entry-26"' not in first and "下一页" in first
    assert 'id="entry-26"' in second and 'id="entry-50"' in second
    assert f"共 {total} 条" in first
    # A point chosen far down opens the page that holds its row.
    chosen = client.get(timeline_url(flow), {"at": 60}).content.decode()
    assert '<tr id="entry-60" class="selected">' in chosen and 'id="entry-51"' in chosen
    # The summary counts every entry, by kind, before any row.
    assert chosen.index('id="timeline-summary"') < chosen.index('id="entry-51"')
    assert re.search(r'<span class="count">60</span>任务领取', chosen)


def test_the_timeline_filters_by_actor(accepted, auditor, client):
    client.force_login(auditor)
    html = client.get(timeline_url(accepted), {"actor": "reviewer_test"}).content.decode()
    rows = [e for e in accepted.journal() if f'id="entry-{e.sequence}"' in html]
    assert rows and {e.actor for e in rows} == {"reviewer_test"}


def test_the_owner_of_another_organisation_gets_404_and_the_own_owner_200(accepted, client):
    stranger = make_user("stranger_owner", "owners")
    other = Organisation.objects.create(name="另一家建设单位", credit_code="91310115MA1K000002")
    other.members.add(stranger)

    client.force_login(stranger)
    assert client.get(timeline_url(accepted)).status_code == 404
    assert client.post(replay_url(accepted)).status_code == 404
    assert client.get(diff_url(accepted, 1, 2)).status_code == 404

    client.force_login(accepted.owner)  # the existing case rule lets owners see their own case
    assert client.get(timeline_url(accepted)).status_code == 200
    assert accepted.journal("audit.viewed") == []


def test_anonymous_is_redirected_to_login(accepted, client):
    for response in (
        client.get(timeline_url(accepted)),
        client.post(replay_url(accepted)),
        client.get(diff_url(accepted, 1, 2)),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_the_replay_is_post_only(accepted, auditor, client):
    client.force_login(auditor)
    assert client.get(replay_url(accepted)).status_code == 405


def test_replay_and_verify_shows_verified_for_an_untouched_case(accepted, auditor, client):
    client.force_login(auditor)
    response = client.post(replay_url(accepted))

    html = response.content.decode()
    assert response.status_code == 200
    assert "全部通过 verified" in html
    assert "日志链 Journal chain" in html and "流程回放 Replay of instance" in html
    assert "锚点 Anchors" in html
    replayed = accepted.journal("audit.replayed")
    assert len(replayed) == 1 and replayed[0].payload["verified"] is True
    assert replayed[0].actor == "auditor_test"


def test_replay_and_verify_names_a_tampered_entry(
    accepted, auditor, client, without_append_only_trigger
):
    decision = rewrite_decision(accepted)
    client.force_login(auditor)

    html = client.post(replay_url(accepted)).content.decode()

    assert "发现不一致 problems found" in html
    assert f"entry #{decision.sequence}: content of task.completed was altered" in html
    assert f"entry #{decision.sequence} (task.completed)" in html
    assert accepted.journal("audit.replayed")[0].payload["verified"] is False


def test_the_diff_shows_a_key_changed_between_two_points(accepted, auditor, client):
    guidance = next(e for e in accepted.journal("task.completed") if e.task_name == "node_guidance")
    decision = next(
        e for e in accepted.journal("task.completed") if e.task_name == "acceptance_decision"
    )
    client.force_login(auditor)

    response = client.get(diff_url(accepted, guidance.sequence, decision.sequence))

    html = response.content.decode()
    assert response.status_code == 200
    assert "流程数据对比" in html and "Process data diff" in html
    assert "新增 Added" in html
    assert "<td>drawing_verdict</td>" in html  # set by the drawing review in between
    assert "&quot;approve&quot;" in html


def test_the_diff_shows_old_and_new_values_of_a_changed_key(flow, auditor, client):
    flow.prefile()
    flow.apply()
    submit = next(e for e in flow.journal("task.completed") if e.task_name == "node_submit")
    applied = next(e for e in flow.journal("task.completed") if e.task_name == "apply_acceptance")
    client.force_login(auditor)

    html = client.get(diff_url(flow, submit.sequence, applied.sequence)).content.decode()

    assert "<h2>变更 Changed</h2>" in html
    # The guidance's approval lands in node_results: old and new value side by side.
    assert (
        '<tr><td>node_results</td><td class="json removed">[]</td>'
        '<td class="json added">[&quot;approve&quot;]</td></tr>'
    ) in html
    assert "<h2>删除 Removed</h2>" in html and "<td>node_check</td>" in html


def test_the_diff_refuses_a_non_number(accepted, auditor, client):
    client.force_login(auditor)
    url = reverse("acceptance:timeline_diff", args=[accepted.case.reference])
    assert client.get(url, {"from": "x", "to": "2"}).status_code == 404


def test_the_diff_before_the_instance_started_says_so(accepted, auditor, client):
    client.force_login(auditor)
    html = client.get(diff_url(accepted, 1, 1)).content.decode()
    # Entry 1 is the instance's start, so the state there exists: no error, no change.
    assert "无法重建" not in html
    assert "No change in process data" in html


def diagram_marks(html: str, css: str) -> set[str]:
    """The ids the diagram on the page marks with ``css`` (completed, active, taken...)."""
    svg = html[html.index("<svg") : html.index("</svg>") + len("</svg>")]
    root = ET.fromstring(svg)
    return {
        g.get("data-element-id")
        for g in root.iter("{http://www.w3.org/2000/svg}g")
        if css in (g.get("class") or "").split()
    }


def test_the_timeline_shows_the_diagram_and_the_case_at_a_chosen_entry(accepted, auditor, client):
    applied = next(
        e for e in accepted.journal("task.completed") if e.task_name == "apply_acceptance"
    )
    client.force_login(auditor)

    response = client.get(timeline_url(accepted), {"at": applied.sequence})

    html = response.content.decode()
    assert response.status_code == 200
    assert f"第 {applied.sequence} 条记录后的案件" in html
    assert f'<tr id="entry-{applied.sequence}" class="selected">' in html
    # The machine checks run as background jobs: both wait for their results at this point.
    # (the drawings are checked one job each, by the multi-instance task check_drawing)
    assert diagram_marks(html, "active") == {"check_drawing", "check_media"}
    assert {"prefiling", "apply_acceptance", "case_submit"} <= diagram_marks(html, "completed")
    taken = diagram_marks(html, "taken")
    assert "flow_completeness_gw_to_reviews_split" in taken
    assert "flow_completeness_gw_to_supplement" not in taken
    assert "flow_reviews_join_to_acceptance_decision" not in taken
    assert 'data-step="check_drawing"' in html and 'data-step="check_media"' in html
    uploads = [e for e in accepted.journal("material.uploaded") if e.sequence <= applied.sequence]
    assert html.count("<tr data-material=") == len(uploads)
    assert '<p id="case-status">验收审核中 under review</p>' in html
    assert "尚无 None yet" in html  # no decision and no certificate yet


def test_the_latest_point_shows_the_finished_process_and_its_certificate(accepted, auditor, client):
    client.force_login(auditor)

    html = client.get(timeline_url(accepted)).content.decode()

    assert diagram_marks(html, "active") == set()
    assert {"acceptance_decision", "issue_full", "archive_case", "case_closed"} <= diagram_marks(
        html, "completed"
    )
    assert "flow_decision_gw_to_issue_full" in diagram_marks(html, "taken")
    assert "flow_decision_gw_to_sign_commitment" not in diagram_marks(html, "taken")
    certificate = accepted.journal("certificate.issued")[0].payload["number"]
    row = html.split('id="certificates"')[1].split("</tr>")[0]
    assert certificate in row and "验收合格 full acceptance" in row


def test_a_point_out_of_range_is_explained_and_the_latest_is_shown(accepted, auditor, client):
    client.force_login(auditor)

    html = client.get(timeline_url(accepted), {"at": "99999"}).content.decode()

    assert "时点须为 1 到" in html and "showing the latest instead" in html
    assert 'class="selected"' in html


def test_an_auditor_choosing_a_point_or_a_diff_is_journaled(accepted, auditor, client):
    client.force_login(auditor)

    client.get(timeline_url(accepted), {"at": 3})
    client.get(diff_url(accepted, 2, 5))

    pages = [e.payload["page"] for e in accepted.journal("audit.viewed")]
    assert pages == [f"{timeline_url(accepted)}?at=3", diff_url(accepted, 2, 5)]


def test_a_point_whose_history_does_not_replay_says_so_instead_of_failing(
    accepted, auditor, client, without_append_only_trigger
):
    decision = rewrite_decision(accepted)
    client.force_login(auditor)

    response = client.get(timeline_url(accepted), {"at": decision.sequence})

    html = response.content.decode()
    assert response.status_code == 200
    assert "无法重建该时点的流程状态" in html
    assert f"replay diverges at entry #{decision.sequence} (task.completed)" in html


def test_replay_and_verify_names_a_material_file_swapped_on_disk(accepted, auditor, client):
    material = accepted.case.materials.order_by("pk").first()
    with material.file.open("wb") as stored:
        stored.write(b"%PDF-1.4 a different file\n")
    client.force_login(auditor)

    html = client.post(replay_url(accepted)).content.decode()

    assert "发现不一致 problems found" in html
    assert f"{material.original_name}: mismatch (material {material.pk})" in html
    (failed,) = accepted.journal("material.fixity_failed")
    assert failed.payload["material"] == material.pk
    assert accepted.journal("audit.replayed")[0].payload["verified"] is False


def test_an_auditor_replays_and_verifies_in_a_browser(accepted, live_server):
    from playwright import sync_api

    make_user("auditor_browser", "auditors")
    assert Group.objects.filter(name="auditors").exists()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    review = next(e for e in accepted.journal("task.completed") if e.task_name == "drawing_review")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page.set_default_timeout(30_000)
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("input[name=username]", "auditor_browser")
            page.fill("input[name=password]", "test-password")
            page.click("[type=submit]")
            page.wait_for_load_state()

            page.goto(f"{live_server.url}{timeline_url(accepted)}")
            assert "案件时间线" in page.inner_text("h1")
            # The diagram at the latest entry: the whole path green, nothing active.
            assert page.locator("#diagram svg.bpmn-diagram").is_visible()
            assert page.locator("#diagram g.node.active").count() == 0
            assert page.locator('#diagram g.node.completed[data-element-id="issue_full"]').count()
            page.screenshot(path=str(ARTIFACTS / "timeline_latest.png"), full_page=False)

            # Travel back to the entry before the drawing review: it is active, the AV review too.
            page.fill("#at-form input[name=at]", str(review.sequence - 1))
            page.click("#at-form button[type=submit]")
            page.wait_for_load_state()
            active = page.locator("#diagram g.node.active")
            assert sorted(
                active.nth(i).get_attribute("data-element-id") for i in range(active.count())
            ) == ["drawing_review", "media_review"]
            assert page.locator(f"#entry-{review.sequence - 1}.selected").is_visible()
            active_steps = page.inner_text("#active-steps")
            assert "数字化审图 Drawing review" in active_steps
            # Lane and state in words, not the BPMN lane id or SpiffWorkflow's READY.
            assert "审核员 reviewer" in active_steps and "待办理 ready" in active_steps
            assert "READY" not in active_steps
            page.locator("#diagram").screenshot(path=str(ARTIFACTS / "diagram_at_review.png"))
            page.screenshot(path=str(ARTIFACTS / "timeline_at_review.png"), full_page=True)

            page.click("#replay-form button[type=submit]")
            result = page.inner_text("#verify-result")
            assert "全部通过 verified" in result
            assert "✖" not in result
            page.screenshot(path=str(ARTIFACTS / "timeline.png"), full_page=False)

            page.fill("#diff-form input[name=from]", str(review.sequence - 1))
            page.fill("#diff-form input[name=to]", str(review.sequence))
            page.click("#diff-form button[type=submit]")
            page.wait_for_load_state()
            diff = page.inner_text("#diff")
            assert "drawing_verdict" in diff and "approve" in diff
            page.screenshot(path=str(ARTIFACTS / "diff.png"), full_page=True)
        finally:
            browser.close()


def test_an_auditor_downloading_a_document_is_journaled_and_an_owner_is_not(
    accepted, auditor, client
):
    material = accepted.case.materials.order_by("pk").first()
    url = reverse("api:material-file", args=[material.pk])

    client.force_login(accepted.owner)
    assert client.get(url).status_code == 200
    client.force_login(auditor)
    response = client.get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == material.file.open("rb").read()
    (viewed,) = accepted.journal("audit.viewed")
    assert (viewed.actor, viewed.payload) == (
        "auditor_test",
        {"page": url, "material": material.pk},
    )


def test_the_internals_detector_catches_process_ids_and_raw_node_codes():
    assert ("process id", "completion_acceptance v1") in internals(
        "<h3>（completion_acceptance v1）</h3>"
    )
    assert ("process id", "completion_acceptance") in internals("<p>completion_acceptance</p>")
    assert ("node code", "main_structure") in internals("<td>main_structure</td>")
    assert ("node code", "node piles") in internals("<p>node piles</p>")
    assert ("node code", "：piles") in internals("<h2>节点资料：piles</h2>")
    assert not internals("<p>桩基工程 Piles · 竣工 Completion archive acceptance</p>")


def test_the_timeline_diagram_is_headed_by_the_process_name_not_its_id(flow, auditor, client):
    client.force_login(auditor)

    html = client.get(timeline_url(flow)).content.decode()

    assert "建设工程竣工档案验收" in html and "第 1 版" in html
    assert not internals(html), internals(html)
