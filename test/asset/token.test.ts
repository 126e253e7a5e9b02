// The asset's token: an ERC-20 at its own address whose books are the diamond's, with
// ERC-1404 and ERC-7943 on it; its diamond-only hooks, and the diamond's book functions
// that only the token may call.
import { expect } from "chai";
import { network } from "hardhat";
import { Interface, ZeroAddress } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import { interfaceIdOf } from "../../scripts/lib/artifacts.js";
import { selectorsOf } from "../../scripts/lib/core.js";
import { ASSET_AGENT_ROLE, Restriction } from "../../scripts/lib/asset.js";
import { expectUnchanged } from "../helpers.js";
import { assetFixture, units, type AssetFixture } from "./fixture.js";
import {
  assetState,
  createAsset,
  expectRefused,
  expectRestricted,
  MAX_UINT,
  mint,
  THOUSAND,
  tokenLogs,
  transferLogs,
  watched,
} from "./support.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => assetFixture(ethers);

/** The interfaces as their standards define them; ids computed from the functions. */
const ERC165 = new Interface(["function supportsInterface(bytes4) view returns (bool)"]);
const ERC20 = new Interface([
  "function totalSupply() view returns (uint256)",
  "function balanceOf(address) view returns (uint256)",
  "function transfer(address,uint256) returns (bool)",
  "function allowance(address,address) view returns (uint256)",
  "function approve(address,uint256) returns (bool)",
  "function transferFrom(address,address,uint256) returns (bool)",
]);
const ERC1404 = new Interface([
  "function detectTransferRestriction(address,address,uint256) view returns (uint8)",
  "function messageForTransferRestriction(uint8) view returns (string)",
]);
const ERC7943_FUNGIBLE = new Interface([
  "function forcedTransfer(address from, address to, uint256 amount) returns (bool)",
  "function setFrozenTokens(address account, uint256 amount) returns (bool)",
  "function canSend(address account) view returns (bool)",
  "function canReceive(address account) view returns (bool)",
  "function getFrozenTokens(address account) view returns (uint256)",
  "function canTransfer(address from, address to, uint256 amount) view returns (bool)",
]);

describe("asset: the token", function () {
  let f: AssetFixture;
  let A: HardhatEthersSigner;
  let B: HardhatEthersSigner;
  let C: HardhatEthersSigner;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(fixture);
    [A, B, C] = [f.investorA, f.investorB, f.investorC];
    await mint(f, A, THOUSAND);
  });

  // ---------------------------------------------------------------- ERC-20

  describe("ERC-20", function () {
    it("has the asset's name, symbol and decimals", async function () {
      expect(await f.token.name()).to.equal("Rue de Rivoli 12 fractions");
      expect(await f.token.symbol()).to.equal("RIV12");
      expect(await f.token.decimals()).to.equal(18n);
      expect(await f.token.diamond()).to.equal(f.diamondAddress);
      expect(await f.token.key()).to.equal(f.assetId);
    });

    it("reads balanceOf and totalSupply from the diamond's books", async function () {
      await mint(f, B, units(5));
      for (const who of [A, B, C]) {
        expect(await f.token.balanceOf(who.address)).to.equal(await f.suite.assetBalanceOf(f.assetId, who.address));
      }
      expect(await f.token.balanceOf(A.address)).to.equal(THOUSAND);
      expect(await f.token.totalSupply()).to.equal(THOUSAND + units(5));
      expect(await f.token.totalSupply()).to.equal(await f.suite.assetTotalSupply(f.assetId));
      // Another asset's token has its own books.
      const other = await createAsset(f);
      expect(await other.token.balanceOf(A.address)).to.equal(0n);
      expect(await other.token.totalSupply()).to.equal(0n);
    });

    it("transfer returns true, moves the books and emits one Transfer", async function () {
      expect(await f.token.connect(A).transfer.staticCall(B.address, units(1))).to.equal(true);
      const tx = f.token.connect(A).transfer(B.address, units(100));
      await expect(tx).to.changeTokenBalances(ethers, f.token, [A, B], [-units(100), units(100)]);
      const logs = transferLogs(f.token, await (await tx).wait());
      expect(logs).to.have.length(1);
      expect([...logs[0].args]).to.deep.equal([A.address, B.address, units(100)]);
      expect(await f.suite.assetBalanceOf(f.assetId, B.address)).to.equal(units(100));
    });

    it("approve sets the allowance with Approval; transferFrom spends it and emits one Transfer", async function () {
      await expect(f.token.connect(A).approve(C.address, units(300)))
        .to.emit(f.token, "Approval")
        .withArgs(A.address, C.address, units(300));
      expect(await f.token.allowance(A.address, C.address)).to.equal(units(300));
      expect(await f.token.connect(C).transferFrom.staticCall(A.address, B.address, units(1))).to.equal(true);
      const tx = f.token.connect(C).transferFrom(A.address, B.address, units(100));
      await expect(tx).to.changeTokenBalances(ethers, f.token, [A, B, C], [-units(100), units(100), 0n]);
      const logs = transferLogs(f.token, await (await tx).wait());
      expect(logs).to.have.length(1);
      expect([...logs[0].args]).to.deep.equal([A.address, B.address, units(100)]);
      expect(await f.token.allowance(A.address, C.address)).to.equal(units(200));
      // Approve overwrites.
      await (await f.token.connect(A).approve(C.address, 5n)).wait();
      expect(await f.token.allowance(A.address, C.address)).to.equal(5n);
    });

    it("never decreases an infinite allowance", async function () {
      await (await f.token.connect(A).approve(C.address, MAX_UINT)).wait();
      await (await f.token.connect(C).transferFrom(A.address, B.address, units(100))).wait();
      expect(await f.token.allowance(A.address, C.address)).to.equal(MAX_UINT);
    });

    it("reverts transferFrom beyond the allowance with ERC20InsufficientAllowance, before compliance", async function () {
      await (await f.token.connect(A).approve(C.address, units(10))).wait();
      await expectUnchanged(
        () => assetState(f, watched(f)),
        () =>
          expect(f.token.connect(C).transferFrom(A.address, B.address, units(10) + 1n))
            .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
            .withArgs(C.address, units(10), units(10) + 1n),
      );
      // No allowance at all, even toward an ineligible receiver.
      await expect(f.token.connect(B).transferFrom(A.address, f.investorD.address, 1n))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(B.address, 0n, 1n);
      expect(await f.token.allowance(A.address, C.address)).to.equal(units(10));
    });

    it("reverts approve to the zero address with ERC20InvalidSpender", async function () {
      await expect(f.token.connect(A).approve(ZeroAddress, 1n))
        .to.be.revertedWithCustomError(f.token, "ERC20InvalidSpender")
        .withArgs(ZeroAddress);
    });

    it("a refused transfer keeps the allowance", async function () {
      await (await f.token.connect(A).approve(C.address, units(10))).wait();
      await expectRestricted(
        f,
        () => f.token.connect(C).transferFrom(A.address, f.investorD.address, units(1)),
        Restriction.ReceiverNotVerified,
        f.investorD,
      );
      expect(await f.token.allowance(A.address, C.address)).to.equal(units(10));
    });

    it("emits exactly one Transfer for each mint, burn, transfer, transferFrom and forced transfer", async function () {
      await (await f.token.connect(A).approve(C.address, MAX_UINT)).wait();
      const calls: [string, () => Promise<{ wait: () => Promise<unknown> }>, [string, string, bigint]][] = [
        ["mint", () => f.suite.connect(f.agent).mintAsset(f.assetId, B.address, 7n), [ZeroAddress, B.address, 7n]],
        ["burn", () => f.suite.connect(f.agent).burnAsset(f.assetId, B.address, 2n), [B.address, ZeroAddress, 2n]],
        ["transfer", () => f.token.connect(A).transfer(B.address, 3n), [A.address, B.address, 3n]],
        ["transferFrom", () => f.token.connect(C).transferFrom(A.address, B.address, 4n), [A.address, B.address, 4n]],
        [
          "forcedAssetTransfer",
          () => f.suite.connect(f.agent).forcedAssetTransfer(f.assetId, B.address, A.address, 5n),
          [B.address, A.address, 5n],
        ],
        [
          "forcedTransfer",
          () => f.token.connect(f.agent).forcedTransfer(A.address, B.address, 6n),
          [A.address, B.address, 6n],
        ],
      ];
      for (const [name, call, args] of calls) {
        const receipt = await (await call()).wait();
        const logs = transferLogs(f.token, receipt as Parameters<typeof transferLogs>[1]);
        expect(logs, name).to.have.length(1);
        expect([...logs[0].args], name).to.deep.equal(args);
      }
    });

    it("reports the gas of a compliant transfer between two existing holders (France → Germany, classes on)", async function () {
      await mint(f, B, THOUSAND);
      // Both hold; rules: jurisdictions France and Germany, professional and institutional classes.
      const rules = (await f.suite.getAsset(f.assetId)).rules;
      expect(rules.jurisdictions.length).to.equal(2);
      expect(rules.investorClasses).to.not.equal(0n);
      const receipt = await (await f.token.connect(A).transfer(B.address, units(10))).wait();
      console.log(`      transfer A → B (both holding) receipt gas: ${receipt!.gasUsed}`);
      expect(await f.token.balanceOf(B.address)).to.equal(THOUSAND + units(10));
    });
  });

  // ---------------------------------------------------------------- ERC-7943

  describe("ERC-7943 on the token", function () {
    it("forcedTransfer by an agent moves the tokens, with ForcedTransfer and Transfer on the token", async function () {
      expect(await f.token.connect(f.agent).forcedTransfer.staticCall(A.address, B.address, 1n)).to.equal(true);
      const tx = f.token.connect(f.agent).forcedTransfer(A.address, B.address, units(40));
      await expect(tx)
        .to.emit(f.token, "ForcedTransfer")
        .withArgs(A.address, B.address, units(40))
        .and.to.emit(f.token, "Transfer")
        .withArgs(A.address, B.address, units(40))
        .and.to.emit(f.suite, "AssetForcedTransfer")
        .withArgs(f.assetId, A.address, B.address, units(40), f.agent.address);
      const receipt = await (await tx).wait();
      expect(tokenLogs(f.token, receipt, "ForcedTransfer")).to.have.length(1);
      expect(await f.token.balanceOf(B.address)).to.equal(units(40));
    });

    it("forcedTransfer applies the forced-transfer rules: AssetSelfTransfer, receiver restrictions", async function () {
      await expectRefused(
        f,
        () => f.token.connect(f.agent).forcedTransfer(A.address, A.address, 1n),
        "AssetSelfTransfer",
        [f.assetId, A.address],
      );
      await expectRestricted(
        f,
        () => f.token.connect(f.agent).forcedTransfer(A.address, f.investorD.address, 1n),
        Restriction.ReceiverNotVerified,
        f.investorD,
      );
    });

    it("setFrozenTokens by an agent sets the frozen amount, with Frozen on the token; getFrozenTokens reads it", async function () {
      expect(await f.token.getFrozenTokens(A.address)).to.equal(0n);
      expect(await f.token.connect(f.agent).setFrozenTokens.staticCall(A.address, 1n)).to.equal(true);
      await expect(f.token.connect(f.agent).setFrozenTokens(A.address, units(250)))
        .to.emit(f.token, "Frozen")
        .withArgs(A.address, units(250))
        .and.to.emit(f.suite, "AssetTokensFrozen")
        .withArgs(f.assetId, A.address, units(250));
      expect(await f.token.getFrozenTokens(A.address)).to.equal(units(250));
      expect((await f.suite.assetHolding(f.assetId, A.address)).frozen).to.equal(units(250));
    });

    it("refuses forcedTransfer and setFrozenTokens by a caller without the agent role", async function () {
      for (const who of [A, f.issuer, f.owner, f.outsider]) {
        await expectRefused(
          f,
          () => f.token.connect(who).forcedTransfer(A.address, B.address, 1n),
          "AccessControlUnauthorizedAccount",
          [who.address, ASSET_AGENT_ROLE],
        );
        await expectRefused(
          f,
          () => f.token.connect(who).setFrozenTokens(A.address, 0n),
          "AccessControlUnauthorizedAccount",
          [who.address, ASSET_AGENT_ROLE],
        );
      }
    });

    it("supports ERC-165, ERC-20, ERC-7943 (fungible) and ERC-1404, and nothing else", async function () {
      const ids = {
        erc165: interfaceIdOf(selectorsOf(ERC165)),
        erc20: interfaceIdOf(selectorsOf(ERC20)),
        erc7943: interfaceIdOf(selectorsOf(ERC7943_FUNGIBLE)),
        erc1404: interfaceIdOf(selectorsOf(ERC1404)),
      };
      expect(ids.erc165).to.equal("0x01ffc9a7");
      expect(ids.erc20).to.equal("0x36372b07");
      for (const [name, interfaceId] of Object.entries(ids)) {
        expect(await f.token.supportsInterface(interfaceId), name).to.equal(true);
      }
      // ERC-20 metadata is not declared; ERC-721 and the invalid id are not supported.
      for (const interfaceId of ["0xffffffff", "0x80ac58cd", "0x00000000"]) {
        expect(await f.token.supportsInterface(interfaceId), interfaceId).to.equal(false);
      }
    });
  });

  // ---------------------------------------------------------------- who may call what

  describe("the diamond's hooks and the book functions", function () {
    it("refuses emitTransfer, emitForcedTransfer and emitFrozen from anyone but the diamond", async function () {
      for (const who of [A, f.agent, f.owner]) {
        const token = f.token.connect(who);
        for (const [name, call] of [
          ["emitTransfer", () => token.emitTransfer(A.address, B.address, 1n)],
          ["emitForcedTransfer", () => token.emitForcedTransfer(A.address, B.address, 1n)],
          ["emitFrozen", () => token.emitFrozen(A.address, 1n)],
        ] as const) {
          await expect(call(), name)
            .to.be.revertedWithCustomError(f.token, "DiamondTokenOnlyDiamond")
            .withArgs(who.address);
        }
      }
    });

    it("refuses the assetToken* book functions called on the diamond directly with AssetOnlyToken", async function () {
      const a = A.address;
      const b = B.address;
      for (const who of [A, f.agent, f.owner]) {
        const suite = f.suite.connect(who);
        const calls: [string, () => Promise<unknown>][] = [
          ["assetTokenTransfer", () => suite.assetTokenTransfer(f.assetId, a, a, b, 1n)],
          ["assetTokenForcedTransfer", () => suite.assetTokenForcedTransfer(f.assetId, f.agent.address, a, b, 1n)],
          ["assetTokenSetFrozen", () => suite.assetTokenSetFrozen(f.assetId, f.agent.address, a, 1n)],
        ];
        for (const [name, call] of calls) {
          await expectUnchanged(
            () => assetState(f, watched(f)),
            () =>
              expect(call(), name)
                .to.be.revertedWithCustomError(f.suite, "AssetOnlyToken")
                .withArgs(f.assetId, who.address),
          );
        }
      }
    });

    it("another asset's token cannot reach this asset's books: its calls carry its own asset id", async function () {
      const other = await createAsset(f);
      await expect(other.token.connect(A).transfer(B.address, 1n))
        .to.be.revertedWithCustomError(f.suite, "AssetTransferRestricted")
        .withArgs(other.assetId, Restriction.InsufficientBalance, A.address);
      expect(await f.token.balanceOf(A.address)).to.equal(THOUSAND);
    });
  });
});
