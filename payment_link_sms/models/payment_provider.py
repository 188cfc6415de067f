# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    def _payment_link_csp_sources(self):
        """What the pay page's Content-Security-Policy allows for these providers' own payment
        forms: ``{directive: [source, ...]}``. None here: a redirect provider needs nothing;
        a provider bridge with an inline form of its own extends this method (as
        ``payment_link_sms_stripe`` does for Stripe's).

        :rtype: dict
        """
        return {}
