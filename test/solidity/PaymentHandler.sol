// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

// A test handler: many ghost variables, named like ordinary fields.
// solhint-disable max-states-count, immutable-vars-naming

import {boundTo} from "./TestBase.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {Diamond, DiamondConfig} from "../../contracts/diamond/Diamond.sol";
import {CoreFacets} from "../../contracts/diamond/libraries/LibCore.sol";
import {DiamondCutFacet} from "../../contracts/diamond/facets/DiamondCutFacet.sol";
import {DiamondLoupeFacet} from "../../contracts/diamond/facets/DiamondLoupeFacet.sol";
import {OwnershipFacet} from "../../contracts/diamond/facets/OwnershipFacet.sol";
import {AccessControlFacet} from "../../contracts/access/AccessControlFacet.sol";
import {PauseFacet} from "../../contracts/access/PauseFacet.sol";
import {TimelockFacet} from "../../contracts/access/TimelockFacet.sol";
import {ModuleRegistryFacet} from "../../contracts/registry/ModuleRegistryFacet.sol";
import {IFinanceDiamond} from "../../contracts/interfaces/IFinanceDiamond.sol";
import {IModuleRegistry} from "../../contracts/interfaces/IModuleRegistry.sol";
import {IPayment} from "../../contracts/modules/payment/IPayment.sol";
import {IPaymentEscrow} from "../../contracts/modules/payment/IPaymentEscrow.sol";
import {PaymentEscrowFacet} from "../../contracts/modules/payment/PaymentEscrowFacet.sol";
import {PaymentFacet} from "../../contracts/modules/payment/PaymentFacet.sol";
import {IPaymentInvoice} from "../../contracts/modules/payment/IPaymentInvoice.sol";
import {PaymentInvoiceFacet} from "../../contracts/modules/payment/PaymentInvoiceFacet.sol";
import {MockPriceFeed} from "../../contracts/mocks/PaymentMocks.sol";
import {CreditFacet} from "../../contracts/shared/credit/CreditFacet.sol";
import {ICredit} from "../../contracts/shared/credit/ICredit.sol";
import {FacetSelectors, ModuleId, ModuleSpec, SemVer} from "../../contracts/types/ModuleTypes.sol";

/// @dev The cheatcodes the payment handler uses (TestBase's `Vm` has no `deal`).
// solhint-disable-next-line interface-starts-with-i
interface PaymentVm {
    function prank(address msgSender) external;

    function deal(address account, uint256 newBalance) external;

    function warp(uint256 newTimestamp) external;

    function label(address account, string calldata newLabel) external;
}

/// @dev A plain OpenZeppelin ERC-20 with an open mint, for tests only.
/// @dev An ERC-20 whose `transfer` refuses listed recipients (as a stablecoin's blocklist
/// would). `transferFrom` is not affected, so only payouts from the diamond's own balance
/// (escrows, batch payouts, credit claims) meet the refusal.
contract PaymentTestToken is ERC20 {
    error PaymentTestTokenBlocked(address to);

    mapping(address account => bool) public blocked;

    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setBlocked(address account, bool isBlocked) external {
        blocked[account] = isBlocked;
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        if (blocked[to]) revert PaymentTestTokenBlocked(to);
        return super.transfer(to, value);
    }
}

/// @dev Every selector of IPayment (= every external function of PaymentFacet).
function paymentSelectors() pure returns (bytes4[] memory s) {
    s = new bytes4[](11);
    s[0] = IPayment.pay.selector;
    s[1] = IPayment.payWithPermit.selector;
    s[2] = IPayment.payNative.selector;
    s[3] = IPayment.payBatch.selector;
    s[4] = IPayment.setPaymentRail.selector;
    s[5] = IPayment.setPaymentFee.selector;
    s[6] = IPayment.setPaymentTreasury.selector;
    s[7] = IPayment.withdrawPaymentFees.selector;
    s[8] = IPayment.paymentRail.selector;
    s[9] = IPayment.paymentTreasury.selector;
    s[10] = IPayment.accruedPaymentFees.selector;
}

/// @dev Every selector of ICredit (= every external function of CreditFacet).
function creditSelectors() pure returns (bytes4[] memory s) {
    s = new bytes4[](3);
    s[0] = ICredit.claimCredit.selector;
    s[1] = ICredit.creditOf.selector;
    s[2] = ICredit.totalCredits.selector;
}

/// @dev Every selector of IPaymentEscrow (= every external function of PaymentEscrowFacet).
function paymentEscrowSelectors() pure returns (bytes4[] memory s) {
    s = new bytes4[](9);
    s[0] = IPaymentEscrow.createEscrow.selector;
    s[1] = IPaymentEscrow.releaseEscrow.selector;
    s[2] = IPaymentEscrow.refundEscrow.selector;
    s[3] = IPaymentEscrow.reclaimEscrow.selector;
    s[4] = IPaymentEscrow.disputeEscrow.selector;
    s[5] = IPaymentEscrow.resolveEscrow.selector;
    s[6] = IPaymentEscrow.escrowStatus.selector;
    s[7] = IPaymentEscrow.escrowId.selector;
    s[8] = IPaymentEscrow.escrowedAmount.selector;
}

/// @dev Every selector of IPaymentInvoice (= every external function of PaymentInvoiceFacet).
function paymentInvoiceSelectors() pure returns (bytes4[] memory s) {
    s = new bytes4[](7);
    s[0] = IPaymentInvoice.issueInvoice.selector;
    s[1] = IPaymentInvoice.payInvoice.selector;
    s[2] = IPaymentInvoice.payInvoiceCrossCurrency.selector;
    s[3] = IPaymentInvoice.cancelInvoice.selector;
    s[4] = IPaymentInvoice.setPaymentPriceFeed.selector;
    s[5] = IPaymentInvoice.getInvoice.selector;
    s[6] = IPaymentInvoice.quoteInvoice.selector;
}

/// @title Drives the payment module of a fresh diamond through random payments, batch
/// payouts, fee changes, withdrawals and time warps, and models the result.
/// @notice Owner, upgrader and guardian of its own diamond (delay 0). Four actors pay
/// each other (never themselves: payer and payee roles must stay apart for the measured
/// "taken from payers" and "paid to payees" totals) over channel "main", in two ERC-20
/// tokens and the native currency. Before each call the handler predicts from its model
/// whether it must succeed (and every balance delta it must cause) or revert (and with
/// which error); a disagreement is counted in `mismatches` and fails the invariant.
/// @dev Actions take seeds; fields come from fixed bit ranges. A 5-bit mode field picks
/// the kind of call: 0-25 valid (so small seeds, which fuzzers like, describe valid calls),
/// 26 tiny amounts (the fee rounds down), 27-31 one invalid call each, so expected
/// reverts are exercised too.
contract PaymentHandler {
    /// @dev Balances of one asset at the accounts the handler watches.
    struct Snapshot {
        uint256[4] actors;
        uint256 treasury;
        uint256 diamond;
        uint256 admin;
        uint256 accrued;
        uint256 escrowed;
        uint256 credited;
    }

    /// @dev Expected balance changes of one call (everything not listed must not move).
    struct Delta {
        int256[4] actors;
        int256 treasury;
        int256 diamond;
        int256 accrued;
        int256 escrowed;
        int256 credited;
    }

    /// @dev A payment call being prepared: who, what, how much, and what must happen.
    struct Call {
        bytes32 action;
        address caller;
        address asset;
        uint256 value;
        bytes data;
        bytes expectedError;
        uint256 payerIndex;
        uint256 total;
        uint256 fee;
        Delta delta;
    }

    PaymentVm internal constant VM = PaymentVm(address(uint160(uint256(keccak256("hevm cheat code")))));

    bytes32 public constant CHANNEL = "main";
    bytes32 public constant CLOSED_CHANNEL = "closed";
    ModuleId public constant PAYMENT_MODULE = ModuleId.wrap("payment");
    ModuleId public constant CREDIT_MODULE = ModuleId.wrap("credit");
    bytes32 public constant PAYMENT_ADMIN_ROLE = keccak256("finsuite.role.payment-admin");
    address public constant NATIVE = address(0);
    uint16 public constant MAX_FEE_BPS = 500;
    uint96 public constant MAX_PER_TX = 1_000e18;
    uint96 public constant MAX_PER_DAY = 2_500e18;
    /// @dev What every actor starts with, of each token and of the native currency.
    uint256 public constant INITIAL_BALANCE = 1e30;

    bytes32 public constant ACT_PAY = "pay";
    bytes32 public constant ACT_PAY_NATIVE = "payNative";
    bytes32 public constant ACT_PAY_BATCH = "payBatch";
    bytes32 public constant ACT_SET_FEE = "setPaymentFee";
    bytes32 public constant ACT_SET_RAIL = "setPaymentRail";
    bytes32 public constant ACT_WITHDRAW = "withdrawPaymentFees";
    bytes32 public constant ACT_WARP = "warpTime";
    bytes32 public constant ACT_ESCROW_CREATE = "createEscrow";
    bytes32 public constant ACT_ESCROW_RELEASE = "releaseEscrow";
    bytes32 public constant ACT_ESCROW_REFUND = "refundEscrow";
    bytes32 public constant ACT_ESCROW_RECLAIM = "reclaimEscrow";
    bytes32 public constant ACT_ESCROW_DISPUTE = "disputeEscrow";
    bytes32 public constant ACT_ESCROW_RESOLVE = "resolveEscrow";
    bytes32 public constant ACT_CLAIM_CREDIT = "claimCredit";
    bytes32 public constant ACT_INVOICE_ISSUE = "issueInvoice";
    bytes32 public constant ACT_INVOICE_PAY = "payInvoice";
    bytes32 public constant ACT_INVOICE_PAY_CROSS = "payInvoiceCrossCurrency";
    bytes32 public constant ACT_INVOICE_CANCEL = "cancelInvoice";
    /// @dev Currency invoices are in USD, priced for token A only (token B has no feed).
    bytes32 public constant USD = "USD";
    /// @dev Generous limits for cross-currency payments (the feed is refreshed on every warp).
    uint256 public constant MAX_PRICE_AGE = 1 hours;

    IFinanceDiamond public immutable diamond;
    IPayment public immutable payment;
    IPaymentEscrow public immutable escrow;
    address public immutable paymentFacet;
    address public immutable paymentEscrowFacet;
    IPaymentInvoice public immutable invoices;
    address public immutable paymentInvoiceFacet;
    /// @dev The diamond's credit book, where payment credits what a recipient refuses.
    ICredit public immutable credit;
    address public immutable creditFacet;
    /// @dev Token A in USD, 8 decimals, around 1.0; set to a new price at every warp.
    MockPriceFeed public immutable usdFeed;
    PaymentTestToken public immutable tokenA;
    PaymentTestToken public immutable tokenB;
    address public immutable admin;
    address public immutable treasury;
    address[4] internal _actors;

    // ------------------------------------------------------------------ model
    /// @dev The handler's clock: every action starts by warping to it, so time only moves
    /// through `warpTime`, whatever the runner does with the block between calls.
    uint256 public ghostTime;
    mapping(address asset => uint16) public ghostFeeBps;
    mapping(address asset => uint256) public ghostAccrued;
    /// @dev The rail's limits (start: MAX_PER_TX and MAX_PER_DAY; changed by `setPaymentRail`).
    mapping(address asset => uint256) public ghostMaxPerTx;
    mapping(address asset => uint256) public ghostMaxPerDay;
    mapping(address asset => uint64) public ghostRailDay;
    mapping(address asset => uint256) public ghostRailSpent;
    /// @dev Measured: what payers' balances dropped by in successful payments.
    mapping(address asset => uint256) public ghostTakenFromPayers;
    /// @dev Measured: what payees' balances rose by in successful payments.
    mapping(address asset => uint256) public ghostPaidToPayees;
    /// @dev Modelled: the fee of every successful payment (amount * bps / 10 000).
    mapping(address asset => uint256) public ghostFeesCharged;
    /// @dev Measured: what the treasury's balance rose by in successful withdrawals.
    mapping(address asset => uint256) public ghostWithdrawn;
    /// @dev Modelled, per actor: amounts received as payee, and amount + fee paid as payer.
    mapping(address asset => mapping(address actor => uint256)) public ghostReceived;
    mapping(address asset => mapping(address actor => uint256)) public ghostSpent;

    // ------------------------------------------------------------------ escrow model
    /// @dev Every escrow the handler created (terms as returned), with its modelled status.
    IPaymentEscrow.EscrowTerms[] internal _escrows;
    IPaymentEscrow.EscrowStatus[] internal _escrowModel;
    /// @dev Indices into `_escrows` of the open (Funded or Disputed) escrows.
    uint256[] internal _openEscrows;
    uint64 public ghostEscrowNonce;
    /// @dev Modelled: sum of the amounts of the open escrows.
    mapping(address asset => uint256) public ghostEscrowed;
    /// @dev Modelled: amounts put into escrows, and paid out of them to payees / back to payers.
    mapping(address asset => uint256) public ghostEscrowIn;
    mapping(address asset => uint256) public ghostEscrowToPayees;
    mapping(address asset => uint256) public ghostEscrowToPayers;
    /// @dev Modelled, per actor: amounts it put into escrows, and got out of them.
    mapping(address asset => mapping(address actor => uint256)) public ghostEscrowFunded;
    mapping(address asset => mapping(address actor => uint256)) public ghostEscrowReceived;
    /// @dev Refunds of disputed escrows by their payee (allowed: the payee gives up its claim).
    uint256 public disputedRefunds;

    // ------------------------------------------------------------------ refusals and credits
    /// @dev Actors the token currently refuses to `transfer` to (ERC-20 assets only).
    mapping(address asset => mapping(address actor => bool)) public ghostBlocked;
    /// @dev Modelled: escrow payouts refused and credited, per actor and in total.
    mapping(address asset => mapping(address actor => uint256)) public ghostCredit;
    mapping(address asset => uint256) public ghostCredited;
    /// @dev Modelled: credits claimed, per receiving actor.
    mapping(address asset => mapping(address actor => uint256)) public ghostClaimReceived;
    uint256 public creditsRecorded;

    // ------------------------------------------------------------------ invoice model
    /// @dev Invoice `k + 1` as issued, with its modelled status and amount paid.
    IPaymentInvoice.Invoice[] internal _invoiceModel;
    /// @dev The USD price of token A the feed reports (8 decimals).
    int256 public ghostUsdPrice;
    uint256 public invoicesPaid;
    uint256 public invoicesCancelled;
    /// @dev Successful payments that left their invoice Open (a part of it still due).
    uint256 public invoicePartPayments;

    // ------------------------------------------------------------------ bookkeeping
    uint256 public mismatches;
    bytes public lastMismatch;
    mapping(bytes32 action => uint256) public attempts;
    mapping(bytes32 action => uint256) public successes;
    mapping(bytes32 action => uint256) public expectedReverts;
    uint256 public warps;
    uint256 public dayChanges;
    uint256 public dailyLimitHits;
    bytes internal _lastReturn;

    constructor() {
        CoreFacets memory core = CoreFacets({
            diamondCut: address(new DiamondCutFacet()),
            diamondLoupe: address(new DiamondLoupeFacet()),
            ownership: address(new OwnershipFacet()),
            accessControl: address(new AccessControlFacet()),
            pause: address(new PauseFacet()),
            timelock: address(new TimelockFacet()),
            moduleRegistry: address(new ModuleRegistryFacet())
        });
        diamond = IFinanceDiamond(
            address(new Diamond(core, DiamondConfig(address(this), address(this), address(this), 0)))
        );
        payment = IPayment(address(diamond));
        escrow = IPaymentEscrow(address(diamond));
        paymentFacet = address(new PaymentFacet());
        paymentEscrowFacet = address(new PaymentEscrowFacet());
        invoices = IPaymentInvoice(address(diamond));
        paymentInvoiceFacet = address(new PaymentInvoiceFacet());
        credit = ICredit(address(diamond));
        creditFacet = address(new CreditFacet());
        _installPaymentModule();

        tokenA = new PaymentTestToken("Token A", "TKA");
        tokenB = new PaymentTestToken("Token B", "TKB");
        admin = address(uint160(uint256(keccak256("finsuite.test.payment.admin"))));
        treasury = address(uint160(uint256(keccak256("finsuite.test.payment.treasury"))));
        VM.label(address(tokenA), "TokenA");
        VM.label(address(tokenB), "TokenB");
        VM.label(admin, "PaymentAdmin");
        VM.label(treasury, "Treasury");

        _fundActors();

        diamond.grantRole(PAYMENT_ADMIN_ROLE, admin);
        VM.prank(admin);
        payment.setPaymentTreasury(treasury);
        _openRails();
        ghostTime = block.timestamp;
        usdFeed = new MockPriceFeed(8, 1e8);
        ghostUsdPrice = 1e8;
        VM.prank(admin);
        invoices.setPaymentPriceFeed(USD, address(tokenA), address(usdFeed));
    }

    /// @dev Every asset's rail on CHANNEL, with the start limits and a fee of its own.
    function _openRails() private {
        address[3] memory all = assets();
        uint16[3] memory fees = [uint16(30), uint16(100), uint16(50)];
        for (uint256 i; i < 3; ++i) {
            VM.prank(admin);
            payment.setPaymentRail(CHANNEL, all[i], MAX_PER_TX, MAX_PER_DAY);
            ghostMaxPerTx[all[i]] = MAX_PER_TX;
            ghostMaxPerDay[all[i]] = MAX_PER_DAY;
            VM.prank(admin);
            payment.setPaymentFee(CHANNEL, all[i], fees[i]);
            ghostFeeBps[all[i]] = fees[i];
        }
    }

    /// @dev Four actors, each with INITIAL_BALANCE of both tokens and of native currency,
    /// and an unlimited allowance for the diamond.
    function _fundActors() private {
        for (uint256 i; i < 4; ++i) {
            address a = address(uint160(uint256(keccak256(abi.encode("finsuite.test.payment.actor", i)))));
            _actors[i] = a;
            VM.label(a, string.concat("Actor", _digit(i)));
            tokenA.mint(a, INITIAL_BALANCE);
            tokenB.mint(a, INITIAL_BALANCE);
            VM.deal(a, INITIAL_BALANCE);
            VM.prank(a);
            tokenA.approve(address(diamond), type(uint256).max);
            VM.prank(a);
            tokenB.approve(address(diamond), type(uint256).max);
        }
    }

    /// @dev As scripts/manifest.ts declares them, in one timelocked operation: credit, then
    /// payment (depending on it).
    function _installPaymentModule() private {
        ModuleSpec memory creditSpec;
        creditSpec.id = CREDIT_MODULE;
        creditSpec.version = SemVer(0, 1, 0);
        creditSpec.facets = new FacetSelectors[](1);
        creditSpec.facets[0] = FacetSelectors(creditFacet, creditSelectors());
        creditSpec.interfaceIds = new bytes4[](1);
        creditSpec.interfaceIds[0] = type(ICredit).interfaceId;
        ModuleSpec memory spec;
        spec.id = PAYMENT_MODULE;
        spec.version = SemVer(1, 0, 0);
        spec.facets = new FacetSelectors[](3);
        spec.facets[0] = FacetSelectors(paymentFacet, paymentSelectors());
        spec.facets[1] = FacetSelectors(paymentEscrowFacet, paymentEscrowSelectors());
        spec.facets[2] = FacetSelectors(paymentInvoiceFacet, paymentInvoiceSelectors());
        spec.interfaceIds = new bytes4[](3);
        spec.interfaceIds[0] = type(IPayment).interfaceId;
        spec.interfaceIds[1] = type(IPaymentEscrow).interfaceId;
        spec.interfaceIds[2] = type(IPaymentInvoice).interfaceId;
        spec.dependencies = new ModuleId[](1);
        spec.dependencies[0] = CREDIT_MODULE;
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IModuleRegistry.installModule, (creditSpec, address(0), ""));
        calls[1] = abi.encodeCall(IModuleRegistry.installModule, (spec, address(0), ""));
        diamond.schedule(calls, bytes32("payment-install"));
        diamond.execute(calls, bytes32("payment-install"));
    }

    // ================================================================== actions

    /// @notice ERC-20 `pay`. seed: [0,2) payer; [8,16) payee offset (never the payer);
    /// [16] token; [24,29) mode: 26 tiny amount, 27 closed channel, 28 native token through
    /// `pay`, 29 over the per-tx limit, 30 zero payee, 31 zero amount, else an amount in
    /// [1, maxPerTx].
    function pay(uint256 seed, uint256 amount, bytes32 paymentRef) external returns (bool) {
        _syncTime();
        Call memory c;
        c.action = ACT_PAY;
        c.payerIndex = seed % 4;
        uint256 payeeIndex = (c.payerIndex + 1 + (((seed >> 8) & 0xff) % 3)) % 4;
        address payee = _actors[payeeIndex];
        c.asset = ((seed >> 16) & 1) == 0 ? address(tokenA) : address(tokenB);
        uint256 mode = (seed >> 24) % 32;
        bytes32 channel = CHANNEL;
        amount = _amount(mode, amount);
        if (mode == 27) channel = CLOSED_CHANNEL;
        if (mode == 28) c.asset = NATIVE;
        if (mode == 30) payee = address(0);
        if (mode == 31) amount = 0;

        c.caller = _actors[c.payerIndex];
        c.data = abi.encodeCall(IPayment.pay, (channel, c.asset, payee, amount, paymentRef));
        c.total = amount;
        if (payee == address(0)) c.expectedError = abi.encodeWithSelector(IPayment.PaymentZeroPayee.selector);
        else if (amount == 0) c.expectedError = abi.encodeWithSelector(IPayment.PaymentZeroAmount.selector);
        else if (c.asset == NATIVE) c.expectedError = _railDisabled(channel, NATIVE);
        else c.expectedError = _predictRail(channel, c.asset, amount);
        if (c.expectedError.length == 0) {
            c.fee = _fee(c.asset, amount);
            c.delta.actors[c.payerIndex] = -int256(amount + c.fee);
            c.delta.actors[payeeIndex] = int256(amount);
            c.delta.diamond = int256(c.fee);
            c.delta.accrued = int256(c.fee);
            ghostReceived[c.asset][payee] += amount;
        }
        return _runPayment(c);
    }

    /// @notice `payNative`. seed: [0,2) payer; [8,16) payee offset; [24,29) mode: 26 tiny
    /// amount, 27 one wei too little, 28 one wei too much, 29 over the per-tx limit, 30 zero
    /// payee, 31 zero amount, else an amount in [1, maxPerTx].
    function payNative(uint256 seed, uint256 amount, bytes32 paymentRef) external returns (bool) {
        _syncTime();
        Call memory c;
        c.action = ACT_PAY_NATIVE;
        c.asset = NATIVE;
        c.payerIndex = seed % 4;
        uint256 payeeIndex = (c.payerIndex + 1 + (((seed >> 8) & 0xff) % 3)) % 4;
        address payee = _actors[payeeIndex];
        uint256 mode = (seed >> 24) % 32;
        amount = _amount(mode, amount);
        if (mode == 30) payee = address(0);
        if (mode == 31) amount = 0;
        uint256 fee = _fee(NATIVE, amount);
        c.value = amount + fee;
        if (mode == 27) c.value -= 1;
        if (mode == 28) c.value += 1;

        c.caller = _actors[c.payerIndex];
        c.data = abi.encodeCall(IPayment.payNative, (CHANNEL, payee, amount, paymentRef));
        c.total = amount;
        if (payee == address(0)) c.expectedError = abi.encodeWithSelector(IPayment.PaymentZeroPayee.selector);
        else if (amount == 0) c.expectedError = abi.encodeWithSelector(IPayment.PaymentZeroAmount.selector);
        else c.expectedError = _predictRail(CHANNEL, NATIVE, amount);
        if (c.expectedError.length == 0 && c.value != amount + fee) {
            c.expectedError = abi.encodeWithSelector(IPayment.PaymentWrongValue.selector, amount + fee, c.value);
        }
        if (c.expectedError.length == 0) {
            c.fee = fee;
            c.delta.actors[c.payerIndex] = -int256(amount + fee);
            c.delta.actors[payeeIndex] = int256(amount);
            c.delta.diamond = int256(fee);
            c.delta.accrued = int256(fee);
            ghostReceived[NATIVE][payee] += amount;
        }
        return _runPayment(c);
    }

    /// @notice `payBatch` of 1-5 entries, in token A, token B or native. seed: [0,2) asset
    /// (3 = native); [4,6) payer; [8,16) count; [16,21) mode: 26 tiny amounts, 27 length
    /// mismatch, 28 empty, 29 wrong value (native: one wei too much; ERC-20: one wei at
    /// all), 30 over the per-tx limit, 31 an invalid entry ([24,32) index, [32] zero payee
    /// or zero amount), else valid. amountsSeed: payee offsets and amounts per entry.
    function payBatch(uint256 seed, uint256 amountsSeed, bytes32 paymentRef) external returns (bool) {
        _syncTime();
        Call memory c;
        c.action = ACT_PAY_BATCH;
        c.asset = _asset(seed);
        c.payerIndex = (seed >> 4) % 4;
        c.caller = _actors[c.payerIndex];
        uint256 mode = (seed >> 16) % 32;
        uint256 n = mode == 28 ? 0 : 1 + (((seed >> 8) & 0xff) % 5);
        (address[] memory payees, uint256[] memory amounts, uint256[] memory payeeIdx) = _batchEntries(
            c.payerIndex,
            n,
            amountsSeed,
            mode
        );
        if (mode == 31) {
            uint256 bad = ((seed >> 24) & 0xff) % n;
            if (((seed >> 32) & 1) == 0) payees[bad] = address(0);
            else amounts[bad] = 0;
        }
        if (mode == 30) amounts[0] = MAX_PER_TX + 1;
        if (mode == 27) {
            uint256[] memory longer = new uint256[](n + 1);
            for (uint256 i; i < n; ++i) longer[i] = amounts[i];
            longer[n] = 1;
            amounts = longer;
        }
        for (uint256 i; i < amounts.length && i < n; ++i) c.total += amounts[i];
        uint256 fee = _fee(c.asset, c.total);
        if (c.asset == NATIVE) c.value = c.total + fee;
        if (mode == 29) c.value += 1;
        c.data = abi.encodeCall(IPayment.payBatch, (CHANNEL, c.asset, payees, amounts, paymentRef));

        c.expectedError = _predictBatch(c, payees, amounts, fee);
        if (c.expectedError.length == 0) {
            c.fee = fee;
            c.delta.actors[c.payerIndex] = -int256(c.total + fee);
            for (uint256 i; i < n; ++i) {
                c.delta.actors[payeeIdx[i]] += int256(amounts[i]);
                ghostReceived[c.asset][payees[i]] += amounts[i];
            }
            c.delta.diamond = int256(fee);
            c.delta.accrued = int256(fee);
        }
        return _runPayment(c);
    }

    /// @notice `setPaymentFee` as the admin. seed: [0,2) asset; [8,11) mode: 7 above the
    /// cap, 6 called by an actor ([12,14)) without the role, else bps in [0, 500].
    function setPaymentFee(uint256 seed, uint256 bps) external returns (bool ok) {
        _syncTime();
        address asset = _asset(seed);
        uint256 mode = (seed >> 8) % 8;
        uint16 feeBps = uint16(boundTo(bps, 0, MAX_FEE_BPS));
        address caller = admin;
        bytes memory expectedError;
        if (mode == 7) {
            feeBps = uint16(boundTo(bps, MAX_FEE_BPS + 1, type(uint16).max));
            expectedError = abi.encodeWithSelector(IPayment.PaymentFeeTooHigh.selector, feeBps, MAX_FEE_BPS);
        } else if (mode == 6) {
            caller = _actors[(seed >> 12) % 4];
            expectedError = abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                caller,
                PAYMENT_ADMIN_ROLE
            );
        }
        Delta memory none;
        (ok, , ) = _run(
            ACT_SET_FEE,
            caller,
            asset,
            0,
            abi.encodeCall(IPayment.setPaymentFee, (CHANNEL, asset, feeBps)),
            expectedError,
            none
        );
        if (ok) ghostFeeBps[asset] = feeBps;
    }

    /// @notice `setPaymentRail` on channel "main" as the admin; today's spending must carry
    /// over whatever the new limits. seed: [0,2) asset; [8,11) mode: 7 daily limit below
    /// the per-tx limit, 6 called by an actor ([12,14)) without the role, 5 disable, 4
    /// back to the starting limits, else perTx in [1, MAX_PER_TX] and perDay in [perTx, MAX_PER_DAY].
    function setPaymentRail(uint256 seed, uint256 perTx, uint256 perDay) external returns (bool ok) {
        _syncTime();
        address asset = _asset(seed);
        uint256 mode = (seed >> 8) % 8;
        uint96 maxPerTx = uint96(boundTo(perTx, 1, MAX_PER_TX));
        uint96 maxPerDay = uint96(boundTo(perDay, maxPerTx, MAX_PER_DAY));
        address caller = admin;
        bytes memory expectedError;
        if (mode == 7) {
            maxPerTx = uint96(boundTo(perTx, 2, MAX_PER_TX));
            maxPerDay = uint96(boundTo(perDay, 1, maxPerTx - 1));
            expectedError = abi.encodeWithSelector(IPayment.PaymentRailLimitsInvalid.selector, maxPerTx, maxPerDay);
        } else if (mode == 6) {
            caller = _actors[(seed >> 12) % 4];
            expectedError = abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                caller,
                PAYMENT_ADMIN_ROLE
            );
        } else if (mode == 5) {
            (maxPerTx, maxPerDay) = (0, 0);
        } else if (mode == 4) {
            (maxPerTx, maxPerDay) = (MAX_PER_TX, MAX_PER_DAY);
        }
        Delta memory none;
        (ok, , ) = _run(
            ACT_SET_RAIL,
            caller,
            asset,
            0,
            abi.encodeCall(IPayment.setPaymentRail, (CHANNEL, asset, maxPerTx, maxPerDay)),
            expectedError,
            none
        );
        if (ok && expectedError.length == 0) {
            ghostMaxPerTx[asset] = maxPerTx;
            ghostMaxPerDay[asset] = maxPerDay;
        }
    }

    /// @notice `withdrawPaymentFees`, called by any actor. seed: [0,2) asset; [8,10) caller.
    function withdrawPaymentFees(uint256 seed) external returns (bool ok) {
        _syncTime();
        address asset = _asset(seed);
        address caller = _actors[(seed >> 8) % 4];
        uint256 accrued = ghostAccrued[asset];
        bytes memory expectedError;
        Delta memory d;
        if (accrued == 0) {
            expectedError = abi.encodeWithSelector(IPayment.PaymentNoFeesAccrued.selector, asset);
        } else {
            d.treasury = int256(accrued);
            d.diamond = -int256(accrued);
            d.accrued = -int256(accrued);
        }
        Snapshot memory before;
        Snapshot memory afterCall;
        (ok, before, afterCall) = _run(
            ACT_WITHDRAW,
            caller,
            asset,
            0,
            abi.encodeCall(IPayment.withdrawPaymentFees, (asset)),
            expectedError,
            d
        );
        if (ok) {
            ghostAccrued[asset] = 0;
            ghostWithdrawn[asset] += afterCall.treasury - before.treasury;
        }
    }

    /// @notice Moves the clock forward by 1 minute to 36 hours (often past a day boundary).
    function warpTime(uint256 secondsForward) external {
        _syncTime();
        _warpTo(ghostTime + boundTo(secondsForward, 1 minutes, 36 hours));
    }

    /// @notice Blocks or unblocks an actor in token A or B (the token then refuses to
    /// `transfer` to it). seed: [0] token; [8,10) actor. No module call.
    function toggleBlocked(uint256 seed) external {
        _syncTime();
        PaymentTestToken token = (seed & 1) == 0 ? tokenA : tokenB;
        address who = _actors[(seed >> 8) % 4];
        bool next = !ghostBlocked[address(token)][who];
        token.setBlocked(who, next);
        ghostBlocked[address(token)][who] = next;
    }

    /// @notice `claimCredit` (the credit module's) by an actor to an actor (itself too).
    /// seed: [0,2) asset; [8,10) caller; [12,14) recipient; [16,21) mode: 30 to zero, 31 to
    /// the diamond.
    function claimCredit(uint256 seed) external returns (bool ok) {
        _syncTime();
        address asset = _asset(seed);
        uint256 from = (seed >> 8) % 4;
        uint256 toIndex = (seed >> 12) % 4;
        address to = _actors[toIndex];
        uint256 mode = (seed >> 16) % 32;
        if (mode == 30) to = address(0);
        if (mode == 31) to = address(diamond);
        uint256 amount = ghostCredit[asset][_actors[from]];
        bytes memory expectedError;
        Delta memory d;
        if (to == address(0) || to == address(diamond)) {
            expectedError = abi.encodeWithSelector(ICredit.CreditRecipientInvalid.selector, to);
        } else if (amount == 0) {
            expectedError = abi.encodeWithSelector(ICredit.CreditNone.selector, asset, _actors[from]);
        } else if (ghostBlocked[asset][to]) {
            expectedError = abi.encodeWithSelector(PaymentTestToken.PaymentTestTokenBlocked.selector, to);
        } else {
            d.actors[toIndex] = int256(amount);
            d.diamond = -int256(amount);
            d.credited = -int256(amount);
        }
        bytes memory data = abi.encodeCall(ICredit.claimCredit, (asset, to));
        (ok, , ) = _run(ACT_CLAIM_CREDIT, _actors[from], asset, 0, data, expectedError, d);
        if (ok && expectedError.length == 0) {
            ghostCredit[asset][_actors[from]] = 0;
            ghostCredited[asset] -= amount;
            ghostClaimReceived[asset][to] += amount;
        }
    }

    // ================================================================== escrow actions

    /// @notice `createEscrow`. seed: [0,2) payer; [8,16) payee offset (never the payer);
    /// [16,18) asset (0, 3: native); [20,22) arbiter (0: none, else one of the two other
    /// actors, [22] which); [24,29) mode: 24 payee is the payer, 25 wrong value (native:
    /// one wei too much; ERC-20: one wei at all), 26 tiny amount, 27 deadline now, 28
    /// arbiter is the payer, 29 over the per-tx limit, 30 zero payee, 31 zero amount, else
    /// an amount in [1, maxPerTx / 4]; [32,64) deadline offset in [1 h, 3 d].
    function createEscrow(uint256 seed, uint256 amount, bytes32 paymentRef) external returns (bool ok) {
        _syncTime();
        IPaymentEscrow.EscrowTerms memory t;
        uint256 p = seed % 4;
        uint256 q = (p + 1 + (((seed >> 8) & 0xff) % 3)) % 4;
        t.payer = _actors[p];
        t.payee = _actors[q];
        t.token = _asset(seed >> 16);
        if (((seed >> 20) & 3) != 0) t.arbiter = _actors[_third(p, q, (seed >> 22) & 1)];
        uint256 mode = (seed >> 24) % 32;
        t.amount = mode == 29 || mode == 26 ? _amount(mode, amount) : boundTo(amount, 1, MAX_PER_TX / 4);
        t.deadline = uint64(ghostTime + boundTo(uint32(seed >> 32), 1 hours, 3 days));
        uint256 value = t.token == NATIVE ? t.amount : 0;
        if (mode == 24) t.payee = t.payer;
        if (mode == 25) value += 1;
        if (mode == 27) t.deadline = uint64(ghostTime);
        if (mode == 28) t.arbiter = t.payer;
        if (mode == 30) t.payee = address(0);
        if (mode == 31) t.amount = 0;
        if (mode == 31 && t.token == NATIVE) value = 0;
        t.nonce = ghostEscrowNonce;

        bytes memory expectedError = _predictCreate(t, value);
        Delta memory d;
        if (expectedError.length == 0) {
            d.actors[p] = -int256(t.amount);
            d.diamond = int256(t.amount);
            d.escrowed = int256(t.amount);
        }
        bytes memory data = abi.encodeCall(
            IPaymentEscrow.createEscrow,
            (CHANNEL, t.token, t.payee, t.amount, t.deadline, t.arbiter, paymentRef)
        );
        (ok, , ) = _run(ACT_ESCROW_CREATE, t.payer, t.token, value, data, expectedError, d);
        if (!ok || expectedError.length != 0) return ok;

        (bytes32 id, IPaymentEscrow.EscrowTerms memory got) = abi.decode(
            _lastReturn,
            (bytes32, IPaymentEscrow.EscrowTerms)
        );
        if (keccak256(abi.encode(got)) != keccak256(abi.encode(t))) {
            _mismatch(ACT_ESCROW_CREATE, "returned terms differ", abi.encode(got));
        }
        if (id != keccak256(abi.encode(t))) _mismatch(ACT_ESCROW_CREATE, "id != hash of the terms", abi.encode(id));
        _recordEscrow(t);
    }

    /// @notice `releaseEscrow` by the payer. seed: [0,16) pick, [16,19) 7: any escrow
    /// (closed ones too); [24,29) mode: 30 tampered terms, 31 called by the payee.
    function releaseEscrow(uint256 seed) external returns (bool ok) {
        _syncTime();
        (bool found, uint256 k, IPaymentEscrow.EscrowTerms memory t) = _pickEscrow(
            seed,
            IPaymentEscrow.EscrowStatus.Funded
        );
        if (!found) return false;
        uint256 mode = (seed >> 24) % 32;
        address caller = mode == 31 ? t.payee : t.payer;
        IPaymentEscrow.EscrowStatus s = _tamper(t, k, mode == 30);
        bytes32 id = keccak256(abi.encode(t));
        bytes memory expectedError = _predictOpen(id, s, caller, t.payer, IPaymentEscrow.EscrowStatus.Funded);
        ok = _closeEscrow(ACT_ESCROW_RELEASE, caller, t, expectedError, t.amount);
        if (ok && expectedError.length == 0) _settle(k, IPaymentEscrow.EscrowStatus.Released, t.amount);
    }

    /// @notice `refundEscrow` by the payee. Fields as `releaseEscrow` (31: called by the payer).
    /// @dev The payee may refund a Funded or a Disputed escrow (IPaymentEscrow): giving up
    /// its claim ends a dispute as well.
    function refundEscrow(uint256 seed) external returns (bool ok) {
        _syncTime();
        (bool found, uint256 k, IPaymentEscrow.EscrowTerms memory t) = _pickEscrow(
            seed,
            IPaymentEscrow.EscrowStatus.Funded
        );
        if (!found) return false;
        uint256 mode = (seed >> 24) % 32;
        address caller = mode == 31 ? t.payer : t.payee;
        IPaymentEscrow.EscrowStatus s = _tamper(t, k, mode == 30);
        bytes32 id = keccak256(abi.encode(t));
        bool disputedByPayee = s == IPaymentEscrow.EscrowStatus.Disputed && caller == t.payee;
        bytes memory expectedError =
            disputedByPayee ? bytes("") : _predictOpen(id, s, caller, t.payee, IPaymentEscrow.EscrowStatus.Funded);
        if (disputedByPayee) ++disputedRefunds;
        ok = _closeEscrow(ACT_ESCROW_REFUND, caller, t, expectedError, 0);
        if (ok && expectedError.length == 0) _settle(k, IPaymentEscrow.EscrowStatus.Refunded, 0);
    }

    /// @notice `reclaimEscrow` by the payer. Fields as `releaseEscrow` (31: called by the
    /// payee); [20] first move the clock past the deadline ([32,44) seconds beyond it).
    function reclaimEscrow(uint256 seed) external returns (bool ok) {
        _syncTime();
        (bool found, uint256 k, IPaymentEscrow.EscrowTerms memory t) = _pickEscrow(
            seed,
            IPaymentEscrow.EscrowStatus.Funded
        );
        if (!found) return false;
        if (((seed >> 20) & 1) == 1 && ghostTime <= t.deadline) {
            _warpTo(uint256(t.deadline) + 1 + ((seed >> 32) & 0xfff));
        }
        uint256 mode = (seed >> 24) % 32;
        address caller = mode == 31 ? t.payee : t.payer;
        IPaymentEscrow.EscrowStatus s = _tamper(t, k, mode == 30);
        bytes32 id = keccak256(abi.encode(t));
        bytes memory expectedError;
        if (block.timestamp <= t.deadline) {
            expectedError = abi.encodeWithSelector(IPaymentEscrow.PaymentEscrowNotExpired.selector, id, t.deadline);
        } else {
            expectedError = _predictOpen(id, s, caller, t.payer, IPaymentEscrow.EscrowStatus.Funded);
        }
        ok = _closeEscrow(ACT_ESCROW_RECLAIM, caller, t, expectedError, 0);
        if (ok && expectedError.length == 0) _settle(k, IPaymentEscrow.EscrowStatus.Reclaimed, 0);
    }

    /// @notice `disputeEscrow` by the payer ([20] = 0) or the payee. Fields as
    /// `releaseEscrow`; mode 31: called by an actor who is neither.
    function disputeEscrow(uint256 seed) external returns (bool ok) {
        _syncTime();
        (bool found, uint256 k, IPaymentEscrow.EscrowTerms memory t) = _pickEscrow(
            seed,
            IPaymentEscrow.EscrowStatus.Funded
        );
        if (!found) return false;
        uint256 mode = (seed >> 24) % 32;
        address caller = ((seed >> 20) & 1) == 0 ? t.payer : t.payee;
        if (mode == 31) caller = _actors[_third(_indexOf(t.payer), _indexOf(t.payee), (seed >> 21) & 1)];
        IPaymentEscrow.EscrowStatus s = _tamper(t, k, mode == 30);
        bytes32 id = keccak256(abi.encode(t));
        bytes memory expectedError;
        if (s == IPaymentEscrow.EscrowStatus.None) {
            expectedError = abi.encodeWithSelector(IPaymentEscrow.PaymentEscrowUnknown.selector, id);
        } else if (caller != t.payer && caller != t.payee) {
            expectedError = abi.encodeWithSelector(IPaymentEscrow.PaymentEscrowNotParty.selector, id, caller);
        } else if (t.arbiter == address(0)) {
            expectedError = abi.encodeWithSelector(IPaymentEscrow.PaymentEscrowNoArbiter.selector, id);
        } else if (s != IPaymentEscrow.EscrowStatus.Funded) {
            expectedError = abi.encodeWithSelector(IPaymentEscrow.PaymentEscrowWrongStatus.selector, id, s);
        }
        Delta memory none;
        (ok, , ) = _run(
            ACT_ESCROW_DISPUTE,
            caller,
            t.token,
            0,
            abi.encodeCall(IPaymentEscrow.disputeEscrow, (t)),
            expectedError,
            none
        );
        if (ok && expectedError.length == 0) _escrowModel[k] = IPaymentEscrow.EscrowStatus.Disputed;
    }

    /// @notice `resolveEscrow` by the arbiter (the payer if there is none), paying a random
    /// `toPayee` in [0, amount]. Fields as `releaseEscrow` (prefers Disputed escrows); mode
    /// 29: split one above the amount, 31: called by the payer.
    function resolveEscrow(uint256 seed, uint256 toPayee) external returns (bool ok) {
        _syncTime();
        (bool found, uint256 k, IPaymentEscrow.EscrowTerms memory t) = _pickEscrow(
            seed,
            IPaymentEscrow.EscrowStatus.Disputed
        );
        if (!found) return false;
        uint256 mode = (seed >> 24) % 32;
        address caller = mode == 31 || t.arbiter == address(0) ? t.payer : t.arbiter;
        toPayee = mode == 29 ? t.amount + 1 : boundTo(toPayee, 0, t.amount);
        IPaymentEscrow.EscrowStatus s = _tamper(t, k, mode == 30);
        bytes memory expectedError = _predictResolve(t, s, caller, toPayee);
        Delta memory d;
        if (expectedError.length == 0) d = _closeDelta(t, toPayee);
        bytes memory data = abi.encodeCall(IPaymentEscrow.resolveEscrow, (t, toPayee));
        (ok, , ) = _run(ACT_ESCROW_RESOLVE, caller, t.token, 0, data, expectedError, d);
        if (ok && expectedError.length == 0) _settle(k, IPaymentEscrow.EscrowStatus.Resolved, toPayee);
    }

    // ================================================================== invoice actions

    /// @notice `issueInvoice` by actor [0,2) (the payee). seed: [2] instalments allowed (a
    /// low bit: fuzzers vary those most); [8,10) payer (0: anyone, else the actor that many
    /// places on); [16,18) kind (0 A, 1 B, 2 native, 3 USD); [24,29) mode: 26 tiny amount,
    /// 28 payer is the payee, 29 zero amount, 30 due now, 31 both a token and a currency,
    /// else a valid amount; [32,64) due in [1 h, 3 d].
    function issueInvoice(uint256 seed, uint256 amount, bytes32 paymentRef) external returns (bool ok) {
        _syncTime();
        IPaymentInvoice.Invoice memory inv;
        uint256 p = seed % 4;
        inv.payee = _actors[p];
        if (((seed >> 8) & 3) != 0) inv.payer = _actors[(p + ((seed >> 8) & 3)) % 4];
        uint256 kind = (seed >> 16) & 3;
        uint256 mode = (seed >> 24) % 32;
        if (kind == 3) {
            inv.currency = USD;
            // Up to 250 USD: about maxPerTx / 4 of token A.
            inv.amount = uint128(boundTo(amount, 1, mode == 26 ? 20_000 : 250e8));
        } else {
            inv.token =
                kind == 0
                    ? address(tokenA)
                    : kind == 1
                        ? address(tokenB)
                        : NATIVE;
            inv.amount = uint128(boundTo(amount, 1, mode == 26 ? 20_000 : MAX_PER_TX / 4));
        }
        inv.dueDate = uint64(ghostTime + boundTo(uint32(seed >> 32), 1 hours, 3 days));
        inv.status = IPaymentInvoice.InvoiceStatus.Open;
        inv.instalments = ((seed >> 2) & 1) == 1;
        if (mode == 28) inv.payer = inv.payee;
        if (mode == 29) inv.amount = 0;
        if (mode == 30) inv.dueDate = uint64(ghostTime);
        if (mode == 31) (inv.token, inv.currency) = (address(tokenA), USD);

        bytes memory expectedError = _predictIssue(inv);
        bytes memory data = abi.encodeCall(
            IPaymentInvoice.issueInvoice,
            (inv.payer, inv.token, inv.currency, inv.amount, inv.dueDate, paymentRef, inv.instalments)
        );
        Delta memory none;
        (ok, , ) = _run(ACT_INVOICE_ISSUE, inv.payee, NATIVE, 0, data, expectedError, none);
        if (!ok || expectedError.length != 0) return ok;
        _invoiceModel.push(inv);
        uint256 id = abi.decode(_lastReturn, (uint256));
        if (id != _invoiceModel.length) _mismatch(ACT_INVOICE_ISSUE, "id not the next number", abi.encode(id));
    }

    /// @notice Pays an invoice: a token invoice with `payInvoice`, a USD invoice with
    /// `payInvoiceCrossCurrency` in token A. The caller is the invoice's payer or, for an
    /// open invoice, another actor ([8,16) picks). seed: [0,16) pick, [16,19) 7: any
    /// invoice (else an Open one if any); [24,29) mode: 25 wrong value, 26 maxAmountIn one
    /// below the cost, 27 first move past the due date, 28 wrong token (USD: token B, no
    /// feed), 29 the other pay function, 30 an invalid amount, 31 a caller who may not
    /// pay; [32,44) how far past the due date (mode 27). `part` picks the part settled
    /// (see `_invoicePart`): 0 is all that remains.
    function payInvoice(uint256 seed, uint256 part) external returns (bool ok) {
        _syncTime();
        if (_invoiceModel.length == 0) return false;
        uint256 k = _pickInvoice(seed);
        IPaymentInvoice.Invoice memory inv = _invoiceModel[k];
        uint256 mode = (seed >> 24) % 32;
        if (mode == 27 && ghostTime <= inv.dueDate) _warpTo(uint256(inv.dueDate) + 1 + ((seed >> 32) & 0xfff));
        Call memory c;
        c.payerIndex = _invoiceCaller(inv, seed, mode == 31);
        c.caller = _actors[c.payerIndex];
        bool cross = (inv.currency != bytes32(0)) != (mode == 29);
        c.asset = inv.currency != bytes32(0) ? address(tokenA) : inv.token;
        if (mode == 28) c.asset = _otherAsset(c.asset, inv.currency != bytes32(0));
        c.action = cross ? ACT_INVOICE_PAY_CROSS : ACT_INVOICE_PAY;

        // The part of the invoice settled, the amount that must reach the payee, and its fee.
        part = _invoicePart(inv, part, mode == 30);
        c.total = part;
        if (inv.currency != bytes32(0) && c.asset == address(tokenA)) c.total = _checkedQuote(k + 1, part);
        c.fee = _fee(c.asset, c.total);
        c.expectedError = _predictPayable(k + 1, inv, c.caller);
        if (cross) {
            // A closed invoice leaves nothing to settle: cost 0, and nothing below it.
            uint256 maxIn = mode == 26 && c.total != 0 ? c.total + c.fee - 1 : c.total + c.fee + 1e18;
            c.data = abi.encodeCall(
                IPaymentInvoice.payInvoiceCrossCurrency,
                (k + 1, CHANNEL, c.asset, part, maxIn, MAX_PRICE_AGE)
            );
            if (c.expectedError.length == 0) c.expectedError = _predictCross(k + 1, inv, c, part, maxIn);
        } else {
            if (c.asset == NATIVE) c.value = c.total + c.fee;
            if (mode == 25) c.value += 1;
            c.data = abi.encodeCall(IPaymentInvoice.payInvoice, (k + 1, CHANNEL, c.asset, part));
            if (c.expectedError.length == 0) c.expectedError = _predictTokenPay(k + 1, inv, c, part);
        }
        if (c.expectedError.length == 0) {
            uint256 q = _indexOf(inv.payee);
            c.delta.actors[c.payerIndex] = -int256(c.total + c.fee);
            c.delta.actors[q] = int256(c.total);
            c.delta.diamond = int256(c.fee);
            c.delta.accrued = int256(c.fee);
            ghostReceived[c.asset][inv.payee] += c.total;
        }
        ok = _runPayment(c);
        if (ok && c.expectedError.length == 0) _recordInvoicePayment(k, part);
    }

    /// @notice `cancelInvoice` by the payee. seed: [0,19) as `payInvoice`; [24,29) mode:
    /// 30 an invoice that does not exist, 31 called by another actor.
    function cancelInvoice(uint256 seed) external returns (bool ok) {
        _syncTime();
        uint256 n = _invoiceModel.length;
        if (n == 0) return false;
        uint256 k = _pickInvoice(seed);
        uint256 mode = (seed >> 24) % 32;
        IPaymentInvoice.Invoice memory inv = _invoiceModel[k];
        uint256 id = mode == 30 ? n + 1 : k + 1;
        address caller = mode == 31 ? _actors[(_indexOf(inv.payee) + 1 + ((seed >> 8) % 3)) % 4] : inv.payee;
        bytes memory expectedError;
        if (mode == 30) {
            expectedError = abi.encodeWithSelector(IPaymentInvoice.PaymentInvoiceUnknown.selector, id);
        } else if (caller != inv.payee) {
            expectedError = abi.encodeWithSelector(IPaymentInvoice.PaymentInvoiceNotPayee.selector, id, caller);
        } else if (inv.status != IPaymentInvoice.InvoiceStatus.Open) {
            expectedError = abi.encodeWithSelector(IPaymentInvoice.PaymentInvoiceNotOpen.selector, id, inv.status);
        }
        Delta memory none;
        bytes memory data = abi.encodeCall(IPaymentInvoice.cancelInvoice, (id));
        (ok, , ) = _run(ACT_INVOICE_CANCEL, caller, inv.token, 0, data, expectedError, none);
        if (ok && expectedError.length == 0) {
            _invoiceModel[k].status = IPaymentInvoice.InvoiceStatus.Cancelled;
            ++invoicesCancelled;
        }
    }

    // ================================================================== views for the checks

    function actors() external view returns (address[4] memory) {
        return _actors;
    }

    function actor(uint256 i) external view returns (address) {
        return _actors[i];
    }

    /// @dev Token A, token B, native.
    function assets() public view returns (address[3] memory) {
        return [address(tokenA), address(tokenB), NATIVE];
    }

    function balanceOf(address asset, address account) public view returns (uint256) {
        return asset == NATIVE ? account.balance : IERC20(asset).balanceOf(account);
    }

    /// @dev What the rail must report as spent today, at the current block time.
    function ghostSpentToday(address asset) public view returns (uint256) {
        return ghostRailDay[asset] == block.timestamp / 1 days ? ghostRailSpent[asset] : 0;
    }

    /// @dev The fee the model charges on `amount` of `asset` now.
    function feeOf(address asset, uint256 amount) external view returns (uint256) {
        return _fee(asset, amount);
    }

    function escrowCount() external view returns (uint256) {
        return _escrows.length;
    }

    function escrowTerms(uint256 k) external view returns (IPaymentEscrow.EscrowTerms memory) {
        return _escrows[k];
    }

    /// @dev The status the model gives escrow `k`.
    function escrowModelStatus(uint256 k) external view returns (IPaymentEscrow.EscrowStatus) {
        return _escrowModel[k];
    }

    function openEscrowCount() external view returns (uint256) {
        return _openEscrows.length;
    }

    function openEscrow(uint256 j) external view returns (uint256) {
        return _openEscrows[j];
    }

    function invoiceCount() external view returns (uint256) {
        return _invoiceModel.length;
    }

    /// @dev Invoice `id` (from 1) as the model has it.
    function invoiceModel(uint256 id) external view returns (IPaymentInvoice.Invoice memory) {
        return _invoiceModel[id - 1];
    }

    /// @dev What the model says is still due on invoice `id` (from 1), in invoice units.
    function invoiceRemaining(uint256 id) public view returns (uint256) {
        IPaymentInvoice.Invoice storage inv = _invoiceModel[id - 1];
        return inv.amount - inv.paid;
    }

    /// @dev Token A units worth `usdAmount` (8 decimals) at the modelled price, rounded up.
    function usdToTokenA(uint256 usdAmount) public view returns (uint256) {
        uint256 den = uint256(ghostUsdPrice) * 1e8;
        return (usdAmount * 1e18 * 1e8 + den - 1) / den;
    }

    // ================================================================== internals

    /// @dev The revert `createEscrow` must cause (checked in the facet's order), or empty.
    function _predictCreate(IPaymentEscrow.EscrowTerms memory t, uint256 value) private view returns (bytes memory) {
        if (t.payee == address(0)) return abi.encodeWithSelector(IPayment.PaymentZeroPayee.selector);
        if (t.payee == t.payer) return abi.encodeWithSelector(IPayment.PaymentPayeeIsPayer.selector, t.payee);
        if (t.amount == 0) return abi.encodeWithSelector(IPayment.PaymentZeroAmount.selector);
        if (t.deadline <= block.timestamp) {
            return abi.encodeWithSelector(IPaymentEscrow.PaymentEscrowDeadlineInPast.selector, t.deadline);
        }
        if (t.arbiter != address(0) && (t.arbiter == t.payer || t.arbiter == t.payee)) {
            return abi.encodeWithSelector(IPaymentEscrow.PaymentEscrowArbiterIsParty.selector, t.arbiter);
        }
        if (t.token == NATIVE && value != t.amount) {
            return abi.encodeWithSelector(IPayment.PaymentWrongValue.selector, t.amount, value);
        }
        if (t.token != NATIVE && value != 0) {
            return abi.encodeWithSelector(IPayment.PaymentUnexpectedValue.selector, value);
        }
        return _predictRail(CHANNEL, t.token, t.amount);
    }

    /// @dev Adds a newly funded escrow to the model.
    function _recordEscrow(IPaymentEscrow.EscrowTerms memory t) private {
        ++ghostEscrowNonce;
        _openEscrows.push(_escrows.length);
        _escrows.push(t);
        _escrowModel.push(IPaymentEscrow.EscrowStatus.Funded);
        ghostEscrowed[t.token] += t.amount;
        ghostEscrowIn[t.token] += t.amount;
        ghostEscrowFunded[t.token][t.payer] += t.amount;
        _useRail(t.token, t.amount);
    }

    /// @dev The revert `resolveEscrow(t, toPayee)` by `caller` must cause, or empty.
    function _predictResolve(
        IPaymentEscrow.EscrowTerms memory t,
        IPaymentEscrow.EscrowStatus s,
        address caller,
        uint256 toPayee
    ) private pure returns (bytes memory err) {
        bytes32 id = keccak256(abi.encode(t));
        err = _predictOpen(id, s, caller, t.arbiter, IPaymentEscrow.EscrowStatus.Disputed);
        if (err.length == 0 && toPayee > t.amount) {
            err = abi.encodeWithSelector(IPaymentEscrow.PaymentEscrowSplitTooLarge.selector, id, toPayee, t.amount);
        }
    }

    /// @dev The revert of a transition that only `allowed` may make from status `from`.
    function _predictOpen(
        bytes32 id,
        IPaymentEscrow.EscrowStatus s,
        address caller,
        address allowed,
        IPaymentEscrow.EscrowStatus from
    ) private pure returns (bytes memory) {
        if (s == IPaymentEscrow.EscrowStatus.None) {
            return abi.encodeWithSelector(IPaymentEscrow.PaymentEscrowUnknown.selector, id);
        }
        if (caller != allowed) {
            return abi.encodeWithSelector(IPaymentEscrow.PaymentEscrowUnauthorized.selector, id, caller, allowed);
        }
        if (s != from) return abi.encodeWithSelector(IPaymentEscrow.PaymentEscrowWrongStatus.selector, id, s);
        return "";
    }

    /// @dev Escrow `k`'s modelled status; with `tampered`, its terms get one more wei (an
    /// escrow that does not exist) and the status is None.
    function _tamper(
        IPaymentEscrow.EscrowTerms memory t,
        uint256 k,
        bool tampered
    ) private view returns (IPaymentEscrow.EscrowStatus) {
        if (!tampered) return _escrowModel[k];
        t.amount += 1;
        return IPaymentEscrow.EscrowStatus.None;
    }

    /// @dev Runs release / refund / reclaim of `t`: `toPayee` to the payee, the rest to the payer.
    function _closeEscrow(
        bytes32 action,
        address caller,
        IPaymentEscrow.EscrowTerms memory t,
        bytes memory expectedError,
        uint256 toPayee
    ) private returns (bool ok) {
        Delta memory d;
        if (expectedError.length == 0) d = _closeDelta(t, toPayee);
        bytes memory data;
        if (action == ACT_ESCROW_RELEASE) data = abi.encodeCall(IPaymentEscrow.releaseEscrow, (t));
        else if (action == ACT_ESCROW_REFUND) data = abi.encodeCall(IPaymentEscrow.refundEscrow, (t));
        else data = abi.encodeCall(IPaymentEscrow.reclaimEscrow, (t));
        (ok, , ) = _run(action, caller, t.token, 0, data, expectedError, d);
    }

    /// @dev Closing `t`: each party gets its share, or is credited it if the token refuses it.
    function _closeDelta(IPaymentEscrow.EscrowTerms memory t, uint256 toPayee) private view returns (Delta memory d) {
        d.escrowed = -int256(t.amount);
        _payOutDelta(d, t.token, t.payee, toPayee);
        _payOutDelta(d, t.token, t.payer, t.amount - toPayee);
    }

    function _payOutDelta(Delta memory d, address asset, address to, uint256 amount) private view {
        if (ghostBlocked[asset][to]) {
            d.credited += int256(amount);
        } else {
            d.actors[_indexOf(to)] += int256(amount);
            d.diamond -= int256(amount);
        }
    }

    /// @dev The model of `LibCredit.payOrCredit` (zero amounts are skipped).
    function _payOut(address asset, address to, uint256 amount) private {
        if (amount == 0) return;
        if (ghostBlocked[asset][to]) {
            ghostCredit[asset][to] += amount;
            ghostCredited[asset] += amount;
            ++creditsRecorded;
        } else {
            ghostEscrowReceived[asset][to] += amount;
        }
    }

    /// @dev Closes escrow `k` in the model with status `to`, `toPayee` to the payee.
    function _settle(uint256 k, IPaymentEscrow.EscrowStatus to, uint256 toPayee) private {
        IPaymentEscrow.EscrowTerms memory t = _escrows[k];
        _escrowModel[k] = to;
        uint256 n = _openEscrows.length;
        for (uint256 j; j < n; ++j) {
            if (_openEscrows[j] == k) {
                _openEscrows[j] = _openEscrows[n - 1];
                _openEscrows.pop();
                break;
            }
        }
        uint256 toPayer = t.amount - toPayee;
        ghostEscrowed[t.token] -= t.amount;
        ghostEscrowToPayees[t.token] += toPayee;
        ghostEscrowToPayers[t.token] += toPayer;
        _payOut(t.token, t.payee, toPayee);
        _payOut(t.token, t.payer, toPayer);
    }

    /// @dev An escrow to act on: usually an open one, preferably with status `want`
    /// (searched from a random start); with [16,19) == 7, any escrow, closed ones too.
    function _pickEscrow(
        uint256 seed,
        IPaymentEscrow.EscrowStatus want
    ) private view returns (bool found, uint256 k, IPaymentEscrow.EscrowTerms memory t) {
        uint256 total = _escrows.length;
        if (total == 0) return (false, 0, t);
        uint256 r = seed & 0xffff;
        uint256 n = _openEscrows.length;
        if (n == 0 || ((seed >> 16) & 7) == 7) {
            k = r % total;
        } else {
            k = _openEscrows[r % n];
            for (uint256 j; j < n; ++j) {
                uint256 c = _openEscrows[(r + j) % n];
                if (_escrowModel[c] == want) {
                    k = c;
                    break;
                }
            }
        }
        return (true, k, _escrows[k]);
    }

    /// @dev The revert `issueInvoice` must cause (in the facet's order), or empty.
    function _predictIssue(IPaymentInvoice.Invoice memory inv) private view returns (bytes memory) {
        if (inv.amount == 0) return abi.encodeWithSelector(IPayment.PaymentZeroAmount.selector);
        if (inv.dueDate <= block.timestamp) {
            return abi.encodeWithSelector(IPaymentInvoice.PaymentInvoiceDueDateInPast.selector, inv.dueDate);
        }
        if (inv.currency != bytes32(0) && inv.token != address(0)) {
            return
                abi.encodeWithSelector(IPaymentInvoice.PaymentInvoiceBadDenomination.selector, inv.token, inv.currency);
        }
        if (inv.payer == inv.payee) return abi.encodeWithSelector(IPayment.PaymentPayeeIsPayer.selector, inv.payer);
        return "";
    }

    /// @dev The revert of paying invoice `id` by `caller` before the kind is checked, or empty.
    function _predictPayable(
        uint256 id,
        IPaymentInvoice.Invoice memory inv,
        address caller
    ) private view returns (bytes memory) {
        if (inv.status != IPaymentInvoice.InvoiceStatus.Open) {
            return abi.encodeWithSelector(IPaymentInvoice.PaymentInvoiceNotOpen.selector, id, inv.status);
        }
        if (block.timestamp > inv.dueDate) {
            return abi.encodeWithSelector(IPaymentInvoice.PaymentInvoiceExpired.selector, id, inv.dueDate);
        }
        if (inv.payer != address(0) && inv.payer != caller) {
            return abi.encodeWithSelector(IPaymentInvoice.PaymentInvoiceWrongPayer.selector, id, inv.payer, caller);
        }
        if (inv.payee == caller) return abi.encodeWithSelector(IPayment.PaymentPayeeIsPayer.selector, caller);
        return "";
    }

    /// @dev The rest of `payInvoice`'s checks, settling `part` of the invoice.
    function _predictTokenPay(
        uint256 id,
        IPaymentInvoice.Invoice memory inv,
        Call memory c,
        uint256 part
    ) private view returns (bytes memory err) {
        if (inv.currency != bytes32(0)) {
            return abi.encodeWithSelector(IPaymentInvoice.PaymentInvoiceWrongKind.selector, id, inv.currency);
        }
        if (c.asset != inv.token) {
            return abi.encodeWithSelector(IPaymentInvoice.PaymentInvoiceWrongToken.selector, id, inv.token, c.asset);
        }
        err = _predictPart(id, inv, part);
        if (err.length != 0) return err;
        err = _predictRail(CHANNEL, c.asset, c.total);
        if (err.length != 0) return err;
        if (c.asset == NATIVE && c.value != c.total + c.fee) {
            return abi.encodeWithSelector(IPayment.PaymentWrongValue.selector, c.total + c.fee, c.value);
        }
        if (c.asset != NATIVE && c.value != 0) {
            return abi.encodeWithSelector(IPayment.PaymentUnexpectedValue.selector, c.value);
        }
    }

    /// @dev The rest of `payInvoiceCrossCurrency`'s checks, settling `part` of the invoice
    /// (the feed is never stale here).
    function _predictCross(
        uint256 id,
        IPaymentInvoice.Invoice memory inv,
        Call memory c,
        uint256 part,
        uint256 maxIn
    ) private view returns (bytes memory err) {
        if (inv.currency == bytes32(0)) {
            return abi.encodeWithSelector(IPaymentInvoice.PaymentInvoiceWrongKind.selector, id, bytes32(0));
        }
        if (c.asset == NATIVE) return _railDisabled(CHANNEL, NATIVE);
        err = _predictPart(id, inv, part);
        if (err.length != 0) return err;
        if (c.asset != address(tokenA)) {
            return abi.encodeWithSelector(IPaymentInvoice.PaymentPriceFeedMissing.selector, inv.currency, c.asset);
        }
        err = _predictRail(CHANNEL, c.asset, c.total);
        if (err.length != 0) return err;
        if (c.total + c.fee > maxIn) {
            return abi.encodeWithSelector(IPaymentInvoice.PaymentSlippage.selector, c.total + c.fee, maxIn);
        }
    }

    /// @dev The revert settling `part` of `inv` must cause: a part must be non-zero, at most
    /// what remains, and all of it without instalments.
    function _predictPart(
        uint256 id,
        IPaymentInvoice.Invoice memory inv,
        uint256 part
    ) private pure returns (bytes memory) {
        uint256 remaining = inv.amount - inv.paid;
        if (part == 0 || part > remaining || (part != remaining && !inv.instalments)) {
            return abi.encodeWithSelector(IPaymentInvoice.PaymentInvoiceAmountInvalid.selector, id, part, remaining);
        }
        return "";
    }

    /// @dev The part of `inv` a payment settles. Valid: all that remains if `part` is 0 or
    /// the invoice has no instalments, else `part` bounded to [1, remaining]. `invalid`: by
    /// `part % 3`, zero, more than remains, or (without instalments) less than all of it.
    function _invoicePart(
        IPaymentInvoice.Invoice memory inv,
        uint256 part,
        bool invalid
    ) private pure returns (uint256) {
        uint256 remaining = inv.amount - inv.paid;
        if (!invalid) return inv.instalments && part != 0 ? boundTo(part, 1, remaining) : remaining;
        if (part % 3 == 0) return 0;
        if (part % 3 == 2 && !inv.instalments && remaining > 1) return boundTo(part / 3, 1, remaining - 1);
        return remaining + 1 + ((part / 3) % 1e18);
    }

    /// @dev Settles `part` of invoice `k + 1` in the model; it is Paid once nothing remains.
    function _recordInvoicePayment(uint256 k, uint256 part) private {
        IPaymentInvoice.Invoice storage inv = _invoiceModel[k];
        inv.paid += uint128(part);
        if (inv.paid == inv.amount) {
            inv.status = IPaymentInvoice.InvoiceStatus.Paid;
            ++invoicesPaid;
        } else {
            ++invoicePartPayments;
        }
    }

    /// @dev The modelled cost in token A of settling `usdAmount` of USD invoice `id`,
    /// checked against `quoteInvoice`.
    function _checkedQuote(uint256 id, uint256 usdAmount) private returns (uint256 amountIn) {
        amountIn = usdToTokenA(usdAmount);
        IPaymentInvoice.Invoice memory inv = _invoiceModel[id - 1];
        uint256 remaining = inv.amount - inv.paid;
        // The quote refuses what a payment could not settle, whatever the invoice's status.
        bool settleable = usdAmount != 0 && usdAmount <= remaining && (usdAmount == remaining || inv.instalments);
        try invoices.quoteInvoice(id, address(tokenA), usdAmount) returns (uint256 quoted, uint256 updatedAt) {
            if (!settleable) {
                _mismatch(ACT_INVOICE_PAY_CROSS, "quoted an amount no payment can settle", abi.encode(usdAmount));
            } else if (quoted != amountIn || updatedAt != block.timestamp) {
                _mismatch(ACT_INVOICE_PAY_CROSS, "quote differs from the model", abi.encode(quoted, updatedAt));
            }
        } catch (bytes memory err) {
            bytes memory expected = abi.encodeWithSelector(
                IPaymentInvoice.PaymentInvoiceAmountInvalid.selector,
                id,
                usdAmount,
                remaining
            );
            if (settleable || keccak256(err) != keccak256(expected)) {
                _mismatch(ACT_INVOICE_PAY_CROSS, "quote refused unexpectedly", err);
            }
        }
    }

    /// @dev A wrong asset for paying an invoice in `asset`.
    function _otherAsset(address asset, bool currencyInvoice) private view returns (address) {
        if (currencyInvoice || asset == address(tokenA)) return address(tokenB);
        return asset == address(tokenB) ? NATIVE : address(tokenA);
    }

    /// @dev The index of the actor paying `inv`: its payer, or for an open invoice another
    /// actor than the payee; with `wrong`, one who may not (a third actor, or the payee).
    function _invoiceCaller(
        IPaymentInvoice.Invoice memory inv,
        uint256 seed,
        bool wrong
    ) private view returns (uint256) {
        uint256 q = _indexOf(inv.payee);
        if (inv.payer == address(0)) return wrong ? q : (q + 1 + ((seed >> 8) % 3)) % 4;
        uint256 p = _indexOf(inv.payer);
        return wrong ? _third(p, q, (seed >> 8) & 1) : p;
    }

    /// @dev An invoice index: with [16,19) == 7 any, else the first Open one from a random start.
    function _pickInvoice(uint256 seed) private view returns (uint256) {
        uint256 n = _invoiceModel.length;
        uint256 r = (seed & 0xffff) % n;
        if (((seed >> 16) & 7) == 7) return r;
        for (uint256 j; j < n; ++j) {
            uint256 c = (r + j) % n;
            if (_invoiceModel[c].status == IPaymentInvoice.InvoiceStatus.Open) return c;
        }
        return r;
    }

    /// @dev The `which`-th (0 or 1) actor index that is neither `a` nor `b` (a != b).
    function _third(uint256 a, uint256 b, uint256 which) private pure returns (uint256 i) {
        for (i = 0; i < 4; ++i) {
            if (i != a && i != b) {
                if (which == 0) return i;
                --which;
            }
        }
    }

    function _indexOf(address a) private view returns (uint256 i) {
        while (i < 4 && _actors[i] != a) ++i;
    }

    function _warpTo(uint256 t) private {
        uint256 dayBefore = ghostTime / 1 days;
        ghostTime = t;
        VM.warp(t);
        // A fresh price in [0.95, 1.05), updated now.
        int256 price = int256(95e6 + (uint256(keccak256(abi.encode("usd", t))) % 10e6));
        usdFeed.set(price, t);
        ghostUsdPrice = price;
        ++warps;
        if (t / 1 days != dayBefore) ++dayChanges;
    }

    function _syncTime() private {
        VM.warp(ghostTime);
    }

    function _asset(uint256 seed) private view returns (address) {
        uint256 k = seed % 4;
        if (k == 0 || k == 3) return NATIVE;
        return k == 1 ? address(tokenA) : address(tokenB);
    }

    function _amount(uint256 mode, uint256 raw) private pure returns (uint256) {
        if (mode == 29) return boundTo(raw, uint256(MAX_PER_TX) + 1, uint256(MAX_PER_TX) * 3);
        if (mode == 26) return boundTo(raw, 1, 20_000);
        return boundTo(raw, 1, MAX_PER_TX);
    }

    function _fee(address asset, uint256 amount) private view returns (uint256) {
        return (amount * ghostFeeBps[asset]) / 10_000;
    }

    /// @dev Entries paid by actor `payerIndex` to the other three actors (repeats allowed).
    function _batchEntries(
        uint256 payerIndex,
        uint256 n,
        uint256 amountsSeed,
        uint256 mode
    ) private view returns (address[] memory payees, uint256[] memory amounts, uint256[] memory idx) {
        payees = new address[](n);
        amounts = new uint256[](n);
        idx = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            uint256 r = uint256(keccak256(abi.encode(amountsSeed, i)));
            idx[i] = (payerIndex + 1 + (r % 3)) % 4;
            payees[i] = _actors[idx[i]];
            amounts[i] = mode == 26 ? boundTo(r >> 8, 1, 20_000) : boundTo(r >> 8, 1, MAX_PER_TX / 5);
        }
    }

    function _predictBatch(
        Call memory c,
        address[] memory payees,
        uint256[] memory amounts,
        uint256 fee
    ) private view returns (bytes memory) {
        uint256 n = payees.length;
        if (n != amounts.length) {
            return abi.encodeWithSelector(IPayment.PaymentBatchLengthMismatch.selector, n, amounts.length);
        }
        if (n == 0) return abi.encodeWithSelector(IPayment.PaymentBatchEmpty.selector);
        for (uint256 i; i < n; ++i) {
            if (payees[i] == address(0) || amounts[i] == 0) {
                return abi.encodeWithSelector(IPayment.PaymentBatchEntryInvalid.selector, i);
            }
        }
        bytes memory railError = _predictRail(CHANNEL, c.asset, c.total);
        if (railError.length != 0) return railError;
        if (c.asset == NATIVE && c.value != c.total + fee) {
            return abi.encodeWithSelector(IPayment.PaymentWrongValue.selector, c.total + fee, c.value);
        }
        if (c.asset != NATIVE && c.value != 0) {
            return abi.encodeWithSelector(IPayment.PaymentUnexpectedValue.selector, c.value);
        }
        for (uint256 i; i < n; ++i) {
            if (ghostBlocked[c.asset][payees[i]]) {
                return abi.encodeWithSelector(IPayment.PaymentBatchEntryInvalid.selector, i);
            }
        }
        return "";
    }

    function _railDisabled(bytes32 channel, address asset) private pure returns (bytes memory) {
        return abi.encodeWithSelector(IPayment.PaymentRailDisabled.selector, channel, asset);
    }

    /// @dev The rail error `amount` must cause now, or empty.
    function _predictRail(bytes32 channel, address asset, uint256 amount) private view returns (bytes memory) {
        if (channel != CHANNEL) return _railDisabled(channel, asset);
        uint256 maxPerTx = ghostMaxPerTx[asset];
        if (maxPerTx == 0) return _railDisabled(channel, asset);
        if (amount > maxPerTx) {
            return abi.encodeWithSelector(IPayment.PaymentRailTxLimit.selector, channel, asset, amount, maxPerTx);
        }
        uint256 spent = ghostSpentToday(asset) + amount;
        uint256 maxPerDay = ghostMaxPerDay[asset];
        if (spent > maxPerDay) {
            return abi.encodeWithSelector(IPayment.PaymentRailDailyLimit.selector, channel, asset, spent, maxPerDay);
        }
        return "";
    }

    /// @dev Runs a prepared payment; on success updates the model and the measured totals.
    function _runPayment(Call memory c) private returns (bool ok) {
        Snapshot memory before;
        Snapshot memory afterCall;
        (ok, before, afterCall) = _run(c.action, c.caller, c.asset, c.value, c.data, c.expectedError, c.delta);
        if (bytes4(c.expectedError) == IPayment.PaymentRailDailyLimit.selector) ++dailyLimitHits;
        if (!ok || c.expectedError.length != 0) return ok;
        uint256 p = c.payerIndex;
        if (before.actors[p] >= afterCall.actors[p]) {
            ghostTakenFromPayers[c.asset] += before.actors[p] - afterCall.actors[p];
        }
        for (uint256 i; i < 4; ++i) {
            if (i != p && afterCall.actors[i] > before.actors[i]) {
                ghostPaidToPayees[c.asset] += afterCall.actors[i] - before.actors[i];
            }
        }
        ghostFeesCharged[c.asset] += c.fee;
        ghostAccrued[c.asset] += c.fee;
        ghostSpent[c.asset][_actors[p]] += c.total + c.fee;
        _useRail(c.asset, c.total);
    }

    /// @dev The model of `LibPayment.useRail` after a successful call.
    function _useRail(address asset, uint256 amount) private {
        ghostRailSpent[asset] = ghostSpentToday(asset) + amount;
        ghostRailDay[asset] = uint64(block.timestamp / 1 days);
    }

    /// @dev Calls the diamond as `caller` and compares the outcome with the prediction:
    /// `expectedError` empty means success with exactly `d` (and nothing else) moving;
    /// otherwise a revert with exactly that error data (and nothing moving).
    function _run(
        bytes32 action,
        address caller,
        address asset,
        uint256 value,
        bytes memory data,
        bytes memory expectedError,
        Delta memory d
    ) private returns (bool ok, Snapshot memory before, Snapshot memory afterCall) {
        ++attempts[action];
        before = _snapshot(asset);
        VM.prank(caller);
        bytes memory ret;
        (ok, ret) = address(diamond).call{value: value}(data);
        _lastReturn = ret;
        afterCall = _snapshot(asset);
        if (ok) ++successes[action];
        else if (expectedError.length != 0) ++expectedReverts[action];

        if (expectedError.length == 0 && !ok) {
            _mismatch(action, "expected success, reverted", ret);
            return (ok, before, afterCall);
        }
        if (expectedError.length != 0) {
            if (ok) _mismatch(action, "expected a revert, succeeded", expectedError);
            else if (keccak256(ret) != keccak256(expectedError)) _mismatch(action, "wrong revert", ret);
            Delta memory none;
            d = none;
        }
        string memory what = _compare(before, afterCall, d);
        if (bytes(what).length != 0) _mismatch(action, what, ret);
    }

    /// @dev The first account whose change differs from `d`, or empty.
    function _compare(Snapshot memory b, Snapshot memory a, Delta memory d) private pure returns (string memory) {
        for (uint256 i; i < 4; ++i) {
            if (int256(a.actors[i]) - int256(b.actors[i]) != d.actors[i]) {
                return string.concat("actor", _digit(i), " balance change");
            }
        }
        if (int256(a.treasury) - int256(b.treasury) != d.treasury) return "treasury balance change";
        if (int256(a.diamond) - int256(b.diamond) != d.diamond) return "diamond balance change";
        if (int256(a.accrued) - int256(b.accrued) != d.accrued) return "accrued fees change";
        if (int256(a.escrowed) - int256(b.escrowed) != d.escrowed) return "escrowed amount change";
        if (int256(a.credited) - int256(b.credited) != d.credited) return "credited amount change";
        if (a.admin != b.admin) return "admin balance change";
        return "";
    }

    function _snapshot(address asset) private view returns (Snapshot memory s) {
        for (uint256 i; i < 4; ++i) s.actors[i] = balanceOf(asset, _actors[i]);
        s.treasury = balanceOf(asset, treasury);
        s.diamond = balanceOf(asset, address(diamond));
        s.admin = balanceOf(asset, admin);
        s.accrued = payment.accruedPaymentFees(asset);
        s.escrowed = escrow.escrowedAmount(asset);
        s.credited = credit.totalCredits(asset);
    }

    function _mismatch(bytes32 action, string memory what, bytes memory data) private {
        ++mismatches;
        lastMismatch = abi.encode(action, what, data);
    }

    function _digit(uint256 i) private pure returns (string memory) {
        return string(abi.encodePacked(bytes1(uint8(48 + i))));
    }
}
