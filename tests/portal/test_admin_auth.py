"""The admin area's door: staff accounts from the command line, the two-step login with TOTP (enrolled
at the first login, never taken twice), sessions apart from customers', roles, and an audit log
that never holds a password or a secret."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from adapters.store.db import writer
from adapters.store.logins import admins as store_admins
from adapters.store.tables import admins, audit_log
from tests.portal.conftest import PASSWORD, Site, log_in
from tests.portal.staff import (
    TOTP_SECRET,
    admin_login,
    code_for,
    code_step,
    csrf_of,
    make_admin,
    password_step,
    run_ibok,
)

NEW_PASSWORD = "stara woda w nowym młynie"
ADMIN_PAGES = ("/admin/", "/admin/registrations", "/admin/customers", "/admin/audit", "/admin/admins",
               "/admin/password")


def _audit(site: Site) -> list[dict]:
    with site.mirror.store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(audit_log).order_by(audit_log.c.id)).mappings()]


def test_an_administrator_made_on_the_command_line_enrols_totp_and_changes_the_one_time_password(site: Site) -> None:
    url = site.mirror.store_url
    made = run_ibok(url, "admin", "create", "--email", "Ewa.Kierownik@Wodociagi.test", "--name", "Ewa Kierownik",
                    "--role", "administrator")
    assert made.exit_code == 0, made.output
    one_time = re.search(r"one-time password: (\S+)", made.stdout)[1]
    assert run_ibok(url, "admin", "create", "--email", "ewa.kierownik@wodociagi.test", "--name", "X",
                    "--role", "operator").exit_code == 1  # the address is taken (in any case)
    listed = run_ibok(url, "admin", "list")
    assert "ewa.kierownik@wodociagi.test" in listed.stdout and "not logged in yet" in listed.stdout

    client = site.client()
    assert password_step(client, "ewa.kierownik@wodociagi.test", "wrong password 123").status_code == 200
    first = password_step(client, "ewa.kierownik@wodociagi.test", one_time)
    assert first.headers["Location"] == "/admin/login/enrol"
    assert client.get("/admin/").status_code == 302  # the password alone opens nothing
    page = client.get("/admin/login/enrol").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    secret = re.search(r'class="secret">([A-Z2-7 ]+)<', page)[1].replace(" ", "")
    assert code_step(client, "000000" if pyotp.TOTP(secret).now() != "000000" else "111111",
                     "/admin/login/enrol").status_code == 200  # a wrong code confirms nothing
    done = code_step(client, pyotp.TOTP(secret).now(), "/admin/login/enrol")
    assert done.headers["Location"] == "/admin/"
    assert client.get("/admin/").headers["Location"] == "/admin/password"  # the one-time password first
    changed = client.post("/admin/password", data={"csrf_token": csrf_of(client, "/admin/password"),
                                                   "current": one_time, "new": NEW_PASSWORD})
    assert changed.headers["Location"] == "/admin/"
    client.set_cookie("ibok_lang", "en")
    assert "Registrations to check" in client.get("/admin/").get_data(as_text=True)
    assert client.get("/admin/login/enrol").status_code == 302  # the secret is never shown again

    with site.mirror.store.engine.connect() as conn:
        stored = conn.execute(select(admins)).mappings().one()
    assert stored["role"] == "administrator" and stored["totp_confirmed_at"] is not None
    assert not stored["must_change_password"] and stored["password_hash"].startswith("$argon2id$")
    entries = _audit(site)
    actions = [e["action"] for e in entries]
    assert actions[:1] == ["admin.create"] and "admin.totp_enrolled" in actions and "admin.login" in actions
    assert "admin.password_changed" in actions
    everything = repr(entries)
    for secret_text in (one_time, NEW_PASSWORD, secret, "wrong password 123"):
        assert secret_text not in everything, "the audit log holds no password or secret"


def test_a_code_is_taken_once_and_a_wrong_code_is_refused(site: Site) -> None:
    make_admin(site, "ola@wodociagi.test", "operator")
    client = site.client()
    assert password_step(client, "ola@wodociagi.test").headers["Location"] == "/admin/login/code"
    client.set_cookie("ibok_lang", "en")
    wrong = code_step(client, "12345")
    assert wrong.status_code == 200 and "The code is wrong" in wrong.get_data(as_text=True)
    code = code_for()
    assert code_step(client, code).headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200

    replay = site.client()  # the same code, seen over a shoulder, in another browser a moment later
    assert password_step(replay, "ola@wodociagi.test").headers["Location"] == "/admin/login/code"
    assert code_step(replay, code).status_code == 200
    assert replay.get("/admin/").status_code == 302
    failures = [e for e in _audit(site) if e["action"] == "admin.login_failed"]
    assert [e["detail"] for e in failures] == ["code", "code"]


def test_too_many_wrong_codes_lock_the_second_step(site: Site) -> None:
    make_admin(site, "ola@wodociagi.test", "operator")
    client = site.client()
    password_step(client, "ola@wodociagi.test")
    for _ in range(5):
        code_step(client, "000000" if code_for() != "000000" else "111111")
    locked = code_step(client, code_for())
    assert locked.status_code == 200 and client.get("/admin/").status_code == 302


def test_a_customer_session_never_opens_an_admin_page_and_an_admin_session_no_customer_page(site: Site) -> None:
    [customer] = site.customer_ids(1)
    site.login_for("anna@example.pl", customer)
    client = site.client()
    assert log_in(client, "anna@example.pl").status_code == 302
    for path in ADMIN_PAGES:
        assert client.get(path).status_code == 403, path
    assert client.post("/admin/admins/1/disable", data={"csrf_token": csrf_of(client, "/")}).status_code == 403
    assert client.get("/admin/login").status_code == 200  # the login page itself is open

    anonymous = site.client()
    for path in ADMIN_PAGES:
        assert anonymous.get(path).headers["Location"] == "/admin/login", path

    make_admin(site, "ewa@wodociagi.test")
    staff = site.client()
    assert admin_login(staff, "ewa@wodociagi.test").headers["Location"] == "/admin/"
    assert staff.get("/").headers["Location"].startswith("/login")  # no customer page for staff
    assert staff.get("/invoices").status_code == 302

    # Logging in as a customer in the staff's browser ends the staff session, and the other way round.
    site.login_for("ewa@wodociagi.test", customer)
    assert log_in(staff, "ewa@wodociagi.test").status_code == 302
    assert staff.get("/admin/").status_code == 403
    assert admin_login(staff, "ewa@wodociagi.test") is not None
    assert staff.get("/").status_code == 302


def test_an_operator_gets_403_on_an_administrators_page_and_action(site: Site) -> None:
    target = make_admin(site, "ewa@wodociagi.test", "administrator")
    make_admin(site, "ola@wodociagi.test", "operator")
    client = site.client()
    admin_login(client, "ola@wodociagi.test")
    for path in ("/admin/", "/admin/registrations", "/admin/customers"):
        assert client.get(path).status_code == 200, path
    assert client.get("/admin/admins").status_code == 403
    assert client.get("/admin/audit").status_code == 403
    refused = client.post(f"/admin/admins/{target}/disable", data={"csrf_token": csrf_of(client, "/admin/")})
    assert refused.status_code == 403
    menu = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/admins"' not in menu and 'href="/admin/audit"' not in menu
    with site.mirror.store.engine.connect() as conn:
        assert store_admins.get(conn, target)["disabled_at"] is None


def test_an_administrator_disables_a_colleague_whose_session_ends_at_once(site: Site) -> None:
    make_admin(site, "ewa@wodociagi.test", "administrator")
    colleague = make_admin(site, "ola@wodociagi.test", "operator")
    boss, other = site.client(), site.client()
    admin_login(boss, "ewa@wodociagi.test")
    with writer(site.mirror.store.engine).begin() as conn:  # the colleague logs in a step later
        conn.execute(admins.update().where(admins.c.id == colleague).values(last_totp_step=0))
    admin_login(other, "ola@wodociagi.test")
    assert other.get("/admin/").status_code == 200
    listing = boss.get("/admin/admins").get_data(as_text=True)
    assert "ola@wodociagi.test" in listing
    done = boss.post(f"/admin/admins/{colleague}/disable", data={"csrf_token": csrf_of(boss, "/admin/admins")})
    assert done.status_code == 302
    assert other.get("/admin/").headers["Location"] == "/admin/login"
    assert password_step(other, "ola@wodociagi.test").status_code == 200  # no more logins either
    assert [e["object"] for e in _audit(site) if e["action"] == "admin.disable"] == [f"admin:{colleague}"]
    assert "disabled" in run_ibok(site.mirror.store_url, "admin", "list").stdout


def test_logout_ends_the_staff_session(site: Site) -> None:
    make_admin(site, "ewa@wodociagi.test")
    client = site.client()
    admin_login(client, "ewa@wodociagi.test")
    assert client.post("/admin/logout", data={"csrf_token": csrf_of(client, "/admin/")}).headers["Location"] \
        == "/admin/login"
    assert client.get("/admin/").headers["Location"] == "/admin/login"
    assert "admin.logout" in [e["action"] for e in _audit(site)]


def test_the_command_line_disables_and_resets_a_staff_account(site: Site) -> None:
    make_admin(site, "ewa@wodociagi.test")
    url = site.mirror.store_url
    reset = run_ibok(url, "admin", "reset", "--email", "ewa@wodociagi.test")
    assert reset.exit_code == 0, reset.output
    one_time = re.search(r"one-time password: (\S+)", reset.stdout)[1]
    client = site.client()
    assert password_step(client, "ewa@wodociagi.test", PASSWORD).status_code == 200  # the old password is gone
    assert password_step(client, "ewa@wodociagi.test", one_time).headers["Location"] == "/admin/login/enrol"
    assert TOTP_SECRET not in client.get("/admin/login/enrol").get_data(as_text=True).replace(" ", "")
    assert run_ibok(url, "admin", "disable", "--email", "ewa@wodociagi.test").exit_code == 0
    assert run_ibok(url, "admin", "disable", "--email", "nobody@wodociagi.test").exit_code == 1
    by_cli = [e for e in _audit(site) if e["actor"].startswith("cli")]
    assert [e["action"] for e in by_cli] == ["admin.reset", "admin.disable"]


def _second_session(site: Site, admin_id: int) -> None:
    """Let the same admin log in again a step later (each code is taken once)."""
    with writer(site.mirror.store.engine).begin() as conn:
        conn.execute(admins.update().where(admins.c.id == admin_id).values(last_totp_step=0))


def test_an_admins_password_change_logs_out_the_admins_other_sessions(site: Site) -> None:
    ewa = make_admin(site, "ewa@wodociagi.test")
    make_admin(site, "ola@wodociagi.test", "operator")
    desk, laptop, colleague = site.client(), site.client(), site.client()
    admin_login(desk, "ewa@wodociagi.test")
    _second_session(site, ewa)
    admin_login(laptop, "ewa@wodociagi.test")
    admin_login(colleague, "ola@wodociagi.test")
    assert laptop.get("/admin/").status_code == 200 and colleague.get("/admin/").status_code == 200
    changed = desk.post("/admin/password", data={"csrf_token": csrf_of(desk, "/admin/password"),
                                                 "current": PASSWORD, "new": NEW_PASSWORD})
    assert changed.headers["Location"] == "/admin/"
    assert desk.get("/admin/").status_code == 200  # the session that changed it goes on
    assert laptop.get("/admin/").headers["Location"] == "/admin/login"
    assert colleague.get("/admin/").status_code == 200  # another admin's session is not touched
    assert password_step(laptop, "ewa@wodociagi.test", NEW_PASSWORD).headers["Location"] == "/admin/login/code"


def test_a_staff_session_ends_after_the_shorter_staff_timeouts_and_a_customers_does_not(site: Site) -> None:
    from datetime import timedelta

    import time_machine

    from config.clock import utcnow
    make_admin(site, "ewa@wodociagi.test")
    [customer_id] = site.customer_ids(1)
    site.login_for("anna@example.pl", customer_id)
    staff_idle = timedelta(seconds=site.settings.admin.session_idle_s)
    staff_absolute = timedelta(seconds=site.settings.admin.session_absolute_s)
    assert staff_idle < timedelta(seconds=site.settings.portal.session_idle_s)
    assert staff_absolute < timedelta(seconds=site.settings.portal.session_absolute_s)
    start = utcnow()
    with time_machine.travel(start, tick=False) as clock:  # TOTP codes follow the same clock
        staff, customer = site.client(), site.client()
        admin_login(staff, "ewa@wodociagi.test")
        log_in(customer, "anna@example.pl")
        clock.move_to(start + staff_idle + timedelta(seconds=1))
        assert customer.get("/").status_code == 200
        assert staff.get("/admin/").headers["Location"] == "/admin/login"  # idle too long

        assert admin_login(staff, "ewa@wodociagi.test").headers["Location"] == "/admin/"
        logged_in = now = utcnow()
        while now + staff_idle < logged_in + staff_absolute:  # never idle: a request within each idle period
            now += staff_idle - timedelta(seconds=60)
            clock.move_to(now)
            assert staff.get("/admin/").status_code == 200
            assert customer.get("/").status_code == 200
        clock.move_to(logged_in + staff_absolute + timedelta(seconds=1))
        assert customer.get("/").status_code == 200  # a customer's session lasts longer
        assert staff.get("/admin/").headers["Location"] == "/admin/login"  # past the staff absolute end
