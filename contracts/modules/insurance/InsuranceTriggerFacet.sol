// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {LibAccess} from "../../access/LibAccess.sol";
import {LibFeed} from "../../shared/LibFeed.sol";
import {IInsuranceTriggers} from "./IInsuranceTriggers.sol";
import {InsuranceStorage} from "./InsuranceStorage.sol";
import {LibInsurance} from "./LibInsurance.sol";

/// @title Insurance module facet: oracle reports, feed triggers, payout batches, upkeep.
contract InsuranceTriggerFacet is IInsuranceTriggers, ReentrancyGuardTransient {
    uint8 internal constant ACTION_PAY = 1;
    uint8 internal constant ACTION_TRIGGER = 2;

    /// @inheritdoc IInsuranceTriggers
    function reportEvent(uint256 riskId, int256 value, uint256 observedAt) external {
        LibAccess.checkRole(InsuranceStorage.ORACLE_ROLE);
        _checkValue(value);
        LibInsurance.acceptReading(riskId, LibInsurance.risk(riskId), value, observedAt);
    }

    /// @inheritdoc IInsuranceTriggers
    function checkTrigger(uint256 riskId) external {
        InsuranceStorage.Risk storage r = LibInsurance.risk(riskId);
        address feed = r.feed;
        if (feed == address(0)) revert InsuranceRiskHasNoFeed(riskId);
        (bool ok, int256 value, uint256 observedAt) = LibFeed.latest(feed);
        if (!ok) revert InsuranceFeedUnreadable(riskId, feed);
        _checkValue(value);
        if (LibInsurance.acceptReading(riskId, r, value, observedAt) == 0) {
            revert InsuranceConditionNotMet(riskId, value);
        }
    }

    /// @inheritdoc IInsuranceTriggers
    function processPayouts(uint256 riskId, uint256 maxCount) external nonReentrant returns (uint256) {
        InsuranceStorage.Risk storage r = LibInsurance.risk(riskId);
        if (r.state != uint8(RiskState.Triggered)) revert InsuranceNoPayoutsPending(riskId);
        if (maxCount == 0) revert InsuranceZeroAmount();
        return LibInsurance.payBatch(riskId, r, maxCount);
    }

    /// @inheritdoc IInsuranceTriggers
    function closeRisk(uint256 riskId) external {
        InsuranceStorage.Layout storage $ = InsuranceStorage.layout();
        InsuranceStorage.Risk storage r = LibInsurance.risk(riskId);
        if (r.state != uint8(RiskState.Open)) revert InsuranceRiskNotOpen(riskId, RiskState(r.state));
        uint256 closesAt = uint256(r.end) + $.products[r.productId].claimWindow;
        if (block.timestamp <= closesAt) revert InsuranceRiskNotEnded(riskId, closesAt);
        if (r.pendingClaims != 0) revert InsuranceClaimsPending(riskId, r.pendingClaims);
        InsuranceStorage.Pool storage p = $.pools[r.poolId];
        uint256 released = LibInsurance.lockOf(r.activeSum, p.collateralBps);
        LibInsurance.relock(p, r.activeSum, 0);
        r.state = uint8(RiskState.Closed);
        emit InsuranceRiskClosed(riskId, msg.sender, released);
    }

    /// @inheritdoc IInsuranceTriggers
    function insuranceCheckUpkeep(bytes calldata checkData) external view returns (bool, bytes memory) {
        uint256 head = InsuranceStorage.layout().pendingHead;
        if (head != 0) return (true, abi.encode(ACTION_PAY, head));
        if (checkData.length == 0) return (false, "");
        uint256[] memory riskIds = abi.decode(checkData, (uint256[]));
        for (uint256 i; i < riskIds.length; ++i) {
            (bool triggers, , ) = _feedReading(riskIds[i]);
            if (triggers) return (true, abi.encode(ACTION_TRIGGER, riskIds[i]));
        }
        return (false, "");
    }

    /// @inheritdoc IInsuranceTriggers
    function insurancePerformUpkeep(bytes calldata performData) external nonReentrant {
        // Anything but the two words `insuranceCheckUpkeep` returns is no work.
        if (performData.length != 64) return;
        (uint256 action, uint256 riskId) = abi.decode(performData, (uint256, uint256));
        InsuranceStorage.Risk storage r = InsuranceStorage.layout().risks[riskId];
        if (action == ACTION_PAY) {
            if (r.state == uint8(RiskState.Triggered)) {
                LibInsurance.payBatch(riskId, r, InsuranceStorage.MAX_UPKEEP_BATCH);
            }
        } else if (action == ACTION_TRIGGER) {
            (bool triggers, int256 value, uint256 observedAt) = _feedReading(riskId);
            if (triggers) LibInsurance.acceptReading(riskId, r, value, observedAt);
        }
    }

    /// @dev Whether the risk's feed now holds a reading that `checkTrigger` would accept
    /// and that meets a tier, and that reading; never reverts.
    function _feedReading(uint256 riskId) private view returns (bool triggers, int256 value, uint256 observedAt) {
        InsuranceStorage.Layout storage $ = InsuranceStorage.layout();
        InsuranceStorage.Risk storage r = $.risks[riskId];
        address feed = r.feed;
        if (feed == address(0) || r.state != uint8(RiskState.Open)) return (false, 0, 0);
        bool ok;
        (ok, value, observedAt) = LibFeed.latest(feed);
        if (!ok || value < type(int96).min || value > type(int96).max) return (false, 0, 0);
        InsuranceStorage.Product storage pr = $.products[r.productId];
        if (LibInsurance.readingFault(r, pr, observedAt) != 0) return (false, 0, 0);
        (uint8 tier, ) = LibInsurance.tierOf(pr, value);
        triggers = tier != 0;
    }

    /// @dev Readings are compared with 96-bit tier thresholds: one beyond that range is refused.
    function _checkValue(int256 value) private pure {
        if (value < type(int96).min || value > type(int96).max) {
            revert InsuranceParamInvalid("value", uint256(value));
        }
    }
}
