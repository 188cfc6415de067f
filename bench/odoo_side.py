# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The part of the bench that runs inside Odoo (started by ``bench/run.py``, not by hand).

Usage::

    python3 bench/odoo_side.py <setup|bulk|http> --json-out FILE [options] -- <odoo options>

* ``setup``: chart of accounts, company, providers, customers with valid mobiles and emails,
  posted invoices (committed);
* ``bulk``: for each size, our bulk send and Odoo's native equivalents on the same invoices,
  each measured then rolled back (so that every side starts from the same database);
* ``http``: what the HTTP phases need (a live link and its invoice's portal token, Stripe
  transactions for the webhook events), committed;
* ``queries``: SQL queries and time per view of both pages, in process (``--page``);
* ``webhook_queries``: SQL queries and process time per signed Stripe event, link and no-link
  events, in process (``--events``; ``--log-sql FILE`` lists one event's queries of each kind).

Each writes its results as JSON to ``--json-out``.
"""

import argparse
import json
import statistics
import sys
import time
import tracemalloc
from contextlib import ExitStack, contextmanager
from types import SimpleNamespace
from unittest.mock import patch

import odoo
from odoo import SUPERUSER_ID, api, sql_db
from odoo.fields import Command
from odoo.http import _request_stack
from odoo.tools import config

BENCH_REF = "BENCH"
# Invoice sets: C (bulk send), P (pay page), W (webhook, with links), N (webhook, no link).
MOBILE_DIGIT = {"C": 1, "P": 2, "W": 3, "N": 4, "H": 5}
WEBHOOK_SECRET = "whsec_bench_only_not_a_real_secret"
# Sides of the bulk comparison: (key, label, what it compares with).
SIDES = [
    ("ours_sms", "ours: send_payment_link('sms')"),
    ("ours_email", "ours: send_payment_link('email')"),
    ("ours_both", "ours: send_payment_link('both')"),
    ("native_sms", "native: sms.composer mass mode"),
    ("native_mail", "native: mail.compose.message mass_mail"),
    ("native_link", "native: payment.link.wizard x N"),
]
# Same length and same kind of placeholders as our SMS template, on the invoice itself; the
# token is replaced by a filler of the same length (22 characters) so that the native side
# does not pay for writing an access token on each invoice.
NATIVE_SMS_BODY = (
    "{{ object.company_id.name }}: {{ object.name }}, "
    "{{ format_amount(object.amount_residual, object.currency_id) }} due. Pay securely: "
    "{{ object.get_base_url() }}/pay/{{ '%022d' % object.id }} "
    "(valid until {{ format_date(object.invoice_date_due) }})"
)
NATIVE_MAIL_SUBJECT = "{{ object.company_id.name }}: payment request for {{ object.name }}"


# --- Plumbing -------------------------------------------------------------------------------


@contextmanager
def odoo_env(database):
    registry = odoo.modules.registry.Registry(database)
    with registry.cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {})


def _iap_success(self, local_endpoint, params, timeout=15):
    """What IAP answers when every SMS is accepted (the only network call of the SMS path)."""
    if local_endpoint == "/api/sms/3/send":
        return [
            {"uuid": number["uuid"], "state": "success", "credit": 1}
            for message in params["messages"]
            for number in message["numbers"]
        ]
    return {}


def _no_smtp(*args, **kwargs):
    raise AssertionError("the bench must never contact an SMTP server")


@contextmanager
def offline():
    """The SMS gateway answers success without network; SMTP must never be reached."""
    # Imported once the addons path is known (after the command line is parsed).
    from odoo.addons.base.models.ir_mail_server import IrMailServer
    from odoo.addons.sms.tools.sms_api import SmsApi

    with ExitStack() as stack:
        stack.enter_context(patch.object(SmsApi, "_contact_iap", _iap_success))
        stack.enter_context(patch.object(IrMailServer, "connect", _no_smtp))
        stack.enter_context(patch.object(IrMailServer, "send_email", _no_smtp))
        yield


# --- setup ----------------------------------------------------------------------------------


def setup(env, args):
    company = env.ref("base.main_company")
    if not company.chart_template:
        env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
    company.write(
        {
            "name": "Bench Towing Ltd",
            "country_id": env.ref("base.fr").id,
            "phone": "+33 1 23 45 67 89",
            "email": "billing@bench.example.com",
        }
    )
    env["ir.config_parameter"].set_param("web.base.url", "http://127.0.0.1:8069")
    env["iap.account"].get("sms")
    demo = env.ref("payment.payment_provider_demo")
    demo.write({"state": "test", "is_published": True, "company_id": company.id})
    admin = env.ref("base.user_admin")
    admin.write({"email": "admin@bench.example.com", "tz": "Europe/Paris"})

    templates = _native_templates(env)
    count = args.invoices
    started = time.monotonic()
    invoices = create_invoices(env, company, count, prefix="C")
    env.cr.commit()
    print(f"   {len(invoices)} posted invoices in {time.monotonic() - started:.0f}s", flush=True)
    if len(invoices) > 1:
        print(check_clone(env, invoices[-1]), flush=True)
    make_history(env, company)
    return {"invoice_count": len(invoices), "templates": templates}


HISTORY_LINKS = 1000


def make_history(env, company):
    """Links already sent and committed, their tables analysed: a database in use.

    Every side is measured then rolled back, so without a history our tables stay empty;
    PostgreSQL then plans the foreign-key checks on ``payment_link`` (those of the events and
    of the SMS trackers) as sequential scans of a table of a page or two, and keeps these plans
    for the session while the send adds thousands of rows to it in one transaction: each batch's
    inserts then cost more than the one before (measured: 4 ms a batch of 100 at first, 60 ms
    at N = 10,000; 11 s of the 34 s at N = 10,000). A table in use has its rows and its
    statistics, and the checks go through its primary key, as in production. The history's
    invoices are kept out of the measured ones (their ``ref``).
    """
    if env["payment.link"].search_count([]) >= HISTORY_LINKS:
        return
    started = time.monotonic()
    history = create_invoices(env, company, HISTORY_LINKS, prefix="H")
    history.write({"ref": f"{BENCH_REF}-HISTORY"})
    admin_env = env(user=env.ref("base.user_admin"), su=False)
    with offline():
        admin_env["account.move"].browse(history.ids).send_payment_link("sms")
        process_sms_outbox(env)
    env.cr.commit()
    for table in ("payment_link", "payment_link_event", "sms_tracker", "sms_sms", "mail_message"):
        env.cr.execute(f"ANALYZE {table}")
    env.cr.commit()
    print(
        f"   history: {HISTORY_LINKS} links sent and committed, tables analysed, in "
        f"{time.monotonic() - started:.0f}s",
        flush=True,
    )


def _native_templates(env):
    model = env["ir.model"]._get("account.move")
    sms = env["sms.template"].create(
        {"name": "Bench: native payment request", "model_id": model.id, "body": NATIVE_SMS_BODY}
    )
    ours_mail = env.ref("payment_link_sms.mail_template_payment_link")
    mail = env["mail.template"].create(
        {
            "name": "Bench: native payment request",
            "model_id": model.id,
            "subject": NATIVE_MAIL_SUBJECT,
            "email_from": ours_mail.email_from,
            "email_to": "{{ object.partner_id.email }}",
            "lang": "{{ object.partner_id.lang }}",
            "auto_delete": True,
            # The same body as ours, on the invoice's own fields.
            "body_html": ours_mail.body_html.replace("object.document_name", "object.name")
            .replace("object.amount", "object.amount_residual")
            .replace("object._get_expiration_local_date()", "object.invoice_date_due")
            .replace("object.url", "object.get_base_url() + '/pay/' + '%022d' % object.id"),
        }
    )
    return {"sms": sms.id, "mail": mail.id}


def _partner_values(prefix, index, country_id):
    return {
        "name": f"Customer {prefix}{index:05d}",
        "ref": f"{BENCH_REF}-{prefix}{index:05d}",
        "email": f"customer.{prefix.lower()}{index:05d}@example.com",
        # Unique valid French mobiles: +33 6 <digit of the set> <index>.
        "mobile": f"+33 6 {MOBILE_DIGIT[prefix]}{index // 10**6 % 10} "
        f"{index // 10**4 % 100:02d} {index // 100 % 100:02d} {index % 100:02d}",
        "country_id": country_id,
        "lang": "en_US",
    }


def _price(index):
    return 100 + index % 900


def create_invoices(env, company, count, prefix, chunk=10000):
    """``count`` posted customer invoices, each for its own customer (valid mobile and email).

    The first is made through the ORM (partner, invoice, ``action_post``); the others are its
    clones in SQL, ``chunk`` per query (the ORM makes about 4 posted invoices a second on a
    loaded machine, the clones some thousands): each its own customer (name, reference, email,
    mobile and its sanitized form), its own number in the journal's sequence, its own amount
    (the move's and its lines' amounts scaled alike, so that the move stays balanced and its
    residual is the receivable line's). ``check_clone`` shows that a clone is a real invoice.
    """
    france = env.ref("base.fr")
    existing = env["res.partner"].search_count([("ref", "=like", f"{BENCH_REF}-{prefix}%")])
    if count <= 0:
        return env["account.move"]
    partner = env["res.partner"].create(_partner_values(prefix, existing, france.id))
    template = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "ref": BENCH_REF,
            "company_id": company.id,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": "Towing service",
                        "quantity": 1,
                        "price_unit": _price(existing),
                        "tax_ids": [],
                    }
                )
            ],
        }
    )
    template.action_post()
    env.cr.commit()
    ids = [template.id]
    for start in range(existing + 1, existing + count, chunk):
        stop = min(start + chunk, existing + count)
        ids += _clone_invoices(env, template, range(start, stop), prefix, france.id)
        env.cr.commit()
    env.invalidate_all()
    return env["account.move"].browse(ids)


def _columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cr.fetchall()]


def _clone_sql(cr, table, overrides, source, where):
    """INSERT INTO ``table`` SELECT every column of the template row ``t`` as it is, except
    ``overrides`` ({column: SQL expression over ``t`` and the rows of ``source``, ``a``})."""
    columns = [c for c in _columns(cr, table) if c in overrides or c != "id"]
    values = [overrides.get(column, f't."{column}"') for column in columns]
    names = ", ".join(f'"{column}"' for column in columns)
    return (
        f"INSERT INTO {table} ({names}) SELECT {', '.join(values)} "
        f"FROM {table} t, {source} WHERE {where}"
    )


def _next_ids(cr, table, count):
    cr.execute(f"SELECT nextval('{table}_id_seq') FROM generate_series(1, %s)", [count])
    return [row[0] for row in cr.fetchall()]


def _clone_invoices(env, template, indexes, prefix, country_id):
    """Clones of the posted invoice ``template`` (and of its customer), one per index."""
    cr = env.cr
    env.flush_all()
    partner = template.partner_id
    values = [_partner_values(prefix, index, country_id) for index in indexes]
    partner_ids = _next_ids(cr, "res_partner", len(values))
    phone_sanitized = [v["mobile"].replace(" ", "") for v in values]
    assert partner.phone_sanitized == partner.mobile.replace(" ", ""), partner.phone_sanitized
    source = (
        "unnest(%(id)s::int[], %(name)s::varchar[], %(ref)s::varchar[], %(email)s::varchar[], "
        "%(mobile)s::varchar[], %(sanitized)s::varchar[]) "
        "AS a(id, name, ref, email, mobile, sanitized)"
    )
    overrides = {
        "id": "a.id",
        "name": "a.name",
        "complete_name": "a.name",
        "ref": "a.ref",
        "email": "a.email",
        "email_normalized": "a.email",
        "mobile": "a.mobile",
        "phone_sanitized": "a.sanitized",
        "commercial_partner_id": "a.id",
    }
    cr.execute(
        _clone_sql(cr, "res_partner", overrides, source, "t.id = %(template)s"),
        {
            "id": partner_ids,
            "name": [v["name"] for v in values],
            "ref": [v["ref"] for v in values],
            "email": [v["email"] for v in values],
            "mobile": [v["mobile"] for v in values],
            "sanitized": phone_sanitized,
            "template": partner.id,
        },
    )
    # The number: the template's, counted on in its sequence (same prefix and padding).
    number = template.sequence_number
    digits = len(template.name) - len(template.sequence_prefix)
    cr.execute(
        "SELECT coalesce(max(sequence_number), 0) FROM account_move "
        "WHERE journal_id = %s AND sequence_prefix = %s",
        [template.journal_id.id, template.sequence_prefix],
    )
    number = max(number, cr.fetchone()[0])
    numbers = list(range(number + 1, number + 1 + len(values)))
    names = [f"{template.sequence_prefix}{n:0{digits}d}" for n in numbers]
    move_ids = _next_ids(cr, "account_move", len(values))
    base_price = template.invoice_line_ids.price_unit
    factors = [_price(index) / base_price for index in indexes]
    params = {
        "id": move_ids,
        "partner": partner_ids,
        "partner_name": [v["name"] for v in values],
        "name": names,
        "number": numbers,
        "factor": factors,
        "template": template.id,
    }
    source = (
        "unnest(%(id)s::int[], %(partner)s::int[], %(partner_name)s::varchar[], "
        "%(name)s::varchar[], %(number)s::int[], %(factor)s::numeric[]) "
        "AS a(id, partner, partner_name, name, number, factor)"
    )
    move_columns = _columns(cr, "account_move")
    overrides = {
        "id": "a.id",
        "name": "a.name",
        "sequence_number": "a.number",
        "payment_reference": "a.name",
        "partner_id": "a.partner",
        "commercial_partner_id": "a.partner",
        "partner_shipping_id": "a.partner",
        "invoice_partner_display_name": "a.partner_name",
        "access_token": "NULL",
        "message_main_attachment_id": "NULL",
        **{
            column: f't."{column}" * a.factor'
            for column in move_columns
            if column.startswith("amount_") and column != "amount_total_words"
        },
    }
    for column in ("inalterable_hash", "secure_sequence_number"):
        if column in move_columns:
            overrides[column] = "NULL"
    cr.execute(_clone_sql(cr, "account_move", overrides, source, "t.id = %(template)s"), params)
    scaled = (
        "debit",
        "credit",
        "balance",
        "amount_currency",
        "amount_residual",
        "amount_residual_currency",
        "price_unit",
        "price_subtotal",
        "price_total",
        "tax_base_amount",
    )
    overrides = {
        "move_id": "a.id",
        "partner_id": "a.partner",
        "move_name": "a.name",
        **{column: f't."{column}" * a.factor' for column in scaled},
    }
    cr.execute(
        _clone_sql(cr, "account_move_line", overrides, source, "t.move_id = %(template)s"), params
    )
    return move_ids


def check_clone(env, invoice):
    """A cloned invoice is a real one: its form opens, it is balanced, a payment link is sent
    for it, and paying the link (Demo provider) reconciles the invoice; all rolled back."""
    with env.cr.savepoint(flush=False) as savepoint:
        user_env = env(user=env.ref("base.user_admin"), su=False)
        invoice = user_env["account.move"].browse(invoice.id)
        views = invoice.get_views([(False, "form")])
        form_fields = list(views["models"]["account.move"]["fields"])
        invoice.web_read({name: {} for name in form_fields})
        lines = invoice.line_ids
        assert not invoice.currency_id.compare_amounts(sum(lines.mapped("balance")), 0)
        receivable = lines.filtered(lambda line: line.display_type == "payment_term")
        assert invoice.amount_residual == receivable.amount_residual == invoice.amount_total
        assert invoice.payment_state == "not_paid" and invoice.state == "posted"
        with offline():
            answer = invoice.send_payment_link("sms")[0]
        assert answer.get("url"), answer
        # Paid through its link, as the pay page's transaction is (Demo provider).
        link = env["payment.link"].browse(answer["link_id"])
        tx = env["payment.transaction"].create(
            {
                "provider_id": env.ref("payment.payment_provider_demo").id,
                "payment_method_id": env.ref("payment_demo.payment_method_demo").id,
                "reference": f"BENCH-CHECK-{invoice.id}",
                "amount": link._get_amount_due(),
                "currency_id": link.currency_id.id,
                "partner_id": link.partner_id.id,
                "payment_link_id": link.id,
                "invoice_ids": [Command.set(invoice.ids)],
                "operation": "online_direct",
            }
        )
        tx._set_done()
        tx._post_process()
        invoice.invalidate_recordset()
        link.invalidate_recordset()
        state = invoice.payment_state
        assert state in ("paid", "in_payment"), state
        assert link.state == "paid", link.state
        summary = (
            f"   clone check: {invoice.name} ({invoice.partner_id.name}, "
            f"{invoice.amount_total:.2f}): form read ({len(form_fields)} fields), balanced, "
            f"link sent and paid (Demo): invoice {state}, link {link.state}"
        )
        savepoint.rollback()
    env.invalidate_all()
    return summary


# --- bulk -----------------------------------------------------------------------------------


def _mass_composer(invoices, model, values):
    """Odoo's composer ``model`` in mass mode on ``invoices``, as the list action opens it."""
    return (
        invoices.env[model]
        .with_context(active_model="account.move", active_ids=invoices.ids)
        .create({**values, "res_ids": repr(invoices.ids)})
    )


def side_function(key, templates):
    """The action a user triggers from the invoice list, per side."""
    if key.startswith("ours_"):
        channel = key.removeprefix("ours_")

        def run(invoices):
            invoices.send_payment_link(channel)

        return run
    if key == "native_sms":

        def run(invoices):
            _mass_composer(
                invoices,
                "sms.composer",
                {
                    "composition_mode": "mass",
                    "res_model": "account.move",
                    "template_id": templates["sms"],
                    "mass_keep_log": True,
                },
            ).action_send_sms()

        return run
    if key == "native_mail":

        def run(invoices):
            _mass_composer(
                invoices,
                "mail.compose.message",
                {
                    "composition_mode": "mass_mail",
                    "model": "account.move",
                    "template_id": templates["mail"],
                    "force_send": False,
                },
            )._action_send_mail()

        return run
    if key == "native_link":

        def run(invoices):
            Wizard = invoices.env["payment.link.wizard"]
            # The wizard signs its link with `request.env`: run it as in the web client's
            # request (only the environment is read from it).
            _request_stack.push(SimpleNamespace(env=invoices.env))
            try:
                for invoice in invoices:
                    wizard = Wizard.with_context(
                        active_model="account.move", active_id=invoice.id
                    ).create({})
                    assert wizard.link
            finally:
                _request_stack.pop()

        return run
    raise KeyError(key)


def process_sms_outbox(env):
    """Hand the queued SMS to the (mocked) gateway as Odoo's queue does, without committing."""
    outgoing = env["sms.sms"].sudo().search([("state", "=", "outgoing")])
    outgoing.send(unlink_failed=False, unlink_sent=True, auto_commit=False, raise_exception=False)
    env.cr.flush()


def measure_once(env, user, key, ids, templates, memory=False):
    """Run one side on ``ids`` as ``user`` and roll back; time, queries and peak memory."""
    env.cr.rollback()
    env.invalidate_all()
    user_env = env(user=user, su=False, context=dict(user.context_get()))
    invoices = user_env["account.move"].browse(ids)
    run = side_function(key, templates)
    result = {}
    if memory:
        tracemalloc.start()
        tracemalloc.reset_peak()
    queries = sql_db.sql_counter
    started, cpu_started = time.perf_counter(), time.process_time()
    run(invoices)
    user_env.cr.flush()  # pending writes and precommit hooks belong to the action
    result["send_s"] = time.perf_counter() - started
    # The Python process's CPU time: steadier than the wall time on a loaded machine (it
    # leaves out PostgreSQL's own time and the waits for the CPU).
    result["send_cpu_s"] = time.process_time() - cpu_started
    result["send_queries"] = sql_db.sql_counter - queries
    if memory:
        result["peak_bytes"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    if key in ("ours_sms", "ours_both", "native_sms"):
        queries = sql_db.sql_counter
        started = time.perf_counter()
        process_sms_outbox(env)
        result["queue_s"] = time.perf_counter() - started
        result["queue_queries"] = sql_db.sql_counter - queries
    result["sms_length"] = _sms_lengths(env) if key in ("ours_sms", "native_sms") else None
    env.cr.rollback()
    env.invalidate_all()
    return result


def _sms_lengths(env):
    env.cr.execute("SELECT avg(length(body))::int FROM sms_sms")
    return env.cr.fetchone()[0]


def bulk(env, args):
    templates = args.templates
    user = env.ref("base.user_admin")
    ids = (
        env["account.move"]
        .search([("ref", "=", BENCH_REF), ("state", "=", "posted")], order="id")
        .ids
    )
    sizes = [size for size in args.sizes if size <= len(ids)]
    all_keys = [key for key, _label in SIDES]
    results = []
    with offline():
        # Warm the registry caches (templates compiled, xmlids...) of every side alike.
        for key in all_keys:
            measure_once(env, user, key, ids[-5:], templates)
        for size in sizes:
            # From 5,000 invoices on, only the sides asked (the link wizard x 10,000 alone
            # takes most of an hour).
            keys = args.big_sides if size >= 5000 and args.big_sides else all_keys
            # Every side once per round, rounds alternated: a load spike on the machine hits
            # every side alike; the median of the rounds is kept.
            repeat = args.repeat if size < 5000 else 1
            runs = {key: [] for key in keys}
            for _round in range(repeat):
                for key in keys:
                    runs[key].append(measure_once(env, user, key, ids[:size], templates))
            for key in keys:
                row = dict(sorted(runs[key], key=lambda run: run["send_s"])[len(runs[key]) // 2])
                row["send_s_runs"] = [run["send_s"] for run in runs[key]]
                row["send_cpu_s"] = statistics.median(run["send_cpu_s"] for run in runs[key])
                if not args.no_memory:
                    row["peak_bytes"] = measure_once(
                        env, user, key, ids[:size], templates, memory=True
                    )["peak_bytes"]
                row.update(side=key, size=size)
                results.append(row)
                print(
                    f"   {key:12s} N={size:6d}  {row['send_s']:7.2f}s  "
                    f"{row['send_cpu_s']:7.2f}s CPU  "
                    f"{row['send_queries'] / size:6.2f} q/inv  "
                    f"{(row.get('peak_bytes') or 0) / 2**20:7.1f} MiB",
                    flush=True,
                )
    return {"rows": results, "labels": dict(SIDES)}


# --- http -----------------------------------------------------------------------------------


def http_prepare(env, args):
    """A live link for the pay page, and Stripe transactions for the webhook events."""
    company = env.ref("base.main_company")
    env["ir.config_parameter"].set_param("web.base.url", f"http://127.0.0.1:{args.port}")
    admin_env = env(user=env.ref("base.user_admin"), su=False)
    with offline():
        page_invoice = create_invoices(env, company, 1, prefix="P")
        answer = admin_env["account.move"].browse(page_invoice.ids).send_payment_link("sms")[0]
        page_invoice._portal_ensure_token()
        # The card request page (a payment.card.request, no amount): the same customer asked
        # to save a card, with the demo provider (the bench's company accepts test providers).
        env.ref("payment.payment_provider_demo").allow_tokenization = True
        company.payment_consent_text = "I allow the company to keep my card for my next payments."
        card_answer = admin_env["res.partner"].browse(page_invoice.partner_id.ids)
        card_answer = card_answer.request_payment_card("sms")[0]
        transactions = webhook_transactions(env, company, args.events, "BENCH")
        env.cr.commit()
    return {
        "page": {
            "token": answer["url"].rsplit("/", 1)[1],
            "invoice_id": page_invoice.id,
            "access_token": page_invoice.access_token,
            "card_token": card_answer["url"].rsplit("/", 1)[1],
        },
        "webhook_secret": WEBHOOK_SECRET,
        "transactions": transactions,
    }


def webhook_transactions(env, company, count, tag):
    """The Stripe provider in test mode, and ``count`` open Stripe transactions of invoices
    sent by link (``link``) and ``count`` of invoices without a link (``plain``), referenced
    ``<tag>-<kind>-<index>``."""
    stripe = env.ref("payment.payment_provider_stripe")
    stripe.write(
        {
            "stripe_secret_key": "sk_test_bench_only",
            "stripe_publishable_key": "pk_test_bench_only",
            "stripe_webhook_secret": WEBHOOK_SECRET,
            "state": "test",
            "company_id": company.id,
        }
    )
    card = env.ref("payment.payment_method_card")
    card.active = True
    admin_env = env(user=env.ref("base.user_admin"), su=False)
    link_invoices = create_invoices(env, company, count, prefix="W")
    answers = admin_env["account.move"].browse(link_invoices.ids).send_payment_link("sms")
    plain_invoices = create_invoices(env, company, count, prefix="N")
    txs_values = []
    for kind, invoices, link_ids in (
        ("link", link_invoices, [a["link_id"] for a in answers]),
        ("plain", plain_invoices, [False] * count),
    ):
        for index, (invoice, link_id) in enumerate(zip(invoices, link_ids, strict=True)):
            txs_values.append(
                {
                    "reference": f"{tag}-{kind}-{index:05d}",
                    "provider_id": stripe.id,
                    "payment_method_id": card.id,
                    "amount": invoice.amount_residual,
                    "currency_id": invoice.currency_id.id,
                    "partner_id": invoice.partner_id.id,
                    "operation": "online_direct",
                    "invoice_ids": [Command.set(invoice.ids)],
                    "payment_link_id": link_id,
                }
            )
    txs = env["payment.transaction"].create(txs_values)
    return {
        kind: [
            {"reference": tx.reference, "amount": tx.amount, "currency": tx.currency_id.name}
            for tx in txs
            if tx.reference.startswith(f"{tag}-{kind}-")
        ]
        for kind in ("link", "plain")
    }


def page_queries(env, args):
    """SQL queries and in-process time per view of both pages (Odoo's WSGI application, no
    HTTP server, no cookie: each view as a new visitor, as the load generator's)."""
    import statistics

    from werkzeug.test import Client

    from odoo import http

    odoo.service.server.load_server_wide_modules()
    page = args.page
    urls = {
        "pay": f"/pay/{page['token']}",
        "portal": f"/my/invoices/{page['invoice_id']}?access_token={page['access_token']}",
    }
    client = Client(http.root, use_cookies=False)
    headers = {"User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/120 Mobile"}
    for url in urls.values():
        for _warm in range(3):
            assert client.get(url, headers=headers).status_code == 200, url
    times, queries = {key: [] for key in urls}, {key: [] for key in urls}
    for _round in range(args.repeat):
        for key, url in urls.items():  # alternated
            for _view in range(10):
                count, started = sql_db.sql_counter, time.perf_counter()
                client.get(url, headers=headers)
                times[key].append(time.perf_counter() - started)
                queries[key].append(sql_db.sql_counter - count)
    return {
        key: {
            "queries": statistics.median(queries[key]),
            "ms": statistics.median(times[key]) * 1000,
        }
        for key in urls
    }


def webhook_queries(env, args):
    """SQL queries and process time per signed Stripe event, in process (Odoo's WSGI
    application, no HTTP server), link and no-link events alternated; with ``--log-sql``, the
    queries of one event of each kind written to that file."""
    import statistics

    import load
    from werkzeug.test import Client

    from odoo import http

    odoo.service.server.load_server_wide_modules()
    company = env.ref("base.main_company")
    with offline():
        tag = f"BENCHQ{int(time.time())}"
        txs = webhook_transactions(env, company, args.events, tag)
        env.cr.commit()
    client = Client(http.root, use_cookies=False)
    url = "/payment/stripe/webhook"
    logged, recording = {}, []
    execute = sql_db.Cursor.execute

    def recorded_execute(cursor, query, params=None, log_exceptions=True):
        if recording:
            text = query.code if hasattr(query, "code") else str(query)
            recording[0].append(" ".join(text.split()))
        return execute(cursor, query, params, log_exceptions)

    results = {kind: {"queries": [], "cpu_ms": []} for kind in ("link", "plain")}
    with patch.object(sql_db.Cursor, "execute", recorded_execute):
        for index in range(args.events):
            for kind in ("link", "plain"):  # alternated
                tx = txs[kind][index]
                body = json.dumps(
                    load.stripe_event(tx["reference"], tx["amount"], tx["currency"], index=index)
                ).encode()
                headers = {
                    "Content-Type": "application/json",
                    "Stripe-Signature": load.sign(body, WEBHOOK_SECRET),
                }
                if args.log_sql and index == 1:
                    recording.append(logged.setdefault(kind, []))
                count, started = sql_db.sql_counter, time.process_time()
                response = client.post(url, data=body, headers=headers)
                results[kind]["cpu_ms"].append((time.process_time() - started) * 1000)
                results[kind]["queries"].append(sql_db.sql_counter - count)
                recording.clear()
                assert response.status_code == 200, response.status_code
        env.invalidate_all()
        paid = env["payment.transaction"].search_count(
            [("reference", "=like", f"{tag}-link-%"), ("payment_link_id.state", "=", "paid")]
        )
    if args.log_sql:
        with open(args.log_sql, "w") as out:
            for kind, queries in logged.items():
                out.write(f"== {kind}: {len(queries)} queries\n")
                out.writelines(f"{number:3d} {query}\n" for number, query in enumerate(queries, 1))
    return {
        **{
            kind: {
                "queries": statistics.median(row["queries"]),
                "cpu_ms": statistics.median(row["cpu_ms"]),
            }
            for kind, row in results.items()
        },
        "links_paid": paid,
        "events": args.events,
    }


def main():
    argv = sys.argv[1:]
    odoo_args = argv[argv.index("--") + 1 :] if "--" in argv else []
    own_args = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["setup", "bulk", "http", "queries", "webhook_queries"])
    parser.add_argument("--json-out", required=True)
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--sizes", type=lambda v: [int(s) for s in v.split(",")])
    parser.add_argument("--templates", type=json.loads)
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--port", type=int)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--big-sides", type=lambda v: [k for k in v.split(",") if k])
    parser.add_argument("--page", type=json.loads)
    parser.add_argument("--log-sql", help="webhook_queries: write one event's queries there")
    args = parser.parse_args(own_args)
    config.parse_config(odoo_args)
    command = {
        "setup": setup,
        "bulk": bulk,
        "http": http_prepare,
        "queries": page_queries,
        "webhook_queries": webhook_queries,
    }[args.command]
    with odoo_env(config["db_name"]) as env:
        result = command(env, args)
    with open(args.json_out, "w") as out:
        json.dump(result, out)


if __name__ == "__main__":
    main()
