"""StackStorm action incident_notify: the thin shell over remediate.stackstorm.notify_route."""

from st2common.runners.base_action import Action

from remediate import stackstorm


class IncidentNotify(Action):
    def run(self, incident_id, route="remediate"):
        return stackstorm.call(
            self.config, stackstorm.notify_route, incident_id=incident_id, route=route
        )
