# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import secrets

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.fields import Command
from odoo.tools import is_html_empty

from .. import const


class MailTemplate(models.Model):
    _inherit = "mail.template"

    payment_link_in_body = fields.Boolean(
        string="Carries a Payment Link",
        help="The body has a payment link (object._payment_link_mail_url()): sending an invoice "
        "with this template makes its link live before the invoice PDF is rendered, so that "
        "the PDF and the email carry the same link.",
    )

    # === Sending payment links' emails (payment.link.send.service) === #

    def _payment_link_queue_emails(self, links):
        """Queue the emails of this template for the payment ``links`` in Odoo's light layout
        (for the sending service, ``payment.link.send.service``).

        The same emails as ``template.send_mail_batch(ids, email_layout_xmlid=LAYOUT)``, made
        cheaper for a batch: the layout is rendered once per language and company, with
        random marks where the email's body, the link's reference and the preview go, and each
        email's own parts are put in place of the marks (the reference and the preview
        escaped, the body as rendered by the template). The layout sees no link (``record`` is
        empty): nothing of one recipient's link can reach another's email. As in Odoo's mass
        mail composer, the message keeps the bare body (``body``, sanitised) and the outgoing
        email the body in its layout (``body_html``): the sanitiser reads the body once, not
        the whole layout. A template with attachments or reports, or a layout that does not
        show the marks once each, goes through ``send_mail_batch``.

        :param links: ``payment.link`` records; the template reads their URLs
                      (``payment.link.send.service._with_urls``).
        :return: The queued ``mail.mail`` (sudoed), their ``payment_link_id`` set.
        """
        self.ensure_one()
        template = self
        layout_xmlid = const.EMAIL_LAYOUT
        if template.attachment_ids or template.report_template_ids:
            return template.send_mail_batch(links.ids, email_layout_xmlid=layout_xmlid)
        template._send_check_access(links.ids)
        values_by_id = template._generate_template(links.ids, const.EMAIL_TEMPLATE_FIELDS)
        langs = template._render_lang(links.ids) if template.lang else {}
        # As send_mail_batch reads them: with the (sudoed) template's rights.
        companies = links.sudo()._mail_get_companies(default=self.env.company)
        layouts = {}
        values_list = []
        for link in links:
            values = values_by_id[link.id]
            lang, company = langs.get(link.id) or False, companies.get(link.id) or self.env.company
            if (lang, company) not in layouts:
                layouts[(lang, company)] = self._payment_link_render_layout(
                    layout_xmlid, lang, company
                )
            layout = layouts[(lang, company)]
            if not layout:
                return template.send_mail_batch(links.ids, email_layout_xmlid=layout_xmlid)
            body = values["body_html"] or ""
            values["body_html"] = layout(body, link.display_name)
            values["body"] = body
            values["recipient_ids"] = [Command.link(pid) for pid in values.get("partner_ids") or []]
            values["payment_link_id"] = link.id
            if not values.get("email_from"):
                values.pop("email_from", None)
            values_list.append(values)
        return self.env["mail.mail"].sudo().create(values_list)

    @api.model
    def _payment_link_render_layout(self, layout_xmlid, lang, company):
        """Render ``layout_xmlid`` once for emails of ``lang`` and ``company`` (see
        ``_payment_link_queue_emails``), with the values ``mail.template.send_mail_batch`` gives it.

        :return: ``wrap(body, record_name) -> str``, the email in its layout; or None when
                 the layout does not show the body, the reference and the preview once each.
        """
        body_mark, name_mark = f"plb{secrets.token_hex(16)}", f"pln{secrets.token_hex(16)}"
        Message = self.env["mail.message"].sudo()
        model = self.env["ir.model"].sudo()._get("payment.link")
        model_lang = model.with_context(lang=lang) if lang else model
        html = model_lang.env["ir.qweb"]._render(
            layout_xmlid,
            {
                "message": Message.new({"body": Markup(body_mark), "record_name": name_mark}),
                "subtype": self.env["mail.message.subtype"].sudo(),
                "model_description": model_lang.display_name,
                "record": self.env["payment.link"],  # no link: the layout is shared by a group
                "record_name": False,
                "subtitles": False,
                "company": company,
                "email_add_signature": False,
                "signature": "",
                "website_url": "",
                "is_html_empty": is_html_empty,
            },
            minimal_qcontext=True,
            raise_if_not_found=False,
        )
        render_mixin = self.env["mail.render.mixin"]
        html = str(render_mixin._replace_local_links(html or ""))
        # The preview (the body's text) comes first, then the body.
        preview_head, body_head, tail = (html.split(body_mark) + [None, None])[:3]
        if tail is None or body_mark in tail or html.count(name_mark) != 1:
            return None

        def wrap(body, record_name):
            # Plain strings joined, the escaping done here once (a str added to a Markup
            # would be escaped again).
            name = str(escape((record_name or "").replace("/", "-")))
            preview = str(escape(Message.new({"body": body}).preview or ""))
            return Markup(
                "".join(
                    (
                        preview_head.replace(name_mark, name),
                        preview,
                        body_head.replace(name_mark, name),
                        str(render_mixin._replace_local_links(body)),
                        tail.replace(name_mark, name),
                    )
                )
            )

        return wrap
