# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import payment_link_charge
from . import payment_link_send
