# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .. import const


class ResCompany(models.Model):
    _inherit = "res.company"

    # Card on file (see payment.consent).
    payment_consent_text = fields.Text(
        string="Card Consent Text",
        translate=True,
        help="What the customer agrees to when a card is saved for future payments: shown on "
        "the payment page, read on the phone. Empty: the standard text, in the customer's "
        "language. Each change makes a new version; every consent keeps the exact text it was "
        "given for.",
    )
    payment_consent_version = fields.Integer(
        string="Consent Text Version",
        default=1,
        readonly=True,
        help="Raised each time the consent text changes.",
    )
    payment_link_save_card = fields.Selection(
        selection=const.SAVE_CARD_OPTIONS,
        string="Save Card on Link Payments",
        default="off",
        required=True,
        help="Whether the payment page offers the customer to save the card for future payments "
        "(an unticked box, with the consent text).",
    )
    payment_consent_required = fields.Boolean(
        string="Require Consent to Charge a Saved Card",
        default=True,
        help="A saved card is charged by Charge card on file only when the customer's consent "
        "is recorded and not revoked.",
    )
    payment_consent_register_payment = fields.Boolean(
        string="Require Consent on Register Payment",
        default=False,
        help="Odoo's own Register Payment with a saved card also requires the customer's "
        "recorded consent. Off, Odoo's rule applies there: any card the customer saved (through "
        "Odoo's own checkbox too, or before this module was installed) can be charged.",
    )

    def _default_payment_consent_text(self):
        """The standard consent text, in the language of the context (shipped in the
        languages of the addon's translations)."""
        return self.env._(
            "I authorise %(company)s to save my card with its payment provider and to charge it "
            "for the amounts I owe for its services, until I withdraw this consent.",
            company=(self[:1] or self.env.company).name or self.env._("the company"),
        )

    def _payment_consent_text(self, lang=None):
        """The consent text in ``lang`` (the language of the page, or of the customer), else
        in the company's: its own text (as translated), or the standard one."""
        self.ensure_one()
        company = self.with_context(lang=lang) if lang else self
        return company.payment_consent_text or company._default_payment_consent_text()

    def write(self, vals):
        if "payment_consent_text" in vals:
            # A change of text is a new version (in any language).
            changed = self.filtered(
                lambda company: (
                    (company.payment_consent_text or "") != (vals["payment_consent_text"] or "")
                )
            )
            res = super().write(vals)
            for company in changed:
                super(ResCompany, company).write(
                    {"payment_consent_version": company.payment_consent_version + 1}
                )
            return res
        return super().write(vals)

    # === Card requests (payment.card.request) === #

    payment_card_request_reuse_templates = fields.Boolean(
        string="Card Requests Use the Pay-Link Messages",
        help="Send card requests with the payment link's SMS and email templates instead of "
        "the card request's own.",
    )
    payment_card_request_sms_template_id = fields.Many2one(
        comodel_name="sms.template",
        string="Card Request SMS",
        domain=[("model", "=", "payment.link")],
        help="The SMS of a card request (default: Payment Link: card request).",
    )
    payment_card_request_mail_template_id = fields.Many2one(
        comodel_name="mail.template",
        string="Card Request Email",
        domain=[("model", "=", "payment.link")],
        help="The email of a card request (default: Payment Link: card request).",
    )

    def _payment_card_request_templates(self):
        """The card request's own messages of the company: ``{'sms': ..., 'email': ...}``."""
        self.ensure_one()
        return {
            "sms": self.payment_card_request_sms_template_id
            or self.env.ref(const.CARD_REQUEST_TEMPLATES["sms"]),
            "email": self.payment_card_request_mail_template_id
            or self.env.ref(const.CARD_REQUEST_TEMPLATES["email"]),
        }
