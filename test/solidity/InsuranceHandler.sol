// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

// A test handler: many ghost variables, named like ordinary fields.
// solhint-disable max-states-count, immutable-vars-naming

import {Vm, boundTo} from "./TestBase.sol";
import {IHandlerClock} from "./LendingHandler.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

import {Diamond, DiamondConfig} from "../../contracts/diamond/Diamond.sol";
import {CoreFacets} from "../../contracts/diamond/libraries/LibCore.sol";
import {DiamondCutFacet} from "../../contracts/diamond/facets/DiamondCutFacet.sol";
import {DiamondLoupeFacet} from "../../contracts/diamond/facets/DiamondLoupeFacet.sol";
import {OwnershipFacet} from "../../contracts/diamond/facets/OwnershipFacet.sol";
import {AccessControlFacet} from "../../contracts/access/AccessControlFacet.sol";
import {LibAccess} from "../../contracts/access/LibAccess.sol";
import {PauseFacet} from "../../contracts/access/PauseFacet.sol";
import {TimelockFacet} from "../../contracts/access/TimelockFacet.sol";
import {ModuleRegistryFacet} from "../../contracts/registry/ModuleRegistryFacet.sol";
import {IFinanceDiamond} from "../../contracts/interfaces/IFinanceDiamond.sol";
import {IModuleRegistry} from "../../contracts/interfaces/IModuleRegistry.sol";
import {IInsurance} from "../../contracts/modules/insurance/IInsurance.sol";
import {IInsuranceAdmin} from "../../contracts/modules/insurance/IInsuranceAdmin.sol";
import {IInsuranceTriggers} from "../../contracts/modules/insurance/IInsuranceTriggers.sol";
import {IInsuranceTypes} from "../../contracts/modules/insurance/IInsuranceTypes.sol";
import {IInsuranceViews} from "../../contracts/modules/insurance/IInsuranceViews.sol";
import {InsuranceAdminFacet} from "../../contracts/modules/insurance/InsuranceAdminFacet.sol";
import {InsuranceFacet} from "../../contracts/modules/insurance/InsuranceFacet.sol";
import {InsuranceInit} from "../../contracts/modules/insurance/InsuranceInit.sol";
import {InsurancePoolVault} from "../../contracts/modules/insurance/InsurancePoolVault.sol";
import {InsuranceStorage} from "../../contracts/modules/insurance/InsuranceStorage.sol";
import {InsuranceTriggerFacet} from "../../contracts/modules/insurance/InsuranceTriggerFacet.sol";
import {InsuranceViewFacet} from "../../contracts/modules/insurance/InsuranceViewFacet.sol";
import {MockBlocklistToken, MockPriceFeed, MockStablecoin} from "../../contracts/mocks/PaymentMocks.sol";
import {CreditFacet} from "../../contracts/shared/credit/CreditFacet.sol";
import {ICredit} from "../../contracts/shared/credit/ICredit.sol";
import {IUpkeep} from "../../contracts/shared/upkeep/IUpkeep.sol";
import {UpkeepFacet} from "../../contracts/shared/upkeep/UpkeepFacet.sol";
import {FacetSelectors, ModuleId, ModuleSpec, SemVer} from "../../contracts/types/ModuleTypes.sol";

/// @dev One log as the `recordLogs` cheatcode returns it.
struct InsuranceVmLog {
    bytes32[] topics;
    bytes data;
    address emitter;
}

/// @dev The log cheatcodes the insurance campaign reads payouts and triggers with (EDR serves
/// them like the ones `TestBase.Vm` declares).
interface IInsuranceVmLogs {
    function recordLogs() external;

    function getRecordedLogs() external returns (InsuranceVmLog[] memory);
}

/// @dev The pools' test tokens: an open mint, and a blocklist (bUSD; the suite's token A, a
/// `PaymentTestToken`; not the standalone stablecoin, which is never asked to block).
interface IInsuranceTestToken {
    function mint(address to, uint256 amount) external;

    function setBlocked(address account, bool isBlocked) external;
}

/// @dev The diamond as the insurance campaign sees it: the module's four interfaces, the
/// credit book and the upkeep pair.
interface IInsuranceDiamond is IInsurance, IInsuranceAdmin, IInsuranceTriggers, IInsuranceViews {}

/// @dev Every selector of IInsurance (= every external function of InsuranceFacet).
function insuranceSelectors() pure returns (bytes4[] memory s) {
    s = new bytes4[](9);
    s[0] = IInsurance.buyPolicy.selector;
    s[1] = IInsurance.cancelPolicy.selector;
    s[2] = IInsurance.setPolicyBeneficiary.selector;
    s[3] = IInsurance.submitClaim.selector;
    s[4] = IInsurance.confirmClaim.selector;
    s[5] = IInsurance.declineClaim.selector;
    s[6] = IInsurance.insuranceVaultDeposit.selector;
    s[7] = IInsurance.insuranceVaultWithdraw.selector;
    s[8] = IInsurance.insuranceVaultTransfer.selector;
}

/// @dev Every selector of IInsuranceAdmin (= every external function of InsuranceAdminFacet).
function insuranceAdminSelectors() pure returns (bytes4[] memory s) {
    s = new bytes4[](6);
    s[0] = IInsuranceAdmin.createInsurancePool.selector;
    s[1] = IInsuranceAdmin.setInsurancePoolDepositCap.selector;
    s[2] = IInsuranceAdmin.createInsuranceProduct.selector;
    s[3] = IInsuranceAdmin.setInsuranceProductOpen.selector;
    s[4] = IInsuranceAdmin.createInsuranceRisk.selector;
    s[5] = IInsuranceAdmin.withdrawInsuranceFees.selector;
}

/// @dev Every selector of IInsuranceTriggers (= every external function of InsuranceTriggerFacet).
function insuranceTriggerSelectors() pure returns (bytes4[] memory s) {
    s = new bytes4[](6);
    s[0] = IInsuranceTriggers.reportEvent.selector;
    s[1] = IInsuranceTriggers.checkTrigger.selector;
    s[2] = IInsuranceTriggers.processPayouts.selector;
    s[3] = IInsuranceTriggers.closeRisk.selector;
    s[4] = IInsuranceTriggers.insuranceCheckUpkeep.selector;
    s[5] = IInsuranceTriggers.insurancePerformUpkeep.selector;
}

/// @dev Every selector of IInsuranceViews (= every external function of InsuranceViewFacet).
function insuranceViewSelectors() pure returns (bytes4[] memory s) {
    s = new bytes4[](11);
    s[0] = IInsuranceViews.insurancePool.selector;
    s[1] = IInsuranceViews.insuranceProduct.selector;
    s[2] = IInsuranceViews.insuranceRisk.selector;
    s[3] = IInsuranceViews.insurancePolicy.selector;
    s[4] = IInsuranceViews.insuranceClaim.selector;
    s[5] = IInsuranceViews.insuranceCounts.selector;
    s[6] = IInsuranceViews.quoteInsurancePremium.selector;
    s[7] = IInsuranceViews.insuranceCapacity.selector;
    s[8] = IInsuranceViews.insurancePendingRisks.selector;
    s[9] = IInsuranceViews.insuranceVaultTotals.selector;
    s[10] = IInsuranceViews.insuranceSharesOf.selector;
}

/// @dev The upkeep module's selectors (= IUpkeep).
function insuranceUpkeepSelectors() pure returns (bytes4[] memory s) {
    s = new bytes4[](3);
    s[0] = IUpkeep.checkUpkeep.selector;
    s[1] = IUpkeep.performUpkeep.selector;
    s[2] = IUpkeep.upkeepProviders.selector;
}

/// @dev The credit module's selectors (= ICredit).
function insuranceCreditSelectors() pure returns (bytes4[] memory s) {
    s = new bytes4[](3);
    s[0] = ICredit.claimCredit.selector;
    s[1] = ICredit.creditOf.selector;
    s[2] = ICredit.totalCredits.selector;
}

/// @title Drives the insurance module of a diamond (with upkeep and credit installed) through
/// random capital deposits and withdrawals, policy sales and cancellations, oracle reports,
/// feed triggers, payout batches, upkeep, assessed claims, risk closings, credit claims and
/// time warps, and models the money.
/// @notice Two pools: pool 1 in a blocklist token ("bUSD", 18 decimals, collateral 100 %),
/// pool 2 in a stablecoin ("USD", 6 decimals, collateral 125 %). Each has a parametric and
/// an assessed product: pool 1's parametric product pays on a delay reported by the oracle
/// (AtLeast 120 / 180 minutes), pool 2's on an index read from a shared feed (AtMost 80 /
/// 60 / 40). Four actors provide capital and buy policies; three beneficiary addresses only
/// ever receive payouts, and the last one is blocklisted by bUSD at times, so payouts to it
/// are credited. The handler reads every payout and trigger from the diamond's logs
/// (`recordLogs`) and checks each against its model when it happens; every call that reverts
/// must revert with one of the errors the action may meet, and the calls the model says are
/// valid must succeed.
/// With `existingDiamond` the handler installs insurance on that diamond (upkeep and credit
/// too, each unless installed) as `owner_`'s upgrader, takes `sharedToken` (a token with a
/// blocklist, e.g. `PaymentTestToken`) as pool 2's asset in place of its own stablecoin,
/// blocks the blockable beneficiary in it together with bUSD, and follows `clock` for time.
/// @dev Every ghost counter below is a property the invariant contract asserts or reports.
contract InsuranceHandler {
    /// @dev A risk as the handler opened it, and what the logs said happened to it.
    struct RiskModel {
        uint256 id;
        uint8 product;
        uint40 start;
        uint40 end;
        bool triggered;
        bool settled;
        bool closed;
        uint16 payoutBps;
        uint40 observedAt;
        uint256 reserved;
    }

    /// @dev A policy as bought, and what was paid on it (from the logs).
    struct PolicyModel {
        uint256 id;
        uint8 risk;
        uint8 holder;
        uint8 beneficiary;
        uint96 sumInsured;
        uint40 coverStart;
        uint40 coverEnd;
        bool cancelled;
        uint256 paid;
        uint256 triggerPayments;
        uint256 claimPaid;
    }

    /// @dev A purchase being prepared, and whether the model says it is valid.
    struct Purchase {
        uint8 risk;
        uint8 holder;
        uint8 beneficiary;
        uint96 sum;
        uint40 coverStart;
        uint40 coverEnd;
        bool valid;
        uint256 premium;
        uint256 fee;
    }

    struct ClaimModel {
        uint256 id;
        uint256 policy;
        bool open;
    }

    /// @dev One product's terms, as the handler created it.
    struct ProductCfg {
        uint8 pool;
        bool parametric;
        uint96 minSum;
        uint96 maxSum;
        uint32 minCover;
        uint32 maxCover;
        uint32 cutoff;
        uint32 maxReadingAge;
        uint32 claimWindow;
    }

    Vm internal constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    IInsuranceVmLogs internal constant LOGS = IInsuranceVmLogs(address(uint160(uint256(keccak256("hevm cheat code")))));

    ModuleId public constant UPKEEP_MODULE = ModuleId.wrap("upkeep");
    ModuleId public constant CREDIT_MODULE = ModuleId.wrap("credit");
    ModuleId public constant INSURANCE_MODULE = ModuleId.wrap("insurance");
    uint256 public constant BPS = 10_000;
    uint256 public constant ACTORS = 4;
    uint256 public constant BENEFICIARIES = 3;
    /// @dev The beneficiary bUSD blocklists at times.
    uint256 public constant BLOCKABLE = 2;
    uint256 public constant MAX_RISKS = 16;
    uint256 public constant MAX_POLICIES = 80;
    uint256 public constant PRODUCTS = 4;
    uint256 public constant TOKENS = 2;

    bytes32 public constant ACT_DEPOSIT = "deposit";
    bytes32 public constant ACT_WITHDRAW = "withdraw";
    bytes32 public constant ACT_REDEEM = "redeem";
    bytes32 public constant ACT_TRANSFER = "transferShares";
    bytes32 public constant ACT_BUY = "buyPolicy";
    bytes32 public constant ACT_CANCEL = "cancelPolicy";
    bytes32 public constant ACT_BENEFICIARY = "setPolicyBeneficiary";
    bytes32 public constant ACT_REPORT = "reportEvent";
    bytes32 public constant ACT_FEED = "moveFeed";
    bytes32 public constant ACT_CHECK = "checkTrigger";
    bytes32 public constant ACT_PAYOUTS = "processPayouts";
    bytes32 public constant ACT_UPKEEP = "performUpkeep";
    bytes32 public constant ACT_SUBMIT = "submitClaim";
    bytes32 public constant ACT_CONFIRM = "confirmClaim";
    bytes32 public constant ACT_DECLINE = "declineClaim";
    bytes32 public constant ACT_CLOSE = "closeRisk";
    bytes32 public constant ACT_OPEN_RISK = "openRisk";
    bytes32 public constant ACT_CREDIT = "claimCredit";
    bytes32 public constant ACT_BLOCK = "toggleBlock";
    bytes32 public constant ACT_FEES = "withdrawFees";
    bytes32 public constant ACT_WARP = "warpTime";

    IFinanceDiamond public immutable diamond;
    IInsuranceDiamond public immutable insurance;
    ICredit public immutable credit;
    IUpkeep public immutable upkeep;
    MockBlocklistToken public immutable blockToken;
    /// @dev Pool 2's asset: the handler's own stablecoin, or the shared token when attached.
    address public immutable stable;
    /// @dev The clock of the handler that drives time on a shared diamond (zero: its own).
    IHandlerClock public immutable clock;
    address public immutable diamondOwner;
    /// @dev Whether this handler installed upkeep and credit (else they were there already).
    bool public immutable installedUpkeep;
    bool public immutable installedCredit;
    /// @dev Attached: the shared token blocks the blockable beneficiary together with bUSD.
    bool public immutable blocksShared;
    MockPriceFeed public immutable feed;
    address public immutable treasury;
    address public immutable sink;
    address public immutable keeper;

    address[4] internal _actors;
    address[3] internal _beneficiaries;
    address[2] internal _tokens;
    uint256[2] internal _unit;
    uint256[2] internal _poolIds;
    address[2] internal _vaults;
    uint256[4] internal _productIds;
    ProductCfg[4] internal _products;
    RiskModel[] internal _risks;
    PolicyModel[] internal _policies;
    ClaimModel[] internal _claims;
    mapping(uint256 policyId => uint256 indexPlusOne) internal _policyIndex;
    mapping(uint256 riskId => uint256 indexPlusOne) internal _riskIndex;
    mapping(uint256 claimId => uint256 indexPlusOne) internal _claimIndex;
    uint256 internal _ghostTime;
    bool public blocked;

    // ------------------------------------------------------------------ the money model, per token
    uint256[2] public ghostDeposited;
    uint256[2] public ghostWithdrawn;
    uint256[2] public ghostPremiums;
    uint256[2] public ghostFeesAccrued;
    uint256[2] public ghostRefunds;
    uint256[2] public ghostFeesWithdrawn;
    /// @dev Payouts transferred to their beneficiary, and payouts credited instead.
    uint256[2] public ghostPayoutsSent;
    uint256[2] public ghostCredited;
    uint256[2] public ghostCreditsClaimed;
    /// @dev What each beneficiary received (by transfer) and was credited, per token.
    uint256[3][2] internal _received;
    uint256[3][2] internal _creditOf;

    // ------------------------------------------------------------------ properties and bookkeeping
    /// @dev A payout or trigger the model did not allow (wrong call, wrong amount, no trigger,
    /// a second payment by a trigger, a wrong beneficiary).
    uint256 public payoutViolations;
    bytes public lastPayoutViolation;
    /// @dev A call that reverted although the model said it is valid, or with an error the
    /// action cannot meet; or a return value that differs from the model's.
    uint256 public mismatches;
    bytes public lastMismatch;
    /// @dev The action being run (payouts and triggers are allowed in some only).
    bytes32 internal _action;
    uint256 internal _confirming;
    uint96 internal _confirmAmount;
    mapping(bytes32 action => uint256) public attempts;
    mapping(bytes32 action => uint256) public successes;
    uint256 public triggers;
    uint256 public payouts;
    uint256 public creditedPayouts;
    uint256 public claimPayouts;
    uint256 public warps;
    /// @dev Upkeep checks that found another module's work first (left to its own handler).
    uint256 public upkeepElsewhere;

    constructor(address existingDiamond, address owner_, address clock_, address sharedToken) {
        clock = IHandlerClock(clock_);
        if (existingDiamond == address(0)) {
            diamond = IFinanceDiamond(_newDiamond());
            diamondOwner = address(this);
        } else {
            diamond = IFinanceDiamond(existingDiamond);
            diamondOwner = owner_;
            VM.prank(owner_);
            diamond.grantRole(LibAccess.UPGRADER_ROLE, address(this));
        }
        insurance = IInsuranceDiamond(address(diamond));
        credit = ICredit(address(diamond));
        upkeep = IUpkeep(address(diamond));
        installedUpkeep = !diamond.isModuleInstalled(UPKEEP_MODULE);
        installedCredit = !diamond.isModuleInstalled(CREDIT_MODULE);
        _installModules(installedUpkeep, installedCredit);
        bytes32[3] memory roles = [
            InsuranceStorage.INSURER_ROLE,
            InsuranceStorage.ORACLE_ROLE,
            InsuranceStorage.ASSESSOR_ROLE
        ];
        for (uint256 i; i < roles.length; ++i) {
            _asOwner();
            diamond.grantRole(roles[i], address(this));
        }
        blockToken = new MockBlocklistToken();
        stable = sharedToken == address(0) ? address(new MockStablecoin()) : sharedToken;
        blocksShared = sharedToken != address(0);
        feed = new MockPriceFeed(8, 100);
        treasury = _addr("treasury");
        sink = _addr("sink");
        keeper = _addr("keeper");
        _tokens = [address(blockToken), stable];
        _unit = [uint256(1e18), 10 ** IERC20Metadata(stable).decimals()];
        for (uint256 i; i < ACTORS; ++i) _actors[i] = _addr(string.concat("actor", _digit(i)));
        for (uint256 i; i < BENEFICIARIES; ++i) _beneficiaries[i] = _addr(string.concat("beneficiary", _digit(i)));
        _ghostTime = block.timestamp;
        _createPools();
        _createProducts();
        _fundActors();
        _label(sharedToken == address(0));
    }

    // ------------------------------------------------------------------ setup

    function _newDiamond() private returns (address) {
        CoreFacets memory core = CoreFacets({
            diamondCut: address(new DiamondCutFacet()),
            diamondLoupe: address(new DiamondLoupeFacet()),
            ownership: address(new OwnershipFacet()),
            accessControl: address(new AccessControlFacet()),
            pause: address(new PauseFacet()),
            timelock: address(new TimelockFacet()),
            moduleRegistry: address(new ModuleRegistryFacet())
        });
        return address(new Diamond(core, DiamondConfig(address(this), address(this), address(0), 0)));
    }

    /// @dev As scripts/manifest.ts declares them (set `insurance`), in one timelocked
    /// operation: upkeep and credit (each unless installed), then insurance (depending on
    /// both) with `InsuranceInit.initInsurance` and the one `InsurancePoolVault` implementation.
    function _installModules(bool withUpkeep, bool withCredit) private {
        bytes[] memory calls = new bytes[]((withUpkeep ? 1 : 0) + (withCredit ? 1 : 0) + 1);
        uint256 n;
        if (withUpkeep) calls[n++] = _installUpkeepCall();
        if (withCredit) calls[n++] = _installCreditCall();
        calls[n] = abi.encodeCall(
            IModuleRegistry.installModule,
            (
                _insuranceSpec(),
                address(new InsuranceInit()),
                abi.encodeCall(InsuranceInit.initInsurance, (address(new InsurancePoolVault())))
            )
        );
        diamond.schedule(calls, bytes32("insurance-install"));
        diamond.execute(calls, bytes32("insurance-install"));
    }

    function _installUpkeepCall() private returns (bytes memory) {
        return
            abi.encodeCall(
                IModuleRegistry.installModule,
                (
                    _spec1(
                        UPKEEP_MODULE,
                        address(new UpkeepFacet()),
                        insuranceUpkeepSelectors(),
                        type(IUpkeep).interfaceId
                    ),
                    address(0),
                    ""
                )
            );
    }

    function _installCreditCall() private returns (bytes memory) {
        return
            abi.encodeCall(
                IModuleRegistry.installModule,
                (
                    _spec1(
                        CREDIT_MODULE,
                        address(new CreditFacet()),
                        insuranceCreditSelectors(),
                        type(ICredit).interfaceId
                    ),
                    address(0),
                    ""
                )
            );
    }

    function _spec1(
        ModuleId id,
        address facet,
        bytes4[] memory selectors,
        bytes4 interfaceId
    ) private pure returns (ModuleSpec memory spec) {
        spec.id = id;
        spec.version = SemVer(0, 1, 0);
        spec.facets = new FacetSelectors[](1);
        spec.facets[0] = FacetSelectors(facet, selectors);
        spec.interfaceIds = new bytes4[](1);
        spec.interfaceIds[0] = interfaceId;
    }

    function _insuranceSpec() private returns (ModuleSpec memory spec) {
        spec.id = INSURANCE_MODULE;
        spec.version = SemVer(0, 1, 0);
        spec.facets = new FacetSelectors[](4);
        spec.facets[0] = FacetSelectors(address(new InsuranceFacet()), insuranceSelectors());
        spec.facets[1] = FacetSelectors(address(new InsuranceAdminFacet()), insuranceAdminSelectors());
        spec.facets[2] = FacetSelectors(address(new InsuranceTriggerFacet()), insuranceTriggerSelectors());
        spec.facets[3] = FacetSelectors(address(new InsuranceViewFacet()), insuranceViewSelectors());
        spec.interfaceIds = new bytes4[](4);
        spec.interfaceIds[0] = type(IInsurance).interfaceId;
        spec.interfaceIds[1] = type(IInsuranceAdmin).interfaceId;
        spec.interfaceIds[2] = type(IInsuranceTriggers).interfaceId;
        spec.interfaceIds[3] = type(IInsuranceViews).interfaceId;
        spec.dependencies = new ModuleId[](2);
        spec.dependencies[0] = UPKEEP_MODULE;
        spec.dependencies[1] = CREDIT_MODULE;
    }

    function _createPools() private {
        uint16[2] memory collateral = [uint16(10_000), 12_500];
        string[2] memory names = ["Delay cover bUSD", "Index cover USD"];
        for (uint256 k; k < TOKENS; ++k) {
            (_poolIds[k], _vaults[k]) = insurance.createInsurancePool(
                IInsuranceTypes.InsurancePoolParams({
                    asset: _tokens[k],
                    collateralBps: collateral[k],
                    depositCap: uint96(60_000 * _unit[k]),
                    name: names[k],
                    symbol: k == 0 ? "icB" : "icU"
                })
            );
        }
    }

    /// @dev Products 0 and 1 in pool 1 (parametric delay, assessed), 2 and 3 in pool 2
    /// (parametric index from the feed, assessed).
    function _createProducts() private {
        for (uint256 p; p < PRODUCTS; ++p) {
            uint8 k = uint8(p / 2);
            bool parametric = p % 2 == 0;
            ProductCfg memory c = ProductCfg({
                pool: k,
                parametric: parametric,
                minSum: uint96(10 * _unit[k]),
                maxSum: uint96((parametric ? 1_000 : 2_000) * _unit[k]),
                minCover: parametric ? 1 hours : 1 days,
                maxCover: parametric ? 3 days : 10 days,
                cutoff: 1 hours,
                maxReadingAge: parametric ? 1 days : 0,
                claimWindow: parametric ? 12 hours : 1 days
            });
            _products[p] = c;
            _productIds[p] = insurance.createInsuranceProduct(_productParams(p, c));
        }
    }

    function _productParams(
        uint256 p,
        ProductCfg memory c
    ) private view returns (IInsuranceTypes.ProductParams memory params) {
        params.poolId = uint32(_poolIds[c.pool]);
        params.kind = c.parametric ? IInsuranceTypes.ProductKind.Parametric : IInsuranceTypes.ProductKind.Assessed;
        params.direction = p == 2 ? IInsuranceTypes.Direction.AtMost : IInsuranceTypes.Direction.AtLeast;
        params.premiumBps = c.parametric ? 500 : 300;
        params.feeBps = c.parametric ? 1_000 : 500;
        params.minSumInsured = c.minSum;
        params.maxSumInsured = c.maxSum;
        params.minCover = c.minCover;
        params.maxCover = c.maxCover;
        params.purchaseCutoff = c.cutoff;
        params.maxAggregatePerRisk = uint96((c.parametric ? 3_000 : 5_000) * _unit[c.pool]);
        params.maxReadingAge = c.maxReadingAge;
        params.claimWindow = c.claimWindow;
        if (p == 0) {
            params.tiers = new IInsuranceTypes.Tier[](2);
            params.tiers[0] = IInsuranceTypes.Tier(120, 5_000);
            params.tiers[1] = IInsuranceTypes.Tier(180, 10_000);
        } else if (p == 2) {
            params.tiers = new IInsuranceTypes.Tier[](3);
            params.tiers[0] = IInsuranceTypes.Tier(80, 3_000);
            params.tiers[1] = IInsuranceTypes.Tier(60, 7_000);
            params.tiers[2] = IInsuranceTypes.Tier(40, 10_000);
        }
    }

    function _fundActors() private {
        for (uint256 i; i < ACTORS; ++i) {
            for (uint256 k; k < TOKENS; ++k) {
                IInsuranceTestToken(_tokens[k]).mint(_actors[i], mintedPerActor(k));
                VM.startPrank(_actors[i]);
                IERC20(_tokens[k]).approve(address(diamond), type(uint256).max);
                IERC20(_tokens[k]).approve(_vaults[k], type(uint256).max);
                VM.stopPrank();
            }
        }
    }

    function _label(bool ownStable) private {
        VM.label(address(diamond), "Diamond");
        VM.label(address(blockToken), "bUSD");
        if (ownStable) VM.label(stable, "USD");
        VM.label(address(feed), "IndexFeed");
        VM.label(_vaults[0], "VaultB");
        VM.label(_vaults[1], "VaultU");
    }

    /// @dev A start the campaign builds on (a depth of 20 calls is short): every actor puts
    /// capital in both pools, one risk of each product opens two hours from now (for two
    /// days or one) with a policy covering all of it, and the blockable beneficiary starts
    /// blocked.
    function seed() external {
        for (uint256 i; i < ACTORS; ++i) {
            for (uint256 k; k < TOKENS; ++k) deposit(i | (k << 2), 3_000 * _unit[k]);
        }
        for (uint256 p; p < PRODUCTS; ++p) openRisk(p, 0, p == 0 ? 2 days : 1 days);
        toggleBlock();
        uint8[4] memory bens = [2, 0, 1, 2];
        for (uint256 p; p < PRODUCTS; ++p) {
            uint256 windowSeed = (uint256(_risks[p].end - _risks[p].start) << 128) | _risks[p].start;
            buyPolicy(p | (p << 2) | (uint256(bens[p]) << 6), 500 * _unit[p / 2], windowSeed);
        }
    }

    // ------------------------------------------------------------------ capital: the vaults

    /// @dev seed: [0,2) actor, [2] pool, [3,5) receiver, [5,8) mode (7: more than the room).
    function deposit(uint256 seed_, uint256 amount) public {
        _begin(ACT_DEPOSIT);
        uint256 k = (seed_ >> 2) & 1;
        address caller = _actors[seed_ & 3];
        address receiver = _actors[(seed_ >> 3) & 3];
        IERC4626 vault = IERC4626(_vaults[k]);
        uint256 room = vault.maxDeposit(receiver);
        uint256 assets = ((seed_ >> 5) & 7) == 7 ? room + 1 : boundTo(amount, 1, 5_000 * _unit[k]);
        bool valid = assets <= room && vault.previewDeposit(assets) != 0;
        VM.prank(caller);
        try vault.deposit(assets, receiver) returns (uint256 shares) {
            ghostDeposited[k] += assets;
            if (shares == 0) _mismatch("deposit minted no share", abi.encode(assets));
            _end(true);
        } catch (bytes memory err) {
            bytes4 s = bytes4(err);
            bool allowed =
                s == IInsuranceTypes.InsuranceDepositCapExceeded.selector ||
                    s == IInsuranceTypes.InsuranceZeroShares.selector;
            _refused(err, valid, allowed);
        }
    }

    /// @dev seed: [0,2) owner, [2] pool, [3,5) receiver, [5,8) mode (7: more than max).
    function withdraw(uint256 seed_, uint256 amount) external {
        _begin(ACT_WITHDRAW);
        uint256 k = (seed_ >> 2) & 1;
        address owner = _actors[seed_ & 3];
        address receiver = _actors[(seed_ >> 3) & 3];
        IERC4626 vault = IERC4626(_vaults[k]);
        uint256 max = vault.maxWithdraw(owner);
        uint256 assets = ((seed_ >> 5) & 7) == 7 || max == 0 ? max + 1 : boundTo(amount, 1, max);
        VM.prank(owner);
        try vault.withdraw(assets, receiver, owner) {
            ghostWithdrawn[k] += assets;
            _end(true);
        } catch (bytes memory err) {
            bytes4 s = bytes4(err);
            bool allowed =
                s == IInsuranceTypes.InsuranceCapitalLocked.selector ||
                    s == IERC20Errors.ERC20InsufficientBalance.selector;
            _refused(err, assets <= max, allowed);
        }
    }

    /// @dev seed: [0,2) owner, [2] pool, [3,5) receiver, [5,8) mode (7: more than max).
    function redeem(uint256 seed_, uint256 amount) external {
        _begin(ACT_REDEEM);
        uint256 k = (seed_ >> 2) & 1;
        address owner = _actors[seed_ & 3];
        address receiver = _actors[(seed_ >> 3) & 3];
        IERC4626 vault = IERC4626(_vaults[k]);
        uint256 max = vault.maxRedeem(owner);
        uint256 shares = ((seed_ >> 5) & 7) == 7 || max == 0 ? max + 1 : boundTo(amount, 1, max);
        uint256 preview = vault.previewRedeem(shares);
        VM.prank(owner);
        try vault.redeem(shares, receiver, owner) returns (uint256 assets) {
            ghostWithdrawn[k] += assets;
            if (assets != preview) _mismatch("redeem paid other than its preview", abi.encode(preview, assets));
            _end(true);
        } catch (bytes memory err) {
            bytes4 s = bytes4(err);
            bool allowed =
                s == IInsuranceTypes.InsuranceCapitalLocked.selector ||
                    s == IERC20Errors.ERC20InsufficientBalance.selector ||
                    s == IInsuranceTypes.InsuranceZeroShares.selector;
            _refused(err, shares <= max && preview != 0, allowed);
        }
    }

    /// @dev seed: [0,2) from, [2] pool, [3,5) to.
    function transferShares(uint256 seed_, uint256 amount) external {
        _begin(ACT_TRANSFER);
        IERC20 vault = IERC20(_vaults[(seed_ >> 2) & 1]);
        address from = _actors[seed_ & 3];
        uint256 held = vault.balanceOf(from);
        uint256 shares = boundTo(amount, 0, held);
        VM.prank(from);
        try vault.transfer(_actors[(seed_ >> 3) & 3], shares) {
            _end(true);
        } catch (bytes memory err) {
            _refused(err, true, false);
        }
    }

    // ------------------------------------------------------------------ policies

    /// @dev seed: [0,2) holder, [2,6) risk, [6,8) beneficiary, [8,12) mode (14: a sum out of
    /// range, 15: a window longer than the product allows).
    function buyPolicy(uint256 seed_, uint256 sumSeed, uint256 windowSeed) public {
        _begin(ACT_BUY);
        if (_risks.length == 0 || _policies.length >= MAX_POLICIES) return _skip();
        Purchase memory b = _purchase(seed_, sumSeed, windowSeed);
        RiskModel memory r = _risks[b.risk];
        VM.prank(_actors[b.holder]);
        try insurance.buyPolicy(r.id, _beneficiaries[b.beneficiary], b.sum, b.coverStart, b.coverEnd) returns (
            uint256 policyId,
            uint256 paid
        ) {
            if (paid != b.premium) _mismatch("premium differs from the quote", abi.encode(b.premium, paid));
            uint256 k = _products[r.product].pool;
            ghostPremiums[k] += b.premium;
            ghostFeesAccrued[k] += b.fee;
            _policyIndex[policyId] = _policies.length + 1;
            _policies.push(
                PolicyModel(policyId, b.risk, b.holder, b.beneficiary, b.sum, b.coverStart, b.coverEnd, false, 0, 0, 0)
            );
            _end(true);
        } catch (bytes memory err) {
            _refused(err, b.valid, _buyRefusal(bytes4(err)));
        }
    }

    function _purchase(uint256 seed_, uint256 sumSeed, uint256 windowSeed) private view returns (Purchase memory b) {
        b.risk = uint8(((seed_ >> 2) & 15) % _risks.length);
        RiskModel memory r = _risks[b.risk];
        ProductCfg memory c = _products[r.product];
        uint256 mode = (seed_ >> 8) & 15;
        b.sum = uint96(mode == 14 ? c.maxSum + 1 : boundTo(sumSeed, c.minSum, c.maxSum));
        bool windowOk;
        (b.coverStart, b.coverEnd, windowOk) = _window(r, c, windowSeed, mode == 15);
        b.valid = windowOk && mode != 14 && b.sum <= insurance.insuranceCapacity(r.id);
        (b.premium, b.fee) = insurance.quoteInsurancePremium(_productIds[r.product], b.sum);
        b.holder = uint8(seed_ & 3);
        b.beneficiary = uint8(((seed_ >> 6) & 3) % BENEFICIARIES);
    }

    function _buyRefusal(bytes4 s) private pure returns (bool) {
        return
            s == IInsuranceTypes.InsuranceRiskNotOpen.selector ||
            s == IInsuranceTypes.InsuranceSumInsuredOutOfRange.selector ||
            s == IInsuranceTypes.InsuranceCoverWindowInvalid.selector ||
            s == IInsuranceTypes.InsurancePurchaseCutoffPassed.selector ||
            s == IInsuranceTypes.InsuranceCapacityExceeded.selector ||
            s == IInsuranceTypes.InsuranceRiskCapacityExceeded.selector;
    }

    /// @dev A cover window inside the risk's, of a length the product allows, starting no
    /// earlier than the purchase cut-off lets (when one exists: `ok`): its start from the low
    /// 128 bits of `windowSeed`, its length from the high ones; `tooLong` makes it longer
    /// than the product's maximum.
    function _window(
        RiskModel memory r,
        ProductCfg memory c,
        uint256 windowSeed,
        bool tooLong
    ) private view returns (uint40 coverStart, uint40 coverEnd, bool ok) {
        uint256 earliest = _max(r.start, block.timestamp + c.cutoff);
        if (tooLong) return (r.start, uint40(r.start + c.maxCover + 1), false);
        if (earliest + c.minCover > r.end || _riskState(r.id) != IInsuranceTypes.RiskState.Open) {
            return (r.start, uint40(r.start + c.minCover), false);
        }
        coverStart = uint40(boundTo(uint128(windowSeed), earliest, r.end - c.minCover));
        uint256 longest = _min(c.maxCover, r.end - coverStart);
        coverEnd = uint40(coverStart + boundTo(windowSeed >> 128, c.minCover, longest));
        ok = true;
    }

    /// @dev seed: policy; bit 8 set: a caller that is not the holder.
    function cancelPolicy(uint256 seed_) external {
        _begin(ACT_CANCEL);
        if (_policies.length == 0) return _skip();
        uint256 pi = seed_ % _policies.length;
        PolicyModel memory pol = _policies[pi];
        bool stranger = (seed_ >> 8) & 1 == 1;
        IInsuranceTypes.PolicyView memory v = insurance.insurancePolicy(pol.id);
        bool valid =
            !stranger &&
                v.status == IInsuranceTypes.PolicyStatus.Active &&
                block.timestamp < pol.coverStart &&
                _riskState(_risks[pol.risk].id) == IInsuranceTypes.RiskState.Open;
        (uint256 premium, uint256 fee) = insurance.quoteInsurancePremium(
            _productIds[_risks[pol.risk].product],
            pol.sumInsured
        );
        VM.prank(stranger ? _actors[(pol.holder + 1) % ACTORS] : _actors[pol.holder]);
        try insurance.cancelPolicy(pol.id) returns (uint256 refund) {
            if (refund != premium - fee) _mismatch("refund is not premium - fee", abi.encode(premium - fee, refund));
            ghostRefunds[_products[_risks[pol.risk].product].pool] += refund;
            _policies[pi].cancelled = true;
            _end(true);
        } catch (bytes memory err) {
            bytes4 s = bytes4(err);
            bool allowed =
                s == IInsuranceTypes.InsuranceNotPolicyHolder.selector ||
                    s == IInsuranceTypes.InsurancePolicyNotActive.selector ||
                    s == IInsuranceTypes.InsuranceCoverStarted.selector ||
                    s == IInsuranceTypes.InsuranceRiskNotOpen.selector;
            _refused(err, valid, allowed);
        }
    }

    /// @dev seed: [0,8) policy, [8,10) new beneficiary.
    function setPolicyBeneficiary(uint256 seed_) external {
        _begin(ACT_BENEFICIARY);
        if (_policies.length == 0) return _skip();
        uint256 pi = (seed_ & 0xff) % _policies.length;
        PolicyModel memory pol = _policies[pi];
        uint8 ben = uint8(((seed_ >> 8) & 3) % BENEFICIARIES);
        IInsuranceTypes.PolicyView memory v = insurance.insurancePolicy(pol.id);
        bool valid =
            v.status == IInsuranceTypes.PolicyStatus.Active &&
                _riskState(_risks[pol.risk].id) == IInsuranceTypes.RiskState.Open &&
                _claimsFiled(pi) == 0;
        VM.prank(_actors[pol.holder]);
        try insurance.setPolicyBeneficiary(pol.id, _beneficiaries[ben]) {
            _policies[pi].beneficiary = ben;
            _end(true);
        } catch (bytes memory err) {
            bytes4 s = bytes4(err);
            bool allowed =
                s == IInsuranceTypes.InsurancePolicyNotActive.selector ||
                    s == IInsuranceTypes.InsuranceClaimExists.selector;
            _refused(err, valid, allowed);
        }
    }

    // ------------------------------------------------------------------ triggers and payouts

    /// @dev seed: [0,4) risk (mostly a parametric one), [4,7) value, [8,11) time mode (5:
    /// future, 6: stale, 7: before the risk's start; else a reading the risk may accept).
    function reportEvent(uint256 seed_, uint256 age) external {
        _begin(ACT_REPORT);
        if (_risks.length == 0) return _skip();
        RiskModel memory r = _risks[_pickRisk(seed_ & 15, true)];
        int256 value = _value(r.product, seed_ >> 4);
        (uint256 observedAt, bool acceptable) = _observedAt(r, (seed_ >> 8) & 7, age);
        bool valid = acceptable && _products[r.product].parametric;
        try insurance.reportEvent(r.id, value, observedAt) {
            _end(true);
        } catch (bytes memory err) {
            _refused(err, valid, _readingRefusal(bytes4(err)));
        }
    }

    /// @dev Sets the shared index feed: seed [0,3) value, [3,6) time mode (5: future, 6:
    /// stale, else within the last hour).
    function moveFeed(uint256 seed_, uint256 age) external {
        _begin(ACT_FEED);
        uint256 mode = (seed_ >> 3) & 7;
        uint256 back = mode == 6 ? 1 days + 1 + (age % 1 days) : age % 1 hours;
        uint256 at = mode == 5 ? block.timestamp + 1 + (age % 1 days) : block.timestamp - _min(block.timestamp, back);
        feed.set(_value(2, seed_), at);
        _end(true);
    }

    /// @dev Anyone (an actor) has a risk's feed read.
    function checkTrigger(uint256 seed_) external {
        _begin(ACT_CHECK);
        if (_risks.length == 0) return _skip();
        RiskModel memory r = _risks[_pickRisk(seed_ & 15, true)];
        VM.prank(_actors[(seed_ >> 8) & 3]);
        try insurance.checkTrigger(r.id) {
            _end(true);
        } catch (bytes memory err) {
            bytes4 s = bytes4(err);
            bool allowed =
                _readingRefusal(s) ||
                    s == IInsuranceTypes.InsuranceRiskHasNoFeed.selector ||
                    s == IInsuranceTypes.InsuranceConditionNotMet.selector;
            _refused(err, false, allowed);
        }
    }

    function _readingRefusal(bytes4 s) private pure returns (bool) {
        return
            s == IInsuranceTypes.InsuranceRiskNotOpen.selector ||
            s == IInsuranceTypes.InsuranceWrongProductKind.selector ||
            s == IInsuranceTypes.InsuranceReadingFromFuture.selector ||
            s == IInsuranceTypes.InsuranceReadingStale.selector ||
            s == IInsuranceTypes.InsuranceReadingOutsideWindow.selector ||
            s == IInsuranceTypes.InsuranceReadingNotNewer.selector ||
            s == IInsuranceTypes.InsuranceReportingClosed.selector;
    }

    /// @dev seed: risk (mostly one with payouts pending); maxCount 0 to 4 (0 is refused).
    function processPayouts(uint256 seed_, uint256 maxCount) external {
        _begin(ACT_PAYOUTS);
        if (_risks.length == 0) return _skip();
        uint256[] memory pending = insurance.insurancePendingRisks();
        RiskModel memory r =
            pending.length != 0 && (seed_ >> 8) & 3 != 0
                ? _risks[_riskIndex[pending[seed_ % pending.length]] - 1]
                : _risks[seed_ % _risks.length];
        maxCount = maxCount % 5;
        bool valid = maxCount != 0 && _riskState(r.id) == IInsuranceTypes.RiskState.Triggered;
        VM.prank(keeper);
        try insurance.processPayouts(r.id, maxCount) {
            _end(true);
        } catch (bytes memory err) {
            bytes4 s = bytes4(err);
            bool allowed =
                s == IInsuranceTypes.InsuranceNoPayoutsPending.selector ||
                    s == IInsuranceTypes.InsuranceZeroAmount.selector;
            _refused(err, valid, allowed);
        }
    }

    /// @dev mode (seed % 4): 0 the diamond-wide check, 1 the insurance check with every risk
    /// for feed triggers, 2 forged performData (any action, any risk), 3 the same data twice.
    /// Upkeep never reverts for insurance: a perform re-validates and does nothing when stale.
    function performUpkeep(uint256 seed_) external {
        _begin(ACT_UPKEEP);
        uint256 mode = seed_ % 4;
        bytes memory performData;
        if (mode == 2) {
            uint256 riskId = _risks.length == 0 ? 1 : _risks[(seed_ >> 8) % _risks.length].id;
            performData = abi.encode(INSURANCE_MODULE, abi.encode(uint8((seed_ >> 4) % 4), riskId));
        } else {
            bool needed;
            (needed, performData) = upkeep.checkUpkeep(mode == 0 ? bytes("") : _riskCheckData());
            if (!needed) return _end(true);
            // On a shared diamond the scan may find another module's work first: its own
            // handler models that module, so it is not performed here.
            if (!_isInsuranceWork(performData)) {
                ++upkeepElsewhere;
                return _end(true);
            }
        }
        for (uint256 n; n < (mode == 3 ? 2 : 1); ++n) {
            VM.prank(keeper);
            try upkeep.performUpkeep(performData) {} catch (bytes memory err) {
                return _refused(err, true, false);
            }
        }
        _end(true);
    }

    function _isInsuranceWork(bytes memory performData) private pure returns (bool) {
        (ModuleId moduleId, ) = abi.decode(performData, (ModuleId, bytes));
        return ModuleId.unwrap(moduleId) == ModuleId.unwrap(INSURANCE_MODULE);
    }

    function _riskCheckData() private view returns (bytes memory) {
        uint256[] memory ids = new uint256[](_risks.length);
        for (uint256 i; i < ids.length; ++i) ids[i] = _risks[i].id;
        return abi.encode(INSURANCE_MODULE, abi.encode(ids));
    }

    /// @dev Anyone (an actor) closes a risk; refused before its end plus the claim window,
    /// once triggered, or with claims pending.
    function closeRisk(uint256 seed_) external {
        _begin(ACT_CLOSE);
        if (_risks.length == 0) return _skip();
        RiskModel memory r = _risks[seed_ % _risks.length];
        IInsuranceTypes.RiskView memory v = insurance.insuranceRisk(r.id);
        bool valid =
            v.state == IInsuranceTypes.RiskState.Open &&
                block.timestamp > uint256(r.end) + _products[r.product].claimWindow &&
                v.pendingClaims == 0;
        VM.prank(_actors[(seed_ >> 8) & 3]);
        try insurance.closeRisk(r.id) {
            _end(true);
        } catch (bytes memory err) {
            bytes4 s = bytes4(err);
            bool allowed =
                s == IInsuranceTypes.InsuranceRiskNotOpen.selector ||
                    s == IInsuranceTypes.InsuranceRiskNotEnded.selector ||
                    s == IInsuranceTypes.InsuranceClaimsPending.selector;
            _refused(err, valid, allowed);
        }
    }

    // ------------------------------------------------------------------ assessed claims

    /// @dev seed: [0,8) policy (mostly an assessed one), [8,11) mode (7: more than the policy
    /// has left).
    function submitClaim(uint256 seed_, uint256 amount) external {
        _begin(ACT_SUBMIT);
        if (_policies.length == 0) return _skip();
        uint256 pi = _pickPolicy(seed_ & 0xff, (seed_ >> 11) & 3 != 0);
        PolicyModel memory pol = _policies[pi];
        uint256 left = pol.sumInsured - pol.claimPaid;
        uint96 asked = uint96(((seed_ >> 8) & 7) == 7 ? left + 1 : boundTo(amount, 1, left));
        VM.prank(_actors[pol.holder]);
        try insurance.submitClaim(pol.id, asked, keccak256(abi.encode(pol.id, asked))) returns (uint256 claimId) {
            _claimIndex[claimId] = _claims.length + 1;
            _claims.push(ClaimModel(claimId, pi, true));
            _end(true);
        } catch (bytes memory err) {
            bytes4 s = bytes4(err);
            bool allowed =
                s == IInsuranceTypes.InsuranceWrongProductKind.selector ||
                    s == IInsuranceTypes.InsuranceClaimOutsideCover.selector ||
                    s == IInsuranceTypes.InsuranceClaimAlreadyOpen.selector ||
                    s == IInsuranceTypes.InsuranceClaimAmountInvalid.selector ||
                    s == IInsuranceTypes.InsurancePolicyNotActive.selector;
            _refused(err, false, allowed);
        }
    }

    /// @dev seed: [0,8) claim (mostly an open one), [8,11) mode (7: more than the policy has left).
    function confirmClaim(uint256 seed_, uint256 amount) external {
        _begin(ACT_CONFIRM);
        if (_claims.length == 0) return _skip();
        uint256 ci = _pickClaim(seed_ & 0xff, (seed_ >> 11) & 3 != 0);
        ClaimModel memory c = _claims[ci];
        PolicyModel memory pol = _policies[c.policy];
        uint256 left = pol.sumInsured - pol.claimPaid;
        uint96 granted = uint96(((seed_ >> 8) & 7) == 7 ? left + 1 : boundTo(amount, 1, left));
        _confirming = c.id;
        _confirmAmount = granted;
        try insurance.confirmClaim(c.id, granted) {
            _claims[ci].open = false;
            _end(true);
        } catch (bytes memory err) {
            bytes4 s = bytes4(err);
            bool allowed =
                s == IInsuranceTypes.InsuranceClaimNotPending.selector ||
                    s == IInsuranceTypes.InsuranceClaimAmountInvalid.selector;
            _refused(err, c.open && granted <= left, allowed);
        }
        _confirming = 0;
    }

    function declineClaim(uint256 seed_) external {
        _begin(ACT_DECLINE);
        if (_claims.length == 0) return _skip();
        uint256 ci = _pickClaim(seed_ & 0xff, (seed_ >> 11) & 3 != 0);
        ClaimModel memory c = _claims[ci];
        try insurance.declineClaim(c.id, uint16(seed_ >> 8)) {
            _claims[ci].open = false;
            _end(true);
        } catch (bytes memory err) {
            _refused(err, c.open, bytes4(err) == IInsuranceTypes.InsuranceClaimNotPending.selector);
        }
    }

    // ------------------------------------------------------------------ admin, credits, time

    /// @dev The insurer opens a risk of product `productSeed % 4` starting 2 h to 2 days
    /// from now, for `length` (1 to 5 days). Risks of the index product read the shared feed.
    function openRisk(uint256 productSeed, uint256 startSeed, uint256 length) public {
        _begin(ACT_OPEN_RISK);
        if (_risks.length >= MAX_RISKS) return _skip();
        uint8 p = uint8(productSeed % PRODUCTS);
        uint40 start = uint40(block.timestamp + boundTo(startSeed, 2 hours, 2 days));
        uint40 end = uint40(start + boundTo(length, 1 days, 5 days));
        bytes32 key = keccak256(abi.encode("risk", _risks.length));
        try
            insurance.createInsuranceRisk(_productIds[p], key, start, end, p == 2 ? address(feed) : address(0))
        returns (uint256 riskId) {
            _riskIndex[riskId] = _risks.length + 1;
            _risks.push(RiskModel(riskId, p, start, end, false, false, false, 0, 0, 0));
            _end(true);
        } catch (bytes memory err) {
            _refused(err, true, false);
        }
    }

    /// @dev A beneficiary claims its credit in a token, to the sink: seed [0,4) beneficiary,
    /// [4] token, [8,10) mode (0: as given; else the first credit there is, if any).
    function claimCredit(uint256 seed_) external {
        _begin(ACT_CREDIT);
        uint256 b = seed_ % BENEFICIARIES;
        uint256 k = (seed_ >> 4) & 1;
        if ((seed_ >> 8) & 3 != 0) (b, k) = _someCredit(b, k);
        uint256 amount = _creditOf[k][b];
        VM.prank(_beneficiaries[b]);
        try credit.claimCredit(_tokens[k], sink) {
            ghostCreditsClaimed[k] += amount;
            _creditOf[k][b] = 0;
            _end(true);
        } catch (bytes memory err) {
            _refused(err, amount != 0, bytes4(err) == ICredit.CreditNone.selector);
        }
    }

    function _someCredit(uint256 b, uint256 k) private view returns (uint256, uint256) {
        for (uint256 i; i < BENEFICIARIES * TOKENS; ++i) {
            if (_creditOf[i & 1][i >> 1] != 0) return (i >> 1, i & 1);
        }
        return (b, k);
    }

    /// @dev bUSD blocks or unblocks the blockable beneficiary.
    function toggleBlock() public {
        _begin(ACT_BLOCK);
        blocked = !blocked;
        blockToken.setBlocked(_beneficiaries[BLOCKABLE], blocked);
        if (blocksShared) IInsuranceTestToken(stable).setBlocked(_beneficiaries[BLOCKABLE], blocked);
        _end(true);
    }

    function withdrawFees(uint256 seed_) external {
        _begin(ACT_FEES);
        uint256 k = seed_ & 1;
        uint256 fees = insurance.insurancePool(_poolIds[k]).fees;
        try insurance.withdrawInsuranceFees(_poolIds[k], treasury) {
            ghostFeesWithdrawn[k] += fees;
            _end(true);
        } catch (bytes memory err) {
            _refused(err, fees != 0, bytes4(err) == IInsuranceTypes.InsuranceNoFees.selector);
        }
    }

    function warpTime(uint256 secondsForward) external {
        _begin(ACT_WARP);
        if (address(clock) == address(0)) _ghostTime += boundTo(secondsForward, 30 minutes, 3 days);
        else clock.warpTime(secondsForward);
        VM.warp(ghostTime());
        ++warps;
        _end(true);
    }

    // ------------------------------------------------------------------ the call frame

    /// @dev Every action runs at the handler's time, with the diamond's logs recorded.
    function _begin(bytes32 action) private {
        VM.warp(ghostTime());
        _action = action;
        ++attempts[action];
        LOGS.recordLogs();
    }

    function _skip() private {
        LOGS.getRecordedLogs();
        _action = 0;
    }

    /// @dev After a call: every trigger and payout it logged is checked against the model.
    function _end(bool succeeded) private {
        InsuranceVmLog[] memory logs = LOGS.getRecordedLogs();
        if (succeeded) {
            ++successes[_action];
            for (uint256 i; i < logs.length; ++i) {
                if (logs[i].emitter != address(diamond) || logs[i].topics.length == 0) continue;
                bytes32 topic = logs[i].topics[0];
                if (topic == IInsuranceTypes.InsuranceRiskTriggered.selector) _onTriggered(logs[i]);
                else if (topic == IInsuranceTypes.InsurancePolicyPaid.selector) _onPaid(logs[i]);
                else if (topic == IInsuranceTypes.InsuranceRiskSettled.selector) _onSettled(logs[i]);
                else if (topic == IInsuranceTypes.InsuranceRiskClosed.selector) _onClosed(logs[i]);
            }
        }
        _action = 0;
    }

    /// @dev A refused call: it must not be one the model says is valid, and its error must
    /// be one the action may meet.
    function _refused(bytes memory err, bool valid, bool allowed) private {
        _end(false);
        if (valid || !allowed) _mismatch(valid ? "a valid call was refused" : "refused with an unexpected error", err);
    }

    function _onTriggered(InsuranceVmLog memory log) private {
        uint256 ri = _riskIndex[uint256(log.topics[1])] - 1;
        (, uint16 payoutBps, int256 value, uint40 observedAt, uint256 reserved) = abi.decode(
            log.data,
            (uint8, uint16, int256, uint40, uint256)
        );
        RiskModel storage r = _risks[ri];
        ++triggers;
        if (_action != ACT_REPORT && _action != ACT_CHECK && _action != ACT_UPKEEP) {
            _violation("triggered outside a report, a feed check or upkeep", abi.encode(_action, r.id));
        }
        if (r.triggered || r.closed) _violation("a risk triggered twice or after closing", abi.encode(r.id));
        if (payoutBps != _tierBps(r.product, value)) _violation("tier does not match value", abi.encode(value));
        if (observedAt < r.start || observedAt > r.end || observedAt > block.timestamp) {
            _violation("trigger reading outside the window", abi.encode(r.id, observedAt));
        }
        uint256 expected = (_activeSum(ri) * payoutBps) / BPS;
        if (reserved != expected)
            _violation("reserved is not payoutBps of the active sums", abi.encode(expected, reserved));
        r.triggered = true;
        r.payoutBps = payoutBps;
        r.observedAt = observedAt;
        r.reserved = reserved;
    }

    function _onPaid(InsuranceVmLog memory log) private {
        uint256 pi = _policyIndex[uint256(log.topics[1])] - 1;
        uint256 claimId = uint256(log.topics[2]);
        address beneficiary = address(uint160(uint256(log.topics[3])));
        (uint256 amount, bool credited) = abi.decode(log.data, (uint256, bool));
        PolicyModel storage pol = _policies[pi];
        RiskModel memory r = _risks[pol.risk];
        ++payouts;
        if (claimId == 0) _checkTriggerPayout(pol, r, amount);
        else _checkClaimPayout(pol, claimId, amount);
        if (beneficiary != _beneficiaries[pol.beneficiary])
            _violation("paid to another beneficiary", abi.encode(pol.id));
        pol.paid += amount;
        uint256 k = _products[r.product].pool;
        if (credited) {
            ++creditedPayouts;
            ghostCredited[k] += amount;
            _creditOf[k][pol.beneficiary] += amount;
        } else {
            ghostPayoutsSent[k] += amount;
            _received[k][pol.beneficiary] += amount;
        }
    }

    function _checkTriggerPayout(PolicyModel storage pol, RiskModel memory r, uint256 amount) private {
        if (_action != ACT_PAYOUTS && _action != ACT_UPKEEP) {
            _violation("trigger payout outside a payout batch", abi.encode(_action, pol.id));
        }
        if (!r.triggered) _violation("trigger payout on a risk never triggered", abi.encode(pol.id));
        if (pol.cancelled || r.observedAt < pol.coverStart || r.observedAt > pol.coverEnd) {
            _violation("trigger payout to a policy not covered at the reading", abi.encode(pol.id));
        }
        if (++pol.triggerPayments > 1) _violation("a policy paid twice by a trigger", abi.encode(pol.id));
        uint256 expected = (uint256(pol.sumInsured) * r.payoutBps) / BPS;
        if (amount != expected) _violation("trigger payout amount", abi.encode(pol.id, expected, amount));
    }

    function _checkClaimPayout(PolicyModel storage pol, uint256 claimId, uint256 amount) private {
        ++claimPayouts;
        if (_action != ACT_CONFIRM || claimId != _confirming) {
            _violation("claim payout without the assessor confirming it", abi.encode(_action, claimId));
        }
        if (_claims[_claimIndex[claimId] - 1].policy != _policyIndex[pol.id] - 1) {
            _violation("claim paid to another policy", abi.encode(claimId, pol.id));
        }
        if (amount != _confirmAmount) _violation("claim payout amount", abi.encode(_confirmAmount, amount));
        pol.claimPaid += amount;
    }

    function _onSettled(InsuranceVmLog memory log) private {
        RiskModel storage r = _risks[_riskIndex[uint256(log.topics[1])] - 1];
        if (!r.triggered) _violation("settled without a trigger", abi.encode(r.id));
        r.settled = true;
    }

    function _onClosed(InsuranceVmLog memory log) private {
        RiskModel storage r = _risks[_riskIndex[uint256(log.topics[1])] - 1];
        if (r.triggered) _violation("closed after a trigger", abi.encode(r.id));
        r.closed = true;
    }

    // ------------------------------------------------------------------ model helpers

    /// @dev The sums a risk's policies still insure: not cancelled, less what claims paid.
    function _activeSum(uint256 ri) private view returns (uint256 sum) {
        for (uint256 i; i < _policies.length; ++i) {
            PolicyModel memory pol = _policies[i];
            if (pol.risk == ri && !pol.cancelled) sum += pol.sumInsured - pol.claimPaid;
        }
    }

    /// @dev The `n`-th risk (cyclically) of a parametric product when `parametric`, else any.
    function _pickRisk(uint256 n, bool parametric) private view returns (uint256) {
        uint256 len = _risks.length;
        for (uint256 i; i < len; ++i) {
            uint256 ri = (n + i) % len;
            if (!parametric || _products[_risks[ri].product].parametric) return ri;
        }
        return n % len;
    }

    /// @dev The `n`-th policy (cyclically) of an assessed product when `assessed`, else any.
    function _pickPolicy(uint256 n, bool assessed) private view returns (uint256) {
        uint256 len = _policies.length;
        for (uint256 i; i < len; ++i) {
            uint256 pi = (n + i) % len;
            if (!assessed || !_products[_risks[_policies[pi].risk].product].parametric) return pi;
        }
        return n % len;
    }

    /// @dev The `n`-th claim (cyclically) still open when `open`, else any.
    function _pickClaim(uint256 n, bool open) private view returns (uint256) {
        uint256 len = _claims.length;
        for (uint256 i; i < len; ++i) {
            uint256 ci = (n + i) % len;
            if (!open || _claims[ci].open) return ci;
        }
        return n % len;
    }

    function _claimsFiled(uint256 pi) private view returns (uint256 n) {
        for (uint256 i; i < _claims.length; ++i) if (_claims[i].policy == pi) ++n;
    }

    /// @dev A value for product `p`'s index: below, at and past each tier, and far off.
    function _value(uint256 p, uint256 seed_) private pure returns (int256) {
        int16[8] memory delay = [int16(0), 119, 120, 150, 180, 600, -5, 90];
        int16[8] memory index = [int16(100), 81, 80, 70, 60, 40, 0, -20];
        return p == 2 ? int256(index[seed_ & 7]) : int256(delay[seed_ & 7]);
    }

    /// @dev What product `p` pays for `value` (its tiers, as created).
    function _tierBps(uint256 p, int256 value) private pure returns (uint16) {
        if (p == 0)
            return
                value >= 180
                    ? 10_000
                    : value >= 120
                        ? 5_000
                        : 0;
        if (p == 2)
            return
                value <= 40
                    ? 10_000
                    : value <= 60
                        ? 7_000
                        : value <= 80
                            ? 3_000
                            : 0;
        return 0;
    }

    /// @dev A reading time for risk `r`: mode 5 in the future, 6 staler than the product
    /// allows, 7 before the risk's start; else one the risk accepts when one exists
    /// (`acceptable`: then an open parametric risk must accept it).
    function _observedAt(
        RiskModel memory r,
        uint256 mode,
        uint256 age
    ) private view returns (uint256 at, bool acceptable) {
        uint256 nowTs = block.timestamp;
        if (mode == 5) return (nowTs + 1 + (age % 1 hours), false);
        if (mode == 6) return (nowTs - _min(nowTs, 1 days + 1 + (age % 1 hours)), false);
        if (mode == 7) return (r.start - 1, false);
        IInsuranceTypes.RiskView memory v = insurance.insuranceRisk(r.id);
        uint256 lo = _max(_max(r.start, nowTs - _min(nowTs, _products[r.product].maxReadingAge)), v.observedAt + 1);
        uint256 hi = _min(nowTs, r.end);
        if (lo > hi) return (hi, false);
        // Readings close at the risk's end plus the product's claim window.
        bool reporting = nowTs <= uint256(r.end) + _products[r.product].claimWindow;
        return (boundTo(age, lo, hi), v.state == IInsuranceTypes.RiskState.Open && reporting);
    }

    function _riskState(uint256 riskId) private view returns (IInsuranceTypes.RiskState) {
        return insurance.insuranceRisk(riskId).state;
    }

    function _violation(string memory what, bytes memory data) private {
        ++payoutViolations;
        lastPayoutViolation = abi.encode(_action, what, data);
    }

    function _mismatch(string memory what, bytes memory data) private {
        ++mismatches;
        lastMismatch = abi.encode(_action, what, data);
    }

    function _asOwner() private {
        if (diamondOwner != address(this)) VM.prank(diamondOwner);
    }

    function _addr(string memory name) private pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encode("finsuite.test.insurance", name)))));
    }

    function _digit(uint256 i) private pure returns (string memory) {
        bytes memory b = new bytes(1);
        b[0] = bytes1(uint8(48 + i));
        return string(b);
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }

    function _max(uint256 a, uint256 b) private pure returns (uint256) {
        return a > b ? a : b;
    }

    // ------------------------------------------------------------------ what the invariants read

    function actors() external view returns (address[4] memory) {
        return _actors;
    }

    function beneficiaries() external view returns (address[3] memory) {
        return _beneficiaries;
    }

    function tokens() external view returns (address[2] memory) {
        return _tokens;
    }

    function poolIds() external view returns (uint256[2] memory) {
        return _poolIds;
    }

    function vaults() external view returns (address[2] memory) {
        return _vaults;
    }

    function riskCount() external view returns (uint256) {
        return _risks.length;
    }

    function risk(uint256 i) external view returns (RiskModel memory) {
        return _risks[i];
    }

    function policyCount() external view returns (uint256) {
        return _policies.length;
    }

    function policy(uint256 i) external view returns (PolicyModel memory) {
        return _policies[i];
    }

    function claimCount() external view returns (uint256) {
        return _claims.length;
    }

    function poolOfRisk(uint256 i) external view returns (uint256) {
        return _products[_risks[i].product].pool;
    }

    function received(uint256 k, uint256 b) external view returns (uint256) {
        return _received[k][b];
    }

    function creditOf(uint256 k, uint256 b) external view returns (uint256) {
        return _creditOf[k][b];
    }

    /// @dev The handler's own time, or the shared clock's when attached.
    function ghostTime() public view returns (uint256) {
        return address(clock) == address(0) ? _ghostTime : clock.ghostTime();
    }

    /// @dev What each actor was minted of pool `k`'s token at construction.
    function mintedPerActor(uint256 k) public view returns (uint256) {
        return 1e9 * _unit[k];
    }
}
