"""Regenerate tests/data/openapi_schemas.json from Anthropic's public OpenAPI spec (run by hand, not by pytest).

    python tests/emulator/extract_schemas.py PATH/TO/anthropic-openapi.json

The argument is a local copy of Anthropic's public OpenAPI spec, as JSON (anthropic-openapi.json); it is not
kept in this repository. The schemas extracted from it are vendored in tests/data/openapi_schemas.json,
which is what the tests read: run this only to refresh that file from a newer spec, and commit the result.

Keeps the five response schemas the conformance tests check and everything they `$ref`, under
`components.schemas`, so `#/components/schemas/...` references resolve against the data file itself and the
tests need no copy of the spec.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

WANTED = ["MessageBatch", "ListResponse_MessageBatch_", "MessageBatchIndividualResponse",
          "DeleteMessageBatchResponse", "ErrorResponse"]
PREFIX = "#/components/schemas/"
OUT = Path(__file__).resolve().parents[1] / "data" / "openapi_schemas.json"


def _refs(node: object):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def extract(spec: dict) -> dict:
    schemas = spec["components"]["schemas"]
    kept: dict[str, dict] = {}
    todo = list(WANTED)
    while todo:
        name = todo.pop()
        if name in kept:
            continue
        kept[name] = schemas[name]
        for ref in _refs(schemas[name]):
            if not ref.startswith(PREFIX):
                raise ValueError(f"{name}: unexpected $ref {ref}")
            todo.append(ref[len(PREFIX):])
    return {
        "source": "components.schemas of the Anthropic OpenAPI spec (openapi "
                  f"{spec.get('openapi', '?')}), the schemas below and what they reference",
        "roots": WANTED,
        "components": {"schemas": dict(sorted(kept.items()))},
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    spec = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    OUT.write_text(json.dumps(extract(spec), indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
