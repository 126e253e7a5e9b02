// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

/// @dev The few cheatcodes these tests use. EDR serves them at the conventional
/// cheatcode address (see `VM_ADDRESS`); only the functions declared here are called.
// solhint-disable-next-line interface-starts-with-i
interface Vm {
    function prank(address msgSender) external;

    function startPrank(address msgSender) external;

    function stopPrank() external;

    function expectRevert(bytes calldata revertData) external;

    function warp(uint256 newTimestamp) external;

    function assume(bool condition) external;

    function label(address account, string calldata newLabel) external;
}

/// @dev `x` if it lies in [lo, hi], else `x` wrapped into it (uniformly enough for fuzzing).
function boundTo(uint256 x, uint256 lo, uint256 hi) pure returns (uint256) {
    if (hi <= lo) return lo;
    if (x >= lo && x <= hi) return x;
    uint256 span = hi - lo;
    if (span == type(uint256).max) return x;
    return lo + (x % (span + 1));
}

/// @dev Shape the invariant runner expects from `targetSelectors()`.
struct FuzzSelector {
    address addr;
    bytes4[] selectors;
}

/// @title Project-owned base for Solidity tests run by Hardhat 3 on EDR.
/// @notice Assertions revert with a readable message; the invariant runner reads the
/// fuzzing targets from `targetContracts()` and `targetSelectors()`.
abstract contract TestBase {
    address internal constant VM_ADDRESS = address(uint160(uint256(keccak256("hevm cheat code"))));
    // solhint-disable-next-line const-name-snakecase
    Vm internal constant vm = Vm(VM_ADDRESS);

    address[] private _targetContracts;
    FuzzSelector[] private _targetSelectors;

    // ------------------------------------------------------------------ invariant targets

    function targetContracts() public view returns (address[] memory) {
        return _targetContracts;
    }

    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetSelectors;
    }

    function _addTargetContract(address target) internal {
        _targetContracts.push(target);
    }

    function _addTargetSelectors(address target, bytes4[] memory selectors) internal {
        _targetSelectors.push(FuzzSelector(target, selectors));
    }

    // ------------------------------------------------------------------ assertions

    function fail(string memory message) internal pure {
        revert(message);
    }

    function assertTrue(bool condition, string memory message) internal pure {
        if (!condition) revert(message);
    }

    function assertFalse(bool condition, string memory message) internal pure {
        if (condition) revert(message);
    }

    function assertEq(bool a, bool b, string memory message) internal pure {
        if (a != b) revert(_mismatch(message, a ? "true" : "false", b ? "true" : "false"));
    }

    function assertEq(uint256 a, uint256 b, string memory message) internal pure {
        if (a != b) revert(_mismatch(message, _dec(a), _dec(b)));
    }

    function assertEq(address a, address b, string memory message) internal pure {
        if (a != b) revert(_mismatch(message, _hex(uint256(uint160(a)), 20), _hex(uint256(uint160(b)), 20)));
    }

    function assertEq(bytes32 a, bytes32 b, string memory message) internal pure {
        if (a != b) revert(_mismatch(message, _hex(uint256(a), 32), _hex(uint256(b), 32)));
    }

    /// @dev Long values are reported by length and hash, to keep the message readable.
    function assertEq(bytes memory a, bytes memory b, string memory message) internal pure {
        if (keccak256(a) != keccak256(b)) revert(_mismatch(message, _shortBytes(a), _shortBytes(b)));
    }

    // ------------------------------------------------------------------ formatting

    function _mismatch(string memory message, string memory a, string memory b) private pure returns (string memory) {
        return string.concat(message, ": ", a, " != ", b);
    }

    function _dec(uint256 v) internal pure returns (string memory) {
        if (v == 0) return "0";
        uint256 len;
        for (uint256 t = v; t != 0; t /= 10) ++len;
        bytes memory out = new bytes(len);
        for (; v != 0; v /= 10) out[--len] = bytes1(uint8(48 + (v % 10)));
        return string(out);
    }

    /// @dev `v` as 0x-prefixed hex of exactly `byteLen` bytes.
    function _hex(uint256 v, uint256 byteLen) internal pure returns (string memory) {
        bytes memory out = new bytes(2 + 2 * byteLen);
        out[0] = "0";
        out[1] = "x";
        for (uint256 i = 2 * byteLen; i > 0; --i) {
            out[1 + i] = _nibble(v & 0xf);
            v >>= 4;
        }
        return string(out);
    }

    function _hexBytes(bytes memory b) internal pure returns (string memory) {
        bytes memory out = new bytes(2 + 2 * b.length);
        out[0] = "0";
        out[1] = "x";
        for (uint256 i; i < b.length; ++i) {
            out[2 + 2 * i] = _nibble(uint8(b[i]) >> 4);
            out[3 + 2 * i] = _nibble(uint8(b[i]) & 0xf);
        }
        return string(out);
    }

    function _shortBytes(bytes memory b) internal pure returns (string memory) {
        if (b.length <= 100) return _hexBytes(b);
        return string.concat("bytes[", _dec(b.length), "] keccak ", _hex(uint256(keccak256(b)), 32));
    }

    function _nibble(uint256 n) private pure returns (bytes1) {
        return bytes1(uint8(n < 10 ? 48 + n : 87 + n));
    }
}
