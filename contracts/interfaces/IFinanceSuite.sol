// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IPayment} from "../modules/payment/IPayment.sol";
import {IPaymentEscrow} from "../modules/payment/IPaymentEscrow.sol";
import {IPaymentInvoice} from "../modules/payment/IPaymentInvoice.sol";
import {ILending} from "../modules/lending/ILending.sol";
import {ILendingAdmin} from "../modules/lending/ILendingAdmin.sol";
import {ILendingViews} from "../modules/lending/ILendingViews.sol";
import {IIdentity} from "../modules/identity/IIdentity.sol";
import {IAsset} from "../modules/asset/IAsset.sol";
import {IAssetViews} from "../modules/asset/IAssetViews.sol";
import {IAssetDistribution} from "../modules/asset/IAssetDistribution.sol";
import {IAssetOffering} from "../modules/asset/IAssetOffering.sol";
import {IInsurance} from "../modules/insurance/IInsurance.sol";
import {IInsuranceAdmin} from "../modules/insurance/IInsuranceAdmin.sol";
import {IInsuranceTriggers} from "../modules/insurance/IInsuranceTriggers.sol";
import {IInsuranceViews} from "../modules/insurance/IInsuranceViews.sol";
import {IUpkeep} from "../shared/upkeep/IUpkeep.sol";
import {ICredit} from "../shared/credit/ICredit.sol";
import {IFinanceDiamond} from "./IFinanceDiamond.sol";

/// @title The whole diamond as one interface: the core and every module of the suite.
/// @notice Integrators connect it to a deployment record's address
/// (`IFinanceSuite__factory.connect(record.address, signer)`) and get every module's
/// functions, events and custom errors typed. Each module adds its interface here; a test
/// checks that this interface equals the combined ABI of the manifest's `full` set.
interface IFinanceSuite is
    IFinanceDiamond,
    IPayment,
    IPaymentEscrow,
    IPaymentInvoice,
    ILending,
    ILendingAdmin,
    ILendingViews,
    IUpkeep,
    ICredit,
    IIdentity,
    IAsset,
    IAssetViews,
    IAssetOffering,
    IAssetDistribution,
    IInsurance,
    IInsuranceAdmin,
    IInsuranceTriggers,
    IInsuranceViews
{}
