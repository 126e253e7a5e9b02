// Timelock: every change of the diamond's code (and lowering the delay) is an operation the
// upgrader schedules and, after the delay, executes; the upgrader or guardian may cancel.
import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder, keccak256, toBeHex, ZeroAddress } from "ethers";

import { coreFixture } from "./helpers.js";
import {
  coreCalls,
  FacetCutAction,
  moduleId,
  runTimelocked,
  selectorsOf,
  ROLES,
  type ModuleSpecInput,
} from "../scripts/lib/core.js";
import { MockFacetV1__factory, MockInit__factory, MockOtherFacet__factory } from "../typechain-types/index.js";
import type { IFinanceDiamond } from "../typechain-types/index.js";

const { ethers, networkHelpers } = await network.create();

const DELAY = 3600;
const MAX_DELAY = 30n * 24n * 3600n;

/** `ITimelock.OperationState`. */
const State = { Unset: 0n, Waiting: 1n, Ready: 2n, Done: 3n } as const;

const MOCK = "mock";
const OTHER = "other";
const SILENT = "silent";
const MOCK_ID = moduleId(MOCK);
const OTHER_ID = moduleId(OTHER);

const V1_SELECTORS = selectorsOf(MockFacetV1__factory.abi);
const OTHER_SELECTORS = selectorsOf(MockOtherFacet__factory.abi);
const v1Iface = MockFacetV1__factory.createInterface();
const initIface = MockInit__factory.createInterface();

function salt(n: number | bigint): string {
  return toBeHex(BigInt(n), 32);
}

async function deployContracts(delay: number) {
  const core = await coreFixture(ethers, delay);
  const [v1, other, init] = await Promise.all([
    ethers.deployContract("MockFacetV1"),
    ethers.deployContract("MockOtherFacet"),
    ethers.deployContract("MockInit"),
  ]);
  const diamondAddress = await core.diamond.getAddress();
  return {
    ...core,
    diamondAddress,
    asUpgrader: core.diamond.connect(core.upgrader),
    asGuardian: core.diamond.connect(core.guardian),
    asOwner: core.diamond.connect(core.owner),
    v1: await v1.getAddress(),
    other: await other.getAddress(),
    initAddress: await init.getAddress(),
    init,
    mockV1: MockFacetV1__factory.connect(diamondAddress, core.alice),
  };
}

/** A diamond with no delay: operations are ready as soon as they are scheduled. */
async function noDelayFixture() {
  return deployContracts(0);
}

/** A diamond with a one-hour delay. */
async function delayedFixture() {
  return deployContracts(DELAY);
}

type Fixture = Awaited<ReturnType<typeof deployContracts>>;

function mockSpec(f: Fixture): ModuleSpecInput {
  return { id: MOCK, version: [1, 0, 0], facets: [{ facetAddress: f.v1, functionSelectors: V1_SELECTORS }] };
}

function otherSpec(f: Fixture): ModuleSpecInput {
  return { id: OTHER, version: [1, 0, 0], facets: [{ facetAddress: f.other, functionSelectors: OTHER_SELECTORS }] };
}

/** Installs MockInit's reverting functions as a module, so operations can call them. */
function silentSpec(f: Fixture): ModuleSpecInput {
  return {
    id: SILENT,
    version: [1, 0, 0],
    facets: [
      {
        facetAddress: f.initAddress,
        functionSelectors: [
          initIface.getFunction("rejectSilently").selector,
          initIface.getFunction("rejectWithReason").selector,
        ],
      },
    ],
  };
}

async function opState(diamond: IFinanceDiamond, id: string): Promise<bigint> {
  return diamond.getOperationState(id);
}

describe("Timelock", function () {
  describe("schedule, execute and cancel", function () {
    let f: Fixture;
    let calls: string[];

    beforeEach(async function () {
      f = await networkHelpers.loadFixture(delayedFixture);
      calls = [coreCalls.installModule(mockSpec(f))];
    });

    it("hashOperation is keccak256(abi.encode(calls, salt)) and is the id schedule returns", async function () {
      const id = await f.diamond.hashOperation(calls, salt(1));
      expect(id).to.equal(keccak256(AbiCoder.defaultAbiCoder().encode(["bytes[]", "bytes32"], [calls, salt(1)])));
      expect(await f.asUpgrader.schedule.staticCall(calls, salt(1))).to.equal(id);
      expect(await f.diamond.hashOperation(calls, salt(2))).to.not.equal(id);
    });

    it("schedules with OperationScheduled and moves Unset → Waiting → Ready → Done", async function () {
      const id = await f.diamond.hashOperation(calls, salt(1));
      expect(await opState(f.diamond, id)).to.equal(State.Unset);
      expect(await f.diamond.getOperationReadyAt(id)).to.equal(0n);

      const scheduledAt = (await networkHelpers.time.latest()) + 10;
      await networkHelpers.time.setNextBlockTimestamp(scheduledAt);
      const readyAt = BigInt(scheduledAt + DELAY);
      await expect(f.asUpgrader.schedule(calls, salt(1)))
        .to.emit(f.diamond, "OperationScheduled")
        .withArgs(id, calls, salt(1), readyAt, f.upgrader.address);
      expect(await opState(f.diamond, id)).to.equal(State.Waiting);
      expect(await f.diamond.getOperationReadyAt(id)).to.equal(readyAt);

      await networkHelpers.time.increase(DELAY);
      expect(await opState(f.diamond, id)).to.equal(State.Ready);

      await expect(f.asUpgrader.execute(calls, salt(1)))
        .to.emit(f.diamond, "OperationExecuted")
        .withArgs(id, f.upgrader.address);
      expect(await opState(f.diamond, id)).to.equal(State.Done);
      expect(await f.diamond.getOperationReadyAt(id)).to.equal(1n);
      expect(await f.diamond.isModuleInstalled(MOCK_ID)).to.equal(true);
    });

    it("executes exactly at readyAt, not one second before", async function () {
      const id = await f.diamond.hashOperation(calls, salt(1));
      await (await f.asUpgrader.schedule(calls, salt(1))).wait();
      const readyAt = Number(await f.diamond.getOperationReadyAt(id));

      await networkHelpers.time.setNextBlockTimestamp(readyAt - 1);
      await expect(f.asUpgrader.execute(calls, salt(1)))
        .to.be.revertedWithCustomError(f.diamond, "TimelockUnexpectedState")
        .withArgs(id, State.Waiting);

      await networkHelpers.time.setNextBlockTimestamp(readyAt);
      await expect(f.asUpgrader.execute(calls, salt(1))).to.emit(f.diamond, "OperationExecuted");
    });

    it("lets the upgrader cancel a waiting operation, with OperationCancelled", async function () {
      const id = await f.diamond.hashOperation(calls, salt(1));
      await (await f.asUpgrader.schedule(calls, salt(1))).wait();

      await expect(f.asUpgrader.cancel(id)).to.emit(f.diamond, "OperationCancelled").withArgs(id, f.upgrader.address);
      expect(await opState(f.diamond, id)).to.equal(State.Unset);
      expect(await f.diamond.getOperationReadyAt(id)).to.equal(0n);
    });

    it("lets the guardian cancel a ready operation, which then cannot execute", async function () {
      const id = await f.diamond.hashOperation(calls, salt(1));
      await (await f.asUpgrader.schedule(calls, salt(1))).wait();
      await networkHelpers.time.increase(DELAY);
      expect(await opState(f.diamond, id)).to.equal(State.Ready);

      await expect(f.asGuardian.cancel(id)).to.emit(f.diamond, "OperationCancelled").withArgs(id, f.guardian.address);
      await expect(f.asUpgrader.execute(calls, salt(1)))
        .to.be.revertedWithCustomError(f.diamond, "TimelockUnexpectedState")
        .withArgs(id, State.Unset);
      expect(await f.diamond.isModuleInstalled(MOCK_ID)).to.equal(false);
    });

    it("lets a cancelled operation be scheduled again, with a fresh delay", async function () {
      const id = await f.diamond.hashOperation(calls, salt(1));
      await (await f.asUpgrader.schedule(calls, salt(1))).wait();
      await (await f.asGuardian.cancel(id)).wait();
      await networkHelpers.time.increase(DELAY);

      await expect(f.asUpgrader.schedule(calls, salt(1))).to.emit(f.diamond, "OperationScheduled");
      expect(await opState(f.diamond, id)).to.equal(State.Waiting);
      await networkHelpers.time.increase(DELAY);
      await (await f.asUpgrader.execute(calls, salt(1))).wait();
      expect(await opState(f.diamond, id)).to.equal(State.Done);
    });
  });

  describe("schedule, execute and cancel errors", function () {
    let f: Fixture;
    let calls: string[];
    let id: string;

    beforeEach(async function () {
      f = await networkHelpers.loadFixture(delayedFixture);
      calls = [coreCalls.installModule(mockSpec(f))];
      id = await f.diamond.hashOperation(calls, salt(1));
    });

    it("reverts when an account without the upgrader role schedules", async function () {
      for (const signer of [f.owner, f.guardian, f.alice]) {
        await expect(f.diamond.connect(signer).schedule(calls, salt(1)))
          .to.be.revertedWithCustomError(f.diamond, "AccessControlUnauthorizedAccount")
          .withArgs(signer.address, ROLES.UPGRADER);
      }
      expect(await opState(f.diamond, id)).to.equal(State.Unset);
    });

    it("reverts when an account without the upgrader role executes", async function () {
      await (await f.asUpgrader.schedule(calls, salt(1))).wait();
      await networkHelpers.time.increase(DELAY);

      for (const signer of [f.owner, f.guardian, f.alice]) {
        await expect(f.diamond.connect(signer).execute(calls, salt(1)))
          .to.be.revertedWithCustomError(f.diamond, "AccessControlUnauthorizedAccount")
          .withArgs(signer.address, ROLES.UPGRADER);
      }
      expect(await opState(f.diamond, id)).to.equal(State.Ready);
      expect(await f.diamond.isModuleInstalled(MOCK_ID)).to.equal(false);
    });

    it("reverts when an account that is neither upgrader nor guardian cancels", async function () {
      await (await f.asUpgrader.schedule(calls, salt(1))).wait();

      for (const signer of [f.owner, f.alice]) {
        await expect(f.diamond.connect(signer).cancel(id))
          .to.be.revertedWithCustomError(f.diamond, "AccessControlUnauthorizedAccount")
          .withArgs(signer.address, ROLES.UPGRADER);
      }
      expect(await opState(f.diamond, id)).to.equal(State.Waiting);
    });

    it("reverts when the operation has no calls", async function () {
      await expect(f.asUpgrader.schedule([], salt(1))).to.be.revertedWithCustomError(
        f.diamond,
        "TimelockEmptyOperation",
      );
      expect(await opState(f.diamond, await f.diamond.hashOperation([], salt(1)))).to.equal(State.Unset);
    });

    it("reverts when a call is shorter than a selector", async function () {
      const short = [calls[0], "0x123456"];
      await expect(f.asUpgrader.schedule(short, salt(1)))
        .to.be.revertedWithCustomError(f.diamond, "TimelockCallTooShort")
        .withArgs(1n);
      expect(await opState(f.diamond, await f.diamond.hashOperation(short, salt(1)))).to.equal(State.Unset);
    });

    it("reverts when the same calls and salt are scheduled twice", async function () {
      await (await f.asUpgrader.schedule(calls, salt(1))).wait();
      const readyAt = await f.diamond.getOperationReadyAt(id);

      await expect(f.asUpgrader.schedule(calls, salt(1)))
        .to.be.revertedWithCustomError(f.diamond, "TimelockUnexpectedState")
        .withArgs(id, State.Waiting);
      expect(await f.diamond.getOperationReadyAt(id)).to.equal(readyAt);
    });

    it("reverts when executing before the delay has passed", async function () {
      await (await f.asUpgrader.schedule(calls, salt(1))).wait();

      await expect(f.asUpgrader.execute(calls, salt(1)))
        .to.be.revertedWithCustomError(f.diamond, "TimelockUnexpectedState")
        .withArgs(id, State.Waiting);
      expect(await opState(f.diamond, id)).to.equal(State.Waiting);
      expect(await f.diamond.isModuleInstalled(MOCK_ID)).to.equal(false);
    });

    it("reverts when executing twice", async function () {
      await (await f.asUpgrader.schedule(calls, salt(1))).wait();
      await networkHelpers.time.increase(DELAY);
      await (await f.asUpgrader.execute(calls, salt(1))).wait();

      await expect(f.asUpgrader.execute(calls, salt(1)))
        .to.be.revertedWithCustomError(f.diamond, "TimelockUnexpectedState")
        .withArgs(id, State.Done);
      expect(await opState(f.diamond, id)).to.equal(State.Done);
    });

    it("reverts when executing an operation that was never scheduled", async function () {
      await expect(f.asUpgrader.execute(calls, salt(1)))
        .to.be.revertedWithCustomError(f.diamond, "TimelockUnexpectedState")
        .withArgs(id, State.Unset);
      expect(await f.diamond.isModuleInstalled(MOCK_ID)).to.equal(false);
    });

    it("reverts when cancelling an executed operation", async function () {
      await (await f.asUpgrader.schedule(calls, salt(1))).wait();
      await networkHelpers.time.increase(DELAY);
      await (await f.asUpgrader.execute(calls, salt(1))).wait();

      await expect(f.asGuardian.cancel(id))
        .to.be.revertedWithCustomError(f.diamond, "TimelockUnexpectedState")
        .withArgs(id, State.Done);
      expect(await opState(f.diamond, id)).to.equal(State.Done);
    });

    it("reverts when cancelling an unknown operation", async function () {
      await expect(f.asUpgrader.cancel(id))
        .to.be.revertedWithCustomError(f.diamond, "TimelockUnexpectedState")
        .withArgs(id, State.Unset);
    });
  });

  describe("calls that revert during execution", function () {
    let f: Fixture;

    beforeEach(async function () {
      f = await networkHelpers.loadFixture(noDelayFixture);
      await runTimelocked(f.asUpgrader, [coreCalls.installModule(mockSpec(f)), coreCalls.installModule(silentSpec(f))]);
    });

    it("reverts with TimelockCallReverted(index) when a call reverts without data, undoing earlier calls", async function () {
      const calls = [v1Iface.encodeFunctionData("setMockValue", [5]), initIface.encodeFunctionData("rejectSilently")];
      const id = await f.diamond.hashOperation(calls, salt(7));
      await (await f.asUpgrader.schedule(calls, salt(7))).wait();

      await expect(f.asUpgrader.execute(calls, salt(7)))
        .to.be.revertedWithCustomError(f.diamond, "TimelockCallReverted")
        .withArgs(1n);
      expect(await opState(f.diamond, id)).to.equal(State.Ready);
      expect(await f.mockV1.mockValue()).to.equal(0n);
    });

    it("bubbles up a call's custom error", async function () {
      const calls = [initIface.encodeFunctionData("rejectWithReason", [9])];
      const id = await f.diamond.hashOperation(calls, salt(8));
      await (await f.asUpgrader.schedule(calls, salt(8))).wait();

      await expect(f.asUpgrader.execute(calls, salt(8)))
        .to.be.revertedWithCustomError(f.init, "MockInitRejected")
        .withArgs(9n);
      expect(await opState(f.diamond, id)).to.equal(State.Ready);
    });

    it("bubbles up a core error raised by a call", async function () {
      await expect(runTimelocked(f.asUpgrader, [coreCalls.removeModule("ghost")]))
        .to.be.revertedWithCustomError(f.diamond, "RegistryModuleNotInstalled")
        .withArgs(moduleId("ghost"));
    });
  });

  describe("delay", function () {
    let f: Fixture;

    beforeEach(async function () {
      f = await networkHelpers.loadFixture(delayedFixture);
    });

    it("starts at the configured delay", async function () {
      expect(await f.diamond.timelockDelay()).to.equal(BigInt(DELAY));
    });

    it("lets the admin raise the delay at once, with TimelockDelayChanged", async function () {
      await expect(f.asOwner.setTimelockDelay(7200))
        .to.emit(f.diamond, "TimelockDelayChanged")
        .withArgs(BigInt(DELAY), 7200n);
      expect(await f.diamond.timelockDelay()).to.equal(7200n);
    });

    it("accepts exactly 30 days", async function () {
      await (await f.asOwner.setTimelockDelay(MAX_DELAY)).wait();
      expect(await f.diamond.timelockDelay()).to.equal(MAX_DELAY);
    });

    it("reverts when the admin lowers the delay directly", async function () {
      await expect(f.asOwner.setTimelockDelay(60))
        .to.be.revertedWithCustomError(f.diamond, "TimelockDelayDecreaseNeedsTimelock")
        .withArgs(BigInt(DELAY), 60n);
      expect(await f.diamond.timelockDelay()).to.equal(BigInt(DELAY));
    });

    it("lowers the delay through the timelock once the current delay has passed", async function () {
      const calls = [coreCalls.setTimelockDelay(60)];
      const id = await f.diamond.hashOperation(calls, salt(1));
      await (await f.asUpgrader.schedule(calls, salt(1))).wait();
      await expect(f.asUpgrader.execute(calls, salt(1)))
        .to.be.revertedWithCustomError(f.diamond, "TimelockUnexpectedState")
        .withArgs(id, State.Waiting);

      await networkHelpers.time.increase(DELAY);
      await expect(f.asUpgrader.execute(calls, salt(1)))
        .to.emit(f.diamond, "TimelockDelayChanged")
        .withArgs(BigInt(DELAY), 60n);
      expect(await f.diamond.timelockDelay()).to.equal(60n);
    });

    it("reverts when the delay exceeds 30 days", async function () {
      await expect(f.asOwner.setTimelockDelay(MAX_DELAY + 1n))
        .to.be.revertedWithCustomError(f.diamond, "TimelockDelayTooLong")
        .withArgs(MAX_DELAY + 1n, MAX_DELAY);
      expect(await f.diamond.timelockDelay()).to.equal(BigInt(DELAY));
    });

    it("reverts when a timelocked operation sets a delay above 30 days", async function () {
      const calls = [coreCalls.setTimelockDelay(MAX_DELAY + 1n)];
      await (await f.asUpgrader.schedule(calls, salt(1))).wait();
      await networkHelpers.time.increase(DELAY);

      await expect(f.asUpgrader.execute(calls, salt(1)))
        .to.be.revertedWithCustomError(f.diamond, "TimelockDelayTooLong")
        .withArgs(MAX_DELAY + 1n, MAX_DELAY);
      expect(await f.diamond.timelockDelay()).to.equal(BigInt(DELAY));
    });

    it("reverts when an account that is not the admin sets the delay", async function () {
      for (const signer of [f.upgrader, f.guardian, f.alice]) {
        await expect(f.diamond.connect(signer).setTimelockDelay(7200))
          .to.be.revertedWithCustomError(f.diamond, "AccessControlUnauthorizedAccount")
          .withArgs(signer.address, ROLES.DEFAULT_ADMIN);
      }
      expect(await f.diamond.timelockDelay()).to.equal(BigInt(DELAY));
    });
  });

  describe("timelocked functions", function () {
    let f: Fixture;

    beforeEach(async function () {
      f = await networkHelpers.loadFixture(noDelayFixture);
    });

    it("reverts when installModule, upgradeModule, removeModule or diamondCut is called directly", async function () {
      const spec = mockSpec(f);
      const direct: { name: string; data: string }[] = [
        { name: "installModule", data: coreCalls.installModule(spec) },
        { name: "upgradeModule", data: coreCalls.upgradeModule({ ...spec, version: [2, 0, 0] }) },
        { name: "removeModule", data: coreCalls.removeModule(MOCK) },
        {
          name: "diamondCut",
          data: coreCalls.diamondCut([
            { facetAddress: f.other, action: FacetCutAction.Add, functionSelectors: OTHER_SELECTORS },
          ]),
        },
      ];
      await runTimelocked(f.asUpgrader, [coreCalls.installModule(spec)]);
      const facetsBefore = await f.diamond.facetAddresses();

      for (const signer of [f.owner, f.upgrader, f.guardian, f.alice]) {
        for (const { name, data } of direct) {
          await expect(signer.sendTransaction({ to: f.diamondAddress, data }), `${name} by ${signer.address}`)
            .to.be.revertedWithCustomError(f.diamond, "TimelockOnlyThroughTimelock")
            .withArgs(signer.address);
        }
      }
      expect(await f.diamond.facetAddresses()).to.deep.equal(facetsBefore);
      expect((await f.diamond.moduleVersion(MOCK_ID)).major).to.equal(1n);
    });

    it("reverts with TimelockOnlyThroughTimelock through the typed interface too", async function () {
      await expect(f.asOwner.removeModule(MOCK_ID))
        .to.be.revertedWithCustomError(f.diamond, "TimelockOnlyThroughTimelock")
        .withArgs(f.owner.address);
      await expect(f.asUpgrader.diamondCut([], ZeroAddress, "0x"))
        .to.be.revertedWithCustomError(f.diamond, "TimelockOnlyThroughTimelock")
        .withArgs(f.upgrader.address);
    });
  });

  describe("batched operations", function () {
    let f: Fixture;

    beforeEach(async function () {
      f = await networkHelpers.loadFixture(noDelayFixture);
    });

    it("executes [install module, call its setter] in order", async function () {
      const calls = [coreCalls.installModule(mockSpec(f)), v1Iface.encodeFunctionData("setMockValue", [42])];
      await (await f.asUpgrader.schedule(calls, salt(3))).wait();

      const tx = f.asUpgrader.execute(calls, salt(3));
      await expect(tx).to.emit(f.diamond, "ModuleInstalled");
      await expect(tx).to.emit(f.mockV1, "MockValueSet").withArgs(42n);
      expect(await f.mockV1.mockValue()).to.equal(42n);
    });

    it("reverts as a whole when a call needs a later one: [call the setter, install module]", async function () {
      const calls = [v1Iface.encodeFunctionData("setMockValue", [42]), coreCalls.installModule(mockSpec(f))];
      const id = await f.diamond.hashOperation(calls, salt(4));
      await (await f.asUpgrader.schedule(calls, salt(4))).wait();

      await expect(f.asUpgrader.execute(calls, salt(4)))
        .to.be.revertedWithCustomError(f.diamond, "DiamondFunctionNotFound")
        .withArgs(v1Iface.getFunction("setMockValue").selector);
      expect(await opState(f.diamond, id)).to.equal(State.Ready);
      expect(await f.diamond.isModuleInstalled(MOCK_ID)).to.equal(false);
    });

    it("reverts as a whole when a later call fails: the earlier install is undone", async function () {
      const calls = [coreCalls.installModule(otherSpec(f)), coreCalls.removeModule("ghost")];
      await expect(runTimelocked(f.asUpgrader, calls))
        .to.be.revertedWithCustomError(f.diamond, "RegistryModuleNotInstalled")
        .withArgs(moduleId("ghost"));
      expect(await f.diamond.isModuleInstalled(OTHER_ID)).to.equal(false);
    });
  });
});
