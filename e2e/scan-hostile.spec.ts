/**
 * Issue 5: a hostile payload read by the camera (Chromium's fake camera) is refused.
 */
import path from "node:path";
import { expect, test } from "@playwright/test";
import { world } from "./world.ts";
import { CAMERA_FILES, fakeCamera } from "./y4m.ts";

test.use(fakeCamera(CAMERA_FILES.hostile));

test.describe("a hostile QR code in front of the camera", () => {
  test("is refused with a clear message; nothing is opened or rendered", async ({ page }, info) => {
    const w = world();
    let dialogs = 0;
    page.on("dialog", (d) => {
      dialogs++;
      void d.dismiss();
    });
    await page.goto(`${w.appUrl}/#/scan`);
    await expect(page.getByTestId("scan-refused")).toContainText(/"javascript:" links are never opened/, { timeout: 20_000 });
    expect(page.url()).toBe(`${w.appUrl}/#/scan`);
    expect(dialogs).toBe(0);
    await expect(page.getByTestId("scan-status")).toContainText("Point the camera");
    await page.screenshot({ path: path.join(info.project.outputDir, "screens", "scan-refused.png") });
  });
});

test("a photo of a product's QR code, picked from the device, opens the passport", async ({ page }) => {
  const w = world();
  const window = w.manifest.verifiedWindows[0]!;
  await page.goto(`${w.appUrl}/#/scan`);
  await expect(page.getByTestId("scan-refused")).toBeVisible({ timeout: 20_000 }); // the camera shows the hostile code
  await page.getByLabel("Pick a photo").setInputFiles(path.join(w.hostDir, "qr", `${window.serial}.png`));
  await expect(page.getByTestId("product-verdict")).toHaveAttribute("data-verdict", "verified", { timeout: 20_000 });
  await expect(page.locator(`article[data-did="${window.did}"]`)).toBeVisible();
});
