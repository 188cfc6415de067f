# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every customer page accessible (issue 23): axe-core's WCAG 2.2 AA rules, reflow and zoom,
target sizes, what a screen reader reads first, and no personal data beyond the document."""

from contextlib import ExitStack, contextmanager
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import BaseCase, tagged
from odoo.tools import mute_logger

from .. import utils
from ..controllers.portal import PaymentLinkPortal
from .a11y_browser import DESKTOP, PHONE, format_violations, page_browser
from .common import PayPageCommon

LANGS = ("en_US", "fr_FR")


@contextmanager
def no_wkhtmltopdf(env):
    """The server cannot make PDFs (as without wkhtmltopdf)."""
    Report = type(env["ir.actions.report"])
    error = UserError("Unable to find Wkhtmltopdf on this system. The PDF can not be created.")
    with patch.object(Report, "_pre_render_qweb_pdf", side_effect=error):
        yield


class CustomerPagesCommon(PayPageCommon):
    """One link in each state a customer can meet, and the address of each customer page."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "payment_link_allow_partial": True,
                "street": "1 rue de la Paix",
                "city": "Paris",
                # A light brand colour: the buttons must still read (black text on it).
                "primary_color": "#f5c400",
            }
        )
        cls.demo_provider.allow_tokenization = True

    def new_link(self, amount=500.0):
        invoice = self._create_posted_invoice(self.customer, amount)
        with self.mock_gateways():
            answer = self.send_link(invoice)[0]
        return self.link_of(answer), self.token_of(answer)

    def customer_pages(self):
        """``[(name, path, links, context)]``: each customer page, the links whose language it
        speaks, and a context manager factory of what must hold while it is shown (``None``:
        nothing)."""
        pages = [("pay page (invoice)", f"/pay/{self.token}", self.link, None)]

        partly, partly_token = self.new_link()
        tx = self.pay("done", token=partly_token, amount=200.0)
        pages += [
            ("partly paid: what is left", tx.landing_route, partly, None),
            ("partly paid: pay page", f"/pay/{partly_token}", partly, None),
        ]

        failed, failed_token = self.new_link()
        with mute_logger("odoo.addons.payment.models.payment_transaction"):
            tx = self.pay("error", token=failed_token)
        pages.append(("failure, Try again", tx.landing_route, failed, None))

        paid, paid_token = self.new_link()
        self.pay("done", token=paid_token)._post_process()
        pages += [
            ("receipt", f"/pay/{paid_token}", paid, None),
            (
                "PDF unavailable",
                PaymentLinkPortal._payment_link_landing_route(paid, "pdf"),
                paid,
                lambda: no_wkhtmltopdf(self.env),
            ),
        ]

        expired, expired_token = self.new_link()
        expired.action_expire()
        replaced, replaced_token = self.new_link()
        with self.mock_gateways():
            self.send_link(replaced._get_document())
        pages += [
            ("expired", f"/pay/{expired_token}", expired, None),
            ("replaced", f"/pay/{replaced_token}", replaced, None),
            ("not found", "/pay/NoSuchLinkToken0123456789abc", None, None),
        ]

        with self.mock_gateways():
            answer = self.customer.request_payment_card("sms")[0]
            self.process_outboxes()
        card_token = self.token_of(answer)
        pages.append(("card request", f"/pay/{card_token}", self.link_of(answer), None))
        for partner, state, name in (
            (self.customer_nb, "error", "card not saved, Try again"),
            (self.customer_en, "done", "card saved"),
        ):
            with self.mock_gateways():
                answer = partner.request_payment_card("sms")[0]
                self.process_outboxes()
            with mute_logger("odoo.addons.payment.models.payment_transaction"):
                tx = self.pay(state, token=self.token_of(answer), amount=None, is_validation=True)
            pages.append((name, tx.landing_route, self.link_of(answer), None))
        return pages

    def statement_path(self, lang):
        return self.company._payment_link_accessibility_url(lang)

    def speak(self, pages, lang, page=None):
        """The links of ``pages`` in ``lang`` (the page left first: see ``settle``)."""
        if page:
            page.settle()
        for _name, _path, link, _context in pages:
            if link:
                link.sudo().lang = lang
        self.env.flush_all()

    @staticmethod
    @contextmanager
    def showing(context):
        """What must hold while a page is shown (``context``: a context manager factory)."""
        with ExitStack() as stack:
            if context is not None:
                stack.enter_context(context())
            yield


@tagged("post_install", "-at_install")
class TestAccessibilityAxe(CustomerPagesCommon):
    """axe-core on every customer page: phone and desktop, English and French, WCAG 2.0, 2.1
    and 2.2 A and AA rules, zero violations."""

    def test_every_customer_page_has_no_wcag_violation(self):
        pages = self.customer_pages()
        failures, checked = [], 0
        with page_browser(self) as page:
            for lang in LANGS:
                lang_pages = [
                    *pages,
                    ("accessibility statement", self.statement_path(lang), None, None),
                ]
                self.speak(pages, lang, page)
                for name, path, _link, context in lang_pages:
                    for size in (PHONE, DESKTOP):
                        with self.showing(context):
                            page.open(path, size=size)
                            violations = page.axe()
                        checked += 1
                        failures += format_violations(f"{name} [{lang}, {size[0]} px]", violations)
        self.assertEqual(checked, 2 * 2 * (len(pages) + 1))
        self.assertFalse(failures, "axe-core's WCAG violations:\n" + "\n".join(failures))


@tagged("post_install", "-at_install")
class TestCustomerPagesConsole(CustomerPagesCommon):
    """A clean browser console on every customer page, on a phone (issue 22 items 9 and 12):
    no Content-Security-Policy violation (Odoo's inline ``onerror`` on the asset tags, the
    receipt's web page with its inline script and fonts), no icon drawn as an empty box."""

    def test_no_security_policy_violation_nor_empty_icon_on_any_customer_page(self):
        pages = self.customer_pages()
        paid = next(link for name, _path, link, _ctx in pages if name == "receipt")
        pages += [
            ("receipt page (message)", self.receipt_page_path(paid), paid, None),
            (
                "receipt web page",
                PaymentLinkPortal._payment_link_landing_route(paid, "html"),
                paid,
                None,
            ),
            ("accessibility statement", self.statement_path("en_US"), None, None),
        ]
        failures = []
        with page_browser(self) as page:
            log = page.console_log()
            for name, path, _link, context in pages:
                del log[:]
                with self.showing(context):
                    page.open(path, size=PHONE)
                    empty = page.empty_icons()
                    page.screenshot(f"console_{name.replace(' ', '_')}")
                page.settle()
                failures += [
                    f"{name}: {entry.get('source')} {entry.get('level')}: {entry.get('text')} "
                    f"({entry.get('url')})"
                    for entry in log
                    if entry.get("level") in ("error", "warning")
                    # The page's own status (404, 410) is not an error of the page.
                    and not (entry.get("source") == "network" and path in entry.get("url", ""))
                ]
                failures += [f"{name}: icon drawn as an empty box: {cls}" for cls in empty]
        self.assertFalse(failures, "\n".join(failures))

    @staticmethod
    def receipt_page_path(link):
        return f"/pay/done/{link.id}/receipt?access_token={link._payment_link_receipt_token()}"


@tagged("post_install", "-at_install")
class TestAccessibilityLayout(CustomerPagesCommon):
    """Reflow at 320 px and at 200 % zoom (1.4.10), targets of 24 x 24 px (2.5.8), and the
    brand colour's buttons readable (1.4.3)."""

    def test_pages_reflow_at_320_px_and_200_percent_zoom(self):
        pages = [
            *self.customer_pages(),
            ("accessibility statement", self.statement_path("en_US"), None, None),
        ]
        problems = []
        self.speak(pages, "en_US")
        with page_browser(self) as page:
            for name, path, _link, context in pages:
                for label, size, zoom in (
                    ("320 px", (320, 640), 1),
                    ("200 % zoom", (1280, 800), 2),
                ):
                    with self.showing(context):
                        page.open(path, size=size, zoom=zoom)
                        layout = page.layout_state()
                    if layout["scrollWidth"] > layout["clientWidth"]:
                        problems.append(
                            f"{name} at {label}: scrolls sideways "
                            f"({layout['scrollWidth']} > {layout['clientWidth']} px)"
                        )
                    problems += [f"{name} at {label}: clipped {html}" for html in layout["clipped"]]
                    problems += [
                        f"{name} at {label}: target under 24 x 24 px {html}"
                        for html in layout["small"]
                    ]
        self.assertFalse(problems, "\n".join(problems))

    def test_brand_colour_buttons_have_readable_text(self):
        with page_browser(self) as page:
            page.open(f"/pay/{self.token}", size=PHONE)
            colours = page.evaluate(
                """(() => {
                    const style = getComputedStyle(
                        document.querySelector("button[name='o_payment_submit_button']"));
                    return [style.backgroundColor, style.color];
                })()"""
            )
        self.assertEqual(colours, ["rgb(245, 196, 0)", "rgb(0, 0, 0)"])


@tagged("post_install", "-at_install")
class TestAccessibilitySemantics(CustomerPagesCommon):
    """What a screen reader reads: the page's language, its first landmark and heading, the
    labelled fields and the live regions; and nothing personal of the customer."""

    def test_first_heading_and_landmark_name_company_document_and_amount(self):
        self.link.sudo().lang = "fr_FR"
        with page_browser(self) as page:
            page.open(f"/pay/{self.token}", size=PHONE)
            found = page.evaluate(
                """(() => {
                    const main = document.querySelector("main");
                    const heading = document.querySelector("h1, h2, h3");
                    const labelled = document.getElementById(
                        main.getAttribute("aria-labelledby"));
                    const unlabelled = [...document.querySelectorAll(
                        "input:not([type=hidden]), select, textarea")].filter(
                        (el) => !el.labels?.length && !el.getAttribute("aria-label") &&
                            !el.getAttribute("aria-labelledby")).map((el) => el.outerHTML);
                    const live = document.querySelector(".o_payment_link_announce");
                    return {
                        lang: document.documentElement.lang,
                        firstLandmark: document.querySelector(
                            "main, header, nav, footer, [role=main]").tagName,
                        heading: heading.tagName + " " + heading.textContent.trim(),
                        landmarkName: labelled && labelled.textContent.trim(),
                        unlabelled,
                        live: live && [live.getAttribute("role"), live.getAttribute("aria-live")],
                    };
                })()"""
            )
        self.assertEqual(found["lang"], "fr-FR")
        self.assertEqual(found["firstLandmark"], "MAIN")
        self.assertTrue(found["heading"].startswith("H1 "), found["heading"])
        for part in (self.company.name, self.invoice.name, "1\u202f234,56"):
            self.assertIn(part, found["heading"].replace("\xa0", "\u202f"))
        self.assertEqual(found["landmarkName"], found["heading"][3:])
        self.assertFalse(found["unlabelled"], "every field has a label")
        self.assertEqual(found["live"], ["status", "polite"])

    def test_payment_status_is_announced(self):
        failed, token = self.new_link()
        with mute_logger("odoo.addons.payment.models.payment_transaction"):
            tx = self.pay("error", token=token)
        failed.sudo().lang = "en_US"
        page = self.url_open(tx.landing_route)
        self.assertIn('role="status"', page.text)
        self.assertIn("The payment did not go through", page.text)

    def test_no_personal_data_of_the_customer_on_the_pages(self):
        self.customer.write(
            {
                "street": "12 rue des Lilas",
                "city": "Villeurbanne",
                "zip": "69100",
                "phone": "04 72 00 00 00",
            }
        )
        personal = [
            self.customer.email,
            self.customer.mobile,
            self.customer.phone,
            self.customer.street,
            self.customer.city,
            self.customer.zip,
            "+33612345678",
            "+33 6 12 34 56 78",
        ]
        shown = []
        pages = self.customer_pages()
        self.speak(pages, "en_US")
        for name, path, _link, context in pages:
            with self.showing(context):
                text = self.url_open(path).text
            shown += [f"{name}: {value}" for value in personal if value and value in text]
        self.assertFalse(shown, "the customer's personal data on a page")


@tagged("post_install", "-at_install")
class TestAccessibilityStatement(CustomerPagesCommon):
    def test_statement_in_the_customers_language_with_the_company_contact(self):
        expected = {
            "en_US": "WCAG) 2.2 at level AA",
            "fr_FR": "WCAG) 2.2 au niveau AA",
            "nb_NO": "WCAG) 2.2 på nivå AA",
            "es_ES": "WCAG) 2.2 en el nivel AA",
        }
        for lang, words in expected.items():
            with self.subTest(lang=lang):
                page = self.url_open(self.statement_path(lang))
                self.assertEqual(page.status_code, 200)
                self.assertIn(words, page.text)
                self.assertIn('lang="%s"' % lang.replace("_", "-"), page.text)
                self.assertIn(f"mailto:{self.company.email}", page.text)
                self.assertIn("3-D Secure", page.text)
                self.assertIn("axe-core", page.text)

    def test_company_text_replaces_the_standard_one(self):
        self.company.payment_link_accessibility_statement = "Our own words.\n\nSecond part."
        page = self.url_open(self.statement_path("en_US"))
        self.assertIn("<p>Our own words.</p>", page.text)
        self.assertIn("<p>Second part.</p>", page.text)
        self.assertNotIn("WCAG) 2.2 at level AA", page.text)

    def test_every_customer_page_links_to_the_statement(self):
        missing = []
        pages = self.customer_pages()
        self.speak(pages, "fr_FR")
        for name, path, links, context in pages:
            with self.showing(context):
                text = self.url_open(path).text
            if "/pay/accessibility" not in text:
                missing.append(name)
            elif links and "lang=fr_FR" not in text:
                missing.append(f"{name} (not in the customer's language)")
        self.assertFalse(missing)

    def test_unsigned_company_gets_the_standard_statement_naming_no_company(self):
        other = self.env["res.company"].create({"name": "Hidden Co", "email": "hid@example.com"})
        page = self.url_open(f"/pay/accessibility?company={other.id}&signature=forged")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("Hidden Co", page.text)
        self.assertNotIn("hid@example.com", page.text)
        self.assertIn("WCAG) 2.2 at level AA", page.text)
        signed = self.url_open(other._payment_link_accessibility_url("en_US"))
        self.assertIn("hid@example.com", signed.text)


class TestReadableTextColour(BaseCase):
    """``utils.readable_text_colour``: black or white, whichever reads on a brand colour."""

    def test_light_brand_colours_get_black_text_and_dark_ones_white(self):
        for background, text in (
            ("#f5c400", "#000000"),  # yellow
            ("#ffffff", "#000000"),
            ("#abc", "#000000"),
            ("#714B67", "#ffffff"),  # Odoo's purple
            ("#000000", "#ffffff"),
            ("#0d6efd", "#000000"),  # Bootstrap's blue: black 5.0:1, white 4.5:1
        ):
            with self.subTest(background=background):
                self.assertEqual(utils.readable_text_colour(background), text)

    def test_the_chosen_text_always_reads_at_4_5_to_1(self):
        for value in range(0, 256, 5):
            for rgb in ((value, value, value), (value, 255 - value, 0), (0, value, 255)):
                hex_colour = "#%02x%02x%02x" % rgb
                text = utils.parse_hex_colour(utils.readable_text_colour(hex_colour))
                self.assertGreaterEqual(utils.contrast_ratio(rgb, text), 4.5, hex_colour)

    def test_contrast_ratio_of_black_on_white_is_21(self):
        self.assertAlmostEqual(utils.contrast_ratio((0, 0, 0), (255, 255, 255)), 21.0)
        self.assertAlmostEqual(utils.contrast_ratio((10, 20, 30), (10, 20, 30)), 1.0)

    def test_anything_but_a_hex_colour_gets_nothing(self):
        for value in (None, False, "", "red", "#12345", "#1234567", "#ggg", "1;}body{x"):
            with self.subTest(value=value):
                self.assertIsNone(utils.readable_text_colour(value))
                self.assertIsNone(utils.parse_hex_colour(value))
