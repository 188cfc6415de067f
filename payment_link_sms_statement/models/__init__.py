# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import payment_link_statement
from . import account_move
from . import account_move_line
from . import payment_transaction
from . import res_company
from . import res_config_settings
from . import res_partner
