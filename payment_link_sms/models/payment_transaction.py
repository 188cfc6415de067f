# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import SUPERUSER_ID, fields, models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    payment_link_id = fields.Many2one(
        comodel_name="payment.link",
        string="Payment Link",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )

    def _set_pending(self, state_message=None, **kwargs):
        txs = super()._set_pending(state_message=state_message, **kwargs)
        txs._payment_link_log("payment_pending")
        return txs

    def _set_done(self, state_message=None, **kwargs):
        txs = super()._set_done(state_message=state_message, **kwargs)
        for tx in txs.filtered("payment_link_id"):
            tx.payment_link_id._mark_paid(transaction=tx)
        return txs

    def _set_canceled(self, state_message=None, **kwargs):
        txs = super()._set_canceled(state_message=state_message, **kwargs)
        txs._payment_link_failed()
        return txs

    def _set_error(self, state_message, **kwargs):
        txs = super()._set_error(state_message, **kwargs)
        txs._payment_link_failed()
        return txs

    def _log_received_message(self):
        # A link's payment done, failed or cancelled: the link posts the stage's one message
        # on the document (see payment.link._notify); pending keeps Odoo's.
        own = self.filtered(
            lambda tx: tx.payment_link_id and tx.state in ("done", "error", "cancel")
        )
        return super(PaymentTransaction, self - own)._log_received_message()

    def _log_message_on_linked_documents(self, message):
        # By the system (OdooBot), not by the customer or the public user of the pay page.
        tx = self.with_user(SUPERUSER_ID) if self.payment_link_id else self
        return super(PaymentTransaction, tx)._log_message_on_linked_documents(message)

    def _payment_link_log(self, event_type, reason=False):
        for tx in self.filtered("payment_link_id"):
            tx.payment_link_id._log_events(
                event_type, transaction_id=tx.id, reason=reason or tx.state_message or False
            )

    def _payment_link_failed(self):
        """A failed or cancelled payment leaves the link usable; the reason is recorded."""
        for tx in self.filtered(lambda t: t.payment_link_id and t.operation != "refund"):
            reason = (
                tx.state_message
                or dict(tx._fields["state"]._description_selection(tx.env))[tx.state]
            )
            tx.payment_link_id._log_events("payment_failed", transaction_id=tx.id, reason=reason)
            if not tx.env.context.get("payment_link_replaced_attempt"):
                tx.payment_link_id._notify("payment_failed", reason=reason)

    def _payment_link_replaceable(self):
        """Return the attempts of ``self`` that a new payment on the same link replaces.

        By default, those never confirmed (draft). A provider bridge adds the failed attempts
        that its provider lets the customer retry (Stripe keeps a declined PaymentIntent open for
        another card), so that they are aborted too.
        """
        return self.filtered(lambda tx: tx.state == "draft")

    def _payment_link_abort(self):
        """Cancel payment attempts replaced by a newer one on the same link.

        Providers that create a payment at their end before the customer confirms (Stripe's
        PaymentIntent) override this to cancel it there too, so that the abandoned attempt can
        never be charged.
        """
        self._set_canceled(
            state_message=self.env._("Replaced by a newer payment attempt"),
            extra_allowed_states=("error",),
        )
