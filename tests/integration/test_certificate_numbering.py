"""Certificate numbers under concurrent issuance on PostgreSQL: distinct, consecutive, gap-free."""

from __future__ import annotations

import io
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from acceptance.models import Organisation
from acceptance.services.cases import case_open
from acceptance.services.catalog import catalog_seed
from acceptance.services.certificates import case_certificate_issue
from acceptance.services.projects import project_register
from certificates.models import RENDER_OFD_TASK, Certificate, CertificateSequence
from certificates.pdf import CERTIFICATE_TIME_ZONE
from certificates.verify import pdf_verify
from workflows.models import JournalEntry, OutboxJob

pytestmark = pytest.mark.django_db(transaction=True)

FULL = Certificate.Kind.FULL


@pytest.fixture
def open_cases(real_stack, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    catalog_seed()
    call_command("deploy_processes", verbosity=0, stdout=io.StringIO())
    owner = get_user_model().objects.create_user("numbering_owner")
    organisation = Organisation.objects.create(name="并发编号测试建设单位")
    organisation.members.add(owner)

    def build(count: int):
        project = project_register(
            user=owner, owner=organisation, name="并发编号测试工程", location="上海",
            works_type="building",
        )  # fmt: skip
        return [case_open(project=project, user=owner) for _ in range(count)]

    return build


def run_concurrently(work, items) -> tuple[list, list[BaseException]]:
    """``work(item)`` in one thread per item, all released at once; (results, errors)."""
    barrier = threading.Barrier(len(items))
    results, errors, lock = [], [], threading.Lock()

    def run(item):
        try:
            barrier.wait(timeout=60)
            result = work(item)
            with lock:
                results.append(result)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "an issuance hung"
    return results, errors


def expected_numbers(count: int) -> list[str]:
    year = timezone.localtime(timezone.now(), CERTIFICATE_TIME_ZONE).year
    return [f"JGYS{year}-{sequence:05d}" for sequence in range(1, count + 1)]


def test_fifty_concurrent_issuances_get_fifty_distinct_consecutive_numbers(open_cases):
    cases = open_cases(50)

    def issue(case):
        certificate = case_certificate_issue(
            case=case, kind=FULL, issue_key=f"{case.reference}:full"
        )
        return certificate.number

    numbers, errors = run_concurrently(issue, cases)
    assert errors == []
    assert len(set(numbers)) == 50
    assert sorted(numbers) == expected_numbers(50)
    year = Certificate.objects.first().issued_at.astimezone(CERTIFICATE_TIME_ZONE).year
    assert CertificateSequence.objects.get(year=year).last_number == 50
    for certificate in Certificate.objects.select_related("case"):
        with certificate.pdf.open("rb") as handle:
            report = pdf_verify(handle.read())
        assert report.in_force and report.certificate.number == certificate.number
        issued = JournalEntry.objects.filter(
            chain=certificate.case.reference, kind="certificate.issued"
        )
        assert [entry.payload["number"] for entry in issued] == [certificate.number]
    # Each certificate's OFD is rendered after its number committed, by a job written with it.
    ofd_jobs = OutboxJob.objects.filter(task=RENDER_OFD_TASK)
    assert sorted(job.args[0] for job in ofd_jobs) == sorted(
        Certificate.objects.values_list("pk", flat=True)
    )


def test_a_job_delivered_ten_times_at_once_issues_one_certificate_and_skips_no_number(
    open_cases,
):
    (case,) = open_cases(1)

    def issue(_):
        return case_certificate_issue(case=case, kind=FULL, issue_key="duplicate-delivery").number

    numbers, errors = run_concurrently(issue, list(range(10)))
    assert errors == []
    assert set(numbers) == set(expected_numbers(1))
    assert Certificate.objects.count() == 1
    # The next issuance takes the next number: the duplicates consumed none.
    (other,) = open_cases(1)
    assert (
        case_certificate_issue(case=other, kind=FULL, issue_key="next").number
        == (expected_numbers(2)[1])
    )
