# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import test_neutralize
from . import test_payment_webhook_queue
from . import test_rights_matrix
from . import test_webhooks
from . import test_webhook_safety
