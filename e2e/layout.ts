/** Layout checks shared by the specs. */
import { expect, type Page } from "@playwright/test";

/** The document is no wider than the viewport (nothing to scroll sideways to). */
export async function expectNoSidewaysScroll(page: Page, what: string) {
  const { scrollWidth, innerWidth, wide } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    // What sticks out (for the message): the innermost elements whose right edge is past the viewport.
    wide: [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5 && ![...e.children].some((c) => c.getBoundingClientRect().right > window.innerWidth + 0.5))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join(".")} "${(e.textContent ?? "").trim().slice(0, 40)}"`),
  }));
  expect(scrollWidth, `${what}: the page is ${scrollWidth} px wide at ${innerWidth} px (${wide.join("; ")})`).toBeLessThanOrEqual(innerWidth);
}
