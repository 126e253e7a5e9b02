// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ITimelock} from "../interfaces/ITimelock.sol";

/// @title Timelock state, and the guard for functions that only a timelocked operation may call.
library LibTimelock {
    /// @dev Upper bound on the delay, so a typo cannot freeze upgrades for years.
    uint64 internal constant MAX_DELAY = 30 days;
    /// @dev `readyAt` value of an executed operation (as in OpenZeppelin's TimelockController).
    uint64 internal constant DONE = 1;

    /// @custom:storage-location erc7201:finsuite.timelock
    struct Layout {
        uint64 delay;
        mapping(bytes32 id => uint64 readyAt) readyAt;
    }

    // keccak256(abi.encode(uint256(keccak256("finsuite.timelock")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant LAYOUT_SLOT = 0xd871e1fe44564a7ee4c831d5faef28e72851fc211522ada5c7e5d0899268ef00;

    /// @dev Transient flag, set while `execute` runs an operation's calls.
    // keccak256(abi.encode(uint256(keccak256("finsuite.timelock.executing")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant EXECUTING_SLOT = 0x5b0c62b9f35026feb1f1e3b1712f3f7f68a0ff71d12377a57a7aca4ec0833200;

    function layout() internal pure returns (Layout storage $) {
        assembly {
            $.slot := LAYOUT_SLOT
        }
    }

    function isExecuting() internal view returns (bool executing) {
        assembly {
            executing := tload(EXECUTING_SLOT)
        }
    }

    function setExecuting(bool executing) internal {
        assembly {
            tstore(EXECUTING_SLOT, executing)
        }
    }

    /// @dev Passes only for a call the diamond makes to itself while executing an operation.
    function enforceTimelocked() internal view {
        if (msg.sender != address(this) || !isExecuting()) {
            revert ITimelock.TimelockOnlyThroughTimelock(msg.sender);
        }
    }

    function setDelay(uint64 newDelay) internal {
        if (newDelay > MAX_DELAY) revert ITimelock.TimelockDelayTooLong(newDelay, MAX_DELAY);
        Layout storage $ = layout();
        uint64 previous = $.delay;
        $.delay = newDelay;
        emit ITimelock.TimelockDelayChanged(previous, newDelay);
    }
}
