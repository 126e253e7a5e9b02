// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {ModuleChecks} from "./ModuleChecks.sol";
import {LendingHandler, lendingAdminSelectors, lendingSelectors, lendingViewSelectors} from "./LendingHandler.sol";
import {IFinanceSuite} from "../../contracts/interfaces/IFinanceSuite.sol";
import {ILending} from "../../contracts/modules/lending/ILending.sol";
import {ILendingAdmin} from "../../contracts/modules/lending/ILendingAdmin.sol";
import {ILendingTypes} from "../../contracts/modules/lending/ILendingTypes.sol";
import {ILendingViews} from "../../contracts/modules/lending/ILendingViews.sol";
import {IFeedErrors} from "../../contracts/shared/IPriceFeed.sol";

/// @dev Checks shared by the lending campaign, the plain tests and the suite-wide
/// campaign: every call did what the handler's model predicted, and the pools' money adds up.
abstract contract LendingChecks is ModuleChecks {
    LendingHandler internal lendingHandler;
    IFinanceSuite internal lendingSuite;

    uint256 internal constant LENDING_ACTORS = 4;

    /// @dev Without `existing`, the handler builds its own diamond; with it, it installs
    /// the module there as `owner`'s upgrader and follows `clock`.
    function _deployLending(address existing, address owner, address clock, address stable) internal {
        lendingHandler = new LendingHandler(existing, owner, clock, stable);
        lendingSuite = lendingHandler.suite();
        vm.label(address(lendingHandler), "LendingHandler");
        vm.label(address(lendingSuite), "Diamond");
    }

    // ------------------------------------------------------------------ the properties

    /// @dev Every call the handler made did exactly what the model predicted (success with
    /// exactly the predicted balance, share, collateral, debt and pool changes, or the
    /// predicted revert with nothing moving), and the handler's own properties held: no
    /// share price fell without bad debt, no position ended a borrow or collateral
    /// withdrawal above its limit, no action on one pool changed the other, and no
    /// liquidation asking for as much as allowed was refused for dust.
    function _checkLendingPredictions() internal view {
        LendingHandler h = lendingHandler;
        assertEq(h.sharePriceDrops(), 0, "a share price fell without a bad-debt realization");
        assertEq(h.limitBreaches(), 0, "a position ended its own borrow or withdrawal above its limit");
        assertEq(h.crossPoolChanges(), 0, "an action on one pool changed the other");
        if (h.dustLocked() != 0) {
            fail(string.concat("an unhealthy position was refused a max liquidation: ", _shortBytes(h.lastDustLock())));
        }
        if (h.mismatches() == 0) return;
        (bytes32 action, string memory what, bytes memory data) = abi.decode(
            h.lastMismatch(),
            (bytes32, string, bytes)
        );
        fail(
            string.concat(
                "lending handler outcome differs from model (",
                _dec(h.mismatches()),
                "x), last: ",
                _lendingActionName(action),
                ": ",
                what,
                " ",
                _shortBytes(data)
            )
        );
    }

    /// @dev Pool `k`'s money. Exact: cash is what the model says and what the flows leave
    /// (supplied - withdrawn - borrowed + repaid - reserves out); the pool's total shares
    /// are the vault's total supply and the actors' shares; the vault reports the pool's
    /// total assets; borrows are the model's total scaled debt at the index (so debt written
    /// off as bad is gone from them); reserves are what accrued less what was withdrawn or
    /// absorbed bad debt; bad debt is what the model wrote off.
    /// Within documented rounding (N = 4 holders, B = borrowers with debt, V =
    /// (totalAssets + 1) * 1e6 / (totalShares + 1e6), the virtual shares' part, rounded up):
    ///   0 <= cash + borrows - reserves - Σ claims <= N + V   (claims: each holder's shares
    ///        redeemed at the current price, rounded down; suppliers can never take more than
    ///        there is, and lose at most a unit each plus the virtual shares' part)
    ///   0 <= Σ debts - borrows <= B - 1   (each debt rounds up, the total once)
    ///   Σ debts + repaid + written off >= borrowed   (interest is never negative)
    function _checkLendingPool(uint256 k) internal view {
        LendingHandler h = lendingHandler;
        string memory tag = k == 0 ? "pool USD" : "pool WETH";
        ILendingTypes.PoolView memory v = lendingSuite.lendingPool(h.poolId(k));
        IERC20 shares = IERC20(address(h.vault(k)));

        assertEq(v.cash, h.ghostCash(k), string.concat(tag, ": cash as modelled"));
        assertEq(
            h.ghostSupplied(k) + h.ghostRepaid(k),
            h.ghostCash(k) + h.ghostWithdrawn(k) + h.ghostBorrowed(k) + h.ghostReservesOut(k),
            string.concat(tag, ": supplied + repaid == cash + withdrawn + borrowed + reserves out")
        );
        assertEq(v.totalShares, shares.totalSupply(), string.concat(tag, ": total shares == vault total supply"));
        assertEq(
            v.totalAssets + v.reserves,
            v.cash + v.borrows,
            string.concat(tag, ": assets + reserves == cash + borrows")
        );
        assertEq(h.vault(k).totalAssets(), v.totalAssets, string.concat(tag, ": the vault reports the pool's assets"));
        assertEq(v.badDebt, h.ghostBadDebt(k), string.concat(tag, ": bad debt as modelled"));
        assertEq(
            h.lastReserves(k),
            h.ghostReservesIn(k) - h.ghostReservesOut(k) - h.ghostReservesAbsorbed(k),
            string.concat(tag, ": reserves == accrued - withdrawn - absorbed bad debt")
        );
        assertTrue(v.reserves >= h.lastReserves(k), string.concat(tag, ": reserves only grow between actions"));
        assertTrue(v.sharePrice >= h.lastSharePrice(k), string.concat(tag, ": share price only grows over time"));

        (uint256 claims, uint256 held) = _claims(k, v);
        assertEq(held, v.totalShares, string.concat(tag, ": the actors hold every share"));
        _checkClaims(tag, v, claims);
        _checkDebts(k, tag, v);
    }

    function _claims(uint256 k, ILendingTypes.PoolView memory v) private view returns (uint256 claims, uint256 held) {
        address[4] memory actors_ = lendingHandler.actors();
        IERC20 shares = IERC20(address(lendingHandler.vault(k)));
        for (uint256 i; i < LENDING_ACTORS; ++i) {
            uint256 b = shares.balanceOf(actors_[i]);
            held += b;
            claims += Math.mulDiv(b, v.totalAssets + 1, v.totalShares + 1e6);
        }
    }

    function _checkClaims(string memory tag, ILendingTypes.PoolView memory v, uint256 claims) private pure {
        assertTrue(
            claims + v.reserves <= v.cash + v.borrows,
            string.concat(tag, ": suppliers' claims + reserves <= cash + borrows")
        );
        uint256 virtualPart = Math.mulDiv(v.totalAssets + 1, 1e6, v.totalShares + 1e6, Math.Rounding.Ceil);
        assertTrue(
            v.cash + v.borrows - v.reserves - claims <= LENDING_ACTORS + virtualPart,
            string.concat(
                tag,
                ": cash + borrows - reserves - claims <= holders + virtual part: ",
                _dec(v.cash + v.borrows - v.reserves - claims)
            )
        );
    }

    function _checkDebts(uint256 k, string memory tag, ILendingTypes.PoolView memory v) private view {
        LendingHandler h = lendingHandler;
        address[4] memory actors_ = h.actors();
        uint256 sumDebts;
        uint256 sumScaled;
        uint256 borrowers;
        for (uint256 i; i < LENDING_ACTORS; ++i) {
            uint256 scaled = h.ghostScaled(k, i);
            uint256 debt = lendingSuite.lendingDebtOf(h.poolId(k), actors_[i]);
            assertEq(debt, Math.mulDiv(scaled, v.borrowIndex, 1e18, Math.Rounding.Ceil), string.concat(tag, ": debt"));
            _checkCollateral(k, i, tag);
            sumDebts += debt;
            sumScaled += scaled;
            if (scaled != 0) ++borrowers;
        }
        assertEq(
            v.borrows,
            Math.mulDiv(sumScaled, v.borrowIndex, 1e18, Math.Rounding.Ceil),
            string.concat(tag, ": borrows == the model's scaled debt at the index (bad debt removed)")
        );
        assertTrue(v.borrows <= sumDebts, string.concat(tag, ": borrows <= sum of debts"));
        assertTrue(
            sumDebts - v.borrows <= (borrowers == 0 ? 0 : borrowers - 1),
            string.concat(tag, ": sum of debts - borrows <= borrowers - 1")
        );
        assertTrue(
            sumDebts + h.ghostRepaid(k) + h.ghostBadDebt(k) >= h.ghostBorrowed(k),
            string.concat(tag, ": debts + repaid + written off >= borrowed (interest >= 0)")
        );
    }

    function _checkCollateral(uint256 k, uint256 i, string memory tag) private view {
        LendingHandler h = lendingHandler;
        for (uint256 slot; slot < 2; ++slot) {
            assertEq(
                lendingSuite.lendingCollateralOf(h.poolId(k), h.actors()[i], h.collateralToken(k, slot)),
                h.ghostCollateral(k, slot, i),
                string.concat(tag, ": collateral as modelled")
            );
        }
    }

    /// @dev What the lending module says it holds of token `t`, checked against the model.
    function _lendingBooks(uint256 t) internal view returns (uint256 books) {
        address token = lendingHandler.tokens()[t];
        books = lendingSuite.lendingBooks(token);
        assertEq(books, lendingHandler.ghostBooks(t), string.concat(_tokenName(t), ": lendingBooks as modelled"));
    }

    /// @dev With the diamond to itself: for each token the diamond's balance is exactly
    /// the lending books (the pool's cash plus the collateral posted in the other pool),
    /// and actors + treasury + diamond hold exactly what the actors were minted.
    function _checkLendingBooksAlone() internal view {
        LendingHandler h = lendingHandler;
        address[4] memory actors_ = h.actors();
        for (uint256 t; t < 3; ++t) {
            IERC20 token = IERC20(h.tokens()[t]);
            uint256 held = token.balanceOf(address(lendingSuite));
            assertEq(held, _lendingBooks(t), string.concat(_tokenName(t), ": diamond balance == lendingBooks"));
            uint256 sum = held + token.balanceOf(h.treasury());
            for (uint256 i; i < LENDING_ACTORS; ++i) sum += token.balanceOf(actors_[i]);
            assertEq(sum, LENDING_ACTORS * h.minted(t), string.concat(_tokenName(t), ": money conserved"));
            assertEq(token.totalSupply(), sum, string.concat(_tokenName(t), ": nothing outside the watched accounts"));
        }
    }

    /// @dev An unhealthy position can always be liquidated: asking for as much as allowed
    /// (maxRepay = type(uint256).max) is never refused because of the dust rule.
    function _checkLiquidatable() internal view {
        LendingHandler h = lendingHandler;
        address[4] memory actors_ = h.actors();
        for (uint256 k; k < 2; ++k) {
            uint256 id = h.poolId(k);
            for (uint256 i; i < LENDING_ACTORS; ++i) {
                if (h.ghostScaled(k, i) == 0) continue;
                try lendingSuite.lendingPosition(id, actors_[i]) returns (ILendingTypes.PositionView memory pos) {
                    if (pos.debt <= pos.liquidationLimit) continue;
                    for (uint256 slot; slot < 2; ++slot) {
                        if (h.ghostCollateral(k, slot, i) == 0) continue;
                        _checkQuote(id, actors_[i], h.collateralToken(k, slot), pos.debt);
                    }
                } catch {
                    // A stale feed: nobody can price the position now.
                }
            }
        }
    }

    function _checkQuote(uint256 id, address borrower, address token, uint256 debt) private view {
        try lendingSuite.lendingQuoteLiquidation(id, borrower, token, type(uint256).max) returns (
            uint256,
            uint256,
            uint256
        ) {} catch (bytes memory err) {
            assertTrue(
                bytes4(err) != ILendingTypes.LendingLiquidationLeavesDust.selector,
                string.concat(
                    "an unhealthy position cannot be liquidated at all (dust rule), pool ",
                    _dec(id),
                    ", debt ",
                    _dec(debt)
                )
            );
        }
    }

    function _checkLendingAll() internal view {
        _checkLendingPredictions();
        _checkLendingPool(0);
        _checkLendingPool(1);
        _checkLiquidatable();
    }

    // ------------------------------------------------------------------ helpers

    /// @dev A market in use, so short campaigns reach borrowing and liquidation: both
    /// pools supplied, and three borrowers at or near their limits (USD against WETH and
    /// WBTC, WETH against USD, WETH against WBTC).
    function _seedMarket() internal {
        LendingHandler h = lendingHandler;
        uint256 usd = 10 ** IERC20Metadata(h.tokens()[0]).decimals();
        assertTrue(h.supply(_ls(0, 0, 0, 0, 0), 2_000_000 * usd), "seed: supply USD");
        assertTrue(h.supply(_ls(1, 1, 0, 1, 0), 2_000e18), "seed: supply WETH");
        assertTrue(h.supplyCollateral(_ls(2, 0, 0, 0, 0), 500e18), "seed: WETH collateral");
        assertTrue(h.supplyCollateral(_ls(2, 0, 1, 0, 0), 10e8), "seed: WBTC collateral");
        assertTrue(h.borrow(_ls(2, 0, 0, 2, 12), 0), "seed: borrow all it may, USD");
        assertTrue(h.supplyCollateral(_ls(3, 1, 0, 0, 0), 3_000_000 * usd), "seed: USD collateral");
        assertTrue(h.borrow(_ls(3, 1, 0, 3, 0), 1_000e18), "seed: borrow WETH");
        assertTrue(h.supplyCollateral(_ls(1, 1, 1, 0, 0), 5e8), "seed: WBTC collateral");
        assertTrue(h.borrow(_ls(1, 1, 0, 1, 12), 0), "seed: borrow all it may, WETH");
    }

    function _lendingActionName(bytes32 action) internal pure returns (string memory name) {
        uint256 len;
        while (len < 32 && action[len] != 0) ++len;
        name = new string(len);
        for (uint256 i; i < len; ++i) bytes(name)[i] = action[i];
    }

    function _tokenName(uint256 t) internal pure returns (string memory) {
        return
            t == 0
                ? "USD"
                : t == 1
                    ? "WETH"
                    : "WBTC";
    }

    /// @dev A handler seed: actor, pool, collateral slot, counterparty, mode.
    function _ls(
        uint256 actor,
        uint256 pool,
        uint256 slot,
        uint256 other,
        uint256 mode
    ) internal pure returns (uint256) {
        return actor | (pool << 2) | (slot << 3) | (other << 4) | (mode << 8);
    }
}

/// @title Invariants of the lending module under random supply, collateral, borrowing,
/// repayment, liquidation, price moves, warps and admin changes on two isolated pools.
contract LendingInvariantTest is LendingChecks {
    function setUp() public {
        // The test chain starts at timestamp 1, the timelock's DONE marker.
        vm.warp(1_700_000_000);
        _deployLending(address(0), address(0), address(0), address(0));
        _seedMarket();
        _addTargetContract(address(lendingHandler));
        _addTargetSelectors(address(lendingHandler), lendingActions());
    }

    /// @dev Weighted: supplying, collateral and borrowing twice, so positions exist for the
    /// rest; liquidations and price moves twice, so they meet unhealthy positions.
    function lendingActions() internal pure returns (bytes4[] memory actions) {
        actions = new bytes4[](20);
        actions[0] = LendingHandler.supply.selector;
        actions[1] = LendingHandler.supply.selector;
        actions[2] = LendingHandler.withdraw.selector;
        actions[3] = LendingHandler.supplyCollateral.selector;
        actions[4] = LendingHandler.supplyCollateral.selector;
        actions[5] = LendingHandler.withdrawCollateral.selector;
        actions[6] = LendingHandler.borrow.selector;
        actions[7] = LendingHandler.borrow.selector;
        actions[8] = LendingHandler.repay.selector;
        actions[9] = LendingHandler.liquidate.selector;
        actions[10] = LendingHandler.liquidate.selector;
        actions[11] = LendingHandler.movePrice.selector;
        actions[12] = LendingHandler.movePrice.selector;
        actions[13] = LendingHandler.warpTime.selector;
        actions[14] = LendingHandler.warpTime.selector;
        actions[15] = LendingHandler.withdrawReserves.selector;
        actions[16] = LendingHandler.setPoolLimits.selector;
        actions[17] = LendingHandler.setPaused.selector;
        actions[18] = LendingHandler.transferShares.selector;
        actions[19] = LendingHandler.borrow.selector;
    }

    /// @dev One campaign checks every property.
    function invariant_LendingMoneyAllAccountedFor() public view {
        _checkLendingAll();
        _checkLendingBooksAlone();
    }
}

/// @title Each handler action by hand: the invariants above are not vacuous.
contract LendingHandlerTest is LendingChecks {
    uint256 internal constant USD = 1e6;

    function setUp() public {
        vm.warp(1_700_000_000);
        _deployLending(address(0), address(0), address(0), address(0));
    }

    function test_LendingModuleInstalledAsTheManifestDeclares() public view {
        LendingHandler h = lendingHandler;
        _checkModuleAsDeclared(
            lendingSuite,
            h.LENDING_MODULE(),
            [h.lendingFacet(), h.lendingAdminFacet(), h.lendingViewFacet()],
            [lendingSelectors(), lendingAdminSelectors(), lendingViewSelectors()],
            [type(ILending).interfaceId, type(ILendingAdmin).interfaceId, type(ILendingViews).interfaceId]
        );
        assertEq(lendingSuite.lendingPoolCount(), 2, "two pools");
        assertEq(h.vault(0).diamond(), address(lendingSuite), "vault 1 answers to the diamond");
        assertEq(h.vault(1).asset(), h.poolAsset(1), "vault 2 of WETH");
        assertEq(uint256(h.vault(0).decimals()), 12, "USD vault: 6 + 6 decimals");
        _checkLendingAll();
        _checkLendingBooksAlone();
    }

    /// @dev Two suppliers, two borrowers on both pools; every supplier path, time, repay,
    /// collateral out, reserves, limits and pause.
    function _openPositions() internal {
        LendingHandler h = lendingHandler;
        assertTrue(h.supply(_ls(0, 0, 0, 0, 0), 1_000_000 * USD), "supply USD");
        assertTrue(h.supply(_ls(1, 0, 0, 1, 16), 500_000 * USD), "vault deposit USD");
        assertTrue(h.supply(_ls(1, 1, 0, 1, 0), 1_000e18), "supply WETH");
        assertTrue(h.supply(_ls(0, 1, 0, 0, 20), 500e18), "vault mint WETH");
        assertTrue(h.supplyCollateral(_ls(2, 0, 0, 0, 0), 300e18), "WETH collateral in pool USD");
        assertTrue(h.supplyCollateral(_ls(2, 0, 1, 0, 0), 10e8), "WBTC collateral in pool USD");
        assertTrue(h.supplyCollateral(_ls(3, 1, 0, 0, 0), 1_000_000 * USD), "USD collateral in pool WETH");
        assertTrue(h.borrow(_ls(2, 0, 0, 2, 12), 0), "borrow all it may, USD");
        assertTrue(h.borrow(_ls(3, 1, 0, 3, 0), 100e18), "borrow WETH");
    }

    function test_LendingSeededMarketAsModelled() public {
        _seedMarket();
        assertEq(lendingHandler.successes(lendingHandler.ACT_BORROW()), 3, "three borrowers");
        _checkLendingAll();
        _checkLendingBooksAlone();
    }

    function test_LendingHandlerEveryActionSucceedsOnce() public {
        LendingHandler h = lendingHandler;
        _openPositions();
        h.warpTime(0, 30 days);
        assertTrue(h.repay(_ls(2, 0, 0, 0, 0), 1_000 * USD), "repay a part");
        assertTrue(h.repay(_ls(3, 1, 0, 0, 12), 0), "repay all");
        assertTrue(h.withdraw(_ls(0, 0, 0, 0, 0), 10_000 * USD), "withdraw");
        assertTrue(h.withdraw(_ls(0, 0, 0, 1, 10), 1e12), "redeem to another actor");
        assertTrue(h.withdraw(_ls(1, 0, 0, 1, 16), 5_000 * USD), "vault withdraw");
        assertTrue(h.withdraw(_ls(1, 0, 0, 1, 20), 1e15), "vault redeem");
        assertTrue(h.transferShares(_ls(0, 0, 0, 3, 0), 1e15), "transfer shares");
        assertTrue(h.withdrawCollateral(_ls(3, 1, 0, 3, 30), 0), "all collateral out without debt");
        assertTrue(h.withdrawCollateral(_ls(2, 0, 1, 2, 0), 1e6), "a little WBTC out");
        assertTrue(h.withdrawReserves(_ls(0, 0, 0, 0, 0), 1), "reserves");
        assertTrue(h.setPoolLimits(_ls(0, 0, 0, 0, 0), 2_500), "reserve factor 25 %");
        assertTrue(h.setPaused(_ls(0, 0, 0, 0, 20) | (1 << 13)), "guardian pauses supply");
        assertTrue(h.setPaused(_ls(0, 0, 0, 0, 0)), "admin resumes");
        h.movePrice(1, 5);
        assertEq(h.successes(h.ACT_SUPPLY()), 4, "supplies");
        assertEq(h.successes(h.ACT_WITHDRAW()), 4, "withdrawals");
        assertEq(h.successes(h.ACT_BORROW()), 2, "borrows");
        assertEq(h.successes(h.ACT_REPAY()), 2, "repays");
        assertTrue(h.ghostReservesIn(0) > 0 && h.ghostReservesIn(1) > 0, "reserves accrued in both pools");
        assertEq(h.mismatches(), 0, "as modelled");
        _checkLendingAll();
        _checkLendingBooksAlone();
    }

    /// @dev Every refusal mode once, on the seeded market: each is refused with exactly the
    /// predicted error (a mismatch would count) and moves nothing.
    function test_LendingHandlerExpectedRevertsMatchTheModel() public {
        _seedMarket();
        LendingHandler h = lendingHandler;
        bool[30] memory ok = [
            h.supply(_ls(0, 0, 0, 0, 28), 1),
            h.supply(_ls(0, 0, 0, 0, 29), 1),
            h.supply(_ls(0, 0, 0, 0, 26), 1),
            h.supply(_ls(0, 0, 0, 0, 27), 1),
            h.supply(_ls(0, 0, 0, 0, 24), 1),
            h.withdraw(_ls(0, 0, 0, 0, 25), 1),
            h.withdraw(_ls(0, 0, 0, 0, 26), 1),
            h.withdraw(_ls(0, 0, 0, 0, 27), 1),
            h.withdraw(_ls(0, 0, 0, 0, 24), 1),
            h.withdraw(_ls(0, 0, 0, 0, 29), 1),
            h.supplyCollateral(_ls(2, 0, 0, 0, 27), 1),
            h.supplyCollateral(_ls(2, 0, 0, 0, 26), 1),
            h.supplyCollateral(_ls(2, 0, 0, 0, 29), 1),
            h.supplyCollateral(_ls(2, 0, 1, 0, 24), 1),
            h.withdrawCollateral(_ls(2, 0, 0, 2, 26), 1),
            h.withdrawCollateral(_ls(2, 0, 0, 2, 20), 1),
            h.borrow(_ls(0, 0, 0, 0, 20), 1),
            h.borrow(_ls(2, 0, 0, 2, 25), 1),
            h.repay(_ls(0, 0, 0, 0, 29), 1),
            h.repay(_ls(2, 0, 0, 0, 28), 1),
            h.liquidate(_ls(0, 0, 0, 2, 0), 1),
            h.liquidate(_ls(0, 0, 0, 2, 29), 1),
            h.withdrawReserves(_ls(0, 0, 0, 0, 31), 1),
            h.withdrawReserves(_ls(0, 0, 0, 0, 29), 1),
            h.setPoolLimits(_ls(0, 0, 0, 0, 28), 6_000),
            h.setPoolLimits(_ls(0, 0, 0, 0, 31), 0),
            h.setPaused(_ls(0, 0, 0, 0, 31)),
            h.transferShares(_ls(0, 0, 0, 1, 31), 1),
            h.withdrawCollateral(_ls(2, 0, 0, 2, 27), 1),
            h.borrow(_ls(2, 0, 0, 2, 28), 0)
        ];
        for (uint256 i; i < ok.length; ++i) assertFalse(ok[i], string.concat("refusal ", _dec(i), " succeeded"));
        assertEq(h.revertsBySelector(ILendingTypes.LendingBorrowLimitExceeded.selector), 2, "limit refusals");
        assertEq(h.revertsBySelector(ILendingTypes.LendingPositionHealthy.selector), 1, "healthy refusal");
        assertEq(h.revertsBySelector(ILendingTypes.LendingNotPoolVault.selector), 2, "vault hooks refused");
        assertEq(h.mismatches(), 0, "every refusal as predicted");
        _checkLendingAll();
        _checkLendingBooksAlone();
    }

    /// @dev A paused pool refuses supply and borrowing but takes repayments; a stale feed
    /// refuses what needs a price; all as predicted.
    function test_LendingPausedPoolsAndStaleFeedsRefuseAsPredicted() public {
        _seedMarket();
        LendingHandler h = lendingHandler;
        assertTrue(h.setPaused(_ls(0, 0, 0, 0, 30)), "pause both");
        assertFalse(h.supply(_ls(0, 0, 0, 0, 0), 1e6), "supply while paused");
        assertFalse(h.borrow(_ls(2, 0, 0, 2, 0), 1e6), "borrow while paused");
        assertTrue(h.repay(_ls(2, 0, 0, 0, 0), 1e6), "repay while paused");
        assertTrue(h.setPaused(_ls(0, 0, 0, 0, 0)), "resume");
        h.warpTime(7, 2 days); // feeds not refreshed: stale
        assertFalse(h.borrow(_ls(2, 0, 0, 2, 0), 1e6), "borrow on a stale price");
        assertFalse(h.withdrawCollateral(_ls(2, 0, 0, 2, 0), 1), "collateral out on a stale price");
        assertEq(h.revertsBySelector(IFeedErrors.FeedPriceStale.selector), 2, "stale feeds refused");
        assertEq(h.revertsBySelector(ILendingTypes.LendingSupplyPaused.selector), 1, "supply paused");
        assertEq(h.revertsBySelector(ILendingTypes.LendingBorrowPaused.selector), 1, "borrowing paused");
        assertEq(h.mismatches(), 0, "every refusal as predicted");
        _checkLendingAll();
        _checkLendingBooksAlone();
    }

    /// @dev Regression: in a pool whose cash covers it, redeeming more shares than exist
    /// used to underflow the pool's total (Panic(0x11)); the pool now books each holder's
    /// shares and refuses with the ERC-20 error first.
    function test_redeem_moreSharesThanExist_refusedAsInsufficientBalance() public {
        LendingHandler h = lendingHandler;
        assertTrue(h.supply(_ls(0, 0, 0, 0, 0), 1_000 * USD), "supply");
        assertFalse(h.withdraw(_ls(0, 0, 0, 0, 25), 0), "redeem more shares than exist");
        assertEq(
            h.revertsBySelector(bytes4(keccak256("ERC20InsufficientBalance(address,uint256,uint256)"))),
            1,
            "refused with ERC20InsufficientBalance, as predicted"
        );
        assertEq(h.mismatches(), 0, "as modelled");
    }

    /// @dev Any sequence of handler actions on the seeded market: the handler itself never
    /// reverts (the invariant runner would skip such a call silently) and the model holds.
    function testFuzz_anyActionSequenceStaysModelled(
        uint256[10] memory seeds,
        uint256[10] memory amounts,
        uint8[10] memory which
    ) public {
        _seedMarket();
        LendingHandler h = lendingHandler;
        for (uint256 i; i < 10; ++i) {
            uint256 w = which[i] % 13;
            if (w == 0) h.supply(seeds[i], amounts[i]);
            else if (w == 1) h.withdraw(seeds[i], amounts[i]);
            else if (w == 2) h.supplyCollateral(seeds[i], amounts[i]);
            else if (w == 3) h.withdrawCollateral(seeds[i], amounts[i]);
            else if (w == 4) h.borrow(seeds[i], amounts[i]);
            else if (w == 5) h.repay(seeds[i], amounts[i]);
            else if (w == 6) h.liquidate(seeds[i], amounts[i]);
            else if (w == 7) h.movePrice(seeds[i], amounts[i]);
            else if (w == 8) h.warpTime(seeds[i], amounts[i]);
            else if (w == 9) h.withdrawReserves(seeds[i], amounts[i]);
            else if (w == 10) h.setPoolLimits(seeds[i], amounts[i]);
            else if (w == 11) h.setPaused(seeds[i]);
            else h.transferShares(seeds[i], amounts[i]);
        }
        _checkLendingAll();
        _checkLendingBooksAlone();
    }

    /// @dev Regression: the close factor (half) and the dust rule (leave nothing below the
    /// threshold) used to leave an unhealthy position whose debt lies between the dust
    /// threshold and twice it with no valid repayment at all: every liquidation reverted
    /// with LendingLiquidationLeavesDust, so the debt could only grow.
    function test_liquidate_debtBetweenDustAndTwiceDust_isLiquidatable() public {
        LendingHandler h = lendingHandler;
        assertTrue(h.supply(_ls(0, 0, 0, 0, 0), 10_000 * USD), "supply");
        // 0.1 WETH at 2,000 USD: a 150 USD limit at 75 %; dust threshold 100 USD.
        assertTrue(h.supplyCollateral(_ls(2, 0, 0, 0, 0), 0.1e18), "collateral");
        assertTrue(h.borrow(_ls(2, 0, 0, 2, 0), 149 * USD), "borrow 149 USD");
        h.movePrice(1 | (14 << 8), 40); // WETH -30 %: 140 USD of collateral, liquidation limit 112
        (uint256 repaid, uint256 seized, ) = lendingSuite.lendingQuoteLiquidation(
            h.poolId(0),
            h.actors()[2],
            h.collateralToken(0, 0),
            type(uint256).max
        );
        assertTrue(repaid > 0 && seized > 0, "quoted");
        assertTrue(h.liquidate(_ls(0, 0, 0, 2, 0), 0), "liquidated");
        assertEq(h.dustLocked(), 0, "not refused for dust");
        assertEq(h.liquidations(), 1, "one liquidation");
        _checkLendingAll();
        _checkLendingBooksAlone();
    }
}
