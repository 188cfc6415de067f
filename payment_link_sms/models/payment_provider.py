# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from .. import const


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    def _payment_link_csp_sources(self):
        """What the pay page's Content-Security-Policy allows for these providers' own payment
        forms: ``{directive: [source, ...]}`` (``const.PROVIDER_CSP_SOURCES``; a provider
        module with an inline form of its own extends this method).

        :rtype: dict
        """
        sources = {}
        for code in set(self.mapped("code")):
            for directive, values in const.PROVIDER_CSP_SOURCES.get(code, {}).items():
                sources.setdefault(directive, []).extend(values)
        return sources
