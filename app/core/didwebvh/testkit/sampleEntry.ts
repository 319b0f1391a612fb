/** A realistic did:webvh log entry (five lifecycle-event services): shared by the JCS test and bench. */
export const SAMPLE_ENTRY = {
  versionId: "2-QmaGAxs1kggsBiEW11tbp4Nc5pbCWWvDHvBE2HLy2e7xQd",
  versionTime: "2025-01-01T00:01:00Z",
  parameters: { witness: {}, watchers: [] },
  state: {
    "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
    id: "did:webvh:QmNt7FGeZe2mbSe1uEBqtotg9BFMgpSLEVnLnqvGNW9Ste:example.com",
    verificationMethod: [{ type: "Multikey", publicKeyMultibase: "z6MkgRkGJ5PEJwZDbVn5RsGhoNoihXKjsbHCrWGmxWwjXZrB", id: "did:webvh:x#k" }],
    service: Array.from({ length: 5 }, (_, i) => ({
      id: `#event-${i}`,
      type: "LifecycleEvent",
      serviceEndpoint: { type: "Inspected", n: i, time: "2025-01-01T00:01:00Z" },
    })),
  },
};
