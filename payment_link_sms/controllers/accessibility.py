# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.http import request
from odoo.tools import consteq

from .portal import PAGE_ROUTE, PaymentLinkPortal


class PaymentLinkAccessibility(PaymentLinkPortal):
    """The accessibility statement of the pay pages, linked from each page's footer."""

    @http.route("/pay/accessibility", methods=["GET"], **PAGE_ROUTE)
    def payment_link_accessibility(self, company=None, signature=None, lang=None, **kwargs):
        """The statement in ``lang`` (the customer's, from the page that links here), of the
        company whose signed id is given; else the standard statement, naming no company."""
        company_sudo = request.env["res.company"].sudo()
        if str(company or "").isdigit() and signature:
            candidate = company_sudo.browse(int(company)).exists()
            if candidate and consteq(
                str(signature), candidate._payment_link_accessibility_signature()
            ):
                company_sudo = candidate
        installed = dict(request.env["res.lang"].get_installed())
        lang = lang if lang in installed else request.env.lang
        request.update_context(lang=lang)
        company_sudo = company_sudo.with_context(lang=lang)
        statement = (
            company_sudo._payment_link_accessibility_statement()
            if company_sudo
            else company_sudo._default_payment_link_accessibility_statement()
        )
        values = {
            "company": company_sudo,
            "statement_paragraphs": [p.strip() for p in statement.split("\n\n") if p.strip()],
            "statement_lang": lang,
        }
        return self._payment_link_render("payment_link_sms.pay_page_accessibility", values)
