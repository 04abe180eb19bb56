"""StackStorm action incident_get: the thin shell over remediate.stackstorm.get_incident."""

from st2common.runners.base_action import Action

from remediate import stackstorm


class IncidentGet(Action):
    def run(self, incident_id):
        return stackstorm.call(self.config, stackstorm.get_incident, incident_id=incident_id)
