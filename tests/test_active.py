"""archiver.active: active content is found wherever a reader would run or open it, by
following the document's structure (issue 9 item 6), and a scan carries none."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from conftest import make_scan
from pikepdf import Array, Dictionary, Name, String

from archiver.active import find_active_content, strip_active_content

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
JS = "JavaScript"
EMBEDDED = "embedded file"


def scan_pdf(pages: int = 2) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(make_scan(pages, seed=5)))


def js() -> Dictionary:
    return Dictionary(S=Name.JavaScript, JS=String("app.alert(1)"))


def reopened(pdf: pikepdf.Pdf, **save: object) -> pikepdf.Pdf:
    out = io.BytesIO()
    pdf.save(out, **save)  # type: ignore[arg-type]
    return pikepdf.open(io.BytesIO(out.getvalue()))


def link(pdf: pikepdf.Pdf, action: Dictionary, **extra: object) -> Dictionary:
    return pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=[0, 0, 10, 10], A=action, **extra))


def add_annot(pdf: pikepdf.Pdf, annot: Dictionary, page: int = 0) -> None:
    pdf.pages[page].obj.Annots = Array([annot])


def field(pdf: pikepdf.Pdf, **entries: object) -> Dictionary:
    return pdf.make_indirect(Dictionary(FT=Name.Tx, T=String("name"), **entries))


def set_form(pdf: pikepdf.Pdf, fields: list[Dictionary], **entries: object) -> None:
    pdf.Root.AcroForm = Dictionary(Fields=Array(fields), **entries)


def outline(pdf: pikepdf.Pdf, *actions: Dictionary) -> None:
    items = [pdf.make_indirect(Dictionary(Title=String(f"item {n}"), A=a)) for n, a in enumerate(actions)]
    for a, b in zip(items, items[1:], strict=False):
        a.Next = b
    pdf.Root.Outlines = pdf.make_indirect(Dictionary(Type=Name.Outlines, First=items[0], Last=items[-1]))


def spec(pdf: pikepdf.Pdf) -> pikepdf.Object:
    return pikepdf.AttachedFileSpec(pdf, b"@echo off\r\n", filename="run.bat").obj


# Each case: what to add to a scan, and what must be found.
CASES: dict[str, tuple[Callable[[pikepdf.Pdf], None], set[str]]] = {
    "document JavaScript": (
        lambda pdf: setattr(pdf.Root, "Names", Dictionary(JavaScript=Dictionary(
            Names=Array([String("a"), pdf.make_indirect(js())])))), {JS}),
    "attachment": (lambda pdf: pdf.attachments.__setitem__(
        "run.bat", pikepdf.AttachedFileSpec(pdf, b"x", filename="run.bat")), {EMBEDDED}),
    "open action": (lambda pdf: setattr(pdf.Root, "OpenAction", js()),
                    {JS, "open action that runs when the file is opened"}),
    "open action chained": (
        lambda pdf: setattr(pdf.Root, "OpenAction", Dictionary(S=Name.GoTo, D=Array([pdf.pages[0].obj, Name.Fit]),
                                                               Next=Array([js()]))),
        {JS, "open action that runs when the file is opened"}),
    "open action that only jumps": (
        lambda pdf: setattr(pdf.Root, "OpenAction", Array([pdf.pages[0].obj, Name.Fit])), set()),
    "document additional action": (
        lambda pdf: setattr(pdf.Root, "AA", Dictionary(WC=js())), {JS}),
    "page additional action": (
        lambda pdf: setattr(pdf.pages[1].obj, "AA", Dictionary(O=Dictionary(S=Name.Launch, F=String("cmd.exe")))),
        {"Launch action (starts a program or opens a file)"}),
    "link to a program": (
        lambda pdf: add_annot(pdf, link(pdf, Dictionary(S=Name.Launch, F=String("calc.exe")))),
        {"Launch action (starts a program or opens a file)"}),
    "link chaining JavaScript": (
        lambda pdf: add_annot(pdf, link(pdf, Dictionary(S=Name.URI, URI=String("http://x/"),
                                                        Next=Dictionary(S=Name.GoTo, D=Array([0, Name.Fit]),
                                                                        Next=js())))), {JS}),
    "annotation additional action": (
        lambda pdf: add_annot(pdf, pdf.make_indirect(Dictionary(
            Type=Name.Annot, Subtype=Name.Square, Rect=[0, 0, 5, 5], AA=Dictionary(E=js())))), {JS}),
    "file attachment annotation": (
        lambda pdf: add_annot(pdf, pdf.make_indirect(Dictionary(
            Type=Name.Annot, Subtype=Name.FileAttachment, Rect=[0, 0, 5, 5], FS=spec(pdf)))), {EMBEDDED}),
    "rich media": (
        lambda pdf: add_annot(pdf, pdf.make_indirect(Dictionary(
            Type=Name.Annot, Subtype=Name.RichMedia, Rect=[0, 0, 5, 5]))), {EMBEDDED}),
    "outline item": (lambda pdf: outline(pdf, Dictionary(S=Name.GoTo, D=Array([0, Name.Fit])),
                                         Dictionary(S=Name.SubmitForm, F=String("http://x/"))),
                     {"form action (sends form data out)"}),
    "form field action": (lambda pdf: set_form(pdf, [field(pdf, AA=Dictionary(K=js()))]), {JS}),
    "form field in a kid": (
        lambda pdf: set_form(pdf, [field(pdf, Kids=Array([field(pdf, A=Dictionary(S=Name.ImportData,
                                                                                  F=String("x.fdf")))]))]),
        {"form action (imports data from a file)"}),
    "XFA form": (lambda pdf: set_form(pdf, [], XFA=pdf.make_stream(b"<xdp:xdp/>")), {"XFA form (can hold scripts)"}),
    "associated file": (lambda pdf: setattr(pdf.pages[0].obj, "AF", Array([spec(pdf)])), {EMBEDDED}),
    "action opening an embedded file": (
        lambda pdf: add_annot(pdf, link(pdf, Dictionary(S=Name.GoToR, F=spec(pdf), D=Array([0, Name.Fit])))),
        {EMBEDDED}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_active_content_is_found_where_a_reader_would_run_or_open_it(case: str) -> None:
    change, expected = CASES[case]
    with scan_pdf() as pdf:
        change(pdf)
        for save in ({}, {"object_stream_mode": pikepdf.ObjectStreamMode.generate}):
            with reopened(pdf, **save) as again:
                assert set(find_active_content(again)) == expected, save


def test_a_scan_carries_none() -> None:
    with scan_pdf(3) as pdf:
        assert find_active_content(pdf) == []


@pytest.mark.parametrize("name", ["cyclic-toc.pdf", "outlines.pdf", "form.pdf", "sandwich.pdf", "fourpages.pdf"])
def test_real_files_without_active_content_carry_none(name: str) -> None:
    """Outlines with a cycle, a form without actions, an OCR layer: nothing to run."""
    with pikepdf.open(CORPUS / name) as pdf:
        assert find_active_content(pdf) == []


def test_a_cycle_of_chained_actions_ends() -> None:
    with scan_pdf() as pdf:
        a = pdf.make_indirect(Dictionary(S=Name.GoTo, D=Array([0, Name.Fit])))
        b = pdf.make_indirect(Dictionary(S=Name.GoTo, D=Array([0, Name.Fit]), Next=a))
        a.Next = b
        pdf.Root.OpenAction = a
        assert find_active_content(pdf) == []
        b.Next = Array([a, js()])
        assert "JavaScript" in find_active_content(pdf)


def test_escaped_names_are_read_as_what_they_are() -> None:
    with scan_pdf() as pdf:
        pdf.Root.OpenAction = js()
        out = io.BytesIO()
        pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable, qdf=True)
    escaped = out.getvalue().replace(b"/JavaScript", b"/Java#53cript").replace(b"/JS ", b"/J#53 ")
    assert b"/JavaScript" not in escaped
    with pikepdf.open(io.BytesIO(escaped)) as pdf:
        assert "JavaScript" in find_active_content(pdf)


@pytest.mark.parametrize("case", sorted(c for c, (_, found) in CASES.items() if found))
def test_nothing_is_found_once_stripped(case: str) -> None:
    change, _ = CASES[case]
    with scan_pdf() as pdf:
        change(pdf)
        assert strip_active_content(pdf)
        assert find_active_content(pdf) == []
