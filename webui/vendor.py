"""Copy the web UI's third-party browser files from node_modules into webui/static/vendor/.

package.json pins the packages; the install step runs `npm install` and then
`python -m chapar.webui.vendor`. Nothing here is committed (static/vendor/ is gitignored), and
pages still work without these files: the layout only links the ones that are present.
"""
import argparse
import json
import shutil
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DESTINATION = PACKAGE_DIR / "static" / "vendor"
# (npm package, file inside it, name under static/vendor/). Licences travel with the files.
FILES = (
    ("htmx.org", "dist/htmx.min.js", "htmx.min.js"),
    ("htmx.org", "LICENSE", "htmx.LICENSE.txt"),
    ("vazirmatn", "fonts/webfonts/Vazirmatn[wght].woff2", "vazirmatn/Vazirmatn-Variable.woff2"),
    ("vazirmatn", "OFL.txt", "vazirmatn/OFL.txt"),
    # Static instances for PDFs (chapar.documents): WeasyPrint does not vary a variable font's weight.
    ("vazirmatn", "fonts/ttf/Vazirmatn-Regular.ttf", "vazirmatn/Vazirmatn-Regular.ttf"),
    ("vazirmatn", "fonts/ttf/Vazirmatn-Bold.ttf", "vazirmatn/Vazirmatn-Bold.ttf"),
)


def find_node_modules(explicit=None):
    """node_modules given, or in the current folder, or beside the source checkout's package.json."""
    candidates = [Path(explicit)] if explicit else [Path.cwd() / "node_modules", PACKAGE_DIR.parent / "node_modules"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return None


def pinned_versions(node_modules):
    manifest = node_modules.parent / "package.json"
    if not manifest.is_file():
        return {}
    return json.loads(manifest.read_text(encoding="utf-8")).get("dependencies", {})


def installed_version(node_modules, package):
    manifest = node_modules / package / "package.json"
    return json.loads(manifest.read_text(encoding="utf-8")).get("version") if manifest.is_file() else None


def copy_vendor_files(node_modules, destination=DESTINATION):
    """Copy every file in FILES; returns a list of problems (empty when all went well)."""
    problems = []
    pins = pinned_versions(node_modules)
    for package in sorted({package for package, _, _ in FILES}):
        have, want = installed_version(node_modules, package), pins.get(package)
        if have is None:
            problems.append(f"{package} is not installed in {node_modules}; run `npm install`")
        elif want and have != want:
            problems.append(f"{package} {have} is installed but package.json pins {want}; run `npm install`")
    if problems:
        return problems
    for package, source, target in FILES:
        src = node_modules / package / source
        if not src.is_file():
            problems.append(f"{src} is missing")
            continue
        dest = destination / target
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m chapar.webui.vendor", description=__doc__.splitlines()[0])
    parser.add_argument("--node-modules", help="the node_modules folder (default: ./node_modules)")
    args = parser.parse_args(argv)
    node_modules = find_node_modules(args.node_modules)
    if node_modules is None:
        print("error: no node_modules folder found; run `npm install` in the Chapar folder first", file=sys.stderr)
        return 1
    problems = copy_vendor_files(node_modules)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"copied {len(FILES)} files into {DESTINATION}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
