# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's Stripe provider against localstripe, a stateful Stripe simulator (a real HTTP server
on a free loopback port, started for the test class and stopped after it).

Odoo's ``payment_stripe`` sends every call through ``requests`` at ``https://api.stripe.com/v1/``
(``payment.provider._stripe_make_request``, the URL written in the method, no constant). The
tests replace the ``requests`` module that method uses by :class:`LocalStripeTransport`, which
sends the same call to localstripe. It adapts only what localstripe does not accept (see
``readme/TESTING.md``): the parameters it does not model are dropped (and recorded, to assert
that Odoo sent them), and a GET's parameters go in the query string, where localstripe reads
them (Odoo puts them in the body, which Stripe also reads).
"""

import os
import subprocess
import sys
from unittest.mock import patch

import requests

from odoo.addons.payment_stripe.models import payment_provider as stripe_provider_module

STRIPE_API = "https://api.stripe.com/v1/"
# Parameters of Odoo's calls that localstripe refuses ("Unexpected ..."): {endpoint: names}
# (a name ending with "[" stands for every parameter it starts: a nested object).
UNSUPPORTED_PARAMETERS = {
    # The shipping address: Odoo sends the customer's address (stripe_utils).
    "payment_intents": ("description", "setup_future_usage", "shipping["),
    # The options of the card's e-mandate, which Odoo sends for the currencies of Indian
    # mandates (USD, EUR... the tests' company is in USD).
    "setup_intents": ("description", "payment_method_options["),
}
SERVER = os.path.join(os.path.dirname(__file__), "localstripe_server.py")


class LocalStripeTransport:
    """``requests``, as ``_stripe_make_request`` uses it, aimed at localstripe."""

    exceptions = requests.exceptions

    def __init__(self, base_url):
        self.base_url = base_url
        self.calls = []  # (method, endpoint, payload as Odoo sent it)

    def request(self, method, url, data=None, headers=None, timeout=None, **kwargs):
        assert url.startswith(STRIPE_API), f"not a Stripe API call: {url}"
        endpoint = url[len(STRIPE_API) :]
        payload = {key: value for key, value in (data or {}).items() if value is not None}
        self.calls.append((method, endpoint, dict(payload)))
        unsupported = UNSUPPORTED_PARAMETERS.get(endpoint, ())
        payload = {
            key: value
            for key, value in payload.items()
            if not any(
                key.startswith(name) if name.endswith("[") else key == name for name in unsupported
            )
        }
        params = None
        if method == "GET":
            params, payload = payload, None
        return requests.request(
            method,
            self.base_url + endpoint,
            data=payload,
            params=params,
            headers=headers,
            timeout=timeout,
            **kwargs,
        )

    def api(self, method, endpoint, **payload):
        """Call localstripe directly, as Stripe.js or the bank would (the customer's side)."""
        response = requests.request(
            method,
            self.base_url + endpoint,
            data=payload if method != "GET" else None,
            params=payload if method == "GET" else None,
            headers={"Authorization": "Bearer sk_test_localstripe"},
            timeout=10,
        )
        return response.json()

    def sent(self, method, endpoint):
        return [
            payload
            for call_method, call_endpoint, payload in self.calls
            if (call_method, call_endpoint) == (method, endpoint)
        ]


class LocalStripeMixin:
    """Start localstripe once per test class, point Odoo's Stripe provider at it per test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.localstripe = subprocess.Popen(
            [sys.executable, SERVER],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        cls.addClassCleanup(cls._stop_localstripe)
        line = cls.localstripe.stdout.readline()
        if not line.startswith("port "):
            raise RuntimeError(f"localstripe did not start: {line!r}")
        cls.localstripe_url = f"http://127.0.0.1:{int(line.split()[1])}/v1/"

    @classmethod
    def _stop_localstripe(cls):
        cls.localstripe.terminate()
        try:
            cls.localstripe.wait(timeout=10)
        except subprocess.TimeoutExpired:
            cls.localstripe.kill()
            cls.localstripe.wait()
        cls.localstripe.stdout.close()

    def setUp(self):
        super().setUp()
        self.stripe = LocalStripeTransport(self.localstripe_url)
        patcher = patch.object(stripe_provider_module, "requests", self.stripe)
        patcher.start()
        self.addCleanup(patcher.stop)

    def create_card(self, number="4242424242424242"):
        """A card typed in Stripe's payment form (a PaymentMethod), by its test number."""
        return self.stripe.api(
            "POST",
            "payment_methods",
            type="card",
            **{"card[number]": number, "card[exp_month]": "12", "card[exp_year]": "2034"},
            **{"card[cvc]": "123"},
        )
