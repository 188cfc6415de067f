# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import controllers
from . import models
from . import wizards
from .utils import install_log_masking


def post_load():
    """Mask payment link tokens in every log record of the server (see the manifest)."""
    install_log_masking()
