// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IInsuranceTypes} from "./IInsuranceTypes.sol";

/// @title Insurance module: triggers and the payouts that follow, without a human.
/// @notice A parametric risk is triggered by a contract, two ways: an oracle (role
/// `finsuite.role.insurance-oracle`) reports a reading, or anyone has the risk's feed read.
/// Either way the reading must be taken inside the risk's window, no older than the
/// product's `maxReadingAge`, not in the future and newer than the last accepted one; the
/// first reading that meets a tier triggers the risk and is final. Payouts then run in
/// bounded batches: through the diamond's upkeep pair (a keeper) or `processPayouts`.
interface IInsuranceTriggers is IInsuranceTypes {
    /// @notice An oracle reports that the risk's index was `value` at `observedAt`. A value
    /// meeting no tier is recorded (later readings must be newer); one meeting a tier
    /// triggers the risk.
    function reportEvent(uint256 riskId, int256 value, uint256 observedAt) external;

    /// @notice Anyone: reads the risk's feed and triggers the risk when its latest reading
    /// meets a tier; refused with {InsuranceConditionNotMet} when it does not.
    function checkTrigger(uint256 riskId) external;

    /// @notice Anyone: pays up to `maxCount` more policies of a triggered risk, in policy
    /// order from a cursor; each policy is paid at most once, a beneficiary that refuses is
    /// credited. The batch after the last policy settles the risk.
    /// @return processed Policies the cursor moved over (paid or not payable).
    function processPayouts(uint256 riskId, uint256 maxCount) external returns (uint256 processed);

    /// @notice Anyone, after the risk's end plus the product's claim window, when it was
    /// never triggered and no claim is pending: its policies expire and their capital is freed.
    function closeRisk(uint256 riskId) external;

    /// @notice The insurance module's upkeep check (through the diamond's `checkUpkeep`):
    /// a triggered risk with policies left to pay comes first; else, with
    /// `checkData = abi.encode(uint256[] riskIds)`, the first of those risks whose feed now
    /// meets a tier. performData is `abi.encode(uint8 action, uint256 riskId)`: 1 pays a
    /// batch, 2 triggers from the feed.
    function insuranceCheckUpkeep(bytes calldata checkData) external view returns (bool, bytes memory);

    /// @notice The insurance module's upkeep perform: re-validates and does the work (a
    /// batch of at most `MAX_UPKEEP_BATCH` payouts, or a feed trigger), or nothing when
    /// there is none (stale, repeated, forged or malformed data).
    function insurancePerformUpkeep(bytes calldata performData) external;
}
