# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import test_payment_attempts
from . import test_webhook_delivery
from . import test_webhook_security
from . import test_payment_safety
from . import test_live_progress
from . import test_card_on_file
from . import test_localstripe
