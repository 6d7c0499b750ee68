"""`ibok serve` (the portal, for development and the demo) and `ibok portal ...` (accounts, terms, forms)."""

from __future__ import annotations

import secrets
from pathlib import Path

import click

from adapters.store.cli import open_store
from config.cli import pass_settings
from config.settings import Settings

# The portal's use cases and the store (SQLAlchemy, Flask) are imported by the commands that use them; a form's
# categories are spelled out for --category's help (tests/test_cli_startup.py keeps them equal to
# adapters.store.content.downloads.CATEGORIES), so that `ibok portal ... --help` imports none of them.
FORM_CATEGORIES = ("connection", "contract", "meter", "billing", "other")
PASSWORD_PROBLEMS = {  # portal.auth.passwords.problem's answers, as the office's staff read them
    "too_short": "password too short: at least {min} characters",
    "too_long": "password too long: at most {max} characters",
    "known": "password on the list of leaked and common passwords: choose another",
    "too_common": "password too common or too easy to guess: choose another",
}


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
    from adapters.store.unit_of_work import UnitOfWork
    from portal.auth import onboarding, passwords

    one_time = password is None
    secret = password or secrets.token_urlsafe(12)
    if not one_time and (problem := passwords.problem(secret, [email])) is not None:
        raise click.BadParameter(PASSWORD_PROBLEMS[problem].format(min=passwords.MIN_CHARS, max=passwords.MAX_CHARS),
                                 param_hint="--password")
    try:
        with open_store(settings) as store:
            account_id = onboarding.create_account(UnitOfWork(store.engine), numbers=numbers, email=email, name=name,
                                                   password=secret, locale=lang, one_time=one_time)
    except onboarding.AccountRefused as exc:
        raise click.ClickException(str(exc)) from None
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
    from adapters.store.unit_of_work import UnitOfWork
    from portal.admin import content

    with open_store(settings) as store:
        published = content.publish_terms(UnitOfWork(store.engine), version, body_pl.read_text(encoding="utf-8"),
                                          body_en.read_text(encoding="utf-8"))
    if not published:
        raise click.ClickException(f"terms version {version} exists already")
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
@click.option("--category", type=click.Choice(FORM_CATEGORIES), required=True)
@pass_settings
def form_add_command(settings: Settings, file: Path, slug: str, title_pl: str, title_en: str,
                     description_pl: str | None, description_en: str | None, category: str) -> None:
    """Offer FILE (PDF, ODT or DOCX, at most 10 MB) as a form; an existing SLUG gets it as its new version."""
    from adapters.store.content import downloads as forms
    from adapters.store.unit_of_work import UnitOfWork
    from portal.admin import content

    if file.stat().st_size > forms.MAX_SIZE:  # before reading a file that would be refused anyway
        raise click.ClickException(f"{file.name} is larger than {forms.MAX_SIZE // 1024 // 1024} MB, "
                                   "the most a form may have: make it smaller")
    try:
        with open_store(settings) as store:
            done = content.publish_form(UnitOfWork(store.engine), slug=slug, title_pl=title_pl, title_en=title_en,
                                        category=category, filename=file.name, content=file.read_bytes(),
                                        description_pl=description_pl, description_en=description_en)
    except forms.FormRejected as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"form {slug} {'new version' if done['replaced'] else 'published'}: {done['filename']} "
               f"({forms.KIND_OF[done['media_type']]}, {done['size']:,} bytes, sha256 {done['sha256'][:12]})")


@form_group.command("list")
@pass_settings
def form_list_command(settings: Settings) -> None:
    """Every form published, the withdrawn ones too."""
    from adapters.store.content import downloads as forms

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
    from adapters.store.unit_of_work import UnitOfWork
    from portal.admin import content

    with open_store(settings) as store:
        withdrawn = content.withdraw_form(UnitOfWork(store.engine), slug)
    if not withdrawn:
        raise click.ClickException(f"no form {slug} is offered (see: ibok portal form list)")
    click.echo(f"form {slug} withdrawn")
