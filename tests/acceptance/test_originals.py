"""电子原件率: per case and per period, the share of records that are electronic originals, by
file and by page; a scan of paper is told by its content unless its owner declared it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from acceptance.models import Material
from acceptance.selectors.originals import case_originals
from acceptance.services.material_checks import materials_check
from tests.api.conftest import token_client

from .conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def scanned_pdf(path: Path, pages: int, text_pages: int = 0) -> Path:
    """A PDF as a scanner makes it: each page one picture, no text (``text_pages`` typed ones
    after them, as an exported page has)."""
    picture = io.BytesIO()
    Image.new("L", (850, 1100), 235).save(picture, "PNG")
    sheet = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(pages):
        sheet.drawImage(ImageReader(io.BytesIO(picture.getvalue())), 0, 0, *A4)
        sheet.showPage()
    for _ in range(text_pages):
        sheet.drawString(72, 720, "Typed page")
        sheet.showPage()
    sheet.save()
    return path


def checked(flow, material: Material) -> Material:
    materials_check([material])
    return Material.objects.get(pk=material.pk)


@pytest.fixture
def mixed(open_case, tmp_path):
    """A case with a typed PDF, a two-page scan, a scan with one typed page, and a photo."""
    flow = open_case(upload=False)
    typed = checked(flow, flow.upload("A1-1"))
    scan = checked(flow, flow.upload_file("A1-2", scanned_pdf(tmp_path / "scan.pdf", 2)))
    partly = checked(flow, flow.upload_file("A1-3", scanned_pdf(tmp_path / "p.pdf", 1, 1)))
    photo = checked(flow, flow.upload("E3-1"))
    flow.records = {"typed": typed, "scan": scan, "partly": partly, "photo": photo}
    return flow


def pages_of(material: Material) -> int:
    (outcome,) = [
        o for o in material.check_report["outcomes"] if o["code"] == "integrity.pdf_pages"
    ]
    return outcome["detail"]["pages"]


def test_scanned_pages_are_told_from_typed_ones_by_file_and_by_page(mixed):
    typed_pages = pages_of(mixed.records["typed"])

    rate = case_originals(mixed.case)

    # By file: the typed PDF, the partly typed one and the photo are originals; the scan is not.
    assert (rate.original_files, rate.files) == (3, 4)
    # By page: the scan's two pages and the partly scanned PDF's first page are not originals.
    assert (rate.original_pages, rate.pages) == (typed_pages + 1 + 1, typed_pages + 2 + 2 + 1)
    assert rate.file_percent == "75%"
    assert rate.undetermined == 0


def test_an_origin_declared_at_upload_counts_over_what_the_file_shows(mixed):
    Material.objects.filter(pk=mixed.records["typed"].pk).update(origin=Material.Origin.DIGITIZED)

    rate = case_originals(mixed.case)

    assert (rate.original_files, rate.files, rate.declared) == (2, 4, 1)


def test_a_record_not_checked_yet_is_counted_apart(mixed):
    Material.objects.filter(pk=mixed.records["photo"].pk).update(check_report={})

    rate = case_originals(mixed.case)

    assert (rate.files, rate.undetermined) == (3, 1)


def test_the_case_page_shows_both_shares_and_whether_they_meet_the_minimum(mixed, client):
    client.force_login(mixed.owner)

    page = client.get(reverse("acceptance:case", args=[mixed.case.reference])).content.decode()

    assert "电子原件率" in page
    assert "<strong>75%</strong>" in page
    assert "纸质扫描件" in page  # the scan's row says what it is
    rate = case_originals(mixed.case)
    verdict = "✓ 按件、按页均高于 50%" if rate.meets_minimum else "✗ 未达到按件、按页均高于 50%"
    assert verdict in page


def test_the_statistics_page_and_api_give_each_accepted_case_and_the_whole(
    open_case, client, world, settings
):
    mixed = open_case()
    mixed.reach_decision()
    mixed.decide("accept")
    settings.ACCEPTANCE_ORIGINALS_MIN_RATE = 0.5
    staff = make_user("supervisor_originals", "supervisors")
    client.force_login(staff)
    url = reverse("acceptance:originals_statistics") + "?start=2026-01-01&end=2026-01-31"

    page = client.get(url).content.decode()
    rate = case_originals(mixed.case)

    assert "验收通过 <strong>1</strong> 个项目" in page
    assert f"按件 <strong>{rate.file_percent}</strong>" in page
    assert f'id="originals-{mixed.case.reference}"' in page
    body = token_client(staff).get("/api/statistics/originals/?start=2026-01-01&end=2026-01-31")
    assert body.status_code == 200
    (row,) = body.json()["cases"]
    assert (row["case"], row["files"], row["original_files"]) == (
        mixed.case.reference,
        rate.files,
        rate.original_files,
    )
    assert body.json()["total"]["page_rate"] == pytest.approx(rate.page_rate)
    assert client.get(url.replace("2026-01-31", "2025-12-31")).status_code == 400
    owner_api = token_client(world.owner)
    assert (
        owner_api.get("/api/statistics/originals/?start=2026-01-01&end=2026-01-31").status_code
        == 403
    )


def test_the_owner_declares_a_scan_at_upload_through_the_api(open_case, tmp_path):
    flow = open_case(upload=False)
    typed = flow.samples.path(flow.case.catalog_version.items.get(code="A1-1"), 1)
    api = token_client(flow.owner)

    with typed.open("rb") as handle:
        answer = api.post(
            "/api/materials/",
            {
                "case": flow.case.reference,
                "catalog_item": "A1-1",
                "file": handle,
                "origin": "digitized",
            },
            format="multipart",
        )
    with typed.open("rb") as handle:
        refused = api.post(
            "/api/materials/",
            {"case": flow.case.reference, "catalog_item": "A1-2", "file": handle, "origin": "copy"},
            format="multipart",
        )

    assert answer.status_code == 201, answer.json()
    assert answer.json()["origin"] == "digitized"
    material = Material.objects.get(pk=answer.json()["id"])
    assert (case_originals(flow.case).original_files, case_originals(flow.case).declared) == (0, 1)
    assert flow.journal("material.uploaded")[-1].payload["origin"] == "digitized"
    assert material.origin == Material.Origin.DIGITIZED
    assert refused.status_code == 400 and refused.json()["field"] == "origin"
