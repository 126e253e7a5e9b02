// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {LibAccess} from "../../access/LibAccess.sol";
import {LibCredit} from "../../shared/credit/LibCredit.sol";
import {LibShares} from "../../tokens/LibShares.sol";
import {IInsurance} from "./IInsurance.sol";
import {InsuranceStorage} from "./InsuranceStorage.sol";
import {LibInsurance} from "./LibInsurance.sol";

/// @title Insurance module facet: policies, assessed claims, and the pool vaults' books.
/// @notice Every entry point runs checks → writes → events → transfers, under the
/// diamond-wide reentrancy guard.
contract InsuranceFacet is IInsurance, ReentrancyGuardTransient {
    // ---------------------------------------------------------------- policies

    /// @inheritdoc IInsurance
    function buyPolicy(
        uint256 riskId,
        address beneficiary,
        uint96 sumInsured,
        uint40 coverStart,
        uint40 coverEnd
    ) external nonReentrant returns (uint256 policyId, uint256 premium) {
        InsuranceStorage.Risk storage r = LibInsurance.risk(riskId);
        if (r.state != uint8(RiskState.Open)) revert InsuranceRiskNotOpen(riskId, RiskState(r.state));
        _checkPurchase(r, beneficiary, sumInsured, coverStart, coverEnd);
        uint256 fee;
        address asset;
        (premium, fee, asset) = _bookPurchase(riskId, r, sumInsured);
        policyId = (riskId << 32) | r.policyCount;
        InsuranceStorage.layout().policies[policyId] = InsuranceStorage.Policy({
            beneficiary: beneficiary,
            sumInsured: sumInsured,
            holder: msg.sender,
            coverStart: coverStart,
            coverEnd: coverEnd,
            status: InsuranceStorage.ACTIVE
        });
        emit InsurancePolicyBought(
            policyId,
            msg.sender,
            beneficiary,
            sumInsured,
            uint96(premium),
            uint96(fee),
            coverStart,
            coverEnd
        );
        LibInsurance.pull(asset, msg.sender, premium);
    }

    /// @inheritdoc IInsurance
    function cancelPolicy(uint256 policyId) external nonReentrant returns (uint256 refund) {
        InsuranceStorage.Layout storage $ = InsuranceStorage.layout();
        InsuranceStorage.Policy storage pol = _holderPolicy(policyId);
        if (block.timestamp >= pol.coverStart) revert InsuranceCoverStarted(policyId, pol.coverStart);
        uint256 riskId = LibInsurance.riskOf(policyId);
        InsuranceStorage.Risk storage r = $.risks[riskId];
        // Once the event is known (or the risk over), nothing is cancelled.
        if (r.state != uint8(RiskState.Open)) revert InsuranceRiskNotOpen(riskId, RiskState(r.state));
        InsuranceStorage.Pool storage p = $.pools[r.poolId];
        uint96 sumInsured = pol.sumInsured;
        (uint256 premium, uint256 fee) = LibInsurance.premiumOf($.products[r.productId], sumInsured);
        refund = premium - fee;
        pol.status = InsuranceStorage.CANCELLED;
        uint96 activeSum = r.activeSum;
        LibInsurance.relock(p, activeSum, activeSum - sumInsured);
        r.activeSum = activeSum - sumInsured;
        // capital - refund >= locked: the freed lock (>= the sum insured) covers the refund.
        p.capital -= uint112(refund);
        emit InsurancePolicyCancelled(policyId, msg.sender, refund);
        LibInsurance.send(p.asset, msg.sender, refund);
    }

    /// @inheritdoc IInsurance
    function setPolicyBeneficiary(uint256 policyId, address beneficiary) external {
        InsuranceStorage.Policy storage pol = _holderPolicy(policyId);
        LibInsurance.checkReceiver(beneficiary);
        InsuranceStorage.Layout storage $ = InsuranceStorage.layout();
        if ($.risks[LibInsurance.riskOf(policyId)].state != uint8(RiskState.Open)) {
            revert InsuranceClaimExists(policyId);
        }
        if ($.policyClaims[policyId].claimCount != 0) revert InsuranceClaimExists(policyId);
        address previous = pol.beneficiary;
        pol.beneficiary = beneficiary;
        emit InsuranceBeneficiaryChanged(policyId, previous, beneficiary);
    }

    // ---------------------------------------------------------------- assessed claims

    /// @inheritdoc IInsurance
    function submitClaim(uint256 policyId, uint96 amount, bytes32 evidence) external returns (uint256 claimId) {
        InsuranceStorage.Layout storage $ = InsuranceStorage.layout();
        InsuranceStorage.Policy storage pol = _holderPolicy(policyId);
        InsuranceStorage.Risk storage r = $.risks[LibInsurance.riskOf(policyId)];
        InsuranceStorage.Product storage pr = $.products[r.productId];
        if (pr.kind != uint8(ProductKind.Assessed)) revert InsuranceWrongProductKind(r.productId, ProductKind(pr.kind));
        uint256 claimUntil = uint256(pol.coverEnd) + pr.claimWindow;
        if (block.timestamp < pol.coverStart || block.timestamp > claimUntil) {
            revert InsuranceClaimOutsideCover(policyId, pol.coverStart, claimUntil);
        }
        InsuranceStorage.PolicyClaims storage pc = $.policyClaims[policyId];
        if (pc.openClaim != 0) revert InsuranceClaimAlreadyOpen(policyId, pc.openClaim);
        uint256 left = pol.sumInsured - pc.paid;
        if (amount == 0 || amount > left) revert InsuranceClaimAmountInvalid(amount, left);
        claimId = ++$.claimCount;
        pc.openClaim = uint64(claimId);
        ++pc.claimCount;
        ++r.pendingClaims;
        InsuranceStorage.Claim storage c = $.claims[claimId];
        c.policyId = uint96(policyId);
        c.requested = amount;
        c.state = uint8(ClaimState.Pending);
        c.evidence = evidence;
        emit InsuranceClaimSubmitted(claimId, policyId, msg.sender, amount, evidence);
    }

    /// @inheritdoc IInsurance
    function confirmClaim(uint256 claimId, uint96 amount) external nonReentrant {
        LibAccess.checkRole(InsuranceStorage.ASSESSOR_ROLE);
        (InsuranceStorage.Claim storage c, uint256 policyId) = _pendingClaim(claimId);
        InsuranceStorage.Policy storage pol = InsuranceStorage.layout().policies[policyId];
        address asset = _bookClaimPayout(policyId, pol, amount);
        c.state = uint8(ClaimState.Confirmed);
        c.confirmed = amount;
        emit InsuranceClaimConfirmed(claimId, policyId, msg.sender, amount);
        address beneficiary = pol.beneficiary;
        bool sent = LibCredit.payOrCredit(LibInsurance.MODULE, asset, beneficiary, amount);
        emit InsurancePolicyPaid(policyId, claimId, beneficiary, amount, !sent);
    }

    /// @inheritdoc IInsurance
    function declineClaim(uint256 claimId, uint16 reason) external {
        LibAccess.checkRole(InsuranceStorage.ASSESSOR_ROLE);
        InsuranceStorage.Layout storage $ = InsuranceStorage.layout();
        (InsuranceStorage.Claim storage c, uint256 policyId) = _pendingClaim(claimId);
        c.state = uint8(ClaimState.Declined);
        c.reason = reason;
        $.policyClaims[policyId].openClaim = 0;
        --$.risks[LibInsurance.riskOf(policyId)].pendingClaims;
        emit InsuranceClaimDeclined(claimId, policyId, msg.sender, reason);
    }

    // ---------------------------------------------------------------- the pool vaults' books

    /// @inheritdoc IInsurance
    function insuranceVaultDeposit(
        uint256 poolId,
        address /* caller: the vault emits the events */,
        address receiver,
        uint256 assets,
        uint256 shares
    ) external nonReentrant returns (uint256, uint256) {
        InsuranceStorage.Pool storage p = _fromVault(poolId);
        if (assets == 0 && shares == 0) revert InsuranceZeroAmount();
        LibInsurance.checkReceiver(receiver);
        uint256 capital = p.capital;
        uint256 supply = p.totalShares;
        if (assets != 0) {
            shares = LibShares.toShares(assets, capital, supply, Math.Rounding.Floor);
            if (shares == 0) revert InsuranceZeroShares(poolId, assets);
        } else {
            assets = LibShares.toAssets(shares, capital, supply, Math.Rounding.Ceil);
        }
        if (capital + assets > p.depositCap) revert InsuranceDepositCapExceeded(poolId, capital + assets, p.depositCap);
        p.capital = uint112(capital + assets);
        p.totalShares = supply + shares;
        p.sharesOf[receiver] += shares;
        return (assets, shares);
    }

    /// @inheritdoc IInsurance
    function insuranceVaultWithdraw(
        uint256 poolId,
        address /* caller: the vault emits the events */,
        address receiver,
        address owner,
        uint256 assets,
        uint256 shares
    ) external nonReentrant returns (uint256, uint256) {
        InsuranceStorage.Pool storage p = _fromVault(poolId);
        if (assets == 0 && shares == 0) revert InsuranceZeroAmount();
        LibInsurance.checkReceiver(receiver);
        uint256 capital = p.capital;
        uint256 supply = p.totalShares;
        if (assets != 0) {
            shares = LibShares.toShares(assets, capital, supply, Math.Rounding.Ceil);
        } else {
            assets = LibShares.toAssets(shares, capital, supply, Math.Rounding.Floor);
            if (assets == 0) revert InsuranceZeroShares(poolId, shares);
        }
        uint256 free = capital - p.locked;
        if (assets > free) revert InsuranceCapitalLocked(poolId, assets, free);
        uint256 owned = p.sharesOf[owner];
        if (shares > owned) revert ERC20InsufficientBalance(owner, owned, shares);
        p.capital = uint112(capital - assets);
        p.totalShares = supply - shares;
        p.sharesOf[owner] = owned - shares;
        LibInsurance.send(p.asset, receiver, assets);
        return (assets, shares);
    }

    /// @inheritdoc IInsurance
    function insuranceVaultTransfer(uint256 poolId, address from, address to, uint256 shares) external {
        InsuranceStorage.Pool storage p = _fromVault(poolId);
        uint256 owned = p.sharesOf[from];
        if (shares > owned) revert ERC20InsufficientBalance(from, owned, shares);
        p.sharesOf[from] = owned - shares;
        p.sharesOf[to] += shares;
    }

    // ---------------------------------------------------------------- internals

    /// @dev Books a purchase on the risk and its pool (capacity first): the lock, the
    /// premium less the fee into the capital, the fee, and the risk's policy count.
    function _bookPurchase(
        uint256 riskId,
        InsuranceStorage.Risk storage r,
        uint96 sumInsured
    ) private returns (uint256 premium, uint256 fee, address asset) {
        InsuranceStorage.Layout storage $ = InsuranceStorage.layout();
        InsuranceStorage.Product storage pr = $.products[r.productId];
        uint256 before = r.activeSum;
        uint256 activeSum = before + sumInsured;
        if (activeSum > pr.maxAggregatePerRisk) {
            revert InsuranceRiskCapacityExceeded(riskId, sumInsured, pr.maxAggregatePerRisk - before);
        }
        InsuranceStorage.Pool storage p = $.pools[pr.poolId];
        uint256 capacity = LibInsurance.capacityOf(p, before);
        if (sumInsured > capacity) revert InsuranceCapacityExceeded(pr.poolId, sumInsured, capacity);
        LibInsurance.relock(p, before, activeSum);
        (premium, fee) = LibInsurance.premiumOf(pr, sumInsured);
        p.capital += SafeCast.toUint112(premium - fee);
        p.fees += uint128(fee);
        r.activeSum = uint96(activeSum);
        ++r.policyCount;
        asset = p.asset;
    }

    function _checkPurchase(
        InsuranceStorage.Risk storage r,
        address beneficiary,
        uint96 sumInsured,
        uint40 coverStart,
        uint40 coverEnd
    ) private view {
        InsuranceStorage.Product storage pr = InsuranceStorage.layout().products[r.productId];
        if (!pr.open) revert InsuranceProductClosed(r.productId);
        LibInsurance.checkReceiver(beneficiary);
        if (sumInsured < pr.minSumInsured || sumInsured > pr.maxSumInsured) {
            revert InsuranceSumInsuredOutOfRange(sumInsured, pr.minSumInsured, pr.maxSumInsured);
        }
        if (
            coverStart < r.start ||
            coverEnd > r.end ||
            coverEnd <= coverStart ||
            coverEnd - coverStart < pr.minCover ||
            coverEnd - coverStart > pr.maxCover
        ) revert InsuranceCoverWindowInvalid(coverStart, coverEnd);
        uint256 cutoffAt = coverStart > pr.purchaseCutoff ? coverStart - pr.purchaseCutoff : 0;
        if (block.timestamp > cutoffAt) revert InsurancePurchaseCutoffPassed(coverStart, cutoffAt);
    }

    /// @dev Books a confirmed claim's payout: the policy's lock shrinks with what it has
    /// left (by at least the amount: collateralization is at least 100 %), the amount
    /// leaves the pool's capital, and a policy paid in full is done.
    function _bookClaimPayout(
        uint256 policyId,
        InsuranceStorage.Policy storage pol,
        uint96 amount
    ) private returns (address asset) {
        InsuranceStorage.Layout storage $ = InsuranceStorage.layout();
        InsuranceStorage.PolicyClaims storage pc = $.policyClaims[policyId];
        uint96 left = pol.sumInsured - pc.paid;
        if (amount == 0 || amount > left) revert InsuranceClaimAmountInvalid(amount, left);
        InsuranceStorage.Risk storage r = $.risks[LibInsurance.riskOf(policyId)];
        InsuranceStorage.Pool storage p = $.pools[r.poolId];
        uint96 activeSum = r.activeSum;
        LibInsurance.relock(p, activeSum, activeSum - amount);
        r.activeSum = activeSum - amount;
        p.capital -= amount;
        --r.pendingClaims;
        pc.paid += amount;
        pc.openClaim = 0;
        if (amount == left) pol.status = InsuranceStorage.PAID;
        asset = p.asset;
    }

    function _holderPolicy(uint256 policyId) private view returns (InsuranceStorage.Policy storage pol) {
        pol = LibInsurance.policy(policyId);
        if (pol.holder != msg.sender) revert InsuranceNotPolicyHolder(policyId, msg.sender);
        if (pol.status != InsuranceStorage.ACTIVE) revert InsurancePolicyNotActive(policyId, PolicyStatus(pol.status));
    }

    function _pendingClaim(uint256 claimId) private view returns (InsuranceStorage.Claim storage c, uint256 policyId) {
        c = InsuranceStorage.layout().claims[claimId];
        if (c.state == 0) revert InsuranceUnknownClaim(claimId);
        if (c.state != uint8(ClaimState.Pending)) revert InsuranceClaimNotPending(claimId, ClaimState(c.state));
        policyId = c.policyId;
    }

    function _fromVault(uint256 poolId) private view returns (InsuranceStorage.Pool storage p) {
        p = LibInsurance.pool(poolId);
        if (msg.sender != p.vault) revert InsuranceNotPoolVault(poolId, msg.sender);
    }
}
