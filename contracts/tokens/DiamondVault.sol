// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {DiamondToken} from "./DiamondToken.sol";
import {LibShares} from "./LibShares.sol";

/// @title An ERC-4626 vault at its own address whose books live in the diamond.
/// @notice A `DiamondToken` whose shares are claims on assets the diamond holds. Depositing
/// or withdrawing here or through the diamond is the same operation: the module books it
/// and both paths emit the same `Transfer` and `Deposit`/`Withdraw` events from here.
/// Share math is `LibShares` (virtual shares: the first depositor cannot be robbed); the
/// diamond and the vault's previews use the same totals.
/// @dev Clone arguments as `DiamondToken`, with the asset and the share decimals (the
/// asset's plus `LibShares.DECIMALS_OFFSET`).
abstract contract DiamondVault is DiamondToken, IERC4626 {
    using SafeERC20 for IERC20;

    /// @notice The asset delivered less than was asked (fee-on-transfer tokens are refused).
    error DiamondVaultAssetShortfall(uint256 expected, uint256 received);

    // ---------------------------------------------------------------- what the host provides

    /// @dev Total assets owed to shareholders (interest accrued up to now), total shares,
    /// how much may still be deposited, and how much may be withdrawn now (cash).
    function _hostTotals()
        internal
        view
        virtual
        returns (uint256 totalAssets_, uint256 totalShares, uint256 depositRoom, uint256 cash);

    /// @dev Books a deposit of `assets` (or of the assets `shares` cost, when `assets` is
    /// zero); the vault then emits the events and pulls the assets into the diamond.
    function _hostDeposit(
        address caller,
        address receiver,
        uint256 assets,
        uint256 shares
    ) internal virtual returns (uint256 assetsIn, uint256 sharesOut);

    /// @dev Books a withdrawal of `assets` (or of what `shares` are worth, when `assets` is
    /// zero) from `owner` and sends the assets to `receiver`.
    function _hostWithdraw(
        address caller,
        address receiver,
        address owner,
        uint256 assets,
        uint256 shares
    ) internal virtual returns (uint256 assetsOut, uint256 sharesIn);

    function _hostTotalSupply() internal view override returns (uint256 shares) {
        (, shares, , ) = _hostTotals();
    }

    // ---------------------------------------------------------------- ERC-4626 views

    /// @inheritdoc IERC4626
    function asset() public view returns (address a) {
        (, a, , , , ) = _args();
    }

    /// @inheritdoc IERC4626
    function totalAssets() public view returns (uint256 assets) {
        (assets, , , ) = _hostTotals();
    }

    /// @inheritdoc IERC4626
    function convertToShares(uint256 assets) public view returns (uint256) {
        return _toShares(assets, Math.Rounding.Floor);
    }

    /// @inheritdoc IERC4626
    function convertToAssets(uint256 shares) public view returns (uint256) {
        return _toAssets(shares, Math.Rounding.Floor);
    }

    /// @inheritdoc IERC4626
    /// @dev Zero when the room buys no share: hosts refuse a deposit that mints none.
    function maxDeposit(address) public view returns (uint256) {
        (uint256 assets, uint256 shares, uint256 room, ) = _hostTotals();
        if (room == type(uint256).max || LibShares.toShares(room, assets, shares, Math.Rounding.Floor) != 0) {
            return room;
        }
        return 0;
    }

    /// @inheritdoc IERC4626
    function maxMint(address) public view returns (uint256) {
        (uint256 assets, uint256 shares, uint256 room, ) = _hostTotals();
        if (room == type(uint256).max) return room;
        return LibShares.toShares(room, assets, shares, Math.Rounding.Floor);
    }

    /// @inheritdoc IERC4626
    function maxWithdraw(address owner) public view returns (uint256) {
        (uint256 assets, uint256 shares, , uint256 cash) = _hostTotals();
        return Math.min(LibShares.toAssets(balanceOf(owner), assets, shares, Math.Rounding.Floor), cash);
    }

    /// @inheritdoc IERC4626
    /// @dev Zero when the shares redeem for no asset: hosts refuse a redemption that pays none.
    function maxRedeem(address owner) public view returns (uint256 max) {
        (uint256 assets, uint256 shares, , uint256 cash) = _hostTotals();
        max = Math.min(balanceOf(owner), LibShares.toShares(cash, assets, shares, Math.Rounding.Floor));
        if (LibShares.toAssets(max, assets, shares, Math.Rounding.Floor) == 0) max = 0;
    }

    /// @inheritdoc IERC4626
    function previewDeposit(uint256 assets) public view returns (uint256) {
        return _toShares(assets, Math.Rounding.Floor);
    }

    /// @inheritdoc IERC4626
    function previewMint(uint256 shares) public view returns (uint256) {
        return _toAssets(shares, Math.Rounding.Ceil);
    }

    /// @inheritdoc IERC4626
    function previewWithdraw(uint256 assets) public view returns (uint256) {
        return _toShares(assets, Math.Rounding.Ceil);
    }

    /// @inheritdoc IERC4626
    function previewRedeem(uint256 shares) public view returns (uint256) {
        return _toAssets(shares, Math.Rounding.Floor);
    }

    // ---------------------------------------------------------------- ERC-4626 actions

    /// @inheritdoc IERC4626
    function deposit(uint256 assets, address receiver) external returns (uint256 shares) {
        (, shares) = _deposit(receiver, assets, 0);
    }

    /// @inheritdoc IERC4626
    function mint(uint256 shares, address receiver) external returns (uint256 assets) {
        (assets, ) = _deposit(receiver, 0, shares);
    }

    /// @inheritdoc IERC4626
    function withdraw(uint256 assets, address receiver, address owner) external returns (uint256 shares) {
        if (msg.sender != owner) _spendAllowance(owner, msg.sender, previewWithdraw(assets));
        uint256 assetsOut;
        (assetsOut, shares) = _hostWithdraw(msg.sender, receiver, owner, assets, 0);
        _emitWithdraw(msg.sender, receiver, owner, assetsOut, shares);
    }

    /// @inheritdoc IERC4626
    function redeem(uint256 shares, address receiver, address owner) external returns (uint256 assets) {
        if (msg.sender != owner) _spendAllowance(owner, msg.sender, shares);
        (assets, ) = _hostWithdraw(msg.sender, receiver, owner, 0, shares);
        _emitWithdraw(msg.sender, receiver, owner, assets, shares);
    }

    // ---------------------------------------------------------------- called by the diamond

    /// @notice Emits the events of a deposit the diamond booked (through the diamond).
    function onDeposit(address caller, address receiver, uint256 assets, uint256 shares) external {
        _onlyDiamond();
        _emitDeposit(caller, receiver, assets, shares);
    }

    /// @notice Emits the events of a withdrawal the diamond booked (through the diamond).
    function onWithdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares) external {
        _onlyDiamond();
        _emitWithdraw(caller, receiver, owner, assets, shares);
    }

    // ---------------------------------------------------------------- internals

    /// @dev The host books the deposit; then the caller's assets, approved to this vault as
    /// ERC-4626 integrators expect, move straight to the diamond.
    function _deposit(
        address receiver,
        uint256 assets,
        uint256 shares
    ) private returns (uint256 assetsIn, uint256 sharesOut) {
        (assetsIn, sharesOut) = _hostDeposit(msg.sender, receiver, assets, shares);
        _emitDeposit(msg.sender, receiver, assetsIn, sharesOut);
        address d = diamond();
        IERC20 token = IERC20(asset());
        uint256 before = token.balanceOf(d);
        token.safeTransferFrom(msg.sender, d, assetsIn);
        uint256 received = token.balanceOf(d) - before;
        if (received != assetsIn) revert DiamondVaultAssetShortfall(assetsIn, received);
    }

    function _emitDeposit(address caller, address receiver, uint256 assets, uint256 shares) private {
        emit Transfer(address(0), receiver, shares);
        emit Deposit(caller, receiver, assets, shares);
    }

    function _emitWithdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares) private {
        emit Transfer(owner, address(0), shares);
        emit Withdraw(caller, receiver, owner, assets, shares);
    }

    function _toShares(uint256 assets, Math.Rounding rounding) private view returns (uint256) {
        (uint256 total, uint256 shares, , ) = _hostTotals();
        return LibShares.toShares(assets, total, shares, rounding);
    }

    function _toAssets(uint256 shares, Math.Rounding rounding) private view returns (uint256) {
        (uint256 total, uint256 supply, , ) = _hostTotals();
        return LibShares.toAssets(shares, total, supply, rounding);
    }
}
