# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import UserError


class PaymentLinkApi(models.AbstractModel):
    """The desk's entry points for remote clients (``paylink request``, integrations over
    XML-RPC), with the caller's rights."""

    _inherit = "payment.link.api"

    # === Desk payment requests === #

    @api.model
    def create_request(
        self,
        partner,
        amount,
        currency=None,
        reference=None,
        explanation=None,
        queue=None,
        channel=None,
    ):
        """Create a desk payment request and send its link (``paylink request``): the names a
        person types resolved to ids, then ``payment.link.create_payment_request``.

        :param partner: The client's id, or a name matching one contact.
        :param str currency: A currency code (EUR); default the company's.
        :param str queue: A queue's name or id; default the user's only queue.
        :return: What ``create_payment_request`` returns, and the link's summary (``link``).
        """
        # The rights first: the look-ups below answer "no client named..." to anyone.
        self.env["payment.link"]._ensure_manage_rights()
        self.env["payment.request"].check_access("create")
        values = {
            "partner_id": self._find_named(
                self.env["res.partner"],
                partner,
                self.env._("No client named %s."),
                self.env._("Several clients are named %s: use the client's id."),
            ),
            "amount": amount,
            "reference": reference or False,
            "explanation": explanation or False,
            "channel": channel or False,
        }
        if currency:
            found = self.env["res.currency"].search([("name", "=ilike", currency.strip())])
            if not found:
                raise UserError(self.env._("Unknown or inactive currency %s.", currency))
            values["currency_id"] = found.id
        if queue:
            # Every queue of the company by name: a queue the user is not a member of is
            # refused with that reason by create_payment_request.
            queues = self.env["payment.link.queue"].sudo().with_context(active_test=False)
            values["queue_id"] = self._find_named(
                queues,
                queue,
                self.env._("No payment queue named %s."),
                self.env._("Several payment queues are named %s: use the queue's id."),
                domain=[("company_id", "=", self.env.company.id)],
            )
        answer = self.env["payment.link"].create_payment_request(values)
        link = self.env["payment.link"].browse(answer["link_id"])
        return {**answer, "link": self._link_summary(link)}

    @api.model
    def _find_named(self, records, name_or_id, none_message, several_message, domain=None):
        """The id of the record of ``records``' model with that id, or that (exact, else
        partial) name.

        :raise UserError: ``none_message`` or ``several_message`` (with the name).
        """
        text = str(name_or_id or "").strip()
        domain = domain or []
        if text.isdigit():
            found = records.search([("id", "=", int(text)), *domain])
            if found:
                return found.id
        found = records.search([("name", "=ilike", text), *domain], limit=2) if text else records
        if not found and text:
            found = records.search([("name", "ilike", text), *domain], limit=2)
        if not found:
            raise UserError(none_message % text)
        if len(found) > 1:
            raise UserError(several_message % text)
        return found.id
