// Deployment rehearsals: the `modules` CLI run as a separate process against real,
// separate JSON-RPC nodes (`hardhat node` and `anvil`), the way an operator runs it.
// After each step the records are checked against the chain.
import { expect } from "chai";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { decodeBytes32String, getAddress, id as keccakUtf8, JsonRpcProvider, keccak256, ZeroAddress } from "ethers";

import { ROLES } from "../scripts/lib/core.js";
import type { ContractsRecord, DeploymentRecord } from "../scripts/lib/records.js";
import {
  DiamondCutFacet__factory,
  IFinanceDiamond__factory,
  MockFacetV1__factory,
  MockFacetV2__factory,
  MockOtherFacet__factory,
  TenSelectorFacet__factory,
} from "../typechain-types/index.js";
import {
  blockNumber,
  crash,
  PROJECT_ROOT,
  rpc,
  runModules,
  startNode,
  stopAll,
  type CliOptions,
  type CliResult,
  type NodeKind,
  type RunningNode,
} from "./support/nodes.js";
import { describeUnlessCoverage, PROCESS } from "./support/coverage.js";

const MANIFEST_V1 = "test/fixtures/manifest.ts";
const MANIFEST_V2 = "test/fixtures/manifest-v2.ts";
const NETWORK = "localhost";
const CORE_FACETS = [
  "DiamondCutFacet",
  "DiamondLoupeFacet",
  "OwnershipFacet",
  "AccessControlFacet",
  "PauseFacet",
  "TimelockFacet",
  "ModuleRegistryFacet",
];
const selector = (signature: string) => keccakUtf8(signature).slice(0, 10);

// ------------------------------------------------------------------ record files

const networkDir = (records: string) => path.join(records, NETWORK);
const deploymentFile = (records: string, name: string) => path.join(networkDir(records), `${name}.json`);
const contractsFile = (records: string) => path.join(networkDir(records), "contracts.json");
const journalFile = (records: string, name: string) => path.join(networkDir(records), ".journal", `${name}.json`);

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, "utf8")) as T;
}

const readRecord = (records: string, name: string) => readJson<DeploymentRecord>(deploymentFile(records, name));
const readContracts = (records: string) => readJson<ContractsRecord>(contractsFile(records));

/** Every file under `dir` with its bytes, to prove a refused command wrote nothing. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) await walk(full);
      else out[path.relative(dir, full)] = (await readFile(full)).toString("base64");
    }
  };
  if (await exists(dir)) await walk(dir);
  return out;
}

/** `[3/12] deploy PauseFacet   tx 0x…` lines of a run's output. */
const progressLines = (stdout: string) => stdout.split("\n").filter((l) => /^\[\d+\/\d+\] /.test(l));
const deployedInRun = (stdout: string) =>
  progressLines(stdout)
    .map((l) => /^\[\d+\/\d+\]\s+deploy (\S+)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined && n !== "the");

// ------------------------------------------------------------------ the rehearsal, once per node kind

for (const kind of ["hardhat", "anvil"] as NodeKind[]) {
  describeUnlessCoverage(PROCESS, `deployment rehearsal against a real ${kind} node`, function () {
    this.timeout(300_000);

    let node: RunningNode;
    let provider: JsonRpcProvider;
    let accounts: string[];
    const tempDirs: string[] = [];
    /** Records of the main line of the scenario (steps 1–5). */
    let records: string;

    const tempDir = async (label: string) => {
      const dir = await mkdtemp(path.join(os.tmpdir(), `finsuite-rehearsal-${kind}-${label}-`));
      tempDirs.push(dir);
      return dir;
    };

    const cli = (args: string[], options: Partial<CliOptions> = {}): Promise<CliResult> =>
      runModules(args, { rpcUrl: node.url, records, manifest: MANIFEST_V1, ...options });

    const expectSuccess = (result: CliResult) =>
      expect(result.code, `hardhat ${result.args.join(" ")} failed:\n${result.output}`).to.equal(0);

    const head = () => blockNumber(node.url);

    /** Copies the main records to a fresh folder (for commands that must not touch them). */
    const copyOfRecords = async (label: string) => {
      const dir = await tempDir(label);
      await cp(records, dir, { recursive: true });
      return dir;
    };

    /**
     * Checks a deployment record against the chain: diamond code, owner, timelock, the
     * modules the loupe reports, facet names, the shared contracts, ABI file, journal.
     * Returns the record and the ABI's function names.
     */
    async function checkRecordAgainstChain(
      recordsDir: string,
      name: string,
      expected: { set: string; modules: string[]; installed: Record<string, string> },
    ): Promise<{ record: DeploymentRecord; contracts: ContractsRecord; abiFunctions: string[] }> {
      const record = await readRecord(recordsDir, name);
      const contracts = await readContracts(recordsDir);
      expect(record.schema).to.equal("finsuite.deployment/1");
      expect(record.name).to.equal(name);
      expect(record.network).to.equal(NETWORK);
      expect(record.chainId).to.equal(31337);
      expect(record.set).to.equal(expected.set);
      expect(record.modules).to.deep.equal(expected.modules);
      expect(record.pendingOperation).to.equal(null);

      // the diamond: code now, none before its recorded block
      expect(await provider.getCode(record.address), "diamond code").to.not.equal("0x");
      expect(await provider.getCode(record.address, record.blockNumber)).to.not.equal("0x");
      expect(await provider.getCode(record.address, record.blockNumber - 1), "code before the recorded block").to.equal(
        "0x",
      );
      const diamond = IFinanceDiamond__factory.connect(record.address, provider);
      expect(getAddress(record.owner)).to.equal(getAddress(await diamond.owner()));
      expect(record.timelock.delay).to.equal(Number(await diamond.timelockDelay()));

      // modules: the record's installed list is exactly what the loupe reports
      const onChain = (await diamond.getModules()).map((m) => ({
        id: decodeBytes32String(m.id),
        version: `${m.version.major}.${m.version.minor}.${m.version.patch}`,
        facets: m.facets.map((f) => ({ address: getAddress(f.facetAddress), selectors: [...f.functionSelectors] })),
      }));
      const recorded = record.installed.map((m) => ({
        id: m.id,
        version: m.version,
        facets: m.facets.map((f) => ({ address: getAddress(f.address), selectors: [...f.selectors] })),
      }));
      expect(recorded, "record.installed vs getModules()").to.deep.equal(onChain);
      expect(Object.fromEntries(onChain.map((m) => [m.id, m.version]))).to.deep.equal(expected.installed);

      // every facet is named, and the name is the shared contract at that address
      for (const m of record.installed) {
        for (const f of m.facets) {
          expect(f.name, `facet ${f.address} of ${m.id}`).to.not.equal("unknown");
          expect(contracts.contracts[f.name], `contracts.json entry for ${f.name}`).to.not.equal(undefined);
          expect(getAddress(contracts.contracts[f.name].address)).to.equal(getAddress(f.address));
        }
      }

      // the shared contracts: on chain with the recorded code, deployed by the recorded tx
      expect(contracts.chainId).to.equal(31337);
      for (const [contractName, entry] of Object.entries(contracts.contracts)) {
        const code = await provider.getCode(entry.address);
        expect(code, `${contractName} code`).to.not.equal("0x");
        expect(keccak256(code), `${contractName} code hash`).to.equal(entry.codeHash);
        const receipt = await provider.getTransactionReceipt(entry.txHash);
        expect(receipt?.status, `${contractName} deploy tx`).to.equal(1);
        expect(getAddress(receipt!.contractAddress!)).to.equal(getAddress(entry.address));
        expect(receipt!.blockNumber).to.equal(entry.blockNumber);
      }

      // the combined ABI next to the record, and no unfinished journal
      expect(record.abi).to.equal(`${name}.abi.json`);
      const abi = await readJson<{ type: string; name?: string }[]>(path.join(networkDir(recordsDir), record.abi));
      const abiFunctions = abi.filter((f) => f.type === "function").map((f) => f.name!);
      expect(await exists(journalFile(recordsDir, name)), "journal left behind").to.equal(false);
      return { record, contracts, abiFunctions };
    }

    /** Every transaction the history names was mined successfully. */
    async function checkHistoryOnChain(record: DeploymentRecord): Promise<void> {
      for (const entry of record.history) {
        for (const tx of entry.transactions) {
          const receipt = await provider.getTransactionReceipt(tx.hash);
          expect(receipt?.status, `history tx ${tx.step} ${tx.hash}`).to.equal(1);
          expect(receipt!.gasUsed.toString()).to.equal(tx.gasUsed);
        }
      }
    }

    /**
     * A refused command: exit code 1, one clear error line (no stack trace), nothing sent,
     * no record file changed. Compared as one object so a failure shows every difference.
     */
    async function expectRefused(
      run: () => Promise<CliResult>,
      recordsDir: string,
      message: RegExp,
    ): Promise<CliResult> {
      const blockBefore = await head();
      const filesBefore = await snapshot(recordsDir);
      const result = await run();
      const filesAfter = await snapshot(recordsDir);
      const changedFiles = [...new Set([...Object.keys(filesBefore), ...Object.keys(filesAfter)])].filter(
        (f) => filesBefore[f] !== filesAfter[f],
      );
      const actual = {
        exitCode: result.code,
        clearError: message.test(result.stderr),
        stackTrace: /^\s+at /m.test(result.output) || /unexpected error/i.test(result.output),
        blocksMined: (await head()) - blockBefore,
        changedFiles,
      };
      expect(actual, `hardhat ${result.args.join(" ")}:\n${result.output}`).to.deep.equal({
        exitCode: 1,
        clearError: true,
        stackTrace: false,
        blocksMined: 0,
        changedFiles: [],
      });
      return result;
    }

    before(async function () {
      node = await startNode(kind);
      provider = new JsonRpcProvider(node.url, 31337, { staticNetwork: true });
      accounts = (await rpc<string[]>(node.url, "eth_accounts")).map((a) => getAddress(a));
      records = await tempDir("records");
    });

    after(async function () {
      provider?.destroy();
      await node?.stop();
      await stopAll();
      await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
    });

    // -------------------------------------------------------------- 1. deploy

    let basicV1: DeploymentRecord;

    it("1. deploys set basic: record, contracts.json and ABI match the chain; the init ran", async function () {
      const result = await cli(["deploy", "--set", "basic"]);
      expectSuccess(result);
      expect(result.stdout).to.include('Plan for "basic"');

      const { record, contracts, abiFunctions } = await checkRecordAgainstChain(records, "basic", {
        set: "basic",
        modules: ["mock"],
        installed: { core: "1.0.0", unmanaged: "0.0.0", mock: "1.0.0" },
      });
      expect(getAddress(record.owner)).to.equal(accounts[0]);
      expect(record.timelock).to.deep.equal({ delay: 0 });
      expect(record.blockNumber).to.be.greaterThan(0);
      expect(record.installed.find((m) => m.id === "mock")!.facets.map((f) => f.name)).to.deep.equal(["MockFacetV1"]);
      expect(record.installed.find((m) => m.id === "core")!.facets.map((f) => f.name)).to.have.members(CORE_FACETS);
      expect(Object.keys(contracts.contracts)).to.have.members([...CORE_FACETS, "MockFacetV1", "MockInit"]);
      expect(abiFunctions).to.include.members(["mockValue", "setMockValue", "mockPing", "getModules", "owner"]);
      expect(Object.keys(record.storageLayouts)).to.include("finsuite.mock");

      // one history entry naming every transaction the run printed
      expect(record.history).to.have.length(1);
      const printed = progressLines(result.stdout).map((l) => /tx (0x[0-9a-f]{64})/.exec(l)![1]);
      expect(record.history[0].transactions.map((t) => t.hash)).to.deep.equal(printed);
      await checkHistoryOnChain(record);

      // the init ran through the diamond: MockInit.init(7)
      expect(await MockFacetV1__factory.connect(record.address, provider).mockValue()).to.equal(7n);
      expect(await MockFacetV1__factory.connect(record.address, provider).mockPing()).to.equal(1n);
      basicV1 = record;
    });

    // -------------------------------------------------------------- 2. idempotence

    it("2. plan right after the deploy has nothing to do; upgrade with the same manifest sends nothing", async function () {
      const contractsBefore = await readFile(contractsFile(records), "utf8");
      const plan = await cli(["plan", "--name", "basic"]);
      expectSuccess(plan);
      expect(plan.stdout).to.match(/nothing to do/);
      expect(progressLines(plan.stdout)).to.deep.equal([]);

      const blockBefore = await head();
      const upgrade = await cli(["upgrade", "--name", "basic"]);
      expectSuccess(upgrade);
      expect(upgrade.stdout).to.match(/nothing to do/i);
      expect(await head(), "blocks mined by a no-op upgrade").to.equal(blockBefore);
      expect(await readFile(contractsFile(records), "utf8")).to.equal(contractsBefore);
      expect(await readRecord(records, "basic")).to.deep.equal(basicV1);
    });

    // -------------------------------------------------------------- 3. upgrade to v2

    it("3. upgrades mock to 2.0.0: only MockFacetV2 is deployed, the core stays, history grows", async function () {
      const contractsBefore = await readContracts(records);
      const blockBefore = await head();
      const result = await cli(["upgrade", "--name", "basic"], { manifest: MANIFEST_V2 });
      expectSuccess(result);
      expect(deployedInRun(result.stdout), "contracts deployed by the upgrade").to.deep.equal(["MockFacetV2"]);
      expect((await head()) - blockBefore, "deploy + schedule + execute").to.equal(3);

      const { record, contracts, abiFunctions } = await checkRecordAgainstChain(records, "basic", {
        set: "basic",
        modules: ["mock"],
        installed: { core: "1.0.0", unmanaged: "0.0.0", mock: "2.0.0" },
      });
      expect(record.address).to.equal(basicV1.address);
      expect(record.blockNumber).to.equal(basicV1.blockNumber);
      expect(record.installed.find((m) => m.id === "mock")!.facets.map((f) => f.name)).to.deep.equal(["MockFacetV2"]);
      // core facets unchanged, in the record and in contracts.json (which only gained MockFacetV2)
      expect(record.installed.find((m) => m.id === "core")).to.deep.equal(
        basicV1.installed.find((m) => m.id === "core"),
      );
      expect(Object.keys(contracts.contracts)).to.have.members([
        ...Object.keys(contractsBefore.contracts),
        "MockFacetV2",
      ]);
      for (const [name, entry] of Object.entries(contractsBefore.contracts)) {
        expect(contracts.contracts[name], name).to.deep.equal(entry);
      }

      // history: the deploy's entry untouched, one more entry with this run's transactions
      expect(record.history).to.have.length(2);
      expect(record.history[0]).to.deep.equal(basicV1.history[0]);
      expect(record.history[1].transactions.map((t) => t.hash)).to.have.length(3);
      expect(record.history[1].transactions.map((t) => t.hash)).to.deep.equal(
        progressLines(result.stdout).map((l) => /tx (0x[0-9a-f]{64})/.exec(l)![1]),
      );
      expect(record.history[1].actions.join("\n")).to.match(/upgrade module mock 1\.0\.0 -> 2\.0\.0/);
      await checkHistoryOnChain(record);

      // V2 serves the module: value kept, +1000; mockPing gone, mockPong added
      const diamond = IFinanceDiamond__factory.connect(record.address, provider);
      expect(await MockFacetV2__factory.connect(record.address, provider).mockValue()).to.equal(1007n);
      expect(await MockFacetV2__factory.connect(record.address, provider).mockPong()).to.equal(2n);
      expect(await diamond.facetAddress(selector("mockPing()"))).to.equal(ZeroAddress);
      expect(getAddress(await diamond.facetAddress(selector("mockValue()")))).to.equal(
        getAddress(contracts.contracts.MockFacetV2.address),
      );
      expect(abiFunctions).to.include.members(["mockValue", "setMockValue", "mockPong"]);
      expect(abiFunctions).to.not.include("mockPing");
    });

    // -------------------------------------------------------------- 4. add / remove

    it("4. adds module ten, then removes it: chain and record agree after each", async function () {
      const added = await cli(["add", "--module", "ten", "--name", "basic"], { manifest: MANIFEST_V2 });
      expectSuccess(added);
      expect(deployedInRun(added.stdout)).to.deep.equal(["TenSelectorFacet"]);
      let checked = await checkRecordAgainstChain(records, "basic", {
        set: "basic",
        modules: ["mock", "ten"],
        installed: { core: "1.0.0", unmanaged: "0.0.0", mock: "2.0.0", ten: "1.0.0" },
      });
      expect(checked.record.history).to.have.length(3);
      expect(checked.abiFunctions).to.include.members(["ten0", "ten9"]);
      const ten = TenSelectorFacet__factory.connect(checked.record.address, provider);
      expect(await ten.ten9()).to.equal(9n);

      const inspected = await cli(["inspect", "--name", "basic"], { manifest: MANIFEST_V2 });
      expect(inspected.code, inspected.output).to.equal(0);
      expect(inspected.stdout).to.match(/no drift/);
      expect(inspected.stdout).to.match(/module ten 1\.0\.0/);

      const removed = await cli(["remove", "--module", "ten", "--name", "basic"], { manifest: MANIFEST_V2 });
      expectSuccess(removed);
      expect(deployedInRun(removed.stdout)).to.deep.equal([]);
      checked = await checkRecordAgainstChain(records, "basic", {
        set: "basic",
        modules: ["mock"],
        installed: { core: "1.0.0", unmanaged: "0.0.0", mock: "2.0.0" },
      });
      expect(checked.record.history).to.have.length(4);
      await checkHistoryOnChain(checked.record);
      expect(checked.abiFunctions).to.not.include("ten0");
      const diamond = IFinanceDiamond__factory.connect(checked.record.address, provider);
      expect(await diamond.facetAddress(selector("ten0()"))).to.equal(ZeroAddress);
      // the facet contract stays deployed and recorded, for reuse
      expect(checked.contracts.contracts.TenSelectorFacet).to.not.equal(undefined);
    });

    // -------------------------------------------------------------- 5. second diamond

    let secondRun: CliResult;

    it("5. a second diamond on the same node reuses the recorded core facets", async function () {
      const contractsBefore = await readFile(contractsFile(records), "utf8");
      const blockBefore = await head();
      secondRun = await cli(["deploy", "--set", "core", "--name", "second"], { manifest: MANIFEST_V2 });
      expectSuccess(secondRun);
      expect(deployedInRun(secondRun.stdout), "facets deployed for the second diamond").to.deep.equal([]);
      expect(progressLines(secondRun.stdout)).to.have.length(1);
      expect(progressLines(secondRun.stdout)[0]).to.match(/deploy the diamond/);
      expect((await head()) - blockBefore).to.equal(1);
      expect(await readFile(contractsFile(records), "utf8"), "contracts.json").to.equal(contractsBefore);

      const { record } = await checkRecordAgainstChain(records, "second", {
        set: "core",
        modules: [],
        installed: { core: "1.0.0", unmanaged: "0.0.0" },
      });
      const basic = await readRecord(records, "basic");
      expect(record.address).to.not.equal(basic.address);
      const coreOf = (r: DeploymentRecord) => r.installed.find((m) => m.id === "core");
      expect(coreOf(record)).to.deep.equal(coreOf(basic));
      const loupe = IFinanceDiamond__factory.connect(record.address, provider);
      const basicLoupe = IFinanceDiamond__factory.connect(basic.address, provider);
      const coreAddresses = coreOf(basic)!.facets.map((f) => getAddress(f.address));
      expect((await loupe.facetAddresses()).map((a) => getAddress(a))).to.have.members(coreAddresses);
      expect((await basicLoupe.facetAddresses()).map((a) => getAddress(a))).to.include.members(coreAddresses);
      // the first diamond is untouched
      expect(await MockFacetV2__factory.connect(basic.address, provider).mockValue()).to.equal(1007n);
    });

    it("5b. the progress counter of a deploy without module changes ends at its total", function () {
      // A run's progress lines count up to the number of steps the run makes.
      const lines = progressLines(secondRun.stdout);
      const last = /^\[(\d+)\/(\d+)\]/.exec(lines[lines.length - 1])!;
      expect(`${last[1]}/${last[2]}`, lines.join("\n")).to.equal(`${lines.length}/${lines.length}`);
    });

    // -------------------------------------------------------------- 6. crash + resume

    it("6a. a deploy killed after its 5th confirmed step (test hook) resumes without redeploying anything", async function () {
      const fresh = await tempDir("crash-hook");
      const killed = await cli(["deploy", "--set", "full"], {
        records: fresh,
        env: { FINSUITE_CRASH_AT: "confirmed:5" },
      });
      expect(killed.signal === "SIGKILL" || (killed.code !== null && killed.code !== 0), killed.output).to.equal(true);
      expect(killed.stdout).to.match(/^\[5\/\d+\] /m);
      expect(killed.stdout).to.not.match(/^\[6\/\d+\] /m);

      // the five confirmed contracts are on record (and on chain); no diamond yet
      const atCrash = await readContracts(fresh);
      const confirmed = deployedInRun(killed.stdout);
      expect(confirmed).to.deep.equal(CORE_FACETS.slice(0, 5));
      expect(Object.keys(atCrash.contracts)).to.have.members(confirmed);
      for (const [name, entry] of Object.entries(atCrash.contracts)) {
        expect(await provider.getCode(entry.address), name).to.not.equal("0x");
        expect(killed.stdout).to.include(entry.txHash);
      }
      expect(await exists(deploymentFile(fresh, "full"))).to.equal(false);

      const resumed = await cli(["deploy", "--set", "full"], { records: fresh });
      expectSuccess(resumed);
      const redeployed = deployedInRun(resumed.stdout).filter((n) => n in atCrash.contracts);
      expect(redeployed, "contracts deployed again after the crash").to.deep.equal([]);

      const { record, contracts } = await checkRecordAgainstChain(fresh, "full", {
        set: "full",
        modules: ["mock", "other", "ten"],
        installed: { core: "1.0.0", unmanaged: "0.0.0", mock: "1.0.0", other: "1.0.0", ten: "1.0.0" },
      });
      for (const [name, entry] of Object.entries(atCrash.contracts)) {
        expect(contracts.contracts[name], `${name} after the resume`).to.deep.equal(entry);
      }
      expect(record.installed.find((m) => m.id === "core")!.facets.map((f) => f.name)).to.have.members(CORE_FACETS);
      await checkHistoryOnChain(record);
      // The history keeps the transactions confirmed before the crash too.
      const recordedHashes = record.history.flatMap((h) => h.transactions.map((t) => t.hash));
      for (const entry of Object.values(atCrash.contracts)) expect(recordedHashes).to.include(entry.txHash);
      expect(await MockFacetV1__factory.connect(record.address, provider).mockValue()).to.equal(7n);
      expect(await MockOtherFacet__factory.connect(record.address, provider).otherPing()).to.equal(3n);
    });

    it("6b. a deploy SIGKILLed from outside mid-run (at its 3rd step) finishes when run again", async function () {
      const fresh = await tempDir("sigkill");
      let killedAt = "";
      const killed = await cli(["deploy", "--set", "full"], {
        records: fresh,
        onStdout: (stdout, child) => {
          if (killedAt === "" && /^\[3\/\d+\] /m.test(stdout)) {
            killedAt = stdout;
            crash(child);
          }
        },
      });
      expect(killedAt, killed.output).to.not.equal("");
      expect(killed.signal, killed.output).to.equal("SIGKILL");

      // whatever was on record at the kill must survive the resume unchanged
      const atCrash = (await exists(contractsFile(fresh))) ? await readContracts(fresh) : null;
      expect(Object.keys(atCrash?.contracts ?? {}).length).to.be.at.least(3);
      const journal = (await exists(journalFile(fresh, "full")))
        ? await readJson<{ sent: Record<string, { hashes: string[] }> }>(journalFile(fresh, "full"))
        : { sent: {} };

      const resumed = await cli(["deploy", "--set", "full"], { records: fresh });
      expectSuccess(resumed);
      const redeployed = deployedInRun(resumed.stdout).filter((n) => n in (atCrash?.contracts ?? {}));
      expect(redeployed, "contracts deployed again after the kill").to.deep.equal([]);

      const { record, contracts } = await checkRecordAgainstChain(fresh, "full", {
        set: "full",
        modules: ["mock", "other", "ten"],
        installed: { core: "1.0.0", unmanaged: "0.0.0", mock: "1.0.0", other: "1.0.0", ten: "1.0.0" },
      });
      for (const [name, entry] of Object.entries(atCrash?.contracts ?? {})) {
        expect(contracts.contracts[name], `${name} after the resume`).to.deep.equal(entry);
      }
      // a deployment that was sent (journaled) but not yet recorded is recovered, not repeated
      for (const [key, sent] of Object.entries(journal.sent)) {
        if (!key.startsWith("deploy:")) continue;
        for (const hash of sent.hashes) {
          const receipt = await provider.getTransactionReceipt(hash);
          if (receipt?.status === 1)
            expect(contracts.contracts[key.slice("deploy:".length)].txHash, key).to.equal(hash);
        }
      }
      await checkHistoryOnChain(record);
      expect(await MockFacetV1__factory.connect(record.address, provider).mockValue()).to.equal(7n);
    });

    it("6c. a deployment broadcast before its hash reached the journal is found by its nonce, not repeated", async function () {
      // The state a kill leaves between "transaction broadcast" and "hash journaled": the
      // intent (nonce, transaction, expected address) is in the journal, no hash.
      const fresh = await tempDir("journal");
      const signer = await provider.getSigner(accounts[0]);
      const deployTx = await new DiamondCutFacet__factory().getDeployTransaction();
      const sinceBlock = await provider.getBlockNumber();
      const sent = await signer.sendTransaction(deployTx);
      const mined = await sent.wait();
      await provider.send("evm_mine", []); // the search must skip later blocks too
      await mkdir(path.dirname(journalFile(fresh, "journaled")), { recursive: true });
      await writeFile(
        journalFile(fresh, "journaled"),
        JSON.stringify({
          schema: "finsuite.journal/2",
          chainId: 31337,
          sent: {
            "deploy:DiamondCutFacet": {
              step: "deploy DiamondCutFacet",
              from: accounts[0],
              nonce: sent.nonce,
              to: null,
              data: deployTx.data,
              gasLimit: "3000000",
              effect: {
                kind: "create",
                address: mined!.contractAddress,
                codeHash: keccak256(await provider.getCode(mined!.contractAddress!)),
              },
              sinceBlock,
              hashes: [],
            },
          },
          confirmed: [],
        }),
      );

      const resumed = await cli(["deploy", "--set", "core", "--name", "journaled"], { records: fresh });
      expectSuccess(resumed);
      expect(resumed.stdout).to.match(/recovered deploy DiamondCutFacet/);
      expect(deployedInRun(resumed.stdout)).to.not.include("DiamondCutFacet");
      const { contracts, record } = await checkRecordAgainstChain(fresh, "journaled", {
        set: "core",
        modules: [],
        installed: { core: "1.0.0", unmanaged: "0.0.0" },
      });
      expect(contracts.contracts.DiamondCutFacet.txHash).to.equal(sent.hash);
      expect(getAddress(contracts.contracts.DiamondCutFacet.address)).to.equal(getAddress(mined!.contractAddress!));
      const cut = record.installed.find((m) => m.id === "core")!.facets.find((f) => f.name === "DiamondCutFacet")!;
      expect(getAddress(cut.address)).to.equal(getAddress(mined!.contractAddress!));
    });

    // -------------------------------------------------------------- 7. bad input

    it("7a. refuses an unknown set", async function () {
      await expectRefused(
        () => cli(["deploy", "--set", "nope"]),
        records,
        /Unknown module set "nope"\. Known sets: core, basic, full\./,
      );
    });

    it("7b. refuses an unknown module for add", async function () {
      await expectRefused(
        () => cli(["add", "--module", "nope", "--name", "basic"], { manifest: MANIFEST_V2 }),
        records,
        /Unknown module "nope"\. Known modules: mock, other, ten\./,
      );
    });

    it("7c. refuses to upgrade an unknown deployment name", async function () {
      await expectRefused(
        () => cli(["upgrade", "--name", "nope"], { manifest: MANIFEST_V2 }),
        records,
        /No deployment "nope" on network "localhost"/,
      );
    });

    it("7d. refuses a deploy without --set", async function () {
      await expectRefused(() => cli(["deploy"]), records, /Missing --set/);
    });

    it("7e. refuses a record that belongs to another chain id", async function () {
      const other = await copyOfRecords("other-chain");
      const file = deploymentFile(other, "basic");
      const record = await readJson<DeploymentRecord>(file);
      await writeFile(file, JSON.stringify({ ...record, chainId: 1 }, null, 2) + "\n");
      await expectRefused(
        () => cli(["upgrade", "--name", "basic"], { records: other, manifest: MANIFEST_V2 }),
        other,
        /Record "basic" belongs to chain 1, but network "localhost" is chain 31337/,
      );
      // the main records were not touched either
      expect(await readRecord(records, "basic")).to.have.property("chainId", 31337);
    });

    /** A manifest giving UPGRADER_ROLE of new diamonds to account #1, not to the CLI's signer (#0). */
    async function foreignUpgraderManifest(dir: string): Promise<string> {
      const file = path.join(dir, "foreign-upgrader.manifest.mjs");
      const base = pathToFileURL(path.join(PROJECT_ROOT, MANIFEST_V1)).href;
      await writeFile(
        file,
        `import base from ${JSON.stringify(base)};\n` +
          `export default { ...base, networks: { localhost: { upgrader: ${JSON.stringify(accounts[1])} } } };\n`,
      );
      return file;
    }

    it("7f. refuses a module change by a caller lacking UPGRADER_ROLE", async function () {
      const dir = await copyOfRecords("no-role");
      const manifest = await foreignUpgraderManifest(await tempDir("manifest"));
      const deployed = await cli(["deploy", "--set", "core", "--name", "norole"], { records: dir, manifest });
      expectSuccess(deployed);
      const record = await readRecord(dir, "norole");
      const diamond = IFinanceDiamond__factory.connect(record.address, provider);
      expect(await diamond.hasRole(ROLES.UPGRADER, accounts[0])).to.equal(false);
      expect(await diamond.hasRole(ROLES.UPGRADER, accounts[1])).to.equal(true);

      await expectRefused(
        () => cli(["add", "--module", "ten", "--name", "norole"], { records: dir, manifest }),
        dir,
        new RegExp(`Account ${accounts[0]} lacks UPGRADER_ROLE on diamond ${record.address}`),
      );
    });

    it("7g. refuses up front a deploy whose module installs the signer could not schedule", async function () {
      // The manifest makes account #1 the upgrader of the new diamond; the CLI signs with
      // account #0, so the set's module install cannot be scheduled. That must be found
      // before anything is sent, not after the diamond is deployed.
      const dir = await copyOfRecords("no-role-deploy");
      const manifest = await foreignUpgraderManifest(await tempDir("manifest"));
      await expectRefused(
        () => cli(["deploy", "--set", "basic", "--name", "halfway"], { records: dir, manifest }),
        dir,
        /UPGRADER_ROLE|upgrader/,
      );
    });

    it("7h. inspect exits 1 and names the drift when the record disagrees with the chain", async function () {
      const dir = await copyOfRecords("drift");
      const file = deploymentFile(dir, "basic");
      const record = await readJson<DeploymentRecord>(file);
      record.installed = record.installed.map((m) => (m.id === "mock" ? { ...m, version: "9.9.9" } : m));
      await writeFile(file, JSON.stringify(record, null, 2) + "\n");
      const blockBefore = await head();
      const result = await cli(["inspect", "--name", "basic"], { records: dir, manifest: MANIFEST_V2 });
      expect(result.code, result.output).to.equal(1);
      expect(result.stdout).to.match(/DRIFT/);
      expect(result.stdout).to.include("module mock: 2.0.0 on chain, 9.9.9 recorded");
      expect(await head()).to.equal(blockBefore);
    });
  });
}
