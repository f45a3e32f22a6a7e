import time

import pytest


@pytest.mark.django_db(transaction=True)
def test_probe(flow):
    t = time.monotonic()
    flow.prefile()
    print("prefile", time.monotonic() - t)
    t = time.monotonic()
    flow.apply()
    print("apply", time.monotonic() - t, flow.open_tasks(), flow.status)
    t = time.monotonic()
    print(flow.task("drawing_review").context)
    flow.approve_reviews()
    print("reviews", time.monotonic() - t, flow.open_tasks())
    t = time.monotonic()
    print(flow.task("acceptance_decision").context, flow.task("acceptance_decision").due_at)
    flow.decide("accept")
    print(
        "decide",
        time.monotonic() - t,
        flow.open_tasks(),
        flow.status,
        flow.certificates(),
        flow.instance.status,
    )
    print(flow.journal_kinds())
