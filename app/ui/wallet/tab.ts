import type { AppTab } from "../tabs.ts";

/** The wallet panel, link status and the provider's dashboard (lazy: no weight on the first verdict). */
export const tab: AppTab = { id: "wallet", label: "Wallet", order: 40, load: () => import("./WalletView.svelte") };
