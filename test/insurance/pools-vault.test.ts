// Risk pools and their ERC-4626 capital vaults: creation and its checks, the deposit cap,
// the institution's fees, the four vault actions with their previews and limits, shares
// moving between holders, the hooks only the vault may call, locked capital that cannot
// leave, the share price following premiums and payouts, and the module's install check.
import { expect } from "chai";
import { network } from "hardhat";

import { INSURER_ROLE, premiumOf } from "../../scripts/lib/insurance.js";
import { moduleId, selectorsOf } from "../../scripts/lib/core.js";
import {
  IInsurance__factory,
  IInsuranceAdmin__factory,
  IInsuranceTriggers__factory,
  IInsuranceViews__factory,
  InsuranceAdminFacet__factory,
  InsuranceFacet__factory,
  InsuranceInit__factory,
  InsurancePoolVault__factory,
  InsuranceTriggerFacet__factory,
  InsuranceViewFacet__factory,
  MockFeeOnTransferToken__factory,
} from "../../typechain-types/index.js";
import { expectUnchanged } from "../helpers.js";
import { DAY, HOUR, insuranceFixture, usd } from "./fixture.js";
import {
  buy,
  expectBooksBalanced,
  flightRisk,
  insuranceState,
  MAX_UINT,
  mined,
  type InsuranceFixture,
} from "./support.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => insuranceFixture(ethers);

const VIRTUAL_SHARES = 10n ** 6n;
const NO_CODE = "0x000000000000000000000000000000000000dEaD";

describe("insurance: pools and their capital vaults", function () {
  let f: InsuranceFixture;
  let diamond: string;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(fixture);
    diamond = await f.suite.getAddress();
  });

  const poolParams = async (overrides: Record<string, unknown> = {}) => ({
    asset: await f.usdc.getAddress(),
    collateralBps: 12_000,
    depositCap: usd(500_000),
    name: "Crop pool",
    symbol: "cCROP",
    ...overrides,
  });

  // ---------------------------------------------------------------- the module

  describe("the module", function () {
    it("registers exactly the functions of its four interfaces, one facet each", async function () {
      const info = await f.diamond.getModule(moduleId("insurance"));
      expect(info.facets).to.have.length(4);
      const sorted = (xs: readonly string[]) => [...xs].sort();
      const registered = info.facets.map((facet) => sorted(facet.functionSelectors));
      for (const [name, iface, facet] of [
        ["IInsurance", IInsurance__factory.createInterface(), InsuranceFacet__factory.createInterface()],
        ["IInsuranceAdmin", IInsuranceAdmin__factory.createInterface(), InsuranceAdminFacet__factory.createInterface()],
        [
          "IInsuranceTriggers",
          IInsuranceTriggers__factory.createInterface(),
          InsuranceTriggerFacet__factory.createInterface(),
        ],
        ["IInsuranceViews", IInsuranceViews__factory.createInterface(), InsuranceViewFacet__factory.createInterface()],
      ] as const) {
        expect(sorted(selectorsOf(facet)), name).to.deep.equal(sorted(selectorsOf(iface)));
        expect(registered, name).to.deep.include(sorted(selectorsOf(iface)));
      }
    });

    it("init refuses a vault implementation without code (InsuranceVaultImplementationInvalid)", async function () {
      const init = await new InsuranceInit__factory(f.owner).deploy();
      // The check runs before any write, so a direct call shows it.
      await expect(init.initInsurance(NO_CODE))
        .to.be.revertedWithCustomError(init, "InsuranceVaultImplementationInvalid")
        .withArgs(NO_CODE);
      await expect(init.initInsurance(f.outsider.address))
        .to.be.revertedWithCustomError(init, "InsuranceVaultImplementationInvalid")
        .withArgs(f.outsider.address);
    });
  });

  // ---------------------------------------------------------------- createInsurancePool

  describe("createInsurancePool", function () {
    it("opens a pool with a clone vault and emits InsurancePoolCreated", async function () {
      const params = await poolParams();
      const [poolId, vault] = await f.suite.connect(f.insurer).createInsurancePool.staticCall(params);
      expect(poolId).to.equal(2n);
      await expect(f.suite.connect(f.insurer).createInsurancePool(params))
        .to.emit(f.suite, "InsurancePoolCreated")
        .withArgs(2n, params.asset, vault, 12_000, usd(500_000));
      const view = await f.suite.insurancePool(2n);
      expect(view.asset).to.equal(params.asset);
      expect(view.vault).to.equal(vault);
      expect(view.collateralBps).to.equal(12_000n);
      expect(view.depositCap).to.equal(usd(500_000));
      expect([view.capital, view.locked, view.owed, view.fees, view.totalShares]).to.deep.equal([0n, 0n, 0n, 0n, 0n]);
      const v = InsurancePoolVault__factory.connect(vault, f.owner);
      expect(await v.name()).to.equal("Crop pool");
      expect(await v.symbol()).to.equal("cCROP");
      expect(await v.decimals()).to.equal(12n);
      expect(await v.asset()).to.equal(params.asset);
      expect(await v.diamond()).to.equal(diamond);
      expect(await v.key()).to.equal(2n);
      expect((await f.suite.insuranceCounts())[0]).to.equal(2n);
    });

    it("refuses a caller without INSURER_ROLE", async function () {
      const params = await poolParams();
      for (const caller of [f.outsider, f.oracle, f.assessor]) {
        await expectUnchanged(insuranceState(f), async () => {
          await expect(f.suite.connect(caller).createInsurancePool(params))
            .to.be.revertedWithCustomError(f.suite, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, INSURER_ROLE);
        });
      }
    });

    it("refuses an asset without code (InsuranceParamInvalid asset)", async function () {
      await expectUnchanged(insuranceState(f), async () => {
        await expect(f.suite.connect(f.insurer).createInsurancePool(await poolParams({ asset: NO_CODE })))
          .to.be.revertedWithCustomError(f.suite, "InsuranceParamInvalid")
          .withArgs("asset", BigInt(NO_CODE));
      });
    });

    it("refuses a collateralization under 100 % or over 500 % (InsuranceParamInvalid collateralBps)", async function () {
      for (const collateralBps of [0, 9_999, 50_001]) {
        await expectUnchanged(insuranceState(f), async () => {
          await expect(f.suite.connect(f.insurer).createInsurancePool(await poolParams({ collateralBps })))
            .to.be.revertedWithCustomError(f.suite, "InsuranceParamInvalid")
            .withArgs("collateralBps", collateralBps);
        });
      }
      for (const collateralBps of [10_000, 50_000]) {
        await expect(f.suite.connect(f.insurer).createInsurancePool(await poolParams({ collateralBps }))).to.emit(
          f.suite,
          "InsurancePoolCreated",
        );
      }
    });

    it("views of an unknown pool revert (InsuranceUnknownPool)", async function () {
      for (const call of [
        () => f.suite.insurancePool(9n),
        () => f.suite.insuranceVaultTotals(9n),
        () => f.suite.insuranceSharesOf(9n, f.holder.address),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(f.suite, "InsuranceUnknownPool").withArgs(9n);
      }
    });
  });

  // ---------------------------------------------------------------- setInsurancePoolDepositCap

  describe("setInsurancePoolDepositCap", function () {
    it("sets the cap, emits InsurancePoolDepositCapSet, and maxDeposit follows it", async function () {
      await expect(f.suite.connect(f.insurer).setInsurancePoolDepositCap(f.poolId, usd(150_000)))
        .to.emit(f.suite, "InsurancePoolDepositCapSet")
        .withArgs(f.poolId, usd(150_000));
      expect((await f.suite.insurancePool(f.poolId)).depositCap).to.equal(usd(150_000));
      expect(await f.vault.maxDeposit(f.providerA.address)).to.equal(usd(50_000));
      // 0 closes deposits.
      await mined(f.suite.connect(f.insurer).setInsurancePoolDepositCap(f.poolId, 0));
      expect(await f.vault.maxDeposit(f.providerA.address)).to.equal(0n);
      expect(await f.vault.maxMint(f.providerA.address)).to.equal(0n);
      await expect(f.vault.connect(f.providerA).deposit(usd(1), f.providerA.address))
        .to.be.revertedWithCustomError(f.suite, "InsuranceDepositCapExceeded")
        .withArgs(f.poolId, usd(100_001), 0n);
    });

    it("refuses a caller without INSURER_ROLE and an unknown pool", async function () {
      await expectUnchanged(insuranceState(f), async () => {
        await expect(f.suite.connect(f.outsider).setInsurancePoolDepositCap(f.poolId, 1n))
          .to.be.revertedWithCustomError(f.suite, "AccessControlUnauthorizedAccount")
          .withArgs(f.outsider.address, INSURER_ROLE);
        await expect(f.suite.connect(f.insurer).setInsurancePoolDepositCap(7n, 1n))
          .to.be.revertedWithCustomError(f.suite, "InsuranceUnknownPool")
          .withArgs(7n);
      });
    });
  });

  // ---------------------------------------------------------------- fees

  describe("withdrawInsuranceFees", function () {
    it("sends the accrued fees to `to`, zeroes them and emits InsuranceFeesWithdrawn", async function () {
      const { riskId, start, end } = await flightRisk(f);
      await buy(f, riskId, f.holder, f.passenger.address, usd(500), start, end);
      const { fee } = premiumOf(usd(500), 500, 1_000);
      expect((await f.suite.insurancePool(f.poolId)).fees).to.equal(fee);
      const tx1 = f.suite.connect(f.insurer).withdrawInsuranceFees(f.poolId, f.outsider.address);
      await expect(tx1).to.emit(f.suite, "InsuranceFeesWithdrawn").withArgs(f.poolId, f.outsider.address, fee);
      await expect(tx1).to.changeTokenBalances(ethers, f.usdc, [f.outsider, diamond], [fee, -fee]);
      expect((await f.suite.insurancePool(f.poolId)).fees).to.equal(0n);
      await expectBooksBalanced(f);
      await expect(f.suite.connect(f.insurer).withdrawInsuranceFees(f.poolId, f.outsider.address))
        .to.be.revertedWithCustomError(f.suite, "InsuranceNoFees")
        .withArgs(f.poolId);
    });

    it("refuses a caller without INSURER_ROLE, an unknown pool, a bad receiver and no fees", async function () {
      const { riskId, start, end } = await flightRisk(f);
      await buy(f, riskId, f.holder, f.passenger.address, usd(500), start, end);
      await expectUnchanged(insuranceState(f, { accounts: [f.outsider.address] }), async () => {
        await expect(f.suite.connect(f.outsider).withdrawInsuranceFees(f.poolId, f.outsider.address))
          .to.be.revertedWithCustomError(f.suite, "AccessControlUnauthorizedAccount")
          .withArgs(f.outsider.address, INSURER_ROLE);
        await expect(f.suite.connect(f.insurer).withdrawInsuranceFees(5n, f.outsider.address))
          .to.be.revertedWithCustomError(f.suite, "InsuranceUnknownPool")
          .withArgs(5n);
        for (const to of [ethers.ZeroAddress, diamond]) {
          await expect(f.suite.connect(f.insurer).withdrawInsuranceFees(f.poolId, to))
            .to.be.revertedWithCustomError(f.suite, "InsuranceReceiverInvalid")
            .withArgs(to);
        }
      });
      await mined(f.suite.connect(f.insurer).createInsurancePool(await poolParams()));
      await expect(f.suite.connect(f.insurer).withdrawInsuranceFees(2n, f.outsider.address))
        .to.be.revertedWithCustomError(f.suite, "InsuranceNoFees")
        .withArgs(2n);
    });
  });

  // ---------------------------------------------------------------- the vault's actions

  describe("the ERC-4626 actions", function () {
    it("the fixture's deposits booked the capital and shares (virtual-share math)", async function () {
      const pool = await f.suite.insurancePool(f.poolId);
      expect(pool.capital).to.equal(usd(100_000));
      const a = usd(60_000) * VIRTUAL_SHARES;
      const b = (usd(40_000) * (a + VIRTUAL_SHARES)) / (usd(60_000) + 1n);
      expect(await f.vault.balanceOf(f.providerA.address)).to.equal(a);
      expect(await f.vault.balanceOf(f.providerB.address)).to.equal(b);
      expect(await f.vault.totalSupply()).to.equal(a + b);
      expect(pool.totalShares).to.equal(a + b);
      expect(await f.vault.totalAssets()).to.equal(usd(100_000));
      expect(await f.usdc.balanceOf(diamond)).to.equal(usd(100_000));
      await expectBooksBalanced(f);
    });

    it("deposit mints previewDeposit shares, pulls the assets into the diamond and emits Deposit", async function () {
      const shares = await f.vault.previewDeposit(usd(1_000));
      expect(shares).to.equal(await f.vault.convertToShares(usd(1_000)));
      const tx2 = f.vault.connect(f.providerA).deposit(usd(1_000), f.holder.address);
      await expect(tx2)
        .to.emit(f.vault, "Deposit")
        .withArgs(f.providerA.address, f.holder.address, usd(1_000), shares)
        .and.to.emit(f.vault, "Transfer")
        .withArgs(ethers.ZeroAddress, f.holder.address, shares);
      await expect(tx2).to.changeTokenBalances(ethers, f.usdc, [f.providerA, diamond], [-usd(1_000), usd(1_000)]);
      expect(await f.vault.balanceOf(f.holder.address)).to.equal(shares);
      expect((await f.suite.insurancePool(f.poolId)).capital).to.equal(usd(101_000));
      await expectBooksBalanced(f);
    });

    it("mint charges previewMint assets (rounded up) for exactly the shares asked", async function () {
      const shares = 123_456_789_012_345n;
      const assets = await f.vault.previewMint(shares);
      const tx3 = f.vault.connect(f.providerA).mint(shares, f.providerA.address);
      await expect(tx3).to.emit(f.vault, "Deposit").withArgs(f.providerA.address, f.providerA.address, assets, shares);
      await expect(tx3).to.changeTokenBalances(ethers, f.usdc, [f.providerA, diamond], [-assets, assets]);
      expect(assets).to.be.gte(await f.vault.convertToAssets(shares));
      await expectBooksBalanced(f);
    });

    it("withdraw burns previewWithdraw shares (rounded up); redeem pays previewRedeem assets", async function () {
      const shares = await f.vault.previewWithdraw(usd(5_000));
      const before = await f.vault.balanceOf(f.providerA.address);
      const tx4 = f.vault.connect(f.providerA).withdraw(usd(5_000), f.holder.address, f.providerA.address);
      await expect(tx4)
        .to.emit(f.vault, "Withdraw")
        .withArgs(f.providerA.address, f.holder.address, f.providerA.address, usd(5_000), shares);
      await expect(tx4).to.changeTokenBalances(ethers, f.usdc, [f.holder, diamond], [usd(5_000), -usd(5_000)]);
      expect(await f.vault.balanceOf(f.providerA.address)).to.equal(before - shares);

      const redeemShares = await f.vault.balanceOf(f.providerB.address);
      const assets = await f.vault.previewRedeem(redeemShares);
      const tx5 = f.vault.connect(f.providerB).redeem(redeemShares, f.providerB.address, f.providerB.address);
      await expect(tx5)
        .to.emit(f.vault, "Withdraw")
        .withArgs(f.providerB.address, f.providerB.address, f.providerB.address, assets, redeemShares);
      await expect(tx5).to.changeTokenBalances(ethers, f.usdc, [f.providerB, diamond], [assets, -assets]);
      expect(await f.vault.balanceOf(f.providerB.address)).to.equal(0n);
      await expectBooksBalanced(f);
    });

    it("a spender withdraws and redeems for an owner within its allowance only", async function () {
      const shares = await f.vault.previewWithdraw(usd(100));
      await expect(f.vault.connect(f.outsider).withdraw(usd(100), f.outsider.address, f.providerA.address))
        .to.be.revertedWithCustomError(f.vault, "ERC20InsufficientAllowance")
        .withArgs(f.outsider.address, 0n, shares);
      await mined(f.vault.connect(f.providerA).approve(f.outsider.address, shares));
      await expect(
        f.vault.connect(f.outsider).withdraw(usd(100), f.outsider.address, f.providerA.address),
      ).to.changeTokenBalance(ethers, f.usdc, f.outsider, usd(100));
      expect(await f.vault.allowance(f.providerA.address, f.outsider.address)).to.equal(0n);
    });

    it("transfer and transferFrom move shares in the diamond's books", async function () {
      const shares = 10n ** 15n;
      await expect(f.vault.connect(f.providerA).transfer(f.holder.address, shares))
        .to.emit(f.vault, "Transfer")
        .withArgs(f.providerA.address, f.holder.address, shares);
      expect(await f.suite.insuranceSharesOf(f.poolId, f.holder.address)).to.equal(shares);
      await mined(f.vault.connect(f.holder).approve(f.outsider.address, shares));
      await mined(f.vault.connect(f.outsider).transferFrom(f.holder.address, f.passenger.address, shares));
      expect(await f.vault.balanceOf(f.passenger.address)).to.equal(shares);
      expect(await f.vault.balanceOf(f.holder.address)).to.equal(0n);
      // The receiver of moved shares can redeem them.
      const assets = await f.vault.previewRedeem(shares);
      await expect(
        f.vault.connect(f.passenger).redeem(shares, f.passenger.address, f.passenger.address),
      ).to.changeTokenBalance(ethers, f.usdc, f.passenger, assets);
      // More than the balance is refused by the books.
      await expect(f.vault.connect(f.holder).transfer(f.passenger.address, 1n))
        .to.be.revertedWithCustomError(f.suite, "ERC20InsufficientBalance")
        .withArgs(f.holder.address, 0n, 1n);
    });

    it("refuses a deposit of nothing (InsuranceZeroAmount) and a redemption paying nothing (InsuranceZeroShares)", async function () {
      await expectUnchanged(insuranceState(f), async () => {
        await expect(f.vault.connect(f.providerA).deposit(0n, f.providerA.address)).to.be.revertedWithCustomError(
          f.suite,
          "InsuranceZeroAmount",
        );
        await expect(
          f.vault.connect(f.providerA).redeem(0n, f.providerA.address, f.providerA.address),
        ).to.be.revertedWithCustomError(f.suite, "InsuranceZeroAmount");
        // One share is a millionth of a unit: it redeems for nothing.
        await expect(f.vault.connect(f.providerA).redeem(1n, f.providerA.address, f.providerA.address))
          .to.be.revertedWithCustomError(f.suite, "InsuranceZeroShares")
          .withArgs(f.poolId, 1n);
      });
      expect(await f.vault.maxRedeem(f.outsider.address)).to.equal(0n);
    });

    it("refuses the zero address or the diamond as receiver (InsuranceReceiverInvalid)", async function () {
      for (const receiver of [ethers.ZeroAddress, diamond]) {
        await expectUnchanged(insuranceState(f), async () => {
          await expect(f.vault.connect(f.providerA).deposit(usd(1), receiver))
            .to.be.revertedWithCustomError(f.suite, "InsuranceReceiverInvalid")
            .withArgs(receiver);
          await expect(f.vault.connect(f.providerA).withdraw(usd(1), receiver, f.providerA.address))
            .to.be.revertedWithCustomError(f.suite, "InsuranceReceiverInvalid")
            .withArgs(receiver);
        });
      }
    });

    it("refuses to burn more shares than the owner holds (ERC20InsufficientBalance)", async function () {
      const owned = await f.vault.balanceOf(f.providerB.address);
      await expectUnchanged(insuranceState(f), async () => {
        await expect(f.vault.connect(f.providerB).redeem(owned + 1n, f.providerB.address, f.providerB.address))
          .to.be.revertedWithCustomError(f.suite, "ERC20InsufficientBalance")
          .withArgs(f.providerB.address, owned, owned + 1n);
      });
    });

    it("maxDeposit is the room under the cap; one unit more is refused (InsuranceDepositCapExceeded)", async function () {
      await mined(f.suite.connect(f.insurer).setInsurancePoolDepositCap(f.poolId, usd(120_000)));
      const room = await f.vault.maxDeposit(f.providerA.address);
      expect(room).to.equal(usd(20_000));
      expect(await f.vault.maxMint(f.providerA.address)).to.equal(await f.vault.previewDeposit(room));
      await expectUnchanged(insuranceState(f), async () => {
        await expect(f.vault.connect(f.providerA).deposit(room + 1n, f.providerA.address))
          .to.be.revertedWithCustomError(f.suite, "InsuranceDepositCapExceeded")
          .withArgs(f.poolId, usd(120_000) + 1n, usd(120_000));
      });
      await mined(f.vault.connect(f.providerA).deposit(room, f.providerA.address));
      expect(await f.vault.maxDeposit(f.providerA.address)).to.equal(0n);
    });

    it("refuses a fee-on-transfer asset's deposit (DiamondVaultAssetShortfall from the vault)", async function () {
      const fot = await new MockFeeOnTransferToken__factory(f.owner).deploy();
      const asset = await fot.getAddress();
      await mined(f.suite.connect(f.insurer).createInsurancePool(await poolParams({ asset })));
      const vault = InsurancePoolVault__factory.connect((await f.suite.insurancePool(2n)).vault, f.owner);
      await mined(fot.mint(f.providerA.address, usd(10_000)));
      await mined(fot.connect(f.providerA).approve(await vault.getAddress(), MAX_UINT));
      await expectUnchanged(insuranceState(f, { poolIds: [2n], token: fot }), async () => {
        await expect(vault.connect(f.providerA).deposit(usd(1_000), f.providerA.address))
          .to.be.revertedWithCustomError(vault, "DiamondVaultAssetShortfall")
          .withArgs(usd(1_000), usd(990));
      });
    });
  });

  // ---------------------------------------------------------------- only the vault

  describe("the hooks only the pool's vault may call", function () {
    it("refuses anyone else (InsuranceNotPoolVault), even another pool's vault", async function () {
      await expectUnchanged(insuranceState(f), async () => {
        await expect(
          f.suite.connect(f.outsider).insuranceVaultDeposit(f.poolId, f.outsider.address, f.outsider.address, 1n, 0n),
        )
          .to.be.revertedWithCustomError(f.suite, "InsuranceNotPoolVault")
          .withArgs(f.poolId, f.outsider.address);
        await expect(
          f.suite
            .connect(f.providerA)
            .insuranceVaultWithdraw(f.poolId, f.providerA.address, f.providerA.address, f.providerA.address, 1n, 0n),
        )
          .to.be.revertedWithCustomError(f.suite, "InsuranceNotPoolVault")
          .withArgs(f.poolId, f.providerA.address);
        await expect(
          f.suite.connect(f.providerA).insuranceVaultTransfer(f.poolId, f.providerA.address, f.outsider.address, 1n),
        )
          .to.be.revertedWithCustomError(f.suite, "InsuranceNotPoolVault")
          .withArgs(f.poolId, f.providerA.address);
      });
      // A second pool's vault cannot book into pool 1.
      await mined(f.suite.connect(f.insurer).createInsurancePool(await poolParams()));
      const other = (await f.suite.insurancePool(2n)).vault;
      await networkHelpers.impersonateAccount(other);
      await networkHelpers.setBalance(other, 10n ** 18n);
      const asOther = await ethers.getSigner(other);
      await expect(
        f.suite.connect(asOther).insuranceVaultTransfer(f.poolId, f.providerA.address, f.outsider.address, 1n),
      )
        .to.be.revertedWithCustomError(f.suite, "InsuranceNotPoolVault")
        .withArgs(f.poolId, other);
      await expect(f.suite.connect(f.outsider).insuranceVaultTransfer(9n, f.providerA.address, f.outsider.address, 1n))
        .to.be.revertedWithCustomError(f.suite, "InsuranceUnknownPool")
        .withArgs(9n);
    });
  });

  // ---------------------------------------------------------------- locked capital

  describe("capital backing live policies or pending payouts", function () {
    it("maxWithdraw is capital − locked; a larger withdraw reverts InsuranceCapitalLocked", async function () {
      const { riskId, start, end } = await flightRisk(f);
      // Lock 90,000 of the capital with 90 policies of 1,000.
      for (let i = 0; i < 90; i++) await buy(f, riskId, f.holder, f.passenger.address, usd(1_000), start, end);
      const pool = await f.suite.insurancePool(f.poolId);
      expect(pool.locked).to.equal(usd(90_000));
      const free = pool.capital - pool.locked;
      const [, , , vaultFree] = await f.suite.insuranceVaultTotals(f.poolId);
      expect(vaultFree).to.equal(free);
      // providerA's shares are worth more than the free capital: the free capital is the limit.
      expect(await f.vault.maxWithdraw(f.providerA.address)).to.equal(free);
      expect(await f.vault.maxRedeem(f.providerA.address)).to.equal(await f.vault.convertToShares(free));
      await expectUnchanged(insuranceState(f, { riskIds: [riskId] }), async () => {
        await expect(f.vault.connect(f.providerA).withdraw(free + 1n, f.providerA.address, f.providerA.address))
          .to.be.revertedWithCustomError(f.suite, "InsuranceCapitalLocked")
          .withArgs(f.poolId, free + 1n, free);
        const shares = await f.vault.balanceOf(f.providerA.address);
        await expect(f.vault.connect(f.providerA).redeem(shares, f.providerA.address, f.providerA.address))
          .to.be.revertedWithCustomError(f.suite, "InsuranceCapitalLocked")
          .withArgs(f.poolId, await f.vault.previewRedeem(shares), free);
      });
      await expect(
        f.vault.connect(f.providerA).withdraw(free, f.providerA.address, f.providerA.address),
      ).to.changeTokenBalance(ethers, f.usdc, f.providerA, free);
      expect(await f.vault.maxWithdraw(f.providerB.address)).to.equal(0n);
      await expectBooksBalanced(f);
    });

    it("owed payouts are not withdrawable: after a trigger only capital − locked leaves", async function () {
      const { riskId, start, end } = await flightRisk(f);
      for (let i = 0; i < 3; i++) await buy(f, riskId, f.holder, f.passenger.address, usd(1_000), start, end);
      await networkHelpers.time.increaseTo(start + 4 * HOUR);
      await mined(f.suite.connect(f.oracle).reportEvent(riskId, 200, start + 3 * HOUR));
      const pool = await f.suite.insurancePool(f.poolId);
      expect(pool.owed).to.equal(usd(3_000));
      expect(pool.locked).to.equal(0n);
      // Everyone's shares together are worth the capital only, which excludes what is owed.
      expect(await f.vault.totalAssets()).to.equal(pool.capital);
      const holdings = (await f.vault.balanceOf(f.providerA.address)) + (await f.vault.balanceOf(f.providerB.address));
      expect(await f.vault.convertToAssets(holdings)).to.be.lte(pool.capital);
      // Both providers leave; the owed payouts stay in the diamond and are still paid.
      for (const p of [f.providerA, f.providerB]) {
        const shares = await f.vault.balanceOf(p.address);
        await mined(f.vault.connect(p).redeem(shares, p.address, p.address));
      }
      expect(await f.usdc.balanceOf(diamond)).to.be.gte(usd(3_000));
      await expect(f.suite.processPayouts(riskId, 10)).to.changeTokenBalance(ethers, f.usdc, f.passenger, usd(3_000));
      await expectBooksBalanced(f);
    });
  });

  // ---------------------------------------------------------------- the share price

  describe("the share price", function () {
    it("rises with premiums and falls with payouts", async function () {
      const unit = 10n ** 12n; // one share of 12 decimals
      const p0 = await f.vault.convertToAssets(unit);
      const { riskId, start, end } = await flightRisk(f);
      for (let i = 0; i < 10; i++) await buy(f, riskId, f.holder, f.passenger.address, usd(1_000), start, end);
      const p1 = await f.vault.convertToAssets(unit);
      expect(p1).to.be.gt(p0);
      const { premium, fee } = premiumOf(usd(1_000), 500, 1_000);
      expect(await f.vault.totalAssets()).to.equal(usd(100_000) + 10n * (premium - fee));
      await networkHelpers.time.increaseTo(start + 4 * HOUR);
      await mined(f.suite.connect(f.oracle).reportEvent(riskId, 130, start + 3 * HOUR));
      const p2 = await f.vault.convertToAssets(unit);
      expect(p2).to.be.lt(p1);
      expect(await f.vault.totalAssets()).to.equal(usd(100_000) + 10n * (premium - fee) - usd(5_000));
      // Paying what was reserved moves nothing further.
      await mined(f.suite.processPayouts(riskId, 10));
      expect(await f.vault.convertToAssets(unit)).to.equal(p2);
      await expectBooksBalanced(f);
    });

    it("a closed risk frees its lock and keeps the premiums: the price stays up", async function () {
      const { riskId, start, end } = await flightRisk(f);
      await buy(f, riskId, f.holder, f.passenger.address, usd(1_000), start, end);
      const p1 = await f.vault.convertToAssets(10n ** 12n);
      await networkHelpers.time.increaseTo(end + 3 * DAY + 1);
      await mined(f.suite.closeRisk(riskId));
      expect(await f.vault.convertToAssets(10n ** 12n)).to.equal(p1);
      expect(await f.vault.maxWithdraw(f.providerA.address)).to.equal(
        await f.vault.previewRedeem(await f.vault.balanceOf(f.providerA.address)),
      );
    });
  });
});
