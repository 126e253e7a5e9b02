// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {LibShares} from "./LibShares.sol";

/// @title An ERC-4626 vault at its own address whose books live in the diamond.
/// @notice The suite's one pattern for standard tokens the diamond controls: a module
/// creates each token as an EIP-1167 clone (with immutable arguments) of one shared
/// implementation, so a new token costs a small deployment and wallets, explorers and
/// other protocols see a normal token. The vault holds the share balances; the diamond
/// holds the assets and decides every mint and burn. Depositing or withdrawing here or
/// through the diamond is the same operation: both end in `onDeposit`/`onWithdraw`, which
/// emit the ERC-4626 events.
/// @dev Clone arguments: `abi.encode(diamond, asset, key, assetDecimals, name, symbol)`;
/// `key` is the module's id for the token (e.g. the lending pool id). A module subclass
/// implements the three host calls against its own diamond functions.
abstract contract DiamondVault is ERC20, IERC4626 {
    using SafeERC20 for IERC20;

    /// @notice Only the diamond that created this vault may mint and burn its shares.
    error DiamondVaultOnlyDiamond(address caller);
    /// @notice The asset delivered less than was asked (fee-on-transfer tokens are refused).
    error DiamondVaultAssetShortfall(uint256 expected, uint256 received);

    /// @dev Where clone arguments start in an EIP-1167 clone's code.
    uint256 private constant ARGS_OFFSET = 0x2d;

    constructor() ERC20("", "") {}

    // ---------------------------------------------------------------- what the host provides

    /// @dev Total assets owed to shareholders (interest accrued up to now), total shares,
    /// how much may still be deposited, and how much may be withdrawn now (cash).
    function _hostTotals()
        internal
        view
        virtual
        returns (uint256 totalAssets_, uint256 totalShares, uint256 depositRoom, uint256 cash);

    /// @dev Books a deposit of `assets` (or of the assets `shares` cost, when `assets` is
    /// zero) and calls `onDeposit` back; the vault then pulls the assets into the diamond.
    function _hostDeposit(
        address caller,
        address receiver,
        uint256 assets,
        uint256 shares
    ) internal virtual returns (uint256 assetsIn, uint256 sharesOut);

    /// @dev Books a withdrawal of `assets` (or of what `shares` are worth, when `assets` is
    /// zero), calls `onWithdraw` back and sends the assets to `receiver`.
    function _hostWithdraw(
        address caller,
        address receiver,
        address owner,
        uint256 assets,
        uint256 shares
    ) internal virtual returns (uint256 assetsOut, uint256 sharesIn);

    // ---------------------------------------------------------------- immutable arguments

    /// @notice The diamond that created this vault and keeps its books.
    function diamond() public view returns (address d) {
        // The first argument word, read without copying the rest.
        assembly ("memory-safe") {
            extcodecopy(address(), 0x00, ARGS_OFFSET, 0x20)
            d := mload(0x00)
        }
    }

    /// @notice The module's id for this token (e.g. the lending pool id).
    function key() public view returns (uint256 k) {
        (, , k, , , ) = _args();
    }

    /// @inheritdoc IERC4626
    function asset() public view returns (address a) {
        (, a, , , , ) = _args();
    }

    function name() public view override(ERC20, IERC20Metadata) returns (string memory n) {
        (, , , , n, ) = _args();
    }

    function symbol() public view override(ERC20, IERC20Metadata) returns (string memory s) {
        (, , , , , s) = _args();
    }

    /// @notice The asset's decimals plus six: the virtual-share offset.
    function decimals() public view override(ERC20, IERC20Metadata) returns (uint8) {
        (, , , uint8 assetDecimals, , ) = _args();
        return assetDecimals + LibShares.DECIMALS_OFFSET;
    }

    // ---------------------------------------------------------------- ERC-4626 views

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
        (, shares) = _hostWithdraw(msg.sender, receiver, owner, assets, 0);
    }

    /// @inheritdoc IERC4626
    function redeem(uint256 shares, address receiver, address owner) external returns (uint256 assets) {
        if (msg.sender != owner) _spendAllowance(owner, msg.sender, shares);
        (assets, ) = _hostWithdraw(msg.sender, receiver, owner, 0, shares);
    }

    // ---------------------------------------------------------------- called by the diamond

    /// @notice Mints `shares` for a deposit the diamond has booked, and emits `Deposit`.
    function onDeposit(address caller, address receiver, uint256 assets, uint256 shares) external {
        _onlyDiamond();
        _mint(receiver, shares);
        emit Deposit(caller, receiver, assets, shares);
    }

    /// @notice Burns `shares` of `owner` for a withdrawal the diamond has booked, and emits `Withdraw`.
    function onWithdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares) external {
        _onlyDiamond();
        _burn(owner, shares);
        emit Withdraw(caller, receiver, owner, assets, shares);
    }

    // ---------------------------------------------------------------- internals

    /// @dev The host books the deposit and mints; then the caller's assets, approved to this
    /// vault as ERC-4626 integrators expect, move straight to the diamond.
    function _deposit(
        address receiver,
        uint256 assets,
        uint256 shares
    ) private returns (uint256 assetsIn, uint256 sharesOut) {
        (assetsIn, sharesOut) = _hostDeposit(msg.sender, receiver, assets, shares);
        address d = diamond();
        IERC20 token = IERC20(asset());
        uint256 before = token.balanceOf(d);
        token.safeTransferFrom(msg.sender, d, assetsIn);
        uint256 received = token.balanceOf(d) - before;
        if (received != assetsIn) revert DiamondVaultAssetShortfall(assetsIn, received);
    }

    function _toShares(uint256 assets, Math.Rounding rounding) private view returns (uint256) {
        (uint256 total, uint256 shares, , ) = _hostTotals();
        return LibShares.toShares(assets, total, shares, rounding);
    }

    function _toAssets(uint256 shares, Math.Rounding rounding) private view returns (uint256) {
        (uint256 total, uint256 supply, , ) = _hostTotals();
        return LibShares.toAssets(shares, total, supply, rounding);
    }

    function _onlyDiamond() private view {
        if (msg.sender != diamond()) revert DiamondVaultOnlyDiamond(msg.sender);
    }

    function _args()
        private
        view
        returns (
            address diamond_,
            address asset_,
            uint256 key_,
            uint8 assetDecimals,
            string memory name_,
            string memory symbol_
        )
    {
        return abi.decode(Clones.fetchCloneArgs(address(this)), (address, address, uint256, uint8, string, string));
    }
}
