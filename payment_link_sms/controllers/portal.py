# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields, http
from odoo.exceptions import ValidationError
from odoo.http import request
from odoo.tools import consteq, hmac

from odoo.addons.payment.controllers.portal import PaymentPortal

from .. import const, utils

PAGE_HEADERS = [
    ("Referrer-Policy", "no-referrer"),
    ("X-Robots-Tag", "noindex, nofollow"),
    ("Cache-Control", "no-store"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
]

# The customer's pages: public, in the website's frame when there is one, never in a sitemap.
PAGE_ROUTE = {"type": "http", "auth": "public", "website": True, "sitemap": False}


class PaymentLinkPortal(PaymentPortal):
    """The customer's side of a payment link: thin routes, the logic is on `payment.link`."""

    def _payment_link_render(self, template, values, status=200):
        link_sudo = values.get("link")
        if link_sudo:
            # The landing page's signed routes (receipt PDF / HTML, "Try again").
            values.setdefault(
                "landing_route_of",
                lambda view=None: self._payment_link_landing_route(link_sudo, view),
            )
            values.setdefault("landing_access_token", self._payment_link_landing_token(link_sudo))
        response = request.render(template, values, status=status, headers=PAGE_HEADERS)
        # Rendered now, to allow exactly the inline scripts of Odoo's own layout (see utils).
        response.flatten()
        return self._payment_link_secure(response, values.get("providers_sudo"))

    def _payment_link_secure(self, response, providers=None):
        """Set the pay pages' Content-Security-Policy: our, Odoo's and the providers' scripts
        only, and no framing."""
        providers = providers or request.env["payment.provider"].sudo()
        response.headers["Content-Security-Policy"] = utils.content_security_policy(
            response.get_data(as_text=True), providers._payment_link_csp_sources()
        )
        return response

    def _payment_link_miss(self, json=False):
        """Every unknown, malformed or foreign token gets this same answer, on every route.

        Misses are counted per client network; once an address missed too often, its misses
        (and only them: a valid token is always served) answer 429 for the window.
        """
        Throttle = request.env["payment.link.throttle"].sudo()
        address = request.httprequest.remote_addr
        blocked = Throttle._record_miss(address)
        if json:
            if not blocked:
                # The JSON error rolls the request back: the miss must be kept all the same.
                request.env.cr.commit()  # pylint: disable=invalid-commit
            raise ValidationError(
                request.env._("Too many attempts: please wait a few minutes.")
                if blocked
                else request.env._("This payment link is not valid.")
            )
        if blocked:
            return self._payment_link_render("payment_link_sms.pay_page_throttled", {}, status=429)
        return self._payment_link_render("payment_link_sms.pay_page_not_found", {}, status=404)

    @classmethod
    def _payment_link_landing_route(cls, link_sudo, view=None):
        """The landing page after a payment through ``link_sudo``, or its receipt (``view``
        'pdf' or 'html').

        Its access token is signed for this link and this view, and dies after
        ``const.LANDING_TOKEN_HOURS`` hours; it is masked in logs like the link's token.
        """
        link_sudo.ensure_one()
        path = f"{const.ROUTE_PREFIX}done/{link_sudo.id}" + (f"/{view}" if view else "")
        return f"{path}?access_token={cls._payment_link_landing_token(link_sudo, view)}"

    @staticmethod
    def _payment_link_landing_token(link_sudo, view=None, expires=None):
        expires = expires or int(
            (fields.Datetime.now() + timedelta(hours=const.LANDING_TOKEN_HOURS)).timestamp()
        )
        signature = hmac(
            link_sudo.env(su=True),
            "payment_link_sms.landing",
            (link_sudo.id, view or "page", expires),
        )
        return f"{expires}-{signature}"

    @classmethod
    def _payment_link_verify_landing_token(cls, link_sudo, access_token, view=None):
        """Whether ``access_token`` opens the link's landing page (or receipt ``view``) now."""
        expires, _sep, signature = str(access_token or "").partition("-")
        if not expires.isdigit() or len(expires) > 12 or not signature:
            return False
        expected = cls._payment_link_landing_token(link_sudo, view, expires=int(expires))
        valid = consteq(expected, str(access_token))
        return valid and int(expires) > fields.Datetime.now().timestamp()

    @staticmethod
    def _payment_link_payment_options(link_sudo, amount):
        """The providers and payment methods the pay page offers for ``amount``.

        Odoo's compatibility rules for the link's company, customer, currency and amount
        (enabled or test providers, published ones for portal and public users), less the
        providers in test mode unless the company accepts test payments on links.

        :return: ``(providers_sudo, payment_methods_sudo, availability_report)``
        """
        partner, company = link_sudo.partner_id, link_sudo.company_id
        currency = link_sudo.currency_id
        report = {}
        # A card request saves a card without paying (Odoo's validation operation, in the
        # provider's currency); a payment whose sender recorded the consent must save it.
        validation = link_sudo._is_validation()
        force_tokenization = validation or link_sudo._payment_link_save_card_mode() == "required"
        providers_sudo = (
            link_sudo.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                company.id,
                partner.id,
                amount,
                currency_id=None if validation else currency.id,
                force_tokenization=force_tokenization,
                is_validation=validation,
                report=report,
            )
        )
        if not company.payment_link_allow_test_providers:
            providers_sudo = providers_sudo.filtered(lambda provider: provider.state == "enabled")
        payment_methods_sudo = (
            link_sudo.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(
                providers_sudo.ids,
                partner.id,
                currency_id=None if validation else currency.id,
                force_tokenization=force_tokenization,
                report=report,
            )
        )
        return providers_sudo, payment_methods_sudo, report

    def _payment_link_validate_choice(
        self, link_sudo, amount, provider_id, payment_method_id, flow, token_id
    ):
        """Accept only a provider and a payment method that the page offers for this link.

        :raise ValidationError: For a saved card (``flow=token``), or a provider or payment
                                method the page does not offer (unpublished, disabled, in test
                                mode, another company's...).
        """
        if flow not in ("direct", "redirect") or token_id:
            raise ValidationError(
                link_sudo.env._(
                    "Saved payment methods cannot be used through a payment link: please enter "
                    "your payment details."
                )
            )
        providers_sudo, payment_methods_sudo, _report = self._payment_link_payment_options(
            link_sudo, amount
        )
        provider_sudo = providers_sudo.filtered(lambda provider: provider.id == provider_id)
        method_sudo = payment_methods_sudo.filtered(
            lambda method: method.id == payment_method_id and provider_sudo in method.provider_ids
        )
        if not provider_sudo or not method_sudo:
            raise ValidationError(
                link_sudo.env._(
                    "This payment method is not available for this payment: please reload the "
                    "page and choose one of those offered."
                )
            )

    def _payment_link_page_values(self, link_sudo, amount):
        """Rendering values of the pay page (as Odoo's ``payment_pay`` builds them): the
        document, the amount, Odoo's payment form with the providers and payment methods
        offered for the link (see ``_payment_link_payment_options``)."""
        partner, company = link_sudo.partner_id, link_sudo.company_id
        providers_sudo, payment_methods_sudo, report = self._payment_link_payment_options(
            link_sudo, amount
        )
        document = link_sudo._get_document()
        return {
            "link": link_sudo,
            "document": document,
            "summary_template": document._payment_link_summary_template(),
            "company": company,
            "res_company": company,
            "partner": partner,
            "amount": amount,
            "amount_due": link_sudo._get_amount_due(),
            "amount_paid": link_sudo.amount_paid,
            "allow_partial": company.payment_link_allow_partial,
            "currency": link_sudo.currency_id,
            "company_mismatch": not self._can_partner_pay_in_company(partner, company),
            "expected_company": company,
            # Odoo's payment form (payment.form)
            "providers_sudo": providers_sudo,
            "payment_methods_sudo": payment_methods_sudo,
            # A bearer link is not a login: the customer's saved cards are never offered.
            "tokens_sudo": request.env["payment.token"].sudo().browse(),
            "availability_report": report,
            # Saving a card needs the customer's recorded consent: not offered on a link.
            "show_tokenize_input_mapping": dict.fromkeys(providers_sudo.ids, False),
            "partner_id": partner.id,
            "transaction_route": "/pay/transaction",
            "landing_route": self._payment_link_landing_route(link_sudo),
            **self._payment_link_card_values(link_sudo),
        }

    @staticmethod
    def _payment_link_card_values(link_sudo):
        """What the page shows about saving the card: Odoo's form in validation mode for a card
        request, and the consent text with the "Save my card" box where it applies."""
        validation = link_sudo._is_validation()
        save_mode = "required" if validation else link_sudo._payment_link_save_card_mode()
        return {
            "mode": "validation" if validation else "payment",
            "save_card_mode": save_mode,
            "consent_text": save_mode != "off" and link_sudo._payment_link_consent_text(),
        }

    @http.route("/pay/<string:token>", methods=["GET"], **PAGE_ROUTE)
    def payment_link_page(self, token, amount=None, **kwargs):
        link_sudo = request.env["payment.link.token"]._find_link(token)
        if not link_sudo:
            return self._payment_link_miss()
        httprequest = request.httprequest
        if utils.is_link_preview(
            httprequest.method, httprequest.user_agent.string, httprequest.headers
        ):
            # A previewer (messaging app, mail scanner, prefetch) is not a person: recorded as
            # a preview; a person's opening is signalled by the rendered page (/pay/opened).
            request.env["payment.link.event"]._log_preview(
                link_sudo._with_company_lang(), httprequest.user_agent.string
            )
        # What the company reads (audit, chatter) in its language; the page in the customer's.
        page_state = link_sudo._with_company_lang()._refresh_page_state()
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
            return self._payment_link_render(self._payment_link_result_template(link_sudo), values)
        if page_state != "payable":
            return self._payment_link_render("payment_link_sms.pay_page_gone", values, status=410)
        try:
            pay_amount = link_sudo._validate_payment_amount(amount)
        except ValidationError:
            pay_amount = link_sudo._get_amount_due()
        values.update(self._payment_link_page_values(link_sudo, pay_amount), access_token=token)
        return self._payment_link_render("payment_link_sms.pay_page", values)

    @http.route("/pay/opened", type="json", auth="public", methods=["POST"])
    def payment_link_opened(self, access_token=None):
        """The page's signal that it was shown to a person (sent by its script once visible).

        :param str access_token: The link's token (in the request body, not in the URL).
        """
        link_sudo = request.env["payment.link.token"]._find_link(access_token)
        if not link_sudo:
            return self._payment_link_miss(json=True)
        link_sudo = link_sudo._with_company_lang()
        Event = link_sudo.env["payment.link.event"]
        user_agent = request.httprequest.user_agent.string
        if utils.is_link_preview("POST", user_agent, request.httprequest.headers):
            Event._log_preview(link_sudo, user_agent)
        elif link_sudo.state in ("sent", "opened") and link_sudo.is_live:
            Event._log_opened(link_sudo, user_agent)
        return {}

    @http.route("/pay/transaction", type="json", auth="public")
    def payment_link_transaction(self, access_token, amount=None, **kwargs):
        """Create the transaction of a payment through a link; the amount comes from the server.

        :param str access_token: The link's token (sent in the request body, not in the URL).
        :param str amount: The amount shown on the page: accepted only if it is still the
                           amount due (or an allowed partial amount).
        """
        link_sudo = request.env["payment.link.token"]._find_link(access_token)
        if not link_sudo:
            return self._payment_link_miss(json=True)
        page_state = link_sudo._with_company_lang()._refresh_page_state()
        link_sudo = link_sudo.with_context(lang=link_sudo.lang)
        if page_state != "payable":
            raise ValidationError(link_sudo._get_page_message(page_state))
        # Everything the request says is checked before the link is locked and any earlier
        # attempt cancelled: junk parameters never touch the customer's attempt in progress.
        self._validate_transaction_kwargs(kwargs)
        validation = link_sudo._is_validation()
        # A validation's amount is the provider's (Odoo sets it), never the page's.
        pay_amount = 0.0 if validation else link_sudo._validate_payment_amount(amount)
        self._payment_link_validate_choice(
            link_sudo,
            pay_amount,
            kwargs.get("provider_id"),
            kwargs.get("payment_method_id"),
            kwargs.get("flow"),
            kwargs.get("token_id"),
        )
        link_sudo._lock_for_payment()
        document = link_sudo._get_document()
        save_card = link_sudo._payment_link_save_card_choice(kwargs.get("tokenization_requested"))
        kwargs.update(
            landing_route=self._payment_link_landing_route(link_sudo),
            is_validation=validation,
            tokenization_requested=save_card,
        )
        httprequest = request.httprequest
        save_card_values = save_card and link_sudo._payment_link_save_card_transaction_values(
            httprequest.remote_addr, httprequest.user_agent.string
        )
        tx_sudo = self._create_transaction(
            amount=pay_amount,
            currency_id=link_sudo.currency_id.id,
            partner_id=link_sudo.partner_id.id,
            custom_create_values={
                **document._payment_link_transaction_values(),
                "payment_link_id": link_sudo.id,
                **(save_card_values or {}),
            },
            **kwargs,
        )
        link_sudo._log_events(
            "payment_started", transaction_id=tx_sudo.id, reason=tx_sudo.provider_id.name
        )
        return tx_sudo._get_processing_values()

    def _payment_link_landing(self, link_id, access_token, view=None):
        """The link of a landing page or receipt whose signed, unexpired token is valid."""
        link_sudo = request.env["payment.link"].sudo().browse(link_id).exists()
        if not link_sudo or not self._payment_link_verify_landing_token(
            link_sudo, access_token, view=view
        ):
            return link_sudo.browse()
        request.update_context(lang=link_sudo.lang or request.env.lang)
        return link_sudo.with_context(lang=link_sudo.lang)

    @http.route("/pay/done/<int:link_id>", methods=["GET"], **PAGE_ROUTE)
    def payment_link_done(self, link_id, access_token=None, **kwargs):
        """Where the customer lands after paying: the receipt, or what happened."""
        link_sudo = self._payment_link_landing(link_id, access_token)
        if not link_sudo:
            return self._payment_link_miss()
        last_tx = link_sudo.transaction_ids[:1]
        values = {
            "link": link_sudo,
            "company": link_sudo.company_id,
            "transaction": last_tx,
            "document": link_sudo._get_document(),
        }
        return self._payment_link_render(self._payment_link_result_template(link_sudo), values)

    @staticmethod
    def _payment_link_result_template(link_sudo):
        """The page after a payment (or a card saved): the receipt once the link is paid, else
        the attempt's status."""
        paid = link_sudo.state == "paid"
        templates = link_sudo._payment_link_result_templates()
        return templates["paid"] if paid else templates["status"]

    @http.route(
        ["/pay/done/<int:link_id>/pdf", "/pay/done/<int:link_id>/html"],
        methods=["GET"],
        **PAGE_ROUTE,
    )
    def payment_link_receipt_document(self, link_id, access_token=None, **kwargs):
        """The paid document, for the receipt: through this checked route (signed token of a
        bounded life, paid links only), never the document's permanent portal token. When no
        PDF can be made (no wkhtmltopdf on the server), a page says so and offers the HTML."""
        view = request.httprequest.path.rsplit("/", 1)[1]
        link_sudo = self._payment_link_landing(link_id, access_token, view=view)
        document = link_sudo and link_sudo.state == "paid" and link_sudo._get_document()
        if not document or not document._payment_link_report_ref():
            return self._payment_link_miss()
        if view == "html":
            html = document.with_context(lang=link_sudo.lang)._paylink_receipt_html()
            return self._payment_link_secure(request.make_response(html, headers=PAGE_HEADERS))
        pdf = document.with_context(lang=link_sudo.lang)._paylink_receipt_pdf_if_possible()
        if not pdf:
            # Not a dead end: the document as a web page (the receipts offer it from now on).
            values = {"link": link_sudo, "company": link_sudo.company_id, "document": document}
            return self._payment_link_render("payment_link_sms.pay_page_pdf_unavailable", values)
        filename, content = pdf
        return request.make_response(
            content,
            headers=[
                *PAGE_HEADERS,
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(content)),
                ("Content-Disposition", http.content_disposition(filename)),
            ],
        )

    @http.route("/pay/retry/<int:link_id>", methods=["POST"], **PAGE_ROUTE)
    def payment_link_retry(self, link_id, access_token=None, **kwargs):
        """ "Try again" on the failure page: back to the link's page for a new attempt.

        The link's own token is not stored (only its hash), so the page is reached through a
        new token of the link, issued to whoever holds the landing page's access token (the
        browser that just tried to pay), once per attempt that failed or paid a part (see
        ``payment.link.token._issue_retry``); any other request is counted as a miss. POST
        only, with Odoo's CSRF token: a link previewer or a prefetch issues nothing.
        """
        link_sudo = self._payment_link_landing(link_id, access_token)
        if not link_sudo:
            return self._payment_link_miss()
        landing_route = self._payment_link_landing_route(link_sudo)
        if link_sudo._with_company_lang()._refresh_page_state() != "payable":
            # Paid meanwhile, expired, cancelled: the landing page says which.
            return request.redirect(landing_route, code=303)
        url = link_sudo.env["payment.link.token"]._issue_retry(link_sudo)
        if not url:
            # No attempt to retry (under way, or retried already): a miss for the throttle.
            Throttle = request.env["payment.link.throttle"].sudo()
            if Throttle._record_miss(request.httprequest.remote_addr):
                return self._payment_link_render(
                    "payment_link_sms.pay_page_throttled", {}, status=429
                )
            return request.redirect(landing_route, code=303)
        return request.redirect(url, code=303, local=True)
