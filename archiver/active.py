"""Active content in a PDF: what a scanner never writes.

JavaScript, Launch actions, embedded files and form actions can run code or leak data when
the PDF is opened. Filing sets such a file aside by default (``filing.accept_active_content``
in archive.toml); volumes and the catalogue never pass it on.

:func:`find_active_content` follows the document's structure to every place a reader
looks for something to run or to open (ISO 32000-2, 12.6 and 7.11): the document's
name trees (JavaScript, embedded files), its open action and additional actions, every
page's additional actions and annotations (their actions, chained ``/Next`` actions,
attached files, rich media), the outline items' actions, the form fields' actions and an
XFA form, and associated files (``/AF``). Objects stored in object streams or written
with ``#``-escaped names are read as what they are (qpdf parses them). Images and
content streams are never read: the check costs next to nothing for a scan.
:func:`strip_active_content` removes it all (and links to outside) from a volume,
walking every object; after it, :func:`find_active_content` finds nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

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
_EMBEDDED = "embedded file"
_OPEN_ACTION = "open action that runs when the file is opened"
_XFA = "XFA form (can hold scripts)"
_ERRORS = (pikepdf.PdfError, ValueError, TypeError, RuntimeError, KeyError, AttributeError, RecursionError)
_MAX_NODES = 200_000  # outline items, form fields, chained actions: a bound for hostile files


def find_active_content(pdf: pikepdf.Pdf) -> list[str]:
    """Return a sorted list of plain-words descriptions of the active content ``pdf`` carries.

    An empty list means none was found. Never raises for a damaged object: an object that
    cannot be read is skipped (the PDF check in filing decides whether the file is usable).
    """
    walk = _Walk()
    for step in (_document, _pages, _outlines, _form):
        try:
            step(pdf, walk)
        except _ERRORS:
            continue
    return sorted(walk.found)


class _Walk:
    """What was found, and the indirect objects already looked at (a cycle ends there)."""

    def __init__(self) -> None:
        self.found: set[str] = set()
        self.seen: set[tuple[int, int]] = set()

    def first_visit(self, obj: pikepdf.Object) -> bool:
        if not obj.is_indirect:
            return True
        key = obj.objgen
        if key in self.seen or len(self.seen) > _MAX_NODES:
            return False
        self.seen.add(key)
        return True

    def action(self, action: object) -> bool:
        """An action and the actions chained to it (``/Next``: one or an array); whether
        any of them is one that runs code, starts a program or sends data out."""
        dangerous = False
        for obj in _tree(action, ("/Next",), self):  # (a destination array only jumps to a page)
            try:
                kind = obj.get("/S")
                if isinstance(kind, pikepdf.Name) and str(kind) in _DANGEROUS_ACTIONS:
                    self.found.add(_DANGEROUS_ACTIONS[str(kind)])
                    dangerous = True
                if "/JS" in obj:
                    self.found.add("JavaScript")
                    dangerous = True
                target = obj.get("/F")
                if isinstance(target, pikepdf.Dictionary) and "/EF" in target:
                    self.found.add(_EMBEDDED)  # a file the action opens, carried inside
            except _ERRORS:
                continue
        return dangerous

    def additional_actions(self, owner: pikepdf.Object) -> None:
        """``/AA``: actions run on events (opening, closing, printing, a field changing …)."""
        aa = owner.get("/AA")
        if isinstance(aa, pikepdf.Dictionary):
            for action in aa.values():
                self.action(action)

    def associated_files(self, owner: pikepdf.Object) -> None:
        """``/AF`` (PDF 2.0): files associated with the document, a page or an annotation."""
        files = owner.get("/AF")
        for spec in files if isinstance(files, pikepdf.Array) else [files]:
            if isinstance(spec, pikepdf.Dictionary) and "/EF" in spec:
                self.found.add(_EMBEDDED)


def _document(pdf: pikepdf.Pdf, walk: _Walk) -> None:
    root = pdf.Root
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        if "/JavaScript" in names:
            walk.found.add("JavaScript")
        if "/EmbeddedFiles" in names:
            walk.found.add(_EMBEDDED)
    if "/OpenAction" in root and walk.action(root.OpenAction):
        walk.found.add(_OPEN_ACTION)
    walk.additional_actions(root)
    walk.associated_files(root)


def _pages(pdf: pikepdf.Pdf, walk: _Walk) -> None:
    for page in pdf.pages:
        try:
            obj = page.obj
            walk.additional_actions(obj)
            walk.associated_files(obj)
            annots = obj.get("/Annots")
            if isinstance(annots, pikepdf.Array):
                for annot in annots:
                    _annotation(annot, walk)
        except _ERRORS:
            continue


def _annotation(annot: object, walk: _Walk) -> None:
    if not isinstance(annot, pikepdf.Dictionary):
        return
    try:
        subtype = annot.get("/Subtype")
        if subtype in (pikepdf.Name.FileAttachment, pikepdf.Name.RichMedia):
            walk.found.add(_EMBEDDED)  # a file to open, or media (with its scripts) to play
        spec = annot.get("/FS")
        if isinstance(spec, pikepdf.Dictionary) and "/EF" in spec:
            walk.found.add(_EMBEDDED)
        for key in ("/A", "/PA"):
            if key in annot:
                walk.action(annot[key])
        walk.additional_actions(annot)
        walk.associated_files(annot)
    except _ERRORS:
        return


def _outlines(pdf: pikepdf.Pdf, walk: _Walk) -> None:
    outlines = pdf.Root.get("/Outlines")
    if isinstance(outlines, pikepdf.Dictionary):
        for item in _tree(outlines.get("/First"), ("/First", "/Next"), walk):
            if "/A" in item:
                walk.action(item.A)


def _form(pdf: pikepdf.Pdf, walk: _Walk) -> None:
    form = pdf.Root.get("/AcroForm")
    if not isinstance(form, pikepdf.Dictionary):
        return
    if "/XFA" in form:
        walk.found.add(_XFA)
    fields = form.get("/Fields")
    if isinstance(fields, pikepdf.Array):
        for top in fields:
            for field in _tree(top, ("/Kids",), walk):
                if "/A" in field:
                    walk.action(field.A)
                walk.additional_actions(field)


def _tree(first: object, links: tuple[str, ...], walk: _Walk) -> Iterator[pikepdf.Dictionary]:
    """The dictionaries reached from ``first`` through the ``links`` keys (a dictionary or
    an array of them), each once (a cycle ends there), within :data:`_MAX_NODES`."""
    stack = [first]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(node)
            continue
        if not isinstance(node, pikepdf.Dictionary) or not walk.first_visit(node):
            continue
        try:
            yield node
            stack.extend(node[key] for key in links if key in node)
        except _ERRORS:
            continue


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


# Actions a volume never carries (removed by strip_active_content): the dangerous ones,
# links to outside and the actions PDF/A forbids (ISO 19005-2, 6.5.1).
_REMOVED_ACTIONS = set(_DANGEROUS_ACTIONS) | {
    "/URI", "/GoToR", "/Sound", "/Movie", "/ResetForm", "/Hide", "/SetOCGState", "/Rendition", "/Trans",
    "/GoTo3DView", "/RichMediaExecute",
}
_ACTION_KEYS = ("/A", "/OpenAction", "/Next", "/PA")
# Annotations that carry or play files or media (removed with what they hold).
_REMOVED_ANNOTS = {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"}


def strip_active_content(pdf: pikepdf.Pdf) -> list[str]:
    """Remove what can run code, start programs, reach outside or carry files, in place.

    Removed: document JavaScript and embedded files (the name trees), the open action and
    every additional-actions (``/AA``) entry, actions of the kinds listed above wherever
    they are (annotations, outline items, chained ``/Next`` actions) — links to outside
    (URI, GoToR) included —, file-attachment and media annotations, embedded-file
    streams' data, XFA forms and portfolios. Links inside the document (GoTo) and
    appearances stay. Forms should be flattened first (their values would otherwise be
    lost with the form's actions).

    Returns a sorted list of plain-words descriptions of what was removed (empty: none
    was found). Never raises for a damaged object (it is skipped).
    """
    removed: set[str] = set()
    root = pdf.Root
    try:
        names = root.get("/Names")
        if isinstance(names, pikepdf.Dictionary):
            for key, what in (("/JavaScript", "JavaScript"), ("/EmbeddedFiles", "embedded file"),
                              ("/AlternatePresentations", "slide show")):
                if key in names:
                    del names[key]
                    removed.add(what)
        for key, what in (("/OpenAction", "open action"), ("/AA", "additional actions"),
                          ("/Collection", "portfolio")):
            if key in root:
                del root[key]
                removed.add(what)
        form = root.get("/AcroForm")
        if isinstance(form, pikepdf.Dictionary) and "/XFA" in form:
            del form["/XFA"]
            removed.add("XFA form")
    except (pikepdf.PdfError, ValueError, TypeError):
        pass
    for page in pdf.pages:
        try:
            _strip_annotations(page.obj, removed)
        except (pikepdf.PdfError, ValueError, TypeError, RuntimeError):
            continue
    for top in pdf.objects:
        for obj in _strip_candidates(top):
            try:
                _strip(obj, removed)
            except (pikepdf.PdfError, ValueError, TypeError, RuntimeError):
                continue
    return sorted(removed)


def _strip_annotations(page: pikepdf.Object, removed: set[str]) -> None:
    annots = page.get("/Annots")
    if not isinstance(annots, pikepdf.Array):
        return
    keep = []
    for annot in annots:
        subtype = annot.get("/Subtype") if isinstance(annot, pikepdf.Dictionary) else None
        if subtype is not None and str(subtype) in _REMOVED_ANNOTS:
            removed.add("embedded file" if subtype == pikepdf.Name.FileAttachment else "media annotation")
            continue
        keep.append(annot)
    if len(keep) != len(annots):
        if keep:
            page.Annots = pikepdf.Array(keep)
        else:
            del page["/Annots"]


_STRIP_KEYS = frozenset({"/AA", "/A", "/OpenAction", "/Next", "/PA", "/S", "/JS", "/EF", "/FS", "/Type"})


def _strip(obj: pikepdf.Object, removed: set[str]) -> None:
    keys = set(obj.keys())  # one call: most objects (pages, images) need nothing else
    if not keys & _STRIP_KEYS:
        return
    if "/AA" in keys:
        del obj["/AA"]
        removed.add("additional actions")
    for key in keys.intersection(_ACTION_KEYS):
        action = obj.get(key)
        if isinstance(action, pikepdf.Dictionary) and _is_removed_action(action):
            del obj[key]
            removed.add(_describe(action))
    kind = obj.get("/S") if "/S" in keys else None
    if isinstance(kind, pikepdf.Name) and str(kind) in _REMOVED_ACTIONS:
        # an action dictionary reachable some other way (or orphaned): made inert
        removed.add(_describe(obj))
        for key in ("/S", "/JS", "/URI", "/F", "/Win", "/Mac", "/Unix", "/Fields"):
            if key in obj:
                del obj[key]
    if "/JS" in keys and "/JS" in obj:
        del obj["/JS"]
        removed.add("JavaScript")
    if "/EF" in keys:  # a file specification's embedded file
        del obj["/EF"]
        removed.add("embedded file")
    if "/Type" in keys and isinstance(obj, pikepdf.Stream) and obj.get("/Type") == pikepdf.Name("/EmbeddedFile"):
        obj.write(b"")
        del obj.stream_dict["/Type"]
        removed.add("embedded file")
    if "/FS" in keys:
        subtype = obj.get("/Subtype")
        if subtype is not None and str(subtype) in _REMOVED_ANNOTS:
            del obj["/FS"]
            obj.Subtype = pikepdf.Name.Text  # an orphaned attachment annotation, inert
            removed.add("embedded file")


def _strip_candidates(top: pikepdf.Object) -> list[pikepdf.Object]:
    """As :func:`_direct_dictionaries`, but an image's own entries (filters, colour
    spaces: never an action) are not descended into."""
    if isinstance(top, pikepdf.Stream):
        try:
            if top.stream_dict.get("/Subtype") == pikepdf.Name.Image:
                return [top]
        except (pikepdf.PdfError, ValueError, TypeError, RuntimeError):
            return []
    return _direct_dictionaries(top)


def _is_removed_action(action: pikepdf.Dictionary) -> bool:
    kind = action.get("/S")
    if isinstance(kind, pikepdf.Name) and str(kind) in _REMOVED_ACTIONS:
        return True
    if "/JS" in action:
        return True
    nxt = action.get("/Next")
    if isinstance(nxt, pikepdf.Dictionary):
        return _is_removed_action(nxt)
    if isinstance(nxt, pikepdf.Array):
        return any(isinstance(a, pikepdf.Dictionary) and _is_removed_action(a) for a in nxt)
    return False


def _describe(action: pikepdf.Object) -> str:
    kind = str(action.get("/S", ""))
    if kind in _DANGEROUS_ACTIONS:
        return _DANGEROUS_ACTIONS[kind]
    if kind in ("/URI", "/GoToR"):
        return "link to outside the document"
    if "/JS" in action:
        return "JavaScript"
    return f"{kind.lstrip('/') or 'chained'} action"
