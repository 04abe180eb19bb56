"""Stand-in for StackStorm's ``st2common.runners.base_action.Action`` (st2common is not on PyPI).

Only the documented contract of a python-script action: the runner constructs the class with
the pack config (``__init__(config)``), which it keeps as ``self.config`` next to a
``self.logger``, then calls ``run(**parameters)``; ``run`` returns a result, or an
``(ok, result)`` pair where ``ok`` False fails the execution.
"""

import logging


class Action:
    def __init__(self, config=None, action_service=None):
        self.config = config
        self.action_service = action_service
        self.logger = logging.getLogger(f"st2.actions.{type(self).__name__}")

    def run(self, **kwargs):
        raise NotImplementedError
