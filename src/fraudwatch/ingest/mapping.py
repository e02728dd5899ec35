"""Column mappings: which column of a bank's file holds each warehouse column.

Given on the command line as `--map TARGET=SOURCE` (repeatable), or in a small TOML or JSON file
of `target = "source"` pairs; command-line pairs win over the file's.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable
from pathlib import Path

from fraudwatch.ingest.validate import IngestError


def parse_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """Return {target: source} from 'TARGET=SOURCE' strings.

    >>> parse_pairs(["transaction_amount=TX_AMOUNT"])
    {'transaction_amount': 'TX_AMOUNT'}
    """
    mapping: dict[str, str] = {}
    for pair in pairs:
        target, sep, source = pair.partition("=")
        if not sep or not target.strip() or not source.strip():
            raise IngestError(
                f"--map {pair!r}: write it as TARGET=SOURCE, e.g. transaction_amount=AMT"
            )
        mapping[target.strip()] = source.strip()
    return mapping


def read_mapping_file(path: Path) -> dict[str, str]:
    """Return {target: source} from a TOML or JSON file."""
    if not path.is_file():
        raise IngestError(f"no such mapping file: {path}")
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        raise IngestError(f"cannot parse mapping file {path}: {error}") from None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise IngestError(f'mapping file {path}: every entry must be target = "source"')
    return dict(data)


def build_mapping(pairs: Iterable[str], mapping_file: Path | None) -> dict[str, str]:
    """Combine a mapping file (if any) with command-line pairs, which take precedence."""
    mapping = read_mapping_file(mapping_file) if mapping_file else {}
    mapping.update(parse_pairs(pairs))
    return mapping
