# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
from datetime import timedelta

from odoo import api, fields, models

from .. import const, utils


class PaymentLinkThrottle(models.Model):
    """Misses on the public payment routes, per client network, to rate-limit token guessing.

    The key is the client's address (an IPv6 client's /64), hashed with the database secret:
    enough to count, nothing to read. Only misses are counted, and only misses are refused
    once the limit is reached: a valid token is served whatever other requests did. An address
    that is blocked adds no more rows (the table stays bounded).
    """

    _name = "payment.link.throttle"
    _description = "Payment Link Route Misses"
    _log_access = False

    key = fields.Char(required=True, index=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)

    @api.model
    def _key(self, address, scope=None):
        """The row key of ``address``; with a ``scope`` (``progress:<link id>``), a counter of
        its own (the pay page's progress steps per link), apart from the misses."""
        secret = self.env["ir.config_parameter"].sudo().get_param("database.secret", "")
        network = utils.client_network(address)
        if scope:
            network = f"{scope}:{network}"
        return hashlib.sha256(f"{secret}:{network}".encode()).hexdigest()

    @api.model
    def _window_start(self):
        return fields.Datetime.now() - timedelta(minutes=const.MISS_WINDOW_MINUTES)

    @api.model
    def _is_blocked(self, address, scope=None, limit=const.MISS_LIMIT):
        """Whether ``address`` missed too often lately (then its misses get a 429), or, with a
        ``scope``, made ``limit`` requests of that scope in the window."""
        self.env.cr.execute(
            "SELECT count(*) FROM payment_link_throttle WHERE key = %s AND date > %s",
            [self._key(address, scope), self._window_start()],
        )
        return self.env.cr.fetchone()[0] >= limit

    @api.model
    def _register_miss(self, address, scope=None):
        self.env.cr.execute(
            "INSERT INTO payment_link_throttle (key, date) VALUES (%s, %s)",
            [self._key(address, scope), fields.Datetime.now()],
        )

    @api.model
    def _record_miss(self, address):
        """Count a miss of ``address`` unless it is blocked already: the check and the count in
        one statement (one round trip on every miss).

        :return: Whether ``address`` is blocked (its miss was then not counted).
        """
        self.env.cr.execute(
            """
            INSERT INTO payment_link_throttle (key, date)
            SELECT %(key)s, %(now)s
             WHERE (SELECT count(*) FROM (
                        SELECT 1 FROM payment_link_throttle
                         WHERE key = %(key)s AND date > %(since)s LIMIT %(limit)s) AS recent
                   ) < %(limit)s
            RETURNING 1
            """,
            {
                "key": self._key(address),
                "now": fields.Datetime.now(),
                "since": self._window_start(),
                "limit": const.MISS_LIMIT,
            },
        )
        return not self.env.cr.fetchone()

    @api.autovacuum
    def _gc_misses(self):
        self.env.cr.execute(
            "DELETE FROM payment_link_throttle WHERE date <= %s", [self._window_start()]
        )
