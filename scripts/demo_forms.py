"""The demo's forms to download: three one-page A4 PDFs written into the folder given
(`python scripts/demo_forms.py DIR`, run by scripts/demo; the demo has no office documents of its own)."""

from __future__ import annotations

import sys
from pathlib import Path

# Helvetica, a font every PDF viewer has, draws Polish letters by glyph name: codes 128… named in /Differences.
GLYPHS = {"ą": "aogonek", "ć": "cacute", "ę": "eogonek", "ł": "lslash", "ń": "nacute", "ó": "oacute",
          "ś": "sacute", "ź": "zacute", "ż": "zdotaccent", "Ł": "Lslash", "Ś": "Sacute", "Ż": "Zdotaccent"}
CODES = {letter: bytes([128 + i]) for i, letter in enumerate(GLYPHS)}


def text(line: str) -> bytes:
    return b"".join(CODES.get(c) or (b"\\" + c.encode() if c in "()\\" else c.encode("ascii")) for c in line)


def pdf(title: str, fields: list[str]) -> bytes:
    """One A4 page: the title, then a labelled line to fill in for each field."""
    stream = (b"BT /F1 15 Tf 56 770 Td (" + text(title) + b") Tj /F1 11 Tf"
              + b"".join(b" 0 -36 Td (" + text(f + ": " + "." * 60) + b") Tj" for f in fields) + b" ET")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >>"
               b" /Contents 5 0 R >>",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding /BaseEncoding"
               b" /WinAnsiEncoding /Differences [128 " + b" ".join(b"/" + g.encode() for g in GLYPHS.values())
               + b"] >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)]
    out, offsets = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += (b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
            + b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


WHO = ["Imię i nazwisko (nazwa)", "Numer klienta", "Adres do korespondencji", "Telefon lub e-mail"]
FORMS = {
    "warunki-techniczne.pdf": ("Wniosek o wydanie warunków technicznych przyłączenia do sieci",
                               WHO + ["Adres nieruchomości", "Numer działki", "Zapotrzebowanie na wodę (m3/d)",
                                      "Data i podpis"]),
    "zmiana-wlasciciela.pdf": ("Zgłoszenie zmiany właściciela nieruchomości",
                               WHO + ["Adres nieruchomości", "Nowy właściciel", "Stan wodomierza w dniu zmiany",
                                      "Data i podpis"]),
    "reklamacja.pdf": ("Reklamacja", WHO + ["Numer faktury", "Czego dotyczy reklamacja", "Data i podpis"]),
}


def main(folder: Path) -> None:
    for name, (title, fields) in FORMS.items():
        (folder / name).write_bytes(pdf(title, fields))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
