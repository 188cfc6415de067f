/** @odoo-module ignore **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// The pay pages' stand-in for Bootstrap's tooltip plugin (which, with Popper, is 25 KB of the
// page's script, gzipped): Odoo's payment form only calls `$(...).tooltip()` on its icons and
// method logos. A phone has no hover: the element keeps its title as its accessible name, and a
// tap (or, with a mouse, hovering) shows the title in a Bootstrap-styled bubble above it, which
// the next tap anywhere, a scroll or 3 s hide.
(function ($) {
    "use strict";
    if (!$ || $.fn.tooltip) {
        return;
    }
    let bubble = null;
    let timer = null;

    function hide() {
        clearTimeout(timer);
        if (bubble) {
            bubble.remove();
            bubble = null;
        }
    }

    function show(element) {
        const text = element.dataset.bsOriginalTitle || element.getAttribute("title");
        hide();
        if (!text) {
            return;
        }
        bubble = document.createElement("div");
        bubble.className = "tooltip bs-tooltip-top show";
        bubble.setAttribute("role", "tooltip");
        bubble.style.position = "absolute";
        const inner = document.createElement("div");
        inner.className = "tooltip-inner";
        inner.textContent = text;
        bubble.appendChild(inner);
        document.body.appendChild(bubble);
        const box = element.getBoundingClientRect();
        const width = bubble.offsetWidth;
        const left = Math.max(
            4,
            Math.min(
                box.left + box.width / 2 - width / 2,
                document.documentElement.clientWidth - width - 4
            )
        );
        const top = box.top - bubble.offsetHeight - 4;
        bubble.style.left = `${left + window.scrollX}px`;
        bubble.style.top = `${(top < 0 ? box.bottom + 4 : top) + window.scrollY}px`;
        timer = setTimeout(hide, 3000);
    }

    document.addEventListener("scroll", hide, { passive: true });
    document.addEventListener("click", hide, true);

    $.fn.tooltip = function (command) {
        return this.each(function () {
            if (command === "hide" || command === "dispose") {
                return hide();
            }
            if (this.dataset.payLinkTooltip) {
                return;
            }
            this.dataset.payLinkTooltip = "1";
            const title = this.getAttribute("title");
            if (title && !this.getAttribute("aria-label")) {
                this.setAttribute("aria-label", title);
                // An icon (<i>, <span>) may carry a name only with a role (ARIA's
                // aria-prohibited-attr): it is an image named by its title.
                if (!this.getAttribute("role") && ["I", "SPAN"].includes(this.tagName)) {
                    this.setAttribute("role", "img");
                }
            }
            // The bubble replaces the browser's own title box (shown twice otherwise).
            if (title) {
                this.dataset.bsOriginalTitle = title;
                this.removeAttribute("title");
            }
            this.addEventListener("click", () => setTimeout(() => show(this)));
            this.addEventListener("mouseenter", () => show(this));
            this.addEventListener("mouseleave", hide);
        });
    };
})(window.jQuery);
