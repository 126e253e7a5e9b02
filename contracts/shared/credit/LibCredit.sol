// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {ModuleId} from "../../types/ModuleTypes.sol";
import {ICredit} from "./ICredit.sol";

/// @title The diamond-wide credit book (ERC-7201 namespace `finsuite.credit`). Append-only.
/// @notice Modules pay out with `payOrCredit`: the transfer is tried, and what the recipient
/// refuses is booked here for it to claim with {ICredit-claimCredit}. A module that uses it
/// lists `credit` among its dependencies, so the claim function cannot be removed while
/// credits may be booked. What is credited leaves the module's own books: the diamond's
/// balance of a token covers the modules' books plus `total(token)`.
library LibCredit {
    using SafeERC20 for IERC20;

    address internal constant NATIVE = address(0);

    /// @custom:storage-location erc7201:finsuite.credit
    struct Layout {
        mapping(address token => mapping(address account => uint256 amount)) credits;
        mapping(address token => uint256 amount) total;
    }

    // keccak256(abi.encode(uint256(keccak256("finsuite.credit")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant LAYOUT_SLOT = 0xf087f8f953f607783ed2b40aec89f9a9362d61b3ed12deb8412284194cb28c00;

    function layout() internal pure returns (Layout storage $) {
        assembly {
            $.slot := LAYOUT_SLOT
        }
    }

    /// @dev Pays `amount` of `token` (zero: native) held by the diamond to `to`; if `to`
    /// refuses it, credits it to `to` instead. Returns whether it was paid.
    function payOrCredit(ModuleId moduleId, address token, address to, uint256 amount) internal returns (bool paid) {
        if (amount == 0) return true;
        if (token == NATIVE) paid = sendNative(to, amount);
        else paid = IERC20(token).trySafeTransfer(to, amount);
        if (!paid) credit(moduleId, token, to, amount);
    }

    /// @dev Books `amount` of `token`, which the diamond holds, as `account`'s credit.
    function credit(ModuleId moduleId, address token, address account, uint256 amount) internal {
        Layout storage $ = layout();
        $.credits[token][account] += amount;
        $.total[token] += amount;
        emit ICredit.Credited(token, account, moduleId, amount);
    }

    /// @dev Sends native currency with all gas but copies none of the recipient's return
    /// data, so a recipient cannot make the sender pay for a huge revert message. One that
    /// burns all the gas it gets only makes the call expensive: 1/64 stays with the sender,
    /// so crediting it (about 50,000 gas) needs a gas limit of about 3.5M.
    function sendNative(address to, uint256 amount) internal returns (bool ok) {
        assembly ("memory-safe") {
            ok := call(gas(), to, amount, 0, 0, 0, 0)
        }
    }
}

/// @title Storage-layout probe of `finsuite.credit` (see contracts/layout/). Never deployed.
contract CreditStorageLayout {
    LibCredit.Layout internal finsuite_credit;
}
