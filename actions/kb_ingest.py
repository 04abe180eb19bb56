"""StackStorm action kb_ingest: the thin shell over remediate.stackstorm.ingest_kb."""

from st2common.runners.base_action import Action

from remediate import stackstorm


class KbIngest(Action):
    def run(self):
        return stackstorm.call(self.config, stackstorm.ingest_kb)
