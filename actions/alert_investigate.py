"""StackStorm action alert_investigate: the thin shell over stackstorm.investigate_alert."""

from st2common.runners.base_action import Action

from remediate import stackstorm


class AlertInvestigate(Action):
    def run(self, alert):
        return stackstorm.call(self.config, stackstorm.investigate_alert, alert=alert)
