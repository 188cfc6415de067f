# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.tools import SQL

from .. import const


class PaymentLinkSendJobLine(models.Model):
    """One document of a background send, and what happened to it."""

    _name = "payment.link.send.job.line"
    _description = "Payment Link Background Send Line"
    _order = "id"

    job_id = fields.Many2one(
        comodel_name="payment.link.send.job", required=True, ondelete="cascade", index=True
    )
    res_id = fields.Integer(string="Document ID", required=True, readonly=True)
    document_name = fields.Char(string="Document", readonly=True)
    state = fields.Selection(
        selection=const.JOB_LINE_STATES, required=True, default="pending", readonly=True
    )
    reason = fields.Char(readonly=True)
    link_id = fields.Many2one(comodel_name="payment.link", string="Payment Link", readonly=True)

    _sql_constraints = [
        (
            "document_once_per_job",
            "UNIQUE(job_id, res_id)",
            "A document is sent once per background send.",
        ),
    ]

    def init(self):
        # The workers look for the pending lines of a job, oldest first.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS payment_link_send_job_line_pending_idx
                ON payment_link_send_job_line (job_id, id) WHERE state = 'pending'
            """
        )

    def _write_outcomes(self, outcomes):
        """Write what happened to each line's document, in one query, in the transaction
        that sent it (a rerun after a crash sends only what was not committed).

        :param dict outcomes: {res_id: (state, reason, link id, document name)}
        """
        values = SQL(", ").join(
            SQL(
                "(%s, %s, %s, %s::int, %s)",
                line.id,
                outcomes[line.res_id][0],
                outcomes[line.res_id][1] or None,
                outcomes[line.res_id][2] or None,
                outcomes[line.res_id][3],
            )
            for line in self
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE payment_link_send_job_line AS line
                   SET state = row.state, reason = row.reason, link_id = row.link_id,
                       document_name = row.name, write_uid = %s,
                       write_date = now() at time zone 'UTC'
                  FROM (VALUES %s) AS row(id, state, reason, link_id, name)
                 WHERE line.id = row.id
                """,
                self.env.uid,
                values,
            )
        )
        self.invalidate_recordset(["state", "reason", "link_id", "document_name"])
