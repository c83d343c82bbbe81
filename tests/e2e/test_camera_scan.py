"""Scanning an order's QR label with the camera at the desk (static/js/scan.js), in Chromium with
a fake camera that films a picture of the label: the first code read opens the order, under the
site's real Content-Security-Policy (the decoder runs in a worker made from a blob: URL)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from conciergerie.desk.labels import label_qr
from tests.e2e.conftest import AXE, CHROMIUM, shot, sign_in
from tests.e2e.test_accessibility import TAGS, audit, over_budget

pytestmark = pytest.mark.real_clock

DESK = {"width": 1366, "height": 768}
PHONE_390 = {"width": 390, "height": 844}
CAMERA = "Scanner avec l'appareil photo"
STOP = "Arrêter la caméra"
WIDTH, HEIGHT = 640, 480
# A BarcodeDetector as Chrome on Android has: it sees nothing in three frames, then CODE.
FAKE_DETECTOR = """window.BarcodeDetector = class {
    static async getSupportedFormats() { return ["qr_code"]; }
    constructor() { this.frames = 0; }
    async detect() {
        this.frames += 1;
        if (this.frames <= 3) { return []; }
        const corner = (x, y) => ({x, y});
        return [{rawValue: CODE, cornerPoints: [
            corner(10, 10), corner(90, 10), corner(90, 90), corner(10, 90)]}];
    }
};"""
VENDORED = "/static/vendor/qr-scanner/1.4.2"


def y4m_of_qr(code: str, path: Path, frames: int = 5) -> Path:
    """A YUV4MPEG2 video (WIDTH x HEIGHT, 4:2:0) of `frames` identical pictures of a black on
    white QR code holding `code`, as big as fits with its quiet zone, in the middle.

    The QR code is the one its label prints (desk.labels.label_qr)."""
    matrix = [list(row) for row in label_qr(code).matrix_iter(border=4)]
    scale = HEIGHT // len(matrix)
    left, top = (WIDTH - len(matrix) * scale) // 2, (HEIGHT - len(matrix) * scale) // 2
    luma = bytearray(b"\xff" * (WIDTH * HEIGHT))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    start = (top + y * scale + dy) * WIDTH + left + x * scale
                    luma[start : start + scale] = b"\x00" * scale
    chroma = b"\x80" * (WIDTH // 2 * HEIGHT // 2)  # no colour
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F30:1 Ip A1:1 C420\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n" + bytes(luma) + chroma + chroma)
    return path


@pytest.fixture(scope="module")
def order(live_server) -> tuple[int, str, str]:
    """An order received at the desk and on today's round of the demo volunteer: its id, its
    code and its first item's label."""
    from tests.e2e.test_items_scan import _order_on_todays_round

    order_id, codes = _order_on_todays_round("Caméra")
    return order_id, codes[0].rsplit("-", 1)[0], codes[0]


@pytest.fixture(scope="module")
def cameras(browser, live_server, order, tmp_path_factory):
    """`cameras(filming=True)`: a page in a Chromium whose fake camera films the order's QR code
    (or, with `filming=False`, Chromium's own test picture, which holds none); camera allowed
    without asking."""
    video = y4m_of_qr(order[2], tmp_path_factory.mktemp("camera") / "label.y4m")
    browsers: dict[bool, object] = {}
    contexts = []

    def make(filming=True, viewport=DESK, **kw):
        if filming not in browsers:
            args = [
                "--no-sandbox",
                "--disable-gpu",
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
            ]
            if filming:
                args.append(f"--use-file-for-fake-video-capture={video}")
            # The session's Playwright launches it: a second sync_playwright() would not start.
            browsers[filming] = browser.browser_type.launch(executable_path=CHROMIUM, args=args)
        context = browsers[filming].new_context(
            base_url=live_server, viewport=viewport, locale="fr-FR", **kw
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    for camera_browser in browsers.values():
        camera_browser.close()


def axe_here(page) -> list[str]:
    """axe's violations on the page as it is now (not loaded again)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """(tags) => axe.run(document, {
            runOnly: {type: "tag", values: tags},
            rules: {"target-size": {enabled: true}},
        })""",
        TAGS,
    )
    return [f"{v['id']}: {[n['target'] for n in v['nodes'][:3]]}" for v in result["violations"]]


@pytest.mark.parametrize(("name", "viewport"), [("390", PHONE_390), ("1366", DESK)])
def test_scanning_a_label_opens_its_order(cameras, live_server, order, name, viewport):
    order_id, code, label = order
    page = cameras(viewport=viewport)  # the site's CSP applies: the worker must be allowed
    scripts = {}  # bytes by path, each file once (fetched, then revalidated: a 304 has no body)

    def collect(response) -> None:
        where = urlparse(response.url)
        ours = where.netloc == urlparse(live_server).netloc
        if ours and where.path.endswith((".css", ".js")) and response.status == 200:
            scripts[where.path] = len(response.body())  # now: gone once the page is left

    page.on("response", collect)
    sign_in(page, "concierge@example.org")
    desk = page.goto("/comptoir/")
    assert "worker-src 'self' blob:" in desk.headers["content-security-policy"]
    button = page.get_by_role("button", name=CAMERA)
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24, box
    shot(page, f"camera-scan-desk-{name}")
    button.click()
    page.wait_for_url(re.compile(rf"/comptoir/commandes/{order_id}\?objet={label}"))
    expect(page.locator("h1")).to_contain_text(code)
    expect(page.locator(f"#objet-{label}")).to_have_attribute("aria-current", "true")
    page.remove_listener("response", collect)
    shot(page, f"camera-scan-order-{name}")
    # The decoder came from static/ (no CDN), and counts as vendored, not as ours.
    assert f"{VENDORED}/qr-scanner-worker.min.js" in scripts, list(scripts)
    assert over_budget("/comptoir/ and its scan", scripts) == []


@pytest.mark.parametrize(("name", "viewport"), [("390", PHONE_390), ("1366", DESK)])
def test_the_camera_view_is_accessible_and_stops(cameras, live_server, name, viewport):
    page = cameras(filming=False, viewport=viewport, bypass_csp=True)  # to inject axe
    sign_in(page, "concierge@example.org")
    problems = audit(page, "/comptoir/", live_server)
    button = page.get_by_role("button", name=CAMERA)
    expect(button).to_have_attribute("aria-expanded", "false")
    button.click()
    video = page.get_by_label("Ce que voit la caméra")
    expect(video).to_be_visible()
    page.wait_for_function("document.querySelector('.scan-view video').videoWidth > 0")
    stop = page.get_by_role("button", name=STOP)
    expect(stop).to_be_focused()  # the keyboard lands where the camera is switched off
    expect(button).to_be_hidden()
    problems += axe_here(page)
    wide = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert wide <= 0, f"the desk scrolls sideways by {wide}px at {name}px with the camera on"
    shot(page, f"camera-scan-open-{name}")
    stop.click()
    expect(video).to_be_hidden()
    expect(button).to_be_focused()
    expect(button).to_have_attribute("aria-expanded", "false")
    assert page.evaluate("document.querySelector('.scan-view video').srcObject") is None
    assert problems == []


def test_a_browser_barcode_detector_is_used_where_there_is_one(cameras, order):
    """Chrome on Android reads QR codes itself (BarcodeDetector): qr-scanner uses it instead of
    its worker. Frames without a code are skipped there too (its error is worded otherwise)."""
    order_id, _code, label = order
    page = cameras(filming=False, viewport=PHONE_390)
    page.add_init_script(FAKE_DETECTOR.replace("CODE", json.dumps(label)))
    workers = []
    page.on(
        "request", lambda request: workers.append(request.url) if "worker" in request.url else None
    )
    sign_in(page, "concierge@example.org")
    page.goto("/comptoir/")
    page.get_by_role("button", name=CAMERA).click()
    page.wait_for_url(re.compile(rf"/comptoir/commandes/{order_id}\?objet={label}"))
    assert workers == []


def test_a_decoder_refused_by_the_csp_is_said_at_once(cameras):
    """Without `worker-src blob:` the decoder's worker is refused; that is only told by an error
    event (each frame would wait 10 s for an answer): the page says so at once."""
    page = cameras()

    def without_worker_src(route) -> None:
        response = route.fetch()
        headers = dict(response.headers)
        csp = headers["content-security-policy"]
        headers["content-security-policy"] = re.sub(r"worker-src [^;]*; ", "", csp)
        route.fulfill(response=response, headers=headers)

    sign_in(page, "concierge@example.org")
    page.route(re.compile(r"/comptoir/$"), without_worker_src)
    page.goto("/comptoir/")
    page.get_by_role("button", name=CAMERA).click()
    expect(page.locator(".scan-camera").get_by_role("status")).to_have_text(
        "Caméra indisponible : tapez le code.", timeout=5_000
    )
    expect(page.get_by_role("button", name=CAMERA)).to_be_focused()
    expect(page.get_by_label("Ce que voit la caméra")).to_be_hidden()


def test_without_a_camera_typing_still_works(new_page, order):
    order_id, code, _label = order
    # A camera that cannot be opened (refused, missing, busy): said in a status message.
    page = new_page(viewport=PHONE_390)
    page.add_init_script(
        "navigator.mediaDevices.getUserMedia = () =>"
        " Promise.reject(new DOMException('No camera', 'NotFoundError'));"
    )
    sign_in(page, "concierge@example.org")
    page.goto("/comptoir/")
    page.get_by_role("button", name=CAMERA).click()
    expect(page.locator(".scan-camera").get_by_role("status")).to_have_text(
        "Caméra indisponible : tapez le code."
    )
    expect(page.get_by_role("button", name=CAMERA)).to_be_visible()
    # No camera at all (no mediaDevices, as on a page not served over HTTPS), or no JavaScript:
    # no button, and the code typed (or typed by a USB scanner) is found as before.
    for no_camera, javascript in ((True, True), (False, False)):
        page = new_page(viewport=PHONE_390, java_script_enabled=javascript)
        if no_camera:
            page.add_init_script("delete Navigator.prototype.mediaDevices;")
        sign_in(page, "concierge@example.org")
        page.goto("/comptoir/")
        expect(page.locator("input[name=q]")).to_be_visible()
        expect(page.get_by_role("button", name=CAMERA)).to_have_count(0)
        page.locator("input[name=q]").fill(code)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(rf"/comptoir/commandes/{order_id}$"))


@pytest.mark.parametrize(("name", "viewport"), [("390", PHONE_390), ("1366", DESK)])
def test_the_volunteer_scans_a_label_on_the_round_with_the_camera(cameras, order, name, viewport):
    """On the volunteer's phone view the camera drops the item filmed (a second scan, at the
    other width, finds it already dropped)."""
    _order_id, _code, label = order
    page = cameras(viewport=viewport)
    sign_in(page, "benevole@example.org")
    page.goto("/tournees/")
    page.get_by_role("button", name=CAMERA).click()
    expect(page.locator(".flash-success")).to_contain_text(label)
    expect(page.locator(".flash-success")).to_contain_text(
        re.compile("déposé chez Cordonnerie Caméra|déjà enregistré")
    )
    shot(page, f"camera-scan-round-{name}")
