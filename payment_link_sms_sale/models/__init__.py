# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import payment_link
from . import sale_order
from . import sale_order_line
from . import payment_transaction
from . import account_move
