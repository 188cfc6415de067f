# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

import psycopg2.errors

from odoo import api, fields, models
from odoo.tools import consteq, mute_logger

from .. import const, utils


class PaymentLinkToken(models.Model):
    """A further token of a live link: a reminder, an invoice PDF, an email of the document.

    A link's first token is on the link itself; each later message or printed document that
    carries the link gets a token of its own (its hash only), so that earlier messages keep
    working and a database dump still yields no working link. Every token dies with its link.
    This model also finds a link by any of its tokens (see :meth:`_find_link`).
    """

    _name = "payment.link.token"
    _description = "Payment Link Token"
    _log_access = False

    link_id = fields.Many2one(
        comodel_name="payment.link", required=True, index=True, ondelete="cascade"
    )
    token_hash = fields.Char(required=True)
    token_hint = fields.Char(required=True)
    channel = fields.Selection(selection=const.TOKEN_CHANNELS, required=True)
    create_date = fields.Datetime(default=fields.Datetime.now, required=True)
    # A "Try again" token: the attempt it was issued after (one token per attempt).
    transaction_id = fields.Many2one(comodel_name="payment.transaction", ondelete="set null")

    _sql_constraints = [
        ("token_hash_unique", "UNIQUE(token_hash)", "A payment link token must be unique."),
    ]

    def init(self):
        # One "Try again" token per attempt, also under concurrent clicks.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS payment_link_token_retry_once_idx
                ON payment_link_token (transaction_id)
             WHERE channel = 'retry' AND transaction_id IS NOT NULL
            """
        )

    @api.model
    def _find_link(self, token):
        """Find a link by its token in constant time; an empty recordset for any miss.

        Every token, well-formed or not, is hashed and looked up (the link's first token and
        its further ones), and the hash compared with ``consteq``, so that a miss costs the
        same whatever the token looks like.

        :param str token: The token from the URL.
        :return: The ``payment.link``, sudoed, or an empty recordset.
        """
        token = token if isinstance(token, str) else ""
        # A printed code is stored under the hash of its canonical form (as typed: any case,
        # with or without its dashes); any other token under the hash of itself.
        candidate = utils.hash_token(utils.normalize_code(token) or token)
        self.env.cr.execute(
            """
            SELECT id, token_hash FROM payment_link WHERE token_hash = %s
             UNION ALL
            SELECT link_id, token_hash FROM payment_link_token WHERE token_hash = %s
             LIMIT 1
            """,
            [candidate, candidate],
        )
        row = self.env.cr.fetchone()
        stored = row[1] if row else utils.hash_token("\0")
        Link = self.env["payment.link"].sudo()
        if row and consteq(stored, candidate):
            return Link.browse(row[0])
        consteq(stored, candidate)  # same work on a miss
        return Link.browse()

    @api.model
    def _issue_retry(self, link):
        """A token of ``link`` for one more attempt after its last one, once per attempt.

        The landing page's access token is a bearer token valid for hours: it issues a working
        link token only after an attempt that failed (error, cancelled) or paid a part (the
        rest is still due), and one per such attempt, never while an attempt is under way.

        :param link: The ``payment.link`` (sudoed), payable.
        :return: The full URL of the new token, or None when no new attempt is allowed.
        """
        link.ensure_one()
        attempt = link.transaction_ids.filtered(lambda tx: tx.operation != "refund").sorted(
            "id", reverse=True
        )[:1]
        if not attempt or attempt.state not in ("error", "cancel", "done"):
            return None
        if self.sudo().search_count(
            [("transaction_id", "=", attempt.id), ("channel", "=", "retry")], limit=1
        ):
            return None
        try:
            # As Odoo does for an expected unique violation (account's partner.py): no ERROR
            # "bad query" line in the log when two clicks race for the same attempt.
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                urls = self._issue(link, "retry", transaction=attempt)
                self.env.flush_all()
        except psycopg2.errors.UniqueViolation:
            return None  # the same attempt retried at the same time: one token only
        return urls[link.id]

    @api.model
    def _issue(self, links, channel, transaction=None):
        """Give each of ``links`` one more token, for a reminder or a printed document.

        The link's earlier tokens keep working; all of them die with the link.

        :param links: ``payment.link`` records.
        :param str channel: What carries the token: 'sms', 'email', 'both', 'print', 'retry'.
        :param transaction: For 'retry', the ``payment.transaction`` it is issued after.
        :return: {link id: full URL} for the new tokens.
        :rtype: utils.UrlMap
        """
        urls, vals_list = utils.UrlMap(), []
        for link in links:
            # On paper, a code a person can type; elsewhere, a URL-safe token.
            token = utils.generate_code() if channel == "print" else utils.generate_token()
            stored = utils.normalize_code(token) if channel == "print" else token
            urls[link.id] = link._build_url(token)
            vals_list.append(
                {
                    "link_id": link.id,
                    "token_hash": utils.hash_token(stored),
                    "token_hint": utils.token_hint(stored),
                    "channel": channel,
                    "transaction_id": transaction.id if transaction else False,
                }
            )
        self.sudo().create(vals_list)
        return urls

    @api.model
    def _issue_print(self, link, document, reason):
        """A token of ``link`` for one printed PDF of ``document`` (the download answer only).

        Bounded audit: one "printed" event per document version (its last change) and window;
        at most ``const.PRINT_TOKENS_PER_LINK`` printed tokens per link, the oldest dropped.

        :return: The full URL of the new token.
        """
        link.ensure_one()
        url = self._issue(link, "print")[link.id]
        printed = self.sudo().search(
            [("link_id", "=", link.id), ("channel", "=", "print")], order="id desc"
        )
        printed[const.PRINT_TOKENS_PER_LINK :].unlink()
        version = fields.Datetime.to_string(document.write_date)
        since = fields.Datetime.now() - timedelta(minutes=const.AUDIT_WINDOW_MINUTES)
        already = (
            self.env["payment.link.event"]
            .sudo()
            .search_count(
                [
                    ("link_id", "=", link.id),
                    ("event_type", "=", "printed"),
                    ("document_version", "=", version),
                    ("date", ">", since),
                ],
                limit=1,
            )
        )
        if not already:
            link._log_events("printed", reason=reason, document_version=version)
        return url
