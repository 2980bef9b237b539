"""Reading a page's content for the stamp: how many ``q`` it leaves open, whether it
ends cleanly, and where its images (and image-less form XObjects) are drawn."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pikepdf
from pikepdf import Name

from .placement import IDENTITY, Matrix, multiply

MAX_FORM_DEPTH = 3


@dataclass(frozen=True)
class Placement:
    """An image XObject drawn with ``ctm`` (its unit square → the page's user space), or
    (``image`` None) a form XObject without images — vector content such as a flattened
    form field's value — or an inline image, whose ``bbox`` (in its own space, ``ctm`` →
    user space) counts as ink."""

    image: pikepdf.Object | None
    ctm: Matrix
    bbox: tuple[float, float, float, float] | None = None


def walk(page: pikepdf.Page, own: list[pikepdf.Object]) -> tuple[int, list[Placement] | None, bool]:
    """How many ``q`` the page's content leaves open (a sloppy producer's: closed before
    the number is drawn, so the number is always in the page's own coordinates), the
    images it draws (None when that cannot be told), and whether the content ends
    cleanly (no array, dictionary, string or inline image left open, no operands left
    over — which would swallow the operators that follow it).

    A scanner's content stream is a few plain operators (``q 595 0 0 842 0 0 cm /Im0 Do
    Q``): when there are no strings, inline images or comments, its tokens are read
    directly; anything else goes through pikepdf's content-stream parser and tokenizer.
    """
    try:
        data = b"\n".join(stream.read_bytes() for stream in own)
    except (pikepdf.PdfError, AttributeError, TypeError):  # a stream that does not decode, or no stream
        return 0, None, True
    resources = page.obj.get("/Resources")
    sound = True
    if not any(marker in data for marker in _NOT_PLAIN):
        ops: Iterator[tuple[list[object], str]] = _plain_tokens(data)
        sound = not data.split() or data.split()[-1][:1] not in b"0123456789-+./"
    else:
        try:
            wanted = "" if b"BI" in data else "q Q cm Do"  # (inline images come only with every operator)
            ops = ((list(i.operands), str(i.operator)) for i in pikepdf.parse_content_stream(page, wanted))
            ops = iter(list(ops))
            check = _EndCheck()
            page.get_filtered_contents(check)
            sound = check.sound
        except pikepdf.PdfError:
            return 0, None, False
    placements: list[Placement] | None = []
    depth = _interpret(ops, resources, IDENTITY, placements, 0)
    return depth, placements, sound


class _EndCheck(pikepdf.TokenFilter):
    """Tokenizes a content stream to tell whether it ends cleanly."""

    OPEN = (pikepdf.TokenType.array_open, pikepdf.TokenType.dict_open)
    CLOSE = (pikepdf.TokenType.array_close, pikepdf.TokenType.dict_close)
    SKIP = (pikepdf.TokenType.space, pikepdf.TokenType.comment, pikepdf.TokenType.eof)

    def __init__(self) -> None:
        super().__init__()
        self.nesting = 0
        self.bad = False
        self.pending = False  # operands not yet consumed by an operator

    def handle_token(self, token: pikepdf.Token) -> None:
        kind = token.type_
        if kind in self.SKIP:
            return None
        if kind == pikepdf.TokenType.bad:
            self.bad = True
        elif kind in self.OPEN:
            self.nesting += 1
        elif kind in self.CLOSE:
            self.nesting = max(self.nesting - 1, 0)
        self.pending = kind != pikepdf.TokenType.word or self.nesting > 0
        return None

    @property
    def sound(self) -> bool:
        return not (self.bad or self.nesting or self.pending)


def _plain_tokens(data: bytes) -> Iterator[tuple[list[object], str]]:
    operands: list[object] = []
    for token in data.split():
        first = token[:1]
        if first in b"0123456789-+." or first == b"/":
            operands.append(token.decode("latin-1"))
        else:
            yield operands, token.decode("latin-1")
            operands = []


def _interpret(ops: Iterable[tuple[list[object], str]], resources: object, ctm: Matrix,
               placements: list[Placement] | None, level: int) -> int:
    depth = 0
    stack: list[Matrix] = []
    for operands, op in ops:
        if op == "q":
            depth += 1
            stack.append(ctm)
        elif op == "Q":
            if depth:
                depth -= 1
                ctm = stack.pop()
        elif op == "cm" and len(operands) == 6:
            try:
                m = tuple(float(str(x)) for x in operands)
            except ValueError:
                continue
            ctm = multiply(m, ctm)  # type: ignore[arg-type]
        elif op == "INLINE IMAGE" and placements is not None:  # its unit square counts as ink
            placements.append(Placement(None, ctm, (0.0, 0.0, 1.0, 1.0)))
        elif op == "Do" and operands and placements is not None:
            _record(str(operands[-1]), resources, ctm, placements, level)
    return depth


def _record(name: str, resources: object, ctm: Matrix, placements: list[Placement], level: int) -> None:
    try:
        xobj = resources.XObject[name] if isinstance(resources, pikepdf.Dictionary) else None
    except (KeyError, AttributeError, pikepdf.PdfError):
        return
    if not isinstance(xobj, pikepdf.Stream):
        return
    subtype = xobj.get("/Subtype")
    if subtype == Name.Image:
        placements.append(Placement(xobj, ctm))
    elif subtype == Name.Form and level < MAX_FORM_DEPTH:
        try:
            matrix = tuple(float(x) for x in xobj.Matrix) if "/Matrix" in xobj else IDENTITY
            ops = [(list(i.operands), str(i.operator)) for i in pikepdf.parse_content_stream(xobj, "q Q cm Do")]
        except (pikepdf.PdfError, TypeError, ValueError):
            return
        inner = xobj.get("/Resources", resources)
        before = len(placements)
        _interpret(ops, inner, multiply(matrix, ctm), placements, level + 1)  # type: ignore[arg-type]
        if len(placements) == before and "/BBox" in xobj:  # vector only: its box is ink
            try:
                r = pikepdf.Rectangle(xobj.BBox)  # type: ignore[call-overload]
            except (pikepdf.PdfError, TypeError, ValueError):
                return
            placements.append(Placement(None, multiply(matrix, ctm), (r.llx, r.lly, r.urx, r.ury)))  # type: ignore[arg-type]


_NOT_PLAIN = (b"(", b"<", b"%", b"BI", b"[")  # strings, hex strings/dicts, comments, inline images, arrays


def add_font(page: pikepdf.Object, font: pikepdf.Object, base: str) -> str:
    """Name ``font`` in ``page``'s resources under ``base`` (``/ArchiverPageNo``), or the
    first ``base1``, ``base2`` … that the page does not already use for another font;
    returns the name (the page's own fonts are never replaced)."""
    resources = page.get("/Resources")
    if resources is None:
        page.Resources = resources = pikepdf.Dictionary()
    fonts = resources.get("/Font")
    if fonts is None:
        resources.Font = fonts = pikepdf.Dictionary()
    key, n = pikepdf.Name(base), 0
    while key in fonts and fonts[key].objgen != font.objgen:
        n += 1
        key = pikepdf.Name(f"{base}{n}")
    fonts[key] = font
    return str(key)
