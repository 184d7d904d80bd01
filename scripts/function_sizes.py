"""List the longest functions of a Python tree: `python scripts/function_sizes.py [src] [-n N]`.

Lines are counted from the `def` (decorators excluded) to the function's last line, nested
functions counted inside their parent and also on their own."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path


def function_sizes(root: Path) -> list[tuple[int, str]]:
    sizes = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                sizes.append((lines, f"{path}:{node.lineno} {node.name}"))
    return sorted(sizes, reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", nargs="?", type=Path, default=Path("src/warehouse"))
    parser.add_argument("-n", type=int, default=10, help="how many to list (10)")
    args = parser.parse_args()
    for lines, name in function_sizes(args.root)[: args.n]:
        print(f"{lines:>5}  {name}")


if __name__ == "__main__":
    main()
