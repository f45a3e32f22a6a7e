"""The public results of a period as a workbook: one row per drawn target, and the verification
data of each draw, with the same names and nothing more than the public page shows."""

from __future__ import annotations

import io
from datetime import date

from workflows.labels import label, local_time

from .models import Draw
from .selectors import public_targets

# (Chinese, English) headers; the rows carry the same facts in this order.
TARGET_COLUMNS = (
    ("计划编号", "Plan"),
    ("计划名称", "Title"),
    ("检查对象期间", "Population period"),
    ("抽取次数", "Draw"),
    ("抽取时间", "Drawn at"),
    ("重新抽取理由", "Redraw reason"),
    ("案件编号", "Case"),
    ("项目名称", "Project"),
    ("建设单位", "Owner organisation"),
    ("工程类型", "Stratum"),
    ("验收日期", "Accepted on"),
    ("检查结果", "Outcome"),
    ("检查结论日期", "Decided on"),
    ("办结日期", "Closed on"),
)
VERIFICATION_COLUMNS = (
    ("计划编号", "Plan"),
    ("抽取次数", "Draw"),
    ("抽取时间", "Drawn at"),
    ("算法", "Algorithm"),
    ("名录摘要 SHA-256", "Population digest"),
    ("种子承诺值 SHA-256", "Seed commitment"),
    ("公开随机值", "Public value"),
    ("公开的种子", "Seed revealed"),
    ("抽取文件摘要 SHA-256", "Draw file SHA-256"),
)


def _headers(columns) -> list[str]:
    return [f"{zh} {en}" for zh, en in columns]


def draws_xlsx(draws: list[Draw], since: date, until: date) -> bytes:
    # openpyxl is imported where it is used: it takes longer to load than Django itself.
    from openpyxl import Workbook

    latest: dict[int, int] = {}
    for draw in Draw.objects.filter(plan__in={draw.plan_id for draw in draws}):
        latest[draw.plan_id] = max(latest.get(draw.plan_id, 0), draw.number)
    book = Workbook()
    targets = book.active
    targets.title = "抽查结果 Results"
    targets.append(["公示期间 Period", f"{since:%Y-%m-%d} — {until:%Y-%m-%d}"])
    targets.append(_headers(TARGET_COLUMNS))
    verification = book.create_sheet("核验数据 Verification")
    verification.append(_headers(VERIFICATION_COLUMNS))
    for draw in draws:
        plan, drawn_at = draw.plan, local_time(draw.drawn_at)
        period = f"{plan.period_start:%Y-%m-%d} — {plan.period_end:%Y-%m-%d}"
        for target in public_targets(draw, latest[plan.pk]):
            outcome = label("outcome", target["outcome"])
            targets.append(
                [
                    plan.reference,
                    plan.title,
                    period,
                    draw.number,
                    drawn_at,
                    draw.reason,
                    target["case"],
                    target["project"],
                    target["organisation"],
                    label("stratum", target["stratum"]).zh,
                    target["accepted_on"],
                    f"{outcome.zh} {outcome.en}",
                    target["decided_on"],
                    target["closed_on"],
                ]
            )
        document = draw.document
        verification.append(
            [
                plan.reference,
                draw.number,
                drawn_at,
                document["algorithm"],
                document["population_digest"],
                document["commitment"],
                document["public_value"]["value"],
                document["seed"],
                draw.document_sha256,
            ]
        )
    for sheet, widths in ((targets, (20, 30, 24)), (verification, (20, 8, 18))):
        for column, width in zip("ABC", widths, strict=True):
            sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
