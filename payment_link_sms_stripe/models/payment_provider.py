# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from .. import const


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    def _payment_link_csp_sources(self):
        """Override of `payment_link_sms`: Stripe's form loads Stripe.js and its frames."""
        sources = super()._payment_link_csp_sources()
        if "stripe" in self.mapped("code"):
            for directive, values in const.CSP_SOURCES.items():
                sources.setdefault(directive, []).extend(values)
        return sources
