"""Write the sample archive: a ready archive root with customers and scans in its inbox.

Run ``python sample_archive/generate.py [OUT_DIR]`` (default: the folder of this script).
It writes ``archive.toml``, ``customers/<code>/customer.toml`` (Art. 8) and about thirty
scan-like PDFs (raster pages made with :mod:`archiver.synth`) waiting in ``inbox/``.

Everything is deterministic: fixed seeds, no clock. Running it twice gives byte-identical
files. The documents are listed in :data:`DOCUMENTS`; each one says which of the three
metadata sources (sidecar, folder, file name) describes it, so the sample shows them all,
and together they exercise every filing and volume rule: the six document types of
Art. 4, two years, duplex and simplex scans with blank backs (Art. 16), a request with its
reply in the next year (Art. 14), a main document with its attachment, a printed copy with
its final draft and other groups (Art. 12, 15), a top-secret group (Art. 13), cross-year
plan, summary and meeting papers (Art. 14), declared page counts (Art. 11), notes for the
remarks sheet (Art. 18, 19) and a page scanned sideways (/Rotate).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import shutil
import sys
import tomllib
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf
import tomli_w

from archiver.atomic import ensure_dir, write_bytes_atomic, write_text_atomic
from archiver.config import parse_config, template_text
from archiver.customers import Customer, write_customer
from archiver.synth import PageSpec, pdf_from_images, render_page, text_page

HERE = Path(__file__).resolve().parent

FONDS_CODE = "Q017"
FONDS_NAME = "江苏恒信机电设备有限公司客户服务部"
FILER = "王丽娟"  # 立卷人, also recorded as the filer of each scan
CHECKER = "陈建国"  # 检查人
COMPANY = "江苏恒信机电设备有限公司"

# Files and folders this script owns inside the output folder.
GENERATED = ("archive.toml", "customers", "inbox")
OWN = {"generate.py", "README.md", "__pycache__", *GENERATED}

# Customers (Art. 8) -------------------------------------------------------------------
CUSTOMERS = (
    Customer(
        code="C0001",
        name="南京金陵精密机械制造有限公司",
        legal_representative="周立新",
        address="江苏省南京市江宁区秣陵街道蓝霞路88号",
        postcode="211106",
        phone="025-52108866",
        fax="025-52108867",
        registered_capital="人民币8,000万元",
        business_scale="职工约650人，2025年营业收入约5.2亿元",
        business_scope="精密减速器、数控机床零部件的研发、制造与销售；机械设备租赁；货物及技术进出口",
        economic_strength="资信等级AA，银行授信额度1.5亿元，近三年连续盈利，无不良信用记录",
    ),
    Customer(
        code="C0002",
        name="苏州华通电子科技股份有限公司",
        legal_representative="沈慧敏",
        address="江苏省苏州市工业园区星湖街218号生物纳米园A7栋",
        postcode="215123",
        phone="0512-62856600",
        fax="0512-62856601",
        registered_capital="人民币1.2亿元",
        business_scale="职工约1,100人，2025年营业收入约9.8亿元",
        business_scope="工业自动化控制系统、伺服驱动器、变频器的研发、生产、销售及技术服务",
        economic_strength="新三板挂牌企业，资信等级AA+，资产负债率约42%，现金流稳定",
    ),
    Customer(
        code="C0003",
        name="无锡锡能电力设备有限公司",
        legal_representative="顾永强",
        address="江苏省无锡市新吴区长江路21号",
        postcode="214028",
        phone="0510-85216688",
        fax="0510-85216689",
        registered_capital="人民币5,000万元",
        business_scale="职工约380人，2025年营业收入约2.6亿元",
        business_scope="高低压成套开关设备、箱式变电站、电力电缆附件的制造与安装",
        economic_strength="资信等级A，主要客户为省内电网及工业园区，应收账款周转期约95天",
    ),
    Customer(
        code="C0004",
        name="常州龙城建材贸易有限公司",
        legal_representative="钱国栋",
        address="江苏省常州市天宁区关河东路66号龙城大厦12楼",
        postcode="213003",
        phone="0519-88105522",
        fax="0519-88105523",
        registered_capital="人民币1,000万元",
        business_scale="职工约60人，2025年销售额约8,600万元",
        business_scope="建筑材料、五金交电、机电设备的批发与零售；仓储服务（不含危险品）",
        economic_strength="资信等级BBB，经营稳定，需预付款或担保后方可赊销",
    ),
    Customer(
        code="C0005",
        name="上海浦江国际物流有限公司",
        legal_representative="陆文婷",
        address="上海市浦东新区外高桥保税区富特北路456号",
        postcode="200131",
        phone="021-58661234",
        fax="021-58661235",
        registered_capital="人民币3,000万元",
        business_scale="职工约240人，自有仓库4.5万平方米，2025年营业收入约3.1亿元",
        business_scope="国际货运代理、仓储、报关报检、机电设备进出口代理及物流咨询",
        economic_strength="资信等级A+，海关AEO高级认证企业，付款记录良好",
    ),
)
NAMES = {c.code: c.name for c in CUSTOMERS}


# Pages ----------------------------------------------------------------------------------
def _body(seed: int, n: int) -> list[str]:
    """``n`` lines of plausible running text (synth's word list)."""
    return text_page("", n_lines=n, seed=seed).lines


def first(title: str, head: list[str], seed: int, n: int = 12, **kw: Any) -> PageSpec:
    """A first page: heading, the document's own lines, then running text."""
    return PageSpec(title=title, lines=head + _body(seed, n), **kw)


def more(seed: int, n: int = 18, **kw: Any) -> PageSpec:
    """A continuation page of running text."""
    return PageSpec(lines=_body(seed, n), **kw)


def signed(head: list[str], seed: int, n: int = 6, *, stamp: bool = True, **kw: Any) -> PageSpec:
    """A last page with the signature block: a handwritten signature and a red seal."""
    return PageSpec(lines=_body(seed, n) + head, handwriting=True, stamp=stamp, **kw)


def blank(kind: str = "noise") -> PageSpec:
    """The back of a single-sided sheet: scanner speckle only, a faint show-through from
    the printed front, or punch holes — all blank for Art. 16."""
    if kind == "show-through":
        return PageSpec(noise=0.001, show_through=True)
    if kind == "holes":
        return PageSpec(noise=0.001, punch_holes=True)
    return PageSpec(noise=0.0015)


def sign_block(customer: str, day: dt.date) -> list[str]:
    return [
        "",
        f"甲方（盖章）：{COMPANY}",
        f"乙方（盖章）：{NAMES[customer]}",
        "授权代表（签字）：________________",
        f"签订日期：{day.year}年{day.month}月{day.day}日",
    ]


def ymd(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# Documents ------------------------------------------------------------------------------
@dataclass
class Doc:
    """One scan in the sample inbox and how it is described.

    ``pages`` lists the scanned sides in order: for a duplex scan front and back of each
    sheet (so an even number), for a simplex scan the fronts only. ``source`` is the
    metadata source the filing stage will use: sidecar, folder or filename.
    """

    key: str  # stable short name: the seed and the sidecar/PDF file name derive from it
    source: str
    customer: str
    type: str
    date: dt.date
    title: str
    pages: list[PageSpec]
    sides: str = "duplex"
    fields: dict[str, Any] = field(default_factory=dict)  # further sidecar fields
    bilevel: bool = False  # CCITT G4 instead of grayscale JPEG
    dpi: int = 150
    color: bool = False
    sideways: bool = False  # scanned rotated: the page carries /Rotate 90

    @property
    def seed(self) -> int:
        return zlib.crc32(self.key.encode())

    @property
    def path(self) -> str:
        """Where the scan waits, relative to the inbox."""
        if self.source == "folder":
            return f"{self.customer}/{self.type}/SCAN_{self.date:%Y%m%d}_{self.key}.pdf"
        if self.source == "filename":
            return f"{self.customer}_{self.type}_{self.date:%Y%m%d}_{self.title}.pdf"
        return f"{self.key}.pdf"

    def sidecar(self) -> dict[str, Any] | None:
        if self.source != "sidecar":
            return None
        data: dict[str, Any] = {
            "customer": self.customer,
            "type": self.type,
            "date": self.date.isoformat(),
            "title": self.title,
        }
        if self.sides != "duplex":
            data["sides"] = self.sides
        data.update(self.fields)
        return data

    def meta(self, name: str, default: Any = "") -> Any:
        return self.fields.get(name, default)


D = dt.date


def _documents() -> list[Doc]:
    docs: list[Doc] = []
    add = docs.append

    # C0001 南京金陵精密机械 — the long-standing customer: most kinds of material --------
    d = D(2025, 3, 12)
    add(Doc("c1-basic-2025", "sidecar", "C0001", "basic-data", d, "客户基本资料表（2025年度）", [
        first("客户基本资料表", ["客户名称：南京金陵精密机械制造有限公司", "法定代表人：周立新",
                                  "注册资本：人民币8,000万元", f"填表日期：{ymd(d)}"], 11, n=10),
        blank("show-through"),
    ], fields={"responsible": "销售部"}))
    d = D(2025, 4, 18)
    add(Doc("c1-contract-main", "sidecar", "C0001", "contract", d, "工业机器人精密减速器采购合同", [
        first("工业机器人精密减速器采购合同", ["合同编号：恒信销合〔2025〕036号", f"甲方：{COMPANY}",
                                              f"乙方：{NAMES['C0001']}", "合同金额：人民币叁佰陆拾万元整"], 21),
        more(22),
        more(23, punch_holes=True),
        signed(sign_block("C0001", d), 24),
    ], fields={"doc_no": "恒信销合〔2025〕036号", "responsible": COMPANY, "retention": "permanent",
               "group": "HT2025-036", "role": "main"}, color=True))
    add(Doc("c1-contract-annex", "sidecar", "C0001", "contract", d, "采购合同附件：精密减速器技术规格书", [
        first("附件：技术规格书", ["型号：RV-40E / RV-80E", "额定输出转矩：412 N·m / 784 N·m",
                                  "回差：≤1 arcmin", "设计寿命：6,000小时"], 31, n=14),
        more(32, n=10),
    ], sides="simplex", fields={"group": "HT2025-036", "role": "attachment", "retention": "permanent"},
        bilevel=True, dpi=200))
    add(Doc("c1-qualification-2025", "folder", "C0001", "qualification-rating", D(2025, 6, 30), "", [
        first("客户资质评级表", ["评级期间：2025年第二季度", "综合评级：AA", "评级人：李明"], 41, n=8,
              handwriting=True),
        blank("noise"),
    ], bilevel=True, dpi=300))
    add(Doc("c1-sales-2025-07", "filename", "C0001", "sales-statistics", D(2025, 7, 31), "2025年7月销售统计表", [
        first("2025年7月客户销售统计表", ["统计期间：2025年7月1日至7月31日", "销售额：人民币412.6万元",
                                         "回款额：人民币389.0万元"], 51, n=14),
        blank("holes"),
    ], bilevel=True, dpi=200))
    d = D(2025, 9, 20)
    add(Doc("c1-plan-2025-2026", "sidecar", "C0001", "analysis-report", d, "2025—2026年度客户维护工作计划", [
        first("2025—2026年度客户维护工作计划", ["计划期间：2025年10月至2026年9月", "编制部门：客户服务部"], 61),
        more(62),
        more(63, n=12),
        blank("noise"),
    ], fields={"kind": "plan", "period": ["2025-10-01", "2026-09-30"], "responsible": "客户服务部"}))
    d = D(2025, 12, 15)
    add(Doc("c1-credit-request", "sidecar", "C0001", "credit-report", d, "关于申请提高2026年度信用额度的请示", [
        first("关于申请提高2026年度信用额度的请示", [f"{COMPANY}：",
              "因2026年订单增长，我司申请将信用额度由800万元提高至1,200万元。"], 71, n=9),
        signed(["", f"{NAMES['C0001']}", ymd(d)], 72, n=4),
    ], sides="simplex", fields={"group": "XY-C0001-2026", "role": "request", "responsible": NAMES["C0001"],
                                "doc_no": "金陵精机〔2025〕45号"}))
    d = D(2026, 1, 8)
    add(Doc("c1-credit-reply", "sidecar", "C0001", "credit-report", d, "关于同意调整2026年度信用额度的批复", [
        first("关于同意调整2026年度信用额度的批复", [f"{NAMES['C0001']}：",
              "你司《关于申请提高2026年度信用额度的请示》收悉。",
              "经评估，同意将信用额度调整为1,200万元。"], 81, n=6),
        signed(["", COMPANY, ymd(d)], 82, n=3),
    ], sides="simplex", fields={"group": "XY-C0001-2026", "role": "reply", "responsible": COMPANY,
                                "doc_no": "恒信客字〔2026〕3号"}, bilevel=True, dpi=300))
    d = D(2026, 2, 26)
    add(Doc("c1-basic-change", "sidecar", "C0001", "basic-data", d, "客户基本资料变更登记表", [
        first("客户基本资料变更登记表", ["变更事项：注册地址、联系电话", "变更前：南京市江宁区天元中路",
                                        "变更后：南京市江宁区秣陵街道蓝霞路88号"], 91, n=8, handwriting=True),
        blank("show-through"),
    ], fields={"pages": 1, "notes": "原件字迹褪色，已附复印件。"}))
    add(Doc("c1-qualification-2026q1", "folder", "C0001", "qualification-rating", D(2026, 3, 31), "", [
        first("客户资质评级表", ["评级期间：2026年第一季度", "综合评级：AA", "评级人：李明"], 101, n=8,
              handwriting=True),
        blank("noise"),
    ], bilevel=True, dpi=300))
    d = D(2026, 6, 18)
    add(Doc("c1-analysis-2026h1", "sidecar", "C0001", "analysis-report", d, "2026年上半年客户信息分析报告", [
        first("2026年上半年客户信息分析报告", ["文号：恒信客字〔2026〕12号", "报送：公司领导、销售部、财务部"], 111),
        more(112),
        more(113, n=10),
        blank("noise"),
    ], fields={"doc_no": "恒信客字〔2026〕12号", "responsible": "客户服务部", "pages": 3}, bilevel=True, dpi=200))

    # C0002 苏州华通电子 -------------------------------------------------------------
    add(Doc("c2-basic-2025", "filename", "C0002", "basic-data", D(2025, 2, 20), "客户基本资料表", [
        first("客户基本资料表", ["客户名称：苏州华通电子科技股份有限公司", "法定代表人：沈慧敏",
                                  "注册资本：人民币1.2亿元"], 121, n=10),
        blank("noise"),
    ], bilevel=True, dpi=200))
    add(Doc("c2-credit-2025-05", "folder", "C0002", "credit-report", D(2025, 5, 31), "", [
        first("客户信用评估报告", ["评估期间：2025年5月", "信用等级：AA+", "建议信用额度：人民币1,500万元"], 131),
        more(132, n=12),
    ]))
    d = D(2025, 8, 15)
    add(Doc("c2-maintenance-printed", "sidecar", "C0002", "contract", d, "设备维保服务合同（印制本）", [
        first("设备维保服务合同", ["合同编号：恒信服合〔2025〕118号", f"甲方：{COMPANY}",
                                  f"乙方：{NAMES['C0002']}"], 141),
        signed(sign_block("C0002", d), 142),
    ], sides="simplex", fields={"group": "FW2025-118", "role": "printed", "doc_no": "恒信服合〔2025〕118号",
                                "responsible": COMPANY}, color=True))
    add(Doc("c2-maintenance-draft", "sidecar", "C0002", "contract", d, "设备维保服务合同（定稿）", [
        first("设备维保服务合同（定稿）", ["合同编号：恒信服合〔2025〕118号", "审核：法务部 张敏"], 151, n=14,
              handwriting=True),
        more(152, n=8, handwriting=True),
    ], sides="simplex", fields={"group": "FW2025-118", "role": "final-draft", "doc_no": "恒信服合〔2025〕118号",
                                "responsible": COMPANY}, bilevel=True, dpi=200))
    add(Doc("c2-sales-2026-04", "filename", "C0002", "sales-statistics", D(2026, 4, 30), "2026年4月销售统计表", [
        first("2026年4月客户销售统计表", ["统计期间：2026年4月1日至4月30日", "销售额：人民币268.3万元"], 161, n=14),
        blank("noise"),
    ], bilevel=True, dpi=200, sideways=True))
    d = D(2026, 7, 10)
    add(Doc("c2-summary-2025-2026", "sidecar", "C0002", "analysis-report", d, "2025—2026年度客户服务工作总结", [
        first("2025—2026年度客户服务工作总结", ["总结期间：2025年7月至2026年6月", "编制部门：客户服务部"], 171),
        more(172),
        more(173, n=8),
        blank("holes"),
    ], fields={"kind": "summary", "period": ["2025-07-01", "2026-06-30"], "responsible": "客户服务部"},
        bilevel=True, dpi=200))
    add(Doc("c2-qualification-2026q3", "folder", "C0002", "qualification-rating", D(2026, 9, 30), "", [
        first("客户资质评级表", ["评级期间：2026年第三季度", "综合评级：AA+", "评级人：赵磊"], 181, n=8,
              handwriting=True),
        blank("show-through"),
    ], bilevel=True, dpi=300))

    # C0003 无锡锡能电力 — the top-secret special investigation ------------------------
    d = D(2026, 5, 20)
    add(Doc("c3-investigation", "sidecar", "C0003", "credit-report", d, "客户资信专项调查报告", [
        first("客户资信专项调查报告", ["密级：绝密", "文号：恒信客密〔2026〕1号", "调查对象：无锡锡能电力设备有限公司"], 191),
        more(192),
        signed(["", "调查组组长（签字）：________", ymd(d)], 193, n=8, stamp=False),
        blank("noise"),
    ], fields={"classification": "top-secret", "doc_no": "恒信客密〔2026〕1号", "responsible": "客户服务部",
               "group": "ZX-C0003-2026", "role": "main"}, bilevel=True, dpi=300))
    add(Doc("c3-investigation-annex", "sidecar", "C0003", "credit-report", d, "专项调查报告附件：主要财务数据摘录", [
        first("附件：主要财务数据摘录", ["资产总额：人民币4.3亿元", "负债总额：人民币2.1亿元",
                                        "营业收入：人民币2.6亿元"], 201, n=10),
    ], sides="simplex", fields={"group": "ZX-C0003-2026", "role": "attachment"}, bilevel=True, dpi=200))
    add(Doc("c3-basic-2025", "sidecar", "C0003", "basic-data", D(2025, 1, 16), "客户基本资料表（建档）", [
        first("客户基本资料表", ["客户名称：无锡锡能电力设备有限公司", "法定代表人：顾永强",
                                  "邮编：214028"], 211, n=10),
    ], sides="simplex", fields={"copies": 2, "notes": "另存副本一份于销售部。"}))
    add(Doc("c3-sales-2025-11", "filename", "C0003", "sales-statistics", D(2025, 11, 30), "2025年11月销售统计表", [
        first("2025年11月客户销售统计表", ["统计期间：2025年11月", "销售额：人民币156.8万元"], 221, n=12),
        blank("noise"),
    ], bilevel=True, dpi=200))
    add(Doc("c3-analysis-2026-08", "folder", "C0003", "analysis-report", D(2026, 8, 31), "", [
        first("客户信息分析报告", ["分析期间：2026年1月至8月", "结论：回款周期偏长，建议加强催收"], 231),
        blank("show-through"),
    ]))

    # C0004 常州龙城建材 — forwarded documents, meeting papers across the new year ------
    d = D(2025, 10, 22)
    add(Doc("c4-forwarding", "sidecar", "C0004", "credit-report", d, "关于转发客户担保函的通知", [
        first("关于转发客户担保函的通知", ["销售部、财务部：", "现将常州龙城建材贸易有限公司担保函转发给你们。"], 241, n=6),
    ], sides="simplex", fields={"group": "DB-C0004-2025", "role": "forwarding", "doc_no": "恒信客字〔2025〕27号",
                                "responsible": "客户服务部"}, bilevel=True, dpi=200))
    add(Doc("c4-forwarded", "sidecar", "C0004", "credit-report", D(2025, 10, 15), "常州龙城建材贸易有限公司付款担保函", [
        first("付款担保函", [f"致：{COMPANY}", "担保人：常州市龙城融资担保有限公司", "担保金额：人民币300万元"], 251, n=8),
        signed(["", "担保人（盖章）", ymd(D(2025, 10, 15))], 252, n=3),
    ], sides="simplex", fields={"group": "DB-C0004-2025", "role": "forwarded"}, color=True))
    d = D(2026, 1, 5)
    add(Doc("c4-meeting", "sidecar", "C0004", "analysis-report", d, "年度客户对账及信用复核会议纪要", [
        first("会议纪要", ["会议时间：2025年12月29日至2026年1月5日", "会议地点：恒信公司三楼会议室",
                          "参会单位：恒信公司销售部、财务部；常州龙城建材"], 261),
        more(262, n=10, handwriting=True),
    ], sides="simplex", fields={"kind": "meeting", "period": ["2025-12-29", "2026-01-05"],
                                "responsible": "客户服务部"}, bilevel=True, dpi=200))
    add(Doc("c4-qualification-2026q2", "filename", "C0004", "qualification-rating", D(2026, 6, 30), "2026年第二季度资质评级表", [
        first("客户资质评级表", ["评级期间：2026年第二季度", "综合评级：BBB", "评级人：赵磊"], 271, n=8,
              handwriting=True),
        blank("holes"),
    ], bilevel=True, dpi=300))
    add(Doc("c4-sales-2026-10", "folder", "C0004", "sales-statistics", D(2026, 10, 31), "", [
        first("2026年10月客户销售统计表", ["统计期间：2026年10月", "销售额：人民币86.4万元"], 281, n=12),
        blank("noise"),
    ], bilevel=True, dpi=200))

    # C0005 上海浦江国际物流 — a contract with an English original and its translation ---
    d = D(2025, 6, 6)
    add(Doc("c5-agency-original", "sidecar", "C0005", "contract", d, "进出口代理协议（英文原本）", [
        PageSpec(title="IMPORT AND EXPORT AGENCY AGREEMENT", lines=[
            "Agreement No. HX-PJ-2025-007", f"Date: {d:%d %B %Y}",
            "Between Jiangsu Hengxin Electromechanical Equipment Co., Ltd.",
            "and Shanghai Pujiang International Logistics Co., Ltd.",
            "1. Scope of agency: customs clearance, freight forwarding.",
            "2. Term: twelve months from the date of signature.",
            "3. Fees: as set out in Schedule 1.",
        ], handwriting=True, stamp=True),
    ], sides="simplex", fields={"group": "DL-C0005-2025", "role": "original-language",
                                "doc_no": "HX-PJ-2025-007"}, bilevel=True, dpi=200))
    add(Doc("c5-agency-translation", "sidecar", "C0005", "contract", d, "进出口代理协议（中文译本）", [
        first("进出口代理协议（译本）", ["协议编号：HX-PJ-2025-007", "代理范围：报关、货运代理", "期限：自签字之日起十二个月"],
              291, n=10),
    ], sides="simplex", fields={"group": "DL-C0005-2025", "role": "translation", "doc_no": "HX-PJ-2025-007"},
        bilevel=True, dpi=200))
    add(Doc("c5-credit-2026-09", "filename", "C0005", "credit-report", D(2026, 9, 30), "2026年9月信用评估报告", [
        first("客户信用评估报告", ["评估期间：2026年9月", "信用等级：A+", "建议信用额度：人民币800万元"], 301),
        more(302, n=14),
    ]))
    add(Doc("c5-basic-2026", "folder", "C0005", "basic-data", D(2026, 11, 20), "", [
        first("客户基本资料表", ["客户名称：上海浦江国际物流有限公司", "法定代表人：陆文婷",
                                  "邮编：200131"], 311, n=10),
        blank("noise"),
    ], bilevel=True, dpi=200))
    return docs


DOCUMENTS: list[Doc] = _documents()


# Writing --------------------------------------------------------------------------------
def scan_pdf(doc: Doc) -> bytes:
    """The scan as a PDF: one raster image per scanned side, dated by the document's date."""
    images = [render_page(spec, dpi=doc.dpi, seed=doc.seed * 100 + i, color=doc.color)
              for i, spec in enumerate(doc.pages)]
    if doc.sideways:
        images = [im.rotate(90, expand=True) for im in images]
    scanned = dt.datetime(doc.date.year, doc.date.month, doc.date.day, 9, 30)
    data = pdf_from_images(images, dpi=doc.dpi, bilevel=doc.bilevel, quality=50, created=scanned)
    if doc.sideways:  # fed sideways: the viewer turns the page upright
        with pikepdf.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                page.obj.Rotate = 90
            out = io.BytesIO()
            pdf.save(out, deterministic_id=True)
            data = out.getvalue()
    return data


def archive_toml() -> str:
    """archiver's own template with this sample's fonds, filer and checker."""
    text = template_text()
    text = _replace_once(text, 'code = "Q001"', f'code = "{FONDS_CODE}"')
    text = _replace_once(text, 'name = "某某有限公司客户服务部"', f'name = "{FONDS_NAME}"')
    head, sep, volumes = text.partition("\n[volumes]\n")
    head = _replace_once(head, '\nfiler = ""', f'\nfiler = "{FILER}"')
    volumes = _replace_once(volumes, 'filer = ""', f'filer = "{FILER}"')
    volumes = _replace_once(volumes, 'checker = ""', f'checker = "{CHECKER}"')
    text = head + sep + volumes
    config = parse_config(tomllib.loads(text))  # never write a configuration archiver refuses
    missing = {d.type for d in DOCUMENTS} - set(config.document_types)
    if missing:
        raise SystemExit(f"document types not in archive.toml: {sorted(missing)}")
    return text


def _replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) < 1:
        raise SystemExit(f"archive.toml template changed: {old!r} not found; update generate.py")
    return text.replace(old, new, 1)


def generate(out: Path) -> list[Path]:
    """Write the sample archive into ``out``; return the files written (sorted)."""
    out = out.resolve()
    if out.exists():
        foreign = sorted(p.name for p in out.iterdir() if p.name not in OWN)
        if foreign:
            raise SystemExit(
                f"{out} holds {', '.join(foreign)}: it looks like an archive in use, not the sample. "
                "Nothing was changed. Generate into an empty folder (or this script's own folder)."
            )
    for name in GENERATED:
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    write_text_atomic(out / "archive.toml", archive_toml())
    for customer in CUSTOMERS:
        write_customer(out / "customers", customer)
    inbox = ensure_dir(out / "inbox")
    seen: set[str] = set()
    for doc in DOCUMENTS:
        if doc.path in seen:
            raise SystemExit(f"two sample documents at inbox/{doc.path}")
        seen.add(doc.path)
        pdf = inbox / doc.path
        ensure_dir(pdf.parent)
        write_bytes_atomic(pdf, scan_pdf(doc))
        side = doc.sidecar()
        if side is not None:
            write_text_atomic(pdf.with_suffix(".toml"), tomli_w.dumps(side))
    written = [out / "archive.toml"]
    for folder in ("customers", "inbox"):
        written += [p for p in (out / folder).rglob("*") if p.is_file()]
    return sorted(written)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the archiver sample archive (deterministic).")
    parser.add_argument("out", nargs="?", type=Path, default=HERE,
                        help="the archive root to write (default: the folder of this script)")
    args = parser.parse_args(argv)
    files = generate(args.out)
    size = sum(p.stat().st_size for p in files)
    pdfs = sum(p.suffix == ".pdf" for p in files)
    print(f"Wrote {len(files)} files ({pdfs} scans, {size / 1e6:.1f} MB) to {args.out.resolve()}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
