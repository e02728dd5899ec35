"""Category vocabularies fitted on training data, saved with the model, applied at scoring.

A category's code is its 1-based position in the sorted vocabulary; code 0 is the explicit
"unseen" slot, for categories the training data never had and for missing values. The set of
feature columns therefore never depends on the data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import polars as pl

from fraudwatch.features.rows import Columns, Rows

if TYPE_CHECKING:
    from fraudwatch.features.inputs import FeatureInputs

UNSEEN_CODE: Final = 0
_ENCODED: Final = {"channel_code": "channel_name", "transaction_type_code": "transaction_type"}


@dataclass(frozen=True)
class Encoders:
    """The vocabularies of channel_name and transaction_type seen in training, sorted."""

    channels: tuple[str, ...] = ()
    transaction_types: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable form (see `from_dict`)."""
        return {
            "version": 1,
            "channels": list(self.channels),
            "transaction_types": list(self.transaction_types),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Encoders:
        """Rebuild encoders from `to_dict`'s output."""
        version = data.get("version", 1)
        if version != 1:
            raise ValueError(f"encoders version {version} is not supported; retrain the model")
        return cls(
            channels=tuple(str(v) for v in data.get("channels", ())),
            transaction_types=tuple(str(v) for v in data.get("transaction_types", ())),
        )

    def vocabulary(self, column: str) -> tuple[str, ...]:
        """Return the vocabulary of `column` (channel_name or transaction_type)."""
        return self.channels if column == "channel_name" else self.transaction_types


def _vocabulary(frame: pl.DataFrame, column: str) -> tuple[str, ...]:
    if column not in frame.columns:
        return ()
    values = frame.get_column(column).cast(pl.String).drop_nulls().unique().sort()
    return tuple(values.to_list())


def fit_encoders(inputs: FeatureInputs) -> Encoders:
    """Return the vocabularies of `inputs.transactions` (history is not training data)."""
    frame = inputs.transactions
    return Encoders(
        channels=_vocabulary(frame, "channel_name"),
        transaction_types=_vocabulary(frame, "transaction_type"),
    )


def encode(rows: Rows, encoders: Encoders) -> Columns:
    """Return channel_code and transaction_type_code for every wanted row of `rows`.

    Known categories get 1..k; unseen categories and nulls get `UNSEEN_CODE`.
    """
    out: Columns = {}
    for feature, column in _ENCODED.items():
        codes, categories = rows.codes(column)
        position = {name: code for code, name in enumerate(encoders.vocabulary(column), 1)}
        # One entry per distinct value, then the null code; each row looks its value up.
        lookup = [position.get(name, UNSEEN_CODE) for name in categories.to_list()]
        out[feature] = np.array([*lookup, UNSEEN_CODE], dtype=np.int32)[codes[: rows.targets]]
    return out
