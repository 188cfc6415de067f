# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class IrSequence(models.Model):
    _inherit = "ir.sequence"

    @api.model
    def _next_by_code_batch(self, sequence_code, count):
        """Draw ``count`` numbers of the sequence ``sequence_code`` of the current company.

        The same numbers as ``next_by_code(sequence_code)`` called ``count`` times, drawn in
        one query for a standard sequence (a bulk send of thousands of payment links would
        otherwise cost two queries per link).

        :return: The numbers, in increasing order ('/' when there is no sequence).
        :rtype: list
        """
        self.browse().check_access("read")
        sequence = self.search(
            [("code", "=", sequence_code), ("company_id", "in", [self.env.company.id, False])],
            order="company_id",
            limit=1,
        )
        if not sequence:
            return ["/"] * count
        if sequence.implementation != "standard" or sequence.use_date_range:
            return [sequence._next() for _index in range(count)]
        self.env.cr.execute(
            "SELECT nextval(%s) FROM generate_series(1, %s)",
            ["ir_sequence_%03d" % sequence.id, count],
        )
        numbers = sorted(row[0] for row in self.env.cr.fetchall())
        # What get_next_char() returns for each number, the prefix interpolated once.
        prefix, suffix = sequence._get_prefix_suffix()
        return [f"{prefix}{number:0{sequence.padding}d}{suffix}" for number in numbers]
