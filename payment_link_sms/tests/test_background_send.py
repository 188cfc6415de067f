# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import csv
import io
import re
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, sql_db
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.payment_link_sms.models.payment_link_send_job import PaymentLinkSendJob

from .. import utils
from .common import PaymentLinkCommon, invoices_of_three_customers

TOKEN_RE = re.compile(r"/pay/([A-Za-z0-9_-]+)")


class WorkerDied(BaseException):
    """A cron worker killed in the middle of a batch (not an error of the job: nothing in the
    worker handles it)."""


@tagged("post_install", "-at_install")
class TestBackgroundSend(PaymentLinkCommon):
    """Above the threshold, the composer queues a job that Odoo's crons send in batches."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("payment_link_sms.background_send_threshold", "3")
        params.set_param("payment_link_sms.background_batch_size", "2")
        cls.invoices = invoices_of_three_customers(cls, 5)
        cls.Job = cls.env["payment.link.send.job"]

    def _click_send(self, invoices, channel="sms"):
        form = self.open_send_wizard(invoices)
        form.channel = channel
        return form.save().action_send()

    def _queue(self, invoices=None, channel="sms"):
        action = self._click_send(self.invoices if invoices is None else invoices, channel)
        return self.Job.browse(action["params"]["next"]["res_id"])

    def _links(self, invoices=None):
        invoices = self.invoices if invoices is None else invoices
        return (
            self.env["payment.link"]
            .sudo()
            .search([("res_model", "=", "account.move"), ("res_id", "in", invoices.ids)])
        )

    def _sms_of(self, invoices=None):
        links = self._links(invoices)
        return (
            self.env["sms.sms"]
            .sudo()
            .search([("body", "ilike", "/pay/")])
            .filtered(lambda sms: sms.number in links.mapped("phone"))
        )

    def _run_cron(self):
        """What one of the background-send crons runs, with Odoo's progress record."""
        cron = self.env.ref("payment_link_sms.ir_cron_payment_link_send_job_1")
        cron, progress = cron._add_progress()
        self.Job.with_context(cron.env.context)._cron_send_jobs()
        return progress

    # --- the threshold ----------------------------------------------------------------------

    def test_under_the_threshold_it_sends_in_the_request(self):
        with self.mock_gateways():
            action = self._click_send(self.invoices[:3])
        self.assertEqual(action["tag"], "payment_link_sms.sent_dialog")
        self.assertEqual(len(self._links(self.invoices[:3])), 3)
        self.assertFalse(self.Job.search([]))

    def test_above_the_threshold_a_job_is_queued_and_nothing_sent(self):
        triggers = self.env["ir.cron.trigger"].sudo()
        before = triggers.search([])
        form = self.open_send_wizard(self.invoices)
        self.assertTrue(form.background_send)
        self.assertFalse(form.bulk_preview)  # no per-document preview: it costs a send
        with self.mock_gateways():
            action = form.save().action_send()
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("Sending 5 links in the background", action["params"]["message"])
        job = self.Job.browse(action["params"]["next"]["res_id"])
        self.assertEqual(job.user_id, self.billing_user)
        self.assertEqual(job.document_count, 5)
        self.assertEqual(job.line_ids.mapped("res_id"), self.invoices.ids)
        self.assertEqual(set(job.line_ids.mapped("state")), {"pending"})
        self.assertEqual(job.state, "queued")
        self.assertFalse(self._links())
        self.assertFalse(self.env["sms.sms"].sudo().search([("body", "ilike", "/pay/")]))
        woken = (triggers.search([]) - before).cron_id
        self.assertEqual(woken, self.Job._get_worker_crons()[: len(woken)])
        self.assertTrue(woken)

    def test_the_job_is_named_with_the_count_and_the_documents_plural(self):
        job = self._queue()
        self.assertEqual(job.name, "5 invoices by SMS")
        Move = self.env["account.move"]
        self.assertEqual(Move._paylink_count_label(5000), "5,000 invoices")
        self.assertEqual(Move._paylink_count_label(1), "1 invoice")

    def _open_on(self, active_ids, **context):
        Wizard = self.env["payment.link.send"].with_user(self.billing_user)
        return Form(
            Wizard.with_context(
                default_res_model="account.move",
                active_model="account.move",
                active_ids=active_ids,
                **context,
            )
        )

    def test_select_all_sends_every_record_of_the_list(self):
        """ "Select all": the web client sends the first ``web.active_ids_limit`` ids of the
        list and its domain; the composer takes every record of the domain."""
        self.env["ir.config_parameter"].sudo().set_param("web.active_ids_limit", "2")
        domain = [("id", "in", self.invoices.ids)]
        first = self.env["account.move"].search(domain, limit=2)
        form = self._open_on(first.ids, active_domain=domain)
        self.assertEqual(form.document_count, 5)
        self.assertTrue(form.background_send)
        # A selection that is not the list's first records, or not as many as the limit, is
        # sent as it is.
        self.assertEqual(self._open_on(first[::-1].ids, active_domain=domain).document_count, 2)
        self.assertEqual(self._open_on(first[:1].ids, active_domain=domain).document_count, 1)
        self.assertEqual(self._open_on(first.ids).document_count, 2)

    def test_a_selection_past_odoo_literal_size_limit_is_read(self):
        """Odoo limits ``ast.literal_eval`` to 100 KiB (about 14,000 ids): a larger selection
        is read all the same (the ids that do not exist are left out)."""
        ids = self.invoices.ids + list(range(10**8, 10**8 + 15000))
        self.assertGreater(len(repr(ids)), 102400)
        form = self._open_on(ids)
        self.assertEqual(form.document_count, 5)
        self.assertTrue(form.background_send)
        self.assertFalse(form.has_live_link)
        self.assertFalse(form.live_link_warning)
        with self.mock_gateways():
            self._click_send(self.invoices[:2])  # under the threshold: sent now
        form = self._open_on(ids)
        self.assertTrue(form.has_live_link)
        self.assertTrue(form.live_link_warning.startswith("2 documents have a live link"))

    def test_the_sms_queue_runs_again_while_sms_are_left(self):
        """Odoo's SMS queue sends at most 10,000 SMS a run: the rest is told to its cron
        runner as progress, so that it runs again at once rather than in an hour."""
        SMS = self.env["sms.sms"].sudo()
        queued = SMS.create(
            [{"number": f"+3361234567{i}", "body": "x", "state": "outgoing"} for i in range(3)]
        )
        outgoing = [("state", "=", "outgoing"), ("to_delete", "!=", True)]
        left = SMS.search_count(outgoing) - 1
        cron, progress = self.env.ref("sms.ir_cron_sms_scheduler_action")._add_progress()
        with self.mock_gateways():
            SMS.with_context(cron.env.context)._process_queue(ids=queued[:1].ids)
        self.assertEqual((progress.done, progress.remaining), (1, left))
        self.assertGreaterEqual(left, 2)

    def test_a_bridge_can_keep_the_send_in_the_request(self):
        with (
            patch.object(
                type(self.env["payment.link.send"]),
                "_payment_link_use_background",
                lambda self: False,
            ),
            self.mock_gateways(),
        ):
            action = self._click_send(self.invoices)
        self.assertEqual(action["tag"], "payment_link_sms.sent_dialog")
        self.assertEqual(len(self._links()), 5)

    # --- the crons --------------------------------------------------------------------------

    def test_the_cron_sends_all_notifies_and_attaches_the_result(self):
        self.invoices[4].button_draft()  # no longer payable once queued: skipped
        self.invoices[1].partner_id.mobile = False  # customer_nb: cannot be texted
        self.invoices[1].partner_id.phone = False
        job = self._queue(self.invoices)
        with self.mock_gateways():
            progress = self._run_cron()
        self.assertEqual(progress.done, 5)
        self.assertEqual(progress.remaining, 0)
        self.assertEqual(job.state, "done")
        self.assertEqual((job.sent_count, job.failed_count, job.skipped_count), (3, 1, 1))
        self.assertEqual(job.progress, 100.0)
        links = self._links()
        sendable = self.invoices[0] | self.invoices[2] | self.invoices[3]
        self.assertEqual(sorted(links.mapped("res_id")), sorted(sendable.ids))
        self.assertEqual(len(self._sms_of()), 3)
        sent = job.line_ids.filtered(lambda line: line.state == "sent")
        self.assertEqual(sent.link_id, links)
        refused = job.line_ids.filtered(lambda line: line.state == "failed")
        self.assertIn("has no mobile or phone number", refused.reason)
        skipped = job.line_ids.filtered(lambda line: line.state == "skipped")
        self.assertIn("is a draft", skipped.reason)

        # The result: an inbox message to the sender, a live popup, the CSV.
        message = job.message_ids.filtered(lambda m: job.result_attachment_id in m.attachment_ids)
        self.assertEqual(len(message), 1)
        self.assertIn(self.billing_user.partner_id, message.notification_ids.res_partner_id)
        self.assertIn("3 sent, 1 refused, 1 skipped", message.body)
        self.env.cr.precommit.run()  # the bus notifications are written before the commit
        bus = self.env["bus.bus"].sudo().search([("message", "ilike", "simple_notification")])
        self.assertTrue(
            any("3 sent, 1 refused, 1 skipped" in notification.message for notification in bus)
        )
        raw = job.result_attachment_id.raw.decode()
        rows = list(csv.reader(io.StringIO(raw)))
        self.assertEqual(rows[0], ["Document", "Result", "Reason", "Payment Link"])
        by_document = {row[0]: row for row in rows[1:]}
        self.assertEqual(by_document[self.invoices[0].display_name][1], "Sent")
        self.assertEqual(
            by_document[self.invoices[0].display_name][3],
            links.filtered(lambda link: link.res_id == self.invoices[0].id).name,
        )
        self.assertEqual(by_document[self.invoices[1].display_name][1], "Refused")
        self.assertEqual(by_document[self.invoices[4].display_name][1], "Skipped")
        # Never a link's token nor its URL.
        tokens = {TOKEN_RE.search(sms.body).group(1) for sms in self._sms_of()}
        self.assertEqual(len(tokens), 3)
        for token in tokens:
            self.assertNotIn(token, raw)
        self.assertNotIn("/pay/", raw)
        self.assertNotIn("http", raw)

    def test_the_sender_rights_apply_when_the_batch_runs(self):
        other_company = self.setup_other_company()["company"]
        foreign = self._create_posted_invoice(self.customer, 10.0, company=other_company)
        job = self.Job.with_user(self.billing_user)._create_for_documents(
            self.invoices | foreign, "sms"
        )
        with self.mock_gateways():
            self._run_cron()
        line = job.line_ids.filtered(lambda line: line.res_id == foreign.id)
        self.assertEqual(line.state, "skipped")
        self.assertFalse(self._links(foreign))
        self.assertEqual(len(self._links()), 5)

    def test_a_worker_dying_mid_batch_sends_nothing_twice(self):
        job = self._queue(self.invoices, channel="both")
        Job = type(self.Job)
        original = Job._send_documents
        calls = []

        def die_in_second_batch(self, res_ids):
            outcomes = original(self, res_ids)  # links created, messages queued...
            calls.append(res_ids)
            if len(calls) == 2:
                raise WorkerDied()  # ...and the worker dies before the batch commits
            return outcomes

        with self.mock_gateways():
            with patch.object(Job, "_send_documents", die_in_second_batch):
                # A real worker commits each batch: a savepoint each here.
                with self.env.cr.savepoint():
                    self.Job._send_next_batch()  # the first batch, committed
                with self.assertRaises(WorkerDied), self.env.cr.savepoint():
                    self.Job._send_next_batch()  # the second dies: rolled back
            self.env.invalidate_all()
            self.assertEqual(len(self._links()), 2)
            self.assertEqual(job.pending_count, 3)
            self._run_cron()  # the rerun
        self.assertEqual(job.state, "done")
        self.assertEqual(job.sent_count, 5)
        links = self._links()
        self.assertEqual(sorted(links.mapped("res_id")), sorted(self.invoices.ids))
        self.assertEqual(len(self._sms_of()), 5)
        mails = self.env["mail.mail"].sudo().search([("model", "=", "payment.link")])
        for invoice in self.invoices:
            link = links.filtered(lambda link, invoice=invoice: link.res_id == invoice.id)
            self.assertEqual(len(link), 1)
            self.assertEqual(len(mails.filtered(lambda mail, link=link: mail.res_id == link.id)), 1)

    def test_a_sender_who_lost_a_company_fails_only_their_job(self):
        """The sender's job fails with its reason, once; the cron goes on with the others."""
        other = self.setup_other_company()["company"]
        sender = new_test_user(
            self.env,
            login="bg_two_companies",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[(6, 0, [self.company.id, other.id])],
        )
        Job = self.Job.with_user(sender).with_context(
            allowed_company_ids=[self.company.id, other.id]
        )
        lost = self.Job.browse(Job._create_for_documents(self.invoices[:2], "sms").id)
        later = self.Job.with_user(self.billing_user)._create_for_documents(
            self.invoices[2:], "sms"
        )
        sender.company_ids = [(3, other.id)]
        with (
            self.mock_gateways(),
            mute_logger("odoo.addons.payment_link_sms.models.payment_link_send_job"),
        ):
            self._run_cron()
            self._run_cron()  # nothing left to fail on
        self.assertEqual(lost.state, "failed")
        self.assertIn("The background send stopped", lost.failure_reason)
        self.assertIn("companies", lost.failure_reason)
        self.assertEqual(set(lost.line_ids.mapped("state")), {"failed"})
        self.assertEqual(set(lost.line_ids.mapped("reason")), {lost.failure_reason})
        self.assertTrue(lost.result_attachment_id)
        self.assertFalse(self._links(self.invoices[:2]))
        self.assertEqual(later.state, "done")
        self.assertEqual(later.sent_count, 3)
        self.assertEqual(len(self._links(self.invoices[2:])), 3)

    def test_the_result_csv_never_holds_a_formula(self):
        job = self._queue()
        with self.mock_gateways():
            self._run_cron()
        cells = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx"]
        for line, cell in zip(job.line_ids, cells, strict=False):
            line.sudo().write({"document_name": cell, "reason": cell})
        rows = list(csv.reader(io.StringIO(job._result_csv().decode(), newline="")))
        for row, cell in zip(rows[1:], cells, strict=False):
            self.assertEqual(row[0], "'" + cell)
            self.assertEqual(row[2], "'" + cell)
        self.assertEqual(utils.csv_safe_cell("\r=1"), "'\r=1")
        self.assertEqual(utils.csv_safe_cell("INV/2026/00001"), "INV/2026/00001")

    def test_two_workers_never_take_the_same_lines(self):
        """Two real connections, as two cron workers: each locks its own lines."""
        db = sql_db.db_connect(self.env.cr.dbname)
        with db.cursor() as setup_cr:
            setup_cr.execute(
                """
                INSERT INTO payment_link_send_job
                    (name, user_id, company_id, res_model, channel, document_count)
                VALUES ('two workers', %s, %s, 'account.move', 'sms', 6) RETURNING id
                """,
                [SUPERUSER_ID, self.env.ref("base.main_company").id],
            )
            job_id = setup_cr.fetchone()[0]
            setup_cr.execute(
                """
                INSERT INTO payment_link_send_job_line (job_id, res_id, state)
                SELECT %s, n, 'pending' FROM generate_series(1, 6) AS n
                """,
                [job_id],
            )
            setup_cr.commit()
        try:
            with db.cursor() as first_cr, db.cursor() as second_cr:
                # Never wait for the other worker's lock (a wait would be the bug).
                first_cr.execute("SET lock_timeout = '5s'")
                second_cr.execute("SET lock_timeout = '5s'")
                first = api.Environment(first_cr, SUPERUSER_ID, {})["payment.link.send.job"]
                second = api.Environment(second_cr, SUPERUSER_ID, {})["payment.link.send.job"]
                with patch.object(PaymentLinkSendJob, "_get_batch_size", lambda self: 4):
                    taken_first = set(first._lock_next_lines().mapped("res_id"))
                    taken_second = set(second._lock_next_lines().mapped("res_id"))
                self.assertEqual(len(taken_first), 4)
                self.assertEqual(taken_first & taken_second, set())
                self.assertEqual(taken_first | taken_second, set(range(1, 7)))
                self.assertEqual(second._pending_count(), 6)  # none sent yet
                first_cr.rollback()
                second_cr.rollback()
        finally:
            with db.cursor() as cleanup_cr:
                cleanup_cr.execute("DELETE FROM payment_link_send_job WHERE id = %s", [job_id])
                cleanup_cr.commit()

    # --- rights and progress ----------------------------------------------------------------

    def test_only_the_sender_and_managers_see_a_job(self):
        job = self._queue()
        colleague = new_test_user(
            self.env,
            login="colleague",
            groups="account.group_account_invoice",
            company_id=self.company.id,
        )
        manager = new_test_user(
            self.env,
            login="billing_admin",
            groups="account.group_account_manager",
            company_id=self.company.id,
        )
        self.assertEqual(self.Job.with_user(self.billing_user).search([]), job)
        self.assertFalse(self.Job.with_user(colleague).search([]))
        with self.assertRaises(AccessError):
            job.with_user(colleague).read(["name"])
        with self.assertRaises(AccessError):
            job.line_ids[:1].with_user(colleague).read(["state"])
        self.assertEqual(self.Job.with_user(manager).search([]), job)
        # Another company's manager sees it only with that company allowed.
        other_company = self.setup_other_company()["company"]
        job.sudo().company_id = other_company
        self.assertFalse(self.Job.with_user(manager).search([]))
        with self.assertRaises(AccessError):
            job.line_ids[:1].with_user(manager).read(["state"])
        # A job cannot be written by its sender: only the crons write it.
        with self.assertRaises(AccessError):
            job.with_user(self.billing_user).write({"name": "x"})

    def test_the_sender_sees_the_progress(self):
        job = self._queue()
        with self.mock_gateways():
            self.Job._send_next_batch()  # one batch of 2 out of 5
        form = Form(job.with_user(self.billing_user))
        self.assertEqual(form.state, "running")
        self.assertEqual(form.progress, 40.0)
        self.assertEqual(form.sent_count, 2)
        self.assertEqual(form.pending_count, 3)
        self.assertFalse(form.result_attachment_id)
        with self.mock_gateways():
            self._run_cron()
        form = Form(job.with_user(self.billing_user))
        self.assertEqual(form.state, "done")
        self.assertEqual(form.progress, 100.0)
        action = job.with_user(self.billing_user).action_download_result()
        self.assertIn(f"/web/content/{job.result_attachment_id.id}", action["url"])
