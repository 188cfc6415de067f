# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError


class PaymentLinkApi(models.AbstractModel):
    """Look-ups for remote clients (the ``paylink`` command line, integrations over XML-RPC).

    Everything runs with the caller's rights: a user sees only the documents and links that the
    access rules and the multi-company rules give them.
    """

    _name = "payment.link.api"
    _description = "Payment Link API"

    @api.model
    def _document_models(self):
        """The models whose documents can be paid by link (the types of ``payment.link.mixin``:
        invoices, and those of the installed addons) that the user may read."""
        models_ = self.env.registry.descendants(["payment.link.mixin"], "_inherit")
        return [
            name
            for name in models_
            if not self.env[name]._abstract and self.env[name].has_access("read")
        ]

    @api.model
    def find_document(self, number):
        """Return ``{'model', 'id', 'name', 'default_channel'}`` of the document numbered
        ``number`` (an invoice or order number such as INV/2026/00012 or S00042);
        ``default_channel`` is its company's default channel for links.

        :raise UserError: when no document, or more than one, has that number.
        """
        number = (number or "").strip()
        found = []
        for model in self._document_models():
            Model = self.env[model]
            domain = Model._payment_link_find_domain(number)
            found += [(model, doc) for doc in Model.search(domain, limit=2)]
        if not found:
            raise UserError(self.env._("No invoice or order numbered %s.", number))
        if len(found) > 1:
            raise UserError(
                self.env._("Several documents are numbered %s: use the link reference.", number)
            )
        model, document = found[0]
        return {
            "model": model,
            "id": document.id,
            "name": document.display_name,
            "default_channel": document.company_id.sudo().payment_link_default_channel or "sms",
        }

    @api.model
    def find_link(self, reference):
        """Return the id of the link ``reference`` (a link reference such as PL/2026/00012), or
        of the latest link of the document with that number.

        :raise UserError: when nothing matches or the document has no link.
        """
        reference = (reference or "").strip()
        link = self.env["payment.link"].search([("name", "=", reference)], limit=1)
        if link:
            return link.id
        document = self.find_document(reference)
        link = self.env["payment.link"].search(
            [("res_model", "=", document["model"]), ("res_id", "=", document["id"])], limit=1
        )
        if not link:
            raise UserError(self.env._("%s has no payment link.", document["name"]))
        return link.id

    @api.model
    def link_status(self, reference, events=False):
        """Return the state of the link ``reference`` (see :meth:`find_link`) as a dict: its
        reference, document, state, expiry, channel and delivery, opened and paid dates, amounts,
        masked link (the token's last characters only) and, with ``events``, its audit trail.
        """
        link = self.env["payment.link"].browse(self.find_link(reference))
        return self._link_summary(link, events=events)

    @api.model
    def list_links(self, state=None, since=None, limit=80):
        """Return the summaries of the latest links (newest first), optionally of one state and
        created on or after ``since`` (a date ``YYYY-MM-DD``)."""
        domain = []
        if state:
            states = dict(self.env["payment.link"]._fields["state"].selection)
            if state not in states:
                raise UserError(
                    self.env._(
                        "Unknown state %(state)s (one of: %(states)s).",
                        state=state,
                        states=", ".join(states),
                    )
                )
            domain.append(("state", "=", state))
        if since:
            try:
                since_date = fields.Date.to_date(since)
            except ValueError:
                since_date = None
            if not since_date:
                raise UserError(self.env._("Invalid date %s: use YYYY-MM-DD.", since))
            domain.append(("create_date", ">=", fields.Datetime.to_datetime(since_date)))
        links = self.env["payment.link"].search(domain, limit=limit)
        return [self._link_summary(link) for link in links]

    @api.model
    def _link_summary(self, link, events=False):
        to_string = fields.Datetime.to_string
        kinds = dict(link._fields["kind"]._description_selection(self.env))
        document = link._get_document()
        status = (
            self.env["payment.link.progress"]._status_values(document, link)
            if document and isinstance(document, self.pool["payment.link.mixin"])
            else {}
        )
        summary = {
            "id": link.id,
            "reference": link.name,
            "document": link.document_name,
            "document_model": link.res_model,
            "document_id": link.res_id,
            "partner": link.partner_id.display_name,
            "state": link.state,
            "expiration_date": to_string(link.expiration_date),
            "channel": link.channel,
            "phone": link.phone or False,
            "email": link.email or False,
            "sms_state": link.sms_state or False,
            "email_state": link.email_state or False,
            "delivery_failure_reason": link.delivery_failure_reason or False,
            "sent_date": to_string(link.sent_date) if link.sent_date else False,
            "opened_date": to_string(link.opened_date) if link.opened_date else False,
            "paid_date": to_string(link.paid_date) if link.paid_date else False,
            "amount": link.amount,
            "amount_paid": link.amount_paid,
            "currency": link.currency_id.name,
            "link": link.masked_url,
            # What the user reads on the document (issue 22 items 1 and 3): the kind, the
            # money in words, the state as the document's widget shows it.
            "kind": link.kind,
            "kind_label": kinds.get(link.kind, link.kind),
            "money_state": link.money_state,
            "amount_refunded": link.amount_refunded,
            "status": status.get("state_label") or False,
            "money": status.get("money") or link.money_label or False,
        }
        if events:
            summary["events"] = [
                {
                    "date": to_string(event.date),
                    "event": event.event_type,
                    "channel": event.channel or False,
                    "reason": event.reason or False,
                    "user": event.user_id.display_name or False,
                }
                for event in link.event_ids.sorted("id")
            ]
        return summary
