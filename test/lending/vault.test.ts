// The pool's ERC-4626 vault at its own address (a LendingPoolVault clone): metadata, the four
// actions and their equivalence with the diamond's, allowances, previews and limits that
// match what the actions then do, the hooks only the diamond and the vault may call,
// donations and the first-depositor attack, and rounding that always favours the pool.
import { expect } from "chai";
import { network } from "hardhat";
import { formatUnits, type ContractTransactionReceipt, type ContractTransactionResponse } from "ethers";

import {
  borrowAgainstWeth,
  createFeeOnTransferPool,
  createWethPool,
  expectNothingChanged,
  expectSolvent,
  inflateSharePrice,
  lendingState,
  MAX_UINT,
  nextBlockIn,
  poolTotals,
  settledWithInterest,
  toAssets,
  toShares,
  VIRTUAL_SHARES,
} from "../support/lending.js";
import type { LendingPoolVault } from "../../typechain-types/index.js";
import { lendingFixture, usd, wad, type LendingFixture } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => lendingFixture(ethers);

/** The ERC-4626 events `vault` logged in `receipt`, as [name, ...args]. */
function vaultEvents(
  vault: LendingPoolVault,
  vaultAddress: string,
  receipt: ContractTransactionReceipt | null,
): unknown[][] {
  return receipt!.logs
    .filter((l) => l.address.toLowerCase() === vaultAddress.toLowerCase())
    .map((l) => vault.interface.parseLog(l)!)
    .filter((e) => e.name === "Deposit" || e.name === "Withdraw")
    .map((e) => [e.name, ...e.args.toArray()]);
}

async function sent(tx: Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt | null> {
  return (await tx).wait();
}

describe("lending: the pool's ERC-4626 vault", function () {
  let f: LendingFixture;
  let vaultAddress: string;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(fixture);
    vaultAddress = await f.vault.getAddress();
  });

  // ---------------------------------------------------------------- metadata

  describe("metadata", function () {
    it("names itself as the pool asked, has the asset's decimals + 6, and knows its diamond, asset and pool", async function () {
      expect(await f.vault.name()).to.equal("Finsuite USD pool");
      expect(await f.vault.symbol()).to.equal("fsUSD");
      expect(await f.vault.decimals()).to.equal(12n);
      expect(await f.vault.asset()).to.equal(await f.usdc.getAddress());
      expect(await f.vault.diamond()).to.equal(f.diamondAddress);
      expect(await f.vault.key()).to.equal(f.poolId);
      expect(await f.vault.totalSupply()).to.equal(0n);
      expect(await f.vault.totalAssets()).to.equal(0n);
      expect((await f.suite.lendingPool(f.poolId)).vault).to.equal(vaultAddress);

      const weth = await createWethPool(f);
      expect(await weth.vault.name()).to.equal("Finsuite ETH pool");
      expect(await weth.vault.symbol()).to.equal("fsETH");
      expect(await weth.vault.decimals()).to.equal(24n);
      expect(await weth.vault.asset()).to.equal(await f.weth.getAddress());
      expect(await weth.vault.diamond()).to.equal(f.diamondAddress);
      expect(await weth.vault.key()).to.equal(weth.poolId);
    });
  });

  // ---------------------------------------------------------------- equivalence with the diamond

  describe("the same operation as the diamond's", function () {
    /**
     * Two suppliers supply, a borrower borrows, and over a month the suppliers withdraw,
     * redeem and supply again, each step in a chosen block; `viaVault` picks the vault's
     * actions or the diamond's. Returns every Deposit/Withdraw and the final state.
     */
    async function scenario(viaVault: boolean) {
      f = await networkHelpers.loadFixture(fixture);
      const t0 = await networkHelpers.time.latest();
      const at = (dt: number) => networkHelpers.time.setNextBlockTimestamp(t0 + dt);
      const [d, v] = [f.suite, f.vault];
      const events: unknown[][] = [];
      const record = async (tx: Promise<ContractTransactionResponse>) =>
        events.push(...vaultEvents(f.vault, vaultAddress, await sent(tx)));

      await at(100);
      await record(
        viaVault
          ? v.connect(f.supplier).deposit(usd(50_000), f.supplier.address)
          : d.connect(f.supplier).supply(f.poolId, usd(50_000), f.supplier.address),
      );
      await at(200);
      await record(
        viaVault
          ? v.connect(f.carol).deposit(usd("20000.000001"), f.carol.address)
          : d.connect(f.carol).supply(f.poolId, usd("20000.000001"), f.carol.address),
      );
      await at(300);
      await (
        await d.connect(f.borrower).supplyCollateral(f.poolId, await f.weth.getAddress(), wad(100), f.borrower.address)
      ).wait();
      await at(301);
      await (await d.connect(f.borrower).borrow(f.poolId, usd(40_000), f.borrower.address)).wait();
      await at(10 * 86_400);
      await record(
        viaVault
          ? v.connect(f.supplier).withdraw(usd("5000.5"), f.bob.address, f.supplier.address)
          : d.connect(f.supplier).withdraw(f.poolId, usd("5000.5"), f.bob.address),
      );
      const half = (await f.vault.balanceOf(f.carol.address)) / 2n + 7n;
      await at(20 * 86_400);
      await record(
        viaVault
          ? v.connect(f.carol).redeem(half, f.carol.address, f.carol.address)
          : d.connect(f.carol).redeem(f.poolId, half, f.carol.address),
      );
      await at(30 * 86_400);
      await record(
        viaVault
          ? v.connect(f.supplier).deposit(usd("1234.567891"), f.alice.address)
          : d.connect(f.supplier).supply(f.poolId, usd("1234.567891"), f.alice.address),
      );
      await expectSolvent(f);
      return { t0, events, state: await lendingState(f) };
    }

    it("supply/deposit, withdraw and redeem leave the same books, balances and events either way", async function () {
      const viaDiamond = await scenario(false);
      const viaVault = await scenario(true);
      expect(viaVault.t0).to.equal(viaDiamond.t0);
      expect(viaVault.events).to.have.length(5);
      expect(viaVault.events).to.deep.equal(viaDiamond.events);
      expect(viaVault.state).to.deep.equal(viaDiamond.state);
      // Interest did accrue in between: the redeem was not at par.
      const [, , , , assetsOut, sharesIn] = viaVault.events[3] as [string, string, string, string, bigint, bigint];
      expect(assetsOut * VIRTUAL_SHARES).to.be.greaterThan(sharesIn);
    });

    it("mint takes previewMint's assets (rounded up) from the caller and mints exactly the shares asked", async function () {
      await settledWithInterest(f, networkHelpers);
      const v = f.vault.connect(f.carol);
      for (const shares of [1n, 999_999n, 10n ** 12n + 3n, 4_321n * 10n ** 12n + 99n]) {
        const { totalAssets: A, totalShares: S } = await poolTotals(f);
        const assets = toAssets(shares, A, S, true);
        expect(await v.previewMint(shares)).to.equal(assets);
        expect(await v.mint.staticCall(shares, f.carol.address)).to.equal(assets);
        const [sharesBefore, usdcBefore] = [
          await v.balanceOf(f.carol.address),
          await f.usdc.balanceOf(f.carol.address),
        ];
        await expect(v.mint(shares, f.carol.address))
          .to.emit(f.vault, "Deposit")
          .withArgs(f.carol.address, f.carol.address, assets, shares)
          .and.to.emit(f.usdc, "Transfer")
          .withArgs(f.carol.address, f.diamondAddress, assets);
        expect((await v.balanceOf(f.carol.address)) - sharesBefore).to.equal(shares);
        expect(usdcBefore - (await f.usdc.balanceOf(f.carol.address))).to.equal(assets);
      }
      await expectSolvent(f);
    });

    it("shares are ordinary tokens: whoever holds them redeems, through the vault or the diamond", async function () {
      await (await f.vault.deposit(usd(1_000), f.supplier.address)).wait();
      await (await f.vault.transfer(f.bob.address, usd(600) * VIRTUAL_SHARES)).wait();
      await expect(f.vault.connect(f.bob).redeem(usd(100) * VIRTUAL_SHARES, f.bob.address, f.bob.address))
        .to.emit(f.vault, "Withdraw")
        .withArgs(f.bob.address, f.bob.address, f.bob.address, usd(100), usd(100) * VIRTUAL_SHARES);
      await expect(f.suite.connect(f.bob).withdraw(f.poolId, usd(500), f.bob.address))
        .to.emit(f.vault, "Withdraw")
        .withArgs(f.bob.address, f.bob.address, f.bob.address, usd(500), usd(500) * VIRTUAL_SHARES);
      expect(await f.usdc.balanceOf(f.bob.address)).to.equal(usd(600));
      expect(await f.suite.lendingMaxWithdraw(f.poolId, f.supplier.address)).to.equal(usd(400));
      await expectSolvent(f);
    });
  });

  // ---------------------------------------------------------------- allowances

  describe("allowances", function () {
    beforeEach(async function () {
      await settledWithInterest(f, networkHelpers);
    });

    it("a spender withdraws for the owner within its allowance, which shrinks by the shares burned", async function () {
      const assets = usd("2500.25");
      const { totalAssets: A, totalShares: S } = await poolTotals(f);
      const shares = toShares(assets, A, S, true);
      const spender = f.vault.connect(f.carol);
      await expectNothingChanged(f, async () => {
        await expect(spender.withdraw(assets, f.carol.address, f.supplier.address))
          .to.be.revertedWithCustomError(f.vault, "ERC20InsufficientAllowance")
          .withArgs(f.carol.address, 0n, shares);
      });
      await (await f.vault.approve(f.carol.address, shares - 1n)).wait();
      await expectNothingChanged(f, async () => {
        await expect(spender.withdraw(assets, f.carol.address, f.supplier.address))
          .to.be.revertedWithCustomError(f.vault, "ERC20InsufficientAllowance")
          .withArgs(f.carol.address, shares - 1n, shares);
      });
      await (await f.vault.approve(f.carol.address, shares + 10n)).wait();
      const [ownerShares, carolUsdc] = [
        await f.vault.balanceOf(f.supplier.address),
        await f.usdc.balanceOf(f.carol.address),
      ];
      await expect(spender.withdraw(assets, f.carol.address, f.supplier.address))
        .to.emit(f.vault, "Withdraw")
        .withArgs(f.carol.address, f.carol.address, f.supplier.address, assets, shares);
      expect(await f.vault.allowance(f.supplier.address, f.carol.address)).to.equal(10n);
      expect(ownerShares - (await f.vault.balanceOf(f.supplier.address))).to.equal(shares);
      expect((await f.usdc.balanceOf(f.carol.address)) - carolUsdc).to.equal(assets);
      expect(await f.vault.balanceOf(f.carol.address)).to.equal(0n);
      await expectSolvent(f);
    });

    it("a spender redeems for the owner within its allowance; the owner needs none", async function () {
      const shares = 777n * 10n ** 12n + 5n;
      const { totalAssets: A, totalShares: S } = await poolTotals(f);
      const assets = toAssets(shares, A, S);
      const spender = f.vault.connect(f.carol);
      await expectNothingChanged(f, async () => {
        await expect(spender.redeem(shares, f.bob.address, f.supplier.address))
          .to.be.revertedWithCustomError(f.vault, "ERC20InsufficientAllowance")
          .withArgs(f.carol.address, 0n, shares);
      });
      await (await f.vault.approve(f.carol.address, shares)).wait();
      await expect(spender.redeem(shares, f.bob.address, f.supplier.address))
        .to.emit(f.vault, "Withdraw")
        .withArgs(f.carol.address, f.bob.address, f.supplier.address, assets, shares);
      expect(await f.vault.allowance(f.supplier.address, f.carol.address)).to.equal(0n);
      expect(await f.usdc.balanceOf(f.bob.address)).to.equal(assets);
      // The owner itself spends no allowance.
      await expect(f.vault.redeem(shares, f.supplier.address, f.supplier.address)).to.emit(f.vault, "Withdraw");
      await expectSolvent(f);
    });
  });

  // ---------------------------------------------------------------- previews and limits

  describe("previews and limits", function () {
    it("previewDeposit/Mint/Withdraw/Redeem and convertTo* equal what the actions do in the same block, interest accruing", async function () {
      await (await f.vault.deposit(usd(100_000), f.supplier.address)).wait();
      await borrowAgainstWeth(f, usd(70_000));
      await networkHelpers.time.increase(45 * 86_400);
      const v = f.vault;
      const pending = { blockTag: "pending" as const };
      const events = async (tx: Promise<ContractTransactionResponse>) =>
        vaultEvents(v, vaultAddress, await sent(tx))[0];

      await nextBlockIn(networkHelpers, 600);
      let assets = usd("3333.333333");
      const depositShares = await v.previewDeposit(assets, pending);
      expect(await v.convertToShares(assets, pending)).to.equal(depositShares);
      const { totalAssets: A, totalShares: S } = await poolTotals(f, f.poolId, "pending");
      expect(depositShares).to.equal(toShares(assets, A, S));
      expect(await v.deposit.staticCall(assets, f.supplier.address, pending)).to.equal(depositShares);
      expect(await events(v.deposit(assets, f.supplier.address))).to.deep.equal([
        "Deposit",
        f.supplier.address,
        f.supplier.address,
        assets,
        depositShares,
      ]);

      await nextBlockIn(networkHelpers, 600);
      const shares = 1_234_567n * 10n ** 6n + 1n;
      const mintAssets = await v.previewMint(shares, pending);
      expect(mintAssets).to.be.greaterThan(await v.convertToAssets(shares, pending));
      expect(await v.mint.staticCall(shares, f.supplier.address, pending)).to.equal(mintAssets);
      expect(await events(v.mint(shares, f.supplier.address))).to.deep.equal([
        "Deposit",
        f.supplier.address,
        f.supplier.address,
        mintAssets,
        shares,
      ]);

      await nextBlockIn(networkHelpers, 600);
      assets = usd("999.999999");
      const withdrawShares = await v.previewWithdraw(assets, pending);
      expect(withdrawShares).to.be.greaterThan(await v.convertToShares(assets, pending));
      expect(await v.withdraw.staticCall(assets, f.carol.address, f.supplier.address, pending)).to.equal(
        withdrawShares,
      );
      expect(await events(v.withdraw(assets, f.carol.address, f.supplier.address))).to.deep.equal([
        "Withdraw",
        f.supplier.address,
        f.carol.address,
        f.supplier.address,
        assets,
        withdrawShares,
      ]);

      await nextBlockIn(networkHelpers, 600);
      const redeemAssets = await v.previewRedeem(shares, pending);
      expect(await v.convertToAssets(shares, pending)).to.equal(redeemAssets);
      expect(await v.redeem.staticCall(shares, f.carol.address, f.supplier.address, pending)).to.equal(redeemAssets);
      expect(await events(v.redeem(shares, f.carol.address, f.supplier.address))).to.deep.equal([
        "Withdraw",
        f.supplier.address,
        f.carol.address,
        f.supplier.address,
        redeemAssets,
        shares,
      ]);
      await expectSolvent(f);
    });

    it("maxDeposit is the room under the supply cap and maxMint its shares; both are used to the unit", async function () {
      await settledWithInterest(f, networkHelpers);
      const { reserveFactorBps, borrowCap, dustThreshold } = f.params;
      const { totalAssets: A, totalShares: S } = await poolTotals(f);
      const cap = A + usd(5_000);
      await (await f.suite.setLendingPoolLimits(f.poolId, reserveFactorBps, cap, borrowCap, dustThreshold)).wait();
      const v = f.vault.connect(f.carol);
      expect(await v.maxDeposit(f.carol.address)).to.equal(usd(5_000));
      expect(await v.maxMint(f.carol.address)).to.equal(toShares(usd(5_000), A, S));

      await expectNothingChanged(f, async () => {
        await expect(v.deposit(usd(5_000) + 1n, f.carol.address))
          .to.be.revertedWithCustomError(f.suite, "LendingSupplyCapExceeded")
          .withArgs(f.poolId, cap + 1n, cap);
      });
      await (await v.deposit(usd(2_000), f.carol.address)).wait();
      expect(await v.maxDeposit(f.carol.address)).to.equal(usd(3_000));
      const maxMint = await v.maxMint(f.carol.address);
      await (await v.mint(maxMint, f.carol.address)).wait();
      // A unit buys about a million shares here, so maxMint's shares cost the whole room.
      expect((await poolTotals(f)).totalAssets).to.equal(cap);
      expect(await v.maxDeposit(f.carol.address)).to.equal(0n);
      expect(await v.maxMint(f.carol.address)).to.equal(0n);

      // A cap below the pool's assets leaves no room (not a negative one).
      await (await f.suite.setLendingPoolLimits(f.poolId, reserveFactorBps, usd(1), borrowCap, dustThreshold)).wait();
      expect(await v.maxDeposit(f.carol.address)).to.equal(0n);
      expect(await v.maxMint(f.carol.address)).to.equal(0n);
      await expectSolvent(f);
    });

    it("maxDeposit and maxMint are 0 while supply is paused, and deposits are refused with LendingSupplyPaused", async function () {
      await (await f.vault.deposit(usd(1_000), f.supplier.address)).wait();
      expect(await f.vault.maxDeposit(f.carol.address)).to.equal(f.params.supplyCap - usd(1_000));
      await (await f.suite.connect(f.guardian).setLendingPoolPaused(f.poolId, true, false)).wait();
      expect(await f.vault.maxDeposit(f.carol.address)).to.equal(0n);
      expect(await f.vault.maxMint(f.carol.address)).to.equal(0n);
      expect((await poolTotals(f)).depositRoom).to.equal(0n);
      await expectNothingChanged(f, async () => {
        await expect(f.vault.connect(f.carol).deposit(usd(1), f.carol.address))
          .to.be.revertedWithCustomError(f.suite, "LendingSupplyPaused")
          .withArgs(f.poolId);
        await expect(f.vault.connect(f.carol).mint(10n ** 6n, f.carol.address))
          .to.be.revertedWithCustomError(f.suite, "LendingSupplyPaused")
          .withArgs(f.poolId);
      });
      // Withdrawals are not paused.
      expect(await f.vault.maxWithdraw(f.supplier.address)).to.equal(usd(1_000));
      await expect(f.vault.withdraw(usd(1_000), f.supplier.address, f.supplier.address)).to.emit(f.vault, "Withdraw");
      await expectSolvent(f);
    });

    it("maxWithdraw and maxRedeem stop at the pool's cash, and are withdrawn to the unit", async function () {
      await (await f.vault.deposit(usd(10_000), f.supplier.address)).wait();
      await (await f.vault.connect(f.carol).deposit(usd(300), f.carol.address)).wait();
      await borrowAgainstWeth(f, usd(9_000));
      await networkHelpers.time.increase(7 * 86_400);
      const cash = usd(1_300);
      const v = f.vault;

      // Carol's shares are worth less than the cash: all of them.
      const carolShares = await v.balanceOf(f.carol.address);
      expect(await v.maxRedeem(f.carol.address)).to.equal(carolShares);
      // The supplier's are worth more: the cash.
      expect(await v.maxWithdraw(f.supplier.address)).to.equal(cash);
      expect(await f.suite.lendingMaxWithdraw(f.poolId, f.supplier.address)).to.equal(cash);
      const { totalAssets: A, totalShares: S } = await poolTotals(f);
      expect(await v.maxRedeem(f.supplier.address)).to.equal(toShares(cash, A, S));

      await nextBlockIn(networkHelpers, 1);
      const pending = { blockTag: "pending" as const };
      const maxRedeem = await v.maxRedeem(f.supplier.address, pending);
      const assets = await v.previewRedeem(maxRedeem, pending);
      expect(assets).to.be.at.most(cash);
      await expect(v.redeem(maxRedeem, f.supplier.address, f.supplier.address))
        .to.emit(f.vault, "Withdraw")
        .withArgs(f.supplier.address, f.supplier.address, f.supplier.address, assets, maxRedeem);
      const left = cash - assets;
      expect(await v.maxWithdraw(f.supplier.address)).to.equal(left);
      if (left > 0n) await (await v.withdraw(left, f.supplier.address, f.supplier.address)).wait();
      expect((await f.suite.lendingPool(f.poolId)).cash).to.equal(0n);
      expect(await v.maxWithdraw(f.supplier.address)).to.equal(0n);
      expect(await v.maxRedeem(f.carol.address)).to.equal(0n);
      await expectNothingChanged(f, async () => {
        await expect(v.connect(f.carol).withdraw(1n, f.carol.address, f.carol.address))
          .to.be.revertedWithCustomError(f.suite, "LendingInsufficientCash")
          .withArgs(f.poolId, 1n, 0n);
      });
      await expectSolvent(f);
    });
    // Regression: maxRedeem counted shares worth less than one unit, which redeem refuses
    // (LendingZeroShares), and maxDeposit a room worth less than one share, which deposit
    // refuses: redeem(maxRedeem(owner)) and deposit(maxDeposit(r)) must never revert.
    it("maxRedeem leaves out shares that redeem for nothing: redeem(maxRedeem) never reverts", async function () {
      await settledWithInterest(f, networkHelpers);
      const { totalAssets: A, totalShares: S } = await poolTotals(f);
      const oneUnit = toShares(1n, A, S, true);
      // Dust: shares worth less than one unit, as a withdrawal leaves behind.
      for (const [dust, top] of [
        [1n, 1n],
        [oneUnit - 1n, oneUnit - 2n],
      ]) {
        await (await f.vault.transfer(f.bob.address, top)).wait();
        expect(await f.vault.balanceOf(f.bob.address)).to.equal(dust);
        expect(toAssets(dust, A, S)).to.equal(0n);
        await expect(f.vault.connect(f.bob).redeem(dust, f.bob.address, f.bob.address))
          .to.be.revertedWithCustomError(f.suite, "LendingZeroShares")
          .withArgs(f.poolId, dust);
        expect(await f.vault.maxRedeem(f.bob.address)).to.equal(0n);
        expect(await f.vault.maxWithdraw(f.bob.address)).to.equal(0n);
      }
      // Worth one unit: all of it.
      await (await f.vault.transfer(f.bob.address, 1n)).wait();
      expect(await f.vault.balanceOf(f.bob.address)).to.equal(oneUnit);
      expect(await f.vault.maxRedeem(f.bob.address)).to.equal(oneUnit);
      await expect(f.vault.connect(f.bob).redeem(oneUnit, f.bob.address, f.bob.address))
        .to.emit(f.vault, "Withdraw")
        .withArgs(f.bob.address, f.bob.address, f.bob.address, 1n, oneUnit);

      // The common way to get dust: withdraw all one's shares are worth, then sweep the rest.
      await (await f.vault.connect(f.carol).deposit(usd("1234.567891"), f.carol.address)).wait();
      await (
        await f.vault
          .connect(f.carol)
          .withdraw(await f.vault.maxWithdraw(f.carol.address), f.carol.address, f.carol.address)
      ).wait();
      const left = await f.vault.balanceOf(f.carol.address);
      const max = await f.vault.maxRedeem(f.carol.address);
      const now = await poolTotals(f);
      expect(max).to.equal(toAssets(left, now.totalAssets, now.totalShares) === 0n ? 0n : left);
      if (max > 0n) await (await f.vault.connect(f.carol).redeem(max, f.carol.address, f.carol.address)).wait();
      await expectSolvent(f);
    });

    it("maxDeposit leaves out a room that buys no share: deposit(maxDeposit) never reverts", async function () {
      await inflateSharePrice(f, networkHelpers);
      await (await f.suite.connect(f.borrower).repay(f.poolId, MAX_UINT, f.borrower.address)).wait();
      const { totalAssets: A, totalShares: S } = await poolTotals(f);
      const oneShare = toAssets(1n, A, S, true);
      expect(oneShare).to.be.greaterThan(2n);
      const { reserveFactorBps, borrowCap, dustThreshold } = f.params;
      const v = f.vault.connect(f.carol);
      // Room for less than one share: nothing can be deposited.
      await (
        await f.suite.setLendingPoolLimits(f.poolId, reserveFactorBps, A + oneShare - 2n, borrowCap, dustThreshold)
      ).wait();
      await expect(v.deposit(oneShare - 2n, f.carol.address))
        .to.be.revertedWithCustomError(f.suite, "LendingZeroShares")
        .withArgs(f.poolId, oneShare - 2n);
      expect(await v.maxDeposit(f.carol.address)).to.equal(0n);
      expect(await v.maxMint(f.carol.address)).to.equal(0n);
      // Room for one share: all of it.
      await (
        await f.suite.setLendingPoolLimits(f.poolId, reserveFactorBps, A + oneShare, borrowCap, dustThreshold)
      ).wait();
      expect(await v.maxDeposit(f.carol.address)).to.equal(oneShare);
      await expect(v.deposit(oneShare, f.carol.address))
        .to.emit(f.vault, "Deposit")
        .withArgs(f.carol.address, f.carol.address, oneShare, 1n);
      expect(await v.maxDeposit(f.carol.address)).to.equal(0n);
      await expectSolvent(f);
    });
  });

  // ---------------------------------------------------------------- refusals and hooks

  describe("refusals and hooks", function () {
    afterEach(async function () {
      await expectSolvent(f);
    });

    it("passes the diamond's refusals through: zero amounts, invalid receivers, shares not owned", async function () {
      await (await f.vault.deposit(usd(1_000), f.supplier.address)).wait();
      await (await f.vault.connect(f.carol).deposit(usd(1_000), f.carol.address)).wait();
      const v = f.vault;
      await expectNothingChanged(f, async () => {
        await expect(v.deposit(0n, f.supplier.address)).to.be.revertedWithCustomError(f.suite, "LendingZeroAmount");
        await expect(v.mint(0n, f.supplier.address)).to.be.revertedWithCustomError(f.suite, "LendingZeroAmount");
        await expect(v.withdraw(0n, f.supplier.address, f.supplier.address)).to.be.revertedWithCustomError(
          f.suite,
          "LendingZeroAmount",
        );
        await expect(v.redeem(0n, f.supplier.address, f.supplier.address)).to.be.revertedWithCustomError(
          f.suite,
          "LendingZeroAmount",
        );
        for (const receiver of [ethers.ZeroAddress, f.diamondAddress]) {
          await expect(v.deposit(usd(1), receiver))
            .to.be.revertedWithCustomError(f.suite, "LendingReceiverInvalid")
            .withArgs(receiver);
          await expect(v.mint(10n ** 6n, receiver))
            .to.be.revertedWithCustomError(f.suite, "LendingReceiverInvalid")
            .withArgs(receiver);
          await expect(v.withdraw(usd(1), receiver, f.supplier.address))
            .to.be.revertedWithCustomError(f.suite, "LendingReceiverInvalid")
            .withArgs(receiver);
          await expect(v.redeem(10n ** 6n, receiver, f.supplier.address))
            .to.be.revertedWithCustomError(f.suite, "LendingReceiverInvalid")
            .withArgs(receiver);
        }
        await expect(v.withdraw(usd(1_000) + 1n, f.supplier.address, f.supplier.address))
          .to.be.revertedWithCustomError(f.vault, "ERC20InsufficientBalance")
          .withArgs(f.supplier.address, usd(1_000) * VIRTUAL_SHARES, (usd(1_000) + 1n) * VIRTUAL_SHARES);
      });
    });

    it("onDeposit and onWithdraw answer only the diamond (DiamondTokenOnlyDiamond)", async function () {
      await (await f.vault.deposit(usd(1_000), f.supplier.address)).wait();
      for (const caller of [f.supplier, f.admin]) {
        await expectNothingChanged(f, async () => {
          await expect(f.vault.connect(caller).onDeposit(caller.address, caller.address, 1n, 10n ** 18n))
            .to.be.revertedWithCustomError(f.vault, "DiamondTokenOnlyDiamond")
            .withArgs(caller.address);
          await expect(
            f.vault.connect(caller).onWithdraw(caller.address, caller.address, f.supplier.address, 1n, 10n ** 6n),
          )
            .to.be.revertedWithCustomError(f.vault, "DiamondTokenOnlyDiamond")
            .withArgs(caller.address);
        });
      }
    });

    it("lendingVaultDeposit and lendingVaultWithdraw answer only the pool's own vault (LendingNotPoolVault)", async function () {
      await (await f.vault.deposit(usd(1_000), f.supplier.address)).wait();
      const other = await createWethPool(f);
      const otherVault = await other.vault.getAddress();
      await networkHelpers.impersonateAccount(otherVault);
      await networkHelpers.setBalance(otherVault, 10n ** 18n);
      const asOtherVault = await ethers.getSigner(otherVault);
      for (const caller of [f.supplier, asOtherVault]) {
        const s = f.suite.connect(caller);
        await expectNothingChanged(f, async () => {
          await expect(s.lendingVaultDeposit(f.poolId, caller.address, caller.address, usd(1), 0n))
            .to.be.revertedWithCustomError(f.suite, "LendingNotPoolVault")
            .withArgs(f.poolId, caller.address);
          await expect(s.lendingVaultWithdraw(f.poolId, caller.address, caller.address, f.supplier.address, usd(1), 0n))
            .to.be.revertedWithCustomError(f.suite, "LendingNotPoolVault")
            .withArgs(f.poolId, caller.address);
        });
      }
      await expect(f.suite.connect(f.supplier).lendingVaultDeposit(9n, f.supplier.address, f.supplier.address, 1n, 0n))
        .to.be.revertedWithCustomError(f.suite, "LendingPoolUnknown")
        .withArgs(9n);
      await networkHelpers.stopImpersonatingAccount(otherVault);
    });

    it("refuses a deposit or mint of a fee-on-transfer asset with DiamondVaultAssetShortfall", async function () {
      const { poolId, vault, watched } = await createFeeOnTransferPool(f);
      const amount = wad(1_000);
      await expectNothingChanged(
        f,
        async () => {
          await expect(vault.connect(f.supplier).deposit(amount, f.supplier.address))
            .to.be.revertedWithCustomError(vault, "DiamondVaultAssetShortfall")
            .withArgs(amount, amount - amount / 100n);
          // 1e18 shares of an empty pool cost 1e12 units.
          await expect(vault.connect(f.supplier).mint(10n ** 18n, f.supplier.address))
            .to.be.revertedWithCustomError(vault, "DiamondVaultAssetShortfall")
            .withArgs(10n ** 12n, 10n ** 12n - 10n ** 10n);
        },
        watched,
      );
      expect((await f.suite.lendingPool(poolId)).totalShares).to.equal(0n);
      await expectSolvent(f, { tokens: watched });
    });
  });

  // ---------------------------------------------------------------- donations and the first depositor

  describe("donations and the first depositor", function () {
    it("a donation to the diamond or to the vault moves neither the books nor the share price", async function () {
      await settledWithInterest(f, networkHelpers);
      const before = await f.suite.lendingPool(f.poolId);
      const previews = async () => [
        await f.vault.totalAssets(),
        await f.vault.previewDeposit(usd(1_000)),
        await f.vault.previewRedeem(10n ** 18n),
        await f.vault.maxWithdraw(f.supplier.address),
      ];
      const seen = await previews();
      await (await f.usdc.connect(f.carol).transfer(f.diamondAddress, usd(250_000))).wait();
      await (await f.usdc.connect(f.carol).transfer(vaultAddress, usd(175_000))).wait();
      const after = await f.suite.lendingPool(f.poolId);
      expect([after.cash, after.totalAssets, after.totalShares, after.sharePrice]).to.deep.equal([
        before.cash,
        before.totalAssets,
        before.totalShares,
        before.sharePrice,
      ]);
      expect(await previews()).to.deep.equal(seen);
      expect(await f.suite.lendingBooks(await f.usdc.getAddress())).to.equal(before.cash);
      // The diamond holds the books plus the gift; the vault's gift sits in the vault, unused.
      await expectSolvent(f, { donated: { usdc: usd(250_000) } });
      expect(await f.usdc.balanceOf(vaultAddress)).to.equal(usd(175_000));
      // A supplier still gets exactly what it owns, not a share of the gifts.
      const shares = await f.vault.balanceOf(f.supplier.address);
      const owned = toAssets(shares, after.totalAssets, after.totalShares);
      await expect(f.vault.redeem(shares, f.supplier.address, f.supplier.address))
        .to.emit(f.vault, "Withdraw")
        .withArgs(f.supplier.address, f.supplier.address, f.supplier.address, owned, shares);
    });

    for (const { where, donation, victim } of [
      { where: "diamond", donation: usd(1_000_000), victim: usd(10_000) },
      { where: "vault", donation: usd(1_000_000), victim: usd(10_000) },
      { where: "diamond", donation: usd(100), victim: 1n },
      { where: "vault", donation: usd(500_000), victim: usd("0.5") },
    ] as const) {
      it(`the inflation attack fails: 1 unit first, ${formatUnits(donation, 6)} donated to the ${where}, a victim's ${formatUnits(victim, 6)} get fair shares`, async function () {
        await (await f.usdc.mint(f.bob.address, usd(2_000_000))).wait();
        await (await f.usdc.connect(f.bob).approve(vaultAddress, MAX_UINT)).wait();
        const attacker = f.vault.connect(f.bob);
        const start = await f.usdc.balanceOf(f.bob.address);

        await expect(attacker.deposit(1n, f.bob.address))
          .to.emit(f.vault, "Deposit")
          .withArgs(f.bob.address, f.bob.address, 1n, VIRTUAL_SHARES);
        await (
          await f.usdc.connect(f.bob).transfer(where === "vault" ? vaultAddress : f.diamondAddress, donation)
        ).wait();

        // The victim's shares are priced by the books alone: 1e6 per unit, as if no gift was made.
        const victimShares = victim * VIRTUAL_SHARES;
        expect(await f.vault.previewDeposit(victim)).to.equal(victimShares);
        await expect(f.vault.connect(f.carol).deposit(victim, f.carol.address))
          .to.emit(f.vault, "Deposit")
          .withArgs(f.carol.address, f.carol.address, victim, victimShares);

        // Both leave: the victim gets everything back, the attacker its unit and not a cent of the gift.
        const carolBefore = await f.usdc.balanceOf(f.carol.address);
        await (await f.vault.connect(f.carol).redeem(victimShares, f.carol.address, f.carol.address)).wait();
        expect((await f.usdc.balanceOf(f.carol.address)) - carolBefore).to.equal(victim);
        await (await attacker.redeem(VIRTUAL_SHARES, f.bob.address, f.bob.address)).wait();
        expect(start - (await f.usdc.balanceOf(f.bob.address))).to.equal(donation);
        expect((await f.suite.lendingPool(f.poolId)).totalAssets).to.equal(0n);
        await expectSolvent(f, { donated: { usdc: where === "diamond" ? donation : 0n } });
      });
    }
  });

  // ---------------------------------------------------------------- rounding

  describe("rounding", function () {
    /** A deterministic sequence of amounts spanning 1 unit to ~10^6 whole tokens. */
    function* amounts(seed: bigint, n: number) {
      let x = seed;
      for (let i = 0; i < n; i++) {
        x = (x * 6_364_136_223_846_793_005n + 1_442_695_040_888_963_407n) % 2n ** 64n;
        const digits = 1n + (x % 13n);
        // The first two deposits are of a few units, the smallest a supplier can try.
        yield i === 0 || i === 4 ? BigInt(i + 1) : 1n + ((x >> 8n) % 10n ** digits);
      }
    }

    /** Most a single deposit or mint of the fuzz puts in. */
    const BUDGET = usd(200_000);

    /**
     * Runs deposits, mints, withdrawals and redemptions of many sizes through the vault on a
     * pool with no borrows (nothing accrues between the read and the action) and checks each
     * against the share math and the pool's side: what a supplier gets is never worth more
     * than what it gives, and the price of a share never falls.
     */
    async function fuzz(seed: bigint, n: number) {
      const v = f.vault.connect(f.carol);
      await (await f.usdc.mint(f.carol.address, usd(100_000_000))).wait();
      let zeroShares = 0;
      let done = 0;
      let i = 0;
      for (const raw of amounts(seed, n)) {
        const { totalAssets: A, totalShares: S } = await poolTotals(f);
        const [a1, s1] = [A + 1n, S + VIRTUAL_SHARES];
        const op = i++ % 4;
        const owned = await v.balanceOf(f.carol.address);
        if (op === 0) {
          const assets = raw % BUDGET || 1n;
          const shares = (assets * s1) / a1;
          if (shares === 0n) {
            zeroShares++;
            await expect(v.deposit(assets, f.carol.address))
              .to.be.revertedWithCustomError(f.suite, "LendingZeroShares")
              .withArgs(f.poolId, assets);
            continue;
          }
          await expect(v.deposit(assets, f.carol.address))
            .to.emit(f.vault, "Deposit")
            .withArgs(f.carol.address, f.carol.address, assets, shares);
          expect(shares * a1, "shares minted are worth at most the assets").to.be.at.most(assets * s1);
        } else if (op === 1) {
          const shares = (raw * 1_000n) % toShares(BUDGET, A, S) || 1n;
          const assets = (shares * a1 + s1 - 1n) / s1;
          await expect(v.mint(shares, f.carol.address))
            .to.emit(f.vault, "Deposit")
            .withArgs(f.carol.address, f.carol.address, assets, shares);
          expect(assets * s1, "assets paid are worth at least the shares").to.be.at.least(shares * a1);
        } else if (op === 2) {
          const assets = raw % ((owned * a1) / s1 + 1n) || 1n;
          const shares = (assets * s1 + a1 - 1n) / a1;
          if (shares > owned) continue;
          await expect(v.withdraw(assets, f.carol.address, f.carol.address))
            .to.emit(f.vault, "Withdraw")
            .withArgs(f.carol.address, f.carol.address, f.carol.address, assets, shares);
          expect(shares * a1, "shares burned are worth at least the assets").to.be.at.least(assets * s1);
        } else {
          const shares = (raw * 997n) % (owned + 1n) || owned;
          const assets = (shares * a1) / s1;
          if (assets === 0n) {
            await expect(v.redeem(shares, f.carol.address, f.carol.address))
              .to.be.revertedWithCustomError(f.suite, "LendingZeroShares")
              .withArgs(f.poolId, shares);
            continue;
          }
          await expect(v.redeem(shares, f.carol.address, f.carol.address))
            .to.emit(f.vault, "Withdraw")
            .withArgs(f.carol.address, f.carol.address, f.carol.address, assets, shares);
          expect(assets * s1, "assets paid out are worth at most the shares").to.be.at.most(shares * a1);
        }
        done++;
        // The price of a share, (A + 1) / (S + 1e6), never falls.
        const after = await poolTotals(f);
        expect((after.totalAssets + 1n) * s1, "share price").to.be.at.least(a1 * (after.totalShares + VIRTUAL_SHARES));
      }
      // Carol leaves with everything: she never got back more than she paid in.
      const shares = await v.balanceOf(f.carol.address);
      if (shares > 0n) {
        const { totalAssets: A, totalShares: S } = await poolTotals(f);
        if (toAssets(shares, A, S) > 0n) await (await v.redeem(shares, f.carol.address, f.carol.address)).wait();
      }
      await expectSolvent(f);
      expect(done, "actions that went through").to.be.greaterThan((n * 2) / 3);
      return zeroShares;
    }

    it("favours the pool for every deposit, mint, withdraw and redeem at a share price above 1", async function () {
      await settledWithInterest(f, networkHelpers);
      const start = await f.usdc.balanceOf(f.carol.address);
      await fuzz(0x5eedn, 48);
      expect(await f.usdc.balanceOf(f.carol.address)).to.be.at.most(start + usd(100_000_000));
    });

    it("favours the pool at an extreme share price too (one raw share worth several units)", async function () {
      await inflateSharePrice(f, networkHelpers);
      // Freeze the price: the only borrow is repaid.
      await (await f.suite.connect(f.borrower).repay(f.poolId, MAX_UINT, f.borrower.address)).wait();
      const paid = usd(100_000_000) + (await f.usdc.balanceOf(f.carol.address));
      const zeroShares = await fuzz(0xc0ffeen, 48);
      expect(zeroShares).to.be.greaterThan(0);
      expect(await f.usdc.balanceOf(f.carol.address)).to.be.at.most(paid);
    });
  });
});
