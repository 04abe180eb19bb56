"""StackStorm action inquiry_notify: the thin shell over remediate.stackstorm.notify_inquiry."""

from st2common.runners.base_action import Action

from remediate import stackstorm


class InquiryNotify(Action):
    def run(self, inquiry_id, route):
        return stackstorm.call(
            self.config, stackstorm.notify_inquiry, inquiry_id=inquiry_id, route=route
        )
