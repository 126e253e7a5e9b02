// `modules inspect`: a deployment as the chain, the record and the local artifacts see
// it, with every disagreement flagged as drift.
import { IFinanceDiamond__factory } from "../../typechain-types/index.js";
import { loadContract } from "./artifacts.js";
import { codeHashOf, readModules } from "./chain.js";
import { UserError, type SuiteContext } from "./deployments.js";
import { versionString } from "./records.js";

export interface InspectReport {
  lines: string[];
  drift: string[];
}

export async function inspect(ctx: SuiteContext, name: string): Promise<InspectReport> {
  const provider = ctx.ethers.provider;
  const chainId = Number((await provider.getNetwork()).chainId);
  const record = await ctx.store.readDeployment(name);
  if (record === null) throw new UserError(`No deployment "${name}" on network "${ctx.networkName}".`);
  if (record.chainId !== chainId) {
    throw new UserError(
      `Record "${name}" belongs to chain ${record.chainId}; network "${ctx.networkName}" is ${chainId}.`,
    );
  }
  if ((await provider.getCode(record.address)) === "0x") {
    throw new UserError(`No diamond at ${record.address} on chain ${chainId}, though record "${name}" says so.`);
  }
  const diamond = IFinanceDiamond__factory.connect(record.address, provider);
  const onChain = await readModules(provider, record.address);
  const drift: string[] = [];
  const lines = [
    `Deployment "${name}" on ${ctx.networkName} (chain ${chainId}), set "${record.set}"`,
    `  diamond  ${record.address}  (deployed in block ${record.blockNumber})`,
    `  owner    ${await diamond.owner()}`,
    `  timelock delay ${await diamond.timelockDelay()} s; paused: ${await diamond.paused()}`,
  ];
  if (record.pendingOperation) {
    lines.push(`  pending operation ${record.pendingOperation.id}: ${record.pendingOperation.actions.join("; ")}`);
  }

  const recorded = new Map(record.installed.map((m) => [m.id, m]));
  for (const m of onChain) {
    const rec = recorded.get(m.id);
    const version = versionString(m.version);
    lines.push(`  module ${m.id} ${version}${rec ? "" : "  [not in the record]"}`);
    if (rec === undefined) drift.push(`module ${m.id} is on chain but not in the record`);
    else if (rec.version !== version) drift.push(`module ${m.id}: ${version} on chain, ${rec.version} recorded`);
    if (m.id !== "core" && m.id !== "unmanaged" && ctx.manifest.modules[m.id] !== undefined) {
      const wanted = versionString(ctx.manifest.modules[m.id].version);
      if (wanted !== version) drift.push(`module ${m.id}: ${version} on chain, ${wanted} in the manifest`);
    }
    for (const f of m.facets) {
      const recFacet = rec?.facets.find((x) => x.address.toLowerCase() === f.address.toLowerCase());
      const facetName = recFacet?.name ?? "unknown";
      let status = "no local artifact";
      if (facetName !== "unknown") {
        try {
          const local = await loadContract(ctx.artifacts, facetName);
          const chainHash = await codeHashOf(provider, f.address);
          status = chainHash === local.codeHash ? "matches local artifact" : "DIFFERS from local artifact";
          if (chainHash !== local.codeHash) drift.push(`${facetName} at ${f.address} differs from the local artifact`);
        } catch {
          status = "no local artifact";
        }
      }
      if (recFacet === undefined) drift.push(`facet ${f.address} of ${m.id} is not in the record`);
      else if ([...recFacet.selectors].sort().join() !== [...f.selectors].sort().join()) {
        drift.push(`${facetName} of ${m.id}: selectors on chain differ from the record`);
      }
      lines.push(
        `    ${facetName.padEnd(24)} ${f.address}  ${String(f.selectors.length).padStart(2)} selectors  ${status}`,
      );
      lines.push(`      ${f.selectors.join(" ")}`);
    }
  }
  for (const id of recorded.keys()) {
    if (!onChain.some((m) => m.id === id)) drift.push(`module ${id} is recorded but not on chain`);
  }
  lines.push(drift.length === 0 ? "  no drift" : `  DRIFT:\n${drift.map((d) => `    - ${d}`).join("\n")}`);
  return { lines, drift };
}
