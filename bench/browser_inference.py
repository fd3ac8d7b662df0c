"""TF.js in headless Chromium: model load time and per-image latency per backend, on the real X-rays.

    .venv/bin/python -m bench.browser_inference [--model exported_models/chest-xray-pneumonia/1.0.0]
        [--backends wasm webgl cpu] [--repeats 1] [--data-dir ../shared/data] [--compare OTHER_DIST]

Builds web/dist when missing or stale (npm run build), serves it, the model package and the images from a local
HTTP server on 127.0.0.1, and drives web/dist/demo.html in Debian's Chromium (never a downloaded
browser). Per image it times what a user waits for after choosing a file: decode + preprocess and
predict (in the graph) + drawing the image and heat map, until the canvas is painted. Fetching the
file is not timed (a user's file is already local). Load time = metadata + weights + backend setup +
the warm-up runs (model.js). Prints numbers only: p50/p95 over all images and passes, the parts'
p50s, and the lowest and highest per-pass p50 (the machine is shared, so that spread is the noise
to expect).

--compare serves a second build of web/ and alternates passes between the two, so both see the
same load on the machine. To build an earlier commit's web/ into /tmp/old/web/dist:

    mkdir -p /tmp/old && git archive COMMIT web | tar -x -C /tmp/old
    ln -s "$PWD/web/node_modules" /tmp/old/web/node_modules && (cd /tmp/old/web && node build.mjs)

The helpers (static server, browser launch, build) are shared with tests/web/.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import os
import posixpath
import subprocess
import threading
import urllib.parse
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
WEB = REPO / "web"
DIST = WEB / "dist"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Headless, offline, and nothing that phones home: the page must only use local files.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
BACKENDS = ("wasm", "webgl", "cpu")


def default_data_dir() -> Path:
    return Path(os.environ.get("MEDICAL_DATA_DIR", REPO.parent / "shared" / "data"))


def ensure_built(force: bool = False) -> Path:
    """Runs `npm run build` in web/ when web/dist is missing or older than its sources."""
    built = DIST / "demo.js"
    sources = [*(WEB / "src").iterdir(), WEB / "build.mjs", WEB / "package-lock.json"]
    if force or not built.exists() or max(p.stat().st_mtime for p in sources) > built.stat().st_mtime:
        subprocess.run(["npm", "run", "build"], cwd=WEB, check=True)
    return DIST


class _MountedFiles(SimpleHTTPRequestHandler):
    """Serves files from several folders, each under a URL prefix; nothing outside them."""

    mounts: dict[str, Path] = {}
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                      ".js": "text/javascript", ".mjs": "text/javascript", ".json": "application/json"}

    def translate_path(self, path: str) -> str:
        path = posixpath.normpath(urllib.parse.unquote(urllib.parse.urlsplit(path).path))
        for prefix, folder in sorted(self.mounts.items(), key=lambda m: -len(m[0])):
            if path == prefix.rstrip("/") or path.startswith(prefix):
                target = (folder / path[len(prefix):].lstrip("/")).resolve()
                if target == folder or folder in target.parents:
                    return str(target)
        return str(Path("/nonexistent"))

    def log_message(self, format: str, *args) -> None:  # quiet: tests and benchmarks print their own
        pass


@contextlib.contextmanager
def static_server(mounts: dict[str, Path]) -> Iterator[str]:
    """Serves `{url prefix: folder}` on 127.0.0.1 from a thread; yields the base URL."""
    handler = type("Handler", (_MountedFiles,), {"mounts": {p: f.resolve() for p, f in mounts.items()}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(DIST)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """Headless Debian Chromium through Playwright; yields the Browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_demo(browser, base_url: str, model_url: str, backend: str | None = None):
    """Opens the demo page on one backend and loads the model; returns (page, load info)."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("requestfailed", lambda request: errors.append(f"{request.url}: {request.failure}"))
    page.on("response", lambda response: response.ok or errors.append(f"{response.url}: HTTP {response.status}"))
    query = f"?backend={backend}" if backend else ""
    page.goto(f"{base_url}/demo.html{query}")
    try:
        # The page's module sets window.inference; on a loaded machine that can come after "load".
        page.wait_for_function("() => window.inference !== undefined", timeout=60_000)
        page.evaluate("window.inference.ready")
        info = page.evaluate("(url) => window.inference.load(url)", model_url)
    except Exception as error:
        raise RuntimeError(f"demo page failed: {error}; page errors: {errors}") from error
    return page, info


def chest_xrays(data_dir: Path) -> list[dict]:
    """The 20 full-size X-rays: manifest rows with `file` relative to chest_xray_kermany/."""
    with open(data_dir / "chest_xray_kermany" / "manifest.csv") as f:
        return list(csv.DictReader(f))


def percentiles(values: list[float]) -> tuple[float, float]:
    return float(np.percentile(values, 50)), float(np.percentile(values, 95))


PARTS = ("decodeMs", "predictMs", "drawMs")


def time_pass(page, rows: list[dict]) -> list[dict]:
    """Analyses each image once on an open demo page; returns the page's timings per image."""
    return [page.evaluate("(url) => window.inference.analyseUrl(url)", f"/xrays/{row['file']}")["timings"]
            for row in rows]


def summary(name: str, load_ms: float, passes: list[list[dict]]) -> str:
    timings = [t for one_pass in passes for t in one_pass]
    p50, p95 = percentiles([t["totalMs"] for t in timings])
    parts = " / ".join(f"{np.percentile([t[key] for t in timings], 50):.1f}" for key in PARTS)
    pass_p50s = [np.percentile([t["totalMs"] for t in one_pass], 50) for one_pass in passes]
    return (f"{name:<14} {load_ms:>8.0f} {p50:>8.1f} {p95:>8.1f}  ({parts}); "
            f"per-pass p50 {min(pass_p50s):.1f}-{max(pass_p50s):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None, help="model package folder (default: the shipped pneumonia one)")
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    parser.add_argument("--repeats", type=int, default=1, help="passes over the 20 images per backend")
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--rebuild", action="store_true", help="run npm run build even if web/dist is up to date")
    parser.add_argument("--compare", type=Path, default=None,
                        help="another built web/dist folder to time in alternate passes (e.g. an earlier commit's)")
    args = parser.parse_args()

    package = Path(args.model) if args.model else max(REPO.glob("exported_models/chest-xray-pneumonia/*/"))
    rows = chest_xrays(args.data_dir)
    ensure_built(force=args.rebuild)
    mounts = {"/": DIST, "/model/": package, "/xrays/": args.data_dir / "chest_xray_kermany"}
    builds = {"": "web/dist"}
    if args.compare:
        mounts["/compare/"] = args.compare
        builds["/compare"] = str(args.compare)
    print(f"model {package}; {len(rows)} images x {args.repeats} pass(es); Chromium {CHROMIUM}")
    if args.compare:
        print("builds: " + "; ".join(f"{'new' if prefix == '' else 'compare'} = {folder}" for prefix, folder in builds.items()))
    print(f"{'backend':<14} {'load ms':>8} {'p50 ms':>8} {'p95 ms':>8}  (decode / predict / draw p50)")
    with static_server(mounts) as base_url, chromium() as browser:
        for backend in args.backends:
            pages, passes = {}, {prefix: [] for prefix in builds}
            for prefix in builds:
                pages[prefix] = open_demo(browser, base_url + prefix, "/model", backend)
            for repeat in range(args.repeats):
                # Alternate which build goes first, so neither always runs on a warmer machine.
                order = list(builds) if repeat % 2 == 0 else list(reversed(builds))
                for prefix in order:
                    passes[prefix].append(time_pass(pages[prefix][0], rows))
            for prefix, (page, info) in pages.items():
                page.close()
                name = info["backend"] + ("" if not args.compare else " new" if prefix == "" else " compare")
                print(summary(name, info["loadMs"], passes[prefix]))


if __name__ == "__main__":
    main()
