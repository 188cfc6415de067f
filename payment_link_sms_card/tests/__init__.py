# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import test_card_consent
from . import test_card_charge
from . import test_card_tours
from . import test_card_numbers
from . import test_card_page
from . import test_card_rights
from . import test_charge_test_providers
from . import test_rights_matrix
from . import test_card_names
from . import test_consent_language
from . import test_charge_policy
from . import test_paylink_charge
