// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ModuleId} from "../../types/ModuleTypes.sol";

/// @title Credits: the diamond's one book of payouts their recipients refused.
/// @notice A module that pays someone (an escrow release, a refund, a claim payout) never
/// lets a recipient that refuses the transfer (a reverting receiver, an address the token
/// blocks, a paused token) block the transition or the batch that pays it: the amount is
/// credited here instead, and the recipient claims it later, to any address, with
/// `claimCredit`. One book and one claim function for every module of the diamond.
/// Token zero is the chain's native currency.
interface ICredit {
    /// @notice `moduleId` credited `amount` of `token` to `account`, who refused it.
    event Credited(address indexed token, address indexed account, ModuleId indexed moduleId, uint256 amount);
    /// @notice `account` claimed its whole credit in `token`, sent to `to`.
    event CreditClaimed(address indexed token, address indexed account, address to, uint256 amount);

    /// @notice `account` has no credit in `token`.
    error CreditNone(address token, address account);
    /// @notice A credit cannot be claimed to the zero address or the diamond.
    error CreditRecipientInvalid(address to);
    /// @notice The native currency could not be sent to `to`: claim to another address.
    error CreditNativeTransferFailed(address to, uint256 amount);

    /// @notice Sends the caller's whole credit in `token` (zero: native) to `to`.
    function claimCredit(address token, address to) external;

    /// @notice What `account` may claim in `token` with `claimCredit`.
    function creditOf(address token, address account) external view returns (uint256);

    /// @notice The credits of all accounts in `token`, which the diamond holds for them.
    function totalCredits(address token) external view returns (uint256);
}
