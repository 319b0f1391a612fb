import type { AppTab } from "../tabs.ts";

/** A provision's public page: `#/provision/<machine address>` (lazy). */
export const tab: AppTab = { id: "provision", label: "Provisions", order: 45, load: () => import("./ProvisionView.svelte") };
