# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.exceptions import ValidationError
from odoo.http import request

from .. import const
from .portal import PaymentLinkPortal


class PaymentLinkProgress(PaymentLinkPortal):
    """The pay page's own steps (method chosen, details being entered, 3-D Secure, page left),
    for the agent's live view of the customer's progress."""

    @http.route("/pay/progress", type="json", auth="public", methods=["POST"])
    def payment_link_progress(self, access_token=None, step=None):
        """Record a step of the customer on the pay page.

        Only a step name of ``const.PAGE_STEPS`` is accepted, and nothing else is read nor
        stored (never anything the customer typed). The token is checked as the pay page
        checks it (its misses counted and throttled alike); each link accepts at most
        ``const.PAGE_STEP_LIMIT`` steps per client network and window.

        :param str access_token: The link's token (in the request body, not in the URL).
        :param str step: One of ``const.PAGE_STEPS``.
        """
        link_sudo = request.env["payment.link.token"]._find_link(access_token)
        if not link_sudo:
            return self._payment_link_miss(json=True)
        if step not in const.PAGE_STEPS:
            raise ValidationError(request.env._("This step is not known."))
        Throttle = request.env["payment.link.throttle"].sudo()
        address = request.httprequest.remote_addr
        scope = f"progress:{link_sudo.id}"
        if Throttle._is_blocked(address, scope=scope, limit=const.PAGE_STEP_LIMIT):
            raise ValidationError(request.env._("Too many attempts: please wait a few minutes."))
        Throttle._register_miss(address, scope=scope)
        link_sudo._with_company_lang()._log_page_step(
            step, user_agent=request.httprequest.user_agent.string
        )
        return {}
