# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.exceptions import ValidationError
from odoo.http import request

from odoo.addons.payment.controllers.portal import PaymentPortal

PAGE_HEADERS = [
    ("Referrer-Policy", "no-referrer"),
    ("X-Robots-Tag", "noindex, nofollow"),
    ("Cache-Control", "no-store"),
]

# The customer's pages: public, in the website's frame when there is one, never in a sitemap.
PAGE_ROUTE = {"type": "http", "auth": "public", "website": True, "sitemap": False}


class PaymentLinkPortal(PaymentPortal):
    """The customer's side of a payment link: thin routes, the logic is on `payment.link`."""

    def _payment_link_render(self, template, values, status=200):
        response = request.render(template, values, status=status, headers=PAGE_HEADERS)
        return response

    def _payment_link_miss(self):
        """Every unknown, malformed or foreign token gets this same answer."""
        request.env["payment.link.throttle"].sudo()._register_miss(request.httprequest.remote_addr)
        return self._payment_link_render("payment_link_sms.pay_page_not_found", {}, status=404)

    def _payment_link_blocked(self):
        return (
            request.env["payment.link.throttle"].sudo()._is_blocked(request.httprequest.remote_addr)
        )

    @http.route(
        "/pay/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def payment_link_page(self, token, amount=None, **kwargs):
        if self._payment_link_blocked():
            return self._payment_link_render("payment_link_sms.pay_page_throttled", {}, status=429)
        link_sudo = request.env["payment.link"]._get_by_token(token)
        if not link_sudo:
            return self._payment_link_miss()
        # What the company reads (audit, chatter) in its language; the page in the customer's.
        page_state = link_sudo._internal()._get_page_state()
        request.update_context(lang=link_sudo.lang or request.env.lang)
        link_sudo = link_sudo.with_context(lang=link_sudo.lang)
        values = {
            "link": link_sudo,
            "company": link_sudo.company_id,
            "page_state": page_state,
            "document": link_sudo._get_document(),
            "message": link_sudo._get_page_message(page_state),
        }
        if page_state == "paid":
            return self._payment_link_render("payment_link_sms.pay_page_receipt", values)
        if page_state != "payable":
            return self._payment_link_render("payment_link_sms.pay_page_gone", values, status=410)
        link_sudo._internal()._mark_opened(request.httprequest.user_agent.string)
        try:
            pay_amount = link_sudo._check_payment_amount(amount)
        except ValidationError:
            pay_amount = link_sudo._get_amount_due()
        values.update(link_sudo._get_pay_page_values(pay_amount), access_token=token)
        return self._payment_link_render("payment_link_sms.pay_page", values)

    @http.route("/pay/transaction", type="json", auth="public")
    def payment_link_transaction(self, access_token, amount=None, **kwargs):
        """Create the transaction of a payment through a link; the amount comes from the server.

        :param str access_token: The link's token (sent in the request body, not in the URL).
        :param str amount: The amount shown on the page: accepted only if it is still the
                           amount due (or an allowed partial amount).
        """
        link_sudo = request.env["payment.link"]._get_by_token(access_token)
        if not link_sudo:
            raise ValidationError(request.env._("This payment link is not valid."))
        page_state = link_sudo._internal()._get_page_state()
        link_sudo = link_sudo.with_context(lang=link_sudo.lang)
        if page_state != "payable":
            raise ValidationError(link_sudo._get_page_message(page_state))
        pay_amount = link_sudo._check_payment_amount(amount)
        link_sudo._lock_for_payment()
        self._validate_transaction_kwargs(kwargs)
        kwargs.update(
            landing_route=link_sudo._get_landing_route(),
            is_validation=False,
            tokenization_requested=False,
        )
        tx_sudo = self._create_transaction(
            amount=pay_amount,
            currency_id=link_sudo.currency_id.id,
            partner_id=link_sudo.partner_id.id,
            custom_create_values={
                **link_sudo._get_document()._payment_link_transaction_values(),
                "payment_link_id": link_sudo.id,
            },
            **kwargs,
        )
        link_sudo._log_events(
            "payment_started", transaction_id=tx_sudo.id, reason=tx_sudo.provider_id.name
        )
        return tx_sudo._get_processing_values()

    @http.route(
        "/pay/done/<int:link_id>",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def payment_link_done(self, link_id, access_token=None, **kwargs):
        """Where the customer lands after paying: the receipt, or what happened."""
        link_sudo = request.env["payment.link"].sudo().browse(link_id).exists()
        if not link_sudo or not link_sudo._check_landing_token(access_token):
            return self._payment_link_miss()
        request.update_context(lang=link_sudo.lang or request.env.lang)
        link_sudo = link_sudo.with_context(lang=link_sudo.lang)
        last_tx = link_sudo.transaction_ids[:1]
        values = {
            "link": link_sudo,
            "company": link_sudo.company_id,
            "transaction": last_tx,
            "document": link_sudo._get_document(),
        }
        if link_sudo.state == "paid":
            return self._payment_link_render("payment_link_sms.pay_page_receipt", values)
        return self._payment_link_render("payment_link_sms.pay_page_status", values)

    @http.route("/pay/retry/<int:link_id>", methods=["POST"], **PAGE_ROUTE)
    def payment_link_retry(self, link_id, access_token=None, **kwargs):
        """ "Try again" on the failure page: back to the link's page for a new attempt.

        The link's own token is not stored (only its hash), so the page is reached through a
        new token of the link, issued to whoever holds the landing page's access token (the
        browser that just tried to pay). POST only, with Odoo's CSRF token: a link previewer
        or a prefetch issues nothing.
        """
        link_sudo = request.env["payment.link"].sudo().browse(link_id).exists()
        if not link_sudo or not link_sudo._check_landing_token(access_token):
            return self._payment_link_miss()
        if link_sudo._internal()._get_page_state() != "payable":
            # Paid meanwhile, expired, cancelled: the landing page says which.
            return request.redirect(link_sudo._get_landing_route(), code=303)
        url = link_sudo._issue_tokens("retry")[link_sudo.id]
        return request.redirect(url, code=303, local=True)
