# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""paylink: send and follow Odoo payment links over XML-RPC (Python standard library only).

Exit codes: 0 success, 1 refused by the server (its message on stderr), 2 bad usage,
3 connection or authentication failure.

The API key is read from ``--api-key-file`` (or ``PAYLINK_API_KEY_FILE``), else from
``PAYLINK_API_KEY``, else asked for (without echo) when a terminal is attached; ``--api-key`` on
the command line still works but warns: other users see it in ``ps`` and the shell keeps it in
its history. An ``http://`` URL warns too (the key would cross the network in clear), except
for this machine (localhost, 127.0.0.0/8, ::1), where nothing leaves it. No message ever shows
the key or the password of a URL.
"""

import argparse
import datetime
import functools
import getpass
import http.client
import ipaddress
import json
import os
import re
import stat
import sys
import xmlrpc.client
from urllib.parse import urlsplit, urlunsplit

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_CONNECTION = 0, 1, 2, 3
TIMEOUT = 60
# A saved card named by its id in a refusal of the server ("Visa •••• 4242 #12").
CARD_ID = re.compile(r"#\d+\b")


class Failure(Exception):
    """A failure reported as one line on stderr with an exit code."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def warn(message):
    print(f"paylink: warning: {message}", file=sys.stderr)


def display_url(url):
    """``url`` without its user and password (what messages may show)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "the URL"
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]))


def redact(text, secrets):
    """``text`` with each of ``secrets`` (the API key, the URL's password) replaced."""
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        if len(secret) >= 3:
            text = text.replace(secret, "***")
    return text


def is_loopback(url):
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_api_key_file(path):
    """The API key in ``path`` (its first line); a warning when others may read the file."""
    try:
        with open(path, encoding="utf-8") as file:
            mode = os.fstat(file.fileno()).st_mode
            key = file.readline().strip()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise Failure(
            EXIT_USAGE, f"paylink: error: cannot read the API key file {path}: {reason}"
        ) from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        warn(f"{path} can be read by other users: chmod 600 {path}")
    if not key:
        raise Failure(EXIT_USAGE, f"paylink: error: the API key file {path} is empty")
    return key


def resolve_api_key(args):
    """The API key, from (in this order) the file, the command line (with a warning), the
    environment, or a prompt on a terminal; None when there is none."""
    key_file = args.api_key_file or os.environ.get("PAYLINK_API_KEY_FILE")
    if key_file:
        return read_api_key_file(key_file)
    if args.api_key:
        warn(
            "--api-key on the command line is visible to other users (ps) and kept in the "
            "shell history: use PAYLINK_API_KEY, --api-key-file or the prompt instead"
        )
        return args.api_key
    if os.environ.get("PAYLINK_API_KEY"):
        return os.environ["PAYLINK_API_KEY"]
    if sys.stdin is not None and sys.stdin.isatty():
        try:
            return getpass.getpass(f"Odoo API key of {args.user} on {display_url(args.url)}: ")
        except EOFError:
            return None
    return None


class UsageParser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        raise Failure(EXIT_USAGE, f"{self.prog}: error: {message}")


class TimeoutTransport(xmlrpc.client.Transport):
    def make_connection(self, host):
        conn = super().make_connection(host)
        conn.timeout = TIMEOUT
        return conn


class TimeoutSafeTransport(xmlrpc.client.SafeTransport):
    def make_connection(self, host):
        conn = super().make_connection(host)
        conn.timeout = TIMEOUT
        return conn


class Client:
    """An authenticated XML-RPC session on one Odoo database."""

    def __init__(self, url, db, user, key):
        self.url, self.db, self.key = url.rstrip("/"), db, key
        self.shown_url = display_url(self.url)
        transport = (TimeoutSafeTransport if url.startswith("https") else TimeoutTransport)()
        self._common = xmlrpc.client.ServerProxy(
            f"{self.url}/xmlrpc/2/common", transport=transport, allow_none=True
        )
        self._object = xmlrpc.client.ServerProxy(
            f"{self.url}/xmlrpc/2/object", transport=transport, allow_none=True
        )
        self.uid = self._call(self._common.authenticate, db, user, key, {})
        if not self.uid:
            raise Failure(
                EXIT_CONNECTION,
                f"authentication failed for user {user!r} on database {db!r} "
                "(check PAYLINK_USER and PAYLINK_API_KEY)",
            )

    def _call(self, method, *args):
        try:
            return method(*args)
        except xmlrpc.client.Fault as fault:
            raise Failure(*fault_to_failure(fault)) from None
        except xmlrpc.client.ProtocolError as error:
            raise Failure(
                EXIT_CONNECTION, f"{self.shown_url}: HTTP {error.errcode} {error.errmsg}"
            ) from None
        except (TimeoutError, OSError, http.client.HTTPException) as error:
            raise Failure(EXIT_CONNECTION, f"cannot reach {self.shown_url}: {error}") from None
        except xmlrpc.client.ResponseError as error:
            raise Failure(
                EXIT_CONNECTION, f"{self.shown_url}: not an Odoo answer ({error})"
            ) from None

    def execute(self, model, method, *args, **kwargs):
        return self._call(
            self._object.execute_kw, self.db, self.uid, self.key, model, method, list(args), kwargs
        )


def fault_to_failure(fault):
    """Map an Odoo XML-RPC fault to ``(exit code, one line)``."""
    code, text = fault.faultCode, str(fault.faultString or "")
    if code == 3 or text.startswith("AccessDenied"):
        return EXIT_CONNECTION, "access denied (check PAYLINK_USER and PAYLINK_API_KEY)"
    if code in (2, 4):  # UserError / ValidationError, AccessError / MissingError
        return EXIT_REFUSED, " ".join(text.split())
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if "database" in text and "does not exist" in text:
        return EXIT_CONNECTION, lines[-1] if lines else "unknown database"
    return EXIT_REFUSED, f"server error: {lines[-1] if lines else code}"


# --- Output ---------------------------------------------------------------------------------


def show(value, args, human):
    if args.json:
        print(json.dumps(value, indent=2, sort_keys=True, default=str))
    else:
        human(value)


def when(value):
    """A server date (UTC, ``YYYY-MM-DD HH:MM:SS``) in this machine's time zone, zone named.

    The time zone is the one ``TZ`` or the system sets; ``--json`` keeps the server's UTC value.
    """
    if not value:
        return "-"
    try:
        moment = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M %Z")


def money(summary, key):
    return f"{summary[key]:.2f} {summary['currency']}"


def print_status(summary, verbose=False):
    # A card charge has no page: no link, no expiry; each kind is named in its words.
    charge = summary.get("kind") == "card_on_file"
    state = summary["state"]
    if summary.get("status") and summary["status"].lower() != state:
        state = f"{state} ({summary['status']})"
    rows = [
        (
            "Card charge" if charge else "Link",
            summary["reference"] if charge else f"{summary['reference']} ({summary['link']})",
        ),
        ("Kind", summary.get("kind_label") or "payment link"),
        ("Document", summary["document"] or ""),
        ("Customer", summary["partner"] or ""),
        ("State", state),
    ]
    if summary.get("money"):
        rows.append(("Money", summary["money"]))
    if not charge:
        rows += [
            ("Expires", when(summary["expiration_date"])),
            ("Channel", summary["channel"]),
        ]
    if summary["phone"]:
        rows.append(("SMS", f"{summary['phone']} {summary['sms_state'] or ''}".strip()))
    if summary["email"]:
        rows.append(("Email", f"{summary['email']} {summary['email_state'] or ''}".strip()))
    if summary["delivery_failure_reason"]:
        rows.append(("Delivery failure", summary["delivery_failure_reason"]))
    rows += [
        ("Sent", when(summary["sent_date"])),
        ("Opened", when(summary["opened_date"])),
        ("Paid", when(summary["paid_date"])),
        ("Amount", money(summary, "amount")),
        ("Amount paid", money(summary, "amount_paid")),
    ]
    width = max(len(label) for label, _value in rows)
    for label, value in rows:
        print(f"{label + ':':<{width + 1}} {value}")
    if verbose:
        print("Events:")
        for event in summary.get("events", []):
            extra = " ".join(
                filter(None, [event["channel"], event["reason"] and f"({event['reason']})"])
            )
            print(f"  {when(event['date'])}  {event['event']:<16} {extra}".rstrip())


def print_list(summaries):
    if not summaries:
        print("No payment link.")
        return
    for s in summaries:
        print(
            f"{s['reference']:<16} {s['state']:<10} {s['document'] or '':<20} "
            f"{money(s, 'amount'):>14}  expires {when(s['expiration_date'])}"
        )


# --- Commands -------------------------------------------------------------------------------


def cmd_send(client, args):
    document = client.execute("payment.link.api", "find_document", args.document)
    answers = client.execute(
        document["model"],
        "send_payment_link",
        [document["id"]],
        args.channel or document.get("default_channel") or "sms",
        phone=args.phone,
        email=args.to,
    )
    answer = answers[0]
    if answer["error"]:
        raise Failure(EXIT_REFUSED, " ".join(answer["error"].split()))
    summary = client.execute(
        "payment.link.api", "link_status", link_reference(client, answer["link_id"])
    )
    summary["url"] = answer["url"]
    show(
        summary,
        args,
        lambda s: print(
            f"Sent {s['reference']} for {s['document']} by {s['channel']}: {s['url']}\n"
            f"Expires {when(s['expiration_date'])}"
        ),
    )


def cmd_request(client, args):
    answer = client.execute(
        "payment.link.api",
        "create_request",
        args.partner,
        args.amount,
        currency=args.currency,
        reference=args.reference,
        explanation=args.explanation,
        queue=args.queue,
        channel=args.channel,
    )
    show(
        answer,
        args,
        lambda a: print(
            f"Sent request {a['reference']} ({a['link']['reference']}) to "
            f"{a['link']['partner']} by {a['link']['channel']}: {a['url']}\n"
            f"Amount {money(a['link'], 'amount')}, expires {when(a['expiration_date'])}"
        ),
    )


def cmd_status(client, args):
    summary = client.execute("payment.link.api", "link_status", args.reference, args.verbose)
    show(summary, args, lambda s: print_status(s, args.verbose))


def link_reference(client, link_id):
    return client.execute("payment.link", "read", [link_id], ["name"])[0]["name"]


def cmd_expire(client, args):
    link_id = client.execute("payment.link.api", "find_link", args.reference)
    client.execute("payment.link", "action_expire", [link_id])
    summary = client.execute("payment.link.api", "link_status", link_reference(client, link_id))
    show(summary, args, lambda s: print(f"{s['reference']}: {s['state']}"))


def cmd_resend(client, args):
    link_id = client.execute("payment.link.api", "find_link", args.reference)
    new_id = client.execute("payment.link", "action_resend", [link_id])
    summary = client.execute("payment.link.api", "link_status", link_reference(client, new_id))
    show(
        summary,
        args,
        lambda s: print(
            f"Resent as {s['reference']} by {s['channel']}: {s['link']}, "
            f"expires {when(s['expiration_date'])}"
        ),
    )


def cmd_list(client, args):
    summaries = client.execute("payment.link.api", "list_links", args.state, args.since, args.limit)
    show(summaries, args, print_list)


def add_channel_options(parser, default):
    channel = parser.add_mutually_exclusive_group()
    for name in ("sms", "email", "both"):
        channel.add_argument(
            f"--{name}",
            dest="channel",
            action="store_const",
            const=name,
            help=f"send by {name} (default: {default})",
        )


def find_one(client, model, domain, missing, several):
    """The id of the one record of ``model`` matching ``domain`` (searched with the caller's
    rights), or a refusal (exit 1) saying there is none, or several."""
    ids = client.execute(model, "search", domain, limit=2)
    if not ids:
        raise Failure(EXIT_REFUSED, missing)
    if len(ids) > 1:
        raise Failure(EXIT_REFUSED, several)
    return ids[0]


def cmd_statement(client, args):
    """One link for several open invoices of a customer (all of them, or the ones named)."""
    partner = args.partner.strip()
    if partner.isdigit():
        partner_id = int(partner)
    else:
        partner_id = find_one(
            client,
            "res.partner",
            [["name", "=ilike", partner]],
            f"No customer named {partner}.",
            f"Several customers are named {partner}: use the customer's id.",
        )
    invoice_ids = None
    if args.invoices:
        invoice_ids = [
            find_one(
                client,
                "account.move",
                [["name", "=", number.strip()], ["move_type", "=", "out_invoice"]],
                f"No invoice numbered {number}.",
                f"Several invoices are numbered {number}.",
            )
            for number in args.invoices
        ]
    answer = client.execute(
        "res.partner",
        "send_statement_payment_link",
        [partner_id],
        args.channel or "sms",
        invoice_ids=invoice_ids,
    )
    if answer["error"]:
        raise Failure(EXIT_REFUSED, " ".join(answer["error"].split()))
    summary = client.execute(
        "payment.link.api", "link_status", link_reference(client, answer["link_id"])
    )
    summary.update(
        url=answer["url"],
        statement=answer["name"],
        invoice_ids=answer["invoice_ids"],
        statement_amount=answer["amount"],
    )
    show(
        summary,
        args,
        lambda s: print(
            f"Sent statement {s['statement']} ({s['reference']}) of {len(s['invoice_ids'])} "
            f"invoice(s) by {s['channel']}: {s['url']}\n"
            f"Amount {money(s, 'amount')}, expires {when(s['expiration_date'])}"
        ),
    )


def cmd_charge(client, args):
    """Charge the customer's card on file for an invoice or order (exit 1 unless the money is
    paid or on its way: declined, or the bank asks the customer to authenticate)."""
    document = client.execute("payment.link.api", "find_document", args.document)
    options = {}
    if args.card is not None:
        options["token_id"] = args.card
    if args.amount is not None:
        options["amount"] = args.amount
    try:
        answer = client.execute(
            document["model"], "charge_card_on_file", [document["id"]], **options
        )
    except Failure as failure:
        # Without --card the server charges the default card, or the only one; with several
        # and no default it refuses, listing them by id ("#12"): say how to name one.
        if args.card is None and CARD_ID.search(str(failure)):
            raise Failure(failure.code, f"{failure} Name the card with --card ID.") from None
        raise
    answer["document"] = document["name"]
    answer["reference"] = link_reference(client, answer["link_id"])
    if answer["state"] not in ("paid", "pending"):
        if args.json:
            show(answer, args, None)
        raise Failure(EXIT_REFUSED, f"{answer['state']}: {' '.join(answer['message'].split())}")
    summary = client.execute("payment.link.api", "link_status", answer["reference"])
    # "Card charged", and partly paid when the charge paid part of what is due.
    answer["status"] = summary.get("status") or answer["state"]
    answer["money"] = summary.get("money") or False
    show(
        answer,
        args,
        lambda a: print(
            f"Card charged for {a['document']} ({a['reference']}): "
            f"{a['money'] or a['status']}. {a['message']}"
            if a["state"] == "paid"
            else f"Card charge pending for {a['document']} ({a['reference']}): {a['message']}"
        ),
    )


def build_parser():
    parser = UsageParser(
        prog="paylink",
        description="Send and follow Odoo payment links over XML-RPC.",
        epilog="Exit codes: 0 success, 1 refused by the server, 2 bad usage, "
        "3 connection or authentication failure.",
    )
    env = os.environ.get
    common = argparse.ArgumentParser(add_help=False)
    # Options are accepted before and after the command; after it they are "suppressed" when
    # absent so that they do not hide the ones given before it.
    for target, defaults in ((parser, True), (common, False)):

        def default(value, defaults=defaults):
            return value if defaults else argparse.SUPPRESS

        target.add_argument(
            "--url",
            default=default(env("PAYLINK_URL")),
            help="Odoo URL (PAYLINK_URL), e.g. http://localhost:8069",
        )
        target.add_argument(
            "--db", default=default(env("PAYLINK_DB")), help="database (PAYLINK_DB)"
        )
        target.add_argument(
            "--user", default=default(env("PAYLINK_USER")), help="login (PAYLINK_USER)"
        )
        target.add_argument(
            "--api-key",
            default=default(None),
            help="Odoo API key or password: prefer PAYLINK_API_KEY, --api-key-file or the "
            "prompt (on the command line, other users see it in ps and the shell history)",
        )
        target.add_argument(
            "--api-key-file",
            metavar="PATH",
            default=default(None),
            help="read the API key from the first line of this file (PAYLINK_API_KEY_FILE)",
        )
        target.add_argument(
            "--json", action="store_true", default=default(False), help="print JSON for scripts"
        )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=UsageParser)
    sub.add_parser = functools.partial(sub.add_parser, parents=[common])

    send = sub.add_parser("send", help="send a payment link for an invoice or order")
    send.add_argument("document", metavar="INVOICE_OR_ORDER_NUMBER")
    add_channel_options(send, "the company's default channel")
    send.add_argument("--phone", help="number to text instead of the customer's")
    send.add_argument("--to", help="address to email instead of the customer's")
    send.set_defaults(func=cmd_send, channel=None)

    request = sub.add_parser(
        "request", help="ask a client for a payment without a document (a desk request)"
    )
    request.add_argument("--partner", required=True, metavar="NAME_OR_ID", help="the client")
    request.add_argument("--amount", required=True, help="the amount, e.g. 120.50")
    request.add_argument("--currency", help="currency code (default: the company's)")
    request.add_argument("--reference", help="reference shown to the client (default: now)")
    request.add_argument("--explanation", metavar="TEXT", help="shown on the payment page")
    request.add_argument("--queue", metavar="NAME", help="payment queue (default: your only one)")
    add_channel_options(request, "the queue's channel")
    request.set_defaults(func=cmd_request, channel=None)

    status = sub.add_parser(
        "status", help="state of a link (link reference, document number or request reference)"
    )
    status.add_argument("reference", metavar="REFERENCE")
    status.add_argument("-v", "--verbose", action="store_true", help="list the link's events")
    status.set_defaults(func=cmd_status)

    expire = sub.add_parser("expire", help="expire a link now")
    expire.add_argument("reference", metavar="REFERENCE")
    expire.set_defaults(func=cmd_expire)

    resend = sub.add_parser("resend", help="cancel a link and send a new one")
    resend.add_argument("reference", metavar="REFERENCE")
    resend.set_defaults(func=cmd_resend)

    statement = sub.add_parser(
        "statement", help="one link for a customer's open invoices (all, or those named)"
    )
    statement.add_argument("partner", metavar="PARTNER", help="the customer's name or id")
    statement.add_argument(
        "--invoice",
        dest="invoices",
        action="append",
        metavar="NUMBER",
        help="an invoice to ask (repeat; default: all the customer's open invoices)",
    )
    add_channel_options(statement, "sms")
    statement.set_defaults(func=cmd_statement, channel=None)

    charge = sub.add_parser("charge", help="charge the customer's card on file")
    charge.add_argument("document", metavar="INVOICE_NUMBER")
    charge.add_argument(
        "--card",
        type=int,
        metavar="ID",
        help="the saved card's id (default: the default card, or the only one)",
    )
    charge.add_argument("--amount", metavar="A", help="amount to charge (default: the amount due)")
    charge.set_defaults(func=cmd_charge)

    list_ = sub.add_parser("list", help="latest links, newest first")
    list_.add_argument("--state", help="only links in this state (sent, opened, paid...)")
    list_.add_argument("--since", metavar="DATE", help="only links created on or after YYYY-MM-DD")
    list_.add_argument("--limit", type=int, default=80, help="at most this many (default 80)")
    list_.set_defaults(func=cmd_list)
    return parser


def main(argv=None):
    parser = build_parser()
    secrets = []
    try:
        args = parser.parse_args(argv)
        if not args.command:
            parser.print_help(sys.stderr)
            raise Failure(EXIT_USAGE, "paylink: error: a command is required")
        missing = [
            var
            for var, value in (
                ("PAYLINK_URL (--url)", args.url),
                ("PAYLINK_DB (--db)", args.db),
                ("PAYLINK_USER (--user)", args.user),
            )
            if not value
        ]
        if missing:
            raise Failure(EXIT_USAGE, f"paylink: error: missing {', '.join(missing)}")
        if not args.url.startswith(("http://", "https://")):
            raise Failure(EXIT_USAGE, "paylink: error: --url must start with http:// or https://")
        secrets.append(urlsplit(args.url).password)
        api_key = resolve_api_key(args)
        if not api_key:
            raise Failure(
                EXIT_USAGE,
                "paylink: error: missing the API key: PAYLINK_API_KEY, --api-key-file "
                "(PAYLINK_API_KEY_FILE), or run on a terminal to be asked for it",
            )
        secrets.append(api_key)
        if args.url.startswith("http://") and not is_loopback(args.url):
            warn(
                f"{display_url(args.url)} is not encrypted: the API key crosses the network "
                "in clear text (use https://)"
            )
        client = Client(args.url, args.db, args.user, api_key)
        args.func(client, args)
    except Failure as failure:
        print(redact(str(failure), secrets), file=sys.stderr)
        return failure.code
    except KeyboardInterrupt:
        print("paylink: interrupted", file=sys.stderr)
        return EXIT_CONNECTION
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
