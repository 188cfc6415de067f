# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import test_settings
from . import test_link_lifecycle
from . import test_pay_page
from . import test_tours
