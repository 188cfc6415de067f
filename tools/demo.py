#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Start a local Odoo 18 with demo data and the addons, ready to send and pay a link.

Usage (from the repository root)::

    python3 tools/demo.py [--db payment_link_demo] [--port 8069]

Creates the database ``payment_link_demo`` with Odoo's demo data on the first run (later runs
reuse it), installs the addons and ``payment_demo`` (published and enabled for the company, so
a payment completes without any external service), configures Stripe in test mode when
``STRIPE_SECRET_KEY``, ``STRIPE_PUBLISHABLE_KEY`` and ``STRIPE_WEBHOOK_SECRET`` are set, prints
the admin login and the URL of an unpaid demo invoice, then serves Odoo on
http://localhost:8069 until Ctrl-C.

Its messages arrive offline: beside Odoo it starts tools/demo_gateway.py, a stand-in for the
SMS gateway (Odoo's ``sms.endpoint`` points at it; it reports each SMS delivered through Odoo's
delivery-report route) and an SMTP catcher (the database's outgoing mail server), with one
page, http://127.0.0.1:9069/ by default (port + 1000), showing what arrived like a phone.
"""

import argparse
import signal
import subprocess
import sys

from odoo_env import (
    REPO,
    ensure_postgresql,
    ensure_python_requirements,
    ensure_wkhtmltopdf,
    find_odoo,
    odoo_entry,
    repo_addons,
    run,
)

CONFIGURE_SCRIPT = r"""
import os, sys, odoo
from odoo.tools import config
config.parse_config(sys.argv[1:])
registry = odoo.modules.registry.Registry.new(config["db_name"])
with registry.cursor() as cr:
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    company = env.ref("base.main_company")
    params = env["ir.config_parameter"]
    params.set_param("web.base.url", os.environ["DEMO_BASE_URL"])
    params.set_param("web.base.url.freeze", "True")
    demo = env.ref("payment.payment_provider_demo")
    demo.write({"state": "test", "is_published": True, "company_id": company.id})
    # The demo provider exists only in test mode: the demo company accepts test payments.
    company.payment_link_allow_test_providers = True
    keys = [os.environ.get(k) for k in
            ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET")]
    stripe = env.ref("payment.payment_provider_stripe", raise_if_not_found=False)
    if all(keys) and stripe and "stripe_secret_key" in stripe._fields:
        stripe.write({
            "stripe_secret_key": keys[0], "stripe_publishable_key": keys[1],
            "stripe_webhook_secret": keys[2], "state": "test", "is_published": True,
        })
        print("DEMO-STRIPE test mode")
    invoice = env["account.move"].search([
        ("move_type", "=", "out_invoice"), ("state", "=", "posted"),
        ("payment_state", "=", "not_paid"), ("company_id", "=", company.id),
    ], limit=1)
    if not invoice:
        partner = env.ref("base.res_partner_2", raise_if_not_found=False) or \
            env["res.partner"].create({"name": "Demo Customer"})
        invoice = env["account.move"].create({
            "move_type": "out_invoice", "partner_id": partner.id,
            "invoice_line_ids": [(0, 0, {"name": "Towing service", "quantity": 1,
                                         "price_unit": 180.0})],
        })
        invoice.action_post()
    # The demo's messages arrive offline: SMS through the local gateway stand-in, emails
    # through the local SMTP catcher (tools/demo_gateway.py); both on loopback only.
    params.set_param("sms.endpoint", os.environ["DEMO_SMS_ENDPOINT"])
    server_values = {
        "name": "Demo mail catcher (tools/demo_gateway.py)",
        "smtp_host": "127.0.0.1",
        "smtp_port": int(os.environ["DEMO_SMTP_PORT"]),
        "smtp_encryption": "none",
        "smtp_authentication": "login",
        "smtp_user": False,
        "smtp_pass": False,
        "sequence": 1,
        "active": True,
    }
    mail_server = env["ir.mail_server"].search([("name", "=", server_values["name"])], limit=1)
    if mail_server:
        mail_server.write(server_values)
    else:
        env["ir.mail_server"].create(server_values)
    partner = invoice.partner_id
    if not (partner.mobile or partner.phone):
        partner.mobile = "+1 202 555 0143"
    print("DEMO-INVOICE %s %s" % (invoice.id, invoice.name))
    # A live link for the demo invoice (no message is sent); each run prints a working URL.
    link = invoice._paylink_ensure_live(email=partner.email or "demo@example.com")
    print("DEMO-LINK %s" % link.env["payment.link.token"]._issue(link, "print")[link.id])
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="payment_link_demo")
    parser.add_argument("--port", type=int, default=8069)
    parser.add_argument(
        "--inbox-port",
        type=int,
        help="the SMS gateway stand-in and inbox page (default: port+1000)",
    )
    parser.add_argument("--smtp-port", type=int, help="the SMTP catcher (default: port+2000)")
    args = parser.parse_args()
    inbox_port = args.inbox_port or args.port + 1000
    smtp_port = args.smtp_port or args.port + 2000

    env, addons_dirs, package_dir = find_odoo()
    ensure_postgresql()
    ensure_python_requirements(("requirements.txt", "requirements-demo.txt"))
    ensure_wkhtmltopdf()
    addons_path = ",".join([str(REPO), *map(str, addons_dirs)])
    # Odoo's own entry point: its reload (after a limit reached, or SIGHUP) re-executes it.
    base = [
        *odoo_entry(package_dir),
        f"--addons-path={addons_path}",
        f"--database={args.db}",
        f"--db-filter=^{args.db}$",
    ]

    exists = (
        run(
            ["psql", "-d", args.db, "-tAc", "select 1"], check=False, capture_output=True, env=env
        ).returncode
        == 0
    )
    modules = ",".join(["payment_demo", *repo_addons()])
    if exists:
        print(f"== reusing database {args.db} (installing any addon it lacks)", flush=True)
    else:
        print(f"== creating database {args.db} with demo data (takes a minute or two)", flush=True)
    # `-i` installs what is missing, `-u` brings our addons up to date: safe on every run.
    run(
        [
            *base,
            f"--init={modules}",
            f"--update={','.join(repo_addons())}",
            "--stop-after-init",
            "--log-level=warn",
        ],
        env=env,
    )
    configured = run(
        [
            sys.executable,
            "-c",
            CONFIGURE_SCRIPT,
            f"--addons-path={addons_path}",
            f"--database={args.db}",
            "--log-level=warn",
        ],
        env={
            **env,
            "DEMO_BASE_URL": f"http://localhost:{args.port}",
            "DEMO_SMS_ENDPOINT": f"http://127.0.0.1:{inbox_port}",
            "DEMO_SMTP_PORT": str(smtp_port),
        },
        capture_output=True,
    )
    print(configured.stderr, end="", file=sys.stderr)
    lines = dict(
        line.split(" ", 1) for line in configured.stdout.splitlines() if line.startswith("DEMO-")
    )
    if "DEMO-INVOICE" not in lines:
        sys.exit(f"The demo database could not be configured:\n{configured.stdout}")
    invoice_id, invoice_name = lines["DEMO-INVOICE"].split(" ", 1)
    pay_url = lines.get("DEMO-LINK", "")
    url = f"http://localhost:{args.port}"
    gateway = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "tools" / "demo_gateway.py"),
            f"--http-port={inbox_port}",
            f"--smtp-port={smtp_port}",
        ],
        env=env,
    )
    print(
        f"""
== Odoo is starting on {url}
   login: admin   password: admin
   demo invoice {invoice_name}: {url}/odoo/action-account.action_move_out_invoice_type/{invoice_id}
   (open it and click "Resend Link", or "Expire Link" then "Send Payment Link"; pay with Demo)
   its payment page, as the customer sees it: {pay_url}
   the customer's phone (SMS and emails as they arrive): http://127.0.0.1:{inbox_port}/
   Stop with Ctrl-C.
""",
        flush=True,
    )
    odoo = subprocess.Popen([*base, f"--http-port={args.port}"], env=env)
    # Stopped by a service manager (SIGTERM): Odoo and the stand-ins stop with the demo.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: odoo.send_signal(signal.SIGTERM))
    try:
        code = odoo.wait()
    except KeyboardInterrupt:  # Ctrl-C reached Odoo too: let it shut down gracefully
        code = odoo.wait()
    finally:
        gateway.terminate()
        gateway.wait()
    sys.exit(code)


if __name__ == "__main__":
    main()
