// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

/// @title ERC-173 ownership with a two-step transfer.
/// @notice The owner is the diamond's sole admin (`DEFAULT_ADMIN_ROLE`): accepting
/// ownership moves that role too. The ERC-173 interface id covers `owner` and
/// `transferOwnership`; `pendingOwner` and `acceptOwnership` complete the two steps.
interface IERC173 {
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);

    /// @notice The caller is not the owner (or, on accept, not the pending owner).
    error OwnershipUnauthorizedAccount(address account);

    function owner() external view returns (address owner_);

    /// @notice Starts a transfer to `_newOwner`; zero cancels a pending transfer.
    function transferOwnership(address _newOwner) external;
}

interface IERC173TwoStep is IERC173 {
    function pendingOwner() external view returns (address);

    /// @notice Completes the transfer; callable only by the pending owner.
    function acceptOwnership() external;
}
