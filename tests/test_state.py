from itertools import pairwise

import pytest

from remediate.errors import InvalidTransition
from remediate.models import IncidentStatus as S
from remediate.state import TRANSITIONS, transition

HAPPY = [
    S.RECEIVED,
    S.INVESTIGATING,
    S.PROPOSED,
    S.AWAITING_APPROVAL,
    S.APPROVED,
    S.EXECUTING,
    S.VERIFIED,
    S.CLOSED,
]


def test_happy_path_is_allowed():
    for current, new in pairwise(HAPPY):
        assert transition(current, new) is new


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.PROPOSED, S.EXECUTING),  # never execute without approval
        (S.AWAITING_APPROVAL, S.EXECUTING),
        (S.REJECTED, S.EXECUTING),
        (S.EXPIRED, S.APPROVED),
        (S.CLOSED, S.INVESTIGATING),
        (S.VERIFIED, S.EXECUTING),
    ],
)
def test_unsafe_shortcuts_are_refused(current, new):
    with pytest.raises(InvalidTransition):
        transition(current, new)


def test_every_status_has_rules_and_only_approved_leads_to_executing():
    assert set(TRANSITIONS) == set(S)
    assert [s for s, nxt in TRANSITIONS.items() if S.EXECUTING in nxt] == [S.APPROVED]
