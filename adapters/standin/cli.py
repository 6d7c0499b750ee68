"""`ibok legacy ...`: build, inspect and animate the stand-in billing database."""

from __future__ import annotations

import secrets
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from adapters.standin.profiles import SIZES
from config.logs import redact_text

# pyodbc, structlog and the stand-in's modules are imported by the commands that use them: `--help` needs none.
if TYPE_CHECKING:
    import pyodbc

    from adapters.standin.archive import ArchiveReport
    from adapters.standin.office import Office

archive_option = click.option(
    "--pdf-archive", "pdf_archive", envvar="IBOK_LEGACY_PDF_ARCHIVE", metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="The invoice archive share: write each invoice's PDF there, at its SCIEZKA_PDF.",
)
dsn_option = click.option(
    "--dsn", required=True, envvar="IBOK_LEGACY_DSN", metavar="ODBC",
    help="ODBC connection string (or DSN name) of the stand-in, with an account that may change it.",
)


def _unreachable(dsn: str, exc: pyodbc.Error) -> click.ClickException:
    """One clear line, password masked, instead of a driver traceback."""
    return click.ClickException(f"cannot connect to {redact_text(dsn)}: {exc.args[-1]}")


def _open(dsn: str) -> pyodbc.Connection:
    import pyodbc

    from adapters.billing.odbc import connect

    try:
        return connect(dsn)
    except pyodbc.Error as exc:
        raise _unreachable(dsn, exc) from None


def _office(dsn: str) -> Office:
    """A billing-office session (a context manager that closes its connections)."""
    import pyodbc

    from adapters.standin.office import Office

    try:
        return Office(dsn)
    except pyodbc.Error as exc:
        raise _unreachable(dsn, exc) from None


@click.group("legacy")
def legacy() -> None:
    """The legacy billing stand-in (demo, tests, benchmarks)."""


@legacy.command("create")
@dsn_option
@click.option("--size", type=click.Choice(list(SIZES)), default="demo", show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, size and date: same data.")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Reference date of the data (default: today in Warsaw).")
@click.option("--replace", is_flag=True, help="Drop the stand-in's tables first if they exist.")
@click.option("--reader", "reader_user", metavar="USER", help="Read-only account (default: <database>_reader).")
@click.option("--reader-password", envvar="IBOK_LEGACY_READER_PASSWORD", metavar="PASSWORD")
@click.option("--writer", "writer_user", metavar="USER", help="Interface writer (default: <database>_writer).")
@click.option("--writer-password", envvar="IBOK_LEGACY_WRITER_PASSWORD", metavar="PASSWORD")
@archive_option
def create(dsn: str, size: str, seed: int, as_of: datetime | None, replace: bool, reader_user: str | None,
           reader_password: str | None, writer_user: str | None, writer_password: str | None,
           pdf_archive: Path | None) -> None:
    """Create the schema, fill it with generated data, and set up the two integration accounts."""
    import structlog

    from adapters.billing.odbc import dialect_of
    from adapters.standin.accounts import Account, current_database
    from adapters.standin.build import StandinExists, build_standin
    from adapters.standin.clock import warsaw_now

    log = structlog.get_logger(__name__)
    reference = as_of.date() if as_of else warsaw_now().date()
    conn = _open(dsn)
    accounts = None
    generated: list[str] = []
    dialect = dialect_of(conn)
    if dialect != "sqlite":
        database = current_database(conn, dialect)
        if not reader_password:
            reader_password = secrets.token_urlsafe(18)
            generated.append("reader")
        if not writer_password:
            writer_password = secrets.token_urlsafe(18)
            generated.append("writer")
        try:
            accounts = (Account(reader_user or f"{database}_reader", reader_password),
                        Account(writer_user or f"{database}_writer", writer_password))
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    started = time.monotonic()

    def progress(counts: dict[str, int]) -> None:
        total = sum(counts.values())
        click.echo(f"  {total:>12,} rows loaded, {time.monotonic() - started:6.1f} s", err=True)

    click.echo(f"Building the {size} stand-in (seed {seed}, as of {reference}) ...", err=True)
    try:
        report = build_standin(conn, size=size, seed=seed, as_of=reference, replace=replace,
                               accounts=accounts, progress=progress if size != "tiny" else None)
    except StandinExists as exc:
        raise click.ClickException(
            f"the database already has billing tables ({exc}); add --replace to rebuild them") from None
    log.info("standin_created", size=size, seed=seed, rows=report.total, seconds=round(report.seconds, 1),
             dialect=report.dialect)
    click.echo(f"Stand-in billing database on {report.dialect}: size {size}, seed {seed}, as of {reference}, "
               f"built in {report.seconds:.1f} s.")
    for table, count in report.counts.items():
        click.echo(f"  {table:<18}{count:>12,}")
    click.echo(f"  {'total':<18}{report.total:>12,}")
    if pdf_archive is not None:
        _archive(conn, pdf_archive, only_missing=False)
    if accounts:
        for label, key, acc in (("read-only", "reader", accounts[0]), ("interface writer", "writer", accounts[1])):
            shown = acc.password if key in generated else "(as given)"
            click.echo(f"Account {label}: {acc.user}, password {shown}")


@legacy.command("simulate")
@dsn_option
@click.option("--events", type=int, default=20, show_default=True, help="How many events; 0 runs until stopped.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--every", "every", type=float, default=0.0, show_default=True, help="Seconds between events.")
@archive_option
def simulate_command(dsn: str, events: int, seed: int, every: float, pdf_archive: Path | None) -> None:
    """Do what the billing office does between two syncs (payments, invoicing runs, corrections ...)."""
    import structlog

    from adapters.standin.archive import last_invoice_id, write_archive
    from adapters.standin.simulator import simulate

    log = structlog.get_logger(__name__)
    with _office(dsn) as office:
        archived = 0
        if pdf_archive is not None:  # the PDFs missing from the archive first, then each new invoice's
            archived = _archive(office.conn, pdf_archive, only_missing=True).last_id
            archived = max(archived, last_invoice_id(office.conn))
        try:
            for name, outcome in simulate(office, seed, events):
                log.info("billing_office_event", step=name, outcome=outcome)
                click.echo(f"{name}: {outcome}")
                if pdf_archive is not None:
                    written = write_archive(office.conn, pdf_archive, after_id=archived)
                    archived = max(archived, written.last_id)
                    if written.written:
                        click.echo(f"archive: {written.summary()}")
                if every:
                    time.sleep(every)
        except KeyboardInterrupt:
            click.echo("stopped", err=True)


def _archive(conn: pyodbc.Connection, root: Path, *, only_missing: bool) -> ArchiveReport:
    """Write the invoice PDFs into the archive, with progress on stderr and one line of summary."""
    from adapters.standin.archive import write_archive
    from adapters.standin.invoice_pdf import FontMissing

    started = time.monotonic()
    shown = [0]

    def progress(report: ArchiveReport) -> None:
        if report.written > shown[0]:  # a chunk that wrote something
            shown[0] = report.written
            click.echo(f"  {report.written:>9,} invoice PDFs written, {time.monotonic() - started:6.1f} s", err=True)

    try:
        report = write_archive(conn, root, only_missing=only_missing, progress=progress)
    except FontMissing as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Invoice archive {root}: {report.summary()} in {time.monotonic() - started:.1f} s.")
    for path in report.refused:
        click.echo(f"  refused (leads out of the archive): {path}", err=True)
    return report


@legacy.command("archive")
@dsn_option
@click.option("--dir", "root", required=True, envvar="IBOK_LEGACY_PDF_ARCHIVE", metavar="DIR",
              type=click.Path(file_okay=False, path_type=Path), help="The invoice archive share.")
@click.option("--missing-only", is_flag=True, help="Keep the PDFs already there; write the others.")
def archive_command(dsn: str, root: Path, missing_only: bool) -> None:
    """Write the PDF of every invoice that has a SCIEZKA_PDF into the archive folder."""
    conn = _open(dsn)
    _archive(conn, root, only_missing=missing_only)


@legacy.command("process-inbox")
@dsn_option
def process_inbox_command(dsn: str) -> None:
    """Process the IBOK_* interface tables once, as the billing office does in office hours."""
    from adapters.standin.inbox import process_inbox

    with _office(dsn) as office:
        click.echo(process_inbox(office).summary())


@legacy.command("check")
@dsn_option
def check_command(dsn: str) -> None:
    """Verify billing's invariants (usage, settlements, interface tables, meters); exit 1 on a violation."""
    from adapters.standin.invariants import violations

    with _office(dsn) as office:
        found = violations(office)
    for line in found:
        click.echo(line)
    if found:
        raise click.ClickException(f"{len(found)} violation(s) of billing's invariants")
    click.echo("All invariants hold.")


@legacy.command("checksum")
@dsn_option
def checksum_command(dsn: str) -> None:
    """Row count and SHA-256 of every table (same seed, size and date: same output)."""
    from adapters.standin.checksum import database_checksums

    conn = _open(dsn)
    for table, (count, digest) in database_checksums(conn).items():
        click.echo(f"{table:<18}{count:>12,}  {digest}")
