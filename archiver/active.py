"""Active content in a PDF: what a scanner never writes.

JavaScript, Launch actions, embedded files and form actions can run code or leak data when
the PDF is opened. Filing sets such a file aside by default (``filing.accept_active_content``
in archive.toml); volumes and the catalogue never pass it on.

The check walks every object once (dictionaries only, no stream data is decoded), so it
also finds actions hidden in annotations, outline items, form fields or object streams.
"""

from __future__ import annotations

import pikepdf

# Action types (ISO 32000-2, 12.6.4) that run code, start programs or send data out.
_DANGEROUS_ACTIONS = {
    "/JavaScript": "JavaScript",
    "/Launch": "Launch action (starts a program or opens a file)",
    "/SubmitForm": "form action (sends form data out)",
    "/ImportData": "form action (imports data from a file)",
    "/GoToE": "action that opens an embedded file",
    "/RichMediaExecute": "rich media (Flash, video) script",
}


def find_active_content(pdf: pikepdf.Pdf) -> list[str]:
    """Return a sorted list of plain-words descriptions of the active content ``pdf`` carries.

    An empty list means none was found. Never raises for a damaged object: an object that
    cannot be read is skipped (the PDF check in filing decides whether the file is usable).
    """
    found: set[str] = set()
    root = pdf.Root
    try:
        names = root.get("/Names")
        if isinstance(names, pikepdf.Dictionary):
            if "/JavaScript" in names:
                found.add("JavaScript")
            if "/EmbeddedFiles" in names:
                found.add("embedded file")
        if "/OpenAction" in root and _is_dangerous(root.get("/OpenAction")):
            found.add("open action that runs when the file is opened")
    except (pikepdf.PdfError, ValueError, TypeError):
        pass
    for top in pdf.objects:
        for obj in _direct_dictionaries(top):
            try:
                _inspect(obj, found)
            except (pikepdf.PdfError, ValueError, TypeError, RuntimeError):
                continue
    return sorted(found)


def _inspect(obj: pikepdf.Object, found: set[str]) -> None:
    kind = obj.get("/Type")
    if kind == pikepdf.Name("/EmbeddedFile"):
        found.add("embedded file")
        return
    if kind == pikepdf.Name("/Filespec") and "/EF" in obj:
        found.add("embedded file")
    if obj.get("/Subtype") == pikepdf.Name("/FileAttachment"):
        found.add("embedded file")
    action = obj.get("/S")
    if isinstance(action, pikepdf.Name) and str(action) in _DANGEROUS_ACTIONS:
        found.add(_DANGEROUS_ACTIONS[str(action)])
    if "/JS" in obj:
        found.add("JavaScript")


def _direct_dictionaries(top: pikepdf.Object) -> list[pikepdf.Object]:
    """``top`` (an indirect object) and the dictionaries nested in it directly: indirect
    children are visited as objects of their own, so each object is read once."""
    out: list[pikepdf.Object] = []
    stack = [top]
    while stack:
        obj = stack.pop()
        try:
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                out.append(obj)
                children = list(obj.values()) if isinstance(obj, pikepdf.Dictionary) else list(obj.stream_dict.values())
            elif isinstance(obj, pikepdf.Array):
                children = list(obj)
            else:
                continue
        except (pikepdf.PdfError, ValueError, TypeError, RuntimeError):
            continue
        stack.extend(c for c in children if isinstance(c, pikepdf.Dictionary | pikepdf.Array) and not c.is_indirect)
    return out


def _is_dangerous(action: object) -> bool:
    if not isinstance(action, pikepdf.Dictionary):
        return False  # a destination array only jumps to a page
    kind = action.get("/S")
    return (isinstance(kind, pikepdf.Name) and str(kind) in _DANGEROUS_ACTIONS) or "/JS" in action
