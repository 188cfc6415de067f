# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import test_statement_send
from . import test_statement_payment
from . import test_paylink_statement
from . import test_rights_matrix
from . import test_statement_tour
