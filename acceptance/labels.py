"""The acceptance domain's words for the label registry (``workflows.labels``).

Found at start-up by ``autodiscover_modules("labels")``. Pages show these instead of event
codes, BPMN task ids, group names, process variable names and rule ids.
"""

from __future__ import annotations

from workflows.labels import register

from .drawings.rules import RULES
from .models.case import PROCESS_ID
from .roles import AUDITORS, REVIEWERS, SUPERVISORS

register(
    "event",
    {
        "project.registered": ("项目登记", "project registered"),
        "material.uploaded": ("材料上传", "record uploaded"),
        "material.checked": ("材料检测", "record checked"),
        "material.reviewed": ("材料审核", "record reviewed"),
        "material.withdrawn": ("材料撤回", "record withdrawn"),
        "material.replaced": ("材料替换", "record replaced"),
        "material.fixity_failed": ("固定性校验失败", "fixity check failed"),
        "material.fixity_restored": ("固定性恢复", "fixity restored"),
        "archive.properties_checked": ("四性检测", "four-property checks run"),
        "archive.properties_report_sealed": (
            "四性检测报告 OFD 加盖电子印章",
            "four-property report's OFD sealed",
        ),
        "drawing.approved": ("图纸批准", "drawing approved"),
        "drawing.returned": ("图纸退回", "drawing returned"),
        "drawing.index_supplied": ("提交图纸目录", "drawing index supplied"),
        "media.described": ("声像著录", "AV record described"),
        "media.reviewed": ("声像审核", "AV record reviewed"),
        "catalog.imported": ("归档范围导入", "catalog imported"),
        "catalog.copied": ("归档范围复制", "catalog copied"),
        "catalog.published": ("归档范围发布", "catalog published"),
        "commitment.draft": ("承诺书待签署", "commitment awaiting signature"),
        "commitment.ofd_sealed": ("承诺书 OFD 版式文件加盖电子印章", "commitment's OFD sealed"),
        "commitment.pending": ("承诺书生效", "commitment in force"),
        "commitment.fulfilled": ("承诺按期履约", "commitment fulfilled"),
        "commitment.overdue": ("承诺逾期", "commitment overdue"),
        "commitment.fulfilled_late": ("承诺逾期履约", "commitment fulfilled late"),
        "commitment.escalated": ("承诺逾期督办", "commitment escalated"),
        "commitment.withdrawn": ("承诺撤销", "commitment withdrawn"),
        "commitment.delivered": ("承诺事项补交", "committed items delivered"),
        "commitment.returned": ("补交材料退回", "delivery returned"),
        "commitment.deadline_recomputed": (
            "节假日调整，承诺期限重新计算",
            "commitment deadline recomputed on the holiday calendar",
        ),
        "certificate.issued": ("意见书签发", "certificate issued"),
        "certificate.superseded": ("意见书被替代", "certificate superseded"),
        "certificate.suspended": ("意见书中止", "certificate suspended"),
        "certificate.reinstated": ("意见书恢复", "certificate reinstated"),
        "certificate.revoked": ("意见书撤销", "certificate revoked"),
        "audit.viewed": ("审计查阅", "audit: viewed"),
        "audit.replayed": ("审计回放", "audit: replay run"),
    },
)

register(
    "process",
    {PROCESS_ID: ("建设工程竣工档案验收", "completion archive acceptance")},
    fallback=("业务流程", "process"),
)

register(
    "group",
    {
        "owners": ("建设单位", "owner"),
        "owner": ("建设单位", "owner"),
        REVIEWERS: ("审核员", "reviewer"),
        "reviewer": ("审核员", "reviewer"),
        AUDITORS: ("审计人员", "auditor"),
        SUPERVISORS: ("督办负责人", "supervisor"),
        "system": ("系统", "system"),
    },
    fallback=("其他角色", "other role"),
)

register(
    "task",
    {
        "node_submit": ("提交节点资料", "Submit node records"),
        "node_check": ("节点资料检测", "Check node records"),
        "node_guidance": ("节点指导", "Node guidance"),
        "apply_acceptance": ("申请竣工档案验收", "Apply for acceptance"),
        "case_submit": ("提交审核", "Submit for review"),
        "completeness_check": ("归档范围核对", "Completeness check"),
        "supplement": ("补正材料（一次性告知）", "Supplement records"),
        "list_drawings": ("列出待审图纸", "Drawings to check"),
        "check_drawing": ("逐张自动审图", "Check each drawing"),
        "check_drawings": ("竣工图自动审查汇总", "Drawing checks summary"),
        "drawing_review": ("数字化审图", "Drawing review"),
        "record_drawing_review": ("记录审图结论", "Record drawing verdict"),
        "drawing_resubmit": ("重新提交竣工图", "Resubmit drawings"),
        "check_media": ("声像档案检测", "AV checks"),
        "media_review": ("声像档案审核", "AV review"),
        "record_media_review": ("记录声像审核结论", "Record AV verdict"),
        "media_resubmit": ("重新提交声像档案", "Resubmit AV records"),
        "acceptance_decision": ("验收决定", "Acceptance decision"),
        "review_escalate": ("审核超时督办", "Escalate late review"),
        "apply_decision": ("执行验收决定", "Apply decision"),
        "issue_full": ("签发验收意见书", "Issue certificate"),
        "sign_commitment": ("签署限时承诺书", "Sign the commitment"),
        "activate_commitment": ("承诺生效", "Commitment starts"),
        "issue_conditional": ("签发容缺受理意见书", "Issue conditional certificate"),
        "return_delivery": ("退回补正", "Delivery returned"),
        "check_delivery": ("核验补交材料", "Check delivered items"),
        "fulfil": ("承诺履约", "Commitment fulfilled"),
        "issue_upgraded": ("换发正式验收意见书", "Issue upgraded certificate"),
        "mark_overdue": ("承诺逾期", "Commitment overdue"),
        "suspend_certificate": ("中止意见书效力", "Suspend certificate"),
        "withdraw_commitment": ("撤销承诺", "Withdraw the commitment"),
        "check_late_delivery": ("核验逾期补交材料", "Check late delivery"),
        "fulfil_late": ("逾期履约", "Commitment fulfilled late"),
        "issue_upgraded_late": ("换发正式验收意见书", "Issue upgraded certificate"),
        "archive_case": ("事毕归档", "Archive on completion"),
    },
    fallback=("流程步骤", "process step"),
)

register(
    "variable",
    {
        "case": ("案件", "case"),
        "node": ("施工节点", "construction node"),
        "node_check": ("节点资料检测结果", "node checks"),
        "completeness": ("归档范围核对结果", "completeness check"),
        "drawing_check": ("竣工图自动审查结果", "drawing checks"),
        "drawing_comment": ("审图意见", "drawing review comment"),
        "media_check": ("声像档案检测结果", "AV checks"),
        "media_comment": ("声像审核意见", "AV review comment"),
        "decision_result": ("验收决定", "acceptance decision"),
        "comment": ("意见", "comment"),
        "withdrawal_result": ("承诺撤销结果", "commitment withdrawal"),
        "delivery": ("补交材料", "delivered items"),
        "commitment": ("限时承诺", "commitment"),
        "requested_items": ("需补充的条目", "items requested"),
        "guidance_comment": ("指导意见", "guidance"),
        "guidance": ("指导结论", "guidance verdict"),
        "decision": ("验收决定", "decision"),
        "tolerated_items": ("容缺条目", "tolerated items"),
        "review_sla": ("审核时限", "review time limit"),
    },
    fallback=("其他信息", "other information"),
)

register(
    "check_state",
    {
        "pending": ("待检测", "checks pending"),
        "running": ("检测中", "checks running"),
        "passed": ("检测通过", "checks passed"),
        "warned": ("检测通过（有提示）", "passed with warnings"),
        "failed": ("检测未通过", "checks failed"),
        "refused": ("已拒收", "refused"),
    },
)

register(
    "property",
    {
        "authenticity": ("真实性", "authenticity"),
        "integrity": ("完整性", "integrity"),
        "usability": ("可用性", "usability"),
        "security": ("安全性", "security"),
    },
)

register(
    "result",
    {
        "pass": ("通过", "passed"),
        "warn": ("提示", "warning"),
        "fail": ("未通过", "failed"),
        "not_checked": ("未检测", "not checked"),
    },
)

register(
    "field",
    {
        "code": ("条目编号", "item number"),
        "name_zh": ("条目名称", "item name"),
        "name_en": ("英文名称", "English name"),
        "category": ("类别", "category"),
        "retention": ("保管期限", "retention"),
        "format_kind": ("载体类型", "record kind"),
        "tolerable": ("可容缺", "tolerable"),
        "core": ("主审要件", "core item"),
        "parties": ("归档单位", "filing parties"),
        "active": ("启用", "active"),
        "works_types": ("适用工程类型", "works types"),
        "declared_files": ("申报文件数", "declared file count"),
    },
    fallback=("其他字段", "other field"),
)

register(
    "rule",
    {
        "authenticity.file_name": ("文件名规范", "file name"),
        "authenticity.fixity": ("固定性校验", "fixity"),
        "authenticity.metadata_values": ("著录信息一致", "metadata values"),
        "authenticity.photo_duplicate": ("照片查重", "photo duplicates"),
        "authenticity.photo_exif": ("照片拍摄信息", "photo EXIF"),
        "authenticity.photo_period": ("照片拍摄时间", "photo date"),
        "integrity.av_streams": ("音视频流完整", "AV streams"),
        "integrity.declared_bytes": ("申报数量核对", "declared size"),
        "integrity.declared_count": ("申报文件数核对", "declared count"),
        "integrity.declared_size": ("申报数量核对", "declared size"),
        "integrity.dxf_entities": ("图纸内容完整", "drawing entities"),
        "integrity.file_complete": ("文件完整", "file complete"),
        "integrity.metadata_present": ("著录项齐全", "metadata present"),
        "integrity.pdf_pages": ("PDF 页面完整", "PDF pages"),
        "security.archive_package": ("压缩包拒收", "packages refused"),
        "security.decompression_bomb": ("解压炸弹", "decompression bomb"),
        "security.empty_file": ("空文件", "empty file"),
        "security.executable": ("可执行内容", "executable content"),
        "security.kind_mismatch": ("文件类型不符", "kind mismatch"),
        "security.macro": ("宏代码", "macros"),
        "security.pdf_active_content": ("PDF 活动内容", "PDF active content"),
        "security.pdf_encrypted": ("PDF 加密", "PDF encrypted"),
        "security.size_limit": ("文件大小上限", "size limit"),
        "security.storage_readable": ("存储可读", "storage readable"),
        "security.unsafe_members": ("压缩包路径不安全", "unsafe package paths"),
        "security.zip_bomb": ("压缩炸弹", "zip bomb"),
        "set.index": ("图纸目录核对", "drawing index"),
        "set.unique_number": ("图号唯一", "unique drawing numbers"),
        "usability.av_codec": ("音视频编码", "AV codec"),
        "usability.av_opens": ("音视频可播放", "AV opens"),
        "usability.av_poster": ("视频封面", "video poster"),
        "usability.av_quality": ("音视频质量", "AV quality"),
        "usability.dxf_opens": ("图纸可打开", "drawing opens"),
        "usability.dxf_recovered": ("图纸经修复读取", "drawing recovered"),
        "usability.dxf_units": ("图纸单位", "drawing units"),
        "usability.format_accepted": ("文件格式", "file format"),
        "usability.format_identified": ("格式识别（PRONOM）", "format identification (PRONOM)"),
        "usability.image_opens": ("图像可打开", "image opens"),
        "usability.pdf_opens": ("PDF 可打开", "PDF opens"),
        "usability.photo_orientation": ("照片方向", "photo orientation"),
        "usability.photo_resolution": ("照片分辨率", "photo resolution"),
        **{f"drawing.{rule.id}": (rule.title_zh, rule.title_en) for rule in RULES.values()},
    },
    fallback=("检测项", "check"),
)

register(
    "service",
    {
        "acceptance.node_check": ("节点资料检测", "node record checks"),
        "acceptance.case_submit": ("提交审核", "submission for review"),
        "acceptance.completeness_check": ("归档范围核对", "completeness check"),
        "acceptance.check_drawings": ("竣工图自动审查", "drawing checks"),
        "acceptance.drawings_to_check": ("列出待审图纸", "drawings to check"),
        "acceptance.check_drawing": ("逐张自动审图", "one drawing's checks"),
        "acceptance.drawing_checks_summary": ("审图结果汇总", "drawing checks summary"),
        "acceptance.check_media": ("声像档案检测", "AV checks"),
        "acceptance.review_materials": ("记录审核结论", "recording a review"),
        "acceptance.apply_decision": ("执行验收决定", "applying the decision"),
        "acceptance.commitment_activate": ("承诺生效", "starting the commitment"),
        "acceptance.commitment_overdue": ("承诺逾期处理", "commitment overdue"),
        "acceptance.commitment_return_delivery": ("退回补交材料", "returning a delivery"),
        "acceptance.commitment_fulfil": ("承诺履约", "fulfilling the commitment"),
        "acceptance.commitment_withdrawn": ("撤销承诺", "withdrawing the commitment"),
        "acceptance.review_escalate": ("审核超时督办", "escalating a late review"),
        "acceptance.case_archive": ("事毕归档", "archiving the case"),
        "certificates.issue": ("签发验收意见书", "issuing the certificate"),
        "certificates.suspend": ("中止意见书效力", "suspending the certificate"),
    },
)
register(
    "error_type",
    {"TransitionNotAllowed": ("业务状态不允许此操作", "not allowed in the current state")},
)
