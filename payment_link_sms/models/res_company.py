# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib

from werkzeug.urls import url_encode

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import hmac
from odoo.tools.misc import limited_field_access_token

from .. import const, utils


class ResCompany(models.Model):
    _inherit = "res.company"

    payment_link_validity_days = fields.Integer(
        string="Payment Link Validity (days)",
        default=const.DEFAULT_VALIDITY_DAYS,
        help="Number of days a payment link can be used before it expires.",
    )
    payment_link_default_channel = fields.Selection(
        selection=const.CHANNELS,
        string="Default Payment Link Channel",
        default=const.DEFAULT_CHANNEL,
        required=True,
    )
    payment_link_allow_partial = fields.Boolean(
        string="Allow Partial Payment by Link",
        help="Let the customer choose to pay less than the amount due on the payment page.",
    )
    payment_link_allow_test_providers = fields.Boolean(
        string="Accept Test Payments on Links",
        help="Offer payment providers in test mode on the payment page. A test card then marks "
        "a real document paid: for trials and demonstrations only.",
    )
    payment_link_show_logo = fields.Boolean(
        string="Show Company Logo on Pay Page",
        default=True,
    )
    payment_link_legal_url = fields.Char(string="Legal Notice URL")
    payment_link_privacy_url = fields.Char(string="Privacy Policy URL")
    payment_link_accessibility_statement = fields.Text(
        string="Accessibility Statement",
        translate=True,
        help="The accessibility statement of the payment pages (/pay/accessibility), in "
        "paragraphs separated by an empty line. Empty, the standard text is shown, in the "
        "customer's language.",
    )
    payment_link_on_invoice_pdf = fields.Boolean(
        string="Show Payment Link on Invoice PDF",
        help="While a payment link is live, the invoice PDF shows its short URL and a QR code; "
        "a paid invoice shows Paid.",
    )
    payment_link_reminder_days = fields.Integer(
        string="Reminder Before Expiry (days)",
        default=0,
        help="Send one reminder, on the link's channel, this many days before a link expires "
        "unpaid. 0 means no reminder.",
    )
    payment_link_notify_salesperson = fields.Boolean(
        string="Notify the Salesperson",
        default=True,
        help="The document's salesperson is notified when a link is opened, paid or fails.",
    )
    payment_link_send_receipt = fields.Boolean(
        string="Send a Receipt",
        default=True,
        help="Once a customer paid through a link, send them a receipt on the link's channel: "
        "the amount, the document and the address of the receipt page (by email, with the "
        "document's PDF when it can be made).",
    )
    payment_link_charge_notice = fields.Boolean(
        string="Tell the Customer of a Card Charge",
        default=True,
        help="When a card on file is charged, tell the customer on the card's channel: the "
        "amount, the card (brand and last 4 digits) and the document.",
    )
    payment_link_notify_sender = fields.Boolean(
        string="Notify the Sender",
        default=True,
        help="The user who sent the link is notified when it is opened, paid or fails.",
    )
    payment_link_notify_user_ids = fields.Many2many(
        comodel_name="res.users",
        relation="res_company_payment_link_notify_user_rel",
        string="Also Notify",
        domain=[("share", "=", False)],
        help="Other users notified when a payment link is opened, paid or fails.",
    )

    @api.constrains("payment_link_validity_days")
    def _check_payment_link_validity_days(self):
        for company in self:
            days = company.payment_link_validity_days
            if not const.MIN_VALIDITY_DAYS <= days <= const.MAX_VALIDITY_DAYS:
                raise ValidationError(
                    self.env._(
                        "The payment link validity of %(company)s must be between %(min)s and "
                        "%(max)s days (got %(days)s).",
                        company=company.name,
                        min=const.MIN_VALIDITY_DAYS,
                        max=const.MAX_VALIDITY_DAYS,
                        days=days,
                    )
                )

    @api.constrains("payment_link_reminder_days", "payment_link_validity_days")
    def _check_payment_link_reminder_days(self):
        for company in self:
            days = company.payment_link_reminder_days
            if days < 0 or (days and days >= company.payment_link_validity_days):
                raise ValidationError(
                    self.env._(
                        "The payment link reminder of %(company)s must be sent between 1 and "
                        "%(max)s days before expiry, or be 0 to send none (got %(days)s).",
                        company=company.name,
                        max=company.payment_link_validity_days - 1,
                        days=days,
                    )
                )

    def _payment_link_page_url(self, field_name):
        """A web address of the company for the pay pages: only an http(s) URL, else False.

        The company's website is free text in Odoo (``javascript:`` is accepted); the legal
        URLs are checked when written, and checked again here for what was stored before.
        """
        self.ensure_one()
        value = (self[field_name] or "").strip()
        return value if utils.is_http_url(value) else False

    def _default_payment_link_accessibility_statement(self):
        """The standard accessibility statement of the payment pages, in the context's
        language: the standard met, how it is checked, the known limits."""
        return "\n\n".join(
            [
                self.env._(
                    "These payment pages are designed to meet the Web Content Accessibility "
                    "Guidelines (WCAG) 2.2 at level AA, the standard of EN 301 549 and of the "
                    "European Accessibility Act."
                ),
                self.env._(
                    "On every change, each page (payment, receipt, failure, expired link) is "
                    "checked automatically with axe-core against the WCAG 2.0, 2.1 and 2.2 "
                    "rules of levels A and AA, on a phone and a computer screen, in several "
                    "languages; a payment is made with the keyboard only, from the link to "
                    "the receipt. The pages work zoomed to 200 per cent and on a screen 320 "
                    "pixels wide."
                ),
                self.env._(
                    "Known limits: the card fields and your bank's security check (3-D Secure) "
                    "may be shown by the payment provider in its own frame, which it is "
                    "responsible for. A PDF document may not be fully readable by a screen "
                    "reader: the receipt is also available as a web page."
                ),
            ]
        )

    def _payment_link_accessibility_statement(self):
        """The accessibility statement, in the context's language: the company's own text, else
        the standard one."""
        self.ensure_one()
        return (
            self.payment_link_accessibility_statement
            or self._default_payment_link_accessibility_statement()
        )

    def _payment_link_accessibility_url(self, lang=None):
        """The accessibility statement's address, for the footer of the pay pages: the
        company's (signed: the page names a company only to whom a page of it was shown) in
        ``lang``; without a company, the standard statement."""
        params = {}
        if self:
            self.ensure_one()
            params.update(company=self.id, signature=self._payment_link_accessibility_signature())
        if lang:
            params["lang"] = lang
        return "/pay/accessibility" + (f"?{url_encode(params)}" if params else "")

    def _payment_link_accessibility_signature(self):
        self.ensure_one()
        return hmac(self.env(su=True), "payment_link_sms.accessibility", self.id)[:24]

    def _payment_link_brand_button_colours(self):
        """The company's brand colour for the pay pages' buttons, with a text colour that reads
        on it (black or white, at least 4.5:1): ``(background, text)``, or None without a valid
        brand colour."""
        self.ensure_one()
        text = utils.readable_text_colour(self.primary_color)
        if not text:
            return None
        return "#%02x%02x%02x" % utils.parse_hex_colour(self.primary_color), text

    def _payment_link_logo_url(self):
        """The company's logo on the pay pages, at the size a phone shows it, through Odoo's
        image route: resized, with Odoo's limited field access token (any company's logo, to
        the public user) and a ``unique`` of its last change (cached by the phone for a year,
        a new logo a new URL)."""
        self.ensure_one()
        return "/web/image/res.company/%s/logo/%sx0?%s" % (
            self.id,
            const.PAY_PAGE_LOGO_WIDTH,
            url_encode(
                {
                    "access_token": limited_field_access_token(self, "logo"),
                    "unique": hashlib.sha1(str(self.sudo().write_date).encode()).hexdigest()[:8],
                }
            ),
        )

    @api.constrains("payment_link_legal_url", "payment_link_privacy_url")
    def _check_payment_link_urls(self):
        labels = {
            "payment_link_legal_url": self.env._("legal notice URL"),
            "payment_link_privacy_url": self.env._("privacy policy URL"),
        }
        for company in self:
            for field_name, label in labels.items():
                value = company[field_name]
                if value and not utils.is_http_url(value):
                    raise ValidationError(
                        self.env._(
                            "The %(label)s of %(company)s must be a web address starting with "
                            "http:// or https:// (got %(value)s).",
                            label=label,
                            company=company.name,
                            value=value,
                        )
                    )
