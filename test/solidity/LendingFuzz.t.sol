// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {TestBase, boundTo} from "./TestBase.sol";
import {LendingHandler} from "./LendingHandler.sol";
import {LendingChecks} from "./LendingInvariant.t.sol";
import {LendingMathHarness} from "../../contracts/mocks/LendingInvariantMocks.sol";
import {MockPriceFeed} from "../../contracts/mocks/PaymentMocks.sol";
import {ILendingTypes} from "../../contracts/modules/lending/ILendingTypes.sol";

/// @title Rounding always favours the pool: fuzzed conversions of the code the facets run.
/// @notice Share math (LibShares: deposit floor, mint ceil, withdraw ceil, redeem floor),
/// debt (LibLending.debtOf ceil; borrow's scaled debt ceil; partial repayment clears
/// floor) and valuation (LibFeed.convert/convertBack floor, LibLending.valueOf) are
/// checked against exact integer arithmetic, with ranges that keep every product below
/// 2^256: pool totals up to 1e32 assets and 1e38 shares, indices up to 2^120, amounts up
/// to 1e30, prices up to 1e24 and decimals up to 18.
contract LendingRoundingFuzzTest is TestBase {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant VIRTUAL = 1e6;
    uint256 internal constant MAX_ASSETS = 1e32;
    uint256 internal constant MAX_SHARES = 1e38;
    uint256 internal constant MAX_INDEX = 2 ** 120;

    LendingMathHarness internal math;

    function setUp() public {
        math = new LendingMathHarness();
    }

    // ------------------------------------------------------------------ shares

    /// @dev (ta + 1) / (ts + 1e6) never falls: a0 / s0 <= a1 / s1, cross-multiplied.
    function _priceNotLower(uint256 ta0, uint256 ts0, uint256 ta1, uint256 ts1, string memory what) internal pure {
        assertTrue((ta1 + 1) * (ts0 + VIRTUAL) >= (ta0 + 1) * (ts1 + VIRTUAL), what);
    }

    /// @dev A deposit mints shares rounded down: redeeming them at once never returns more
    /// than was deposited, and the share price does not fall for the others.
    function testFuzz_depositThenRedeemNeverReturnsMore(uint256 ta, uint256 ts, uint256 assets) public view {
        ta = boundTo(ta, 0, MAX_ASSETS);
        ts = boundTo(ts, 0, MAX_SHARES);
        assets = boundTo(assets, 0, MAX_ASSETS);
        uint256 shares = math.toShares(assets, ta, ts, false);
        assertTrue(shares * (ta + 1) <= assets * (ts + VIRTUAL), "deposit: shares worth at most the assets");
        _priceNotLower(ta, ts, ta + assets, ts + shares, "deposit: share price fell");
        uint256 back = math.toAssets(shares, ta + assets, ts + shares, false);
        assertTrue(back <= assets, "deposit then redeem returned more than deposited");
        // Withdrawing the same assets right away burns at least the shares minted.
        if (assets != 0) {
            assertTrue(
                math.toShares(assets, ta + assets, ts + shares, true) >= shares,
                "deposit then withdraw burned fewer shares than minted"
            );
        }
    }

    /// @dev A mint charges assets rounded up: the shares redeem at once for no more.
    function testFuzz_mintThenRedeemNeverReturnsMore(uint256 ta, uint256 ts, uint256 shares) public view {
        ta = boundTo(ta, 0, MAX_ASSETS);
        ts = boundTo(ts, 0, MAX_SHARES);
        shares = boundTo(shares, 0, MAX_SHARES);
        uint256 cost = math.toAssets(shares, ta, ts, true);
        assertTrue(cost * (ts + VIRTUAL) >= shares * (ta + 1), "mint: paid at least what the shares are worth");
        _priceNotLower(ta, ts, ta + cost, ts + shares, "mint: share price fell");
        assertTrue(math.toAssets(shares, ta + cost, ts + shares, false) <= cost, "mint then redeem returned more");
    }

    /// @dev A withdrawal burns shares rounded up: never fewer than the assets are worth.
    function testFuzz_withdrawNeverBurnsFewerSharesThanTheAssetsAreWorth(
        uint256 ta,
        uint256 ts,
        uint256 assets
    ) public view {
        ta = boundTo(ta, 0, MAX_ASSETS);
        ts = boundTo(ts, 0, MAX_SHARES);
        assets = boundTo(assets, 0, ta);
        uint256 shares = math.toShares(assets, ta, ts, true);
        assertTrue(shares * (ta + 1) >= assets * (ts + VIRTUAL), "withdraw burned fewer shares than the assets");
        if (shares <= ts) _priceNotLower(ta, ts, ta - assets, ts - shares, "withdraw: share price fell");
    }

    /// @dev A redemption pays assets rounded down: never more than the shares are worth.
    function testFuzz_redeemNeverPaysMoreThanTheSharesAreWorth(uint256 ta, uint256 ts, uint256 shares) public view {
        ta = boundTo(ta, 0, MAX_ASSETS);
        ts = boundTo(ts, 0, MAX_SHARES);
        shares = boundTo(shares, 0, ts);
        uint256 assets = math.toAssets(shares, ta, ts, false);
        assertTrue(assets * (ts + VIRTUAL) <= shares * (ta + 1), "redeem paid more than the shares are worth");
        assertTrue(assets <= ta, "redeem paid more than the pool has");
        _priceNotLower(ta, ts, ta - assets, ts - shares, "redeem: share price fell");
    }

    /// @dev However the shares are split, the holders' claims never exceed the pool.
    function testFuzz_claimsNeverExceedTotalAssets(uint256 ta, uint256 ts, uint256 split) public view {
        ta = boundTo(ta, 0, MAX_ASSETS);
        ts = boundTo(ts, 0, MAX_SHARES);
        split = boundTo(split, 0, ts);
        uint256 claims = math.toAssets(split, ta, ts, false) + math.toAssets(ts - split, ta, ts, false);
        assertTrue(claims <= ta, "claims exceed total assets");
    }

    // ------------------------------------------------------------------ debt

    /// @dev debtOf rounds up, by less than one unit.
    function testFuzz_debtOfRoundsUp(uint256 scaled, uint256 index) public view {
        scaled = boundTo(scaled, 0, MAX_INDEX);
        index = boundTo(index, WAD, MAX_INDEX);
        uint256 debt = math.debtOf(scaled, index);
        assertTrue(debt * WAD >= scaled * index, "debt rounded down");
        assertTrue(debt == 0 || (debt - 1) * WAD < scaled * index, "debt rounded up by a unit or more");
    }

    /// @dev A borrow adds scaled debt rounded up (LendingFacet.borrow): the borrower owes,
    /// and the pool's borrows grow by, at least the amount lent.
    function testFuzz_borrowedDebtCoversTheAmount(
        uint256 amount,
        uint256 index,
        uint256 prior,
        uint256 total
    ) public view {
        index = boundTo(index, WAD, MAX_INDEX);
        amount = boundTo(amount, 1, 1e30);
        prior = boundTo(prior, 0, 1e30);
        total = boundTo(total, prior, 1e32);
        uint256 added = Math.mulDiv(amount, WAD, index, Math.Rounding.Ceil);
        assertTrue(
            math.debtOf(prior + added, index) >= math.debtOf(prior, index) + amount,
            "borrower owes less than it got"
        );
        assertTrue(
            math.debtOf(total + added, index) >= math.debtOf(total, index) + amount,
            "pool borrows grew by less than the cash lent"
        );
    }

    /// @dev A partial repayment clears scaled debt rounded down: the debt falls by no more
    /// than was paid, and the pool's borrows fall by no more than its cash grows.
    function testFuzz_partialRepaymentNeverClearsMoreThanPaid(
        uint256 scaled,
        uint256 index,
        uint256 amount,
        uint256 others
    ) public view {
        scaled = boundTo(scaled, 2, 2 ** 100);
        index = boundTo(index, WAD, 2 ** 100);
        others = boundTo(others, 0, 2 ** 100);
        uint256 debt = math.debtOf(scaled, index);
        amount = boundTo(amount, 1, debt - 1);
        (uint256 repaid, uint256 cleared) = math.repayment(amount, debt, scaled, index);
        assertEq(repaid, amount, "a part is repaid as asked");
        assertTrue(cleared * index <= amount * WAD, "cleared more debt than paid");
        assertTrue(cleared < scaled, "a part cleared everything");
        assertTrue(math.debtOf(scaled - cleared, index) + amount >= debt, "the debt fell by more than was paid");
        uint256 total = scaled + others;
        assertTrue(
            math.debtOf(total, index) - math.debtOf(total - cleared, index) <= amount,
            "pool borrows fell by more than the repayment"
        );
    }

    /// @dev Repaying at least the debt repays exactly the debt and clears all of it.
    function testFuzz_fullRepaymentClearsExactlyTheDebt(uint256 scaled, uint256 index, uint256 extra) public view {
        scaled = boundTo(scaled, 1, 2 ** 100);
        index = boundTo(index, WAD, 2 ** 100);
        uint256 debt = math.debtOf(scaled, index);
        (uint256 repaid, uint256 cleared) = math.repayment(debt + boundTo(extra, 0, 1e30), debt, scaled, index);
        assertEq(repaid, debt, "charged exactly the debt");
        assertEq(cleared, scaled, "cleared all of it");
    }

    /// @dev The pool's borrows (one rounding) never exceed the sum of the debts (one each),
    /// and fall short of it by less than one unit per borrower.
    function testFuzz_poolBorrowsWithinTheSumOfDebts(uint256 s1, uint256 s2, uint256 s3, uint256 index) public view {
        index = boundTo(index, WAD, 2 ** 100);
        s1 = boundTo(s1, 0, 2 ** 100);
        s2 = boundTo(s2, 0, 2 ** 100);
        s3 = boundTo(s3, 0, 2 ** 100);
        uint256 sum = math.debtOf(s1, index) + math.debtOf(s2, index) + math.debtOf(s3, index);
        uint256 borrows = math.debtOf(s1 + s2 + s3, index);
        assertTrue(borrows <= sum, "borrows exceed the sum of debts");
        assertTrue(sum - borrows <= 2, "sum of debts exceeds borrows by more than borrowers - 1");
    }

    // ------------------------------------------------------------------ valuation

    /// @dev convert: amount * price * 10^to / 10^(from + priceDecimals), rounded down exactly.
    function testFuzz_convertRoundsDown(
        uint256 amount,
        uint256 price,
        uint8 priceDecimals,
        uint8 fromDecimals,
        uint8 toDecimals
    ) public view {
        amount = boundTo(amount, 0, 1e30);
        price = boundTo(price, 1, 1e24);
        (priceDecimals, fromDecimals, toDecimals) = (priceDecimals % 19, fromDecimals % 19, toDecimals % 19);
        uint256 out = math.convert(amount, price, priceDecimals, fromDecimals, toDecimals);
        uint256 exact = amount * price * 10 ** toDecimals;
        uint256 den = 10 ** (uint256(fromDecimals) + priceDecimals);
        assertTrue(out * den <= exact, "convert rounded up");
        assertTrue((out + 1) * den > exact, "convert lost a whole unit");
    }

    /// @dev convertBack: amount * 10^priceDecimals * 10^to / (price * 10^from), rounded down exactly.
    function testFuzz_convertBackRoundsDown(
        uint256 amount,
        uint256 price,
        uint8 priceDecimals,
        uint8 fromDecimals,
        uint8 toDecimals
    ) public view {
        amount = boundTo(amount, 0, 1e30);
        price = boundTo(price, 1, 1e24);
        (priceDecimals, fromDecimals, toDecimals) = (priceDecimals % 19, fromDecimals % 19, toDecimals % 19);
        uint256 out = math.convertBack(amount, price, priceDecimals, fromDecimals, toDecimals);
        uint256 exact = amount * 10 ** (uint256(priceDecimals) + toDecimals);
        uint256 den = price * 10 ** fromDecimals;
        assertTrue(out * den <= exact, "convertBack rounded up");
        assertTrue((out + 1) * den > exact, "convertBack lost a whole unit");
    }

    /// @dev Valuing and converting back at the same price never creates units.
    function testFuzz_convertRoundTripNeverCreatesUnits(
        uint256 amount,
        uint256 price,
        uint8 priceDecimals,
        uint8 decimals
    ) public view {
        amount = boundTo(amount, 0, 1e30);
        price = boundTo(price, 1, 1e24);
        (priceDecimals, decimals) = (priceDecimals % 19, decimals % 19);
        uint256 quote = math.convert(amount, price, priceDecimals, decimals, 18);
        assertTrue(math.convertBack(quote, price, priceDecimals, 18, decimals) <= amount, "round trip created units");
    }

    /// @dev How a collateral is priced in a pool: its feed and decimals, the loan asset's.
    struct Pricing {
        MockPriceFeed feed;
        uint8 feedDecimals;
        uint8 tokenDecimals;
        uint8 assetDecimals;
        uint256 loanPrice;
        uint8 loanDecimals;
    }

    /// @dev LibLending.valueOf (collateral to an 18-decimal quote, then to the loan asset,
    /// both rounded down) never exceeds the exact value rounded down, and is superadditive:
    /// splitting collateral between positions never raises what it is worth. Collateral is
    /// worth at most 1e27 quote units here: beyond ~1e59 / 10^loanDecimals, convertBack's
    /// `amount * 10^priceDecimals` overflows (a revert, never a wrong value).
    function testFuzz_collateralValueRoundsDown(
        uint256 amount,
        uint256 split,
        uint256 price,
        uint256 loanPrice,
        uint8[4] memory decimals
    ) public {
        price = boundTo(price, 1, 1e24);
        Pricing memory p;
        (p.feedDecimals, p.tokenDecimals, p.assetDecimals) = (decimals[0] % 19, decimals[1] % 19, decimals[2] % 19);
        // At most 1e27 whole units of the quote currency (a trillion trillion dollars).
        uint256 maxAmount = Math.mulDiv(1e45, 10 ** (uint256(p.tokenDecimals) + p.feedDecimals), price * WAD);
        amount = boundTo(amount, 0, Math.min(maxAmount, 1e30));
        split = boundTo(split, 0, amount);
        // Half the runs without a loan feed (price 1, 0 decimals), as pool USD.
        if (loanPrice % 2 == 0) (p.loanPrice, p.loanDecimals) = (1, 0);
        else (p.loanPrice, p.loanDecimals) = (boundTo(loanPrice, 1, 1e24), decimals[3] % 19);
        p.feed = new MockPriceFeed(p.feedDecimals, int256(price));
        uint256 value = _value(p, amount);
        uint256 exact = Math.mulDiv(
            amount * price,
            10 ** (uint256(p.assetDecimals) + p.loanDecimals),
            10 ** (uint256(p.tokenDecimals) + p.feedDecimals) * p.loanPrice
        );
        assertTrue(value <= exact, "collateral valued above its exact value");
        assertTrue(_value(p, split) + _value(p, amount - split) <= value, "split collateral is worth more than whole");
    }

    function _value(Pricing memory p, uint256 amount) internal returns (uint256) {
        return
            math.valueOf(
                address(p.feed),
                p.feedDecimals,
                p.tokenDecimals,
                amount,
                p.assetDecimals,
                p.loanPrice,
                p.loanDecimals
            );
    }
}

/// @title Fuzzed liquidations on a real diamond: the liquidator never takes more
/// collateral than the repayment plus the bonus is worth, and the pool is never worse off.
contract LendingLiquidationFuzzTest is LendingChecks {
    function setUp() public {
        vm.warp(1_700_000_000);
        _deployLending(address(0), address(0), address(0), address(0));
        _seedMarket();
    }

    /// @dev A liquidation being checked.
    struct Case {
        uint256 id;
        address borrower;
        address collateral;
        uint256 maxRepay;
        bool wbtc;
        uint256 cut;
    }

    /// @dev The seeded borrower of pool USD (at its limit against WETH and WBTC), after up
    /// to 30 days of interest and a cut of 1-90 % in one collateral's price, liquidated in
    /// that collateral with a random `maxRepay`: what is seized is worth at most the
    /// repayment times (1 + bonus) at the price used, the liquidator pays and gets what was
    /// quoted, and the share price falls only if bad debt was written off.
    function testFuzz_liquidationSeizesAtMostRepaidPlusBonus(
        uint256 cutPct,
        uint256 maxRepay,
        bool wbtc,
        uint256 warp
    ) public {
        LendingHandler h = lendingHandler;
        h.warpTime(0, boundTo(warp, 1 minutes, 30 days));
        Case memory c;
        c.wbtc = wbtc;
        uint256 token = wbtc ? 2 : 1;
        c.cut = (uint256(h.ghostPrice(token)) * (100 - boundTo(cutPct, 1, 90))) / 100;
        h.feed(token).set(int256(c.cut), block.timestamp);
        c.borrower = h.actors()[2];
        c.collateral = h.collateralToken(0, wbtc ? 1 : 0);
        c.id = h.poolId(0);
        ILendingTypes.PositionView memory pos = lendingSuite.lendingPosition(c.id, c.borrower);
        if (pos.debt <= pos.liquidationLimit) return; // still healthy: nothing to liquidate
        c.maxRepay = boundTo(maxRepay, 1, pos.debt);
        try lendingSuite.lendingQuoteLiquidation(c.id, c.borrower, c.collateral, c.maxRepay) returns (
            uint256 repaid,
            uint256 seized,
            uint256 badDebt
        ) {
            _liquidateAsQuoted(c, repaid, seized, badDebt);
        } catch (bytes memory err) {
            // Only refusals the rules allow: a part that would leave dust, or too little to
            // seize one unit of collateral.
            bytes4 sel = bytes4(err);
            assertTrue(
                sel == ILendingTypes.LendingLiquidationLeavesDust.selector ||
                    sel == ILendingTypes.LendingNothingToSeize.selector,
                string.concat("liquidation of an unhealthy position refused: ", _shortBytes(err))
            );
        }
    }

    function _liquidateAsQuoted(Case memory c, uint256 repaid, uint256 seized, uint256 badDebt) internal {
        _checkSeizure(c, repaid, seized);
        address liquidator = lendingHandler.actors()[0];
        IERC20 asset = IERC20(lendingHandler.poolAsset(0));
        // Liquidator's asset and collateral balances, and the share price, before.
        uint256[3] memory before = [
            asset.balanceOf(liquidator),
            IERC20(c.collateral).balanceOf(liquidator),
            lendingSuite.lendingPool(c.id).sharePrice
        ];
        vm.prank(liquidator);
        lendingSuite.liquidate(c.id, c.borrower, c.collateral, c.maxRepay);
        assertEq(before[0] - asset.balanceOf(liquidator), repaid, "paid as quoted");
        assertEq(IERC20(c.collateral).balanceOf(liquidator) - before[1], seized, "seized as quoted");
        ILendingTypes.PoolView memory v = lendingSuite.lendingPool(c.id);
        assertEq(v.badDebt, badDebt, "bad debt as quoted");
        if (badDebt == 0) assertTrue(v.sharePrice >= before[2], "share price fell without bad debt");
    }

    /// @dev What is seized is worth at most the repayment plus the bonus, at the price used.
    function _checkSeizure(Case memory c, uint256 repaid, uint256 seized) internal pure {
        // One collateral unit in USD (6 decimals): WBTC's feed has 8 decimals, WETH's 18.
        uint256 unit = c.wbtc ? 1e8 : 1e18;
        uint256 unitPrice = c.wbtc ? c.cut / 100 : c.cut / 1e12;
        uint256 bonus = 10_000 + (c.wbtc ? 800 : 500);
        assertTrue(seized * unitPrice * 10_000 <= repaid * bonus * unit, "seized more than repaid plus bonus");
    }
}
