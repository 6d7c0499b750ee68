"""The notification switches page and the unsubscribe links: CSRF, saving, GET changing nothing, one-click."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from adapters.store.logins import preferences
from sync.mail import unsubscribe
from tests.portal.conftest import SECRET, Site, csrf, log_in
from tests.portal.mailbox import Mailbox
from tests.portal.notify_scene import EMAIL, Scene, open_scene, unsubscribe_path

ALL_ON = dict.fromkeys(preferences.KINDS, True)


def _switches(site: Site, account_id: int) -> dict[str, bool]:
    with site.mirror.store.engine.connect() as conn:
        return preferences.of(conn, account_id)


def _logged_in(site: Site) -> tuple[FlaskClient, int]:
    [customer] = site.customer_ids(1)
    account_id = site.login_for(EMAIL, customer)
    client = site.client()
    client.set_cookie("ibok_lang", "en")
    assert log_in(client, EMAIL).status_code == 302
    return client, account_id


def _outage_mail(scene: Scene, box: Mailbox) -> str:
    """The unsubscribe path of the one e-mail about a new outage."""
    scene.register_outage()
    scene.notify()
    scene.deliver(box)
    [message] = box.to(EMAIL)
    return unsubscribe_path(box, message)


def test_the_page_is_in_the_menu_and_every_kind_starts_on(site: Site) -> None:
    client, account_id = _logged_in(site)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert 'href="/account/notifications"' in page
    assert len(re.findall(r'type="checkbox"[^>]* checked', page)) == len(preferences.KINDS)
    assert _switches(site, account_id) == ALL_ON


def test_saving_needs_the_forms_csrf_token_and_then_keeps_the_choice(site: Site) -> None:
    client, account_id = _logged_in(site)
    forged = client.post("/account/notifications", data={"invoice": "y"})
    assert forged.status_code == 400 and _switches(site, account_id) == ALL_ON
    saved = client.post("/account/notifications", data={"csrf_token": csrf(client, "/account/notifications"),
                                                        "invoice": "y", "reply": "y"}, follow_redirects=True)
    assert saved.status_code == 200 and "Your choice was saved." in saved.get_data(as_text=True)
    assert _switches(site, account_id) == {k: k in ("invoice", "reply") for k in preferences.KINDS}
    page = client.get("/account/notifications").get_data(as_text=True)
    assert re.findall(r'id="(\w+)" name="\w+" value="y" checked', page) == ["invoice", "reply"]


def test_the_page_asks_for_a_login(site: Site) -> None:
    assert site.client().get("/account/notifications").status_code == 302


def test_the_link_in_an_email_shows_a_button_and_only_its_post_turns_that_kind_off(site: Site, box: Mailbox) -> None:
    scene = open_scene(site)
    path = _outage_mail(scene, box)
    stranger = site.client()  # no login: the link is enough
    stranger.set_cookie("ibok_lang", "en")
    page = stranger.get(path)
    assert page.status_code == 200 and "Outage in my area" in page.get_data(as_text=True)
    assert _switches(site, scene.account_id) == ALL_ON  # a mail scanner opening the link changes nothing
    assert stranger.post(path, data={}).status_code == 400  # the page's form carries a CSRF token
    done = stranger.post(path, data={"csrf_token": csrf(stranger, path)})
    assert done.status_code == 200 and "Done: we will no longer send you the e-mails" in done.get_data(as_text=True)
    assert _switches(site, scene.account_id) == {**ALL_ON, "outage": False}
    box.messages.clear()
    scene.register_outage()
    assert scene.notify().total == 0


def test_the_one_click_address_of_the_list_unsubscribe_header_turns_that_kind_off(site: Site, box: Mailbox) -> None:
    scene = open_scene(site)
    path = _outage_mail(scene, box)
    [message] = box.to(EMAIL)
    one_click = re.fullmatch(r"<http://portal\.test(/\S+)>", message["List-Unsubscribe"])[1]
    assert one_click == f"{path}/one-click"
    client = site.client()
    assert client.post(one_click, data={}).status_code == 400  # not RFC 8058's body
    assert _switches(site, scene.account_id) == ALL_ON
    answer = client.post(one_click, data={"List-Unsubscribe": "One-Click"})  # as a mail client sends it: no CSRF
    assert answer.status_code == 200 and _switches(site, scene.account_id) == {**ALL_ON, "outage": False}


def test_a_damaged_or_forged_link_is_not_found(site: Site) -> None:
    client = site.client()
    genuine = unsubscribe.token(SECRET, 1, "invoice")
    forged = unsubscribe.token("another-secret-key-0123456789abcdefghij", 1, "invoice")
    for token in (genuine[:-2] + "xx", forged, unsubscribe.token(SECRET, 1, "service")):
        assert client.get(f"/unsubscribe/{token}").status_code == 404
        assert client.post(f"/unsubscribe/{token}/one-click",
                           data={"List-Unsubscribe": "One-Click"}).status_code == 404


def test_unsubscribe_tokens_name_the_login_and_the_kind() -> None:
    assert unsubscribe.read(SECRET, unsubscribe.token(SECRET, 42, "due")) == (42, "due")
    assert unsubscribe.read(SECRET, "nonsense") is None

