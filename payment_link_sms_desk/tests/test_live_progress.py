# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from odoo.addons.payment_link_sms.tests.common import CustomerPaysMeanwhile, ProgressCommon

from .common import PaymentRequestCommon


@tagged("post_install", "-at_install")
class TestLiveRequestBoardTour(PaymentRequestCommon, ProgressCommon, CustomerPaysMeanwhile):
    def test_the_board_moves_the_card_while_the_customer_pays(self):
        answer = self.create_request(reference="Dépannage A7")
        request = self.env["payment.request"].browse(answer["request_id"])
        self.link, self.token = self.link_of(answer), self.token_of(answer)
        self.link.sudo().lang = "en_US"
        self.start_tour_while_the_customer_pays(
            request,
            "/odoo/action-payment_link_sms_desk.action_payment_request?view_type=kanban",
            "payment_link_sms_live_board_tour",
            "desk_agent",
        )
        self.assertEqual(request.state, "paid")
