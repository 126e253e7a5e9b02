// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IInsuranceTypes} from "./IInsuranceTypes.sol";

/// @title Insurance module: what the insurer (`finsuite.role.insurer`) sets up.
interface IInsuranceAdmin is IInsuranceTypes {
    /// @notice Opens a risk pool and creates its ERC-4626 share vault (a clone).
    function createInsurancePool(InsurancePoolParams calldata params) external returns (uint256 poolId, address vault);

    /// @notice Changes how much capital deposits may bring the pool to (0 closes deposits).
    function setInsurancePoolDepositCap(uint256 poolId, uint96 depositCap) external;

    /// @notice Creates a product of `params.poolId`. Its terms never change; it starts open.
    function createInsuranceProduct(ProductParams calldata params) external returns (uint256 productId);

    /// @notice Opens or closes a product for new policies (existing ones are unaffected).
    function setInsuranceProductOpen(uint256 productId, bool open) external;

    /// @notice Opens a risk of `productId` covering `[start, end]`: `key` identifies the
    /// event off-chain (e.g. keccak256 of "LH1234 2026-12-24"). `feed`: a Chainlink-compatible
    /// index feed `checkTrigger` reads, or zero for oracle reports only.
    function createInsuranceRisk(
        uint256 productId,
        bytes32 key,
        uint40 start,
        uint40 end,
        address feed
    ) external returns (uint256 riskId);

    /// @notice Sends the institution's accrued fees of `poolId` to `to`.
    function withdrawInsuranceFees(uint256 poolId, address to) external;
}
