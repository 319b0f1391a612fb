import type { AppTab } from "../tabs.ts";

/** Camera scanning; the decoder (qr-scanner, or the native BarcodeDetector it prefers) loads only here. */
export const tab: AppTab = { id: "scan", label: "Scan", order: 10, load: () => import("./ScanView.svelte") };
