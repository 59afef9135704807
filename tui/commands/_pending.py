"""What a command that is not built yet says: plainly, and with a non-zero exit."""

import sys


def not_built(name: str) -> int:
    print(f"claude-batch-tui {name}: not built yet in this version.", file=sys.stderr)
    return 2
