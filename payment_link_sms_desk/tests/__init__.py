# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import test_payment_request
from . import test_tours
from . import test_live_progress
from . import test_accessibility
from . import test_document_rights
from . import test_paylink_cli
from . import test_rights_matrix
