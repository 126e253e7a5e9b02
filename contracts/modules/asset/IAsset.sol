// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IAssetTypes} from "./IAssetTypes.sol";

/// @title Asset module: permissioned ERC-20 fractions, their compliance rules and agent powers.
/// @notice Issuers (`finsuite.role.asset-issuer`) create assets and manage their own;
/// agents (`finsuite.role.asset-agent`) mint, burn, freeze, force transfers and pause.
/// Holders use the asset's token (a normal ERC-20 at its own address); the `assetToken*`
/// functions are the token's calls into the diamond's books and refuse any other caller.
interface IAsset is IAssetTypes {
    // ---------------------------------------------------------------- issuer

    /// @notice Creates an asset and its token (an EIP-1167 clone). Issuer role.
    function createAsset(AssetParams calldata params) external returns (uint256 assetId, address token);

    /// @notice Replaces the asset's compliance rules. Its issuer only. Holdings that the new
    /// rules would refuse stay; they only limit what moves next.
    function setAssetRules(uint256 assetId, AssetRules calldata rules) external;

    /// @notice Replaces the offering document's hash and URI. Its issuer only.
    function setAssetDocument(uint256 assetId, bytes32 documentHash, string calldata documentUri) external;

    // ---------------------------------------------------------------- agent

    /// @notice Mints to an eligible wallet (every receiver rule applies, and the cap). Agent role.
    function mintAsset(uint256 assetId, address to, uint256 amount) external;

    /// @notice Burns from any wallet; frozen tokens are burnt last, and the frozen amount
    /// drops to what is left. Agent role.
    function burnAsset(uint256 assetId, address from, uint256 amount) external;

    /// @notice Moves tokens without the sender's consent (a court order, a lost key): the
    /// sender need not be verified and its frozen and locked tokens may move (the frozen
    /// amount drops to what is left), but the receiver must be eligible. `from == to` is
    /// refused, so it can never unfreeze anything. Agent role.
    function forcedAssetTransfer(uint256 assetId, address from, address to, uint256 amount) external;

    /// @notice Freezes or unfreezes a whole wallet for this asset. Agent role.
    function setAssetWalletFrozen(uint256 assetId, address wallet, bool frozen) external;

    /// @notice Sets the frozen part of a wallet's balance (ERC-7943: overwrites; may exceed
    /// the balance). Agent role.
    function setAssetFrozenTokens(uint256 assetId, address wallet, uint256 amount) external;

    /// @notice Pauses or resumes the asset's transfers (agent mints and forced transfers still
    /// run). Agent role.
    function setAssetPaused(uint256 assetId, bool paused) external;

    // ---------------------------------------------------------------- the token's calls

    /// @notice The token's transfer and transferFrom: checks compliance and moves the books.
    function assetTokenTransfer(uint256 assetId, address spender, address from, address to, uint256 amount) external;

    /// @notice The token's ERC-7943 `forcedTransfer`, on behalf of `agent` (who must hold the role).
    function assetTokenForcedTransfer(
        uint256 assetId,
        address agent,
        address from,
        address to,
        uint256 amount
    ) external;

    /// @notice The token's ERC-7943 `setFrozenTokens`, on behalf of `agent`.
    function assetTokenSetFrozen(uint256 assetId, address agent, address wallet, uint256 amount) external;

    // ---------------------------------------------------------------- recovery

    /// @notice The identity module's recovery hook: moves `lost`'s holdings of every asset
    /// (balance, frozen amount, lock, wallet freeze) to `replacement`. Refused outside
    /// `recoverIdentityWallet`.
    function assetRecoverWallet(address lost, address replacement) external;
}
