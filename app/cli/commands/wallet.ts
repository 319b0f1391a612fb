/**
 * `wallet <show|link|unlink>`: a wallet's view of our contracts from the command line. `show` checks the
 * wallet link on both sides (the chain's claim and the DID's verified document), like the app.
 */
import type { parseArgs } from "node:util";
import { runSubcommands } from "../lib/command.ts";
import { formatEther, isAddress } from "viem";
import { walletLinksAbi } from "../../contracts/abi.ts";
import { checkWalletLink } from "../../core/provisions/linkCheck.ts";
import { listProvisionsOf, readWalletEvents } from "../../core/provisions/read.ts";
import { LINK_STATUS_TEXT } from "../../core/provisions/walletLink.ts";
import type { Hex } from "../../core/types.ts";
import { connectChain, LOCAL_CHAIN_ID } from "../../publisher/chain.ts";
import { contractsFrom, evmKeyFrom, print, UsageError, verifiedDocumentOf } from "../../publisher/provision/cliSupport.ts";
import { ProvisionTransactionError } from "../../publisher/provision/provision.ts";
import { revertedError, sendContract } from "../../publisher/send.ts";

export const summary = "A wallet: balance, two-sided link status, provisions, recent activity; link or unlink a DID";

const HELP = `Usage: npm run -s cli -- wallet <subcommand> [options]

  show   --rpc URL --address ADDR [--did DID] [--cdn DIR | --registry ADDR --wallet-links ADDR]
         Balance, the DID the wallet claims on chain, whether that DID's verified document names the
         wallet (did:pkh in alsoKnownAs, or a blockchainAccountId): "linked" only when both agree; the
         provisions it controls and its recent activity. DID documents are read from --cdn when given,
         else from their hosts. Exit 0 when linked, 1 otherwise.
  link   --rpc URL --did DID [--keystore FILE] [--cdn DIR | --wallet-links ADDR --registry ADDR]
  unlink --rpc URL [--keystore FILE] [--cdn DIR | --wallet-links ADDR --registry ADDR]
         Sent from the keystore's EVM key (Hardhat's development key on chain ${LOCAL_CHAIN_ID} without one).
         A key without the ETH for the gas fails with SenderUnfundedError (the account, its balance, what
         it needs) and sends nothing; a contract refusal is ProvisionTransactionError naming the contract's
         error (WalletAlreadyLinked, WalletNotLinked); a chain that does not answer ChainUnreachableError.
`;

const OPTIONS = {
  rpc: { type: "string" },
  address: { type: "string" },
  did: { type: "string" },
  cdn: { type: "string" },
  registry: { type: "string" },
  "wallet-links": { type: "string" },
  keystore: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

async function show(flags: Flags): Promise<number> {
  if (!flags.rpc || !flags.address) throw new UsageError("Need --rpc and --address");
  if (!isAddress(flags.address)) throw new UsageError("--address must be an address (0x and 40 hex digits, checksum when mixed-case)", { details: flags.address });
  const conn = await connectChain(flags.rpc, undefined, { readOnly: true });
  const contracts = await contractsFrom(conn, flags);
  const wallet = flags.address as Hex;
  const [balance, link, provisions, activity] = await Promise.all([
    conn.publicClient.getBalance({ address: wallet }),
    checkWalletLink({
      client: conn.publicClient,
      contracts,
      wallet,
      ...(flags.did ? { did: flags.did } : {}),
      resolveDocument: (did) => verifiedDocumentOf(did, flags.cdn),
    }),
    listProvisionsOf(conn.publicClient, contracts, wallet),
    readWalletEvents(conn.publicClient, contracts, wallet),
  ]);
  print({
    address: wallet,
    chainId: conn.chainId,
    balance: `${formatEther(balance)} ETH`,
    link: { ...link, explanation: LINK_STATUS_TEXT[link.status] },
    provisions,
    activity,
  });
  return link.status === "linked" ? 0 : 1;
}

async function send(flags: Flags, what: "link" | "unlink"): Promise<number> {
  if (!flags.rpc) throw new UsageError("Need --rpc");
  if (what === "link" && !flags.did) throw new UsageError("Need --did");
  const conn = await connectChain(flags.rpc, flags.keystore ? await evmKeyFrom(flags.keystore) : undefined);
  const contracts = await contractsFrom(conn, flags);
  // Simulated, its gas checked against the wallet's balance (SenderUnfundedError, nothing sent), then sent:
  // a refusal is ProvisionTransactionError with the contract's error name, a silent chain ChainUnreachableError.
  const { txHash } = await sendContract(
    conn,
    `wallet ${what}`,
    what === "link"
      ? { abi: walletLinksAbi, address: contracts.walletLinks, functionName: "link", args: [flags.did!] }
      : { abi: walletLinksAbi, address: contracts.walletLinks, functionName: "unlink" },
    { onRevert: (r) => revertedError(r, ProvisionTransactionError) },
  );
  print({ wallet: conn.account.address, [what === "link" ? "linked" : "unlinked"]: flags.did ?? true, txHash, status: "success" });
  return 0;
}

export async function run(argv: readonly string[]): Promise<number> {
  return runSubcommands("wallet", HELP, argv, OPTIONS, {
    show: show,
    link: (v) => send(v, "link"),
    unlink: (v) => send(v, "unlink"),
  });
}
