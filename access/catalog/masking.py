"""Personal data masked in titles shown to the public (个人信息脱敏): resident ID numbers, mobile
and landline numbers, and people's names where a title says whose they are.

Names cannot be told from other words by their shape, so a name is masked where the title
labels it as a person's (产权人张伟, 业主：李四, 联系人 王小明) or addresses one (张先生); the
surname stays and each given-name character becomes ＊. An ID number is masked only when it is
one (a real birth date and the GB 11643 check digit), so that permit and contract numbers of the
same length stay readable. The masked text is also what the public search indexes: searching
for a person's name or number finds nothing a page would not show.
"""

from __future__ import annotations

import re
from datetime import date

MASK = "＊"
_HAN = "\u4e00-\u9fff"

# Who a record is about or from: the word before a person's name in a title.
PERSON_LABELS = (
    "产权人", "所有权人", "业主", "户主", "房主", "申请人", "委托人", "受托人", "代理人",
    "联系人", "负责人", "承租人", "出租人", "买受人", "出卖人", "法定代表人", "经办人", "姓名",
    "户名", "继承人",
)  # fmt: skip
# What follows a name in a title: the end, punctuation or a word that cannot be part of a name.
NAME_FOLLOWERS = (
    "的", "之", "等", "与", "和", "及", "、", "先生", "女士", "同志", "夫妇", "家庭", "名下", "房",
    "私房", "住宅", "户", "申请", "身份", "户口", "委托", "授权", "租赁", "购房", "证明", "承诺",
    "声明", "签字", "签名", "提供", "出具", "持有",
)  # fmt: skip
_LABEL = "|".join(sorted(PERSON_LABELS, key=len, reverse=True))
_FOLLOWER = "|".join(sorted(NAME_FOLLOWERS, key=len, reverse=True))
_LABELLED_NAME = re.compile(
    rf"(?P<label>{_LABEL})(?P<gap>\s*[:：]?\s*)"
    rf"(?P<name>[{_HAN}]{{2,4}}?)(?=$|[^{_HAN}]|{_FOLLOWER})"
)
# A label followed by Han characters that no follower ends: at least surname and one character.
_LABELLED_UNSURE = re.compile(rf"(?P<label>{_LABEL})(?P<gap>\s*[:：]?\s*)(?P<name>[{_HAN}]{{2}})")
_ID_NUMBER = re.compile(r"(?<![0-9])([1-9][0-9]{5})([0-9]{8})([0-9]{3})([0-9Xx])(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])(1[3-9][0-9])[\s-]?([0-9]{4})[\s-]?([0-9]{4})(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])(0[0-9]{2,3})[\s-]([0-9]{3,4})([0-9]{4})(?![0-9])")
# A label followed by one of these is not followed by a name (业主委员会, 申请人签字…).
_NAME_NOT_STARTS = ("委员", "大会", "单位", "签字", "签名", "名称", "信息", "身份", "证明", "代表")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def is_resident_id(number: str) -> bool:
    """An 18-digit resident ID number (GB 11643): a real birth date and a right check digit."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def name_masked(name: str) -> str:
    """A person's name with the surname kept and each other character masked (张＊＊)."""
    return name[0] + MASK * (len(name) - 1) if name else name


def _id_masked(match: re.Match) -> str:
    number = match.group(0)
    # The region's first digits and the last four stay, the birth date never does.
    return number[:3] + MASK * 11 + number[14:] if is_resident_id(number) else number


def _labelled(match: re.Match) -> str:
    return f"{match.group('label')}{match.group('gap')}{name_masked(match.group('name'))}"


def _names_masked(text: str) -> str:
    masked, position = [], 0
    for label in re.finditer(_LABEL, text):
        if label.start() < position:
            continue
        match = _LABELLED_NAME.match(text, label.start()) or _LABELLED_UNSURE.match(
            text, label.start()
        )
        if match is None or match.group("name").startswith(_NAME_NOT_STARTS):
            continue
        masked.append(text[position : match.start()] + _labelled(match))
        position = match.end()
    return "".join(masked) + text[position:]


def mask_personal_data(text: str) -> str:
    """``text`` with resident ID numbers, phone numbers and labelled names masked."""
    if not text:
        return text
    text = _ID_NUMBER.sub(_id_masked, text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}{MASK * 4}{m.group(3)}", text)
    text = _LANDLINE.sub(lambda m: f"{m.group(1)}-{MASK * len(m.group(2))}{m.group(3)}", text)
    return _names_masked(text)
