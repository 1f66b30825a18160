"""What the WASM each page loads is made of: for each split point, the code
of its own module and of the chunks it shares with others, weighed by the
app module (or, for framework code that names no app type, the crate) each
function belongs to. Used by scripts/wasm-weights; reads the output of
wasm-split-cli run on a frontend built with v0 symbol names, whose
functions' names carry their generic arguments, so Leptos's code for a page's
view is weighed as that page's.

Sizes are of the code before wasm-opt: compare them with each other, not
with the shipped bundle (scripts/wasm-sizes measures that)."""

import csv
import io
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

# An app path in a v0 name: `app[5cafa1f22bbe76e5]::pages::build_detail::log::…`.
APP_PATH = re.compile(r"\bapp\[[0-9a-f]+\]((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
# How deep an owner's path goes, by its first segment: a page's part, a component, a model.
DEPTH = {"pages": 3, "components": 2, "model": 2, "api": 2}
# Which owner a function mentioning several is weighed as: the view before the data it shows.
PREFERENCE = ["pages", "components", "api", "model"]
MODULE = re.compile(r"^[a-z_][a-z0-9_]*$")
# The first crate a v0 name mentions (`tachys[d349c744c51c7f30]::…`), even in `<_ as …>`.
CRATE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\[[0-9a-f]+\]::")
# What a module holds besides functions: its types, imports, table entries.
STRUCTURE = ("type[", "elem[", "import ", "export ", "table[", "memory[", "global[")


def items(twiggy, path):
    """Each function's (or data segment's) name and size, as twiggy reads them."""
    listing = subprocess.run(
        [twiggy, "top", "-n", "10000000", "-f", "csv", str(path)], check=True, capture_output=True, text=True
    ).stdout
    for row in csv.DictReader(io.StringIO(listing)):
        name = row["Name"]
        # Custom sections (names, wasm-bindgen's) do not ship.
        if not name.startswith(('"', "custom section")):
            yield name, int(row["ShallowSize"])


def owner(name):
    """The app module a function belongs to, else its crate (in brackets)."""
    paths = [match.strip(":").split("::") for match in APP_PATH.findall(name)]
    # Modules only: not a component's generated function, nor a type (`NotFoundPage`).
    paths = [[part for part in path if MODULE.match(part) and not part.startswith("__")] for path in paths]
    paths = [path for path in paths if path]
    if paths:
        best = min(paths, key=lambda path: PREFERENCE.index(path[0]) if path[0] in PREFERENCE else len(PREFERENCE))
        return "::".join(best[: DEPTH.get(best[0], 1)])
    if name.startswith(STRUCTURE):
        return "(the modules' imports, types and tables)"
    crate = CRATE.search(name)
    return f"[{crate.group(1)}]" if crate else "(names with no crate)"


def split_points(directory):
    """Each split point's chunks, as the loader that wasm-split-cli wrote lists them."""
    loader = (directory / "__wasm_split.js").read_text()
    pattern = re.compile(r'"\./split_(\w+)\.wasm".*?\n\}\n, \[([^\]]*)\]', re.S)
    return {
        name: [f"{dep.strip().lstrip('_')}.wasm" for dep in deps.split(",") if dep.strip()]
        for name, deps in pattern.findall(loader)
    }


def report(twiggy, title, modules, top):
    weights = Counter()
    for path in modules:
        for name, size in items(twiggy, path):
            # Every module carries all the data until wasm-opt drops what it does not use.
            if not name.startswith("data"):
                weights[owner(name)] += size
    total = sum(weights.values())
    print(f"\n{title}: {total / 1000:,.1f} KB of code in {len(modules)} modules")
    app = [(key, size) for key, size in weights.most_common() if key[0].isalpha()]
    crates = [(key, size) for key, size in weights.most_common() if not key[0].isalpha()]
    print(f"  {'app module':<44} {'KB':>7} {'share':>6}")
    for key, size in app[:top]:
        print(f"  {key:<44} {size / 1000:>7.1f} {size / total:>6.1%}")
    print(f"  {'framework, by crate (names with no app type)':<44}")
    for key, size in crates[:top]:
        print(f"  {key:<44} {size / 1000:>7.1f} {size / total:>6.1%}")


def main():
    twiggy, directory, top, wanted = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    points = split_points(directory)
    unknown = [name for name in wanted if name not in points and name != "main"]
    if unknown:
        sys.exit(f"no split point named {', '.join(unknown)}; there are: main, {', '.join(sorted(points))}")
    for name in wanted or ["main", *sorted(points)]:
        if name == "main":
            report(twiggy, "main (every page)", [directory / "main.wasm"], top)
        else:
            chunks = [directory / chunk for chunk in points[name]]
            report(twiggy, f"{name} (beyond main)", [directory / f"split_{name}.wasm", *chunks], top)


if __name__ == "__main__":
    main()
