"""The invoice archive share: billing writes a PDF of each invoice it issues at ``FAKTURY.SCIEZKA_PDF``,
a path relative to the share (SPEC). The stand-in does the same into a folder (`ibok legacy create
--pdf-archive DIR`, `ibok legacy simulate --pdf-archive DIR`, `ibok legacy archive`).

Invoices are read in key order, a chunk at a time, with their lines, buyer, contract, service point
and seller; each file is written to a temporary name and renamed, so a reader (the portal) never
sees half a PDF. A path that would lead out of the folder is skipped and reported.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyodbc

from adapters.billing import quirks
from adapters.standin.invoice_pdf import InvoiceDocument, Line, Party, render
from adapters.standin.office import not_null

CHUNK = 500
_INVOICES = (
    "SELECT f.ID_FAKT, f.NR_FAKTURY, f.TYP, k.NR_FAKTURY, f.ANULOWANA, f.DATA_WYSTAWIENIA, f.OKRES_OD,"
    " f.OKRES_DO, f.TERMIN_PLATNOSCI, f.NETTO, f.VAT, f.BRUTTO, f.SCIEZKA_PDF,"
    " o.NR_KLIENTA, o.NAZWA, o.NIP, o.ULICA, o.NR_DOMU, o.NR_LOKALU, o.KOD_POCZTOWY, o.MIEJSCOWOSC,"
    " u.NR_UMOWY, p.ULICA, p.NR_DOMU, p.NR_LOKALU, p.KOD_POCZTOWY, p.MIEJSCOWOSC,"
    " d.NAZWA, d.NIP, d.ADRES, d.NR_KONTA"
    " FROM FAKTURY f JOIN ODBIORCY o ON o.ID_ODB = f.ID_ODB"
    " LEFT JOIN FAKTURY k ON k.ID_FAKT = f.ID_FAKT_KORYG"
    " LEFT JOIN UMOWY u ON u.ID_UMOWY = f.ID_UMOWY"
    " LEFT JOIN PUNKTY p ON p.ID_PKT = u.ID_PKT"
    " LEFT JOIN ODDZIALY d ON d.ID_ODDZ = u.ID_ODDZ"
    " WHERE f.ID_FAKT > ? AND f.SCIEZKA_PDF IS NOT NULL ORDER BY f.ID_FAKT"
)
_LINES = ("SELECT ID_FAKT, LP, NAZWA, ILOSC, JM, CENA_NETTO, STAWKA_VAT, NETTO, VAT, BRUTTO FROM POZYCJE_FAKTURY"
          " WHERE ID_FAKT >= ? AND ID_FAKT <= ? ORDER BY ID_FAKT, LP")


@dataclass
class ArchiveReport:
    written: int = 0
    kept: int = 0  # already in the archive (only_missing)
    refused: list[str] = field(default_factory=list)  # paths leading out of the archive
    last_id: int = 0  # the highest invoice id seen

    def summary(self) -> str:
        refused = f", {len(self.refused)} refused (outside the archive)" if self.refused else ""
        return f"{self.written} invoice PDFs written, {self.kept} already there{refused}"


def target(root: Path, relative: str) -> Path | None:
    """Where ``relative`` (SCIEZKA_PDF) points inside ``root``; None when it leads out of it."""
    base = root.resolve()
    path = (base / relative).resolve()
    return path if path.is_relative_to(base) and path != base else None


def _address(street: object, house: object, flat: object, postal: object, city: object) -> tuple[str, ...]:
    if street is None:
        return ()
    number = quirks.text(house) or ""
    if quirks.text(flat):
        number += f"/{quirks.text(flat)}"
    return (f"{quirks.text(street)} {number}".strip(), f"{quirks.text(postal)} {quirks.text(city)}".strip())


def _money(value: object) -> Decimal:
    return not_null(quirks.decimal(value, 2))


def document(row: pyodbc.Row, lines: list[pyodbc.Row]) -> InvoiceDocument:
    """One invoice as billing prints it, from the query's row and its lines."""
    point = _address(*row[22:27])
    seller_address = quirks.text(row[29]) or ""
    return InvoiceDocument(
        number=quirks.text(row[1]) or "", correcting=quirks.text(row[2]) == "K", corrects=quirks.text(row[3]),
        cancelled=quirks.flag(row[4]), issued_on=not_null(quirks.day(row[5])),
        period_from=not_null(quirks.day(row[6])), period_to=not_null(quirks.day(row[7])),
        due_on=not_null(quirks.day(row[8])),
        seller=Party(quirks.text(row[27]) or "", tuple(part.strip() for part in seller_address.split(",")
                                                        if part.strip()), quirks.text(row[28])),
        seller_account=quirks.text(row[30]) or "",
        buyer=Party(quirks.text(row[14]) or "", _address(*row[16:21]), quirks.text(row[15])),
        customer_number=quirks.text(row[13]) or "", contract_number=quirks.text(row[21]),
        service_point=", ".join(point) if point else None,
        lines=tuple(Line(int(r[1]), quirks.text(r[2]) or "", not_null(quirks.decimal(r[3], 3)), quirks.text(r[4]) or "",
                         not_null(quirks.decimal(r[5], 4)), quirks.text(r[6]) or "", _money(r[7]), _money(r[8]),
                         _money(r[9])) for r in lines),
        net=_money(row[9]), vat=_money(row[10]), gross=_money(row[11]))


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)  # nosec B103  # the share's files are read by the portal's user
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_archive(conn: pyodbc.Connection, root: Path, *, after_id: int = 0, only_missing: bool = False,
                  progress: Callable[[ArchiveReport], None] | None = None) -> ArchiveReport:
    """Write the PDF of every invoice with a ``SCIEZKA_PDF`` and an id above ``after_id`` into ``root``
    (``only_missing``: those whose file is not there yet)."""
    report = ArchiveReport(last_id=after_id)
    root.mkdir(parents=True, exist_ok=True)
    cursor = conn.cursor()
    while True:
        rows = cursor.execute(_INVOICES, report.last_id).fetchmany(CHUNK)
        if not rows:
            break
        report.last_id = int(rows[-1][0])
        places = {int(r[0]): target(root, quirks.text(r[12]) or "") for r in rows}
        for r in rows:
            place = places[int(r[0])]
            if place is None:
                report.refused.append(quirks.text(r[12]) or "")
        wanted = [r for r in rows if places[int(r[0])] is not None
                  and not (only_missing and not_null(places[int(r[0])]).is_file())]
        report.kept += len(rows) - len(wanted) - sum(1 for r in rows if places[int(r[0])] is None)
        if wanted:
            lines: dict[int, list[pyodbc.Row]] = {}
            for line in conn.cursor().execute(_LINES, int(wanted[0][0]), int(wanted[-1][0])).fetchall():
                lines.setdefault(int(line[0]), []).append(line)
            for r in wanted:
                _write(not_null(places[int(r[0])]), render(document(r, lines.get(int(r[0]), []))))
                report.written += 1
        if progress:
            progress(report)
        if len(rows) < CHUNK:
            break
    conn.commit()  # end the read transaction (SQLite: a stale snapshot would refuse the office's next write)
    return report


def last_invoice_id(conn: pyodbc.Connection) -> int:
    row = conn.cursor().execute("SELECT MAX(ID_FAKT) FROM FAKTURY").fetchone()
    conn.commit()
    return int(row[0]) if row and row[0] is not None else 0
