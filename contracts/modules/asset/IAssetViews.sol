// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IAssetTypes} from "./IAssetTypes.sol";

/// @title Asset module: views of assets, holdings, restrictions and books.
interface IAssetViews is IAssetTypes {
    function assetCount() external view returns (uint256);

    function getAsset(uint256 assetId) external view returns (AssetView memory);

    function assetBalanceOf(uint256 assetId, address wallet) external view returns (uint256);

    function assetTotalSupply(uint256 assetId) external view returns (uint256);

    function assetHolding(uint256 assetId, address wallet) external view returns (HoldingView memory);

    /// @notice What `identityId`'s wallets hold together (kept when the asset has a
    /// per-identity limit; otherwise the sum over its wallets now).
    function assetIdentityBalance(uint256 assetId, bytes32 identityId) external view returns (uint256);

    /// @notice The ERC-1404 code a transfer of `amount` from `from` to `to` by `spender`
    /// would be refused with (`Success` when it would pass). `spender == from` for a transfer.
    function assetTransferRestriction(
        uint256 assetId,
        address spender,
        address from,
        address to,
        uint256 amount
    ) external view returns (Restriction);

    /// @notice Whether `wallet` may receive the asset now (ERC-7943 `canReceive`).
    function assetCanReceive(uint256 assetId, address wallet) external view returns (bool);

    /// @notice Whether `wallet` may send the asset now (ERC-7943 `canSend`).
    function assetCanSend(uint256 assetId, address wallet) external view returns (bool);

    /// @notice `wallet`'s balance of `assetId` at snapshot `snapshotId` (a distribution's
    /// record time). The current balance for the current snapshot id.
    function assetBalanceAt(uint256 assetId, address wallet, uint32 snapshotId) external view returns (uint256);

    /// @notice What the module holds of payment token `token`: open subscriptions and
    /// proceeds due, unclaimed distributions, redemption funds (the solvency books).
    function assetBooks(address token) external view returns (uint256);

    /// @notice The ERC-1404 message for a code.
    function assetRestrictionMessage(Restriction reason) external pure returns (string memory);
}
