# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _hook_invoice_document_before_pdf_report_render(self, invoice, invoice_data):
        """Sending with a "Pay now" template: make the link live before the PDF is rendered,
        so that the PDF (company option) and the email carry the same link."""
        res = super()._hook_invoice_document_before_pdf_report_render(invoice, invoice_data)
        template = invoice_data.get("mail_template")
        if (
            template
            and invoice.company_id.payment_link_on_invoice_pdf
            and template.payment_link_in_body
        ):
            invoice._paylink_ensure_live()
        return res
