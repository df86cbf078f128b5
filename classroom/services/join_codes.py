"""Join codes: short, unguessable, and easy to read aloud over a bad phone line."""
from __future__ import annotations

import math
import secrets

from sqlalchemy import select

from ..extensions import db

# No 0/O, 1/I/L: the characters people confuse when a code is read aloud.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8
ENTROPY_BITS = LENGTH * math.log2(len(ALPHABET))  # about 39.6 bits


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalize(code: str) -> str:
    """What a person typed, read the forgiving way: any case, spaces or dashes, O for 0 and so on."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    cleaned = cleaned.translate(str.maketrans({"0": "O", "1": "I"}))
    return f"{cleaned[:4]}-{cleaned[4:]}" if len(cleaned) == LENGTH else cleaned


def unique_code() -> str:
    from ..models import LiveSession
    while True:
        code = new_code()
        if db.session.scalar(select(LiveSession.id).where(LiveSession.join_code == code)) is None:
            return code
