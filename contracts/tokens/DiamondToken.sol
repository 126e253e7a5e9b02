// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";

/// @title An ERC-20 at its own address whose balances live in the diamond's books.
/// @notice The suite's one pattern for the standard tokens the diamond controls (lending
/// pool shares, insurance capital shares, tokenized-asset fractions): a module creates each
/// token as an EIP-1167 clone, with immutable arguments, of one shared implementation, so
/// a new token costs a small deployment and wallets, explorers and other protocols see a
/// normal token. The token keeps allowances and emits the ERC-20 events; the balances and
/// the total supply are the module's books in the diamond, so the module mints, burns and
/// checks transfers (compliance, locks) where its other books are, in one place, and a
/// mint costs no storage write in a second contract.
/// @dev Clone arguments: `abi.encode(diamond, asset, key, decimals, name, symbol)`; `key`
/// is the module's id for the token (e.g. a lending pool id), `asset` is zero for a token
/// that is not a vault. A module subclass implements the host calls against its own
/// diamond functions (a selector belongs to one module).
abstract contract DiamondToken is IERC20Metadata, IERC20Permit, IERC20Errors {
    /// @notice Only the diamond that created this token may report mints and burns.
    error DiamondTokenOnlyDiamond(address caller);
    /// @notice An ERC-2612 permit past its deadline.
    error DiamondTokenPermitExpired(uint256 deadline);
    /// @notice An ERC-2612 permit not signed by `owner` (or already used: its nonce moved on).
    error DiamondTokenPermitInvalidSigner(address signer, address owner);

    bytes32 private constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    bytes32 private constant PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );

    /// @dev Where clone arguments start in an EIP-1167 clone's code.
    uint256 private constant ARGS_OFFSET = 0x2d;

    mapping(address owner => mapping(address spender => uint256)) private _allowances;
    mapping(address owner => uint256) private _nonces;

    // ---------------------------------------------------------------- what the host provides

    function _hostBalanceOf(address account) internal view virtual returns (uint256);

    function _hostTotalSupply() internal view virtual returns (uint256);

    /// @dev Moves `amount` from `from` to `to` in the diamond's books, or reverts (e.g.
    /// `ERC20InsufficientBalance`). `spender` is who moves them: `from` for a transfer, the
    /// caller of a transferFrom (compliance checks it too).
    function _hostTransfer(address spender, address from, address to, uint256 amount) internal virtual;

    // ---------------------------------------------------------------- immutable arguments

    /// @notice The diamond that created this token and keeps its books.
    function diamond() public view returns (address d) {
        // The first argument word, read without copying the rest.
        assembly ("memory-safe") {
            extcodecopy(address(), 0x00, ARGS_OFFSET, 0x20)
            d := mload(0x00)
        }
    }

    /// @notice The module's id for this token (e.g. the lending pool id).
    function key() public view returns (uint256 k) {
        // The third argument word.
        assembly ("memory-safe") {
            extcodecopy(address(), 0x00, add(ARGS_OFFSET, 0x40), 0x20)
            k := mload(0x00)
        }
    }

    /// @dev The diamond and the key in one copy of the arguments (a transfer needs both).
    function _diamondAndKey() internal view returns (address d, uint256 k) {
        assembly ("memory-safe") {
            let free := mload(0x40)
            extcodecopy(address(), free, ARGS_OFFSET, 0x60)
            d := mload(free)
            k := mload(add(free, 0x40))
        }
    }

    function name() external view returns (string memory n) {
        (, , , , n, ) = _args();
    }

    function symbol() external view returns (string memory s) {
        (, , , , , s) = _args();
    }

    function decimals() public view returns (uint8 d) {
        (, , , d, , ) = _args();
    }

    // ---------------------------------------------------------------- ERC-20

    function totalSupply() public view returns (uint256) {
        return _hostTotalSupply();
    }

    function balanceOf(address account) public view returns (uint256) {
        return _hostBalanceOf(account);
    }

    function allowance(address owner, address spender) public view returns (uint256) {
        return _allowances[owner][spender];
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, msg.sender, to, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        _spendAllowance(from, msg.sender, value);
        _transfer(msg.sender, from, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        if (spender == address(0)) revert ERC20InvalidSpender(address(0));
        _allowances[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    // ---------------------------------------------------------------- ERC-2612

    /// @notice Approves by signature. The domain is this token's own (its name, version
    /// "1", the chain, its address), so a permit for one clone is useless on another.
    function permit(
        address owner,
        address spender,
        uint256 value,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        if (block.timestamp > deadline) revert DiamondTokenPermitExpired(deadline);
        uint256 nonce = _nonces[owner]++;
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, value, nonce, deadline));
        address signer = ECDSA.recover(MessageHashUtils.toTypedDataHash(DOMAIN_SEPARATOR(), structHash), v, r, s);
        if (signer != owner) revert DiamondTokenPermitInvalidSigner(signer, owner);
        if (spender == address(0)) revert ERC20InvalidSpender(address(0));
        _allowances[owner][spender] = value;
        emit Approval(owner, spender, value);
    }

    function nonces(address owner) external view returns (uint256) {
        return _nonces[owner];
    }

    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() public view returns (bytes32) {
        (, , , , string memory name_, ) = _args();
        return
            keccak256(
                abi.encode(DOMAIN_TYPEHASH, keccak256(bytes(name_)), keccak256("1"), block.chainid, address(this))
            );
    }

    /// @notice Emits the `Transfer` of a mint, burn or move the diamond booked itself.
    function emitTransfer(address from, address to, uint256 value) external {
        _onlyDiamond();
        emit Transfer(from, to, value);
    }

    // ---------------------------------------------------------------- internals

    function _transfer(address spender, address from, address to, uint256 value) private {
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        _hostTransfer(spender, from, to, value);
        emit Transfer(from, to, value);
    }

    /// @dev As OpenZeppelin's ERC-20: an infinite allowance is never decreased.
    function _spendAllowance(address owner, address spender, uint256 value) internal {
        uint256 current = _allowances[owner][spender];
        if (current == type(uint256).max) return;
        if (current < value) revert ERC20InsufficientAllowance(spender, current, value);
        unchecked {
            // current >= value, checked above.
            _allowances[owner][spender] = current - value;
        }
    }

    function _onlyDiamond() internal view {
        if (msg.sender != diamond()) revert DiamondTokenOnlyDiamond(msg.sender);
    }

    function _args()
        internal
        view
        returns (
            address diamond_,
            address asset_,
            uint256 key_,
            uint8 decimals_,
            string memory name_,
            string memory symbol_
        )
    {
        return abi.decode(Clones.fetchCloneArgs(address(this)), (address, address, uint256, uint8, string, string));
    }
}
