# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's test browser (headless Chromium over the DevTools protocol) on the customer's pages,
for the accessibility tests: axe-core run in the page, keys pressed as a keyboard does, and
what the page looks like measured in it.

axe-core is evaluated through the DevTools protocol (``Runtime.evaluate``), which the pages'
Content-Security-Policy does not govern: the page under test is the page served, unchanged.
"""

import base64
import json
import os
import time
from contextlib import contextmanager
from pathlib import Path

from odoo.tests.common import TEST_CURSOR_COOKIE_NAME, ChromeBrowser

# Where tools/run_tests.py installs axe-core (and names it in this variable).
AXE_CORE_ENV = "PAYLINK_AXE_CORE_JS"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

PHONE = (390, 844)
DESKTOP = (1366, 768)

# Marks the moment the payment form can take a payment (performance.mark "payment_form_ready":
# the inline form of the chosen method prepared), from outside the page, as bench/browser.py
# does: nothing of it ships in the pages' bundle.
READY_PROBE = """
(() => {
    const patch = () => {
        const loader = window.odoo && odoo.loader;
        const module = loader && loader.modules.get("@payment/js/payment_form");
        if (!module) {
            return setTimeout(patch, 1);
        }
        module[Symbol.for("default")].include({
            async _expandInlineForm() {
                const result = await this._super(...arguments);
                if (!performance.getEntriesByName("payment_form_ready").length) {
                    performance.mark("payment_form_ready");
                }
                return result;
            },
        });
    };
    patch();
})();
"""

# The page is ready: loaded, and the payment form (if any) started with its method shown.
READY = """
    document.readyState === "complete" && !!document.body &&
    (!document.querySelector(".o_payment_form") ||
     !!document.querySelector(".o_payment_form button[name='o_payment_submit_button']") &&
     (performance.getEntriesByName("payment_form_ready").length > 0 ||
      document.querySelectorAll("input[name='o_payment_radio']").length > 1))
"""

# Each visible icon drawn by the page's fonts (see pay_page_icons.scss), compared with a symbol
# that no font has (drawn as the fonts' empty box); an icon that stands for a word (role="img")
# must show something.
EMPTY_ICONS = """
(() => {
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    const draw = (text, font) => {
        canvas.width = 64;
        canvas.height = 64;
        context.font = font;
        context.fillText(text, 8, 48);
        return context.getImageData(0, 0, 64, 64).data.join(",");
    };
    return [...document.querySelectorAll(".fa")].filter((el) => el.getClientRects().length)
        .filter((el) => {
            const content = getComputedStyle(el, "::before").content;
            const text = content && content.startsWith('"') ? JSON.parse(content) : "";
            const font = `32px ${getComputedStyle(el).fontFamily}`;
            if (!text.trim()) {
                return el.getAttribute("role") === "img";  // a meaningful icon showing nothing
            }
            return draw(text, font) === draw("\\u{10FFFD}\\uFE0E", font);
        }).map((el) => String(el.className));
})()
"""

KEYS = {
    "Tab": {"key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9},
    "Enter": {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"},
    "Space": {"key": " ", "code": "Space", "windowsVirtualKeyCode": 32, "text": " "},
    # Only for a <select> (the demo provider's "Payment Status"): its options by arrow keys.
    "ArrowDown": {"key": "ArrowDown", "code": "ArrowDown", "windowsVirtualKeyCode": 40},
}
SHIFT = 8

# What the focused element looks like: its focus indicator, and whether a fixed or sticky
# element covers it (WCAG 2.4.7, 2.4.11).
FOCUS_STATE = """
(() => {
    const el = document.activeElement;
    if (!el || el === document.body) {
        return null;
    }
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow && style.boxShadow !== "none";
    const box = el.getBoundingClientRect();
    const covered = [...document.querySelectorAll("body *")].some((other) => {
        const position = getComputedStyle(other).position;
        if (!["fixed", "sticky"].includes(position) || other.contains(el)) {
            return false;
        }
        const r = other.getBoundingClientRect();
        return r.width && r.height && r.left < box.right && r.right > box.left &&
            r.top < box.bottom && r.bottom > box.top;
    });
    const inView = box.bottom > 0 && box.top < window.innerHeight &&
        box.right > 0 && box.left < window.innerWidth;
    const label = (el.getAttribute("aria-label") || el.innerText || el.value || "").trim();
    return {
        tag: el.tagName.toLowerCase(),
        id: el.id,
        name: el.getAttribute("name") || "",
        type: el.getAttribute("type") || "",
        classes: el.className && String(el.className) || "",
        label: label.slice(0, 60),
        ring: outline || shadow,
        outline: style.outlineStyle + " " + style.outlineWidth,
        shadow: style.boxShadow,
        covered,
        inView,
    };
})()
"""

# The page's layout at this width: horizontal scrolling (1.4.10) and the controls smaller
# than 24 x 24 CSS pixels (2.5.8, the targets that are not inline in a sentence).
LAYOUT_STATE = """
(() => {
    const root = document.documentElement;
    const small = [...document.querySelectorAll(
        "a[href], button, input:not([type=hidden]), select, textarea, [role=button], [tabindex]"
    )].filter((el) => {
        const r = el.getBoundingClientRect();
        if (!r.width || !r.height || el.closest("[hidden], .d-none")) {
            return false;
        }
        const inline = getComputedStyle(el).display === "inline" &&
            el.parentElement && el.parentElement.innerText.trim() !== el.innerText.trim();
        // A box or a radio's target includes its label (a tap on the label checks it).
        const labelled = [...(el.labels || [])].some((label) => {
            const box = label.getBoundingClientRect();
            return box.width >= 24 && box.height >= 24;
        });
        return !inline && !labelled && (r.width < 24 || r.height < 24);
    }).map((el) => el.outerHTML.slice(0, 120));
    const clipped = [...document.querySelectorAll("button, input, a.btn, label")].filter((el) => {
        const r = el.getBoundingClientRect();
        return r.width && (r.right > root.clientWidth + 1 || r.left < -1);
    }).map((el) => el.outerHTML.slice(0, 120));
    return {
        scrollWidth: root.scrollWidth,
        clientWidth: root.clientWidth,
        small,
        clipped,
    };
})()
"""


def format_violations(where, violations):
    """axe-core's ``violations`` on the page ``where``, one line each: rule, element, help."""
    return [
        f"{where} {violation['id']} ({violation['impact']}): {node['target']}\n"
        f"    {violation['help']}\n    {node['html']}\n    {node['summary']}"
        for violation in violations
        for node in violation["nodes"]
    ]


def axe_core_source():
    """axe-core's script: where tools/run_tests.py installed it (``PAYLINK_AXE_CORE_JS``), else
    its place in the cache. Missing, the accessibility tests fail: they never skip."""
    candidates = [os.environ.get(AXE_CORE_ENV)]
    cache = os.environ.get("PAYLINK_CACHE_DIR") or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "payment_link_sms"
    )
    candidates.append(Path(cache, "axe-core", "node_modules", "axe-core", "axe.min.js"))
    for candidate in filter(None, candidates):
        if Path(candidate).is_file():
            return Path(candidate).read_text()
    raise AssertionError(
        "axe-core is not installed: run tools/run_tests.py without --no-setup (it installs "
        f"the npm package axe-core), or set {AXE_CORE_ENV} to its axe.min.js."
    )


class PageBrowser:
    """A headless Chromium on the customer's pages, for one test."""

    def __init__(self, case, browser):
        self.case = case
        self.browser = browser
        self.axe_source = None

    def evaluate(self, expression, timeout=30):
        """The JSON value of ``expression`` (awaited) in the page."""
        answer = self.browser._websocket_request(
            "Runtime.evaluate",
            params={"expression": expression, "awaitPromise": True, "returnByValue": True},
            timeout=timeout,
        )
        if "exceptionDetails" in answer:
            raise AssertionError(f"The page's script failed: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def resize(self, size, zoom=1):
        """Show the page in a window of ``size`` CSS pixels; ``zoom`` 2 is the browser's 200 %
        zoom: a window of half as many CSS pixels, at twice the device pixels per CSS pixel."""
        width, height = size
        self.browser._websocket_request(
            "Emulation.setDeviceMetricsOverride",
            params={
                "width": int(width / zoom),
                "height": int(height / zoom),
                "deviceScaleFactor": zoom,
                "mobile": width < 768,
            },
        )

    def open(self, path, size=PHONE, zoom=1, ready=READY, timeout=30):
        """Load ``path`` at ``size`` and wait until it is ready to use."""
        self.resize(size, zoom=zoom)
        self.browser.navigate_to(f"{self.case.base_url()}{path}", wait_stop=True)
        self.wait_for(ready, timeout=timeout, what=f"{path} ready")

    def settle(self):
        """Leave the page and let the server finish its requests (the beacons the page sends
        as it goes): the test may then change records without racing a request on the cursor
        it shares with the server. Change records only after this, never while a page shows.
        """
        self.browser.navigate_to("about:blank", wait_stop=True)
        time.sleep(0.5)
        self.case._wait_remaining_requests()

    def wait_for(self, condition, timeout=20, what=None):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.evaluate(
                    f"(() => {{ try {{ return !!({condition}); }} catch {{ return false; }} }})()"
                ):
                    return
            except AssertionError:
                pass
            time.sleep(0.2)
        self.screenshot("a11y_timeout")
        raise AssertionError(f"Timed out waiting for {what or condition}")

    def axe(self):
        """axe-core's violations of the WCAG 2.0, 2.1 and 2.2 A and AA rules on the page."""
        if self.axe_source is None:
            self.axe_source = axe_core_source()
        if not self.evaluate("typeof window.axe !== 'undefined'"):
            self.evaluate(self.axe_source + "\n;true", timeout=60)
        options = json.dumps({"runOnly": {"type": "tag", "values": AXE_TAGS}})
        return self.evaluate(
            f"""axe.run(document, {options}).then((results) => results.violations.map((v) => ({{
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => ({{target: n.target.join(" "),
                                            html: n.html.slice(0, 200),
                                            summary: n.failureSummary}}))
            }})))""",
            timeout=60,
        )

    def press(self, key, shift=False):
        """Press and release ``key`` (Tab, Enter, Space) as a keyboard does."""
        params = dict(KEYS[key], modifiers=SHIFT if shift else 0)
        self.browser._websocket_request(
            "Input.dispatchKeyEvent", params={**params, "type": "keyDown"}
        )
        up = {k: v for k, v in params.items() if k != "text"}
        self.browser._websocket_request("Input.dispatchKeyEvent", params={**up, "type": "keyUp"})

    def type_text(self, text):
        """Type ``text`` in the focused field, key by key."""
        for char in text:
            self.browser._websocket_request(
                "Input.dispatchKeyEvent", params={"type": "char", "text": char}
            )

    def focus_state(self):
        return self.evaluate(FOCUS_STATE)

    def layout_state(self):
        return self.evaluate(LAYOUT_STATE)

    def console_log(self):
        """The browser's own log entries from now on (``Log.entryAdded``: a Content-Security-
        Policy violation, a resource refused), which Odoo's test browser does not watch:
        a list, filled as they come."""
        entries = []
        self.browser._handlers["Log.entryAdded"] = lambda entry, **_kw: entries.append(entry)
        self.browser._websocket_request("Log.enable")
        return entries

    def empty_icons(self):
        """The icons shown on the page that draw nothing or an empty box (a symbol that the
        fonts lack): ``[class names]``."""
        return self.evaluate(EMPTY_ICONS)

    def screenshot(self, name):
        """A PNG of the page in /tmp when PAYLINK_A11Y_SCREENSHOTS is set (for a person to
        look at; never committed)."""
        if not os.environ.get("PAYLINK_A11Y_SCREENSHOTS"):
            return None
        shot = self.browser._websocket_request(
            "Page.captureScreenshot", params={"captureBeyondViewport": True}, timeout=30
        )
        path = Path("/tmp", f"{name}.png")
        path.write_bytes(base64.b64decode(shot["data"]))
        return path


@contextmanager
def page_browser(case):
    """A headless Chromium for ``case`` (an ``HttpCase``), as ``browser_js`` starts one: the
    test's cursor shared with the server, no user logged in (the customer)."""
    browser = ChromeBrowser(case)
    # No test code awaits the browser's result here: settled at once, it makes Odoo's console
    # handler take a fetch aborted by the next navigation ("Failed to fetch", a page left
    # while it loads) for what it is; any other console error is still logged as an error.
    browser._result.cancel()
    previous_key = case.http_request_key
    try:
        case.http_request_key = case.canonical_tag + "_browser_js"
        case.authenticate(None, None, browser=browser)
        browser._websocket_request(
            "Page.addScriptToEvaluateOnNewDocument", params={"source": READY_PROBE}
        )
        yield PageBrowser(case, browser)
    finally:
        browser.stop()
        case._wait_remaining_requests()
        case.http_request_key = previous_key
        case.opener.cookies[TEST_CURSOR_COOKIE_NAME] = previous_key
