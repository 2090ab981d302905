"""The one rule for what a promo code is, shared by the app API, the till intake and the web wallet.

Codes are printed and read out in capitals ("TUESDAY20") and people type them in any case, so a code is
compared in upper case: `promo_code_normalize` is applied by the loyalty services (promo_code_claim,
pos_transaction_send), whichever front end the code came through; the front ends only check its shape with
PROMO_CODE_PATTERN, so that what cannot be a code is refused without asking SessionM.
"""

import re

PROMO_CODE_MAX_LENGTH = 64
PROMO_CODE_PATTERN = rf"^[A-Za-z0-9_-]{{1,{PROMO_CODE_MAX_LENGTH}}}$"
_PROMO_CODE = re.compile(PROMO_CODE_PATTERN)


def promo_code_normalize(code: str) -> str | None:
    """The code as SessionM is asked for it (surrounding spaces dropped, upper case), or None when it cannot
    be a code at all."""
    code = code.strip().upper()
    return code if _PROMO_CODE.fullmatch(code) else None
