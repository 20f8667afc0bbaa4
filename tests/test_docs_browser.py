"""/docs (Swagger UI) and /redoc (ReDoc) render in a real browser without network access.

Debian's chromium, headless, with every host but 127.0.0.1 unreachable (a dead proxy for
everything else, and no name resolution): the assets come from the gateway (node_modules/,
pinned by package-lock.json), so the operations list renders all the same."""

import re
import shutil
import subprocess

import httpx

from conftest import ROOT


def rendered(url: str, tmp_path) -> str:
    chromium = shutil.which("chromium")
    assert chromium, "chromium is missing: scripts/dev.sh test installs it"
    result = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}",
         # Offline but for the gateway: a proxy that does not exist for every other host, no DNS.
         "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1",
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
         "--virtual-time-budget=30000", "--dump-dom", url],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def operation_count(gateway_url: str) -> int:
    doc = httpx.get(f"{gateway_url}/openapi.json", timeout=30).json()
    return sum(len(item) for item in doc["paths"].values())


def test_swagger_ui_renders_every_operation_offline(gateway_url, tmp_path):
    dom = rendered(f"{gateway_url}/docs", tmp_path)
    paths = re.findall(r'class="opblock-summary-path"[^>]*data-path="([^"]+)"', dom)
    assert len(paths) == operation_count(gateway_url), dom[-3000:]
    assert "/nodes/{node_id}" in paths


def test_redoc_renders_every_operation_offline(gateway_url, tmp_path):
    dom = rendered(f"{gateway_url}/redoc", tmp_path)
    operations = set(re.findall(r'data-section-id="(?:tag/[^/"]+/)?operation/([^"]+)"', dom))
    assert len(operations) == operation_count(gateway_url), dom[-3000:]
    assert "node_get" in operations


def test_docs_pages_use_relative_urls_only(gateway_url):
    # Relative URLs: the pages work under any path prefix a proxy adds, and load nothing from outside.
    for page in ("docs", "redoc"):
        html = httpx.get(f"{gateway_url}/{page}").text
        urls = re.findall(r'(?:src|href|url|spec-url)[=:]\s*"([^"]*)"', html)
        assert urls and all(not u.startswith(("/", "http:", "https:")) and "//" not in u for u in urls), urls
        for asset in re.findall(r'(?:src|href)="(assets/[^"]+)"', html):
            response = httpx.get(f"{gateway_url}/{asset}")
            assert response.status_code == 200 and len(response.content) > 10_000, asset
    assert httpx.get(f"{gateway_url}/docs/").status_code == 308
    assert (ROOT / "package-lock.json").exists()
