# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import res_company
from . import res_config_settings
from . import payment_link_mixin
from . import payment_link
from . import payment_link_event
from . import payment_link_token
from . import payment_link_throttle
from . import account_move
from . import account_move_line
from . import account_move_send
from . import payment_provider
from . import payment_transaction
from . import sms_tracker
from . import mail_mail
from . import payment_link_api
from . import payment_link_webhook
from . import payment_link_webhook_delivery
