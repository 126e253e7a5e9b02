// What every mocha suite may use: a real diamond built by the deploy library, and generic checks.
import { expect } from "chai";
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import { deployCoreFacets, deployDiamond, type CoreFacetAddresses } from "../scripts/lib/core.js";
import type { IFinanceDiamond } from "../typechain-types/index.js";

export interface CoreFixture {
  diamond: IFinanceDiamond;
  facets: CoreFacetAddresses;
  owner: HardhatEthersSigner;
  upgrader: HardhatEthersSigner;
  guardian: HardhatEthersSigner;
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
}

/** A diamond whose owner is signer 0, upgrader signer 1, guardian signer 2, with delay `delay`. */
export async function coreFixture(ethers: HardhatEthers, delay: bigint | number = 0): Promise<CoreFixture> {
  const [owner, upgrader, guardian, alice, bob] = await ethers.getSigners();
  const facets = await deployCoreFacets(ethers);
  const { diamond } = await deployDiamond(ethers, facets, {
    owner: owner.address,
    upgrader: upgrader.address,
    guardian: guardian.address,
    timelockDelay: delay,
  });
  return { diamond, facets, owner, upgrader, guardian, alice, bob };
}

/** Awaits `promise`, expecting it to reject with an instance of `type` whose message matches `message`. */
export async function expectRejection(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => Error,
  message: RegExp,
): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  if (error === undefined) throw new Error(`expected a rejection matching ${message}, but the promise resolved`);
  if (!(error instanceof type)) throw error;
  if (!message.test(error.message)) throw new Error(`rejection "${error.message}" does not match ${message}`);
}

/** Runs `assertion` (a revert expectation) and checks that `state` reads the same after it. */
export async function expectUnchanged(
  state: () => Promise<Record<string, string>>,
  assertion: () => Promise<unknown>,
): Promise<void> {
  const before = await state();
  await assertion();
  expect(await state()).to.deep.equal(before);
}
