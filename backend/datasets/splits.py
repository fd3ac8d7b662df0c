"""Which split a case's examples go to: train, validation or test, 80/10/10.

Decided by the case's salted hash alone, so every image of a case lands in the same split, a case
keeps its split from one export to the next, and new cases never move old ones.
"""

SPLITS = ("train", "validation", "test")


def split_of(case_hash: str) -> str:
    bucket = int(case_hash[:8], 16) % 10
    if bucket < 8:
        return "train"
    return "validation" if bucket == 8 else "test"
