// The insurance module's test fixture: a diamond with upkeep, credit and insurance
// installed as the manifest declares them, an insurer, an oracle, an assessor, a USD
// stablecoin, one pool funded by two capital providers, a parametric flight-delay product
// and an assessed travel product.
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { id, parseUnits } from "ethers";

import {
  CLAIM_ASSESSOR_ROLE,
  flightDelayProduct,
  INSURANCE_ORACLE_ROLE,
  INSURER_ROLE,
  travelProduct,
} from "../../scripts/lib/insurance.js";
import { installFromManifest } from "../../scripts/lib/modules.js";
import suiteManifest from "../../scripts/manifest.js";
import {
  IFinanceSuite__factory,
  InsurancePoolVault__factory,
  MockStablecoin__factory,
} from "../../typechain-types/index.js";
import { coreFixture } from "../helpers.js";

export const HOUR = 3600;
export const DAY = 86_400;

/** 6-decimal stablecoin units. */
export const usd = (n: string | number) => parseUnits(String(n), 6);

export { flightDelayProduct, travelProduct };

export async function insuranceFixture(ethers: HardhatEthers) {
  const core = await coreFixture(ethers);
  const { owner, upgrader } = core;
  const signers = await ethers.getSigners();
  // 5..: roles; 9..: capital providers and customers.
  const [insurer, oracle, assessor, outsider, providerA, providerB, holder, passenger, traveller] = signers.slice(
    5,
  ) as HardhatEthersSigner[];
  for (const m of ["upkeep", "credit", "insurance"]) {
    await installFromManifest(ethers, core.diamond.connect(upgrader), suiteManifest, m);
  }
  for (const [role, who] of [
    [INSURER_ROLE, insurer],
    [INSURANCE_ORACLE_ROLE, oracle],
    [CLAIM_ASSESSOR_ROLE, assessor],
  ] as const) {
    await (await core.diamond.connect(owner).grantRole(role, who.address)).wait();
  }
  const diamondAddress = await core.diamond.getAddress();
  const suite = IFinanceSuite__factory.connect(diamondAddress, owner);
  const usdc = await new MockStablecoin__factory(owner).deploy();
  for (const who of [providerA, providerB, holder, passenger, traveller, outsider]) {
    await (await usdc.mint(who.address, usd(1_000_000))).wait();
    await (await usdc.connect(who).approve(diamondAddress, 2n ** 256n - 1n)).wait();
  }

  await (
    await suite.connect(insurer).createInsurancePool({
      asset: await usdc.getAddress(),
      collateralBps: 10_000,
      depositCap: usd(10_000_000),
      name: "Travel risk pool",
      symbol: "cTRAVEL",
    })
  ).wait();
  const poolId = 1n;
  const vault = InsurancePoolVault__factory.connect((await suite.insurancePool(poolId)).vault, owner);
  const vaultAddress = await vault.getAddress();
  for (const [who, amount] of [
    [providerA, usd(60_000)],
    [providerB, usd(40_000)],
  ] as const) {
    await (await usdc.connect(who).approve(vaultAddress, 2n ** 256n - 1n)).wait();
    await (await vault.connect(who).deposit(amount, who.address)).wait();
  }
  await (await suite.connect(insurer).createInsuranceProduct(flightDelayProduct(poolId))).wait();
  await (await suite.connect(insurer).createInsuranceProduct(travelProduct(poolId))).wait();
  const flightProductId = 1n;
  const travelProductId = 2n;
  const now = Number((await ethers.provider.getBlock("latest"))!.timestamp);

  /** Opens a risk of `productId` from `start` to `end` (seconds from now by default). */
  async function openRisk(productId: bigint, key: string, start: number, end: number, feed = ethers.ZeroAddress) {
    const receipt = await (
      await suite.connect(insurer).createInsuranceRisk(productId, id(key), start, end, feed)
    ).wait();
    const event = receipt!.logs
      .map((log) => suite.interface.parseLog(log))
      .find((parsed) => parsed?.name === "InsuranceRiskCreated");
    return event!.args.riskId as bigint;
  }

  return {
    ...core,
    suite,
    usdc,
    vault,
    poolId,
    flightProductId,
    travelProductId,
    insurer,
    oracle,
    assessor,
    outsider,
    providerA,
    providerB,
    holder,
    passenger,
    traveller,
    now,
    openRisk,
  };
}
