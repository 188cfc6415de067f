# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import res_company
from . import res_config_settings
from . import payment_link_mixin
from . import payment_link
from . import payment_link_send_service
from . import payment_consent
from . import payment_card_request
from . import payment_token
from . import payment_transaction
from . import account_payment
from . import res_partner
