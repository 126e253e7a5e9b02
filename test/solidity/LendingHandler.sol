// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

// A test handler: many ghost variables, named like ordinary fields.
// solhint-disable max-states-count, immutable-vars-naming

import {Vm, boundTo} from "./TestBase.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

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
import {IFinanceSuite} from "../../contracts/interfaces/IFinanceSuite.sol";
import {IModuleRegistry} from "../../contracts/interfaces/IModuleRegistry.sol";
import {ILending} from "../../contracts/modules/lending/ILending.sol";
import {ILendingAdmin} from "../../contracts/modules/lending/ILendingAdmin.sol";
import {ILendingTypes} from "../../contracts/modules/lending/ILendingTypes.sol";
import {ILendingViews} from "../../contracts/modules/lending/ILendingViews.sol";
import {LendingAdminFacet} from "../../contracts/modules/lending/LendingAdminFacet.sol";
import {LendingFacet} from "../../contracts/modules/lending/LendingFacet.sol";
import {LendingInit} from "../../contracts/modules/lending/LendingInit.sol";
import {LendingPoolVault} from "../../contracts/modules/lending/LendingPoolVault.sol";
import {LendingStorage} from "../../contracts/modules/lending/LendingStorage.sol";
import {LendingViewFacet} from "../../contracts/modules/lending/LendingViewFacet.sol";
import {KinkedRateModel} from "../../contracts/modules/lending/models/KinkedRateModel.sol";
import {MockToken} from "../../contracts/mocks/LendingMocks.sol";
import {MockPriceFeed, MockStablecoin} from "../../contracts/mocks/PaymentMocks.sol";
import {IFeedErrors} from "../../contracts/shared/IPriceFeed.sol";
import {FacetSelectors, ModuleId, ModuleSpec, SemVer} from "../../contracts/types/ModuleTypes.sol";

/// @dev The clock of another handler driving the same diamond (the suite's payment
/// handler): both must see one time that only moves forward.
interface IHandlerClock {
    function ghostTime() external view returns (uint256);

    function warpTime(uint256 secondsForward) external;
}

/// @dev Any test token with an open mint (MockStablecoin, MockToken, PaymentTestToken).
interface IMintable {
    function mint(address to, uint256 amount) external;
}

/// @dev Every selector of ILending (= every external function of LendingFacet).
function lendingSelectors() pure returns (bytes4[] memory s) {
    s = new bytes4[](13);
    s[0] = ILending.supply.selector;
    s[1] = ILending.withdraw.selector;
    s[2] = ILending.redeem.selector;
    s[3] = ILending.supplyCollateral.selector;
    s[4] = ILending.withdrawCollateral.selector;
    s[5] = ILending.borrow.selector;
    s[6] = ILending.repay.selector;
    s[7] = ILending.liquidate.selector;
    s[8] = ILending.lendingVaultDeposit.selector;
    s[9] = ILending.lendingVaultWithdraw.selector;
    s[10] = ILending.lendingVaultTransfer.selector;
    s[11] = ILending.borrowWithAttestation.selector;
    s[12] = ILending.lendingPerformUpkeep.selector;
}

/// @dev Every selector of ILendingAdmin (= every external function of LendingAdminFacet).
function lendingAdminSelectors() pure returns (bytes4[] memory s) {
    s = new bytes4[](8);
    s[0] = ILendingAdmin.createLendingPool.selector;
    s[1] = ILendingAdmin.setLendingCollateral.selector;
    s[2] = ILendingAdmin.setLendingPoolLimits.selector;
    s[3] = ILendingAdmin.setLendingRateModel.selector;
    s[4] = ILendingAdmin.setLendingCreditModel.selector;
    s[5] = ILendingAdmin.setLendingPoolPaused.selector;
    s[6] = ILendingAdmin.withdrawLendingReserves.selector;
    s[7] = ILendingAdmin.writeOffLendingDebt.selector;
}

/// @dev Every selector of ILendingViews (= every external function of LendingViewFacet).
function lendingViewSelectors() pure returns (bytes4[] memory s) {
    s = new bytes4[](14);
    s[0] = ILendingViews.lendingPoolCount.selector;
    s[1] = ILendingViews.lendingVaultTotals.selector;
    s[2] = ILendingViews.lendingPool.selector;
    s[3] = ILendingViews.lendingCollateral.selector;
    s[4] = ILendingViews.lendingPosition.selector;
    s[5] = ILendingViews.lendingCollateralOf.selector;
    s[6] = ILendingViews.lendingDebtOf.selector;
    s[7] = ILendingViews.lendingMaxBorrow.selector;
    s[8] = ILendingViews.lendingMaxWithdraw.selector;
    s[9] = ILendingViews.lendingMaxWithdrawCollateral.selector;
    s[10] = ILendingViews.lendingQuoteLiquidation.selector;
    s[11] = ILendingViews.lendingBooks.selector;
    s[12] = ILendingViews.lendingSharesOf.selector;
    s[13] = ILendingViews.lendingCheckUpkeep.selector;
}

/// @title Drives the lending module of a diamond through random supplies and withdrawals
/// (diamond and vault paths), collateral, borrowing, repayment, liquidation, price moves,
/// time warps, reserve withdrawals and admin changes, and models the money.
/// @notice Two isolated pools: pool 1 lends a stablecoin ("USD", 6 decimals, or the
/// suite's shared stablecoin) against WETH (18) and WBTC (8), with collateral feeds quoting
/// in the loan asset; pool 2 lends WETH against USD and WBTC, priced through a WETH/USD
/// loan feed. Every token is the loan asset of one pool and collateral of another, so the
/// diamond's balance of each mixes both kinds of books. Four actors supply, borrow and
/// liquidate. Before each call the handler predicts from its model whether it must
/// succeed — and then every balance, share, collateral and pool change it must cause — or
/// revert, and with exactly which error; a disagreement is counted in `mismatches`.
/// @dev Seeds: [0,2) actor, [2] pool, [3] collateral slot, [4,6) counterparty, [8,13)
/// mode. Modes 0-23 are valid calls (small seeds, which fuzzers like, describe them);
/// the upper modes each make one predicted refusal. With `existingDiamond` the handler
/// installs the module on that diamond, pranking `diamondOwner` to grant itself the
/// upgrader role, and follows `clock` for time.
contract LendingHandler {
    /// @dev Balances and books the handler watches, read through the diamond's views
    /// (which include interest accrued up to the block).
    struct PoolState {
        uint256 cash;
        uint256 borrows;
        uint256 reserves;
        uint256 totalAssets;
        uint256 totalShares;
        uint256 index;
        uint256 badDebt;
        uint256 sharePrice;
        uint256 reserveFactorBps;
    }

    /// @dev bal[token * 6 + holder] (holders: actors 0-3, treasury 4, diamond 5);
    /// shares[pool * 4 + actor]; coll[pool * 8 + slot * 4 + actor]; debt[pool * 4 + actor].
    struct World {
        uint256[18] bal;
        uint256[8] shares;
        uint256[16] coll;
        uint256[8] debt;
        PoolState[2] pool;
    }

    /// @dev What a successful call must change (nothing else may move).
    struct Expect {
        int256[18] bal;
        int256[8] shares;
        int256[16] coll;
        int256 cash;
        int256 totalShares;
        int256 reserves;
        uint256 badDebt;
        uint256 fromReserves;
        /// Scaled debts after the call (when `debtTouched`): the model's, updated by the prediction.
        uint256[8] scaled;
        bool debtTouched;
    }

    /// @dev A call being prepared: who, where, what, and what must happen.
    struct Call {
        bytes32 action;
        uint256 k;
        address caller;
        address target;
        bytes data;
        bytes err;
        /// Return data a success must give (empty: not checked).
        bytes ret;
        Expect e;
    }

    /// @dev One pool's configuration as the handler created it, and its pause state.
    struct PoolCfg {
        uint256 id;
        address vault;
        uint8 asset;
        uint8[2] coll;
        bool loanFeed;
        uint96 dust;
        uint96 supplyCap;
        uint96 borrowCap;
        bool supplyPaused;
        bool borrowPaused;
    }

    struct CollCfg {
        uint16 ltv;
        uint16 lt;
        uint16 bonus;
        uint128 cap;
    }

    /// @dev A withdrawal being prepared: owner and receiver (actor indices and addresses),
    /// the mode, whether the amount names assets or shares, and both figures.
    struct Exit {
        uint256 o;
        uint256 r;
        uint256 mode;
        bool byAssets;
        address owner;
        address receiver;
        uint256 amount;
        uint256 assets;
        uint256 shares;
        PoolState s;
    }

    /// @dev What a liquidation must do, as the model computes it.
    struct Liq {
        bytes err;
        uint256 debt;
        uint256 repaid;
        uint256 seized;
        uint256 cleared;
        uint256 badDebt;
    }

    Vm internal constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    ModuleId public constant LENDING_MODULE = ModuleId.wrap("lending");
    bytes32 public constant LENDING_ADMIN_ROLE = LendingStorage.LENDING_ADMIN_ROLE;
    uint256 public constant WAD = 1e18;
    uint256 public constant BPS = 10_000;
    uint256 public constant VIRTUAL_SHARES = 1e6;
    uint256 public constant MAX_AGE = 1 days;
    uint256 public constant ACTORS = 4;
    uint256 public constant TREASURY = 4;
    uint256 public constant DIAMOND = 5;
    /// @dev Tokens: the USD stablecoin, WETH, WBTC.
    uint8 public constant USD = 0;
    uint8 public constant WETH = 1;
    uint8 public constant WBTC = 2;

    bytes32 public constant ACT_SUPPLY = "supply";
    bytes32 public constant ACT_WITHDRAW = "withdraw";
    bytes32 public constant ACT_SUPPLY_COLLATERAL = "supplyCollateral";
    bytes32 public constant ACT_WITHDRAW_COLLATERAL = "withdrawCollateral";
    bytes32 public constant ACT_BORROW = "borrow";
    bytes32 public constant ACT_REPAY = "repay";
    bytes32 public constant ACT_LIQUIDATE = "liquidate";
    bytes32 public constant ACT_RESERVES = "withdrawLendingReserves";
    bytes32 public constant ACT_LIMITS = "setLendingPoolLimits";
    bytes32 public constant ACT_PAUSE = "setLendingPoolPaused";
    bytes32 public constant ACT_TRANSFER = "transferShares";
    bytes32 public constant ACT_PRICE = "movePrice";
    bytes32 public constant ACT_WARP = "warpTime";

    IFinanceSuite public immutable suite;
    address public immutable diamondOwner;
    IHandlerClock public immutable clock;
    address public immutable lendingFacet;
    address public immutable lendingAdminFacet;
    address public immutable lendingViewFacet;
    address public immutable vaultImplementation;
    KinkedRateModel public immutable rateModel;
    address public immutable admin;
    address public immutable guardian;
    address public immutable treasury;

    address[3] internal _tokens;
    uint8[3] internal _decimals;
    MockPriceFeed[3] internal _feeds;
    uint8[3] internal _feedDecimals;
    int256[3] internal _basePrice;
    address[4] internal _actors;
    PoolCfg[2] internal _pools;
    /// @dev Collateral slot `slot` of pool `k`: [k * 2 + slot].
    CollCfg[4] internal _coll;
    /// @dev What each actor was minted of each token (the watched supply).
    uint256[3] public minted;

    // ------------------------------------------------------------------ model
    uint256 internal _ghostTime;
    int256[3] public ghostPrice;
    uint256[3] public ghostUpdatedAt;
    uint16[2] public ghostReserveFactor;
    uint256[2] public ghostCash;
    uint256[8] internal _ghostScaled;
    uint256[16] internal _ghostColl;
    /// @dev Measured flows per pool: supplied in, withdrawn out, borrowed out, repaid in
    /// (liquidations included), reserves out, debt written off, reserves that absorbed it,
    /// reserves accrued (measured across warps).
    uint256[2] public ghostSupplied;
    uint256[2] public ghostWithdrawn;
    uint256[2] public ghostBorrowed;
    uint256[2] public ghostRepaid;
    uint256[2] public ghostReservesOut;
    uint256[2] public ghostBadDebt;
    uint256[2] public ghostReservesAbsorbed;
    uint256[2] public ghostReservesIn;
    uint256[2] public ghostSeized;
    /// @dev The share price and reserves at the end of the last action (through the view).
    uint256[2] public lastSharePrice;
    uint256[2] public lastReserves;

    // ------------------------------------------------------------------ properties and bookkeeping
    uint256 public mismatches;
    bytes public lastMismatch;
    /// @dev Share price fell without a bad-debt realization in that pool.
    uint256 public sharePriceDrops;
    /// @dev A position ended a borrow or collateral withdrawal by its owner above its limit.
    uint256 public limitBreaches;
    /// @dev The other pool changed during an action on one pool.
    uint256 public crossPoolChanges;
    /// @dev An unhealthy position could not be liquidated even with maxRepay = max,
    /// because the close factor and the dust rule left no valid amount.
    uint256 public dustLocked;
    bytes public lastDustLock;
    uint256 public badDebtEvents;
    uint256 public liquidations;
    uint256 public warps;
    uint256 public staleReverts;
    mapping(bytes32 action => uint256) public attempts;
    mapping(bytes32 action => uint256) public successes;
    mapping(bytes32 action => uint256) public expectedReverts;
    /// @dev Predicted refusals by error selector (what the campaign exercised).
    mapping(bytes4 selector => uint256) public revertsBySelector;
    bytes internal _lastReturn;

    constructor(address existingDiamond, address owner_, address clock_, address sharedStable) {
        clock = IHandlerClock(clock_);
        admin = address(uint160(uint256(keccak256("finsuite.test.lending.admin"))));
        guardian = address(uint160(uint256(keccak256("finsuite.test.lending.guardian"))));
        treasury = address(uint160(uint256(keccak256("finsuite.test.lending.treasury"))));
        if (existingDiamond == address(0)) {
            suite = IFinanceSuite(_newDiamond());
            diamondOwner = address(this);
        } else {
            suite = IFinanceSuite(existingDiamond);
            diamondOwner = owner_;
            VM.prank(owner_);
            suite.grantRole(LibAccess.UPGRADER_ROLE, address(this));
        }
        _asOwner();
        suite.grantRole(LENDING_ADMIN_ROLE, admin);
        _asOwner();
        suite.grantRole(LibAccess.GUARDIAN_ROLE, guardian);

        lendingFacet = address(new LendingFacet());
        lendingAdminFacet = address(new LendingAdminFacet());
        lendingViewFacet = address(new LendingViewFacet());
        vaultImplementation = address(new LendingPoolVault());
        _installLendingModule();
        rateModel = new KinkedRateModel(0.02e18, 0.1e18, 0.8e18, 3e18);

        _tokens[USD] = sharedStable == address(0) ? address(new MockStablecoin()) : sharedStable;
        _tokens[WETH] = address(new MockToken("Wrapped Ether", "WETH", 18));
        _tokens[WBTC] = address(new MockToken("Wrapped Bitcoin", "WBTC", 8));
        _feedDecimals = [8, 18, 8];
        _basePrice = [int256(1e8), 2_000e18, 60_000e8];
        for (uint256 t; t < 3; ++t) {
            _decimals[t] = MockToken(_tokens[t]).decimals();
            _feeds[t] = new MockPriceFeed(_feedDecimals[t], _basePrice[t]);
            ghostPrice[t] = _basePrice[t];
            ghostUpdatedAt[t] = block.timestamp;
        }
        _ghostTime = block.timestamp;
        _createPools();
        _fundActors();
        _label();
    }

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

    /// @dev As scripts/manifest.ts declares it: three facets, the interfaces' selectors, the
    /// shared vault implementation passed to `LendingInit.initLending`.
    function _installLendingModule() private {
        ModuleSpec memory spec;
        spec.id = LENDING_MODULE;
        spec.version = SemVer(0, 1, 0);
        spec.facets = new FacetSelectors[](3);
        spec.facets[0] = FacetSelectors(lendingFacet, lendingSelectors());
        spec.facets[1] = FacetSelectors(lendingAdminFacet, lendingAdminSelectors());
        spec.facets[2] = FacetSelectors(lendingViewFacet, lendingViewSelectors());
        spec.interfaceIds = new bytes4[](3);
        spec.interfaceIds[0] = type(ILending).interfaceId;
        spec.interfaceIds[1] = type(ILendingAdmin).interfaceId;
        spec.interfaceIds[2] = type(ILendingViews).interfaceId;
        address init = address(new LendingInit());
        bytes[] memory calls = new bytes[](1);
        calls[0] = abi.encodeCall(
            IModuleRegistry.installModule,
            (spec, init, abi.encodeCall(LendingInit.initLending, (vaultImplementation)))
        );
        suite.schedule(calls, bytes32("lending-install"));
        suite.execute(calls, bytes32("lending-install"));
    }

    function _createPools() private {
        uint256 usdUnit = 10 ** _decimals[USD];
        _pools[0] = PoolCfg({
            id: 0,
            vault: address(0),
            asset: USD,
            coll: [WETH, WBTC],
            loanFeed: false,
            dust: uint96(100 * usdUnit),
            supplyCap: uint96(20_000_000 * usdUnit),
            borrowCap: uint96(15_000_000 * usdUnit),
            supplyPaused: false,
            borrowPaused: false
        });
        _pools[1] = PoolCfg({
            id: 0,
            vault: address(0),
            asset: WETH,
            coll: [USD, WBTC],
            loanFeed: true,
            dust: 0.05e18,
            supplyCap: 20_000e18,
            borrowCap: 15_000e18,
            supplyPaused: false,
            borrowPaused: false
        });
        _coll[0] = CollCfg(7_500, 8_000, 500, 20_000e18);
        _coll[1] = CollCfg(7_000, 7_500, 800, 1_000e8);
        _coll[2] = CollCfg(8_000, 8_500, 400, uint128(20_000_000 * usdUnit));
        _coll[3] = CollCfg(6_500, 7_500, 1_000, 1_000e8);
        ghostReserveFactor = [1_000, 2_000];
        for (uint256 k; k < 2; ++k) _createPool(k);
        _setCollaterals();
        for (uint256 k; k < 2; ++k) lastSharePrice[k] = suite.lendingPool(_pools[k].id).sharePrice;
    }

    function _createPool(uint256 k) private {
        PoolCfg storage p = _pools[k];
        ILendingTypes.PoolParams memory params = ILendingTypes.PoolParams({
            asset: _tokens[p.asset],
            priceFeed: p.loanFeed ? address(_feeds[p.asset]) : address(0),
            priceMaxAge: p.loanFeed ? uint32(MAX_AGE) : 0,
            rateModel: address(rateModel),
            creditModel: address(0),
            reserveFactorBps: ghostReserveFactor[k],
            supplyCap: p.supplyCap,
            borrowCap: p.borrowCap,
            dustThreshold: p.dust,
            name: k == 0 ? "Lending USD" : "Lending WETH",
            symbol: k == 0 ? "lUSD" : "lWETH"
        });
        VM.prank(admin);
        (p.id, p.vault) = suite.createLendingPool(params);
    }

    /// @dev Both collaterals of both pools, in one timelocked operation (they raise risk).
    function _setCollaterals() private {
        bytes[] memory calls = new bytes[](4);
        for (uint256 i; i < 4; ++i) {
            PoolCfg storage p = _pools[i / 2];
            uint8 t = p.coll[i % 2];
            CollCfg storage c = _coll[i];
            calls[i] = abi.encodeCall(
                ILendingAdmin.setLendingCollateral,
                (
                    p.id,
                    _tokens[t],
                    ILendingTypes.CollateralParams(address(_feeds[t]), uint24(MAX_AGE), c.ltv, c.lt, c.bonus, c.cap)
                )
            );
        }
        suite.schedule(calls, bytes32("lending-collateral"));
        suite.execute(calls, bytes32("lending-collateral"));
    }

    /// @dev Four actors with 10M USD, 10,000 WETH and 500 WBTC each, and unlimited
    /// allowances for the diamond and both vaults.
    function _fundActors() private {
        minted = [10_000_000 * 10 ** _decimals[USD], 10_000e18, 500e8];
        for (uint256 i; i < ACTORS; ++i) {
            address a = address(uint160(uint256(keccak256(abi.encode("finsuite.test.lending.actor", i)))));
            _actors[i] = a;
            for (uint256 t; t < 3; ++t) {
                IMintable(_tokens[t]).mint(a, minted[t]);
                VM.prank(a);
                IERC20(_tokens[t]).approve(address(suite), type(uint256).max);
            }
            for (uint256 k; k < 2; ++k) {
                VM.prank(a);
                IERC20(_tokens[_pools[k].asset]).approve(_pools[k].vault, type(uint256).max);
            }
        }
    }

    function _label() private {
        VM.label(admin, "LendingAdmin");
        VM.label(guardian, "LendingGuardian");
        VM.label(treasury, "LendingTreasury");
        VM.label(_tokens[WETH], "WETH");
        VM.label(_tokens[WBTC], "WBTC");
        VM.label(_pools[0].vault, "VaultUSD");
        VM.label(_pools[1].vault, "VaultWETH");
        for (uint256 i; i < ACTORS; ++i) VM.label(_actors[i], string.concat("LendingActor", _digit(i)));
    }

    // ================================================================== views for the checks

    function actors() external view returns (address[4] memory) {
        return _actors;
    }

    function tokens() external view returns (address[3] memory) {
        return _tokens;
    }

    function feed(uint256 t) external view returns (MockPriceFeed) {
        return _feeds[t];
    }

    function poolId(uint256 k) external view returns (uint256) {
        return _pools[k].id;
    }

    function vault(uint256 k) external view returns (LendingPoolVault) {
        return LendingPoolVault(_pools[k].vault);
    }

    function poolAsset(uint256 k) external view returns (address) {
        return _tokens[_pools[k].asset];
    }

    function collateralToken(uint256 k, uint256 slot) external view returns (address) {
        return _tokens[_pools[k].coll[slot]];
    }

    function ghostScaled(uint256 k, uint256 a) external view returns (uint256) {
        return _ghostScaled[k * 4 + a];
    }

    function ghostCollateral(uint256 k, uint256 slot, uint256 a) external view returns (uint256) {
        return _ghostColl[k * 8 + slot * 4 + a];
    }

    /// @dev What the model says the lending module holds of token `t`: the cash of the
    /// pool lending it plus the collateral of it posted in the other pool.
    function ghostBooks(uint256 t) public view returns (uint256 total) {
        for (uint256 k; k < 2; ++k) {
            if (_pools[k].asset == t) total += ghostCash[k];
            for (uint256 slot; slot < 2; ++slot) {
                if (_pools[k].coll[slot] != t) continue;
                for (uint256 a; a < ACTORS; ++a) total += _ghostColl[k * 8 + slot * 4 + a];
            }
        }
    }

    function ghostTime() public view returns (uint256) {
        return address(clock) == address(0) ? _ghostTime : clock.ghostTime();
    }

    // ================================================================== supplier actions

    /// @notice Supplies through the diamond or the vault. seed: [0,2) actor, [2] pool,
    /// [4,6) receiver; [8,13) mode: 0-15 `supply`, 16-19 vault `deposit`, 20-23 vault
    /// `mint`, 24 an amount over the actor's balance, 25 a tiny amount, 26 the supply cap
    /// exceeded, 27 the vault hook called directly, 28 zero, 29 an invalid receiver, else valid.
    function supply(uint256 seed, uint256 amount) external returns (bool) {
        _sync();
        Call memory c;
        c.action = ACT_SUPPLY;
        c.k = (seed >> 2) & 1;
        PoolCfg memory p = _pools[c.k];
        uint256 a = seed % 4;
        uint256 r = (seed >> 4) % 4;
        uint256 mode = (seed >> 8) % 32;
        c.caller = _actors[a];
        address receiver = _actors[r];
        PoolState memory s = _poolState(c.k);
        uint256 unit = 10 ** _decimals[p.asset];
        amount = boundTo(amount, 1, minted[p.asset] / 5);
        if (mode == 24) amount = _balance(p.asset, c.caller) + 1 + (amount % unit);
        if (mode == 25) amount = 1 + (amount % 1_000);
        if (mode == 26) amount = p.supplyCap - Math.min(p.supplyCap, s.totalAssets) + 1 + (amount % unit);
        if (mode == 28) amount = 0;
        if (mode == 29) receiver = (seed >> 13) & 1 == 0 ? address(0) : address(suite);

        (uint256 assets, uint256 shares) = _supplyCall(c, mode, amount, receiver, s);
        if (c.err.length == 0) {
            if (assets == 0 && c.target == address(suite)) {
                c.err = abi.encodeWithSelector(ILendingTypes.LendingZeroAmount.selector);
            } else {
                c.err = _predictSupply(c.k, s, assets, shares, receiver, c.caller, mode >= 20 && mode < 24);
            }
        }
        if (c.err.length == 0) {
            _move(c.e, p.asset, a, DIAMOND, assets);
            c.e.shares[c.k * 4 + r] += int256(shares);
            c.e.cash = int256(assets);
            c.e.totalShares = int256(shares);
            c.ret = mode >= 20 && mode < 24 ? abi.encode(assets) : abi.encode(shares);
        }
        bool ok = _run(c);
        if (ok && c.err.length == 0) ghostSupplied[c.k] += assets;
        return ok;
    }

    /// @dev Target and calldata of a supply (see `supply`), and the assets and shares it moves.
    function _supplyCall(
        Call memory c,
        uint256 mode,
        uint256 amount,
        address receiver,
        PoolState memory s
    ) private view returns (uint256 assets, uint256 shares) {
        PoolCfg memory p = _pools[c.k];
        assets = amount;
        if (mode >= 20 && mode < 24) {
            // `mint`: the amount names shares (about amount assets' worth).
            shares = _toShares(amount, s, false);
            if (shares == 0) shares = 1;
            assets = _toAssets(shares, s, true);
            c.target = p.vault;
            c.data = abi.encodeCall(IERC4626.mint, (shares, receiver));
            return (assets, shares);
        }
        shares = _toShares(assets, s, false);
        if (mode >= 16 && mode < 20) {
            c.target = p.vault;
            c.data = abi.encodeCall(IERC4626.deposit, (assets, receiver));
        } else if (mode == 27) {
            c.target = address(suite);
            c.data = abi.encodeCall(ILending.lendingVaultDeposit, (p.id, c.caller, receiver, assets, 0));
            c.err = abi.encodeWithSelector(ILendingTypes.LendingNotPoolVault.selector, p.id, c.caller);
        } else {
            c.target = address(suite);
            c.data = abi.encodeCall(ILending.supply, (p.id, assets, receiver));
        }
    }

    /// @notice Withdraws through the diamond or the vault. seed: [0,2) owner, [2] pool,
    /// [4,6) receiver; [8,13) mode: 0-9 `withdraw`, 10-15 `redeem`, 16-19 vault
    /// `withdraw`, 20-23 vault `redeem`, 24 the vault hook called directly, 25 more shares
    /// than owned, 26 more than the cash, 27 a vault `redeem` by another actor without
    /// allowance, 28 zero, 29 an invalid receiver, else `redeem` of everything owned.
    function withdraw(uint256 seed, uint256 amount) external returns (bool) {
        _sync();
        Call memory c;
        c.action = ACT_WITHDRAW;
        c.k = (seed >> 2) & 1;
        Exit memory x = _exitTerms(c, seed, amount);
        PoolCfg memory p = _pools[c.k];
        if ((x.mode >= 16 && x.mode < 24) || x.mode == 27) {
            c.target = p.vault;
            c.data =
                x.byAssets
                    ? abi.encodeCall(IERC4626.withdraw, (x.amount, x.receiver, x.owner))
                    : abi.encodeCall(IERC4626.redeem, (x.amount, x.receiver, x.owner));
        } else if (x.mode == 24) {
            c.target = address(suite);
            c.data = abi.encodeCall(ILending.lendingVaultWithdraw, (p.id, c.caller, x.receiver, x.owner, 0, x.amount));
            c.err = abi.encodeWithSelector(ILendingTypes.LendingNotPoolVault.selector, p.id, c.caller);
        } else {
            c.target = address(suite);
            c.data =
                x.byAssets
                    ? abi.encodeCall(ILending.withdraw, (p.id, x.amount, x.receiver))
                    : abi.encodeCall(ILending.redeem, (p.id, x.amount, x.receiver));
        }
        if (c.err.length == 0 && x.amount == 0)
            c.err = abi.encodeWithSelector(ILendingTypes.LendingZeroAmount.selector);
        if (c.err.length == 0 && c.caller != x.owner) {
            c.err = abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, c.caller, 0, x.shares);
        }
        if (c.err.length == 0) c.err = _predictWithdraw(c.k, x);
        if (c.err.length == 0) {
            _move(c.e, p.asset, DIAMOND, x.r, x.assets);
            c.e.shares[c.k * 4 + x.o] -= int256(x.shares);
            c.e.cash = -int256(x.assets);
            c.e.totalShares = -int256(x.shares);
            c.ret = x.byAssets ? abi.encode(x.shares) : abi.encode(x.assets);
        }
        bool ok = _run(c);
        if (ok && c.err.length == 0) ghostWithdrawn[c.k] += x.assets;
        return ok;
    }

    /// @dev The owner, receiver and amounts of a withdrawal (see `withdraw`).
    function _exitTerms(Call memory c, uint256 seed, uint256 amount) private view returns (Exit memory x) {
        x.o = seed % 4;
        x.r = (seed >> 4) % 4;
        x.mode = (seed >> 8) % 32;
        // Names assets for 0-9, 16-19, 26; shares otherwise.
        x.byAssets = x.mode < 10 || (x.mode >= 16 && x.mode < 20) || x.mode == 26;
        x.owner = _actors[x.o];
        x.receiver = _actors[x.r];
        c.caller = x.owner;
        x.s = _poolState(c.k);
        uint256 held = IERC20(_pools[c.k].vault).balanceOf(x.owner);
        uint256 maxIn = x.byAssets ? Math.min(_toAssets(held, x.s, false), x.s.cash) : held;
        x.amount = boundTo(amount, 1, maxIn == 0 ? 1 : maxIn);
        if (x.mode == 25) x.amount = held + 1 + (amount % 1e12);
        if (x.mode == 26) x.amount = x.s.cash + 1 + (amount % 1e6);
        if (x.mode == 28) x.amount = 0;
        if (x.mode == 29) x.receiver = (seed >> 13) & 1 == 0 ? address(0) : address(suite);
        if (x.mode >= 30) x.amount = held;
        if (x.mode == 27) c.caller = _actors[(x.o + 1 + ((seed >> 13) % 3)) % 4];
        (x.assets, x.shares) =
            x.byAssets ? (x.amount, _toShares(x.amount, x.s, true)) : (_toAssets(x.amount, x.s, false), x.amount);
    }

    /// @notice Moves vault shares between actors (an ERC-20 transfer: claims change hands,
    /// the books do not). seed: [0,2) from, [2] pool, [4,6) to; [8,13) mode 31: more than held.
    function transferShares(uint256 seed, uint256 amount) external returns (bool) {
        _sync();
        Call memory c;
        c.action = ACT_TRANSFER;
        c.k = (seed >> 2) & 1;
        uint256 from = seed % 4;
        uint256 to = (seed >> 4) % 4;
        c.caller = _actors[from];
        c.target = _pools[c.k].vault;
        uint256 held = IERC20(c.target).balanceOf(c.caller);
        amount = boundTo(amount, 0, held);
        if ((seed >> 8) % 32 == 31) amount = held + 1;
        c.data = abi.encodeCall(IERC20.transfer, (_actors[to], amount));
        if (amount > held) {
            c.err = abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, c.caller, held, amount);
        } else {
            c.e.shares[c.k * 4 + from] -= int256(amount);
            c.e.shares[c.k * 4 + to] += int256(amount);
            c.ret = abi.encode(true);
        }
        return _run(c);
    }

    // ================================================================== borrower actions

    /// @notice `supplyCollateral`. seed: [0,2) caller, [2] pool, [3] slot, [4,6) borrower
    /// (mode 25 only; else the caller); [8,13) mode: 20-23 a small position (worth 1-4
    /// times the dust threshold), 24 over the caller's balance, 25 for another actor, 26
    /// over the cap, 27 the pool's own asset (not a collateral), 28 zero, 29 an invalid
    /// borrower, else an amount in [1, a fifth of what an actor starts with].
    function supplyCollateral(uint256 seed, uint256 amount) external returns (bool) {
        _sync();
        Call memory c;
        c.action = ACT_SUPPLY_COLLATERAL;
        c.k = (seed >> 2) & 1;
        PoolCfg memory p = _pools[c.k];
        uint256 slot = (seed >> 3) & 1;
        uint256 a = seed % 4;
        uint256 mode = (seed >> 8) % 32;
        uint256 b = mode == 25 ? (seed >> 4) % 4 : a;
        uint8 t = p.coll[slot];
        c.caller = _actors[a];
        address borrower = _actors[b];
        uint256 total = _collTotal(c.k, slot);
        amount = boundTo(amount, 1, minted[t] / 5);
        if (mode >= 20 && mode < 24) amount = _worth(c.k, slot, p.dust * (1 + (amount % 4)));
        if (mode == 24) amount = _balance(t, c.caller) + 1;
        if (mode == 26) amount = _coll[c.k * 2 + slot].cap - total + 1;
        if (mode == 27) t = p.asset;
        if (mode == 28) amount = 0;
        if (mode == 29) borrower = (seed >> 13) & 1 == 0 ? address(0) : address(suite);
        c.target = address(suite);
        c.data = abi.encodeCall(ILending.supplyCollateral, (p.id, _tokens[t], amount, borrower));
        if (mode == 27) {
            c.err = abi.encodeWithSelector(ILendingTypes.LendingNotCollateral.selector, p.id, _tokens[t]);
        } else if (amount == 0) {
            c.err = abi.encodeWithSelector(ILendingTypes.LendingZeroAmount.selector);
        } else if (borrower == address(0) || borrower == address(suite)) {
            c.err = abi.encodeWithSelector(ILendingTypes.LendingReceiverInvalid.selector, borrower);
        } else if (total + amount > _coll[c.k * 2 + slot].cap) {
            c.err = abi.encodeWithSelector(
                ILendingTypes.LendingCollateralCapExceeded.selector,
                p.id,
                _tokens[t],
                total + amount,
                _coll[c.k * 2 + slot].cap
            );
        } else {
            c.err = _pullError(t, c.caller, amount);
        }
        if (c.err.length == 0) {
            _move(c.e, t, a, DIAMOND, amount);
            c.e.coll[c.k * 8 + slot * 4 + b] = int256(amount);
        }
        return _run(c);
    }

    /// @notice `withdrawCollateral` by its owner. seed: [0,2) actor, [2] pool, [3] slot,
    /// [4,6) receiver; [8,13) mode: 0-11 an amount up to the balance, 12-19 the most the
    /// limit allows, 20-23 one unit more than that, 26 more than the balance, 27 the
    /// pool's own asset, 28 zero, 29 an invalid receiver, else the whole balance.
    function withdrawCollateral(uint256 seed, uint256 amount) external returns (bool) {
        _sync();
        Call memory c;
        c.action = ACT_WITHDRAW_COLLATERAL;
        c.k = (seed >> 2) & 1;
        PoolCfg memory p = _pools[c.k];
        uint256 slot = (seed >> 3) & 1;
        uint256 a = seed % 4;
        uint256 r = (seed >> 4) % 4;
        uint256 mode = (seed >> 8) % 32;
        uint8 t = p.coll[slot];
        c.caller = _actors[a];
        address receiver = _actors[r];
        uint256 held = _ghostColl[c.k * 8 + slot * 4 + a];
        amount = boundTo(amount, 1, held == 0 ? 1 : held);
        if (mode >= 12 && mode < 24) amount = _maxCollateralWithdrawal(c.k, a, slot) + (mode >= 20 ? 1 : 0);
        if (mode == 26) amount = held + 1;
        if (mode == 27) t = p.asset;
        if (mode == 28) amount = 0;
        if (mode == 29) receiver = (seed >> 13) & 1 == 0 ? address(0) : address(suite);
        if (mode >= 30) amount = held;
        c.target = address(suite);
        c.data = abi.encodeCall(ILending.withdrawCollateral, (p.id, _tokens[t], amount, receiver));
        if (mode == 27) {
            c.err = abi.encodeWithSelector(ILendingTypes.LendingNotCollateral.selector, p.id, _tokens[t]);
        } else if (amount == 0) {
            c.err = abi.encodeWithSelector(ILendingTypes.LendingZeroAmount.selector);
        } else if (receiver == address(0) || receiver == address(suite)) {
            c.err = abi.encodeWithSelector(ILendingTypes.LendingReceiverInvalid.selector, receiver);
        } else if (amount > held) {
            c.err = abi.encodeWithSelector(
                ILendingTypes.LendingInsufficientCollateral.selector,
                p.id,
                c.caller,
                _tokens[t],
                amount,
                held
            );
        } else {
            c.err = _predictLimit(c.k, a, slot, amount, 0, _poolState(c.k).index);
        }
        if (c.err.length == 0) {
            _move(c.e, t, DIAMOND, r, amount);
            c.e.coll[c.k * 8 + slot * 4 + a] = -int256(amount);
        }
        bool ok = _run(c);
        // Without debt the module checks no limit (and reads no feed, which may be stale).
        if (ok && c.err.length == 0 && _ghostScaled[c.k * 4 + a] != 0) _checkWithinLimit(c.k, a);
        return ok;
    }

    /// @notice `borrow`. seed: [0,2) actor, [2] pool, [4,6) receiver; [8,13) mode: 0-11 an
    /// amount up to what the limit leaves, 12-17 all of it, 18-19 a small amount around the
    /// dust threshold, 20-23 one unit more than the limit allows, 25 more than the cash,
    /// 26 over the borrow cap, 28 zero, 29 an invalid receiver, else valid.
    function borrow(uint256 seed, uint256 amount) external returns (bool) {
        _sync();
        Call memory c;
        c.action = ACT_BORROW;
        c.k = (seed >> 2) & 1;
        PoolCfg memory p = _pools[c.k];
        uint256 mode = (seed >> 8) % 32;
        // Valid modes borrow as an actor with collateral, if there is one.
        uint256 a = mode < 20 ? _withCollateral(c.k, seed % 4) : seed % 4;
        uint256 r = (seed >> 4) % 4;
        c.caller = _actors[a];
        address receiver = _actors[r];
        PoolState memory s = _poolState(c.k);
        uint256 room = _borrowRoom(c.k, a, s);
        amount = boundTo(amount, 1, room == 0 ? 1 : room);
        if (mode >= 12 && mode < 18) amount = room == 0 ? 1 : room;
        if (mode == 18 || mode == 19) amount = boundTo(amount, p.dust / 2, p.dust * 3);
        if (mode >= 20 && mode < 24) amount = room + 1;
        if (mode == 25) amount = s.cash + 1;
        if (mode == 26) amount = p.borrowCap - Math.min(p.borrowCap, s.borrows) + 1;
        if (mode == 28) amount = 0;
        if (mode == 29) receiver = (seed >> 13) & 1 == 0 ? address(0) : address(suite);
        c.target = address(suite);
        c.data = abi.encodeCall(ILending.borrow, (p.id, amount, receiver));
        c.e.scaled = _ghostScaled;
        c.e.debtTouched = true;
        // Debt added rounds up: the borrower owes at least the amount.
        uint256 added = Math.mulDiv(amount, WAD, s.index, Math.Rounding.Ceil);
        c.err = _predictBorrow(c.k, a, amount, added, receiver, s);
        if (c.err.length == 0) {
            _move(c.e, p.asset, DIAMOND, r, amount);
            c.e.cash = -int256(amount);
            c.e.scaled[c.k * 4 + a] += added;
        }
        bool ok = _run(c);
        if (ok && c.err.length == 0) {
            ghostBorrowed[c.k] += amount;
            _checkWithinLimit(c.k, a);
        }
        return ok;
    }

    /// @notice `repay`. seed: [0,2) payer, [2] pool, [4,6) borrower (mode 24-25; else the
    /// payer); [8,13) mode: 0-11 a part of the debt, 12-19 type(uint256).max, 20-23
    /// exactly the debt, 24-25 for another actor (max), 26 more than the debt, 28 zero,
    /// 29 a borrower without debt, else all of it.
    function repay(uint256 seed, uint256 amount) external returns (bool) {
        _sync();
        Call memory c;
        c.action = ACT_REPAY;
        c.k = (seed >> 2) & 1;
        PoolCfg memory p = _pools[c.k];
        uint256 a = seed % 4;
        uint256 mode = (seed >> 8) % 32;
        uint256 b = mode == 24 || mode == 25 ? (seed >> 4) % 4 : a;
        // Other modes repay for an actor with debt, if there is one (mode 29: without).
        b = mode == 29 ? _withoutDebt(c.k, b) : _withDebt(c.k, b);
        c.caller = _actors[a];
        PoolState memory s = _poolState(c.k);
        uint256 scaled = _ghostScaled[c.k * 4 + b];
        uint256 debt = _debtOf(scaled, s.index);
        amount = boundTo(amount, 1, debt == 0 ? 1 : debt);
        if ((mode >= 12 && mode < 20) || mode == 24 || mode == 25 || mode >= 30) amount = type(uint256).max;
        if (mode >= 20 && mode < 24) amount = debt;
        if (mode == 26) amount = debt + 1 + (amount % 1e6);
        if (mode == 28) amount = 0;
        c.target = address(suite);
        c.data = abi.encodeCall(ILending.repay, (p.id, amount, _actors[b]));
        c.e.scaled = _ghostScaled;
        c.e.debtTouched = true;
        uint256 repaid;
        uint256 cleared;
        if (amount == 0) {
            c.err = abi.encodeWithSelector(ILendingTypes.LendingZeroAmount.selector);
        } else if (scaled == 0) {
            c.err = abi.encodeWithSelector(ILendingTypes.LendingNoDebt.selector, p.id, _actors[b]);
        } else {
            (repaid, cleared) = amount >= debt ? (debt, scaled) : (amount, Math.mulDiv(amount, WAD, s.index));
            c.err = _pullError(p.asset, c.caller, repaid);
        }
        if (c.err.length == 0) {
            _move(c.e, p.asset, a, DIAMOND, repaid);
            c.e.cash = int256(repaid);
            c.e.scaled[c.k * 4 + b] -= cleared;
            c.ret = abi.encode(repaid);
        }
        bool ok = _run(c);
        if (ok && c.err.length == 0) ghostRepaid[c.k] += repaid;
        return ok;
    }

    /// @notice `liquidate`. seed: [0,2) liquidator, [2] pool, [3] slot, [4,6) where the
    /// search for an unhealthy borrower starts; [8,13) mode: 0-15 maxRepay =
    /// type(uint256).max, 16-23 a part of the debt, 24-27 exactly half of it, 28 zero, 29
    /// the pool's own asset as collateral, else max on the first borrower found.
    function liquidate(uint256 seed, uint256 amount) external returns (bool) {
        _sync();
        Call memory c;
        c.action = ACT_LIQUIDATE;
        c.k = (seed >> 2) & 1;
        PoolCfg memory p = _pools[c.k];
        uint256 mode = (seed >> 8) % 32;
        uint256 b = _unhealthy(c.k, (seed >> 4) % 4);
        uint256 who = seed % 4;
        if (who == b) who = (who + 1) % 4;
        uint256 slot = (seed >> 3) & 1;
        if (_ghostColl[c.k * 8 + slot * 4 + b] == 0) slot ^= 1;
        c.caller = _actors[who];
        PoolState memory s = _poolState(c.k);
        uint256 debt = _debtOf(_ghostScaled[c.k * 4 + b], s.index);
        uint256 maxRepay = type(uint256).max;
        if (mode >= 16 && mode < 24) maxRepay = boundTo(amount, 1, debt == 0 ? 1 : debt);
        if (mode >= 24 && mode < 28) maxRepay = debt / 2 == 0 ? 1 : debt / 2;
        if (mode == 28) maxRepay = 0;
        address token = mode == 29 ? _tokens[p.asset] : _tokens[p.coll[slot]];
        c.target = address(suite);
        c.data = abi.encodeCall(ILending.liquidate, (p.id, _actors[b], token, maxRepay));
        c.e.scaled = _ghostScaled;
        c.e.debtTouched = true;
        Liq memory q;
        if (maxRepay == 0) q.err = abi.encodeWithSelector(ILendingTypes.LendingZeroAmount.selector);
        else if (mode == 29) q.err = abi.encodeWithSelector(ILendingTypes.LendingNotCollateral.selector, p.id, token);
        else q = _predictLiquidation(c.k, b, slot, maxRepay, s);
        if (q.err.length == 0) q.err = _pullError(p.asset, c.caller, q.repaid);
        c.err = q.err;
        if (maxRepay == type(uint256).max && bytes4(q.err) == ILendingTypes.LendingLiquidationLeavesDust.selector) {
            ++dustLocked;
            lastDustLock = abi.encode(p.id, _actors[b], q.err);
        }
        if (c.err.length == 0) _expectLiquidation(c, q, who, b, slot, s.reserves);
        bool ok = _run(c);
        if (ok && c.err.length == 0) {
            ++liquidations;
            ghostRepaid[c.k] += q.repaid;
            ghostSeized[c.k] += q.seized;
            if (q.badDebt != 0) {
                ++badDebtEvents;
                ghostBadDebt[c.k] += q.badDebt;
                ghostReservesAbsorbed[c.k] += c.e.fromReserves;
            }
        }
        return ok;
    }

    /// @dev A liquidation's effects: the liquidator `who` pays the repayment and takes the
    /// seized collateral of borrower `b`; debt left without collateral is written off,
    /// reserves first.
    function _expectLiquidation(
        Call memory c,
        Liq memory q,
        uint256 who,
        uint256 b,
        uint256 slot,
        uint256 reserves
    ) private view {
        PoolCfg memory p = _pools[c.k];
        _move(c.e, p.asset, who, DIAMOND, q.repaid);
        _move(c.e, p.coll[slot], DIAMOND, who, q.seized);
        c.e.coll[c.k * 8 + slot * 4 + b] = -int256(q.seized);
        c.e.cash = int256(q.repaid);
        c.e.scaled[c.k * 4 + b] = q.badDebt != 0 ? 0 : c.e.scaled[c.k * 4 + b] - q.cleared;
        c.e.badDebt = q.badDebt;
        c.e.fromReserves = Math.min(reserves, q.badDebt);
        c.e.reserves = -int256(c.e.fromReserves);
        c.ret = abi.encode(q.repaid, q.seized);
    }

    // ================================================================== admin actions

    /// @notice `withdrawLendingReserves` to the treasury. seed: [2] pool; [8,13) mode: 0-23
    /// an amount up to what is available, 24 all the reserves, 27 an invalid receiver, 28
    /// zero, 29 more than the reserves, 30 more than the cash, 31 by an actor ([0,2)).
    function withdrawReserves(uint256 seed, uint256 amount) external returns (bool) {
        _sync();
        Call memory c;
        c.action = ACT_RESERVES;
        c.k = (seed >> 2) & 1;
        PoolCfg memory p = _pools[c.k];
        uint256 mode = (seed >> 8) % 32;
        PoolState memory s = _poolState(c.k);
        uint256 available = Math.min(s.reserves, s.cash);
        amount = boundTo(amount, 1, available == 0 ? 1 : available);
        if (mode == 24) amount = s.reserves;
        if (mode == 28) amount = 0;
        if (mode == 29) amount = s.reserves + 1;
        if (mode == 30) amount = s.cash + 1;
        address to = mode == 27 ? address(suite) : treasury;
        c.caller = mode == 31 ? _actors[seed % 4] : admin;
        c.target = address(suite);
        c.data = abi.encodeCall(ILendingAdmin.withdrawLendingReserves, (p.id, amount, to));
        if (c.caller != admin) {
            c.err = abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                c.caller,
                LENDING_ADMIN_ROLE
            );
        } else if (amount == 0) {
            c.err = abi.encodeWithSelector(ILendingTypes.LendingZeroAmount.selector);
        } else if (to != treasury) {
            c.err = abi.encodeWithSelector(ILendingTypes.LendingReceiverInvalid.selector, to);
        } else if (amount > s.reserves) {
            c.err = abi.encodeWithSelector(ILendingTypes.LendingNoReserves.selector, p.id, amount, s.reserves);
        } else if (amount > s.cash) {
            c.err = abi.encodeWithSelector(ILendingTypes.LendingInsufficientCash.selector, p.id, amount, s.cash);
        } else {
            _move(c.e, p.asset, DIAMOND, TREASURY, amount);
            c.e.cash = -int256(amount);
            c.e.reserves = -int256(amount);
        }
        bool ok = _run(c);
        if (ok && c.err.length == 0) ghostReservesOut[c.k] += amount;
        return ok;
    }

    /// @notice `setLendingPoolLimits` by the admin. seed: [2] pool; [8,13) mode: 0-23 a new
    /// reserve factor with the starting caps, 24-25 caps lowered to today's totals (new
    /// supply and borrowing refused), 28 a reserve factor above 50 %, 31 by an actor.
    function setPoolLimits(uint256 seed, uint256 reserveFactor) external returns (bool) {
        _sync();
        Call memory c;
        c.action = ACT_LIMITS;
        c.k = (seed >> 2) & 1;
        PoolCfg storage p = _pools[c.k];
        uint256 mode = (seed >> 8) % 32;
        PoolState memory s = _poolState(c.k);
        uint16 rf = uint16(boundTo(reserveFactor, 0, 5_000));
        uint256 usdUnit = 10 ** _decimals[USD];
        uint96 supplyCap = c.k == 0 ? uint96(20_000_000 * usdUnit) : 20_000e18;
        uint96 borrowCap = c.k == 0 ? uint96(15_000_000 * usdUnit) : 15_000e18;
        if (mode == 24 || mode == 25) (supplyCap, borrowCap) = (uint96(s.totalAssets), uint96(s.borrows));
        if (mode == 28) rf = uint16(boundTo(reserveFactor, 5_001, type(uint16).max));
        c.caller = mode == 31 ? _actors[seed % 4] : admin;
        c.target = address(suite);
        c.data = abi.encodeCall(ILendingAdmin.setLendingPoolLimits, (p.id, rf, supplyCap, borrowCap, p.dust));
        if (c.caller != admin) {
            c.err = abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                c.caller,
                LENDING_ADMIN_ROLE
            );
        } else if (rf > 5_000) {
            c.err = abi.encodeWithSelector(ILendingTypes.LendingReserveFactorTooHigh.selector, rf, 5_000);
        }
        bool ok = _run(c);
        if (ok && c.err.length == 0) {
            (p.supplyCap, p.borrowCap) = (supplyCap, borrowCap);
            ghostReserveFactor[c.k] = rf;
        }
        return ok;
    }

    /// @notice `setLendingPoolPaused` by the guardian ([13] = 1) or the admin. seed: [2]
    /// pool; [8,13) mode: 0-19 nothing paused, 20-25 supply paused, 26-29 borrowing
    /// paused, 30 both, 31 by an actor.
    function setPaused(uint256 seed) external returns (bool) {
        _sync();
        Call memory c;
        c.action = ACT_PAUSE;
        c.k = (seed >> 2) & 1;
        PoolCfg storage p = _pools[c.k];
        uint256 mode = (seed >> 8) % 32;
        bool supplyPaused = (mode >= 20 && mode < 26) || mode == 30;
        bool borrowPaused = mode >= 26 && mode < 31;
        c.caller = (seed >> 13) & 1 == 0 ? admin : guardian;
        if (mode == 31) c.caller = _actors[seed % 4];
        c.target = address(suite);
        c.data = abi.encodeCall(ILendingAdmin.setLendingPoolPaused, (p.id, supplyPaused, borrowPaused));
        if (mode == 31) {
            c.err = abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                c.caller,
                LENDING_ADMIN_ROLE
            );
        }
        bool ok = _run(c);
        if (ok && c.err.length == 0) (p.supplyPaused, p.borrowPaused) = (supplyPaused, borrowPaused);
        return ok;
    }

    // ================================================================== market actions

    /// @notice Moves a feed's price, updated now. seed: [0,2) feed (3: WETH again); [8,13)
    /// mode: 0-13 within ±10 %, 14-21 a drop of 20-70 % (more than any bonus), 22-25 back to
    /// the starting price, 26-29 a rise of 10-60 %, else a drop of 1-10 %. No module call:
    /// no balance, share or book may change.
    function movePrice(uint256 seed, uint256 change) external {
        _sync();
        uint256 t = seed % 4 == 3 ? WETH : seed % 4;
        uint256 mode = (seed >> 8) % 32;
        int256 price = ghostPrice[t];
        int256 pct;
        if (mode < 14) pct = 90 + int256(change % 21);
        else if (mode < 22) pct = 30 + int256(change % 51);
        else if (mode < 26) pct = 0;
        else if (mode < 30) pct = 110 + int256(change % 51);
        else pct = 90 + int256(change % 10);
        // The stablecoin moves a tenth as much.
        if (t == USD && pct != 0) pct = 100 + (pct - 100) / 10;
        price = pct == 0 ? _basePrice[t] : (price * pct) / 100;
        if (price < 1) price = 1;
        World memory before = _world();
        _checkBetweenActions(ACT_PRICE, before);
        _feeds[t].set(price, block.timestamp);
        ghostPrice[t] = price;
        ghostUpdatedAt[t] = block.timestamp;
        ++attempts[ACT_PRICE];
        ++successes[ACT_PRICE];
        _expectUnchanged(ACT_PRICE, before, _world());
    }

    /// @notice Moves the clock 1 minute to 10 days forward (the shared clock's own bounds
    /// in the suite) and refreshes every feed, unless [0,3) == 7 (they may then go stale).
    function warpTime(uint256 seed, uint256 secondsForward) external {
        _sync();
        World memory before = _world();
        _checkBetweenActions(ACT_WARP, before);
        if (address(clock) == address(0)) {
            _ghostTime += boundTo(secondsForward, 1 minutes, 10 days);
        } else {
            clock.warpTime(secondsForward);
        }
        VM.warp(ghostTime());
        if (seed % 8 != 7) {
            for (uint256 t; t < 3; ++t) {
                _feeds[t].set(ghostPrice[t], block.timestamp);
                ghostUpdatedAt[t] = block.timestamp;
            }
        }
        ++warps;
        ++attempts[ACT_WARP];
        ++successes[ACT_WARP];
        World memory afterWarp = _world();
        _checkAccrual(before, afterWarp);
    }

    // ================================================================== predictions

    function _predictSupply(
        uint256 k,
        PoolState memory s,
        uint256 assets,
        uint256 shares,
        address receiver,
        address payer,
        bool byShares
    ) private view returns (bytes memory) {
        PoolCfg memory p = _pools[k];
        if (p.supplyPaused) return abi.encodeWithSelector(ILendingTypes.LendingSupplyPaused.selector, p.id);
        if (receiver == address(0) || receiver == address(suite)) {
            return abi.encodeWithSelector(ILendingTypes.LendingReceiverInvalid.selector, receiver);
        }
        if (!byShares && shares == 0) {
            return abi.encodeWithSelector(ILendingTypes.LendingZeroShares.selector, p.id, assets);
        }
        if (s.totalAssets + assets > p.supplyCap) {
            return
                abi.encodeWithSelector(
                    ILendingTypes.LendingSupplyCapExceeded.selector,
                    p.id,
                    s.totalAssets + assets,
                    p.supplyCap
                );
        }
        return _pullError(p.asset, payer, assets);
    }

    function _predictWithdraw(uint256 k, Exit memory x) private view returns (bytes memory) {
        uint256 id = _pools[k].id;
        if (x.receiver == address(0) || x.receiver == address(suite)) {
            return abi.encodeWithSelector(ILendingTypes.LendingReceiverInvalid.selector, x.receiver);
        }
        if (!x.byAssets && x.assets == 0) {
            return abi.encodeWithSelector(ILendingTypes.LendingZeroShares.selector, id, x.shares);
        }
        if (x.assets > x.s.cash) {
            return abi.encodeWithSelector(ILendingTypes.LendingInsufficientCash.selector, id, x.assets, x.s.cash);
        }
        // The pool books each holder's shares: more than the owner holds (or than exist) is
        // refused with the vault's ERC-20 error before anything is written.
        uint256 held = IERC20(_pools[k].vault).balanceOf(x.owner);
        if (x.shares > held) {
            return abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, x.owner, held, x.shares);
        }
        return "";
    }

    function _predictBorrow(
        uint256 k,
        uint256 a,
        uint256 amount,
        uint256 added,
        address receiver,
        PoolState memory s
    ) private returns (bytes memory) {
        PoolCfg memory p = _pools[k];
        if (p.borrowPaused) return abi.encodeWithSelector(ILendingTypes.LendingBorrowPaused.selector, p.id);
        if (amount == 0) return abi.encodeWithSelector(ILendingTypes.LendingZeroAmount.selector);
        if (receiver == address(0) || receiver == address(suite)) {
            return abi.encodeWithSelector(ILendingTypes.LendingReceiverInvalid.selector, receiver);
        }
        if (amount > s.cash) {
            return abi.encodeWithSelector(ILendingTypes.LendingInsufficientCash.selector, p.id, amount, s.cash);
        }
        uint256 borrowsAfter = _debtOf(_totalScaled(k) + added, s.index);
        if (borrowsAfter > p.borrowCap) {
            return
                abi.encodeWithSelector(
                    ILendingTypes.LendingBorrowCapExceeded.selector,
                    p.id,
                    borrowsAfter,
                    p.borrowCap
                );
        }
        return _predictLimit(k, a, 0, 0, added, s.index);
    }

    /// @dev The error a limit check after the change must give: collateral `slot` lowered
    /// by `less` and the scaled debt raised by `added`. Only runs when the position has
    /// (or takes) debt, like the module.
    function _predictLimit(
        uint256 k,
        uint256 a,
        uint256 slot,
        uint256 less,
        uint256 added,
        uint256 index
    ) private returns (bytes memory err) {
        uint256 scaled = _ghostScaled[k * 4 + a] + added;
        if (scaled == 0) return "";
        uint256[2] memory amounts = _collAmounts(k, a);
        amounts[slot] -= less;
        uint256 borrowLimit;
        (borrowLimit, , , err) = _limits(k, amounts);
        if (err.length != 0) {
            ++staleReverts;
            return err;
        }
        uint256 debt = _debtOf(scaled, index);
        if (debt > borrowLimit) {
            return
                abi.encodeWithSelector(
                    ILendingTypes.LendingBorrowLimitExceeded.selector,
                    _pools[k].id,
                    _actors[a],
                    debt,
                    borrowLimit
                );
        }
    }

    /// @dev `LibLending.liquidation` as the interface documents it, with the model's prices.
    function _predictLiquidation(
        uint256 k,
        uint256 b,
        uint256 slot,
        uint256 maxRepay,
        PoolState memory s
    ) private view returns (Liq memory q) {
        uint256 scaled = _ghostScaled[k * 4 + b];
        if (scaled == 0) {
            q.err = abi.encodeWithSelector(ILendingTypes.LendingNoDebt.selector, _pools[k].id, _actors[b]);
            return q;
        }
        q.debt = _debtOf(scaled, s.index);
        uint256[2] memory amounts = _collAmounts(k, b);
        q.err = _predictUnhealthy(k, b, q.debt, amounts);
        if (q.err.length != 0) return q;
        if (amounts[slot] == 0) {
            q.err = _nothingToSeize(k, b, slot);
            return q;
        }
        // Half, or all of it when the other half would be dust (ILending.liquidate).
        uint256 dust = _pools[k].dust;
        q.repaid = Math.min(maxRepay, q.debt <= dust || q.debt - q.debt / 2 < dust ? q.debt : q.debt / 2);
        if (q.repaid < q.debt && q.debt - q.repaid < dust) {
            q.err = abi.encodeWithSelector(
                ILendingTypes.LendingLiquidationLeavesDust.selector,
                _pools[k].id,
                q.debt,
                q.repaid,
                dust
            );
            return q;
        }
        _seize(k, slot, amounts[slot], q);
        if (q.seized == 0) {
            q.err = _nothingToSeize(k, b, slot);
            return q;
        }
        if (q.repaid >= q.debt) (q.repaid, q.cleared) = (q.debt, scaled);
        else q.cleared = Math.mulDiv(q.repaid, WAD, s.index);
        if (q.seized == amounts[slot] && q.repaid < q.debt && amounts[slot ^ 1] == 0) q.badDebt = q.debt - q.repaid;
    }

    /// @dev A stale feed's error, or LendingPositionHealthy unless `debt` exceeds the
    /// liquidation limit of `amounts`.
    function _predictUnhealthy(
        uint256 k,
        uint256 b,
        uint256 debt,
        uint256[2] memory amounts
    ) private view returns (bytes memory err) {
        uint256 liquidationLimit;
        (, liquidationLimit, , err) = _limits(k, amounts);
        if (err.length == 0 && debt <= liquidationLimit) {
            err = abi.encodeWithSelector(
                ILendingTypes.LendingPositionHealthy.selector,
                _pools[k].id,
                _actors[b],
                debt,
                liquidationLimit
            );
        }
    }

    /// @dev Collateral for the repaid value plus the bonus, rounded down; when the balance
    /// is short, all of it for what it is worth, rounded up.
    function _seize(uint256 k, uint256 slot, uint256 balance, Liq memory q) private view {
        uint256 unit = 10 ** _decimals[_pools[k].coll[slot]];
        uint256 unitPrice = _valueNow(k, slot, unit);
        uint256 bonus = BPS + _coll[k * 2 + slot].bonus;
        if (unitPrice == 0) return;
        q.seized = Math.mulDiv(q.repaid * bonus, unit, unitPrice * BPS);
        if (q.seized > balance) {
            q.seized = balance;
            q.repaid = Math.min(Math.mulDiv(balance * unitPrice, BPS, unit * bonus, Math.Rounding.Ceil), q.debt);
        }
    }

    function _nothingToSeize(uint256 k, uint256 b, uint256 slot) private view returns (bytes memory) {
        return
            abi.encodeWithSelector(
                ILendingTypes.LendingNothingToSeize.selector,
                _pools[k].id,
                _actors[b],
                _tokens[_pools[k].coll[slot]]
            );
    }

    /// @dev The token's refusal of a pull of `amount` from `from` (allowances are unlimited).
    function _pullError(uint256 t, address from, uint256 amount) private view returns (bytes memory) {
        uint256 held = _balance(t, from);
        if (amount > held) {
            return abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, from, held, amount);
        }
        return "";
    }

    // ================================================================== valuation model

    /// @dev The borrow and liquidation limits and the collateral value of `amounts` in pool
    /// `k`, with the first feed error the module meets reading them (in its order: the
    /// loan feed once, before the first collateral held, then each collateral's feed).
    function _limits(
        uint256 k,
        uint256[2] memory amounts
    ) private view returns (uint256 borrowLimit, uint256 liquidationLimit, uint256 value, bytes memory err) {
        PoolCfg memory p = _pools[k];
        bool loanRead;
        for (uint256 slot; slot < 2; ++slot) {
            if (amounts[slot] == 0) continue;
            if (!loanRead && p.loanFeed) {
                err = _staleError(p.asset);
                if (err.length != 0) return (0, 0, 0, err);
            }
            loanRead = true;
            err = _staleError(p.coll[slot]);
            if (err.length != 0) return (0, 0, 0, err);
            uint256 v = _valueNow(k, slot, amounts[slot]);
            CollCfg memory c = _coll[k * 2 + slot];
            value += v;
            borrowLimit += (v * c.ltv) / BPS;
            liquidationLimit += (v * c.lt) / BPS;
        }
    }

    /// @dev `amount` of collateral `slot` of pool `k` in loan-asset units: to an 18-decimal
    /// quote rounded down, then to the loan asset (through its feed, if any) rounded down.
    function _valueNow(uint256 k, uint256 slot, uint256 amount) private view returns (uint256) {
        PoolCfg memory p = _pools[k];
        uint8 t = p.coll[slot];
        uint256 quote = Math.mulDiv(
            amount * uint256(ghostPrice[t]),
            WAD,
            10 ** (uint256(_decimals[t]) + _feedDecimals[t])
        );
        (uint256 loanPrice, uint256 loanDecimals) = p.loanFeed
            ? (uint256(ghostPrice[p.asset]), uint256(_feedDecimals[p.asset]))
            : (1, 0);
        return Math.mulDiv(quote * 10 ** loanDecimals, 10 ** _decimals[p.asset], loanPrice * WAD);
    }

    /// @dev About how much of collateral `slot` is worth `value` of pool `k`'s loan asset.
    function _worth(uint256 k, uint256 slot, uint256 value) private view returns (uint256) {
        uint256 unit = 10 ** _decimals[_pools[k].coll[slot]];
        uint256 unitPrice = _valueNow(k, slot, unit);
        return unitPrice == 0 ? 1 : Math.max(1, Math.mulDiv(value, unit, unitPrice));
    }

    function _staleError(uint8 t) private view returns (bytes memory) {
        if (block.timestamp - ghostUpdatedAt[t] > MAX_AGE) {
            return
                abi.encodeWithSelector(
                    IFeedErrors.FeedPriceStale.selector,
                    address(_feeds[t]),
                    ghostUpdatedAt[t],
                    MAX_AGE
                );
        }
        return "";
    }

    /// @dev How much more actor `a` may borrow: its limit minus its debt, within cash and cap.
    function _borrowRoom(uint256 k, uint256 a, PoolState memory s) private view returns (uint256) {
        (uint256 borrowLimit, , , bytes memory err) = _limits(k, _collAmounts(k, a));
        uint256 debt = _debtOf(_ghostScaled[k * 4 + a], s.index);
        if (err.length != 0 || debt >= borrowLimit) return 0;
        // The new debt rounds up by one unit at most.
        uint256 room = borrowLimit - debt - 1;
        uint256 capRoom = s.borrows >= _pools[k].borrowCap ? 0 : _pools[k].borrowCap - s.borrows - 1;
        return Math.min(Math.min(room, s.cash), capRoom);
    }

    /// @dev The most of collateral `slot` actor `a` may withdraw with its limit still
    /// covering its debt (binary search over the model's limits).
    function _maxCollateralWithdrawal(uint256 k, uint256 a, uint256 slot) private view returns (uint256) {
        uint256[2] memory amounts = _collAmounts(k, a);
        uint256 held = amounts[slot];
        uint256 scaled = _ghostScaled[k * 4 + a];
        if (scaled == 0) return held;
        uint256 debt = _debtOf(scaled, _poolState(k).index);
        (uint256 lo, uint256 hi) = (0, held);
        while (lo < hi) {
            uint256 mid = (lo + hi + 1) / 2;
            amounts[slot] = held - mid;
            (uint256 borrowLimit, , , bytes memory err) = _limits(k, amounts);
            if (err.length == 0 && debt <= borrowLimit) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    /// @dev An actor whose position the model finds liquidatable, searching from `start`;
    /// `start` itself if none is.
    function _unhealthy(uint256 k, uint256 start) private view returns (uint256) {
        uint256 index = _poolState(k).index;
        for (uint256 i; i < ACTORS; ++i) {
            uint256 a = (start + i) % ACTORS;
            uint256 scaled = _ghostScaled[k * 4 + a];
            if (scaled == 0) continue;
            (, uint256 liquidationLimit, , bytes memory err) = _limits(k, _collAmounts(k, a));
            if (err.length == 0 && _debtOf(scaled, index) > liquidationLimit) return a;
        }
        return start;
    }

    function _withCollateral(uint256 k, uint256 start) private view returns (uint256) {
        for (uint256 i; i < ACTORS; ++i) {
            uint256 a = (start + i) % ACTORS;
            if (_ghostColl[k * 8 + a] != 0 || _ghostColl[k * 8 + 4 + a] != 0) return a;
        }
        return start;
    }

    function _withDebt(uint256 k, uint256 start) private view returns (uint256) {
        for (uint256 i; i < ACTORS; ++i) {
            if (_ghostScaled[k * 4 + ((start + i) % ACTORS)] != 0) return (start + i) % ACTORS;
        }
        return start;
    }

    function _withoutDebt(uint256 k, uint256 start) private view returns (uint256) {
        for (uint256 i; i < ACTORS; ++i) {
            if (_ghostScaled[k * 4 + ((start + i) % ACTORS)] == 0) return (start + i) % ACTORS;
        }
        return start;
    }

    // ================================================================== running and checking

    /// @dev Calls as `c.caller` and compares the outcome with the prediction: `c.err` empty
    /// means success with exactly `c.e` moving (and the return data `c.ret`, if given);
    /// otherwise a revert with exactly that error and nothing moving.
    function _run(Call memory c) private returns (bool ok) {
        ++attempts[c.action];
        World memory before = _world();
        _checkBetweenActions(c.action, before);
        VM.prank(c.caller);
        bytes memory ret;
        (ok, ret) = c.target.call(c.data);
        _lastReturn = ret;
        World memory afterCall = _world();
        if (ok) ++successes[c.action];
        else if (c.err.length != 0) {
            ++expectedReverts[c.action];
            ++revertsBySelector[bytes4(c.err)];
        }

        if (c.err.length == 0 && !ok) {
            _mismatch(c.action, "expected success, reverted", ret);
            return ok;
        }
        if (c.err.length != 0) {
            if (ok) _mismatch(c.action, "expected a revert, succeeded", c.err);
            else if (keccak256(ret) != keccak256(c.err)) _mismatch(c.action, "wrong revert", ret);
            _expectUnchanged(c.action, before, afterCall);
            return ok;
        }
        if (c.ret.length != 0 && keccak256(ret) != keccak256(c.ret)) _mismatch(c.action, "return data", ret);
        _commit(c);
        string memory what = _compare(c, before, afterCall);
        if (bytes(what).length != 0) _mismatch(c.action, what, ret);
        _checkSharePrices(c, before, afterCall);
        _checkDebts(c.action, afterCall);
    }

    /// @dev A successful call's effect on the model.
    function _commit(Call memory c) private {
        ghostCash[c.k] = uint256(int256(ghostCash[c.k]) + c.e.cash);
        if (c.e.debtTouched) _ghostScaled = c.e.scaled;
        for (uint256 i; i < 16; ++i) {
            if (c.e.coll[i] != 0) _ghostColl[i] = uint256(int256(_ghostColl[i]) + c.e.coll[i]);
        }
    }

    /// @dev The first watched value whose change differs from the prediction, or empty.
    function _compare(Call memory c, World memory b, World memory a) private pure returns (string memory) {
        for (uint256 i; i < 18; ++i) {
            if (int256(a.bal[i]) - int256(b.bal[i]) != c.e.bal[i]) {
                return string.concat("balance change of token ", _digit(i / 6), " holder ", _digit(i % 6));
            }
        }
        for (uint256 i; i < 8; ++i) {
            if (int256(a.shares[i]) - int256(b.shares[i]) != c.e.shares[i]) {
                return string.concat("share change of pool ", _digit(i / 4), " actor ", _digit(i % 4));
            }
        }
        for (uint256 i; i < 16; ++i) {
            if (int256(a.coll[i]) - int256(b.coll[i]) != c.e.coll[i]) {
                return string.concat("collateral change, pool ", _digit(i / 8), " slot ", _digit((i / 4) % 2));
            }
        }
        PoolState memory pb = b.pool[c.k];
        PoolState memory pa = a.pool[c.k];
        if (int256(pa.cash) - int256(pb.cash) != c.e.cash) return "pool cash change";
        if (int256(pa.totalShares) - int256(pb.totalShares) != c.e.totalShares) return "pool shares change";
        if (int256(pa.reserves) - int256(pb.reserves) != c.e.reserves) return "pool reserves change";
        if (pa.badDebt != pb.badDebt + c.e.badDebt) return "pool bad debt change";
        if (pa.index != pb.index) return "borrow index moved within a block";
        if (keccak256(abi.encode(a.pool[1 - c.k])) != keccak256(abi.encode(b.pool[1 - c.k]))) {
            return "the other pool changed";
        }
        return "";
    }

    /// @dev A refused call (or a price move) must leave every watched value as it was.
    function _expectUnchanged(bytes32 action, World memory b, World memory a) private {
        if (keccak256(abi.encode(a)) != keccak256(abi.encode(b))) _mismatch(action, "state changed", "");
    }

    /// @dev The share price only falls when the action wrote off bad debt in that pool;
    /// the other pool is untouched (a bad debt there included).
    function _checkSharePrices(Call memory c, World memory b, World memory a) private {
        for (uint256 k; k < 2; ++k) {
            if (a.pool[k].sharePrice < b.pool[k].sharePrice && (k != c.k || c.e.badDebt == 0)) {
                ++sharePriceDrops;
                _mismatch(c.action, "share price fell without bad debt", abi.encode(k, b.pool[k], a.pool[k]));
            }
            if (k != c.k && keccak256(abi.encode(a.pool[k])) != keccak256(abi.encode(b.pool[k]))) {
                ++crossPoolChanges;
            }
            lastSharePrice[k] = a.pool[k].sharePrice;
            lastReserves[k] = a.pool[k].reserves;
        }
    }

    /// @dev Between actions only time (interest, e.g. through another handler's warp)
    /// may have moved the pools: the share price never falls then, and the reserves only
    /// grow (by their share of the interest, counted as reserves accrued).
    function _checkBetweenActions(bytes32 action, World memory w) private {
        for (uint256 k; k < 2; ++k) {
            if (w.pool[k].sharePrice < lastSharePrice[k]) {
                ++sharePriceDrops;
                _mismatch(action, "share price fell between actions", abi.encode(k, lastSharePrice[k]));
            }
            if (w.pool[k].reserves < lastReserves[k]) {
                _mismatch(action, "reserves fell between actions", abi.encode(k, lastReserves[k]));
            } else {
                ghostReservesIn[k] += w.pool[k].reserves - lastReserves[k];
            }
            lastReserves[k] = w.pool[k].reserves;
            lastSharePrice[k] = w.pool[k].sharePrice;
        }
    }

    /// @dev Every debt is the model's scaled debt at the index, rounded up, and the pool's
    /// borrows are the model's total scaled debt at the index: bad debt written off is gone.
    function _checkDebts(bytes32 action, World memory w) private {
        for (uint256 k; k < 2; ++k) {
            uint256 index = w.pool[k].index;
            for (uint256 a; a < ACTORS; ++a) {
                if (w.debt[k * 4 + a] != _debtOf(_ghostScaled[k * 4 + a], index)) {
                    _mismatch(action, "debt differs from the model", abi.encode(k, a, w.debt[k * 4 + a]));
                }
            }
            if (w.pool[k].borrows != _debtOf(_totalScaled(k), index)) {
                _mismatch(action, "borrows differ from the model", abi.encode(k, w.pool[k].borrows));
            }
            if (w.pool[k].cash != ghostCash[k]) _mismatch(action, "cash differs from the model", abi.encode(k));
        }
    }

    /// @dev After a borrow or collateral withdrawal by its owner the position is within its limit.
    function _checkWithinLimit(uint256 k, uint256 a) private {
        ILendingTypes.PositionView memory v = suite.lendingPosition(_pools[k].id, _actors[a]);
        if (v.debt > v.borrowLimit) {
            ++limitBreaches;
            _mismatch("limit", "position above its borrow limit", abi.encode(k, a, v.debt, v.borrowLimit));
        }
        (uint256 borrowLimit, uint256 liquidationLimit, uint256 value, ) = _limits(k, _collAmounts(k, a));
        if (v.borrowLimit != borrowLimit || v.liquidationLimit != liquidationLimit || v.collateralValue != value) {
            _mismatch("limit", "valuation differs from the model", abi.encode(k, a, v.borrowLimit, borrowLimit));
        }
    }

    /// @dev Over a warp: cash, shares and bad debt stay, debts and borrows only grow, the
    /// reserves take their factor of the interest (±1 for the rounding of two pending
    /// figures), and the share price does not fall.
    function _checkAccrual(World memory b, World memory a) private {
        for (uint256 k; k < 2; ++k) {
            PoolState memory pb = b.pool[k];
            PoolState memory pa = a.pool[k];
            if (pa.cash != pb.cash || pa.totalShares != pb.totalShares || pa.badDebt != pb.badDebt) {
                _mismatch(ACT_WARP, "a warp moved cash, shares or bad debt", abi.encode(k));
            }
            if (pa.borrows < pb.borrows || pa.index < pb.index || pa.reserves < pb.reserves) {
                _mismatch(ACT_WARP, "a warp lowered borrows, index or reserves", abi.encode(k));
                continue;
            }
            uint256 share = ((pa.borrows - pb.borrows) * pa.reserveFactorBps) / BPS;
            uint256 toReserves = pa.reserves - pb.reserves;
            if (toReserves < share || toReserves > share + 1) {
                _mismatch(ACT_WARP, "reserves took other than their share", abi.encode(k, toReserves, share));
            }
            ghostReservesIn[k] += toReserves;
            if (pa.sharePrice < pb.sharePrice) {
                ++sharePriceDrops;
                _mismatch(ACT_WARP, "share price fell over time", abi.encode(k, pb.sharePrice, pa.sharePrice));
            }
            lastSharePrice[k] = pa.sharePrice;
            lastReserves[k] = pa.reserves;
            for (uint256 i; i < ACTORS; ++i) {
                if (a.debt[k * 4 + i] < b.debt[k * 4 + i]) _mismatch(ACT_WARP, "a debt fell over time", "");
            }
        }
        if (keccak256(abi.encode(a.bal, a.shares, a.coll)) != keccak256(abi.encode(b.bal, b.shares, b.coll))) {
            _mismatch(ACT_WARP, "a warp moved balances", "");
        }
    }

    // ================================================================== reading

    function _world() private view returns (World memory w) {
        for (uint256 t; t < 3; ++t) {
            for (uint256 i; i < ACTORS; ++i) w.bal[t * 6 + i] = _balance(t, _actors[i]);
            w.bal[t * 6 + TREASURY] = _balance(t, treasury);
            w.bal[t * 6 + DIAMOND] = _balance(t, address(suite));
        }
        for (uint256 k; k < 2; ++k) {
            PoolCfg memory p = _pools[k];
            for (uint256 i; i < ACTORS; ++i) {
                w.shares[k * 4 + i] = IERC20(p.vault).balanceOf(_actors[i]);
                w.debt[k * 4 + i] = suite.lendingDebtOf(p.id, _actors[i]);
                for (uint256 slot; slot < 2; ++slot) {
                    w.coll[k * 8 + slot * 4 + i] = suite.lendingCollateralOf(p.id, _actors[i], _tokens[p.coll[slot]]);
                }
            }
            w.pool[k] = _poolState(k);
        }
    }

    function _poolState(uint256 k) private view returns (PoolState memory s) {
        ILendingTypes.PoolView memory v = suite.lendingPool(_pools[k].id);
        s = PoolState(
            v.cash,
            v.borrows,
            v.reserves,
            v.totalAssets,
            v.totalShares,
            v.borrowIndex,
            v.badDebt,
            v.sharePrice,
            v.reserveFactorBps
        );
    }

    function _balance(uint256 t, address who) private view returns (uint256) {
        return IERC20(_tokens[t]).balanceOf(who);
    }

    function _collAmounts(uint256 k, uint256 a) private view returns (uint256[2] memory amounts) {
        amounts[0] = _ghostColl[k * 8 + a];
        amounts[1] = _ghostColl[k * 8 + 4 + a];
    }

    function _collTotal(uint256 k, uint256 slot) private view returns (uint256 total) {
        for (uint256 a; a < ACTORS; ++a) total += _ghostColl[k * 8 + slot * 4 + a];
    }

    function _totalScaled(uint256 k) private view returns (uint256 total) {
        for (uint256 a; a < ACTORS; ++a) total += _ghostScaled[k * 4 + a];
    }

    function _debtOf(uint256 scaled, uint256 index) private pure returns (uint256) {
        return Math.mulDiv(scaled, index, WAD, Math.Rounding.Ceil);
    }

    function _toShares(uint256 assets, PoolState memory s, bool up) private pure returns (uint256) {
        return
            Math.mulDiv(
                assets,
                s.totalShares + VIRTUAL_SHARES,
                s.totalAssets + 1,
                up ? Math.Rounding.Ceil : Math.Rounding.Floor
            );
    }

    function _toAssets(uint256 shares, PoolState memory s, bool up) private pure returns (uint256) {
        return
            Math.mulDiv(
                shares,
                s.totalAssets + 1,
                s.totalShares + VIRTUAL_SHARES,
                up ? Math.Rounding.Ceil : Math.Rounding.Floor
            );
    }

    function _move(Expect memory e, uint256 t, uint256 from, uint256 to, uint256 amount) private pure {
        e.bal[t * 6 + from] -= int256(amount);
        e.bal[t * 6 + to] += int256(amount);
    }

    function _sync() private {
        VM.warp(ghostTime());
    }

    function _asOwner() private {
        if (diamondOwner != address(this)) VM.prank(diamondOwner);
    }

    function _mismatch(bytes32 action, string memory what, bytes memory data) private {
        ++mismatches;
        lastMismatch = abi.encode(action, what, data);
    }

    function _digit(uint256 i) private pure returns (string memory) {
        return string(abi.encodePacked(bytes1(uint8(48 + i))));
    }
}
