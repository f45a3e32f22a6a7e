"""The eligibility rules the archive starts with: the Pudong report's two simplifications (an
owners' committee with a sub-district statement for a lift; a lessee with a lease contract for
the house's use), the property owner and a court. Staff edit them afterwards (admin). Seeding
adds what is missing and never changes a rule staff edited."""

PROOF_KINDS = [
    ("id_card", "身份证件", "Identity document", "申请人（或经办人）的有效身份证件"),
    (
        "property_certificate",
        "不动产权证书",
        "Property certificate",
        "房屋的不动产权证书或房地产权证",
    ),
    ("lease_contract", "房屋租赁合同", "Lease contract", "与产权人签订、在有效期内的租赁合同"),
    (
        "committee_record",
        "业主委员会备案证明",
        "Owners' committee record",
        "业主委员会成立备案的证明",
    ),
    (
        "subdistrict_statement",
        "街道情况说明",
        "Sub-district statement",
        "街道办事处出具的加装电梯情况说明（替代立项证明）",
    ),
    ("court_letter", "法院调查函", "Court's letter", "人民法院出具的调查取证函"),
    ("officer_id", "经办人工作证", "Officer's ID", "持函经办人的工作证件"),
]
PURPOSES = [
    ("lift_installation", "既有住宅加装电梯", "Installing a lift in an existing building"),
    ("business_registration", "办理工商注册登记", "Business registration"),
    ("property_matters", "房屋产权及修缮事务", "Property and repair matters"),
    ("litigation", "司法审判取证", "Court proceedings"),
]
HOUSE_USE = ["A5-1", "E1-12"]
RULES = [
    (
        "lift_installation",
        "owners_committee",
        ["D-1", "D-2", "D-7"],
        ["committee_record", "subdistrict_statement"],
        False,
        "浦东改革：业主委员会凭街道情况说明即可查阅楼栋竣工图，不再要求项目立项证明",
    ),
    (
        "business_registration",
        "lessee",
        HOUSE_USE,
        ["id_card", "lease_contract"],
        False,
        "浦东改革：承租人凭租赁合同即可查询房屋用途性质，不再限于产权人",
    ),
    (
        "business_registration",
        "property_owner",
        HOUSE_USE,
        ["id_card", "property_certificate"],
        False,
        "产权人凭身份证件和不动产权证书查询",
    ),
    (
        "property_matters",
        "property_owner",
        ["A5-1", "D", "E1"],
        ["id_card", "property_certificate"],
        False,
        "产权人查阅本房屋的规划、竣工图和竣工验收文件",
    ),
    (
        "litigation",
        "court",
        ["A", "D", "E1"],
        ["court_letter", "officer_id"],
        True,
        "人民法院持调查函，由经办人到馆查阅并复制",
    ),
]


def rules_seed(ProofKind=None, Purpose=None, Rule=None) -> None:
    """Add the seed rules that are missing; a migration passes its historical models."""
    from . import models

    ProofKind = ProofKind or models.ProofKind
    Purpose = Purpose or models.Purpose
    Rule = Rule or models.EligibilityRule
    kinds = {}
    for code, zh, en, hint in PROOF_KINDS:
        kinds[code], _ = ProofKind.objects.get_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "hint_zh": hint}
        )
    purposes = {}
    for code, zh, en in PURPOSES:
        purposes[code], _ = Purpose.objects.get_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en}
        )
    for purpose, role, records, proofs, visit, note in RULES:
        if Rule.objects.filter(purpose=purposes[purpose], role=role).exists():
            continue
        rule = Rule.objects.create(
            purpose=purposes[purpose],
            role=role,
            record_codes=records,
            visit_required=visit,
            note_zh=note,
        )
        rule.proofs.set([kinds[code] for code in proofs])
