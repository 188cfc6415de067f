# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import re
from contextlib import contextmanager
from unittest.mock import patch
from urllib.parse import parse_qs, urlsplit

from odoo.tests import tagged
from odoo.tools import mute_logger

from .. import const
from .common import CaptureHandler, PayPageCommon

TX_LOGGER = "odoo.addons.payment.models.payment_transaction"
HIDDEN_RE = r'<input type="hidden" name="(csrf_token|access_token)" value="([^"]*)"'


@tagged("post_install", "-at_install")
class TestRetryToken(PayPageCommon):
    """The landing page's access token (valid for hours) gives one new link token per attempt
    that failed, never while an attempt is under way; any other request is a miss."""

    def retry_values(self, tx):
        """The hidden fields of the landing page's "Try again" form after ``tx``."""
        return dict(re.findall(HIDDEN_RE, self.url_open(tx.landing_route).text))

    def retry(self, values):
        return self.url_open(f"/pay/retry/{self.link.id}", data=values, allow_redirects=False)

    def misses(self):
        self.env.cr.execute("SELECT count(*) FROM payment_link_throttle")
        return self.env.cr.fetchone()[0]

    def retry_tokens(self):
        return self.link.sudo().token_ids.filtered(lambda token: token.channel == "retry")

    @mute_logger(TX_LOGGER)
    def test_one_retry_token_per_failed_attempt(self):
        failed = self.pay("error")
        values = self.retry_values(failed)
        answer = self.retry(values)
        self.assertEqual(answer.status_code, 303)
        token = re.search(r"/pay/([A-Za-z0-9_-]{22})$", answer.headers["Location"])[1]
        self.assertEqual(self.retry_tokens().transaction_id, failed)
        # The same attempt again: no new token, the landing page, a miss counted.
        misses = self.misses()
        answer = self.retry(values)
        self.assertEqual(answer.status_code, 303)
        self.assertIn(f"/pay/done/{self.link.id}?access_token=", answer.headers["Location"])
        self.assertEqual(len(self.retry_tokens()), 1)
        self.assertEqual(self.misses(), misses + 1)
        # A new attempt that failed: one more.
        self.token = token
        failed_again = self.pay("error")
        answer = self.retry(self.retry_values(failed_again))
        self.assertRegex(answer.headers["Location"], r"/pay/[A-Za-z0-9_-]{22}$")
        self.assertEqual(self.retry_tokens().transaction_id, failed | failed_again)

    @mute_logger(TX_LOGGER)
    def test_two_clicks_racing_for_one_attempt_give_one_token_and_no_error_line(self):
        failed = self.pay("error")
        Token = self.env["payment.link.token"].sudo()
        link = self.link.sudo()
        self.assertTrue(Token._issue_retry(link))
        # The second click's check ran before the first click's token was committed: it does
        # not see it, and its insert meets the unique index.
        with (
            patch.object(type(Token), "search_count", return_value=0),
            self.assertNoLogs("odoo.sql_db", "ERROR"),
        ):
            self.assertIsNone(Token._issue_retry(link))
        self.assertEqual(self.retry_tokens().transaction_id, failed)

    @mute_logger(TX_LOGGER)
    def test_no_retry_token_while_an_attempt_is_under_way(self):
        failed = self.pay("error")
        values = self.retry_values(failed)
        self.token = re.search(
            r"/pay/([A-Za-z0-9_-]{22})$", self.retry(values).headers["Location"]
        )[1]
        pending = self.pay("pending")
        access_token = parse_qs(urlsplit(pending.landing_route).query)["access_token"][0]
        tokens = self.link.sudo().token_ids
        answer = self.retry({**values, "access_token": access_token})
        self.assertEqual(answer.status_code, 303)
        self.assertIn(f"/pay/done/{self.link.id}", answer.headers["Location"])
        self.assertEqual(self.link.sudo().token_ids, tokens)

    @mute_logger(TX_LOGGER)
    def test_refused_retries_are_throttled(self):
        failed = self.pay("error")
        values = self.retry_values(failed)
        self.retry(values)
        statuses = {self.retry(values).status_code for _index in range(const.MISS_LIMIT + 1)}
        self.assertEqual(statuses, {303, 429})
        self.assertEqual(len(self.retry_tokens()), 1)


@tagged("post_install", "-at_install")
class TestPrintedCodeLog(PayPageCommon):
    """A printed code is typed as it comes: with dashes, spaces (``%20``), any case; it opens
    the page and never shows in the access log."""

    @contextmanager
    def capture_access_log(self):
        """The access log's records (werkzeug's, at INFO), as the handlers get them."""
        handler = CaptureHandler()
        root, werkzeug = logging.getLogger(), logging.getLogger("werkzeug")
        levels = root.level, werkzeug.level
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        werkzeug.setLevel(logging.INFO)
        try:
            yield handler.lines
        finally:
            root.removeHandler(handler)
            root.setLevel(levels[0])
            werkzeug.setLevel(levels[1])

    def printed_code(self):
        url = self.env["payment.link.token"]._issue_print(self.link, self.invoice, "Invoice PDF")
        return url.rsplit("/", 1)[1]

    def test_a_printed_code_typed_with_spaces_opens_the_page_and_is_masked_in_the_log(self):
        code = self.printed_code()
        groups = code.split("-")
        for typed in (
            code.replace("-", "%20"),
            code.lower().replace("-", "%20"),
            code.replace("-", "%2D"),
            code.replace("-", "%20-%20"),
            code,
        ):
            with self.subTest(typed=typed), self.capture_access_log() as lines:
                page = self.url_open(f"/pay/{typed}")
                self.assertEqual(page.status_code, 200)
                self.assertIn("o_payment_form", page.text)
            log = "\n".join(line for line in lines if line.startswith("werkzeug"))
            self.assertIn(f"/pay/{const.MASK_PREFIX}{groups[-1]}", log)
            for group in groups[:-1]:
                self.assertNotIn(group, log.upper())
