"""The merchants the simulated bank's customers pay, with their real merchant category codes.

Each merchant has a kind (where it is paid: in a store, online, either, or as a bill), a
spend multiplier (a flight costs more than a coffee) and a popularity weight. Codes are the
ISO 18245 merchant category codes card networks use (airlines and hotel chains have their own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

STORE, ONLINE, BOTH, BILLER = "store", "online", "both", "biller"


@dataclass(frozen=True)
class Merchant:
    """One merchant: name, category code, where it is paid, relative spend and popularity."""

    name: str
    mcc: str
    kind: str
    spend: float
    popularity: float


MERCHANTS: Final = (
    Merchant("Amazon", "5942", ONLINE, 1.3, 9.0),
    Merchant("Walmart", "5310", BOTH, 1.4, 9.0),
    Merchant("Target", "5310", BOTH, 1.4, 6.0),
    Merchant("Costco", "5300", STORE, 3.2, 4.0),
    Merchant("Best Buy", "5732", BOTH, 3.5, 2.0),
    Merchant("Starbucks", "5814", STORE, 0.2, 8.0),
    Merchant("Shell Gas", "5541", STORE, 1.1, 6.0),
    Merchant("Whole Foods", "5411", STORE, 1.5, 4.0),
    Merchant("CVS", "5912", STORE, 0.6, 5.0),
    Merchant("Home Depot", "5200", BOTH, 2.8, 3.0),
    Merchant("Uber", "4121", ONLINE, 0.7, 5.0),
    Merchant("Netflix", "4899", ONLINE, 0.45, 3.0),
    Merchant("Chipotle", "5814", STORE, 0.4, 5.0),
    Merchant("Delta Airlines", "3058", ONLINE, 9.0, 1.0),
    Merchant("Marriott", "3509", BOTH, 7.0, 1.0),
    Merchant("Kroger", "5411", STORE, 1.5, 5.0),
    Merchant("Trader Joe's", "5411", STORE, 1.2, 3.0),
    Merchant("McDonald's", "5814", STORE, 0.3, 6.0),
    Merchant("Walgreens", "5912", STORE, 0.6, 4.0),
    Merchant("Exxon Mobil", "5541", STORE, 1.1, 4.0),
    Merchant("Chevron", "5541", STORE, 1.1, 3.0),
    Merchant("Lowe's", "5200", BOTH, 2.6, 2.0),
    Merchant("IKEA", "5712", BOTH, 3.5, 1.0),
    Merchant("Apple", "5732", BOTH, 4.0, 1.5),
    Merchant("Nike", "5661", BOTH, 1.8, 1.5),
    Merchant("Sephora", "5977", BOTH, 1.5, 1.5),
    Merchant("Macy's", "5311", BOTH, 1.9, 1.5),
    Merchant("DoorDash", "5812", ONLINE, 0.9, 4.0),
    Merchant("Lyft", "4121", ONLINE, 0.7, 2.0),
    Merchant("Spotify", "5815", ONLINE, 0.3, 2.0),
    Merchant("Steam", "5816", ONLINE, 0.8, 1.5),
    Merchant("Expedia", "4722", ONLINE, 7.5, 0.8),
    Merchant("Hilton", "3504", BOTH, 7.0, 0.8),
    Merchant("United Airlines", "3000", ONLINE, 9.0, 0.8),
    Merchant("Airbnb", "7011", ONLINE, 6.0, 0.8),
    Merchant("Petco", "5995", BOTH, 1.0, 1.0),
    Merchant("Dunkin'", "5814", STORE, 0.2, 4.0),
    Merchant("Corner Market", "5499", STORE, 0.5, 2.0),
    Merchant("Comcast Xfinity", "4899", BILLER, 2.5, 3.0),
    Merchant("Verizon Wireless", "4814", BILLER, 2.5, 3.0),
    Merchant("AT&T", "4814", BILLER, 2.5, 3.0),
    Merchant("Duke Energy", "4900", BILLER, 3.0, 3.0),
    Merchant("American Water", "4900", BILLER, 1.5, 2.0),
    Merchant("State Farm Insurance", "6300", BILLER, 4.0, 2.0),
    Merchant("GEICO", "6300", BILLER, 3.5, 2.0),
)

NAMES: Final = tuple(m.name for m in MERCHANTS)
MCCS: Final = tuple(m.mcc for m in MERCHANTS)
SPEND: Final = np.array([m.spend for m in MERCHANTS])

# Where card fraudsters cash out: goods that resell (electronics, gift cards, travel).
CASH_OUT_MERCHANTS: Final = (
    "Best Buy",
    "Apple",
    "Amazon",
    "Walmart",
    "Target",
    "Nike",
    "Sephora",
    "Steam",
    "Expedia",
    "Macy's",
)
# Card-present merchants where a skimmer or a rogue terminal is plausible.
BREACHABLE_MERCHANTS: Final = (
    "Shell Gas",
    "Exxon Mobil",
    "Chevron",
    "Corner Market",
    "Chipotle",
    "Dunkin'",
    "CVS",
    "Walgreens",
    "Kroger",
)


def index_of(name: str) -> int:
    """Return the position of merchant `name` in `MERCHANTS`."""
    return NAMES.index(name)


def indices(names: tuple[str, ...]) -> npt.NDArray[np.int16]:
    """Return the positions of `names` in `MERCHANTS`."""
    return np.array([index_of(n) for n in names], dtype=np.int16)


def pool(kinds: tuple[str, ...]) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.float64]]:
    """Return the merchants of the given kinds and their popularity as probabilities."""
    chosen = [i for i, m in enumerate(MERCHANTS) if m.kind in kinds]
    weights = np.array([MERCHANTS[i].popularity for i in chosen])
    return np.array(chosen, dtype=np.int16), weights / weights.sum()


def favourites(
    rng: np.random.Generator, n_accounts: int, kinds: tuple[str, ...], k: int
) -> npt.NDArray[np.int16]:
    """Draw each account's `k` habitual merchants of the given kinds, by popularity.

    Returns an (n_accounts, k) array of merchant positions; repeats are allowed, which makes
    a favourite more frequent.
    """
    chosen, probabilities = pool(kinds)
    picks = rng.choice(len(chosen), size=(n_accounts, k), p=probabilities)
    return chosen[picks]
