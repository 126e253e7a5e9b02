// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {LibAccess} from "../../access/LibAccess.sol";
import {LibFeed} from "../../shared/LibFeed.sol";
import {LibShares} from "../../tokens/LibShares.sol";
import {IInsuranceAdmin} from "./IInsuranceAdmin.sol";
import {InsuranceStorage} from "./InsuranceStorage.sol";
import {LibInsurance} from "./LibInsurance.sol";

/// @title Insurance module facet: pools, products, risks and the institution's fees.
contract InsuranceAdminFacet is IInsuranceAdmin, ReentrancyGuardTransient {
    /// @inheritdoc IInsuranceAdmin
    function createInsurancePool(InsurancePoolParams calldata params) external returns (uint256 poolId, address vault) {
        LibAccess.checkRole(InsuranceStorage.INSURER_ROLE);
        address asset = params.asset;
        if (asset.code.length == 0) revert InsuranceParamInvalid("asset", uint160(asset));
        uint16 collateralBps = params.collateralBps;
        if (collateralBps < InsuranceStorage.BPS || collateralBps > InsuranceStorage.MAX_COLLATERAL_BPS) {
            revert InsuranceParamInvalid("collateralBps", collateralBps);
        }
        InsuranceStorage.Layout storage $ = InsuranceStorage.layout();
        poolId = ++$.poolCount;
        vault = Clones.cloneWithImmutableArgs(
            $.vaultImplementation,
            abi.encode(
                address(this),
                asset,
                poolId,
                IERC20Metadata(asset).decimals() + LibShares.DECIMALS_OFFSET,
                params.name,
                params.symbol
            )
        );
        InsuranceStorage.Pool storage p = $.pools[poolId];
        p.asset = asset;
        p.collateralBps = collateralBps;
        p.vault = vault;
        p.depositCap = params.depositCap;
        emit InsurancePoolCreated(poolId, asset, vault, collateralBps, params.depositCap);
    }

    /// @inheritdoc IInsuranceAdmin
    function setInsurancePoolDepositCap(uint256 poolId, uint96 depositCap) external {
        LibAccess.checkRole(InsuranceStorage.INSURER_ROLE);
        LibInsurance.pool(poolId).depositCap = depositCap;
        emit InsurancePoolDepositCapSet(poolId, depositCap);
    }

    /// @inheritdoc IInsuranceAdmin
    function createInsuranceProduct(ProductParams calldata params) external returns (uint256 productId) {
        LibAccess.checkRole(InsuranceStorage.INSURER_ROLE);
        LibInsurance.pool(params.poolId);
        _checkTerms(params);
        uint8 tierCount = _checkTiers(params);
        InsuranceStorage.Layout storage $ = InsuranceStorage.layout();
        productId = ++$.productCount;
        InsuranceStorage.Product storage pr = $.products[productId];
        pr.poolId = params.poolId;
        pr.kind = uint8(params.kind);
        pr.direction = uint8(params.direction);
        pr.premiumBps = params.premiumBps;
        pr.feeBps = params.feeBps;
        pr.open = true;
        pr.tierCount = tierCount;
        pr.minCover = params.minCover;
        pr.maxCover = params.maxCover;
        pr.purchaseCutoff = params.purchaseCutoff;
        pr.maxReadingAge = params.maxReadingAge;
        pr.claimWindow = params.claimWindow;
        pr.minSumInsured = params.minSumInsured;
        pr.maxSumInsured = params.maxSumInsured;
        pr.maxAggregatePerRisk = params.maxAggregatePerRisk;
        for (uint8 i; i < tierCount; ++i) {
            pr.tiers[i] = InsuranceStorage.Tier(params.tiers[i].threshold, params.tiers[i].payoutBps);
        }
        emit InsuranceProductCreated(productId, params.poolId, params);
        emit InsuranceProductOpenSet(productId, true);
    }

    /// @inheritdoc IInsuranceAdmin
    function setInsuranceProductOpen(uint256 productId, bool open) external {
        LibAccess.checkRole(InsuranceStorage.INSURER_ROLE);
        LibInsurance.product(productId).open = open;
        emit InsuranceProductOpenSet(productId, open);
    }

    /// @inheritdoc IInsuranceAdmin
    function createInsuranceRisk(
        uint256 productId,
        bytes32 key,
        uint40 start,
        uint40 end,
        address feed
    ) external returns (uint256 riskId) {
        LibAccess.checkRole(InsuranceStorage.INSURER_ROLE);
        InsuranceStorage.Product storage pr = LibInsurance.product(productId);
        if (end <= start) revert InsuranceParamInvalid("end", end);
        if (end <= block.timestamp) revert InsuranceParamInvalid("end", end);
        if (feed != address(0)) {
            if (pr.kind != uint8(ProductKind.Parametric)) revert InsuranceParamInvalid("feed", uint160(feed));
            (bool ok, , ) = LibFeed.latest(feed);
            if (!ok) revert InsuranceParamInvalid("feed", uint160(feed));
        }
        InsuranceStorage.Layout storage $ = InsuranceStorage.layout();
        riskId = ++$.riskCount;
        InsuranceStorage.Risk storage r = $.risks[riskId];
        r.productId = uint32(productId);
        r.poolId = pr.poolId;
        r.start = start;
        r.end = end;
        r.state = uint8(RiskState.Open);
        r.feed = feed;
        r.key = key;
        emit InsuranceRiskCreated(riskId, productId, key, start, end, feed);
    }

    /// @inheritdoc IInsuranceAdmin
    function withdrawInsuranceFees(uint256 poolId, address to) external nonReentrant {
        LibAccess.checkRole(InsuranceStorage.INSURER_ROLE);
        InsuranceStorage.Pool storage p = LibInsurance.pool(poolId);
        LibInsurance.checkReceiver(to);
        uint256 amount = p.fees;
        if (amount == 0) revert InsuranceNoFees(poolId);
        p.fees = 0;
        emit InsuranceFeesWithdrawn(poolId, to, amount);
        LibInsurance.send(p.asset, to, amount);
    }

    function _checkTerms(ProductParams calldata params) private pure {
        if (params.premiumBps == 0 || params.premiumBps > InsuranceStorage.BPS) {
            revert InsuranceParamInvalid("premiumBps", params.premiumBps);
        }
        if (params.feeBps > InsuranceStorage.MAX_FEE_BPS) revert InsuranceParamInvalid("feeBps", params.feeBps);
        if (params.minSumInsured == 0) revert InsuranceParamInvalid("minSumInsured", 0);
        if (params.maxSumInsured < params.minSumInsured) {
            revert InsuranceParamInvalid("maxSumInsured", params.maxSumInsured);
        }
        if (params.maxAggregatePerRisk < params.maxSumInsured) {
            revert InsuranceParamInvalid("maxAggregatePerRisk", params.maxAggregatePerRisk);
        }
        if (params.minCover == 0) revert InsuranceParamInvalid("minCover", 0);
        if (params.maxCover < params.minCover) revert InsuranceParamInvalid("maxCover", params.maxCover);
    }

    /// @dev Parametric: 1 to 4 tiers, each strictly more severe and paying strictly more,
    /// up to 100 %, and a reading age. Assessed: no tiers.
    function _checkTiers(ProductParams calldata params) private pure returns (uint8) {
        uint256 count = params.tiers.length;
        if (params.kind == ProductKind.Assessed) {
            if (count != 0) revert InsuranceParamInvalid("tiers", count);
            return 0;
        }
        if (count == 0 || count > InsuranceStorage.MAX_TIERS) revert InsuranceParamInvalid("tiers", count);
        if (params.maxReadingAge == 0) revert InsuranceParamInvalid("maxReadingAge", 0);
        bool atLeast = params.direction == Direction.AtLeast;
        for (uint256 i; i < count; ++i) {
            Tier calldata t = params.tiers[i];
            if (t.payoutBps == 0 || t.payoutBps > InsuranceStorage.BPS) {
                revert InsuranceParamInvalid("tiers.payoutBps", i);
            }
            if (i != 0) {
                Tier calldata previous = params.tiers[i - 1];
                bool moreSevere = atLeast ? t.threshold > previous.threshold : t.threshold < previous.threshold;
                if (!moreSevere) revert InsuranceParamInvalid("tiers.threshold", i);
                if (t.payoutBps <= previous.payoutBps) revert InsuranceParamInvalid("tiers.payoutBps", i);
            }
        }
        return uint8(count);
    }
}
