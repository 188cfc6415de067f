# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.0.0 -> 18.0.2.0.0: the addon was split by concern (cards, desk requests, webhooks).

The records that moved keep their XML id names; only their module changes. Renaming them
before the engine's data is loaded keeps every record (and what points to it: users in the
desk groups, edited mail templates, access rules, crons) instead of deleting it as obsolete
and creating a copy. The new addons are then loaded as an upgrade (not an install), so their
``noupdate`` records (mail templates, sequences) keep the administrator's edits; records they
add are created as usual. The moved names are listed in ``moved_xmlids.py`` beside this file.
"""

import logging
from importlib import util
from pathlib import Path

_logger = logging.getLogger(__name__)


def _moved():
    spec = util.spec_from_file_location(
        "payment_link_sms_moved_xmlids", Path(__file__).with_name("moved_xmlids.py")
    )
    module = util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.MOVED


def migrate(cr, version):
    if not version:
        return
    moved = _moved()
    for module, names in moved.items():
        cr.execute(
            """
            UPDATE ir_model_data SET module = %s
             WHERE module = 'payment_link_sms' AND name IN %s
               AND NOT EXISTS (
                   SELECT 1 FROM ir_model_data other
                    WHERE other.module = %s AND other.name = ir_model_data.name)
            """,
            [module, tuple(names), module],
        )
        _logger.info("payment_link_sms: %d XML ids moved to %s", cr.rowcount, module)
        # Odoo finds a model's SQL constraints and many2many tables by their module too: they
        # follow their model, else the addon would create them again and, uninstalled, leave
        # the engine's behind.
        cr.execute(
            """
            UPDATE ir_model_constraint c
               SET module = new.id
              FROM ir_model_data d, ir_module_module new, ir_module_module old
             WHERE d.module = %(module)s AND d.model = 'ir.model.constraint' AND d.res_id = c.id
               AND new.name = %(module)s AND old.name = 'payment_link_sms' AND c.module = old.id
            """,
            {"module": module},
        )
        cr.execute(
            """
            UPDATE ir_model_relation r
               SET module = new.id
              FROM ir_model_data d, ir_module_module new, ir_module_module old
             WHERE d.module = %(module)s AND d.model = 'ir.model' AND d.res_id = r.model
               AND new.name = %(module)s AND old.name = 'payment_link_sms' AND r.module = old.id
            """,
            {"module": module},
        )
    # Load the new addons in this same run, as an upgrade of records they already own.
    cr.execute(
        """
        UPDATE ir_module_module SET state = 'to upgrade'
         WHERE name IN %s AND state = 'uninstalled'
        """,
        [tuple(moved)],
    )
    _logger.info("payment_link_sms: %d addon(s) split from the engine loaded", cr.rowcount)
