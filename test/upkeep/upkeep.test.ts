// The upkeep module: the Chainlink Automation-compatible pair on the diamond routing to
// the providers modules register from their inits, through a real diamond with two test
// providers (`jobs`, a queue processed in bounded batches; `alarm`, a flag).
import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder, id as keccakUtf8, ZeroHash } from "ethers";

import { interfaceIdOf } from "../../scripts/lib/artifacts.js";
import { coreCalls, moduleId, runTimelocked, selectorsOf } from "../../scripts/lib/core.js";
import { installFromManifest } from "../../scripts/lib/modules.js";
import { upkeepData } from "../../scripts/lib/upkeep.js";
import {
  IUpkeep__factory,
  MockAlarmFacet__factory,
  MockJobsFacet__factory,
  UpkeepFacet__factory,
} from "../../typechain-types/index.js";
import upkeepManifest from "../fixtures/manifest-upkeep.js";
import { ALARM, jobsCheckData, jobsPerformData, upkeepFixture, type UpkeepFixture } from "./fixture.js";
import { GAS, itUnlessCoverage } from "../support/coverage.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => upkeepFixture(ethers);

const JOBS = moduleId("jobs");
const ALARM_ID = moduleId("alarm");
const UPKEEP = moduleId("upkeep");
const GHOST = moduleId("ghost");
const jobsIface = MockJobsFacet__factory.createInterface();
const alarmIface = MockAlarmFacet__factory.createInterface();
const SEL = {
  jobsCheck: jobsIface.getFunction("mockJobsCheck").selector,
  jobsPerform: jobsIface.getFunction("mockJobsPerform").selector,
  alarmCheck: alarmIface.getFunction("mockAlarmCheck").selector,
  alarmPerform: alarmIface.getFunction("mockAlarmPerform").selector,
};
const MAX_PER_CALL = 10n;
const coder = AbiCoder.defaultAbiCoder();
const sorted = (xs: readonly string[]) => [...xs].sort();

/** What checkUpkeep returns, as plain values. */
async function check(f: UpkeepFixture, checkData: string): Promise<[boolean, string]> {
  const [needed, performData] = await f.suite.checkUpkeep(checkData);
  return [needed, performData];
}

describe("upkeep module", function () {
  let f: UpkeepFixture;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(fixture);
  });

  describe("interface", function () {
    it("exposes exactly IUpkeep's functions, with Chainlink Automation's selectors", async function () {
      const iupkeep = IUpkeep__factory.createInterface();
      expect(sorted(selectorsOf(UpkeepFacet__factory.createInterface()))).to.deep.equal(sorted(selectorsOf(iupkeep)));
      // AutomationCompatibleInterface: the selector does not depend on view-ness.
      expect(iupkeep.getFunction("checkUpkeep").selector).to.equal(keccakUtf8("checkUpkeep(bytes)").slice(0, 10));
      expect(iupkeep.getFunction("checkUpkeep").selector).to.equal("0x6e04ff0d");
      expect(iupkeep.getFunction("performUpkeep").selector).to.equal("0x4585e33b");
      const module = await f.diamond.getModule(UPKEEP);
      expect(sorted(module.facets.flatMap((x) => [...x.functionSelectors]))).to.deep.equal(
        sorted(selectorsOf(iupkeep)),
      );
      expect(await f.diamond.supportsInterface(interfaceIdOf(selectorsOf(iupkeep)))).to.equal(true);
    });

    it("lists the providers the modules' install inits registered, in install order, with events", async function () {
      expect((await f.suite.upkeepProviders()).map((p) => [p.moduleId, p.check, p.perform])).to.deep.equal([
        [JOBS, SEL.jobsCheck, SEL.jobsPerform],
        [ALARM_ID, SEL.alarmCheck, SEL.alarmPerform],
      ]);
      const registered = f.installs
        .flatMap((i) => i.execute.logs)
        .map((l) => f.suite.interface.parseLog(l))
        .filter((e) => e?.name === "UpkeepProviderRegistered")
        .map((e) => [...e!.args]);
      expect(registered).to.deep.equal([
        [JOBS, SEL.jobsCheck, SEL.jobsPerform],
        [ALARM_ID, SEL.alarmCheck, SEL.alarmPerform],
      ]);
    });
  });

  describe("check and perform through the diamond", function () {
    it("returns the module's performData for its checkData and performs it as the keeper", async function () {
      await (await f.jobs.addMockJobs(25)).wait();
      const [needed, performData] = await check(f, upkeepData("jobs", jobsCheckData(4)));
      expect(needed).to.equal(true);
      expect(performData).to.equal(upkeepData("jobs", jobsPerformData(0, 4)));

      const tx = f.suite.performUpkeep(performData);
      await expect(tx).to.emit(f.jobs, "MockJobsProcessed").withArgs(0n, 4n, f.keeper.address);
      await expect(tx).to.emit(f.suite, "UpkeepPerformed").withArgs(JOBS, f.keeper.address);
      expect(await f.jobs.mockJobsPending()).to.equal(21n);
      // msg.sender inside the provider is the keeper, not the diamond
      for (const job of [0, 3]) expect(await f.jobs.mockJobProcessedBy(job)).to.equal(f.keeper.address);
      expect(await f.jobs.mockJobProcessedBy(4)).to.equal(ethers.ZeroAddress);
    });

    it("works through a long queue in batches of at most the provider's bound", async function () {
      await (await f.jobs.addMockJobs(25)).wait();
      const batches: bigint[] = [];
      for (;;) {
        const [needed, performData] = await check(f, upkeepData("jobs"));
        if (!needed) break;
        const receipt = await (await f.suite.performUpkeep(performData)).wait();
        const processed = receipt!.logs.map((l) => f.jobs.interface.parseLog(l)).find((e) => e !== null)!;
        batches.push(processed.args.count);
      }
      expect(batches).to.deep.equal([MAX_PER_CALL, MAX_PER_CALL, 5n]);
      expect(await f.jobs.mockJobsPending()).to.equal(0n);
      expect(await check(f, upkeepData("jobs"))).to.deep.equal([false, "0x"]);
    });

    it("reports no work with empty performData when the provider has none", async function () {
      expect(await check(f, upkeepData("jobs"))).to.deep.equal([false, "0x"]);
      expect(await check(f, upkeepData("alarm"))).to.deep.equal([false, "0x"]);
    });

    it("passes on the check's revert when one module is asked", async function () {
      await (await f.alarm.setMockAlarm(ALARM.checkReverts)).wait();
      await expect(f.suite.checkUpkeep(upkeepData("alarm")))
        .to.be.revertedWithCustomError(f.alarm, "MockAlarmBroken")
        .withArgs(ALARM.checkReverts);
    });

    it("passes on the perform function's revert unchanged", async function () {
      await (await f.alarm.setMockAlarm(ALARM.performReverts)).wait();
      const [needed, performData] = await check(f, upkeepData("alarm"));
      expect(needed).to.equal(true);
      await expect(f.suite.performUpkeep(performData))
        .to.be.revertedWithCustomError(f.alarm, "MockAlarmBroken")
        .withArgs(ALARM.performReverts);
    });
  });

  describe("empty checkData", function () {
    it("reports no work when no provider has any", async function () {
      expect(await check(f, "0x")).to.deep.equal([false, "0x"]);
    });

    it("returns the first provider with work, in registration order", async function () {
      await (await f.alarm.setMockAlarm(ALARM.raised)).wait();
      expect(await check(f, "0x")).to.deep.equal([true, upkeepData("alarm", coder.encode(["uint8"], [1]))]);
      await (await f.jobs.addMockJobs(3)).wait();
      expect(await check(f, "0x")).to.deep.equal([true, upkeepData("jobs", jobsPerformData(0, 3))]);
    });

    it("skips a provider whose check reverts", async function () {
      await (await f.jobs.addMockJobs(3)).wait();
      await (await f.alarm.setMockAlarm(ALARM.checkReverts)).wait();
      expect(await check(f, "0x")).to.deep.equal([true, upkeepData("jobs", jobsPerformData(0, 3))]);
      await (await f.suite.performUpkeep(upkeepData("jobs", jobsPerformData(0, 3)))).wait();
      expect(await check(f, "0x")).to.deep.equal([false, "0x"]);
    });

    it("skips a paused provider and finds the next one's work", async function () {
      await (await f.jobs.addMockJobs(3)).wait();
      await (await f.alarm.setMockAlarm(ALARM.raised)).wait();
      await (await f.diamond.connect(f.guardian).pauseModule(JOBS)).wait();
      expect(await check(f, "0x")).to.deep.equal([true, upkeepData("alarm", coder.encode(["uint8"], [1]))]);
    });
  });

  describe("forged and repeated performData", function () {
    it("does the work once when the same performData is performed twice", async function () {
      await (await f.jobs.addMockJobs(5)).wait();
      const [, performData] = await check(f, upkeepData("jobs"));
      await (await f.suite.performUpkeep(performData)).wait();
      const again = f.suite.performUpkeep(performData);
      await expect(again).to.not.emit(f.jobs, "MockJobsProcessed");
      await expect(again).to.emit(f.suite, "UpkeepPerformed").withArgs(JOBS, f.keeper.address);
      expect(await f.jobs.mockJobsPending()).to.equal(0n);
    });

    it("does at most the due work, within the bound, for a forged job range", async function () {
      await (await f.jobs.addMockJobs(25)).wait();
      await expect(f.suite.performUpkeep(upkeepData("jobs", jobsPerformData(0, 1_000))))
        .to.emit(f.jobs, "MockJobsProcessed")
        .withArgs(0n, MAX_PER_CALL, f.keeper.address);
      // Far beyond the queue, or a count that would overflow: still only what is due.
      await expect(f.suite.performUpkeep(upkeepData("jobs", jobsPerformData(2n ** 256n - 1n, 2n ** 256n - 1n))))
        .to.emit(f.jobs, "MockJobsProcessed")
        .withArgs(MAX_PER_CALL, MAX_PER_CALL, f.keeper.address);
      expect(await f.jobs.mockJobsPending()).to.equal(5n);
    });

    it("reverts with UpkeepUnknownModule for a module that registered nothing", async function () {
      for (const name of ["ghost", "upkeep", "core"]) {
        const [data, id] = [upkeepData(name), moduleId(name)];
        await expect(f.suite.performUpkeep(data))
          .to.be.revertedWithCustomError(f.suite, "UpkeepUnknownModule")
          .withArgs(id);
        await expect(f.suite.checkUpkeep(data))
          .to.be.revertedWithCustomError(f.suite, "UpkeepUnknownModule")
          .withArgs(id);
      }
    });

    it("reverts with UpkeepDataMalformed for data that is not the envelope", async function () {
      const good = upkeepData("jobs", jobsPerformData(0, 1));
      const badOffset = good.slice(0, 66) + ZeroHash.slice(2) + good.slice(130);
      const tooLong = good.slice(0, 130) + (2n ** 255n).toString(16) + good.slice(194);
      for (const data of ["0x", "0x00", coder.encode(["bytes32"], [JOBS]), badOffset, tooLong]) {
        const length = (data.length - 2) / 2;
        await expect(f.suite.performUpkeep(data))
          .to.be.revertedWithCustomError(f.suite, "UpkeepDataMalformed")
          .withArgs(length);
        if (length > 0) {
          await expect(f.suite.checkUpkeep(data))
            .to.be.revertedWithCustomError(f.suite, "UpkeepDataMalformed")
            .withArgs(length);
        }
      }
    });
  });

  describe("paused modules", function () {
    it("reports no work for a paused module and refuses to perform it until it is unpaused", async function () {
      await (await f.jobs.addMockJobs(3)).wait();
      const performData = upkeepData("jobs", jobsPerformData(0, 3));
      await (await f.diamond.connect(f.guardian).pauseModule(JOBS)).wait();

      expect(await check(f, upkeepData("jobs"))).to.deep.equal([false, "0x"]);
      expect(await check(f, "0x")).to.deep.equal([false, "0x"]);
      await expect(f.suite.performUpkeep(performData))
        .to.be.revertedWithCustomError(f.suite, "DiamondModulePaused")
        .withArgs(JOBS);
      // the provider's own function is refused the same way
      await expect(f.jobs.mockJobsPerform(jobsPerformData(0, 3)))
        .to.be.revertedWithCustomError(f.suite, "DiamondModulePaused")
        .withArgs(JOBS);

      await (await f.diamond.connect(f.owner).unpauseModule(JOBS)).wait();
      expect(await check(f, upkeepData("jobs"))).to.deep.equal([true, performData]);
      await expect(f.suite.performUpkeep(performData)).to.emit(f.suite, "UpkeepPerformed");
    });

    it("refuses the pair itself while the upkeep module or the whole diamond is paused", async function () {
      await (await f.jobs.addMockJobs(3)).wait();
      await (await f.diamond.connect(f.guardian).pauseModule(UPKEEP)).wait();
      await expect(f.suite.checkUpkeep("0x"))
        .to.be.revertedWithCustomError(f.suite, "DiamondModulePaused")
        .withArgs(UPKEEP);
      await (await f.diamond.connect(f.owner).unpauseModule(UPKEEP)).wait();

      await (await f.diamond.connect(f.guardian).pause()).wait();
      await expect(f.suite.performUpkeep(upkeepData("jobs", jobsPerformData(0, 3))))
        .to.be.revertedWithCustomError(f.suite, "DiamondModulePaused")
        .withArgs(UPKEEP);
    });
  });

  describe("removed modules", function () {
    it("reports no work for a removed module and refuses to perform it, naming the unrouted selector", async function () {
      await (await f.jobs.addMockJobs(3)).wait();
      await runTimelocked(f.diamond.connect(f.upgrader), [coreCalls.removeModule("jobs")]);

      // Removing a module runs none of its code: the pair stays listed, but is not served.
      expect((await f.suite.upkeepProviders()).map((p) => p.moduleId)).to.deep.equal([JOBS, ALARM_ID]);
      expect(await check(f, upkeepData("jobs"))).to.deep.equal([false, "0x"]);
      await (await f.alarm.setMockAlarm(ALARM.raised)).wait();
      expect((await check(f, "0x"))[0]).to.equal(true);
      expect((await check(f, "0x"))[1]).to.equal(upkeepData("alarm", coder.encode(["uint8"], [1])));
      await expect(f.suite.performUpkeep(upkeepData("jobs", jobsPerformData(0, 3))))
        .to.be.revertedWithCustomError(f.suite, "UpkeepProviderNotRouted")
        .withArgs(JOBS, SEL.jobsPerform);
    });

    it("refuses a removed module's pair even when another module now serves its selectors", async function () {
      await (await f.jobs.addMockJobs(3)).wait();
      await runTimelocked(f.diamond.connect(f.upgrader), [coreCalls.removeModule("jobs")]);
      const thief = { ...upkeepManifest, modules: { thief: { ...upkeepManifest.modules.jobs, init: undefined } } };
      await installFromManifest(ethers, f.diamond.connect(f.upgrader), thief, "thief");
      expect(await f.diamond.moduleOfSelector(SEL.jobsPerform)).to.equal(moduleId("thief"));

      expect(await check(f, upkeepData("jobs"))).to.deep.equal([false, "0x"]);
      await expect(f.suite.performUpkeep(upkeepData("jobs", jobsPerformData(0, 3))))
        .to.be.revertedWithCustomError(f.suite, "UpkeepProviderNotRouted")
        .withArgs(JOBS, SEL.jobsPerform);
    });
  });

  describe("registration (LibUpkeep, run in the diamond by an init)", function () {
    it("refuses selectors the module does not serve, naming the first", async function () {
      await expect(f.runInit("registerProvider", [ALARM_ID, SEL.jobsCheck, SEL.alarmPerform]))
        .to.be.revertedWithCustomError(f.suite, "UpkeepProviderNotRouted")
        .withArgs(ALARM_ID, SEL.jobsCheck);
      await expect(f.runInit("registerProvider", [ALARM_ID, SEL.alarmCheck, SEL.jobsPerform]))
        .to.be.revertedWithCustomError(f.suite, "UpkeepProviderNotRouted")
        .withArgs(ALARM_ID, SEL.jobsPerform);
      await expect(f.runInit("registerProvider", [GHOST, SEL.jobsCheck, SEL.jobsPerform]))
        .to.be.revertedWithCustomError(f.suite, "UpkeepProviderNotRouted")
        .withArgs(GHOST, SEL.jobsCheck);
    });

    it("refuses zero or equal selectors and the upkeep module itself", async function () {
      const checkSel = f.suite.interface.getFunction("checkUpkeep").selector;
      const performSel = f.suite.interface.getFunction("performUpkeep").selector;
      for (const [id, c, p] of [
        [JOBS, "0x00000000", SEL.jobsPerform],
        [JOBS, SEL.jobsCheck, "0x00000000"],
        [JOBS, SEL.jobsPerform, SEL.jobsPerform],
        [UPKEEP, checkSel, performSel],
      ]) {
        await expect(f.runInit("registerProvider", [id, c, p]))
          .to.be.revertedWithCustomError(f.suite, "UpkeepProviderInvalid")
          .withArgs(id, c, p);
      }
    });

    it("unregisters a pair, then registers it again at the end of the scan order", async function () {
      const removed = await f.runInit("unregisterProvider", [JOBS]);
      const events = removed.execute.logs.map((l) => f.suite.interface.parseLog(l)).filter((e) => e !== null);
      expect(events.map((e) => e!.name)).to.include("UpkeepProviderUnregistered");
      expect((await f.suite.upkeepProviders()).map((p) => p.moduleId)).to.deep.equal([ALARM_ID]);
      await expect(f.suite.performUpkeep(upkeepData("jobs", jobsPerformData(0, 1))))
        .to.be.revertedWithCustomError(f.suite, "UpkeepUnknownModule")
        .withArgs(JOBS);

      await f.runInit("registerJobs");
      expect((await f.suite.upkeepProviders()).map((p) => p.moduleId)).to.deep.equal([ALARM_ID, JOBS]);
      await (await f.jobs.addMockJobs(1)).wait();
      await expect(f.suite.performUpkeep(upkeepData("jobs", jobsPerformData(0, 1)))).to.emit(
        f.jobs,
        "MockJobsProcessed",
      );
    });

    it("replaces a registered pair in place when the module registers again", async function () {
      const { execute } = await f.runInit("registerAlarm");
      const event = execute.logs
        .map((l) => f.suite.interface.parseLog(l))
        .find((e) => e?.name === "UpkeepProviderRegistered");
      expect([...event!.args]).to.deep.equal([ALARM_ID, SEL.alarmCheck, SEL.alarmPerform]);
      expect((await f.suite.upkeepProviders()).map((p) => p.moduleId)).to.deep.equal([JOBS, ALARM_ID]);
    });

    it("refuses to unregister a module that registered nothing", async function () {
      await expect(f.runInit("unregisterProvider", [GHOST]))
        .to.be.revertedWithCustomError(f.suite, "UpkeepUnknownModule")
        .withArgs(GHOST);
    });
  });

  describe("gas", function () {
    itUnlessCoverage(
      GAS,
      "costs at most 12,000 gas more than calling the provider's perform function directly",
      async function () {
        await (await f.jobs.addMockJobs(3 * Number(MAX_PER_CALL))).wait();
        // A first batch, so that both measured ones update the same warm-able slots.
        await (await f.jobs.mockJobsPerform(jobsPerformData(0, MAX_PER_CALL))).wait();
        const direct = await (
          await f.jobs.connect(f.keeper).mockJobsPerform(jobsPerformData(MAX_PER_CALL, MAX_PER_CALL))
        ).wait();
        const routed = await (
          await f.suite.performUpkeep(upkeepData("jobs", jobsPerformData(2n * MAX_PER_CALL, MAX_PER_CALL)))
        ).wait();
        const overhead = routed!.gasUsed - direct!.gasUsed;
        expect(overhead, `performUpkeep overhead ${overhead}`).to.be.lessThan(12_000n);
      },
    );
  });
});
