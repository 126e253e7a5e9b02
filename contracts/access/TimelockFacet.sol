// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ITimelock} from "../interfaces/ITimelock.sol";
import {LibAccess} from "./LibAccess.sol";
import {LibTimelock} from "./LibTimelock.sol";

/// @title Timelock for every change of the diamond's code or of the delay itself.
/// @dev Executed calls are calls from the diamond to itself, so they pass through the
/// fallback and the usual checks; functions guarded by `LibTimelock.enforceTimelocked`
/// accept only these.
contract TimelockFacet is ITimelock {
    function schedule(bytes[] calldata calls, bytes32 salt) external returns (bytes32 id) {
        LibAccess.checkRole(LibAccess.UPGRADER_ROLE);
        if (calls.length == 0) revert TimelockEmptyOperation();
        for (uint256 i; i < calls.length; ++i) {
            if (calls[i].length < 4) revert TimelockCallTooShort(i);
        }
        id = hashOperation(calls, salt);
        OperationState state = getOperationState(id);
        if (state != OperationState.Unset) revert TimelockUnexpectedState(id, state);
        LibTimelock.Layout storage $ = LibTimelock.layout();
        uint64 readyAt = uint64(block.timestamp) + $.delay;
        $.readyAt[id] = readyAt;
        emit OperationScheduled(id, calls, salt, readyAt, msg.sender);
    }

    function execute(bytes[] calldata calls, bytes32 salt) external {
        LibAccess.checkRole(LibAccess.UPGRADER_ROLE);
        bytes32 id = hashOperation(calls, salt);
        OperationState state = getOperationState(id);
        if (state != OperationState.Ready) revert TimelockUnexpectedState(id, state);
        LibTimelock.layout().readyAt[id] = LibTimelock.DONE;
        LibTimelock.setExecuting(true);
        for (uint256 i; i < calls.length; ++i) {
            (bool ok, bytes memory reason) = address(this).call(calls[i]);
            if (!ok) {
                if (reason.length == 0) revert TimelockCallReverted(i);
                assembly {
                    revert(add(reason, 0x20), mload(reason))
                }
            }
        }
        LibTimelock.setExecuting(false);
        emit OperationExecuted(id, msg.sender);
    }

    function cancel(bytes32 id) external {
        if (
            !LibAccess.hasRole(LibAccess.UPGRADER_ROLE, msg.sender) &&
            !LibAccess.hasRole(LibAccess.GUARDIAN_ROLE, msg.sender)
        ) {
            LibAccess.checkRole(LibAccess.UPGRADER_ROLE);
        }
        OperationState state = getOperationState(id);
        if (state != OperationState.Waiting && state != OperationState.Ready) {
            revert TimelockUnexpectedState(id, state);
        }
        delete LibTimelock.layout().readyAt[id];
        emit OperationCancelled(id, msg.sender);
    }

    function setTimelockDelay(uint64 newDelay) external {
        if (msg.sender != address(this) || !LibTimelock.isExecuting()) {
            LibAccess.checkRole(LibAccess.DEFAULT_ADMIN_ROLE);
            uint64 current = LibTimelock.layout().delay;
            if (newDelay < current) revert TimelockDelayDecreaseNeedsTimelock(current, newDelay);
        }
        LibTimelock.setDelay(newDelay);
    }

    function timelockDelay() external view returns (uint64) {
        return LibTimelock.layout().delay;
    }

    function hashOperation(bytes[] calldata calls, bytes32 salt) public pure returns (bytes32) {
        return keccak256(abi.encode(calls, salt));
    }

    function getOperationState(bytes32 id) public view returns (OperationState) {
        uint64 readyAt = LibTimelock.layout().readyAt[id];
        if (readyAt == 0) return OperationState.Unset;
        if (readyAt == LibTimelock.DONE) return OperationState.Done;
        if (readyAt > block.timestamp) return OperationState.Waiting;
        return OperationState.Ready;
    }

    function getOperationReadyAt(bytes32 id) external view returns (uint64) {
        return LibTimelock.layout().readyAt[id];
    }
}
