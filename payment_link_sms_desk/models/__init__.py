# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import payment_link_queue
from . import payment_request
from . import payment_link
from . import payment_link_api
