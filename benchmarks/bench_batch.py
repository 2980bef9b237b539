"""Finding cover sheets in a 300-page batch scan, against decoding its pages' images alone.

    python benchmarks/bench_batch.py [--pages 300] [--dpi 200] [--bilevel]

Builds a batch like a scanning station makes it (30 documents, each behind a printed
cover sheet with its blank back, duplex), then times in the same run:

* feature  — ``find_cover_sheets``: every page's image read (reduced) and searched for QR codes;
* baseline — decoding every page's embedded image at full size, nothing else
  (``pikepdf.PdfImage.as_pil_image``): the least any reader of the scans must do;
* for comparison, the alternatives that were measured while choosing: pdfium rendering at
  100 dpi + zxing, and the full-size image + zxing.

Prints the time per page and the ratio feature / baseline.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import time

import pikepdf
import pypdfium2
import zxingcpp

from archiver.batch.coversheet import render_sheets
from archiver.batch.split import find_cover_sheets, read_codes
from archiver.model import Metadata
from archiver.synth import PageSpec, pdf_from_images, render_page, text_page


def build_batch(pages: int, dpi: int, bilevel: bool) -> tuple[bytes, int]:
    per_doc = 10  # sheet + blank back + 8 pages
    docs = max(1, pages // per_doc)
    metas = [Metadata(customer=f"C{n:04d}", type="contract", date=dt.date(2026, 1 + n % 12, 1 + n % 28),
                      title=f"第{n}号销售合同（复印件）") for n in range(docs)]
    sheet_pdf = render_sheets([(m, {"customer_name": f"客户{m.customer}", "type_name": "客户销售合同(复印件)"})
                               for m in metas])
    pdfium = pypdfium2.PdfDocument(sheet_pdf)
    sheets = [pdfium[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for i in range(docs)]
    pdfium.close()
    blank = render_page(PageSpec(show_through=True), dpi=dpi, seed=1)
    bodies = [render_page(text_page(f"第{i + 1}页", n_lines=14, seed=i, stamp=i % 3 == 0), dpi=dpi, seed=i)
              for i in range(16)]  # reused: rendering is not what is measured
    images = []
    for n in range(docs):
        images += [sheets[n], blank] + [bodies[(n + i) % len(bodies)] for i in range(per_doc - 2)]
    return pdf_from_images(images[:pages], dpi=dpi, bilevel=bilevel), docs


def timed(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--bilevel", action="store_true", help="CCITT G4 pages instead of grayscale JPEG")
    args = parser.parse_args()
    print(f"building a {args.pages}-page batch at {args.dpi} dpi ({'bilevel G4' if args.bilevel else 'JPEG'}) …")
    data, docs = build_batch(args.pages, args.dpi, args.bilevel)
    pdf = pikepdf.open(io.BytesIO(data))
    n = len(pdf.pages)
    print(f"{n} pages, {docs} cover sheets, {len(data) / 1e6:.1f} MB")

    found: list = []  # type: ignore[type-arg]

    def feature() -> None:
        found[:] = find_cover_sheets(pdf, data)

    def baseline() -> None:
        for page in pdf.pages:
            (image,) = page.get_images().values()
            pikepdf.PdfImage(image).as_pil_image().load()

    def pdfium_100() -> None:
        doc = pypdfium2.PdfDocument(data)
        for i in range(n):
            read_codes(doc[i].render(scale=100 / 72, grayscale=True).to_pil())
        doc.close()

    def full_size() -> None:
        for page in pdf.pages:
            (image,) = page.get_images().values()
            zxingcpp.read_barcodes(pikepdf.PdfImage(image).as_pil_image().convert("L"))

    t_feature = timed(feature)
    assert len(found) == docs and all(s.readable for s in found), "not every cover sheet was found"
    t_base = timed(baseline)
    t_pdfium = timed(pdfium_100, repeat=1)
    t_full = timed(full_size, repeat=1)
    ms = 1000 / n
    print(f"find cover sheets (embedded image, reduced) : {t_feature:6.2f} s  {t_feature * ms:6.1f} ms/page")
    print(f"baseline: decode page images only          : {t_base:6.2f} s  {t_base * ms:6.1f} ms/page")
    print(f"  alternative: pdfium render 100 dpi + zxing: {t_pdfium:6.2f} s  {t_pdfium * ms:6.1f} ms/page")
    print(f"  alternative: full-size image + zxing     : {t_full:6.2f} s  {t_full * ms:6.1f} ms/page")
    print(f"ratio find / decode-only: {t_feature / t_base:.2f}")


if __name__ == "__main__":
    main()
