# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import models


def uninstall_hook(env):
    """Drop the webhooks' rows still waiting in the engine's notification queue: without this
    addon nothing would make their outbox rows (the engine would retry them as stage messages
    of an unknown type)."""
    env.cr.execute("DELETE FROM payment_link_notification WHERE link_event_id IS NOT NULL")
