"""StackStorm action proposal_execute: the thin shell over remediate.stackstorm.execute_proposal."""

from st2common.runners.base_action import Action

from remediate import stackstorm


class ProposalExecute(Action):
    def run(self, incident_id, proposal_hash, response):
        return stackstorm.call(
            self.config,
            stackstorm.execute_proposal,
            incident_id=incident_id,
            proposal_hash=proposal_hash,
            response=response,
        )
