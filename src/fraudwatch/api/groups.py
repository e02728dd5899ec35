"""Which waiting requests can share one scoring call without changing each other's scores.

The feature pipeline treats every row it is given as history for the later rows of the same
account, customer and merchant. Requests are not stored, so two requests that share one of
those must never meet in one call: each must be scored on the stored history alone, as the
scoring job would. Requests that share nothing can: their features are the same together or
apart.
"""

from __future__ import annotations

from collections.abc import Sequence


def independent_groups(keys: Sequence[set[str]]) -> list[list[int]]:
    """Return the items' positions in groups whose members share no key, in arrival order.

    First fit: an item joins the first group none of whose members shares a key with it, else
    opens a new group; so an item is never scored before an earlier one it conflicts with.

    >>> independent_groups([{"a"}, {"b"}, {"a", "c"}, {"d"}])
    [[0, 1, 3], [2]]
    """
    groups: list[list[int]] = []
    taken: list[set[str]] = []
    for position, item in enumerate(keys):
        for group, used in zip(groups, taken, strict=True):
            if used.isdisjoint(item):
                group.append(position)
                used.update(item)
                break
        else:
            groups.append([position])
            taken.append(set(item))
    return groups
