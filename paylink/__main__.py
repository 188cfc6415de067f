# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import sys

from paylink.cli import main

sys.exit(main())
