"""Acceptance: the e-invoice consent and the submission that carries it to billing are one unit of work.

The use case runs in a process of its own, as the portal runs it, and is killed with SIGKILL
between writing the submission and recording the consent: neither is left. Run again, both are
written, once, and the consent names its submission.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from adapters.store.content import terms
from adapters.store.db import writer
from adapters.store.logins import accounts
from adapters.store.tables import customers, e_invoice_consents, outbox, submissions
from tests.sync.conftest import Mirror

# The use case as the portal calls it, on a fixed day (time is an input).
USE_CASE = """
import sys
from datetime import UTC, datetime
from adapters.store.db import create_store_engine
from sync.submissions import service
engine = create_store_engine(sys.argv[1])
ctx = service.Context(engine, "account:" + sys.argv[3], clock=lambda: datetime(2026, 11, 22, 10, 0, tzinfo=UTC))
done = service.set_e_invoice(ctx, int(sys.argv[2]), sys.argv[4] == "give", token="consent-token",
                             account_id=int(sys.argv[3]), terms_version="2026-11")
print("ok" if done.ok and done.created else f"not written: {done.problems}")
"""


def _counts(mirror: Mirror) -> tuple[int, int, int]:
    with mirror.store.engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()  # type: ignore[return-value]
                     for t in (submissions, outbox, e_invoice_consents))


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_a_process_killed_between_the_submission_and_the_consent_leaves_neither(make_mirror, store: str) -> None:
    mirror: Mirror = make_mirror("sqlite", store)
    mirror.sync()
    with writer(mirror.store.engine).begin() as conn:
        terms.publish(conn, "2026-11", "Regulamin.", "Terms.")
        customer, given = conn.execute(select(customers.c.id, customers.c.e_invoice).order_by(customers.c.id)).first()
        account = accounts.create(conn, email="zgoda@example.pl", name="Test", password_hash="x", locale="pl",
                                  must_change_password=False, confirmed=True)
        accounts.link(conn, account, customer, "utility")
    action = "withdraw" if given else "give"

    def use_case(**env: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", USE_CASE, mirror.store_url, str(customer), str(account), action],
                              env={**os.environ, **env}, capture_output=True, text=True, timeout=60)

    killed = use_case(IBOK_FAILPOINTS="submit.after_write=1")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert _counts(mirror) == (0, 0, 0), "a half-done consent was left behind"

    done = use_case()
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
    assert _counts(mirror) == (1, 1, 1)
    with mirror.store.engine.connect() as conn:
        consent = conn.execute(select(e_invoice_consents)).mappings().one()
        sent = conn.execute(select(submissions.c.id, submissions.c.value)).one()
    assert consent["submission_id"] == sent.id and sent.value == ("N" if given else "T")
    assert (consent["account_id"], consent["terms_version"], consent["consent"]) == (account, "2026-11", not given)
