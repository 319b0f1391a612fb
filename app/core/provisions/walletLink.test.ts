import { describe, expect, it } from "vitest";
import { caip10, documentNamesWallet, documentWallets, linkStatus, parseEip155Account, pkhDid } from "./walletLink.ts";
import type { DidDocument, Hex } from "../types.ts";

const WALLET = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" as Hex;
const OTHER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as Hex;
const DID = "did:webvh:QmScid:example.com:p:1";

describe("documentNamesWallet", () => {
  it("finds did:pkh in alsoKnownAs, whatever the address case", () => {
    const doc: DidDocument = { id: DID, alsoKnownAs: ["https://x.example", `did:pkh:eip155:31337:${WALLET}`] };
    expect(documentNamesWallet(doc, 31337, WALLET.toLowerCase() as Hex)).toEqual({
      named: true,
      via: "alsoKnownAs",
      value: `did:pkh:eip155:31337:${WALLET}`,
    });
  });

  it("requires the same chain id", () => {
    const doc: DidDocument = { id: DID, alsoKnownAs: [pkhDid(1, WALLET)] };
    expect(documentNamesWallet(doc, 31337, WALLET).named).toBe(false);
    expect(documentNamesWallet(doc, 1, WALLET).named).toBe(true);
  });

  it("does not accept another wallet", () => {
    const doc: DidDocument = { id: DID, alsoKnownAs: [pkhDid(31337, OTHER)] };
    expect(documentNamesWallet(doc, 31337, WALLET).named).toBe(false);
  });

  it("finds a verification method's blockchainAccountId, listed or embedded", () => {
    const listed: DidDocument = {
      id: DID,
      verificationMethod: [{ id: `${DID}#wallet`, type: "EcdsaSecp256k1RecoveryMethod2020", controller: DID, blockchainAccountId: caip10(31337, WALLET) }],
    };
    expect(documentNamesWallet(listed, 31337, WALLET)).toMatchObject({ named: true, via: "verificationMethod", methodId: `${DID}#wallet` });
    const embedded: DidDocument = { id: DID, authentication: [{ id: `${DID}#w`, blockchainAccountId: caip10(31337, WALLET) }] };
    expect(documentNamesWallet(embedded, 31337, WALLET).named).toBe(true);
  });

  it("ignores a bare CAIP-10 in alsoKnownAs and malformed values", () => {
    const doc: DidDocument = {
      id: DID,
      alsoKnownAs: [caip10(31337, WALLET), `did:pkh:eip155:31337:${WALLET}00`, "did:pkh:eip155:031337:" + WALLET],
      verificationMethod: [{ id: "x", blockchainAccountId: 42 }],
    };
    expect(documentNamesWallet(doc, 31337, WALLET).named).toBe(false);
  });
});

describe("parseEip155Account", () => {
  it("parses both forms and rejects others", () => {
    expect(parseEip155Account(`did:pkh:eip155:10:${WALLET}`)).toEqual({ chainId: 10, address: WALLET.toLowerCase() });
    expect(parseEip155Account(`eip155:10:${WALLET}`)).toEqual({ chainId: 10, address: WALLET.toLowerCase() });
    expect(parseEip155Account(`did:pkh:solana:10:${WALLET}`)).toBeNull();
  });
});

describe("linkStatus", () => {
  it("is linked only when both sides agree", () => {
    expect(linkStatus(true, true)).toBe("linked");
    expect(linkStatus(true, false)).toBe("claimed");
    expect(linkStatus(false, true)).toBe("named");
    expect(linkStatus(false, false)).toBe("unlinked");
  });
});

describe("documentWallets", () => {
  it("lists every wallet named on the chain, lower-case, each once, did:pkh in alsoKnownAs and blockchainAccountIds", () => {
    const doc: DidDocument = {
      id: DID,
      alsoKnownAs: [pkhDid(31337, WALLET), "https://x.example", `eip155:31337:${OTHER}`, pkhDid(1, OTHER)],
      verificationMethod: [{ id: `${DID}#m`, blockchainAccountId: caip10(31337, OTHER) }, { id: `${DID}#w`, blockchainAccountId: `eip155:31337:${WALLET}` }],
      authentication: [`${DID}#m`, { id: `${DID}#e`, blockchainAccountId: caip10(31337, "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC") }],
    };
    expect(documentWallets(doc, 31337)).toEqual([WALLET.toLowerCase(), OTHER.toLowerCase(), "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"]);
    expect(documentWallets(doc, 1)).toEqual([OTHER.toLowerCase()]);
    expect(documentWallets({ id: DID }, 31337)).toEqual([]);
  });
});
