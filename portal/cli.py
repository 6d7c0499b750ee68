"""`ibok serve` (the portal, for development and the demo) and `ibok portal ...` (accounts, terms, forms)."""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from sqlalchemy import select

from adapters.store.cli import open_store
from adapters.store.content import downloads as forms
from adapters.store.content import terms
from adapters.store.db import writer
from adapters.store.logins import accounts
from adapters.store.outbox import submitted as store_submissions
from adapters.store.tables import terms_versions
from config.cli import pass_settings
from config.settings import Settings
from portal.auth import passwords


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@pass_settings
def serve_command(settings: Settings, host: str, port: int) -> None:
    """Run the portal with Werkzeug's server (development, the demo). In production: gunicorn, see README."""
    from portal.app import create_app
    open_store(settings).dispose()  # a clear message now if the store is not ready
    create_app(settings).run(host=host, port=port, debug=False, use_reloader=False)


@click.group("portal")
def portal_group() -> None:
    """Portal accounts, the terms of service, forms to download."""


@portal_group.command("account")
@click.option("--customer", "numbers", multiple=True, required=True, metavar="NR_KLIENTA",
              help="Customer number the login may see (repeat for several).")
@click.option("--email", required=True)
@click.option("--name", default=None, help="The person's name (default: the first customer's).")
@click.option("--password", default=None, help="A password to set (demo, tests); default: a one-time password"
              " printed once, to be changed at first login.")
@click.option("--lang", type=click.Choice(("pl", "en")), default="pl", show_default=True)
@pass_settings
def account_command(settings: Settings, numbers: tuple[str, ...], email: str, name: str | None,
                    password: str | None, lang: str) -> None:
    """Create a login for customer accounts, as the utility's office does."""
    one_time = password is None
    secret = password or secrets.token_urlsafe(12)
    if not one_time and (problem := passwords.problem(secret, [email])) is not None:
        raise click.BadParameter(f"password {problem.replace('_', ' ')}", param_hint="--password")
    with open_store(settings) as store:
        with writer(store.engine).begin() as conn:
            ids = []
            for number in numbers:
                customer_id = store_submissions.customer_id(conn, number)
                if customer_id is None:
                    raise click.ClickException(f"no customer with number {number}")
                ids.append(customer_id)
            if accounts.by_email(conn, email) is not None:
                raise click.ClickException(f"a login with e-mail {email} exists already")
            first = store_submissions.customer(conn, ids[0]) or {}
            account_id = accounts.create(conn, email=email, name=name or first.get("name", ""),
                                         password_hash=passwords.hash_password(secret), locale=lang,
                                         must_change_password=one_time, confirmed=True)
            for customer_id in ids:
                accounts.link(conn, account_id, customer_id, "utility")
    click.echo(f"login {email} (id {account_id}) for customer(s) {', '.join(numbers)}")
    if one_time:
        click.echo(f"one-time password: {secret}  (to be changed at first login)")


CONTENT = Path(__file__).with_name("content")


@portal_group.command("terms")
@click.option("--version", "version", required=True, help="The version's name, e.g. 2026-11.")
@click.option("--pl", "body_pl", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=CONTENT / "terms.pl.txt", show_default=True, help="The Polish text (paragraphs: blank lines).")
@click.option("--en", "body_en", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=CONTENT / "terms.en.txt", show_default=True, help="The English text.")
@pass_settings
def terms_command(settings: Settings, version: str, body_pl: Path, body_en: Path) -> None:
    """Publish a version of the terms of service (in force at once; customers accept it at next login)."""
    with open_store(settings) as store:
        with writer(store.engine).begin() as conn:
            if conn.execute(select(terms_versions.c.version).where(terms_versions.c.version == version)).first():
                raise click.ClickException(f"terms version {version} exists already")
            terms.publish(conn, version, body_pl.read_text(encoding="utf-8"), body_en.read_text(encoding="utf-8"))
    click.echo(f"terms of service {version} published")


@portal_group.group("form")
def form_group() -> None:
    """Forms to download (/forms): publish, list, withdraw."""


@form_group.command("add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", required=True, help="Its address, /forms/SLUG: lower-case letters, digits, hyphens.")
@click.option("--title-pl", required=True)
@click.option("--title-en", required=True)
@click.option("--description-pl", default=None, help="A sentence on when to use it (with --description-en).")
@click.option("--description-en", default=None)
@click.option("--category", type=click.Choice(forms.CATEGORIES), required=True)
@pass_settings
def form_add_command(settings: Settings, file: Path, slug: str, title_pl: str, title_en: str,
                     description_pl: str | None, description_en: str | None, category: str) -> None:
    """Offer FILE (PDF, ODT or DOCX, at most 10 MB) as a form; an existing SLUG gets it as its new version."""
    if file.stat().st_size > forms.MAX_SIZE:  # before reading a file that would be refused anyway
        raise click.ClickException(f"{file.name} is larger than {forms.MAX_SIZE // 1024 // 1024} MB, "
                                   "the most a form may have: make it smaller")
    try:
        with open_store(settings) as store:
            with writer(store.engine).begin() as conn:
                done = forms.publish(conn, slug=slug, title_pl=title_pl, title_en=title_en, category=category,
                                     filename=file.name, content=file.read_bytes(), description_pl=description_pl,
                                     description_en=description_en)
    except forms.FormRejected as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"form {slug} {'new version' if done['replaced'] else 'published'}: {done['filename']} "
               f"({forms.KIND_OF[done['media_type']]}, {done['size']:,} bytes, sha256 {done['sha256'][:12]})")


@form_group.command("list")
@pass_settings
def form_list_command(settings: Settings) -> None:
    """Every form published, the withdrawn ones too."""
    with open_store(settings) as store:
        with store.engine.connect() as conn:
            found = forms.published(conn)
    if not found:
        click.echo("no forms (add one: ibok portal form add FILE ...)")
    for f in found:
        state = f"withdrawn {f['withdrawn_at']:%Y-%m-%d}" if f["withdrawn_at"] else "offered"
        click.echo(f"{f['slug']:<30} {f['category']:<10} {state:<20} {forms.KIND_OF[f['media_type']]:<4} "
                   f"{f['size']:>10,} B  {f['published_at']:%Y-%m-%d %H:%M} UTC  {f['title_pl']}")


@form_group.command("withdraw")
@click.argument("slug")
@pass_settings
def form_withdraw_command(settings: Settings, slug: str) -> None:
    """Stop offering the form SLUG (publishing it again with `form add` offers it anew)."""
    with open_store(settings) as store:
        with writer(store.engine).begin() as conn:
            if not forms.withdraw(conn, slug):
                raise click.ClickException(f"no form {slug} is offered (see: ibok portal form list)")
    click.echo(f"form {slug} withdrawn")
