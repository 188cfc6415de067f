# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.http import request

from odoo.addons.web.controllers.report import ReportController


def _read_write(_controller):
    """Report downloads run read-write: one showing a live link issues that PDF's token (a
    function, as Odoo expects when an override changes a route's mode)."""
    return False


class PaymentLinkReportController(ReportController):
    """A PDF downloaded from the back office is a download answer: only there may a document's
    PDF carry a working payment link (see ``payment.link.mixin._paylink_pdf_is_live``);
    every other rendering may be stored and shows the link masked."""

    @http.route(readonly=_read_write)
    def report_routes(self, reportname, docids=None, converter=None, **data):
        request.payment_link_pdf_live = True
        return super().report_routes(reportname, docids=docids, converter=converter, **data)
