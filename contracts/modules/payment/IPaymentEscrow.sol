// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

/// @title Payment module: escrow with an optional arbiter.
/// @notice The payer funds an escrow for a payee, over a rail, with a deadline and an
/// optional arbiter. The payer releases it to the payee; the payee can refund it; after
/// the deadline the payer can reclaim it; either party can open a dispute, which freezes
/// release and reclaim until the arbiter resolves it with any split (the payee may still
/// refund, giving up its claim). Each transition happens once. The diamond keeps only
/// a 32-byte id and a status per escrow: the terms travel in calldata (every function takes
/// the `EscrowTerms` emitted by {EscrowCreated}) and the id is their hash. A party that
/// refuses its payout (a contract without `receive`, an address the token blocks) is
/// credited instead in the diamond's credit book ({ICredit-Credited}, module id `payment`)
/// and claims it later, to any address, with {ICredit-claimCredit}: a refusal never blocks
/// a transition. Escrows count against the
/// rail's limits but carry no fee.
interface IPaymentEscrow {
    enum EscrowStatus {
        None,
        Funded,
        Disputed,
        Released,
        Refunded,
        Reclaimed,
        Resolved
    }

    struct EscrowTerms {
        address payer;
        address payee;
        address arbiter;
        address token;
        uint256 amount;
        uint64 deadline;
        uint64 nonce;
    }

    event EscrowCreated(bytes32 indexed id, bytes32 indexed paymentRef, bytes32 channel, EscrowTerms terms);
    event EscrowReleased(bytes32 indexed id);
    event EscrowRefunded(bytes32 indexed id);
    event EscrowReclaimed(bytes32 indexed id);
    event EscrowDisputed(bytes32 indexed id, address indexed by);
    event EscrowResolved(bytes32 indexed id, uint256 toPayee, uint256 toPayer);

    /// @notice No escrow with these terms exists.
    error PaymentEscrowUnknown(bytes32 id);
    /// @notice The escrow is not in a status that allows this transition.
    error PaymentEscrowWrongStatus(bytes32 id, EscrowStatus status);
    /// @notice Only `expected` (the payer, payee or arbiter) may do this.
    error PaymentEscrowUnauthorized(bytes32 id, address caller, address expected);
    /// @notice Only the payer or the payee may open a dispute.
    error PaymentEscrowNotParty(bytes32 id, address caller);
    error PaymentEscrowNotExpired(bytes32 id, uint64 deadline);
    error PaymentEscrowNoArbiter(bytes32 id);
    error PaymentEscrowDeadlineInPast(uint64 deadline);
    error PaymentEscrowSplitTooLarge(bytes32 id, uint256 toPayee, uint256 amount);
    /// @notice The arbiter cannot be the payer or the payee.
    error PaymentEscrowArbiterIsParty(address arbiter);

    /// @notice Funds an escrow (native: `msg.value` = amount). Returns its id and terms.
    function createEscrow(
        bytes32 channel,
        address token,
        address payee,
        uint256 amount,
        uint64 deadline,
        address arbiter,
        bytes32 paymentRef
    ) external payable returns (bytes32 id, EscrowTerms memory terms);

    /// @notice Payer: pays the escrow to the payee.
    function releaseEscrow(EscrowTerms calldata terms) external;

    /// @notice Payee: returns the escrow to the payer, also while it is disputed.
    function refundEscrow(EscrowTerms calldata terms) external;

    /// @notice Payer, after the deadline: takes the escrow back.
    function reclaimEscrow(EscrowTerms calldata terms) external;

    /// @notice Payer or payee: freezes release and reclaim until the arbiter resolves it.
    function disputeEscrow(EscrowTerms calldata terms) external;

    /// @notice Arbiter: pays `toPayee` to the payee and the rest to the payer.
    function resolveEscrow(EscrowTerms calldata terms, uint256 toPayee) external;

    function escrowStatus(bytes32 id) external view returns (EscrowStatus);

    function escrowId(EscrowTerms calldata terms) external pure returns (bytes32);

    /// @notice Total held in open (funded or disputed) escrows of `token`.
    function escrowedAmount(address token) external view returns (uint256);
}
