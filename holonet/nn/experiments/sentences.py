"""A deterministic set of generated English sentences on a few topics.

Used by the zero-shot experiment for nearest-neighbour agreement: sentences on
the same topic should stay each other's neighbours after injection. Generated
from templates with a seeded generator, so nothing is downloaded or shipped.

Examples
--------
>>> s = generate_sentences(6, seed=1)
>>> len(s), len(set(s))
(6, 6)
>>> generate_sentences(6, seed=1) == s
True
"""

from __future__ import annotations

import numpy as np

__all__ = ["TOPICS", "generate_sentences"]

TOPICS: dict[str, dict[str, list[str]]] = {
    "physics": {
        "subj": ["the physicist", "our lab", "the student", "a quantum engineer",
                 "the research group"],
        "verb": ["measured", "simulated", "encoded", "entangled", "decoded"],
        "obj": ["the logical qubit", "a photon pair", "the boundary state",
                "the hyperbolic lattice", "a noisy superconducting circuit"],
        "tail": ["with an error-correcting code", "near absolute zero",
                 "using a tensor network", "before the decoherence time ran out"],
    },
    "cooking": {
        "subj": ["the chef", "my grandmother", "a young cook", "the bakery", "our neighbour"],
        "verb": ["baked", "seasoned", "roasted", "stirred", "served"],
        "obj": ["fresh bread", "a spicy tomato soup", "the roast chicken",
                "a bowl of garlic noodles", "chocolate cake"],
        "tail": ["for the whole family", "with too much salt", "in a cast iron pan",
                 "before the guests arrived"],
    },
    "football": {
        "subj": ["the striker", "the home team", "a tired defender", "the goalkeeper",
                 "the coach"],
        "verb": ["scored", "blocked", "celebrated", "missed", "defended"],
        "obj": ["a late penalty", "the final whistle", "a header from the corner",
                "the league title", "a long pass"],
        "tail": ["in front of a loud crowd", "during extra time", "after a long injury",
                 "in the pouring rain"],
    },
    "finance": {
        "subj": ["the central bank", "investors", "the startup", "a pension fund",
                 "the finance minister"],
        "verb": ["raised", "cut", "borrowed", "invested", "reported"],
        "obj": ["interest rates", "quarterly profits", "a large bond issue",
                "the inflation forecast", "its stake in the company"],
        "tail": ["as markets fell sharply", "despite rising debt", "after a weak quarter",
                 "to calm nervous traders"],
    },
    "travel": {
        "subj": ["the tourists", "my sister", "a backpacker", "the tour guide",
                 "our family"],
        "verb": ["visited", "photographed", "explored", "crossed", "booked"],
        "obj": ["the old harbour", "a mountain village", "the night train",
                "a quiet beach", "the famous cathedral"],
        "tail": ["on a sunny morning", "without a map", "during the summer holidays",
                 "before the museum closed"],
    },
    "gardening": {
        "subj": ["the gardener", "my father", "a volunteer", "the school club",
                 "our landlord"],
        "verb": ["planted", "watered", "pruned", "harvested", "fertilised"],
        "obj": ["the apple trees", "a row of tomatoes", "the rose bushes",
                "fresh basil and mint", "the vegetable patch"],
        "tail": ["after the spring rain", "in the early evening", "with compost from the farm",
                 "before the first frost"],
    },
    "music": {
        "subj": ["the orchestra", "a jazz pianist", "the choir", "my cousin",
                 "the rock band"],
        "verb": ["performed", "rehearsed", "recorded", "composed", "improvised"],
        "obj": ["a slow ballad", "the violin concerto", "a new album", "an old folk song",
                "the final symphony"],
        "tail": ["in a crowded hall", "late into the night", "for a charity concert",
                 "with borrowed instruments"],
    },
    "medicine": {
        "subj": ["the doctor", "a nurse", "the hospital", "the surgeon", "researchers"],
        "verb": ["treated", "examined", "vaccinated", "diagnosed", "monitored"],
        "obj": ["the injured patient", "a rare infection", "hundreds of children",
                "the heart condition", "a broken arm"],
        "tail": ["in the emergency room", "with a new drug", "during the night shift",
                 "after a long wait"],
    },
}

_JOIN = ["and then", "while", "because", "although", "so"]


def _clause(topic: dict[str, list[str]], rng: np.random.Generator) -> str:
    parts = [topic[key][int(rng.integers(len(topic[key])))] for key in ("subj", "verb", "obj")]
    if rng.random() < 0.7:
        parts.append(topic["tail"][int(rng.integers(len(topic["tail"])))])
    return " ".join(parts)


def generate_sentences(n: int, seed: int = 0, with_topics: bool = False
                       ) -> list[str] | tuple[list[str], list[str]]:
    """``n`` distinct sentences (1-4 clauses each, round-robin over the topics).

    With ``with_topics=True`` also returns the topic of each sentence.
    """
    rng = np.random.default_rng(seed)
    names = sorted(TOPICS)
    out: list[str] = []
    topics: list[str] = []
    seen: set[str] = set()
    i = 0
    while len(out) < n:
        name = names[i % len(names)]
        i += 1
        n_clauses = int(rng.choice([1, 2, 3, 4], p=[0.35, 0.35, 0.2, 0.1]))
        text = _clause(TOPICS[name], rng)
        for _ in range(n_clauses - 1):
            text += ", " + _JOIN[int(rng.integers(len(_JOIN)))] + " " + _clause(TOPICS[name], rng)
        text = text[0].upper() + text[1:] + "."
        if text in seen:
            continue
        seen.add(text)
        out.append(text)
        topics.append(name)
    return (out, topics) if with_topics else out
