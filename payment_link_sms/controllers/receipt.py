# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import psycopg2

from odoo import http
from odoo.http import request
from odoo.tools import mute_logger

from odoo.addons.payment.controllers.post_processing import PaymentPostProcessing

from .. import const
from .portal import PAGE_ROUTE, PaymentLinkPortal


class PaymentLinkReceipt(PaymentLinkPortal):
    """The pages after a payment through a link: the landing page (which finishes the
    payment's processing, as Odoo's status page does) and the receipt page whose address the
    customer's receipt carries (see ``payment.transaction._payment_link_send_receipts``)."""

    @http.route()
    def payment_link_done(self, link_id, access_token=None, **kwargs):
        # The customer comes here straight from the payment form (never through Odoo's
        # /payment/status page): Odoo's post-processing of the payment (its accounting
        # payment, the receipt) is done here, as that page's poll does; the cron does it
        # later if it cannot be done now.
        link_sudo = self._payment_link_landing(link_id, access_token)
        tx_sudo = link_sudo.transaction_ids[:1]
        if tx_sudo.state == "done" and not tx_sudo.is_post_processed:
            try:
                with mute_logger("odoo.sql_db"), request.env.cr.savepoint():
                    tx_sudo._post_process()
            except psycopg2.OperationalError:
                pass  # another worker post-processes it at the same time
        return super().payment_link_done(link_id, access_token=access_token, **kwargs)

    @http.route("/pay/done/<int:link_id>/receipt", methods=["GET"], **PAGE_ROUTE)
    def payment_link_receipt(self, link_id, access_token=None, **kwargs):
        """The payments made through the link, and its document's PDF once it is paid.

        The token is signed for this page only (``payment.link._payment_link_receipt_token``):
        it opens neither the landing page nor "Try again" (no new token to pay the rest).
        """
        link_sudo = self._payment_link_landing(link_id, access_token, view="receipt")
        payments_sudo = link_sudo and link_sudo.transaction_ids._payment_link_payments()
        if not payments_sudo:
            return self._payment_link_miss()
        values = {
            "link": link_sudo,
            "company": link_sudo.company_id,
            "document": link_sudo._get_document(),
            "payments": payments_sudo.sorted("id"),
            "landing_access_token": False,
        }
        return self._payment_link_render("payment_link_sms.pay_page_payment_receipt", values)


class PaymentLinkPostProcessing(PaymentPostProcessing):
    @http.route()
    def display_status(self, **kwargs):
        """A payment through a link lands on the link's own page, not on Odoo's status page
        (the website's layout, fonts and analytics, outside the pages' security policy)."""
        tx_sudo = self._get_monitored_transaction()
        landing_route = tx_sudo.payment_link_id and tx_sudo.landing_route or ""
        if landing_route.startswith(f"{const.ROUTE_PREFIX}done/"):
            return request.redirect(landing_route, code=303, local=True)
        return super().display_status(**kwargs)
