// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

/// @title Insurance module: types, events and errors shared by its interfaces.
/// @notice Amounts are in the pool's asset units; basis points (bps) are 1/10,000.
///
/// The model: the insurer opens a **risk pool** per product line; capital providers deposit
/// the pool's asset into its ERC-4626 vault. A **product** fixes the terms (premium, fee,
/// sums, cover windows, and for a parametric product the trigger tiers). A **risk** is what
/// one event hits (a flight on a date, a region in a season); **policies** attach to a risk
/// and one trigger settles all of them. Every policy locks `sumInsured × collateralBps` of
/// the pool's capital until it is paid, cancelled or its risk closes.
interface IInsuranceTypes is IERC20Errors {
    /// @notice Parametric: an index (an oracle's report or a feed) settles every policy of a
    /// risk. Assessed: the holder files a claim and an assessor confirms or declines it.
    enum ProductKind {
        Parametric,
        Assessed
    }

    /// @notice How a parametric index meets a tier: at or above its threshold (a delay, a
    /// rainfall), or at or below it (a price that fell, a temperature).
    enum Direction {
        AtLeast,
        AtMost
    }

    /// @notice Open: policies may be bought (before the cut-off) and events reported.
    /// Triggered: the insured event happened; payouts are being made. Settled: every policy
    /// of a triggered risk was processed. Closed: the risk ended without a trigger.
    enum RiskState {
        None,
        Open,
        Triggered,
        Settled,
        Closed
    }

    /// @notice A policy's state. `Expired` is never stored: a view reports it for an active
    /// policy whose risk is settled or closed without paying it.
    enum PolicyStatus {
        None,
        Active,
        Cancelled,
        Paid,
        Expired
    }

    enum ClaimState {
        None,
        Pending,
        Confirmed,
        Declined
    }

    /// @notice One severity tier of a parametric product: an index meeting `threshold`
    /// pays `payoutBps` of each policy's sum insured. Tiers are ordered by severity.
    struct Tier {
        int96 threshold;
        uint16 payoutBps;
    }

    /// @notice What the insurer chooses when opening a risk pool.
    struct InsurancePoolParams {
        /// The ERC-20 capital, premiums and payouts are in.
        address asset;
        /// Capital locked per unit of sum insured, in bps: at least 10,000 (fully
        /// collateralized: locked capital always covers every live sum insured).
        uint16 collateralBps;
        /// Most the providers' capital may reach through deposits; 0 closes deposits.
        uint96 depositCap;
        /// Name and symbol of the pool's ERC-4626 share vault.
        string name;
        string symbol;
    }

    /// @notice A product's terms, fixed when it is created (a new product for new terms).
    struct ProductParams {
        uint32 poolId;
        ProductKind kind;
        Direction direction;
        /// Premium = ceil(sumInsured × premiumBps / 10,000); at most 10,000.
        uint16 premiumBps;
        /// The institution's share of each premium, in bps (at most 5,000); the rest goes
        /// to the pool. Not refunded when a policy is cancelled.
        uint16 feeBps;
        uint96 minSumInsured;
        uint96 maxSumInsured;
        /// Bounds of a policy's cover window length, in seconds.
        uint32 minCover;
        uint32 maxCover;
        /// A policy can no longer be bought `purchaseCutoff` seconds before its cover starts.
        uint32 purchaseCutoff;
        /// Most the active sums insured of one risk may reach.
        uint96 maxAggregatePerRisk;
        /// Parametric: the oldest reading (a report's or a feed's) accepted, in seconds.
        uint32 maxReadingAge;
        /// Parametric: how long after the risk's end a reading (taken inside the window)
        /// is still accepted. Assessed: how long after a policy's cover ends its holder may
        /// still file a claim. A risk can be closed only after its end plus this.
        uint32 claimWindow;
        /// Parametric only: 1 to 4 tiers, strictly more severe and paying strictly more.
        Tier[] tiers;
    }

    /// @notice A pool's books: `capital` is the providers' (the vault's total assets),
    /// `locked` the part of it backing live policies, `owed` what triggered risks still
    /// have to pay out, `fees` the institution's. The diamond holds all four.
    struct InsurancePoolView {
        address asset;
        address vault;
        uint16 collateralBps;
        uint96 depositCap;
        uint256 capital;
        uint256 locked;
        uint256 owed;
        uint256 fees;
        uint256 totalShares;
    }

    struct RiskView {
        uint32 productId;
        uint32 poolId;
        RiskState state;
        bytes32 key;
        uint40 start;
        uint40 end;
        address feed;
        uint32 policyCount;
        uint32 pendingClaims;
        uint256 activeSumInsured;
        uint256 locked;
        /// The time of the trigger's reading (or of the last accepted one while open) and the
        /// tier it met (0: none); the value is in the `InsuranceRiskTriggered` event.
        uint8 tier;
        uint40 observedAt;
        /// Policies processed by payout batches so far, and what is still reserved for them.
        uint32 cursor;
        uint256 owedLeft;
    }

    struct PolicyView {
        uint256 riskId;
        address holder;
        address beneficiary;
        uint96 sumInsured;
        uint96 premium;
        uint40 coverStart;
        uint40 coverEnd;
        PolicyStatus status;
        /// What has been paid on the policy so far.
        uint256 paid;
        /// The claim being assessed, or 0.
        uint256 openClaim;
    }

    struct ClaimView {
        uint256 policyId;
        ClaimState state;
        uint96 requested;
        uint96 confirmed;
        uint16 reason;
        bytes32 evidence;
    }

    // ---------------------------------------------------------------- events

    event InsurancePoolCreated(
        uint256 indexed poolId,
        address indexed asset,
        address vault,
        uint16 collateralBps,
        uint96 depositCap
    );
    event InsurancePoolDepositCapSet(uint256 indexed poolId, uint96 depositCap);
    event InsuranceProductCreated(uint256 indexed productId, uint256 indexed poolId, ProductParams params);
    event InsuranceProductOpenSet(uint256 indexed productId, bool open);
    event InsuranceRiskCreated(
        uint256 indexed riskId,
        uint256 indexed productId,
        bytes32 indexed key,
        uint40 start,
        uint40 end,
        address feed
    );
    /// @notice `holder` bought policy `policyId` for `beneficiary`; of `premium`, `fee`
    /// went to the institution and the rest to the pool.
    event InsurancePolicyBought(
        uint256 indexed policyId,
        address indexed holder,
        address indexed beneficiary,
        uint96 sumInsured,
        uint96 premium,
        uint96 fee,
        uint40 coverStart,
        uint40 coverEnd
    );
    event InsurancePolicyCancelled(uint256 indexed policyId, address indexed holder, uint256 refund);
    event InsuranceBeneficiaryChanged(uint256 indexed policyId, address previous, address beneficiary);
    /// @notice A reading of `riskId`'s index (reported by `reporter`, or read from the risk's
    /// feed by `reporter` through `checkTrigger` or the upkeep) was accepted and met no tier:
    /// later readings must be newer.
    event InsuranceReadingRecorded(uint256 indexed riskId, address indexed reporter, int256 value, uint40 observedAt);
    /// @notice A reading (by `reporter`, as above) met tier `tier`: every active policy of
    /// `riskId` whose cover held at `observedAt` is payable, `payoutBps` of its sum insured.
    /// `reserved` moved from the pool's capital to `owed` for the payout batches.
    event InsuranceRiskTriggered(
        uint256 indexed riskId,
        address indexed reporter,
        uint8 tier,
        uint16 payoutBps,
        int256 value,
        uint40 observedAt,
        uint256 reserved
    );
    /// @notice Policy `policyId` paid `amount` to `beneficiary` (`credited`: the beneficiary
    /// refused the transfer, and claims it with `claimCredit`). `claimId` 0: a trigger paid it.
    event InsurancePolicyPaid(
        uint256 indexed policyId,
        uint256 indexed claimId,
        address indexed beneficiary,
        uint256 amount,
        bool credited
    );
    /// @notice A payout batch of `riskId` by `caller` processed policies up to `cursor`,
    /// paying `paid` of them `amount` in total.
    event InsurancePayoutBatch(
        uint256 indexed riskId,
        address indexed caller,
        uint32 cursor,
        uint32 paid,
        uint256 amount
    );
    /// @notice The last payout batch of `riskId` ran; `released` (reserved, not paid)
    /// returned to the pool's capital.
    event InsuranceRiskSettled(uint256 indexed riskId, uint256 released);
    /// @notice `riskId` ended without a trigger; its policies expired and `released`
    /// capital is free again.
    event InsuranceRiskClosed(uint256 indexed riskId, address indexed caller, uint256 released);
    event InsuranceClaimSubmitted(
        uint256 indexed claimId,
        uint256 indexed policyId,
        address indexed holder,
        uint96 amount,
        bytes32 evidence
    );
    event InsuranceClaimConfirmed(
        uint256 indexed claimId,
        uint256 indexed policyId,
        address indexed assessor,
        uint96 amount
    );
    event InsuranceClaimDeclined(
        uint256 indexed claimId,
        uint256 indexed policyId,
        address indexed assessor,
        uint16 reason
    );
    event InsuranceFeesWithdrawn(uint256 indexed poolId, address indexed to, uint256 amount);

    // ---------------------------------------------------------------- errors

    error InsuranceUnknownPool(uint256 poolId);
    error InsuranceUnknownProduct(uint256 productId);
    error InsuranceUnknownRisk(uint256 riskId);
    error InsuranceUnknownPolicy(uint256 policyId);
    error InsuranceUnknownClaim(uint256 claimId);
    /// @notice A parameter is out of its documented range: `field` names it.
    error InsuranceParamInvalid(string field, uint256 value);
    error InsuranceZeroAmount();
    /// @notice The deposit would mint no share, or the redemption would pay no asset.
    error InsuranceZeroShares(uint256 poolId, uint256 amount);
    error InsuranceDepositCapExceeded(uint256 poolId, uint256 total, uint256 cap);
    /// @notice Only capital backing no live policy nor pending payout can leave: `free`.
    error InsuranceCapitalLocked(uint256 poolId, uint256 requested, uint256 free);
    error InsuranceReceiverInvalid(address receiver);
    error InsuranceNotPoolVault(uint256 poolId, address caller);
    /// @notice The token delivered less than was asked (fee-on-transfer tokens are refused).
    error InsuranceTokenShortfall(address token, uint256 expected, uint256 received);
    error InsuranceProductClosed(uint256 productId);
    error InsuranceWrongProductKind(uint256 productId, ProductKind kind);
    error InsuranceRiskNotOpen(uint256 riskId, RiskState state);
    error InsuranceSumInsuredOutOfRange(uint256 sumInsured, uint256 min, uint256 max);
    /// @notice The cover window is not inside the risk's window or its length is out of the
    /// product's bounds.
    error InsuranceCoverWindowInvalid(uint256 coverStart, uint256 coverEnd);
    /// @notice Sales for this cover start closed at `cutoffAt`.
    error InsurancePurchaseCutoffPassed(uint256 coverStart, uint256 cutoffAt);
    /// @notice The pool's free capital covers at most `capacityLeft` more sum insured.
    error InsuranceCapacityExceeded(uint256 poolId, uint256 sumInsured, uint256 capacityLeft);
    /// @notice The risk accepts at most `left` more sum insured.
    error InsuranceRiskCapacityExceeded(uint256 riskId, uint256 sumInsured, uint256 left);
    error InsuranceNotPolicyHolder(uint256 policyId, address caller);
    error InsurancePolicyNotActive(uint256 policyId, PolicyStatus status);
    error InsuranceCoverStarted(uint256 policyId, uint256 coverStart);
    /// @notice The beneficiary is fixed once a claim exists (a filed claim, or a trigger).
    error InsuranceClaimExists(uint256 policyId);
    error InsuranceReadingFromFuture(uint256 observedAt, uint256 now);
    error InsuranceReadingStale(uint256 observedAt, uint256 maxAge);
    error InsuranceReadingOutsideWindow(uint256 riskId, uint256 observedAt, uint256 start, uint256 end);
    /// @notice A reading must be newer than the last one accepted for the risk (no replay).
    error InsuranceReadingNotNewer(uint256 riskId, uint256 observedAt, uint256 lastObservedAt);
    /// @notice Readings of the risk were accepted until `closesAt` (its end plus the product's
    /// claim window); the risk can now only be closed.
    error InsuranceReportingClosed(uint256 riskId, uint256 closesAt);
    error InsuranceRiskHasNoFeed(uint256 riskId);
    /// @notice The feed could not be read (it reverted).
    error InsuranceFeedUnreadable(uint256 riskId, address feed);
    /// @notice The reading meets no tier: nothing is triggered.
    error InsuranceConditionNotMet(uint256 riskId, int256 value);
    error InsuranceNoPayoutsPending(uint256 riskId);
    error InsuranceRiskNotEnded(uint256 riskId, uint256 closesAt);
    error InsuranceClaimsPending(uint256 riskId, uint256 count);
    /// @notice Claims can be filed from cover start until `claimUntil`.
    error InsuranceClaimOutsideCover(uint256 policyId, uint256 coverStart, uint256 claimUntil);
    error InsuranceClaimAlreadyOpen(uint256 policyId, uint256 claimId);
    /// @notice A claimed or confirmed amount must be positive and at most what the policy
    /// has left (`left`).
    error InsuranceClaimAmountInvalid(uint256 amount, uint256 left);
    error InsuranceClaimNotPending(uint256 claimId, ClaimState state);
    error InsuranceNoFees(uint256 poolId);
}
