// ERC-2612 permits on the diamond's tokens (DiamondToken, shared by asset tokens and pool
// vaults), through an asset token: a signature approves once, on this token, on this chain.
import { expect } from "chai";
import { network } from "hardhat";
import { Signature, type TypedDataDomain } from "ethers";

import { AssetToken__factory } from "../../typechain-types/index.js";
import { assetFixture, units, type AssetFixture } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const fixture = () => assetFixture(ethers);

const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

async function domainOf(token: { getAddress(): Promise<string>; name(): Promise<string> }): Promise<TypedDataDomain> {
  const { chainId } = await ethers.provider.getNetwork();
  return { name: await token.name(), version: "1", chainId, verifyingContract: await token.getAddress() };
}

describe("asset token: ERC-2612 permit", function () {
  let f: AssetFixture;
  let deadline: number;

  beforeEach(async function () {
    f = await networkHelpers.loadFixture(fixture);
    deadline = f.now + 3_600;
    await (await f.suite.connect(f.agent).mintAsset(f.assetId, f.investorA.address, units(100))).wait();
  });

  async function signPermit(value: bigint, nonce: bigint, domain?: TypedDataDomain) {
    const message = {
      owner: f.investorA.address,
      spender: f.investorB.address,
      value,
      nonce,
      deadline,
    };
    return Signature.from(await f.investorA.signTypedData(domain ?? (await domainOf(f.token)), PERMIT_TYPES, message));
  }

  it("approves by signature: allowance, Approval event, nonce moves; DOMAIN_SEPARATOR matches EIP-712", async function () {
    const domain = await domainOf(f.token);
    expect(await f.token.DOMAIN_SEPARATOR()).to.equal(ethers.TypedDataEncoder.hashDomain(domain));
    const sig = await signPermit(units(40), 0n);
    await expect(
      f.token
        .connect(f.outsider)
        .permit(f.investorA.address, f.investorB.address, units(40), deadline, sig.v, sig.r, sig.s),
    )
      .to.emit(f.token, "Approval")
      .withArgs(f.investorA.address, f.investorB.address, units(40));
    expect(await f.token.allowance(f.investorA.address, f.investorB.address)).to.equal(units(40));
    expect(await f.token.nonces(f.investorA.address)).to.equal(1n);
    // The allowance is an ordinary one: the spender moves the tokens, compliance applies.
    await (await f.token.connect(f.investorB).transferFrom(f.investorA.address, f.investorB.address, units(40))).wait();
    expect(await f.token.balanceOf(f.investorB.address)).to.equal(units(40));
  });

  it("refuses a replayed permit with DiamondTokenPermitInvalidSigner (the nonce moved on); nothing changes", async function () {
    const sig = await signPermit(units(40), 0n);
    const args = [f.investorA.address, f.investorB.address, units(40), deadline, sig.v, sig.r, sig.s] as const;
    await (await f.token.permit(...args)).wait();
    await (await f.token.connect(f.investorB).transferFrom(f.investorA.address, f.investorB.address, units(40))).wait();
    // Checked against nonce 1 now, the signature recovers to some other address.
    const recovered = ethers.verifyTypedData(
      await domainOf(f.token),
      PERMIT_TYPES,
      { owner: f.investorA.address, spender: f.investorB.address, value: units(40), nonce: 1n, deadline },
      sig,
    );
    await expect(f.token.permit(...args))
      .to.be.revertedWithCustomError(f.token, "DiamondTokenPermitInvalidSigner")
      .withArgs(recovered, f.investorA.address);
    expect(await f.token.allowance(f.investorA.address, f.investorB.address)).to.equal(0n);
    expect(await f.token.nonces(f.investorA.address)).to.equal(1n);
  });

  it("refuses a permit signed for another token (its own domain) and one signed by someone else", async function () {
    const [, otherTokenAddress] = await f.suite.connect(f.issuer).createAsset.staticCall(f.params);
    await (await f.suite.connect(f.issuer).createAsset(f.params)).wait();
    const other = AssetToken__factory.connect(otherTokenAddress, f.investorA);
    // Same name, other address: the signature is for `other`, not for `f.token`.
    const sig = await signPermit(units(5), 0n, await domainOf(other));
    const recovered = ethers.verifyTypedData(
      await domainOf(f.token),
      PERMIT_TYPES,
      { owner: f.investorA.address, spender: f.investorB.address, value: units(5), nonce: 0n, deadline },
      sig,
    );
    await expect(f.token.permit(f.investorA.address, f.investorB.address, units(5), deadline, sig.v, sig.r, sig.s))
      .to.be.revertedWithCustomError(f.token, "DiamondTokenPermitInvalidSigner")
      .withArgs(recovered, f.investorA.address);
    // On its own token it works.
    await (
      await other.permit(f.investorA.address, f.investorB.address, units(5), deadline, sig.v, sig.r, sig.s)
    ).wait();
    expect(await other.allowance(f.investorA.address, f.investorB.address)).to.equal(units(5));

    const bySomeoneElse = Signature.from(
      await f.investorB.signTypedData(await domainOf(f.token), PERMIT_TYPES, {
        owner: f.investorA.address,
        spender: f.investorB.address,
        value: units(5),
        nonce: 0n,
        deadline,
      }),
    );
    await expect(
      f.token.permit(
        f.investorA.address,
        f.investorB.address,
        units(5),
        deadline,
        bySomeoneElse.v,
        bySomeoneElse.r,
        bySomeoneElse.s,
      ),
    )
      .to.be.revertedWithCustomError(f.token, "DiamondTokenPermitInvalidSigner")
      .withArgs(f.investorB.address, f.investorA.address);
  });

  it("refuses an expired permit with DiamondTokenPermitExpired(deadline)", async function () {
    const sig = await signPermit(units(1), 0n);
    await networkHelpers.time.increaseTo(deadline + 1);
    await expect(f.token.permit(f.investorA.address, f.investorB.address, units(1), deadline, sig.v, sig.r, sig.s))
      .to.be.revertedWithCustomError(f.token, "DiamondTokenPermitExpired")
      .withArgs(deadline);
    expect(await f.token.nonces(f.investorA.address)).to.equal(0n);
  });

  it("refuses a permit for the zero spender with ERC20InvalidSpender", async function () {
    const { chainId } = await ethers.provider.getNetwork();
    const domain = { name: await f.token.name(), version: "1", chainId, verifyingContract: await f.token.getAddress() };
    const message = { owner: f.investorA.address, spender: ethers.ZeroAddress, value: 1n, nonce: 0n, deadline };
    const sig = Signature.from(await f.investorA.signTypedData(domain, PERMIT_TYPES, message));
    await expect(f.token.permit(f.investorA.address, ethers.ZeroAddress, 1n, deadline, sig.v, sig.r, sig.s))
      .to.be.revertedWithCustomError(f.token, "ERC20InvalidSpender")
      .withArgs(ethers.ZeroAddress);
    expect(await f.token.nonces(f.investorA.address)).to.equal(0n);
  });

  it("an allowance from a permit survives a freeze of the owner, and is refused while frozen", async function () {
    const sig = await signPermit(units(10), 0n);
    await (
      await f.token.permit(f.investorA.address, f.investorB.address, units(10), deadline, sig.v, sig.r, sig.s)
    ).wait();
    await (await f.suite.connect(f.agent).setAssetWalletFrozen(f.assetId, f.investorA.address, true)).wait();
    await expect(f.token.connect(f.investorB).transferFrom(f.investorA.address, f.investorB.address, units(10)))
      .to.be.revertedWithCustomError(f.suite, "AssetTransferRestricted")
      .withArgs(f.assetId, 4, f.investorA.address);
    expect(await f.token.allowance(f.investorA.address, f.investorB.address)).to.equal(units(10));
    await (await f.suite.connect(f.agent).setAssetWalletFrozen(f.assetId, f.investorA.address, false)).wait();
    await (await f.token.connect(f.investorB).transferFrom(f.investorA.address, f.investorB.address, units(10))).wait();
    expect(await f.token.allowance(f.investorA.address, f.investorB.address)).to.equal(0n);
  });
});
