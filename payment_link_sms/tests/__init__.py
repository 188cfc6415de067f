# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import test_settings
from . import test_link_lifecycle
from . import test_pay_page
from . import test_tours
from . import test_send_errors
from . import test_messages
from . import test_security
from . import test_send_wizard
from . import test_documents
from . import test_reliability
from . import test_bulk_send
from . import test_notification_queue
from . import test_payment_safety
from . import test_user_view
from . import test_paylink_cli
from . import test_webhooks
from . import test_pay_page_assets
