"""Active content in a PDF: what a scanner never writes.

JavaScript, Launch actions, embedded files and form actions can run code or leak data when
the PDF is opened. Filing sets such a file aside by default (``filing.accept_active_content``
in archive.toml); volumes and the catalogue never pass it on.

The check walks every object once (dictionaries only, no stream data is decoded), so it
also finds actions hidden in annotations, outline items, form fields or object streams.
:func:`strip_active_content` removes it all (and links to outside) from a volume, walking
the same way; after it, :func:`find_active_content` finds nothing.
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
