"""Comparing a server reading with the browser reading it verifies."""

import logging

from django.conf import settings

from inference.decision import Decision, verification_difference
from readings.models import Reading, ReadingStatus

logger = logging.getLogger(__name__)


def verification_outcome(*, reading: Reading, decision: Decision) -> tuple[float | None, bool]:
    """The largest difference from the browser reading `reading` verifies, and whether the two disagree.

    (None, False) for a server reading that verifies nothing.
    """
    browser = reading.verifies
    if browser is None:
        return None, False
    browser_refused = browser.status == ReadingStatus.REFUSED
    difference = verification_difference(
        browser_refused=browser_refused,
        browser_probabilities=browser.probabilities,
        browser_input_score=browser.input_score,
        server=decision,
    )
    # Reading an image the other side refused is a disagreement however close the scores are.
    disagrees = browser_refused != decision.refused or difference > settings.INFERENCE_VERIFY_TOLERANCE
    if disagrees:
        logger.warning(
            "browser reading %s differs from the server's (browser %s, server %s, largest difference %.2g, "
            "tolerance %.2g): case %s flagged",
            reading.verifies_id,
            "refused" if browser_refused else "read",
            "refused" if decision.refused else "read",
            difference,
            settings.INFERENCE_VERIFY_TOLERANCE,
            reading.case_id,
        )
    return difference, disagrees
