#!/usr/bin/env python3
"""Writes the small ingest fixtures in tests/fixtures/ingest/ (committed).

Run from the repository root: python3 scripts/make-fixtures.py
Everything is generated from literals here with the standard library only:
PDFs are written object by object (with a correct xref table), DOCX files are
zip archives holding a minimal WordprocessingML document.
"""
import io
import os
import zipfile

OUT = "tests/fixtures/ingest"
# Fixed zip timestamps: the same script run twice writes the same bytes.
STAMP = (2026, 1, 1, 0, 0, 0)


def pdf(pages, encrypt=False):
    """A PDF with one page of Helvetica text per entry of `pages`."""
    objs = []
    def add(body):
        objs.append(body)
        return len(objs)
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    page_ids = []
    pages_id = len(objs) + 1 + 2 * len(pages)  # reserved below
    for lines in pages:
        stream = b"BT /F1 12 Tf 72 720 Td 16 TL\n"
        for line in lines:
            esc = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            stream += b"(" + esc.encode("latin-1") + b") Tj T*\n"
        stream += b"ET"
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        page_ids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (pages_id, content, font)))
    kids = b" ".join(b"%d 0 R" % p for p in page_ids)
    assert add(b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % len(page_ids)) == pages_id
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    extra = b""
    if encrypt:
        enc = add(b"<< /Filter /Standard /V 1 /R 2 /O (0123456789abcdef0123456789abcdef) "
                  b"/U (0123456789abcdef0123456789abcdef) /P -44 >>")
        extra = b" /Encrypt %d 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]" % enc
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R" % (len(objs) + 1, catalog) + extra + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def docx(paragraphs, document_xml=None):
    body = "".join(
        "<w:p><w:r><w:t xml:space=\"preserve\">%s</w:t></w:r></w:p>" % p.replace("&", "&amp;").replace("<", "&lt;")
        for p in paragraphs)
    xml = document_xml or (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        + body + "</w:body></w:document>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("[Content_Types].xml", date_time=STAMP),
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr(zipfile.ZipInfo("word/document.xml", date_time=STAMP), xml, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def write(name, data):
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def main():
    os.makedirs(OUT, exist_ok=True)
    # Good files, one per format.
    write("hours.txt", "Opening hours\n\nMonday to Friday: 8:00 to 18:00.\nSaturday: 9:00 to 14:00.\n\n\nClosed on Sundays and public holidays.\n")
    write("faq.md", "# Frequently asked questions\n\n## Do you take insurance?\n\nYes, we are in network with Delta Dental PPO and most major plans.\n\n"
          "## How much is whitening?\n\nIn-office whitening is $349 and takes about 90 minutes.\n\n```\nbooking code: WHITE-349\n```\n")
    write("menu.html", "<!DOCTYPE html><html><head><title>Menu</title><style>body{color:red}</style>"
          "<script>document.write('tracking pixel')</script></head><body><h1>Trattoria Nonna</h1>"
          "<p>Fresh pasta made <b>daily</b>.</p><ul><li>Risotto ai funghi &ndash; $18</li><li>Gluten-free penne on request</li></ul>"
          "<noscript>enable javascript</noscript></body></html>")
    write("services.pdf", pdf([["Polar Air Heating and Cooling", "Services: AC repair, furnace installation, heat pumps.",
                                "Tune-up special: $79."], ["Maintenance plan: two tune-ups a year, 15% off repairs."]]))
    write("policy.docx", docx(["Cancellation policy", "Please cancel at least 24 hours before your appointment.",
                               "Late cancellations are charged $50 & may lose priority booking."]))
    # Bad files: each must give a clear error and not stop the others.
    write("empty.txt", b"")
    write("blank.txt", "   \n\n\t  \n")
    write("image.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    write("latin1.txt", "Caf\xe9 cr\xe8me".encode("latin-1"))
    write("encrypted.pdf", pdf([["secret"]], encrypt=True))
    write("corrupt.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> garbage \x00\x01\x02 no xref here\n")
    write("corrupt.docx", b"PK\x03\x04" + b"word/document.xml" + b"\x00" * 64 + b"not really a zip")
    write("no-text.pdf", pdf([[]]))
    # A zip bomb: 200 MB of one character in document.xml, a few hundred KB compressed.
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        # A ZipInfo is stored uncompressed unless told otherwise.
        info = zipfile.ZipInfo("word/document.xml", date_time=STAMP)
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=True) as f:
            chunk = b"a" * (1 << 20)
            for _ in range(200):
                f.write(chunk)
    write("bomb.docx", bomb.getvalue())


def samples():
    """PDF and DOCX sample documents for scripts/demo (the Markdown and HTML
    samples beside them are written by hand)."""
    base = "scripts/samples"
    def put(rel, data):
        with open(os.path.join(base, rel), "wb") as f:
            f.write(data)
    put("dental/office-policies.docx", docx([
        "Office policies",
        "Appointments: please arrive 10 minutes early. If you are more than 15 minutes late we may need to reschedule.",
        "Cancellations: cancel at least 24 hours ahead. Late cancellations and missed appointments are charged $50.",
        "Children: patients under 18 must be accompanied by a parent or guardian at their first visit.",
        "Payment: payment is due at the time of service. We file insurance claims for you and send a statement for any balance.",
    ]))
    put("hvac/maintenance-plan.pdf", pdf([
        ["Polar Air Comfort Club: maintenance plan", "", "Price: $18 per month, cancel any time.",
         "Includes two tune-ups a year: cooling in spring, heating in autumn.",
         "Members get 15% off repairs and priority scheduling.", "No overtime charges on evenings and weekends."],
        ["What a tune-up covers", "Clean the condenser and evaporator coils, check refrigerant levels,",
         "test capacitors and contactors, inspect the heat exchanger for cracks,",
         "check carbon monoxide levels and replace standard filters."],
    ]))


if __name__ == "__main__":
    main()
    samples()
