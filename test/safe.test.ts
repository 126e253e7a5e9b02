// A Safe as the upgrader: the proposals the tooling prints (SafeTx, SafeTx hash, Transaction
// Builder file) are checked against a real 2-of-3 Safe 1.4.1 on the test chain, whose owners
// sign them and execute the timelock's schedule and execute through it.
import { expect } from "chai";
import { network } from "hardhat";
import { getAddress, keccak256, toBeHex, toUtf8Bytes, ZeroAddress, type Provider } from "ethers";

import { expectRejection } from "./helpers.js";
import { deploySafe, execSafeTx, signSafeTx } from "./support/safe.js";
import {
  coreCalls,
  deployCoreFacets,
  deployDiamond,
  moduleId,
  ROLES,
  selectorsOf,
  type ModuleSpecInput,
} from "../scripts/lib/core.js";
import {
  describeSafeProposal,
  proposeSafeTransaction,
  readSafe,
  safeTxHash,
  SafeOperation,
  transactionBuilderChecksum,
  transactionBuilderJson,
  TX_BUILDER_VERSION,
  type JsonValue,
  type TransactionBuilderFileJson,
  type SafeState,
  type SafeTransaction,
} from "../scripts/lib/safe.js";
import { MockFacetV1__factory } from "../typechain-types/index.js";

const { ethers, networkHelpers } = await network.create();

const DELAY = 3600;
const MOCK = "mock";
/** `ITimelock.OperationState`. */
const State = { Unset: 0n, Waiting: 1n, Ready: 2n, Done: 3n } as const;
const SALT = toBeHex(1n, 32);

async function safeFixture() {
  const [deployer, owner1, owner2, owner3, outsider, executor] = await ethers.getSigners();
  const owners = [owner1, owner2, owner3];
  const deployed = await deploySafe(
    ethers,
    owners.map((o) => o.address),
    2,
  );
  return { deployer, owners, outsider, executor, ...deployed };
}

/** A diamond whose only upgrader is the Safe, with a one-hour delay, and a mock module to install. */
async function upgraderFixture() {
  const f = await safeFixture();
  const facets = await deployCoreFacets(ethers);
  const { diamond } = await deployDiamond(ethers, facets, {
    owner: f.deployer.address,
    upgrader: f.address,
    guardian: f.deployer.address,
    timelockDelay: DELAY,
  });
  const v1 = await ethers.deployContract("MockFacetV1");
  const spec: ModuleSpecInput = {
    id: MOCK,
    version: [1, 0, 0],
    facets: [{ facetAddress: await v1.getAddress(), functionSelectors: selectorsOf(MockFacetV1__factory.abi) }],
  };
  const calls = [coreCalls.installModule(spec)];
  return {
    ...f,
    diamond,
    diamondAddress: await diamond.getAddress(),
    calls,
    id: await diamond.hashOperation(calls, SALT),
    scheduleData: diamond.interface.encodeFunctionData("schedule", [calls, SALT]),
    executeData: diamond.interface.encodeFunctionData("execute", [calls, SALT]),
  };
}

async function safeState(address: string): Promise<SafeState> {
  const state = await readSafe(ethers.provider, address);
  if (state === null) throw new Error(`no Safe at ${address}`);
  return state;
}

describe("Safe upgrader", function () {
  describe("readSafe", function () {
    it("reads the version, owners, threshold, nonce and chain of a 2-of-3 Safe", async function () {
      const f = await networkHelpers.loadFixture(safeFixture);
      const state = await safeState(f.address.toLowerCase());
      expect(state).to.deep.equal({
        address: getAddress(f.address),
        chainId: (await ethers.provider.getNetwork()).chainId,
        version: "1.4.1",
        owners: f.owners.map((o) => o.address),
        threshold: 2n,
        nonce: 0n,
      });
    });

    it("returns null for an account without code", async function () {
      const f = await networkHelpers.loadFixture(safeFixture);
      expect(await readSafe(ethers.provider, f.outsider.address)).to.equal(null);
      expect(await readSafe(ethers.provider, ZeroAddress)).to.equal(null);
    });

    it("returns null for contracts that are not Safes: a diamond and a facet", async function () {
      const f = await networkHelpers.loadFixture(upgraderFixture);
      const facet = await ethers.deployContract("MockFacetV1");
      expect(await readSafe(ethers.provider, f.diamondAddress)).to.equal(null);
      expect(await readSafe(ethers.provider, await facet.getAddress())).to.equal(null);
    });

    it("lets a node failure propagate instead of reporting 'not a Safe'", async function () {
      const failing = {
        getCode: async () => "0x6080",
        getNetwork: async () => ({ chainId: 1n }),
        call: async () => {
          throw new Error("connect ECONNREFUSED 127.0.0.1:8545");
        },
      } as unknown as Provider;
      await expectRejection(readSafe(failing, ZeroAddress), Error, /ECONNREFUSED/);
    });
  });

  describe("safeTxHash", function () {
    it("equals the Safe's own getTransactionHash, for Safe and SafeL2 and varied transactions", async function () {
      const f = await networkHelpers.loadFixture(safeFixture);
      const l2 = await deploySafe(
        ethers,
        f.owners.map((o) => o.address),
        2,
        "SafeL2",
      );
      const chainId = (await ethers.provider.getNetwork()).chainId;
      const base: SafeTransaction = {
        to: f.outsider.address,
        value: 0n,
        data: "0x",
        operation: SafeOperation.Call,
        safeTxGas: 0n,
        baseGas: 0n,
        gasPrice: 0n,
        gasToken: ZeroAddress,
        refundReceiver: ZeroAddress,
        nonce: 0n,
      };
      const variants: SafeTransaction[] = [
        base,
        { ...base, nonce: 1n, data: "0x12345678" },
        { ...base, nonce: 7n, value: 10n ** 18n, data: keccak256(toUtf8Bytes("calldata")) },
        {
          ...base,
          nonce: 2n ** 64n,
          operation: SafeOperation.DelegateCall,
          safeTxGas: 100_000n,
          baseGas: 21_000n,
          gasPrice: 3n,
          gasToken: f.executor.address,
          refundReceiver: f.deployer.address,
        },
      ];
      for (const { safe, address } of [f, l2]) {
        for (const tx of variants) {
          const expected = await safe.getTransactionHash(
            tx.to,
            tx.value,
            tx.data,
            tx.operation,
            tx.safeTxGas,
            tx.baseGas,
            tx.gasPrice,
            tx.gasToken,
            tx.refundReceiver,
            tx.nonce,
          );
          expect(safeTxHash({ chainId, safe: address, ...tx }), `nonce ${tx.nonce}`).to.equal(expected);
        }
      }
      expect(safeTxHash({ chainId, safe: f.address, ...base })).to.not.equal(
        safeTxHash({ chainId, safe: l2.address, ...base }),
      );
    });

    it("splits into the domain hash the Safe reports and a message hash", async function () {
      const f = await networkHelpers.loadFixture(safeFixture);
      const proposal = proposeSafeTransaction(
        await safeState(f.address),
        { to: f.outsider.address, data: "0xabcdef01" },
        { name: "test" },
      );
      expect(proposal.domainHash).to.equal(await f.safe.domainSeparator());
      const encoded: string = await f.safe.encodeTransactionData(
        proposal.tx.to,
        proposal.tx.value,
        proposal.tx.data,
        proposal.tx.operation,
        proposal.tx.safeTxGas,
        proposal.tx.baseGas,
        proposal.tx.gasPrice,
        proposal.tx.gasToken,
        proposal.tx.refundReceiver,
        proposal.tx.nonce,
      );
      // encodeTransactionData = 0x19 0x01 ‖ domainSeparator ‖ keccak256(SafeTx struct)
      expect(encoded).to.equal("0x1901" + proposal.domainHash.slice(2) + proposal.messageHash.slice(2));
      expect(keccak256(encoded)).to.equal(proposal.safeTxHash);
    });
  });

  describe("Transaction Builder file", function () {
    // The test vector of the Transaction Builder's own checksum tests (safe-global's tx-builder,
    // src/lib/checksum.test.ts): a batch with a `checksum: ""` placeholder, decoded and raw
    // transactions. Matching it means the app accepts our files without a checksum warning.
    const upstreamBatch: TransactionBuilderFileJson = {
      version: "1.0",
      chainId: "4",
      createdAt: 1646321521061,
      meta: {
        name: "test batch file",
        txBuilderVersion: "1.4.0",
        checksum: "",
        createdFromSafeAddress: "0xDF8a1Ce35c9a6ACE153B4e0767942f1E2291a1Aa",
        createdFromOwnerAddress: "0x49d4450977E2c95362C13D3a31a09311E0Ea26A6",
      },
      transactions: [
        {
          to: "0x49d4450977E2c95362C13D3a31a09311E0Ea26A6",
          value: "0",
          contractMethod: {
            inputs: [{ internalType: "address", name: "paramAddress", type: "address" }],
            name: "testAddress",
            payable: false,
          },
          contractInputsValues: { paramAddress: "0x49d4450977E2c95362C13D3a31a09311E0Ea26A6" },
        },
        {
          to: "0x49d4450977E2c95362C13D3a31a09311E0Ea26A6",
          value: "0",
          contractMethod: {
            inputs: [{ internalType: "bool", name: "paramBool", type: "bool" }],
            name: "testBool",
            payable: false,
          },
          contractInputsValues: { paramAddress: "", paramBool: "false" },
        },
        {
          to: "0x49d4450977E2c95362C13D3a31a09311E0Ea26A6",
          value: "2000000000000000000",
          data: "0x42f4579000000000000000000000000049d4450977e2c95362c13d3a31a09311e0ea26a6",
        },
      ],
    };
    const UPSTREAM_CHECKSUM = "0x86c81826dbf7e8a37612153294cc85fdf5c81998dd0a44b86d945502a7eace7c";

    it("computes the Transaction Builder's checksum for its own test vector", function () {
      expect(transactionBuilderChecksum(upstreamBatch)).to.equal(UPSTREAM_CHECKSUM);
    });

    it("ignores the batch name, the stored checksum and key order, but not the transactions' order", function () {
      const renamed = { ...upstreamBatch, meta: { ...upstreamBatch.meta, name: "other", checksum: "0x1234" } };
      expect(transactionBuilderChecksum(renamed)).to.equal(UPSTREAM_CHECKSUM);
      const reordered = Object.fromEntries(Object.entries(upstreamBatch).reverse()) as TransactionBuilderFileJson;
      expect(transactionBuilderChecksum(reordered)).to.equal(UPSTREAM_CHECKSUM);
      const reversed = { ...upstreamBatch, transactions: [...(upstreamBatch.transactions as JsonValue[])].reverse() };
      expect(transactionBuilderChecksum(reversed)).to.not.equal(UPSTREAM_CHECKSUM);
    });

    it("writes the batch format with raw calldata and a checksum that survives a JSON round trip", function () {
      const batch = transactionBuilderJson({
        chainId: 11155111n,
        safe: "0xdf8a1ce35c9a6ace153b4e0767942f1e2291a1aa",
        transactions: [{ to: "0x49d4450977e2c95362c13d3a31a09311e0ea26a6", data: "0x42f45790", value: 5n }],
        name: "finsuite: schedule",
        description: "install mock 1.0.0",
        createdAt: 1_700_000_000_000,
      });
      const reread = JSON.parse(JSON.stringify(batch)) as TransactionBuilderFileJson;
      expect(reread).to.deep.equal({
        version: "1.0",
        chainId: "11155111",
        createdAt: 1_700_000_000_000,
        meta: {
          name: "finsuite: schedule",
          description: "install mock 1.0.0",
          txBuilderVersion: TX_BUILDER_VERSION,
          createdFromSafeAddress: "0xDF8a1Ce35c9a6ACE153B4e0767942f1E2291a1Aa",
          createdFromOwnerAddress: "",
          checksum: batch.meta.checksum,
        },
        transactions: [
          {
            to: "0x49d4450977E2c95362C13D3a31a09311E0Ea26A6",
            value: "5",
            data: "0x42f45790",
            contractMethod: null,
            contractInputsValues: null,
          },
        ],
      });
      expect(transactionBuilderChecksum(reread)).to.equal(batch.meta.checksum);
      expect(batch.meta.checksum).to.match(/^0x[0-9a-f]{64}$/);
    });
  });

  describe("proposals executed by the Safe", function () {
    it("schedules through the Safe with 2 of 3 owners, and executes after the delay with the next nonce", async function () {
      const f = await networkHelpers.loadFixture(upgraderFixture);
      const [owner1, , owner3] = f.owners;

      // schedule: proposed at nonce 0, signed by owners 3 and 1 (sorted by the helper), sent by a non-owner
      const schedule = proposeSafeTransaction(
        await safeState(f.address),
        { to: f.diamondAddress, data: f.scheduleData },
        { name: "schedule" },
      );
      expect(schedule.tx.nonce).to.equal(0n);
      const scheduledAt = (await networkHelpers.time.latest()) + 10;
      await networkHelpers.time.setNextBlockTimestamp(scheduledAt);
      const scheduled = execSafeTx(
        f.safe,
        schedule.tx,
        await signSafeTx([owner3, owner1], schedule.typedData),
        f.executor,
      );
      await expect(scheduled).to.emit(f.safe, "ExecutionSuccess").withArgs(schedule.safeTxHash, 0n);
      await expect(scheduled)
        .to.emit(f.diamond, "OperationScheduled")
        .withArgs(f.id, f.calls, SALT, BigInt(scheduledAt + DELAY), f.address);
      expect(await f.diamond.getOperationState(f.id)).to.equal(State.Waiting);

      // The Safe alone holds the role: its owners and the deployer cannot schedule themselves.
      for (const signer of [f.deployer, owner1, f.executor]) {
        await expect(f.diamond.connect(signer).schedule(f.calls, toBeHex(2n, 32)))
          .to.be.revertedWithCustomError(f.diamond, "AccessControlUnauthorizedAccount")
          .withArgs(signer.address, ROLES.UPGRADER);
      }

      // execute: the next proposal reads nonce 1 from the Safe
      await networkHelpers.time.increase(DELAY);
      expect(await f.diamond.getOperationState(f.id)).to.equal(State.Ready);
      const execute = proposeSafeTransaction(
        await safeState(f.address),
        { to: f.diamondAddress, data: f.executeData },
        { name: "execute" },
      );
      expect(execute.tx.nonce).to.equal(1n);
      const executed = execSafeTx(
        f.safe,
        execute.tx,
        await signSafeTx(f.owners.slice(1), execute.typedData),
        f.executor,
      );
      await expect(executed).to.emit(f.safe, "ExecutionSuccess").withArgs(execute.safeTxHash, 0n);
      await expect(executed).to.emit(f.diamond, "OperationExecuted").withArgs(f.id, f.address);
      expect(await f.diamond.getOperationState(f.id)).to.equal(State.Done);
      expect(await f.diamond.isModuleInstalled(moduleId(MOCK))).to.equal(true);
      expect((await safeState(f.address)).nonce).to.equal(2n);
    });

    it("executes exactly the call in the Transaction Builder file", async function () {
      const f = await networkHelpers.loadFixture(upgraderFixture);
      const proposal = proposeSafeTransaction(
        await safeState(f.address),
        { to: f.diamondAddress, data: f.scheduleData },
        { name: "schedule", description: "install mock 1.0.0" },
      );
      const file = JSON.parse(
        JSON.stringify(proposal.transactionBuilder, null, 2),
      ) as typeof proposal.transactionBuilder;
      expect(file.chainId).to.equal((await ethers.provider.getNetwork()).chainId.toString());
      expect(file.meta.createdFromSafeAddress).to.equal(f.address);
      expect(file.transactions).to.have.length(1);
      expect(transactionBuilderChecksum(file)).to.equal(file.meta.checksum);

      const [fromFile] = file.transactions;
      const tx = await (
        await execSafeTx(
          f.safe,
          { ...proposal.tx, to: fromFile.to, data: fromFile.data, value: BigInt(fromFile.value) },
          await signSafeTx(f.owners.slice(0, 2), proposal.typedData),
          f.executor,
        )
      ).wait();
      const sent = f.safe.interface.parseTransaction({ data: (await ethers.provider.getTransaction(tx!.hash))!.data });
      expect([sent!.args.to, sent!.args.data, sent!.args.value]).to.deep.equal([f.diamondAddress, f.scheduleData, 0n]);
      expect(await f.diamond.getOperationState(f.id)).to.equal(State.Waiting);
    });

    it("refuses one signature when the threshold is two (GS020)", async function () {
      const f = await networkHelpers.loadFixture(upgraderFixture);
      const proposal = proposeSafeTransaction(
        await safeState(f.address),
        { to: f.diamondAddress, data: f.scheduleData },
        { name: "schedule" },
      );
      await expect(
        execSafeTx(f.safe, proposal.tx, await signSafeTx([f.owners[0]], proposal.typedData), f.executor),
      ).to.be.revertedWith("GS020");
      expect(await f.diamond.getOperationState(f.id)).to.equal(State.Unset);
    });

    it("refuses signatures over other data, by a non-owner, or at a used nonce (GS026)", async function () {
      const f = await networkHelpers.loadFixture(upgraderFixture);
      const proposal = proposeSafeTransaction(
        await safeState(f.address),
        { to: f.diamondAddress, data: f.scheduleData },
        { name: "schedule" },
      );
      const signatures = await signSafeTx(f.owners.slice(0, 2), proposal.typedData);
      const otherCalls = [coreCalls.removeModule(MOCK)];
      const tampered = { ...proposal.tx, data: f.diamond.interface.encodeFunctionData("schedule", [otherCalls, SALT]) };
      await expect(execSafeTx(f.safe, tampered, signatures, f.executor)).to.be.revertedWith("GS026");
      const withOutsider = await signSafeTx([f.owners[0], f.outsider], proposal.typedData);
      await expect(execSafeTx(f.safe, proposal.tx, withOutsider, f.executor)).to.be.revertedWith("GS026");
      expect(await f.diamond.getOperationState(f.id)).to.equal(State.Unset);

      // Executed once, the same signed transaction cannot run again: the Safe's nonce moved on.
      await (await execSafeTx(f.safe, proposal.tx, signatures, f.executor)).wait();
      await expect(execSafeTx(f.safe, proposal.tx, signatures, f.executor)).to.be.revertedWith("GS026");
    });

    it("queues at a later nonce on request, executable once the earlier nonce is used", async function () {
      const f = await networkHelpers.loadFixture(upgraderFixture);
      const state = await safeState(f.address);
      const later = proposeSafeTransaction(
        state,
        { to: f.diamondAddress, data: f.scheduleData },
        { name: "s", nonce: 1n },
      );
      const laterSignatures = await signSafeTx(f.owners.slice(0, 2), later.typedData);
      await expect(execSafeTx(f.safe, later.tx, laterSignatures, f.executor)).to.be.revertedWith("GS026");

      // Nonce 0 is used by another transaction (an empty call to the outsider), then nonce 1 runs.
      const first = proposeSafeTransaction(state, { to: f.outsider.address, data: "0x" }, { name: "other" });
      await (
        await execSafeTx(f.safe, first.tx, await signSafeTx(f.owners.slice(1), first.typedData), f.executor)
      ).wait();
      await expect(execSafeTx(f.safe, later.tx, laterSignatures, f.executor)).to.emit(f.diamond, "OperationScheduled");
    });

    it("describes the proposal with the hashes signers check", async function () {
      const f = await networkHelpers.loadFixture(upgraderFixture);
      const proposal = proposeSafeTransaction(
        await safeState(f.address),
        { to: f.diamondAddress, data: f.scheduleData },
        { name: "schedule" },
      );
      const text = describeSafeProposal(proposal).join("\n");
      expect(text).to.contain(`Safe ${f.address} (Safe 1.4.1, chain 31337)`);
      expect(text).to.contain("signed by 2 of its 3 owners");
      expect(text).to.contain(`to:          ${f.diamondAddress}`);
      expect(text).to.contain(`data:        ${f.scheduleData}`);
      expect(text).to.contain("nonce:       0");
      expect(text).to.contain(`SafeTx hash: ${proposal.safeTxHash}`);
      expect(text).to.contain(`domain hash ${proposal.domainHash}, message hash ${proposal.messageHash}`);
    });
  });

  describe("errors", function () {
    it("refuses a Safe of an unsupported version", async function () {
      const f = await networkHelpers.loadFixture(safeFixture);
      const old = { ...(await safeState(f.address)), version: "1.2.0" };
      expect(() => proposeSafeTransaction(old, { to: f.outsider.address, data: "0x" }, { name: "x" })).to.throw(
        `Safe ${f.address} is version 1.2.0; proposals support Safe 1.3.0 and 1.4.1 ` +
          "(older Safes hash transactions differently). Upgrade the Safe, or make another account the upgrader.",
      );
    });

    it("accepts a Safe 1.3.0", async function () {
      const f = await networkHelpers.loadFixture(safeFixture);
      const v130 = { ...(await safeState(f.address)), version: "1.3.0" };
      const proposal = proposeSafeTransaction(v130, { to: f.outsider.address, data: "0x" }, { name: "x" });
      expect(proposal.safeTxHash).to.match(/^0x[0-9a-f]{64}$/);
    });

    it("refuses the singleton's address: it answers as a Safe but has no owners", async function () {
      const f = await networkHelpers.loadFixture(safeFixture);
      await expectRejection(
        readSafe(ethers.provider, f.singleton),
        Error,
        new RegExp(
          `^${f.singleton} answers as Safe 1\\.4\\.1 but has no owners: it is a Safe singleton or a Safe that was ` +
            "never set up\\. Use the address of the Safe \\(proxy\\) itself\\.$",
        ),
      );
    });

    it("refuses a nonce the Safe has already used", async function () {
      const f = await networkHelpers.loadFixture(safeFixture);
      const state = { ...(await safeState(f.address)), nonce: 4n };
      expect(() =>
        proposeSafeTransaction(state, { to: f.outsider.address, data: "0x" }, { name: "x", nonce: 3n }),
      ).to.throw(
        `Nonce 3 of Safe ${f.address} is already used (its next nonce is 4): ` +
          "a transaction signed at it could never execute.",
      );
    });
  });
});
