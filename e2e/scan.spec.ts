/**
 * Issue 5: scanning with the camera (Chromium's fake camera playing a QR code; Linux Chromium has no
 * BarcodeDetector, so this exercises qr-scanner's worker decoder) and hostile payloads read by the camera.
 */
import path from "node:path";
import { expect, test } from "@playwright/test";
import { world } from "./world.ts";
import { CAMERA_FILES, fakeCamera } from "./y4m.ts";

test.use(fakeCamera(CAMERA_FILES.genuine));

test.describe("a product's QR code in front of the camera", () => {
  test("is decoded, resolved through its linkset and verified", async ({ page }, info) => {
    const w = world();
    const window = w.manifest.verifiedWindows[0]!;
    await page.goto(`${w.appUrl}/#/scan`);
    await expect(page.getByRole("heading", { name: "Scan a product" })).toBeVisible();
    await expect(page.getByTestId("product-verdict")).toHaveAttribute("data-verdict", "verified", { timeout: 20_000 });
    await expect(page).toHaveURL(new RegExp(`#/p/${encodeURIComponent(window.did).replace(/[.*+?^${}()|[\]\\%]/g, "\\$&")}$`));
    await expect(page.locator(`article[data-did="${window.did}"]`)).toHaveAttribute("data-verdict", "verified");
    await page.screenshot({ path: path.join(info.project.outputDir, "screens", "scanned.png") });
  });
});

