// Helpers for integrators of the payment module.
import type { IPaymentEscrow } from "../../typechain-types/index.js";

/**
 * The plain struct every escrow transition takes, from the (read-only) terms that
 * `createEscrow` returns or `EscrowCreated` carries.
 */
export function escrowTerms(t: IPaymentEscrow.EscrowTermsStructOutput): IPaymentEscrow.EscrowTermsStruct {
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
