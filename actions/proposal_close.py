"""StackStorm action proposal_close: the thin shell over remediate.stackstorm.close_proposal."""

from st2common.runners.base_action import Action

from remediate import stackstorm


class ProposalClose(Action):
    def run(self, incident_id, proposal_hash, reason, response=None):
        return stackstorm.call(
            self.config,
            stackstorm.close_proposal,
            incident_id=incident_id,
            proposal_hash=proposal_hash,
            reason=reason,
            response=response,
        )
