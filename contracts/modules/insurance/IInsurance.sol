// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IInsuranceTypes} from "./IInsuranceTypes.sol";

/// @title Insurance module: policies, assessed claims, and the pool vaults' hooks.
interface IInsurance is IInsuranceTypes {
    /// @notice Buys a policy on `riskId` for `beneficiary`; the caller is its holder and pays
    /// the premium (approve the diamond). Refused after the purchase cut-off, once the
    /// risk is triggered or closed, beyond the risk's or the pool's capacity.
    /// @return policyId `riskId << 32 | n` for the risk's n-th policy.
    function buyPolicy(
        uint256 riskId,
        address beneficiary,
        uint96 sumInsured,
        uint40 coverStart,
        uint40 coverEnd
    ) external returns (uint256 policyId, uint256 premium);

    /// @notice The holder cancels before cover starts: the pool refunds its part of the
    /// premium (premium − the institution's fee) and the locked capital is freed.
    function cancelPolicy(uint256 policyId) external returns (uint256 refund);

    /// @notice The holder names a new beneficiary, until a claim exists (a filed claim, or
    /// the risk's trigger).
    function setPolicyBeneficiary(uint256 policyId, address beneficiary) external;

    /// @notice Assessed products: the holder files a claim of `amount` (at most what the
    /// policy has left) with the hash of its evidence (the documents stay off-chain), from
    /// cover start until the product's claim window after cover ends.
    function submitClaim(uint256 policyId, uint96 amount, bytes32 evidence) external returns (uint256 claimId);

    /// @notice An assessor (`finsuite.role.claim-assessor`) confirms `amount` (at most what
    /// the policy has left) and the beneficiary is paid at once.
    function confirmClaim(uint256 claimId, uint96 amount) external;

    /// @notice An assessor declines a claim with a reason code (the institution's own list).
    function declineClaim(uint256 claimId, uint16 reason) external;

    /// @notice Called by pool `poolId`'s vault only: books a deposit (see `DiamondVault`).
    function insuranceVaultDeposit(
        uint256 poolId,
        address caller,
        address receiver,
        uint256 assets,
        uint256 shares
    ) external returns (uint256 assetsIn, uint256 sharesOut);

    /// @notice Called by pool `poolId`'s vault only: books a withdrawal and pays it.
    function insuranceVaultWithdraw(
        uint256 poolId,
        address caller,
        address receiver,
        address owner,
        uint256 assets,
        uint256 shares
    ) external returns (uint256 assetsOut, uint256 sharesIn);

    /// @notice Called by pool `poolId`'s vault only: moves shares between holders.
    function insuranceVaultTransfer(uint256 poolId, address from, address to, uint256 shares) external;
}
