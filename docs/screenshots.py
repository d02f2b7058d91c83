"""Screenshot the built documentation in headless Chromium, to look at a change.

Not run in CI. Build the site first (``make docs-check`` or ``make docs``), then::

    python docs/screenshots.py                       # every page, 390/1280/1920 px
    python docs/screenshots.py --pages index api --widths 390

Each page gives ``<out>/<page>-<width>.png``, ``--height`` pixels tall (long
pages are cut there; the header, sidebars and first screens are what a change
usually moves). Needs a ``chromium`` (or ``chromium-browser``,
``google-chrome``) executable, e.g. ``apt-get install chromium``.
"""

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SKIPPED = ("_modules/", "_sources/", "_static/", "genindex", "search", "py-modindex")
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def pages(html_dir, names):
    """The HTML pages to shoot, as paths relative to ``html_dir``."""
    if names:
        return [Path(name.removesuffix(".html") + ".html") for name in names]
    found = sorted(p.relative_to(html_dir) for p in html_dir.rglob("*.html"))
    return [p for p in found if not str(p).startswith(SKIPPED)]


def shoot(browser, url, png, width, height):
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        "--virtual-time-budget=3000",  # let MathJax and the theme's JS run
        f"--window-size={width},{height}",
        f"--screenshot={png}",
        url,
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=HERE / "_build" / "html")
    parser.add_argument("--out", type=Path, default=HERE / "_build" / "screenshots")
    parser.add_argument("--pages", nargs="*", help="pages, e.g. index api")
    parser.add_argument("--widths", nargs="*", type=int, default=[390, 1280, 1920])
    parser.add_argument("--height", type=int, default=2400)
    args = parser.parse_args(argv)

    browser = next(filter(None, map(shutil.which, BROWSERS)), None)
    if browser is None:
        sys.exit("No Chromium found: install it (apt-get install chromium).")
    html = args.html.resolve()
    if not (html / "index.html").exists():
        sys.exit(f"No built site in {html}: run `make docs-check` first.")
    for page in pages(html, args.pages):
        for width in args.widths:
            stem = str(page).removesuffix(".html").replace("/", "__")
            png = args.out / f"{stem}-{width}.png"
            png.parent.mkdir(parents=True, exist_ok=True)
            shoot(browser, (html / page).as_uri(), png, width, args.height)
            print(png)


if __name__ == "__main__":
    main()
