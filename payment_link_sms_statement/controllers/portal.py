# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from werkzeug.urls import url_quote

from odoo import http
from odoo.exceptions import ValidationError
from odoo.http import request

from odoo.addons.payment_link_sms.controllers.portal import PAGE_ROUTE, PaymentLinkPortal


class StatementPortal(PaymentLinkPortal):
    @http.route("/pay/statement/choose", methods=["POST"], **PAGE_ROUTE)
    def payment_link_statement_choose(self, access_token=None, **kwargs):
        """The invoices a customer ticks on a statement's page (a form posted with Odoo's CSRF
        token, the link's token in the body): recorded on the statement, then back to the
        page, whose amount the server computes from them.

        :param str access_token: The link's token.
        """
        link_sudo = request.env["payment.link.token"]._find_link(access_token)
        if not link_sudo:
            return self._payment_link_miss()
        page = f"/pay/{url_quote(access_token, safe='')}"
        # This route is the statement page's own form: another document's link is sent back.
        document = link_sudo._get_document()
        if (
            link_sudo.res_model != "payment.link.statement"
            or link_sudo._with_company_lang()._refresh_page_state() != "payable"
        ):
            return request.redirect(page, code=303, local=True)
        try:
            ids = [int(value) for value in request.httprequest.form.getlist("invoice_ids")]
        except ValueError:
            ids = []
        try:
            document.with_context(lang=link_sudo.lang)._statement_choose(ids)
        except ValidationError:
            return request.redirect(f"{page}?choice=empty", code=303, local=True)
        return request.redirect(page, code=303, local=True)
