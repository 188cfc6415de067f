# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""paylink: send and follow payment links of an Odoo database from the command line."""

__version__ = "18.0.1.0.0"
