// Helpers for integrators of the payment module.
import { AbiCoder, Signature, id, keccak256, type Signer } from "ethers";

/** The role that sets rails, fees, price feeds and the treasury (`PaymentStorage.PAYMENT_ADMIN_ROLE`). */
export const PAYMENT_ADMIN_ROLE = id("finsuite.role.payment-admin");

/** `IPaymentEscrow.EscrowTerms` with concrete values. */
export interface EscrowTerms {
  payer: string;
  payee: string;
  arbiter: string;
  token: string;
  amount: bigint;
  deadline: bigint;
  nonce: bigint;
}

const TERMS_TUPLE =
  "tuple(address payer,address payee,address arbiter,address token,uint256 amount,uint64 deadline,uint64 nonce)";

/**
 * The plain struct every escrow transition takes, from the (read-only) terms that
 * `createEscrow` returns or `EscrowCreated` carries.
 */
export function escrowTerms(t: EscrowTerms): EscrowTerms {
  return {
    payer: t.payer,
    payee: t.payee,
    arbiter: t.arbiter,
    token: t.token,
    amount: t.amount,
    deadline: t.deadline,
    nonce: t.nonce,
  };
}

/** An escrow's id computed off-chain: keccak256(abi.encode(terms)), as `escrowId` does. */
export function escrowIdOf(t: EscrowTerms): string {
  const values = [t.payer, t.payee, t.arbiter, t.token, t.amount, t.deadline, t.nonce];
  return keccak256(AbiCoder.defaultAbiCoder().encode([TERMS_TUPLE], [values]));
}

/** What `signPermit` needs of an EIP-2612 token (any TypeChain ERC20Permit fits). */
export interface PermitToken {
  name(): Promise<string>;
  nonces(owner: string): Promise<bigint>;
  getAddress(): Promise<string>;
}

/**
 * An EIP-2612 permit by `owner` for `spender` to move `value` until `deadline`, for
 * `payWithPermit`; pass another `signer` to produce a permit `owner` did not sign.
 */
export async function signPermit(
  token: PermitToken,
  owner: Signer,
  spender: string,
  value: bigint,
  deadline: bigint,
  signer: Signer = owner,
): Promise<Signature> {
  const { chainId } = await signer.provider!.getNetwork();
  const ownerAddress = await owner.getAddress();
  const domain = { name: await token.name(), version: "1", chainId, verifyingContract: await token.getAddress() };
  const types = {
    Permit: [
      { name: "owner", type: "address" },
      { name: "spender", type: "address" },
      { name: "value", type: "uint256" },
      { name: "nonce", type: "uint256" },
      { name: "deadline", type: "uint256" },
    ],
  };
  const message = { owner: ownerAddress, spender, value, nonce: await token.nonces(ownerAddress), deadline };
  return Signature.from(await signer.signTypedData(domain, types, message));
}
