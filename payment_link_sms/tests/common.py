# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import contextmanager

from odoo.tests import Form, new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.mail.tests.common import MockEmail
from odoo.addons.sms.tests.common import MockSMS


class PaymentLinkCommon(AccountTestInvoicingCommon, MockEmail, MockSMS):
    """Fixtures shared by the payment link tests: a French company, customers with valid
    numbers in several languages, posted invoices, the demo payment provider, and a billing
    user. Only what leaves the machine is mocked: the SMS gateway (Odoo's IAP mock) and SMTP
    (Odoo's mail gateway mock)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("base.lang_fr").active = True
        cls.env.ref("base.lang_nb_NO").active = True
        cls.env.ref("base.lang_es").active = True
        cls.env["ir.module.module"]._load_module_terms(
            ["payment_link_sms", "mail", "account"], ["fr_FR", "nb_NO", "es_ES"]
        )
        cls.company = cls.env.company
        cls.company.write(
            {
                "country_id": cls.env.ref("base.fr").id,
                "phone": "+33 1 23 45 67 89",
                "email": "billing@yourcompany.example.com",
                "payment_link_validity_days": 60,
            }
        )
        cls.company.partner_id.lang = "en_US"
        cls.env["ir.config_parameter"].sudo().set_param("web.base.url", "https://pay.example.com")
        cls.env["iap.account"].get("sms")

        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Camille Martin",
                "email": "camille.martin@example.com",
                "mobile": "06 12 34 56 78",
                "country_id": cls.env.ref("base.fr").id,
                "lang": "fr_FR",
            }
        )
        cls.customer_nb = cls.env["res.partner"].create(
            {
                "name": "Ola Nordmann",
                "email": "ola@example.no",
                "mobile": "+47 412 34 567",
                "country_id": cls.env.ref("base.no").id,
                "lang": "nb_NO",
            }
        )
        cls.customer_en = cls.env["res.partner"].create(
            {
                "name": "Pat Smith",
                "email": "pat@example.com",
                "phone": "+1 202 555 0143",
                "country_id": cls.env.ref("base.us").id,
                "lang": "en_US",
            }
        )
        cls.billing_user = new_test_user(
            cls.env,
            login="billing_user",
            name="Billie Billing",
            email="billie@yourcompany.example.com",
            groups="account.group_account_invoice",
            company_id=cls.company.id,
        )
        cls.invoice = cls._create_posted_invoice(cls.customer, 1234.56)
        cls.demo_provider = cls._prepare_demo_provider(cls.company)

    @classmethod
    def _prepare_demo_provider(cls, company):
        """The demo provider of ``company``, enabled and published (copied from Odoo's)."""
        Provider = cls.env["payment.provider"].sudo()
        provider = Provider.search(
            [("code", "=", "demo"), ("company_id", "=", company.id)], limit=1
        ) or cls.env.ref("payment.payment_provider_demo").sudo().copy({"company_id": company.id})
        provider.write({"state": "test", "is_published": True})
        # The demo provider exists in test mode only: these companies accept test payments.
        company.payment_link_allow_test_providers = True
        return provider

    @classmethod
    def _create_posted_invoice(cls, partner, amount, company=None, post=True, **values):
        invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": "2026-11-01",
                "company_id": (company or cls.company).id,
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Towing service",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [],
                        },
                    ),
                ],
                **values,
            }
        )
        if post:
            invoice.action_post()
        return invoice

    @contextmanager
    def mock_gateways(self, **sms_options):
        """Mock what leaves the machine: the SMS provider (IAP) and SMTP."""
        with self.mockSMSGateway(**sms_options), self.mock_mail_gateway(mail_unlink_sent=True):
            yield

    def send_link(self, invoice=None, channel="sms", process=True, **kwargs):
        """Send through the public API and process the outboxes as Odoo's queues would."""
        invoices = invoice if invoice is not None else self.invoice
        answers = invoices.send_payment_link(channel, **kwargs)
        if process:
            self.process_outboxes()
        return answers

    def process_outboxes(self):
        self.env["sms.sms"].sudo()._process_queue()
        self.env["mail.mail"].sudo().process_email_queue()

    @staticmethod
    def token_of(answer):
        return answer["url"].rsplit("/", 1)[1]

    def link_of(self, answer):
        return self.env["payment.link"].browse(answer["link_id"])

    def open_send_wizard(self, documents, user=None):
        """The send wizard as ``user`` (the billing user) sees it after the Send button."""
        user = user or self.billing_user
        action = documents.with_user(user).action_send_payment_link()
        return Form(self.env[action["res_model"]].with_user(user).with_context(action["context"]))
