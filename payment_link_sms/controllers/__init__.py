# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import portal
from . import report
from . import progress
from . import accessibility
from . import receipt
