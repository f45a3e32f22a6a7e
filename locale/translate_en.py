"""Fill locale/en/LC_MESSAGES/django.po with the pages' English, then compile it.

Run after ``manage.py makemessages -l en``: ``python locale/translate_en.py``. Message ids are
Chinese (the site's first language); an id not listed here stays as it is in English pages.
Needs ``msgfmt`` (Debian ``gettext``) only to recompile; the compiled .mo is committed.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

PO = Path(__file__).resolve().parent / "en" / "LC_MESSAGES" / "django.po"

ENGLISH = {
    "建设单位": "Owner",
    "项目名称": "Project name",
    "建设地点": "Location",
    "工程类别": "Works type",
    "施工单位": "Contractor",
    "监理单位": "Supervisor",
    "设计单位": "Designer",
    "建设工程规划许可证号": "Planning permit number",
    "施工许可证号": "Construction permit number",
    "建筑面积（平方米）": "Floor area (m²)",
    "结构类型": "Structure type",
    "开工日期": "Start date",
    "竣工日期": "Completion date",
    "竣工日期不能早于开工日期 / completion cannot precede the start": (
        "The completion date cannot precede the start date"
    ),
    "案件材料与检测结果": "The case's records and their checks",
    "项目": "Project",
    "案件状态": "Case status",
    "归档范围核对（一次性告知）": "Completeness check (everything to fix at once)",
    "案件详情": "Case details",
    "条目": "Item",
    "文件": "File",
    "节点": "Node",
    "状态": "Status",
    "四性检测": "Four-property checks",
    "尚未上传材料。": "No records uploaded yet.",
    "检测通过": "Checks passed",
    "检测未通过": "Checks failed",
    "验收案件": "Cases",
    "发起时间": "Opened",
    "提交审核": "Submitted for review",
    "作出决定": "Decided",
    "案卷": "Volumes",
    "审计时间线": "Audit timeline",
    "上传资料": "Upload records",
    "当前环节与期限": "Current steps and deadlines",
    "环节": "Step",
    "办理人": "Assignee",
    "期限（北京时间）": "Due (Beijing time)",
    "当前没有待办环节（系统处理中或流程已结束）。": (
        "No step is waiting for a person (the system is working, or the process has ended)."
    ),
    "限时承诺": "Time-limited commitment",
    "截止": "due",
    "验收决定": "Acceptance decisions",
    "验收意见书": "Acceptance certificates",
    "下载 PDF": "Download PDF",
    "OFD 版式文件": "OFD document",
    "尚未签发。": "None issued yet.",
    "已提交材料": "Records submitted",
    "首页": "Home",
    "%(name)s，您好": "Hello, %(name)s",
    "待办任务": "Inbox",
    "%(n)s 项已超期": "%(n)s overdue",
    "%(n)s 项即将到期": "%(n)s due soon",
    "没有待办任务。": "Nothing is waiting for you.",
    "任务": "Task",
    "案件": "Case",
    "已超期": "Overdue",
    "即将到期": "Due soon",
    "进入待办任务": "Open the inbox",
    "承诺期限": "Commitment deadlines",
    "我的项目": "My projects",
    "尚未登记项目。": "No project registered yet.",
    "登记新项目": "Register a project",
    "时间线": "Timeline",
    "没有可查看的案件。": "No cases to show.",
    "施工节点": "Construction nodes",
    "%(counter)s 项预期材料": ("%(counter)s expected record", "%(counter)s expected records"),
    "验收申请": "Acceptance cases",
    "尚未发起验收申请。": "No acceptance case opened yet.",
    "发起竣工档案验收申请": "Open an acceptance case",
    "建设项目": "Projects",
    "项目编号": "Project number",
    "没有可查看的项目。": "No projects to show.",
    "登记建设项目": "Register a construction project",
    "登记后将按默认施工节点（桩基、围护、主体、钢结构、装饰装修、竣工）建立节点，可在节点中分批上传资料。": (
        "The project gets the default construction nodes (piles, enclosure, main structure, "
        "steel, fit-out, completion); records are uploaded node by node."
    ),
    "登记": "Register",
    "切换": "Switch",
    "网络中断，文件未上传完成，请重试。": "The connection failed before the file arrived; try again.",
    "检测中…": "Checking…",
    "已保存": "Stored",
    "归档条目": "Catalog item",
    "本节点预期材料": "Expected at this node",
    "其他条目": "Other items",
    "文件（可多选）": "Files (choose several)",
    "上传": "Upload",
    "提交本节点资料": "Submit this node's records",
    "申报本节点的文件数与合计字节数；系统将与实收文件核对。": (
        "Declare the node's file count and total bytes; they are checked against what arrived."
    ),
    "本次提交的文件数": "Files submitted",
    "文件合计字节数": "Total bytes",
    "本节点已有材料": "Records of this node",
    "返回案件": "Back to the case",
    "归档范围核对": "Completeness check",
    "必交 %(required)s 项，已交 %(present)s 项，缺失可容缺 %(tolerable)s 项，缺失不可容缺 %(blocking)s 项": (
        "%(required)s required, %(present)s present, %(tolerable)s tolerable missing, "
        "%(blocking)s core missing"
    ),
    "一次性告知": "Everything to fix at once",
    "查看完整报告": "See the full report",
    "各施工节点资料已通过指导。提交后，档案馆将核对归档范围，并同时开展竣工图审查和声像档案审核。": (
        "Every node's records passed guidance. Once you apply, the archive checks completeness "
        "and reviews the as-built drawings and the AV records in parallel."
    ),
    "容缺受理：主审要件须齐全；只能勾选可容缺的材料，建设单位须签署限时承诺书。": (
        "Conditional acceptance: every core item must be present; only tolerable items can be "
        "ticked, and the owner must sign a time-limited commitment."
    ),
    "节点资料": "Node records",
    "节点检查结果": "Node check",
    "可容缺": "tolerable",
    "超期任务（全部角色）": "Overdue tasks (every role)",
    "没有超期任务。": "No task is overdue.",
    "本节点预期但尚未提交的条目": "Items expected at this node and not yet submitted",
    "本节点预期的条目均已提交。": "Every item expected at this node has been submitted.",
    "检测未通过的文件": "Files that failed their checks",
    "如需补充，请选择“需补充”，勾选需补充的归档条目并说明。": (
        "To ask for more, choose “Ask for more”, tick the items to add and say what is needed."
    ),
    "上次节点指导意见": "Last guidance",
    "需补充的归档条目": "Catalog items to add",
    "请先在上传页面按归档条目上传本节点的全部资料，再申报文件数并提交。": (
        "Upload all of this node's records by catalog item first, then declare and submit."
    ),
    "上传本节点资料": "Upload this node's records",
    "补正要求": "Request for supplement",
    "审核意见": "Reviewer's comment",
    "请按下列一次性告知补齐或更正材料（上传新版本），然后提交补正。": (
        "Add or correct the records listed below (upload new versions), then submit."
    ),
    "上传补正材料": "Upload records",
    "请选择施工节点、归档条目和至少一个文件": (
        "Choose a construction node, a catalog item and at least one file"
    ),
    "已保存：%(name)s": "Stored: %(name)s",
    "项目已登记：%(reference)s": "Project registered: %(reference)s",
    "已发起验收申请：%(reference)s": "Acceptance case opened: %(reference)s",
    "通过": "Accept",
    "退回补正": "Return for supplement",
    "容缺受理": "Conditional acceptance",
    "同意": "Approve",
    "需补充": "Ask for more",
    "建设工程竣工档案验收": "Completion archive acceptance",
    "城建档案 · 竣工档案验收": "City archive · completion acceptance",
    "主导航": "Main navigation",
    "审核员": "reviewer",
    "主管": "supervisor",
    "审计员": "auditor",
    "退出": "Sign out",
    "登录": "Sign in",
    "证书核验": "Verify a certificate",
    "城市建设档案馆": "City Construction Archive",
    "待领取": "Unclaimed",
    "领取": "Claim",
    "退回": "Release",
    "办理": "Work on it",
    "共 %(counter)s 项": ("%(counter)s task", "%(counter)s tasks"),
    "%(overdue)s 项已超期": "%(overdue)s overdue",
    "%(soon)s 项即将到期": "%(soon)s due soon",
    "任务类型": "Task kind",
    "全部": "All",
    "期限": "Due",
    "即将到期（含已超期）": "Due soon (and overdue)",
    "7 天内到期": "Due within 7 days",
    "筛选": "Filter",
    "提交": "Submit",
    "领取该任务后才能办理。": "Claim this task to work on it.",
    "办理记录": "History",
    "时间（北京时间）": "Time (Beijing)",
    "操作人": "Actor",
    "类型": "Kind",
    "暂无记录。": "No entries yet.",
    "任务已完成：%(title)s": "Task completed: %(title)s",
    "已领取任务": "Task claimed",
    "已退回任务至角色队列": "Task released to its role's queue",
}

ENTRY = re.compile(
    r'(?P<head>(?:^#.*\n)*)msgid (?P<id>"(?:.*)"\n(?:".*"\n)*)'
    r'(?:msgid_plural (?P<plural>"(?:.*)"\n(?:".*"\n)*))?'
    r'(?P<strs>(?:msgstr(?:\[\d\])? ".*"\n(?:".*"\n)*)+)',
    re.M,
)


ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(block: str) -> str:
    text = "".join(line[1:-1] for line in block.strip().splitlines())
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m[1], m[1]), text)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _fill(match: re.Match) -> str:
    msgid = _unquote(match["id"])
    english = ENGLISH.get(msgid)
    if not msgid or english is None:
        return match.group(0)
    head = match["head"].replace("#, fuzzy\n", "")
    if match["plural"]:
        one, many = english if isinstance(english, tuple) else (english, english)
        strs = f"msgstr[0] {_quote(one)}\nmsgstr[1] {_quote(many)}\n"
        return f"{head}msgid {match['id']}msgid_plural {match['plural']}{strs}"
    return f"{head}msgid {match['id']}msgstr {_quote(english)}\n"


def main() -> None:
    text = PO.read_text(encoding="utf-8")
    # The header makemessages writes is marked fuzzy; msgfmt would drop it and its charset.
    text = text.replace('#, fuzzy\nmsgid ""\nmsgstr ""\n', 'msgid ""\nmsgstr ""\n', 1)
    text = text.replace('"Language: \\n"', '"Language: en\\n"', 1)
    text = text.replace("PACKAGE VERSION", "archive-acceptance", 1)
    PO.write_text(ENTRY.sub(_fill, text), encoding="utf-8")
    subprocess.run(["msgfmt", "--check", "-o", str(PO.with_suffix(".mo")), str(PO)], check=True)


if __name__ == "__main__":
    main()
