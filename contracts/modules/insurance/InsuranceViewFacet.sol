// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IInsuranceViews} from "./IInsuranceViews.sol";
import {InsuranceStorage} from "./InsuranceStorage.sol";
import {LibInsurance} from "./LibInsurance.sol";

/// @title Insurance module facet: views.
contract InsuranceViewFacet is IInsuranceViews {
    /// @inheritdoc IInsuranceViews
    function insurancePool(uint256 poolId) external view returns (InsurancePoolView memory v) {
        InsuranceStorage.Pool storage p = LibInsurance.pool(poolId);
        v = InsurancePoolView({
            asset: p.asset,
            vault: p.vault,
            collateralBps: p.collateralBps,
            depositCap: p.depositCap,
            capital: p.capital,
            locked: p.locked,
            owed: _owed(poolId),
            fees: p.fees,
            totalShares: p.totalShares
        });
    }

    /// @inheritdoc IInsuranceViews
    function insuranceProduct(uint256 productId) external view returns (ProductParams memory params, bool open) {
        InsuranceStorage.Product storage pr = LibInsurance.product(productId);
        params.poolId = pr.poolId;
        params.kind = ProductKind(pr.kind);
        params.direction = Direction(pr.direction);
        params.premiumBps = pr.premiumBps;
        params.feeBps = pr.feeBps;
        params.minSumInsured = pr.minSumInsured;
        params.maxSumInsured = pr.maxSumInsured;
        params.minCover = pr.minCover;
        params.maxCover = pr.maxCover;
        params.purchaseCutoff = pr.purchaseCutoff;
        params.maxAggregatePerRisk = pr.maxAggregatePerRisk;
        params.maxReadingAge = pr.maxReadingAge;
        params.claimWindow = pr.claimWindow;
        params.tiers = new Tier[](pr.tierCount);
        for (uint8 i; i < pr.tierCount; ++i) {
            params.tiers[i] = Tier(pr.tiers[i].threshold, pr.tiers[i].payoutBps);
        }
        open = pr.open;
    }

    /// @inheritdoc IInsuranceViews
    function insuranceRisk(uint256 riskId) external view returns (RiskView memory v) {
        InsuranceStorage.Layout storage $ = InsuranceStorage.layout();
        InsuranceStorage.Risk storage r = LibInsurance.risk(riskId);
        v.productId = r.productId;
        v.poolId = r.poolId;
        v.state = RiskState(r.state);
        v.key = r.key;
        v.start = r.start;
        v.end = r.end;
        v.feed = r.feed;
        v.policyCount = r.policyCount;
        v.pendingClaims = r.pendingClaims;
        v.activeSumInsured = r.activeSum;
        if (r.state == uint8(RiskState.Open)) {
            v.locked = LibInsurance.lockOf(r.activeSum, $.pools[r.poolId].collateralBps);
        }
        v.tier = r.tier;
        v.observedAt = r.observedAt;
        v.cursor = r.cursor;
        v.owedLeft = r.owedLeft;
    }

    /// @inheritdoc IInsuranceViews
    function insurancePolicy(uint256 policyId) external view returns (PolicyView memory v) {
        InsuranceStorage.Layout storage $ = InsuranceStorage.layout();
        InsuranceStorage.Policy storage pol = LibInsurance.policy(policyId);
        uint256 riskId = LibInsurance.riskOf(policyId);
        InsuranceStorage.Risk storage r = $.risks[riskId];
        InsuranceStorage.PolicyClaims storage pc = $.policyClaims[policyId];
        (uint256 premium, ) = LibInsurance.premiumOf($.products[r.productId], pol.sumInsured);
        v.riskId = riskId;
        v.holder = pol.holder;
        v.beneficiary = pol.beneficiary;
        v.sumInsured = pol.sumInsured;
        v.premium = uint96(premium);
        v.coverStart = pol.coverStart;
        v.coverEnd = pol.coverEnd;
        v.status = PolicyStatus(pol.status);
        v.paid = pc.paid;
        v.openClaim = pc.openClaim;
        if (pol.status == InsuranceStorage.PAID && r.payoutBps != 0) {
            // A trigger paid it (assessed policies book what they were paid).
            v.paid = (uint256(pol.sumInsured) * r.payoutBps) / InsuranceStorage.BPS;
        }
        bool over =
            r.state == uint8(RiskState.Closed) ||
                (r.state == uint8(RiskState.Settled)) ||
                (r.state == uint8(RiskState.Triggered) && (policyId & type(uint32).max) <= r.cursor);
        if (pol.status == InsuranceStorage.ACTIVE && over) v.status = PolicyStatus.Expired;
    }

    /// @inheritdoc IInsuranceViews
    function insuranceClaim(uint256 claimId) external view returns (ClaimView memory v) {
        InsuranceStorage.Claim storage c = InsuranceStorage.layout().claims[claimId];
        if (c.state == 0) revert InsuranceUnknownClaim(claimId);
        v = ClaimView({
            policyId: c.policyId,
            state: ClaimState(c.state),
            requested: c.requested,
            confirmed: c.confirmed,
            reason: c.reason,
            evidence: c.evidence
        });
    }

    /// @inheritdoc IInsuranceViews
    function insuranceCounts() external view returns (uint256, uint256, uint256, uint256) {
        InsuranceStorage.Layout storage $ = InsuranceStorage.layout();
        return ($.poolCount, $.productCount, $.riskCount, $.claimCount);
    }

    /// @inheritdoc IInsuranceViews
    function quoteInsurancePremium(
        uint256 productId,
        uint256 sumInsured
    ) external view returns (uint256 premium, uint256 fee) {
        return LibInsurance.premiumOf(LibInsurance.product(productId), sumInsured);
    }

    /// @inheritdoc IInsuranceViews
    function insuranceCapacity(uint256 riskId) external view returns (uint256) {
        InsuranceStorage.Layout storage $ = InsuranceStorage.layout();
        InsuranceStorage.Risk storage r = LibInsurance.risk(riskId);
        if (r.state != uint8(RiskState.Open)) return 0;
        uint256 riskRoom = $.products[r.productId].maxAggregatePerRisk - r.activeSum;
        uint256 poolRoom = LibInsurance.capacityOf($.pools[r.poolId], r.activeSum);
        return riskRoom < poolRoom ? riskRoom : poolRoom;
    }

    /// @inheritdoc IInsuranceViews
    function insurancePendingRisks() external view returns (uint256[] memory riskIds) {
        InsuranceStorage.Layout storage $ = InsuranceStorage.layout();
        riskIds = new uint256[]($.pendingCount);
        uint256 riskId = $.pendingHead;
        for (uint256 i; riskId != 0; ++i) {
            riskIds[i] = riskId;
            riskId = $.risks[riskId].nextPending;
        }
    }

    /// @inheritdoc IInsuranceViews
    function insuranceVaultTotals(uint256 poolId) external view returns (uint256, uint256, uint256, uint256) {
        InsuranceStorage.Pool storage p = LibInsurance.pool(poolId);
        uint256 capital = p.capital;
        uint256 cap = p.depositCap;
        return (capital, p.totalShares, cap > capital ? cap - capital : 0, capital - p.locked);
    }

    /// @dev What the pool's triggered risks still owe: the queue holds every risk with payouts left.
    function _owed(uint256 poolId) private view returns (uint256 owed) {
        InsuranceStorage.Layout storage $ = InsuranceStorage.layout();
        for (uint256 riskId = $.pendingHead; riskId != 0; riskId = $.risks[riskId].nextPending) {
            InsuranceStorage.Risk storage r = $.risks[riskId];
            if (r.poolId == poolId) owed += r.owedLeft;
        }
    }

    /// @inheritdoc IInsuranceViews
    function insuranceSharesOf(uint256 poolId, address account) external view returns (uint256) {
        return LibInsurance.pool(poolId).sharesOf[account];
    }
}
