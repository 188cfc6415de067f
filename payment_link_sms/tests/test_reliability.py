# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Faults, races and attacks: the link holds."""

import json
import re
import secrets
import threading
from unittest.mock import patch

import psycopg2

from odoo import SUPERUSER_ID, api, sql_db
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .. import const
from .common import CSRF_RE, PayPageCommon, run_twice_at_once

URL_SAFE_RE = re.compile(r"[A-Za-z0-9_=-]+")
DEMO_DONE = {"payment_details": "4242", "simulated_state": "done"}


@tagged("post_install", "-at_install")
class TestPaymentFaults(PayPageCommon):
    def test_serialization_failure_after_success_never_pays_twice(self):
        tx = self.pay_rpc()["result"]
        tx = self.env["payment.transaction"].search([("reference", "=", tx["reference"])])
        data = {"reference": tx.reference, **DEMO_DONE}
        # The provider said "done", then the database refused the commit: everything of that
        # request is rolled back and Odoo retries it.
        with (
            self.assertRaises(psycopg2.errors.SerializationFailure),
            self.env.cr.savepoint(),
        ):
            tx._handle_notification_data("demo", data)
            self.assertEqual(self.link.state, "paid")
            raise psycopg2.errors.SerializationFailure("could not serialize access")
        self.env.invalidate_all()
        self.assertEqual(tx.state, "draft")
        self.assertNotEqual(self.link.state, "paid")
        tx._handle_notification_data("demo", data)  # the retry
        tx._handle_notification_data("demo", data)  # and a duplicate notification
        tx._post_process()
        tx._post_process()
        self.assertEqual(tx.state, "done")
        self.assertEqual(self.link.state, "paid")
        payments = self.env["account.payment"].search([("payment_transaction_id", "=", tx.id)])
        self.assertEqual(len(payments), 1)
        self.assertEqual(len(self.link.event_ids.filtered(lambda e: e.event_type == "paid")), 1)
        # The rolled back attempt queued nothing: the queue posts one note, whatever its runs.
        self.env["payment.link.notification"]._cron_notify()
        self.env["payment.link.notification"]._cron_notify()
        notes = self.invoice.message_ids.filtered(lambda m: m.subject and " paid" in m.subject)
        self.assertEqual(len(notes), 1, "one notification")

    def test_misses_cost_the_same_queries_whatever_the_token(self):
        Token = self.env["payment.link.token"]
        self.send_default_link()
        Token._find_link("x")  # warm the cache
        with self.assertQueryCount(1):
            self.assertFalse(Token._find_link("x"))
        with self.assertQueryCount(1):
            self.assertFalse(Token._find_link(secrets.token_urlsafe(16)))
        with self.assertQueryCount(1):
            self.assertEqual(Token._find_link(self.token), self.link)

    def test_a_miss_returns_an_empty_recordset(self):
        """The miss path of the constant-time comparison returns no link (an empty recordset,
        which every caller tests), for an unknown, a foreign and a malformed token."""
        Link, Token = self.env["payment.link"], self.env["payment.link.token"]
        for token in ("x", secrets.token_urlsafe(16), None, 42, self.token[:-1]):
            with self.subTest(token=token):
                self.assertEqual(Token._find_link(token), Link.sudo().browse())

    def test_token_fuzzing(self):
        """10,000 random, truncated, altered and foreign tokens: no hit, no leak, same body."""
        Token = self.env["payment.link.token"]
        token = self.token
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        candidates = set()
        for i in range(len(token)):
            for char in alphabet[:40]:
                if char != token[i]:
                    candidates.add(token[:i] + char + token[i + 1 :])
        candidates |= {token[:n] for n in range(len(token))}
        candidates |= {token + extra for extra in ("A", "==", "%00", " ", "\n")}
        while len(candidates) < 10000:
            candidates.add(secrets.token_urlsafe(secrets.choice((8, 16, 24, 32))))
        candidates.discard(token)
        # "/pay/" is no token URL: with `website` installed Odoo redirects it to "/pay".
        candidates.discard("")
        self.assertGreaterEqual(len(candidates), 9999)
        self.assertFalse(any(Token._find_link(candidate) for candidate in candidates))
        # Over HTTP, a sample of every kind: a 404 that tells nothing about anyone. Tokens
        # the route accepts get the very same body; the few with characters no URL path can
        # hold (spaces, NUL...) never reach it and get Odoo's own 404.
        sample = sorted(candidates)[:: max(len(candidates) // 150, 1)] + [
            token + extra for extra in ("%00", " ", "\n")
        ]
        routed, bodies = set(), set()
        with patch.object(const, "MISS_LIMIT", 100000):
            for candidate in sample:
                response = self.open_page(token=candidate)
                self.assertEqual(response.status_code, 404, candidate)
                bodies.add(CSRF_RE.sub("", response.text))
                if URL_SAFE_RE.fullmatch(candidate):
                    routed.add(CSRF_RE.sub("", response.text))
        self.assertEqual(len(routed), 1, "all misses reaching the route are identical")
        for body in bodies:
            for secret in (
                self.invoice.name,
                self.customer.name,
                self.company.name,
                "1 234,56",
                self.link.token_hint,
            ):
                self.assertNotIn(secret, body)
        self.assertEqual(self.link.state, "sent")
        # ... and rate limiting engages for the address that keeps guessing.
        statuses = [self.open_page(token=candidate).status_code for candidate in sample[:25]]
        self.assertIn(429, statuses)


@tagged("post_install", "-at_install")
class TestGatewayFaults(PayPageCommon):
    def _post_delivery_report(self, link, status):
        tracker = self.env["sms.tracker"].sudo().search([("payment_link_id", "=", link.id)])
        return self.url_open(
            "/sms/status",
            data=json.dumps(
                {
                    "params": {
                        "message_statuses": [
                            {"sms_status": status, "uuids": tracker.mapped("sms_uuid")}
                        ]
                    }
                }
            ),
            headers={"Content-Type": "application/json"},
        )

    @mute_logger("odoo.addons.sms.models.sms_sms")
    def test_timeout_after_acceptance_is_corrected_by_the_delivery_report(self):
        invoice = self._create_posted_invoice(self.customer_nb, 75.0)
        with self.mock_gateways(sim_error="jsonrpc_exception"):
            link = self.link_of(self.send_link(invoice)[0])
        self.assertEqual(link.sms_state, "failed")
        # The provider had accepted it after all: its delivery report arrives.
        self._post_delivery_report(link, "delivered")
        self.assertEqual(link.sms_state, "delivered")
        self.assertEqual(
            link.event_ids.sorted("id").mapped("event_type")[-2:],
            ["delivery_failed", "delivered"],
        )
        with self.mock_gateways():
            self.process_outboxes()
            self.env["sms.sms"].sudo()._process_queue()
        self.assertEqual(self._sms, [], "nothing is sent twice")

    def test_bounce_report_after_acceptance_fails_the_delivery(self):
        invoice = self._create_posted_invoice(self.customer_nb, 75.0)
        with self.mock_gateways():
            link = self.link_of(self.send_link(invoice)[0])
        self.assertEqual(link.sms_state, "accepted")
        self._post_delivery_report(link, "invalid_destination")
        self.assertEqual(link.sms_state, "failed")
        self.assertTrue(link.delivery_failure_reason)
        # A late "sent" report never hides the failure of a later state.
        self._post_delivery_report(link, "sent")
        self.assertEqual(link.sms_state, "failed")


@tagged("post_install", "-at_install")
class TestConcurrentPayments(PayPageCommon):
    """Two payments started at the same instant on one link, each in its own database
    transaction: the link row lock lets one through and refuses the other at once."""

    def test_two_concurrent_attempts_one_goes_through(self):
        dbname = self.env.cr.dbname
        link_id, provider_id = self._commit_link(dbname)

        def attempt(env):
            link = env["payment.link"].browse(link_id)
            link._lock_for_payment()
            tx = env["payment.transaction"].create(
                {
                    "provider_id": provider_id,
                    "payment_method_id": env.ref("payment.payment_method_unknown").id,
                    "reference": f"RACE-{threading.get_ident()}",
                    "amount": link._get_amount_due(),
                    "currency_id": link.currency_id.id,
                    "partner_id": link.partner_id.id,
                    "payment_link_id": link.id,
                    "operation": "online_direct",
                }
            )
            env.cr.execute("SELECT pg_sleep(0.5)")  # hold the lock while "paying"
            tx._set_done()
            return "paid"

        outcomes = run_twice_at_once(dbname, attempt, (ValidationError,))
        try:
            self.assertEqual(outcomes, ["paid", "refused"])
            with sql_db.db_connect(dbname).cursor() as cr:
                cr.execute(
                    "SELECT count(*) FROM payment_transaction WHERE payment_link_id = %s"
                    " AND state = 'done'",
                    [link_id],
                )
                self.assertEqual(cr.fetchone()[0], 1)
                cr.execute("SELECT state FROM payment_link WHERE id = %s", [link_id])
                self.assertEqual(cr.fetchone()[0], "paid")
        finally:
            self._drop_committed(dbname, link_id)

    def test_overlapping_snapshots_cannot_both_start_a_payment(self):
        """Under REPEATABLE READ, the second request's snapshot was taken before the first one
        committed its attempt: the row lock alone would let it through, blind to that attempt."""
        dbname = self.env.cr.dbname
        link_id, provider_id = self._commit_link(dbname)
        db = sql_db.db_connect(dbname)
        try:
            with db.cursor() as cr1, db.cursor() as cr2:
                env1 = api.Environment(cr1, SUPERUSER_ID, {})
                env2 = api.Environment(cr2, SUPERUSER_ID, {})
                # The second request starts first: its snapshot is taken now.
                cr2.execute("SELECT state FROM payment_link WHERE id = %s", [link_id])
                link1 = env1["payment.link"].browse(link_id)
                link1._lock_for_payment()
                env1["payment.transaction"].create(
                    {
                        "provider_id": provider_id,
                        "payment_method_id": env1.ref("payment.payment_method_unknown").id,
                        "reference": "OVERLAP-1",
                        "amount": link1._get_amount_due(),
                        "currency_id": link1.currency_id.id,
                        "partner_id": link1.partner_id.id,
                        "payment_link_id": link_id,
                        "operation": "online_direct",
                    }
                )
                cr1.commit()
                with (
                    mute_logger("odoo.sql_db"),
                    self.assertRaises(psycopg2.errors.SerializationFailure),
                ):
                    env2["payment.link"].browse(link_id)._lock_for_payment()
                cr2.rollback()
        finally:
            self._drop_committed(dbname, link_id)

    def test_email_status_racing_the_sms_status_never_fails_the_mail_queue(self):
        """The mail queue's transaction records the email's delivery on the link; the SMS
        status written on the same link meanwhile must not make it fail, or Odoo would keep the
        email outgoing and send it a second time."""

        def mail_queue(env, link_id):
            mail = env["mail.mail"].create(
                {
                    "email_to": "race@example.com",
                    "subject": "Race email",
                    "body_html": "<p>Race</p>",
                    "payment_link_id": link_id,
                }
            )
            return lambda: mail._postprocess_sent_message(success_pids=[])

        self._race_outbox(mail_queue, {"sms_state": "delivered"}, "email")

    def test_sms_status_racing_the_email_status_never_fails_the_sms_queue(self):
        """The same race the other way round: the SMS queue records the provider's answer
        while the email's delivery was written on the link."""

        def sms_queue(env, link_id):
            tracker = env["sms.tracker"].create(
                {"sms_uuid": "race-uuid", "payment_link_id": link_id}
            )
            return lambda: tracker._action_update_from_sms_state("sent")

        self._race_outbox(sms_queue, {"email_state": "delivered"}, "sms")

    def _race_outbox(self, prepare, concurrent_values, channel):
        """Run an outbox job whose snapshot predates a concurrent write on the same link."""
        dbname = self.env.cr.dbname
        link_id, _provider_id = self._commit_link(dbname)
        db = sql_db.db_connect(dbname)
        try:
            with db.cursor() as cr1, db.cursor() as cr2:
                env1 = api.Environment(cr1, SUPERUSER_ID, {})
                env2 = api.Environment(cr2, SUPERUSER_ID, {})
                job = prepare(env1, link_id)
                cr1.commit()
                # The queue's snapshot is taken now; the other channel's status arrives meanwhile.
                cr1.execute("SELECT sms_state FROM payment_link WHERE id = %s", [link_id])
                env2["payment.link"].browse(link_id).write(concurrent_values)
                cr2.commit()
                # Handled, and said at INFO only: no ERROR line in the server's log.
                with (
                    mute_logger("odoo.addons.payment_link_sms.models.payment_link_event"),
                    self.assertNoLogs("odoo.sql_db", "ERROR"),
                ):
                    job()
                    cr1.commit()
            with db.cursor() as cr:
                cr.execute(
                    "SELECT sms_state, email_state FROM payment_link WHERE id = %s", [link_id]
                )
                self.assertEqual(cr.fetchone(), ("delivered", "delivered"))
                cr.execute(
                    "SELECT count(*) FROM payment_link_event WHERE link_id = %s"
                    " AND event_type = 'delivered' AND channel = %s",
                    [link_id, channel],
                )
                self.assertEqual(cr.fetchone()[0], 1)
        finally:
            with db.cursor() as cr:
                cr.execute("DELETE FROM mail_message WHERE subject = 'Race email'")
                cr.execute("DELETE FROM sms_tracker WHERE sms_uuid = 'race-uuid'")
                cr.commit()
            self._drop_committed(dbname, link_id)

    @staticmethod
    def _commit_link(dbname):
        """A link both transactions can see: prepared and committed on a real cursor."""
        with sql_db.db_connect(dbname).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            partner = env["res.partner"].create(
                {"name": "Race Customer", "email": "race@example.com"}
            )
            invoice = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "invoice_line_ids": [
                        (0, 0, {"name": "Race", "quantity": 1, "price_unit": 99.0, "tax_ids": []})
                    ],
                }
            )
            invoice.action_post()
            links, _urls = env["payment.link.send.service"]._create_links(
                [
                    {
                        "document": invoice,
                        "partner": partner,
                        "company": company,
                        "email": "race@example.com",
                    }
                ],
                "email",
            )
            provider = env.ref("payment.payment_provider_demo")
            provider.write({"state": "test"})
            cr.commit()
            return links.id, provider.id

    @staticmethod
    def _drop_committed(dbname, link_id):
        """Remove what the race committed, so that other tests see a clean database."""
        with sql_db.db_connect(dbname).cursor() as cr:
            cr.execute("SELECT invoice_id FROM payment_link WHERE id = %s", [link_id])
            invoice_id = cr.fetchone()[0]
            cr.execute("DELETE FROM payment_link_event WHERE link_id = %s", [link_id])
            cr.execute("DELETE FROM payment_transaction WHERE payment_link_id = %s", [link_id])
            cr.execute("DELETE FROM payment_link WHERE id = %s", [link_id])
            cr.execute("DELETE FROM account_move WHERE id = %s", [invoice_id])
            cr.execute("DELETE FROM res_partner WHERE name = 'Race Customer'")
            cr.commit()
