# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import payment_link_webhook
from . import payment_link_webhook_delivery
from . import payment_link_event
from . import payment_link_notification
