"""A deterministic corpus of news-like articles with planted repeats and credits."""

from __future__ import annotations

import random

WORDS = (
    "the minister said talks would resume next week after officials from both sides met in "
    "the capital on Monday to discuss trade security cooperation and investment agreed that exports "
    "rose percent in the first quarter while imports fell amid higher prices for energy and food "
    "according to the statistics office which also reported growth in services tourism and "
    "manufacturing the central bank kept its policy rate unchanged and warned of risks"
).split()
DATELINES = ["HANOI (VNA) — ", "BEIJING, June 8 (Xinhua) -- ", "(Reuters) - ", "MOSCOW, June 8. /TASS/. ", ""]
CREDITS = [".-VNA", ". — AFP", ". -- BERNAMA", ".", ".", "."]


def paragraph(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(25, 70))]
    return " ".join(words).capitalize()


def article(rng: random.Random) -> str:
    body = [paragraph(rng) + "." for _ in range(rng.randint(6, 14))]
    if rng.random() < 0.5:  # the body captured twice, as in the seed
        body += body[1:]
    elif rng.random() < 0.5:  # a near repeat: one word changed
        words = rng.choice(body).split()
        words[rng.randrange(len(words))] = "changed"
        body.append(" ".join(words))
    body[0] = rng.choice(DATELINES) + body[0]
    body[-1] = body[-1].rstrip(".") + rng.choice(CREDITS)
    return "\n".join(body)


def articles(n: int, seed: int = 42) -> list[str]:
    rng = random.Random(seed)
    return [article(rng) for _ in range(n)]
