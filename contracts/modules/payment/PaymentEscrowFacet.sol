// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {LibCredit} from "../../shared/credit/LibCredit.sol";
import {IPayment} from "./IPayment.sol";
import {IPaymentEscrow} from "./IPaymentEscrow.sol";
import {LibPayment} from "./LibPayment.sol";
import {PaymentStorage} from "./PaymentStorage.sol";

/// @title Escrow facet of the payment module: checks → storage writes → event → transfer.
contract PaymentEscrowFacet is IPaymentEscrow, ReentrancyGuardTransient {
    /// @inheritdoc IPaymentEscrow
    function createEscrow(
        bytes32 channel,
        address token,
        address payee,
        uint256 amount,
        uint64 deadline,
        address arbiter,
        bytes32 paymentRef
    ) external payable nonReentrant returns (bytes32 id, EscrowTerms memory terms) {
        if (payee == address(0) || payee == address(this)) revert IPayment.PaymentZeroPayee();
        if (payee == msg.sender) revert IPayment.PaymentPayeeIsPayer(payee);
        if (amount == 0) revert IPayment.PaymentZeroAmount();
        if (deadline <= block.timestamp) revert PaymentEscrowDeadlineInPast(deadline);
        if (arbiter != address(0) && (arbiter == msg.sender || arbiter == payee)) {
            revert PaymentEscrowArbiterIsParty(arbiter);
        }
        bool native = token == LibPayment.NATIVE;
        if (native && msg.value != amount) revert IPayment.PaymentWrongValue(amount, msg.value);
        if (!native && msg.value != 0) revert IPayment.PaymentUnexpectedValue(msg.value);
        // Escrows count against the rail's limits but carry no fee: the rail's fee is ignored.
        LibPayment.useRail(channel, token, amount);

        PaymentStorage.Layout storage $ = PaymentStorage.layout();
        terms = EscrowTerms(msg.sender, payee, arbiter, token, amount, deadline, $.escrowNonce++);
        id = keccak256(abi.encode(terms));
        $.escrowStatus[id] = EscrowStatus.Funded;
        $.escrowed[token] += amount;
        emit EscrowCreated(id, paymentRef, channel, terms);
        if (!native) LibPayment.pull(IERC20(token), msg.sender, amount);
    }

    /// @inheritdoc IPaymentEscrow
    function releaseEscrow(EscrowTerms calldata terms) external nonReentrant {
        bytes32 id = _open(terms, terms.payer, EscrowStatus.Funded, EscrowStatus.Released);
        emit EscrowReleased(id);
        LibCredit.payOrCredit(LibPayment.MODULE_ID, terms.token, terms.payee, terms.amount);
    }

    /// @inheritdoc IPaymentEscrow
    function refundEscrow(EscrowTerms calldata terms) external nonReentrant {
        bytes32 id = escrowId(terms);
        EscrowStatus status = _status(id);
        if (msg.sender != terms.payee) revert PaymentEscrowUnauthorized(id, msg.sender, terms.payee);
        if (status != EscrowStatus.Funded && status != EscrowStatus.Disputed) {
            revert PaymentEscrowWrongStatus(id, status);
        }
        _close(id, terms, EscrowStatus.Refunded);
        emit EscrowRefunded(id);
        LibCredit.payOrCredit(LibPayment.MODULE_ID, terms.token, terms.payer, terms.amount);
    }

    /// @inheritdoc IPaymentEscrow
    function reclaimEscrow(EscrowTerms calldata terms) external nonReentrant {
        if (block.timestamp <= terms.deadline) revert PaymentEscrowNotExpired(escrowId(terms), terms.deadline);
        bytes32 id = _open(terms, terms.payer, EscrowStatus.Funded, EscrowStatus.Reclaimed);
        emit EscrowReclaimed(id);
        LibCredit.payOrCredit(LibPayment.MODULE_ID, terms.token, terms.payer, terms.amount);
    }

    /// @inheritdoc IPaymentEscrow
    function disputeEscrow(EscrowTerms calldata terms) external {
        bytes32 id = escrowId(terms);
        EscrowStatus status = _status(id);
        if (msg.sender != terms.payer && msg.sender != terms.payee) revert PaymentEscrowNotParty(id, msg.sender);
        if (terms.arbiter == address(0)) revert PaymentEscrowNoArbiter(id);
        if (status != EscrowStatus.Funded) revert PaymentEscrowWrongStatus(id, status);
        PaymentStorage.layout().escrowStatus[id] = EscrowStatus.Disputed;
        emit EscrowDisputed(id, msg.sender);
    }

    /// @inheritdoc IPaymentEscrow
    function resolveEscrow(EscrowTerms calldata terms, uint256 toPayee) external nonReentrant {
        bytes32 id = _open(terms, terms.arbiter, EscrowStatus.Disputed, EscrowStatus.Resolved);
        if (toPayee > terms.amount) revert PaymentEscrowSplitTooLarge(id, toPayee, terms.amount);
        uint256 toPayer = terms.amount - toPayee;
        emit EscrowResolved(id, toPayee, toPayer);
        // Both parties are paid in this call (zero amounts are skipped); a party that refuses
        // its transfer is credited instead and never blocks the other. (Two parties that burn
        // all the gas they get need a gas limit of about 7M: see LibCredit.sendNative.)
        LibCredit.payOrCredit(LibPayment.MODULE_ID, terms.token, terms.payee, toPayee);
        // solhint-disable-next-line multiple-sends
        LibCredit.payOrCredit(LibPayment.MODULE_ID, terms.token, terms.payer, toPayer);
    }

    /// @inheritdoc IPaymentEscrow
    function escrowStatus(bytes32 id) external view returns (EscrowStatus) {
        return PaymentStorage.layout().escrowStatus[id];
    }

    /// @inheritdoc IPaymentEscrow
    function escrowId(EscrowTerms calldata terms) public pure returns (bytes32) {
        return keccak256(abi.encode(terms));
    }

    /// @inheritdoc IPaymentEscrow
    function escrowedAmount(address token) external view returns (uint256) {
        return PaymentStorage.layout().escrowed[token];
    }

    /// @dev Checks caller and status, then closes the escrow with status `to`.
    function _open(
        EscrowTerms calldata terms,
        address allowed,
        EscrowStatus from,
        EscrowStatus to
    ) private returns (bytes32 id) {
        id = escrowId(terms);
        EscrowStatus status = _status(id);
        if (msg.sender != allowed) revert PaymentEscrowUnauthorized(id, msg.sender, allowed);
        if (status != from) revert PaymentEscrowWrongStatus(id, status);
        _close(id, terms, to);
    }

    function _close(bytes32 id, EscrowTerms calldata terms, EscrowStatus to) private {
        PaymentStorage.Layout storage $ = PaymentStorage.layout();
        $.escrowStatus[id] = to;
        $.escrowed[terms.token] -= terms.amount;
    }

    function _status(bytes32 id) private view returns (EscrowStatus status) {
        status = PaymentStorage.layout().escrowStatus[id];
        if (status == EscrowStatus.None) revert PaymentEscrowUnknown(id);
    }
}
