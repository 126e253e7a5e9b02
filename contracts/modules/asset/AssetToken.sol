// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {DiamondToken} from "../../tokens/DiamondToken.sol";
import {IAsset} from "./IAsset.sol";
import {IAssetViews} from "./IAssetViews.sol";
import {IAssetTypes} from "./IAssetTypes.sol";

/// @title ERC-1404: a token that says why a transfer would be refused.
interface IERC1404 {
    function detectTransferRestriction(address from, address to, uint256 value) external view returns (uint8);

    function messageForTransferRestriction(uint8 restrictionCode) external view returns (string memory);
}

/// @title ERC-7943 (uRWA) for ERC-20 tokens: the parts an asset token serves.
interface IERC7943Fungible is IERC165 {
    event ForcedTransfer(address indexed from, address indexed to, uint256 amount);
    event Frozen(address indexed account, uint256 amount);

    function forcedTransfer(address from, address to, uint256 amount) external returns (bool);

    function setFrozenTokens(address account, uint256 amount) external returns (bool);

    function canSend(address account) external view returns (bool);

    function canReceive(address account) external view returns (bool);

    function getFrozenTokens(address account) external view returns (uint256);

    function canTransfer(address from, address to, uint256 amount) external view returns (bool);
}

/// @title A tokenized asset's permissioned ERC-20: a clone per asset, books in the diamond.
/// @notice Every transfer is checked by the diamond's asset module (identity, freezes,
/// jurisdictions, classes, holders, lock-up, pause) and refused with
/// `AssetTransferRestricted(assetId, reason, account)`; `detectTransferRestriction`
/// (ERC-1404) and `canTransfer` (ERC-7943) give the same reason before sending. Agents may
/// also call ERC-7943's `forcedTransfer` and `setFrozenTokens` here; the diamond checks
/// their role.
contract AssetToken is DiamondToken, IERC1404, IERC7943Fungible {
    // ---------------------------------------------------------------- books in the diamond

    function _hostBalanceOf(address account) internal view override returns (uint256) {
        return IAssetViews(diamond()).assetBalanceOf(key(), account);
    }

    function _hostTotalSupply() internal view override returns (uint256) {
        return IAssetViews(diamond()).assetTotalSupply(key());
    }

    function _hostTransfer(address spender, address from, address to, uint256 amount) internal override {
        (address host, uint256 assetId) = _diamondAndKey();
        IAsset(host).assetTokenTransfer(assetId, spender, from, to, amount);
    }

    // ---------------------------------------------------------------- ERC-1404

    /// @notice The `IAssetTypes.Restriction` code a transfer by `from` would be refused with; 0: none.
    function detectTransferRestriction(address from, address to, uint256 value) external view returns (uint8) {
        return uint8(IAssetViews(diamond()).assetTransferRestriction(key(), from, from, to, value));
    }

    function messageForTransferRestriction(uint8 restrictionCode) external view returns (string memory) {
        if (restrictionCode > uint8(type(IAssetTypes.Restriction).max)) return "Unknown restriction code";
        return IAssetViews(diamond()).assetRestrictionMessage(IAssetTypes.Restriction(restrictionCode));
    }

    // ---------------------------------------------------------------- ERC-7943

    function forcedTransfer(address from, address to, uint256 amount) external returns (bool) {
        IAsset(diamond()).assetTokenForcedTransfer(key(), msg.sender, from, to, amount);
        return true;
    }

    function setFrozenTokens(address account, uint256 amount) external returns (bool) {
        IAsset(diamond()).assetTokenSetFrozen(key(), msg.sender, account, amount);
        return true;
    }

    function canSend(address account) external view returns (bool) {
        return IAssetViews(diamond()).assetCanSend(key(), account);
    }

    function canReceive(address account) external view returns (bool) {
        return IAssetViews(diamond()).assetCanReceive(key(), account);
    }

    function getFrozenTokens(address account) external view returns (uint256) {
        return IAssetViews(diamond()).assetHolding(key(), account).frozen;
    }

    function canTransfer(address from, address to, uint256 amount) external view returns (bool) {
        return
            IAssetViews(diamond()).assetTransferRestriction(key(), from, from, to, amount) ==
            IAssetTypes.Restriction.Success;
    }

    /// @notice Emits ERC-7943's `ForcedTransfer` for a forced transfer the diamond booked.
    function emitForcedTransfer(address from, address to, uint256 amount) external {
        _onlyDiamond();
        emit ForcedTransfer(from, to, amount);
    }

    /// @notice Emits ERC-7943's `Frozen` for a frozen amount the diamond set.
    function emitFrozen(address account, uint256 amount) external {
        _onlyDiamond();
        emit Frozen(account, amount);
    }

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return
            interfaceId == type(IERC7943Fungible).interfaceId ||
            interfaceId == type(IERC1404).interfaceId ||
            interfaceId == type(IERC20).interfaceId ||
            interfaceId == type(IERC165).interfaceId;
    }
}
