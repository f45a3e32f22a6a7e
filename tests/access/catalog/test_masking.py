"""Personal data in titles shown to the public."""

import pytest

from access.catalog.masking import is_resident_id, mask_personal_data


@pytest.mark.parametrize(
    ("title", "masked"),
    [
        ("产权人张伟房屋所有权证", "产权人张＊房屋所有权证"),
        ("业主：李小明的租赁合同", "业主：李＊＊的租赁合同"),
        ("法定代表人欧阳小芳及委托书", "法定代表人欧＊＊＊及委托书"),
        ("承租人赵六", "承租人赵＊"),
        ("联系人 王芳 13812345678", "联系人 王＊ 138＊＊＊＊5678"),
        ("电话 021-58881234", "电话 021-＊＊＊＊1234"),
        ("身份证 11010519491231002X 复印件", "身份证 110＊＊＊＊＊＊＊＊＊＊＊002X 复印件"),
    ],
)
def test_names_phone_and_id_numbers_are_masked(title, masked):
    assert mask_personal_data(title) == masked


@pytest.mark.parametrize(
    "title",
    [
        "浦东新区示范中学新建工程",
        "业主委员会关于加装电梯的决议",
        "业主大会决议",
        "申请人签字页",
        "施工许可证 310115202503010101",  # 18 digits, but no resident ID: its check digit fails
        "建字第310115202500001号",
    ],
)
def test_titles_without_personal_data_are_left_as_they_are(title):
    assert mask_personal_data(title) == title


def test_a_resident_id_needs_a_real_birth_date_and_the_right_check_digit():
    assert is_resident_id("11010519491231002X")
    assert not is_resident_id("110105194912310021")  # wrong check digit
    assert not is_resident_id("110105194913310029")  # month 13
