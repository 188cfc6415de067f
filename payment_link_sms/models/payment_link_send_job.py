# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import csv
import io
import logging
import threading
import time

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, config

from .. import const, utils

_logger = logging.getLogger(__name__)


class PaymentLinkSendJob(models.Model):
    """A bulk send too large for one request, sent in the background by Odoo's batched crons.

    One line per document. A line is marked sent, refused or skipped in the transaction that
    creates its link and queues its messages (one transaction per batch), so that a worker dying
    mid-batch loses the batch as a whole and a rerun sends it once; a line being sent is locked
    (``FOR UPDATE SKIP LOCKED``), so that two cron workers never take the same one. The job's
    own row is written once, when it is finished: the workers never wait for each other.
    """

    _name = "payment.link.send.job"
    _description = "Payment Link Background Send"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(required=True, readonly=True)
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Sent By",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.user,
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    allowed_company_ids = fields.Many2many(
        comodel_name="res.company",
        string="Companies",
        readonly=True,
        help="The companies the sender had selected: the documents are sent as they would "
        "have been from the sender's screen.",
    )
    res_model = fields.Char(string="Document Model", required=True, readonly=True)
    channel = fields.Selection(selection=const.CHANNELS, required=True, readonly=True)
    replace = fields.Boolean(
        string="Replace Live Links",
        readonly=True,
        help="The sender confirmed that the documents' live links are cancelled and replaced.",
    )
    line_ids = fields.One2many(
        comodel_name="payment.link.send.job.line", inverse_name="job_id", readonly=True
    )
    document_count = fields.Integer(string="Documents", readonly=True)
    date_done = fields.Datetime(string="Finished On", readonly=True, copy=False)
    result_attachment_id = fields.Many2one(
        comodel_name="ir.attachment", string="Result", readonly=True, copy=False
    )
    state = fields.Selection(
        selection=[
            ("queued", "Queued"),
            ("running", "Sending"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        compute="_compute_counts",
    )
    failure_reason = fields.Char(
        readonly=True,
        copy=False,
        help="Why the background send stopped before its end (its documents left are refused).",
    )
    pending_count = fields.Integer(string="To Send", compute="_compute_counts")
    sent_count = fields.Integer(string="Sent", compute="_compute_counts")
    failed_count = fields.Integer(string="Refused", compute="_compute_counts")
    skipped_count = fields.Integer(string="Skipped", compute="_compute_counts")
    progress = fields.Float(compute="_compute_counts", help="Documents handled, in percent.")

    # === COMPUTE METHODS === #

    @api.depends("date_done", "document_count", "failure_reason")
    def _compute_counts(self):
        """From the lines (one grouped query): the job's row is not written while it runs."""
        counts = {}
        if self.ids:
            for job, state, count in (
                self.env["payment.link.send.job.line"]
                .sudo()
                ._read_group([("job_id", "in", self.ids)], ["job_id", "state"], ["__count"])
            ):
                counts[job.id, state] = count
        for job in self:
            pending = counts.get((job.id, "pending"), 0)
            job.pending_count = pending
            job.sent_count = counts.get((job.id, "sent"), 0)
            job.failed_count = counts.get((job.id, "failed"), 0)
            job.skipped_count = counts.get((job.id, "skipped"), 0)
            total = job.document_count or 1
            job.progress = 100.0 * (job.document_count - pending) / total
            if job.date_done:
                job.state = "failed" if job.failure_reason else "done"
            elif pending < job.document_count:
                job.state = "running"
            else:
                job.state = "queued"

    # === BUSINESS METHODS: queueing === #

    @api.model
    def _create_for_documents(self, documents, channel, replace=False):
        """Queue the send of ``documents`` on ``channel`` and wake the background-send crons.

        The lines are inserted by one query: queueing 50,000 documents fits in a click (the
        ids as one array parameter; no ``create_uid``/``write_uid`` on the lines, whose 50,000
        foreign-key checks each cost the click about 0.4 s: the job says who sent it, and the
        worker that sends a line writes its ``write_uid``).

        :return: The job.
        """
        # The sender reads their jobs and never writes them: only the crons do.
        job = self.sudo().create(
            {
                "user_id": self.env.uid,
                "company_id": self.env.company.id,
                "name": self.env._(
                    "%(documents)s by %(channel)s",
                    documents=documents._paylink_count_label(len(documents)),
                    channel=dict(self._fields["channel"]._description_selection(self.env))[channel],
                ),
                "res_model": documents._name,
                "channel": channel,
                "replace": replace,
                "document_count": len(documents),
                "allowed_company_ids": [(6, 0, self.env.companies.ids)],
            }
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO payment_link_send_job_line
                    (job_id, res_id, state, create_date, write_date)
                SELECT %(job)s, res_id, 'pending', now() at time zone 'UTC',
                       now() at time zone 'UTC'
                  FROM unnest(%(ids)s::int[]) WITH ORDINALITY AS ids(res_id, position)
                 ORDER BY position
                """,
                job=job.id,
                ids=utils.pg_int_array(documents.ids),
            )
        )
        job.invalidate_recordset(["line_ids"])
        self._trigger_workers()
        return job.sudo(self.env.su)

    @api.model
    def _trigger_workers(self):
        """Trigger as many background-send crons as the server has cron workers (each takes
        its own batches)."""
        workers = max(1, config.get("max_cron_threads") or 1)
        for cron in self._get_worker_crons()[:workers]:
            cron._trigger()

    @api.model
    def _get_worker_crons(self):
        return (
            self.env["ir.cron"]
            .sudo()
            .search([("code", "=", "model._cron_send_jobs()"), ("model_id.model", "=", self._name)])
        )

    # === BUSINESS METHODS: sending (crons) === #

    @api.model
    def _cron_send_jobs(self):
        """Send batches of the queued jobs for a while, one transaction per batch, telling
        Odoo's cron runner the progress; then finish the jobs that have nothing left."""
        deadline = time.monotonic() + const.BACKGROUND_CALL_SECONDS
        done = 0
        while time.monotonic() < deadline:
            handled = self._send_next_batch()
            if not handled:
                break
            done += handled
            self.env["ir.cron"]._notify_progress(done=done, remaining=self._pending_count())
            self._commit_batch()
        self._finish_jobs()
        # Nothing taken: what is pending is being sent by another worker (or nothing is),
        # this one is done; else Odoo's runner calls it again at once.
        remaining = self._pending_count() if done else 0
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    @api.model
    def _commit_batch(self):
        """Commit the batch (its links, messages and lines together); in tests, the caller's
        savepoints stand for it."""
        if not getattr(threading.current_thread(), "testing", False):
            self.env.cr.commit()

    @api.model
    def _get_batch_size(self):
        return utils.parse_count_param(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("payment_link_sms.background_batch_size"),
            const.BACKGROUND_BATCH_SIZE,
        )

    @api.model
    def _pending_count(self):
        """The lines left to send, by any worker (a plain read: it never waits nor fails)."""
        self.env.cr.execute(
            "SELECT count(*) FROM payment_link_send_job_line WHERE state = 'pending'"
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _lock_next_lines(self):
        """Lock the next batch of pending lines of the oldest job that has free ones.

        Called at the start of a transaction (after a batch's commit). Odoo's transactions are
        repeatable reads: a pending line that another worker sent and committed since this
        transaction began cannot be locked (serialization failure); then this transaction,
        which holds nothing yet, is begun again.

        :return: The locked lines (of one job), or an empty recordset.
        """
        Line = self.env["payment.link.send.job.line"].sudo()
        for _attempt in range(const.BACKGROUND_LOCK_ATTEMPTS):
            try:
                with self.env.cr.savepoint(flush=False):
                    return self._lock_next_lines_once()
            except psycopg2.errors.SerializationFailure:
                self.env.cr.rollback()
        return Line

    @api.model
    def _lock_next_lines_once(self):
        Line = self.env["payment.link.send.job.line"].sudo()
        Line.flush_model()
        self.env.cr.execute(
            """
            SELECT id FROM payment_link_send_job
             WHERE date_done IS NULL
             ORDER BY id
            """
        )
        for (job_id,) in self.env.cr.fetchall():
            self.env.cr.execute(
                """
                SELECT id FROM payment_link_send_job_line
                 WHERE job_id = %s AND state = 'pending'
                 ORDER BY id
                 LIMIT %s
                   FOR UPDATE SKIP LOCKED
                """,
                [job_id, self._get_batch_size()],
                log_exceptions=False,
            )
            ids = [row[0] for row in self.env.cr.fetchall()]
            if ids:
                return Line.browse(ids)
        return Line

    @api.model
    def _send_next_batch(self):
        """Send one batch of lines; return how many lines were handled (0: nothing to take)."""
        lines = self._lock_next_lines()
        if not lines:
            return 0
        job = lines.job_id.sudo()
        try:
            with self.env.cr.savepoint():
                outcomes = job._send_documents(lines.mapped("res_id"))
                lines._write_outcomes(outcomes)
        except (psycopg2.errors.SerializationFailure, psycopg2.errors.LockNotAvailable):
            raise  # another worker's concurrent update: Odoo's cron runner retries
        except Exception as error:  # noqa: BLE001 - one job's failure never blocks the others
            job._fail(error)
        return len(lines)

    def _fail(self, error):
        """End the job after ``error`` (the sender lost a company, or anything else that stops
        its batches): its documents left are refused with the reason, the job is finished and
        reported as failed, and the crons go on with the other jobs."""
        self.ensure_one()
        message = str(error.args[0]) if getattr(error, "args", None) else str(error)
        reason = self.with_context(lang=self.user_id.lang).env._(
            "The background send stopped: %s", message or type(error).__name__
        )
        _logger.warning("background send %s failed: %s", self.id, reason, exc_info=error)
        self.env.cr.execute(
            """
            UPDATE payment_link_send_job_line
               SET state = 'failed', reason = %(reason)s,
                   document_name = COALESCE(document_name, %(model)s || ',' || res_id),
                   write_date = now() at time zone 'UTC'
             WHERE job_id = %(job)s AND state = 'pending'
            """,
            {"reason": reason, "model": self.res_model, "job": self.id},
        )
        self.env["payment.link.send.job.line"].invalidate_model()
        self.failure_reason = reason[:1000]

    def _sender_env(self):
        """The environment of the sender, as on their screen when they clicked Send."""
        self.ensure_one()
        user = self.user_id
        context = {
            "allowed_company_ids": (self.company_id | self.allowed_company_ids).ids,
            "lang": user.lang,
            "tz": user.tz,
        }
        return self.env(user=user.id, su=False, context=context)

    def _send_documents(self, res_ids):
        """Send the documents ``res_ids`` of the job, as its sender, with the rights they have
        now.

        :return: {res_id: (state, reason, link id, document name)}
        """
        self.ensure_one()
        env = self._sender_env()
        documents = env[self.res_model].browse(res_ids)
        existing = documents.exists()
        allowed = existing._filtered_access("write")
        names = {document.id: document.display_name for document in allowed}
        outcomes = {}
        for res_id in res_ids:
            if res_id not in existing._ids:
                outcomes[res_id] = ("skipped", env._("The document was deleted."), False)
            elif res_id not in allowed._ids:
                outcomes[res_id] = (
                    "skipped",
                    env._("You are no longer allowed to send this document."),
                    False,
                )
        if allowed:
            try:
                with self.env.cr.savepoint():
                    result = env["payment.link.send.service"]._send(
                        allowed, self.channel, replace=self.replace, raise_if_none=False
                    )
            except (AccessError, UserError, ValidationError) as error:
                # The sender lost the right to send, or the batch cannot be sent at all:
                # said on each line rather than retried forever.
                reason = str(error.args[0]) if error.args else str(error)
                for document in allowed:
                    outcomes[document.id] = ("failed", reason, False)
            else:
                link_of = {link.res_id: link.id for link in result["links"]}
                for document in allowed:
                    if document.id in link_of:
                        outcomes[document.id] = ("sent", False, link_of[document.id])
                        continue
                    reason = result["refused"].get(document.id) or False
                    # No longer payable (paid, cancelled...) since it was queued: skipped;
                    # a recipient that cannot be reached: refused.
                    state = "skipped" if document._payment_link_refusal() else "failed"
                    outcomes[document.id] = (state, reason, False)
        return {
            res_id: (*outcome, names.get(res_id) or f"{self.res_model},{res_id}")
            for res_id, outcome in outcomes.items()
        }

    @api.model
    def _finish_jobs(self):
        """Finish the jobs that have no pending line left: the result list, the notification.

        Two workers may finish their last batches of a job at the same time: the one that
        marks the job done (one row update, the other waits or fails to serialize) reports.
        """
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT job.id FROM payment_link_send_job job
             WHERE job.date_done IS NULL
               AND NOT EXISTS (
                   SELECT 1 FROM payment_link_send_job_line line
                    WHERE line.job_id = job.id AND line.state = 'pending'
               )
            """
        )
        for (job_id,) in self.env.cr.fetchall():
            try:
                with self.env.cr.savepoint():
                    self.env.cr.execute(
                        """
                        UPDATE payment_link_send_job
                           SET date_done = now() at time zone 'UTC'
                         WHERE id = %s AND date_done IS NULL
                     RETURNING id
                        """,
                        [job_id],
                        log_exceptions=False,
                    )
                    if not self.env.cr.fetchone():
                        continue
            except (psycopg2.errors.SerializationFailure, psycopg2.errors.LockNotAvailable):
                continue  # another worker finished it
            job = self.sudo().browse(job_id)
            job.invalidate_recordset(["date_done"])
            try:
                with self.env.cr.savepoint():
                    job._report()
            except (psycopg2.errors.SerializationFailure, psycopg2.errors.LockNotAvailable):
                raise
            except Exception:
                _logger.warning("background send %s: the report failed", job_id, exc_info=True)
            self._commit_batch()

    def _report(self):
        """Attach the result list and tell the sender (inbox message and a live popup)."""
        self.ensure_one()
        attachment = self.env["ir.attachment"].create(
            {
                "name": self.env._("payment-links-%s.csv", self.id),
                "raw": self._result_csv(),
                "mimetype": "text/csv",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        self.result_attachment_id = attachment
        sender = self.with_context(lang=self.user_id.lang)
        summary = sender.env._(
            "%(name)s: %(sent)s sent, %(failed)s refused, %(skipped)s skipped.",
            name=self.name,
            sent=self.sent_count,
            failed=self.failed_count,
            skipped=self.skipped_count,
        )
        if self.failure_reason:
            summary = f"{summary} {self.failure_reason}"
        self.message_post(
            body=summary,
            partner_ids=self.user_id.partner_id.ids,
            attachment_ids=attachment.ids,
            subtype_xmlid="mail.mt_note",
        )
        self.user_id._bus_send(
            "simple_notification",
            {
                "type": "success" if not self.failed_count else "warning",
                "title": sender.env._("Payment links sent"),
                "message": summary,
                "sticky": True,
            },
        )

    def _result_csv(self):
        """The result per document: its name, what happened, why; the link's reference (never
        its token nor its URL)."""
        self.ensure_one()
        self.env["payment.link.send.job.line"].flush_model()
        self.env.cr.execute(
            """
            SELECT line.document_name, line.state, line.reason, link.name
              FROM payment_link_send_job_line line
              LEFT JOIN payment_link link ON link.id = line.link_id
             WHERE line.job_id = %s
             ORDER BY line.id
            """,
            [self.id],
        )
        states = dict(const.JOB_LINE_STATES)
        output = io.StringIO()
        writer = csv.writer(output)
        writer.writerow(
            map(
                utils.csv_safe_cell,
                [
                    self.env._("Document"),
                    self.env._("Result"),
                    self.env._("Reason"),
                    self.env._("Payment Link"),
                ],
            )
        )
        for document, state, reason, link in self.env.cr.fetchall():
            writer.writerow(
                map(
                    utils.csv_safe_cell,
                    [document or "", states.get(state, state), reason or "", link or ""],
                )
            )
        return output.getvalue().encode()

    # === ACTIONS === #

    def action_download_result(self):
        self.ensure_one()
        if not self.result_attachment_id:
            raise UserError(self.env._("The result is attached once every document is handled."))
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.result_attachment_id.id}?download=true",
            "target": "self",
        }

    def action_refresh(self):
        """The progress, read again (the form's Refresh button)."""
        self.check_access("read")
        return True

    @api.model
    def _action_open(self, job):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": job.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }
