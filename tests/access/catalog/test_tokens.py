"""Chinese tokens: character bigrams, matched as phrases."""

from access.catalog.search import match_expression
from access.catalog.tokens import token_runs, tokens, too_short


def test_a_han_run_becomes_its_overlapping_bigrams():
    assert tokens("加装电梯") == "加装 装电 电梯"


def test_letters_and_digits_stay_whole_and_full_width_folds_to_ascii():
    assert tokens("A5栋 ２号楼 JGYS2026-00001") == "a5 栋 2 号楼 jgys2026 00001"


def test_punctuation_and_spaces_split_a_query_into_runs():
    assert token_runs("示范中学，竣工图") == [["示范", "范中", "中学"], ["竣工", "工图"]]


def test_each_run_is_one_phrase_on_both_databases():
    assert match_expression("电梯 竣工图", "sqlite") == '"电梯" AND "竣工 工图"'
    assert match_expression("电梯 竣工图", "postgresql") == "('电梯') & ('竣工' <-> '工图')"


def test_a_lone_han_character_is_too_short_but_a_number_is_not():
    assert too_short("图") and too_short(" 图 ")
    assert not too_short("图纸") and not too_short("5") and not too_short("图 5")
