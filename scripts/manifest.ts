// The suite's manifest: its modules, the named sets that combine them, and the
// parameters of each network. `npx hardhat modules …` reads it (or --manifest FILE).
import { defineManifest } from "./lib/manifest.js";

export default defineManifest({
  // Module id -> definition. Each module issue adds its entry here.
  modules: {
    // The shared Chainlink Automation-compatible check/perform pair: modules with work for
    // keepers register a provider from their init (LibUpkeep) and depend on it.
    upkeep: {
      version: [0, 1, 0],
      facets: ["UpkeepFacet"],
      interfaces: ["IUpkeep"],
      storage: { "finsuite.upkeep": "UpkeepStorageLayout" },
    },
    // The diamond's one credit book: what a recipient refused from any module's payout is
    // credited here and claimed with `claimCredit`. Modules that pay out depend on it.
    credit: {
      version: [0, 1, 0],
      facets: ["CreditFacet"],
      interfaces: ["ICredit"],
      storage: { "finsuite.credit": "CreditStorageLayout" },
    },
    payment: {
      // 1.0.0: its own credits (claimPaymentCredit and views) gave way to the credit module's.
      version: [1, 0, 0],
      // Payouts a recipient refuses are credited in the diamond's one credit book.
      dependencies: ["credit"],
      facets: ["PaymentFacet", "PaymentEscrowFacet", "PaymentInvoiceFacet"],
      interfaces: ["IPayment", "IPaymentEscrow", "IPaymentInvoice"],
      storage: { "finsuite.payment": "PaymentStorageLayout" },
    },
    lending: {
      version: [0, 1, 0],
      // Its keeper work (liquidations) goes through the diamond's upkeep pair.
      dependencies: ["upkeep"],
      facets: ["LendingFacet", "LendingAdminFacet", "LendingViewFacet"],
      interfaces: ["ILending", "ILendingAdmin", "ILendingViews"],
      // Every pool's ERC-4626 share vault is a clone of this one implementation.
      contracts: ["LendingPoolVault"],
      init: {
        contract: "LendingInit",
        function: "initLending",
        args: (_params, deployed) => [deployed.LendingPoolVault],
      },
      storage: { "finsuite.lending": "LendingStorageLayout" },
    },
    // The institution's investor registry: tokenized assets require it, other modules may use it.
    identity: {
      version: [0, 1, 0],
      facets: ["IdentityFacet"],
      interfaces: ["IIdentity"],
      storage: { "finsuite.identity": "IdentityStorageLayout" },
    },
    // Permissioned ERC-20 fractions: compliance through the identity registry, agent
    // powers, offerings and distributions. Its keeper work (offering settlement) goes
    // through the diamond's upkeep pair.
    asset: {
      version: [0, 1, 0],
      dependencies: ["upkeep", "identity"],
      facets: ["AssetFacet", "AssetViewFacet", "AssetOfferingFacet", "AssetDistributionFacet"],
      interfaces: ["IAsset", "IAssetViews", "IAssetOffering", "IAssetDistribution"],
      // Every asset's ERC-20 is a clone of this one implementation.
      contracts: ["AssetToken"],
      init: {
        contract: "AssetInit",
        function: "initAsset",
        args: (_params, deployed) => [deployed.AssetToken],
      },
      storage: { "finsuite.asset": "AssetStorageLayout" },
    },
    // Products, risk pools (ERC-4626 capital vaults), policies, oracle and feed triggers,
    // assessed claims. Payout batches go through the diamond's upkeep pair; payouts a
    // beneficiary refuses go to the diamond's credit book.
    insurance: {
      version: [0, 1, 0],
      dependencies: ["upkeep", "credit"],
      facets: ["InsuranceFacet", "InsuranceAdminFacet", "InsuranceTriggerFacet", "InsuranceViewFacet"],
      interfaces: ["IInsurance", "IInsuranceAdmin", "IInsuranceTriggers", "IInsuranceViews"],
      // Every pool's ERC-4626 capital vault is a clone of this one implementation.
      contracts: ["InsurancePoolVault"],
      init: {
        contract: "InsuranceInit",
        function: "initInsurance",
        args: (_params, deployed) => [deployed.InsurancePoolVault],
      },
      storage: { "finsuite.insurance": "InsuranceStorageLayout" },
    },
  },

  // Named sets; `core` (the diamond alone) is in every set implicitly.
  sets: {
    core: [],
    payments: ["credit", "payment"],
    lending: ["upkeep", "lending"],
    assets: ["upkeep", "identity", "asset"],
    insurance: ["upkeep", "credit", "insurance"],
    full: ["upkeep", "credit", "payment", "lending", "identity", "asset", "insurance"],
  },

  // Defaults for every network; roles default to the deploying account.
  defaults: {
    timelockDelay: 0,
    tokens: {},
    oracles: {},
  },

  // Per-network overrides, keyed by Hardhat network name. Public networks get a real delay,
  // a fee cap, and a confirmation depth before a step counts as done.
  networks: {
    sepolia: {
      timelockDelay: 24 * 3600,
      tx: { maxFeeGwei: 50, replaceAfterSeconds: 180, confirmations: 3 },
    },
  },

  // Layout probes of the core module's ERC-7201 namespaces (append-only check on upgrade).
  coreStorage: {
    "finsuite.diamond": "CoreStorageLayouts",
    "finsuite.access": "CoreStorageLayouts",
    "finsuite.timelock": "CoreStorageLayouts",
  },
});
