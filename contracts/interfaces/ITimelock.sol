// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

/// @title Timelock for every change of the diamond's code.
/// @notice An operation is an ordered list of calls to the diamond itself (cuts, module
/// install/upgrade/remove, lowering the delay). The upgrader schedules it; after the
/// delay the upgrader executes it, all calls or none. The upgrader or guardian may
/// cancel a pending operation. Raising the delay is immediate (admin); lowering it must
/// itself go through the timelock.
interface ITimelock {
    enum OperationState {
        Unset,
        Waiting,
        Ready,
        Done
    }

    event OperationScheduled(
        bytes32 indexed id,
        bytes[] calls,
        bytes32 salt,
        uint64 readyAt,
        address indexed scheduler
    );
    event OperationExecuted(bytes32 indexed id, address indexed executor);
    event OperationCancelled(bytes32 indexed id, address indexed canceller);
    event TimelockDelayChanged(uint64 previousDelay, uint64 newDelay);

    error TimelockEmptyOperation();
    /// @notice Call `index` of the operation reverted without a reason.
    error TimelockCallReverted(uint256 index);
    /// @notice Call `index` of the operation is shorter than a selector.
    error TimelockCallTooShort(uint256 index);
    /// @notice The operation is not in a state that allows this action.
    error TimelockUnexpectedState(bytes32 id, OperationState state);
    /// @notice The function only runs inside an operation executed by the timelock.
    error TimelockOnlyThroughTimelock(address caller);
    error TimelockDelayTooLong(uint64 requested, uint64 max);
    /// @notice Lowering the delay must be scheduled through the timelock.
    error TimelockDelayDecreaseNeedsTimelock(uint64 current, uint64 requested);

    function schedule(bytes[] calldata calls, bytes32 salt) external returns (bytes32 id);

    function execute(bytes[] calldata calls, bytes32 salt) external;

    function cancel(bytes32 id) external;

    /// @notice Sets the delay: at once when raising (admin), through the timelock when lowering.
    function setTimelockDelay(uint64 newDelay) external;

    function timelockDelay() external view returns (uint64);

    function hashOperation(bytes[] calldata calls, bytes32 salt) external pure returns (bytes32);

    function getOperationState(bytes32 id) external view returns (OperationState);

    /// @notice Timestamp from which the operation may execute; 0 if unknown, 1 if done.
    function getOperationReadyAt(bytes32 id) external view returns (uint64);
}
