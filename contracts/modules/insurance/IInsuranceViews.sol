// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IInsuranceTypes} from "./IInsuranceTypes.sol";

/// @title Insurance module: views.
interface IInsuranceViews is IInsuranceTypes {
    function insurancePool(uint256 poolId) external view returns (InsurancePoolView memory);

    function insuranceProduct(uint256 productId) external view returns (ProductParams memory params, bool open);

    function insuranceRisk(uint256 riskId) external view returns (RiskView memory);

    function insurancePolicy(uint256 policyId) external view returns (PolicyView memory);

    function insuranceClaim(uint256 claimId) external view returns (ClaimView memory);

    /// @notice Counts of pools, products, risks and claims created so far (ids start at 1).
    function insuranceCounts() external view returns (uint256 pools, uint256 products, uint256 risks, uint256 claims);

    /// @notice The premium and the institution's fee of a policy of `sumInsured`.
    function quoteInsurancePremium(
        uint256 productId,
        uint256 sumInsured
    ) external view returns (uint256 premium, uint256 fee);

    /// @notice How much more sum insured `riskId` accepts now: the lower of the risk's
    /// aggregate room and what the pool's free capital backs.
    function insuranceCapacity(uint256 riskId) external view returns (uint256);

    /// @notice Triggered risks with payouts left, oldest first.
    function insurancePendingRisks() external view returns (uint256[] memory);

    /// @notice What pool `poolId`'s vault reads: total assets (capital), total shares,
    /// deposit room and what may be withdrawn now (capital − locked).
    function insuranceVaultTotals(
        uint256 poolId
    ) external view returns (uint256 totalAssets, uint256 totalShares, uint256 depositRoom, uint256 free);

    function insuranceSharesOf(uint256 poolId, address account) external view returns (uint256);
}
