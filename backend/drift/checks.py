"""The rules that turn one week's numbers into ok, warn or breach (thresholds in settings, DRIFT_*).

- `score`, `intensity`: PSI of the week against the package's validation reference. A breach
  needs both PSI >= DRIFT_PSI_BREACH and a two-sample test that finds the shift significant
  (p < DRIFT_P_VALUE); a warning, PSI >= DRIFT_PSI_WARN and p < DRIFT_P_VALUE_WARN. With a few
  dozen readings a week PSI alone is about 0.1-0.2 from sampling, so it never decides by itself.
- `size`: the same rule for the images' short side, against the version's own earlier weeks
  (the validation images were resized before anyone kept them, so they say nothing of the sizes
  a clinic uploads).
- `refusals`: the share of readings the model refused (input gate or DICOM header), against
  DRIFT_REFUSAL_WARN and DRIFT_REFUSAL_BREACH.
- `agreement`: the share of signed reports in force that agree with the reading they cite, against
  DRIFT_AGREEMENT_WARN and DRIFT_AGREEMENT_BREACH (breach below it).

A week with fewer than DRIFT_MIN_READINGS readings (DRIFT_MIN_REPORTS reports for agreement)
gets no verdict on that check: `too_few`. No reference (a package without one, or no longer
installed): `no_reference`.
"""

from dataclasses import dataclass

from django.conf import settings

OK, WARN, BREACH, TOO_FEW, NO_REFERENCE = "ok", "warn", "breach", "too_few", "no_reference"
CHECKS = ("score", "intensity", "size", "refusals", "agreement")


@dataclass(frozen=True)
class Check:
    name: str
    level: str
    value: float | None  # PSI, or a share for refusals and agreement
    p_value: float | None
    warn_at: float
    breach_at: float
    sample: int  # readings (reports for agreement) the verdict rests on
    says: str  # one plain sentence for the admin page and the command


def shift_check(
    name: str, *, what: str, value: float | None, p_value: float | None, sample: int, compared_with: str
) -> Check:
    warn_at, breach_at = settings.DRIFT_PSI_WARN, settings.DRIFT_PSI_BREACH

    def check(level: str, says: str) -> Check:
        return Check(name, level, value, p_value, warn_at, breach_at, sample, says)

    if value is None:
        return check(NO_REFERENCE, f"{what}: nothing to compare with ({compared_with} missing).")
    if sample < settings.DRIFT_MIN_READINGS:
        return check(TOO_FEW, f"{what}: {sample} readings, fewer than {settings.DRIFT_MIN_READINGS}; no verdict.")
    numbers = f"PSI {value:.2f} against {compared_with}, " + ("p < 0.001" if p_value < 0.001 else f"p = {p_value:.2g}")
    if value >= breach_at and p_value < settings.DRIFT_P_VALUE:
        return check(BREACH, f"{what} shifted ({numbers}).")
    if value >= warn_at and p_value < settings.DRIFT_P_VALUE_WARN:
        return check(WARN, f"{what} may be shifting ({numbers}).")
    return check(OK, f"{what}: no significant shift ({numbers}).")


def refusal_check(*, refused: int, readings: int) -> Check:
    warn_at, breach_at = settings.DRIFT_REFUSAL_WARN, settings.DRIFT_REFUSAL_BREACH
    rate = refused / readings if readings else None

    def check(level: str, says: str) -> Check:
        return Check("refusals", level, rate, None, warn_at, breach_at, readings, says)

    if readings < settings.DRIFT_MIN_READINGS:
        return check(TOO_FEW, f"Refusals: {readings} readings, fewer than {settings.DRIFT_MIN_READINGS}; no verdict.")
    says = f"{refused} of {readings} images refused by the model ({rate:.0%})"
    if rate >= breach_at:
        return check(BREACH, f"{says}, at or above {breach_at:.0%}.")
    if rate >= warn_at:
        return check(WARN, f"{says}, at or above {warn_at:.0%}.")
    return check(OK, f"{says}.")


def agreement_check(*, agrees: int, reports: int) -> Check:
    warn_at, breach_at = settings.DRIFT_AGREEMENT_WARN, settings.DRIFT_AGREEMENT_BREACH
    rate = agrees / reports if reports else None

    def check(level: str, says: str) -> Check:
        return Check("agreement", level, rate, None, warn_at, breach_at, reports, says)

    if reports < settings.DRIFT_MIN_REPORTS:
        return check(
            TOO_FEW, f"Agreement: {reports} signed reports, fewer than {settings.DRIFT_MIN_REPORTS}; no verdict."
        )
    says = f"Doctors agreed with {agrees} of {reports} readings ({rate:.0%})"
    if rate < breach_at:
        return check(BREACH, f"{says}, below {breach_at:.0%}.")
    if rate < warn_at:
        return check(WARN, f"{says}, below {warn_at:.0%}.")
    return check(OK, f"{says}.")
