# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import test_booking_flow
from . import test_send
from . import test_amount_change
from . import test_filters
from . import test_tours
from . import test_mail_template
from . import test_money_after_close
from . import test_accessibility
from . import test_status_widget
