// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

/// @title Identity module: the institution's investor registry.
/// @notice One identity per investor, under an opaque id chosen by the institution (never
/// personal data), with up to `MAX_WALLETS` wallets. An identity carries a jurisdiction
/// (ISO 3166-1 numeric), an investor class, the salted hash of its KYC/AML evidence and
/// the provider that attested it, an expiry and a status. Documents stay off-chain.
/// KYC providers hold `finsuite.role.kyc-provider` (granted through the access facet);
/// they onboard directly, or sign an EIP-712 attestation the investor's wallet submits.
/// A wallet is verified while its identity is active, its KYC has not expired
/// (`block.timestamp < expiresAt`) and it was not reported lost. Modules that keep
/// per-wallet books (tokenized assets, …) register a recovery hook, so recovering a lost
/// wallet moves everything tied to it, in every such module, in one call.
interface IIdentity {
    enum IdentityStatus {
        None,
        Active,
        Suspended,
        /// Final: a revoked identity is never active again.
        Revoked
    }

    /// @notice Why a wallet is or is not verified, in the order they are checked.
    enum IdentityCode {
        Verified,
        NotRegistered,
        /// The wallet was recovered to another one and is blocked for good.
        WalletLost,
        Suspended,
        Revoked,
        Expired
    }

    /// @notice What a provider attests about an investor.
    /// @param jurisdiction ISO 3166-1 numeric country code, 1..999.
    /// @param investorClass 1..15; the suite names 1 retail, 2 professional, 3 institutional.
    /// @param expiresAt The KYC is valid while `block.timestamp < expiresAt`.
    /// @param evidenceHash Salted hash of the KYC/AML evidence kept off-chain.
    struct IdentityData {
        uint16 jurisdiction;
        uint8 investorClass;
        uint40 expiresAt;
        bytes32 evidenceHash;
    }

    /// @notice A provider's signed onboarding of `wallet` into `identityId`, submitted by
    /// `wallet` itself. The EIP-712 domain (name "Finsuite Identity", version "1", chain id,
    /// the diamond) makes it useless on another chain or diamond; `nonce` makes it single-use.
    struct Attestation {
        bytes32 identityId;
        address wallet;
        IdentityData data;
        address provider;
        uint40 deadline;
        bytes32 nonce;
    }

    /// @notice An identity as a view returns it.
    struct IdentityView {
        IdentityStatus status;
        uint16 jurisdiction;
        uint8 investorClass;
        uint40 expiresAt;
        bytes32 evidenceHash;
        address provider;
        address[] wallets;
    }

    event IdentityRegistered(bytes32 indexed identityId, address indexed provider);
    event IdentityDataSet(
        bytes32 indexed identityId,
        address indexed provider,
        uint16 jurisdiction,
        uint8 investorClass,
        uint40 expiresAt,
        bytes32 evidenceHash
    );
    event IdentityStatusSet(bytes32 indexed identityId, IdentityStatus status, address indexed provider);
    event IdentityWalletAdded(bytes32 indexed identityId, address indexed wallet);
    event IdentityWalletRemoved(bytes32 indexed identityId, address indexed wallet);
    event IdentityWalletRecovered(
        bytes32 indexed identityId,
        address indexed lost,
        address indexed replacement,
        address provider
    );
    event IdentityRecoveryHookRegistered(bytes32 indexed moduleId, bytes4 hook);

    error IdentityIdInvalid();
    error IdentityUnknown(bytes32 identityId);
    error IdentityExists(bytes32 identityId);
    error IdentityJurisdictionInvalid(uint16 jurisdiction);
    error IdentityClassInvalid(uint8 investorClass);
    /// @notice The KYC must expire in the future.
    error IdentityExpiryInvalid(uint40 expiresAt);
    error IdentityEvidenceMissing();
    error IdentityWalletInvalid(address wallet);
    /// @notice The wallet already belongs to `identityId`.
    error IdentityWalletTaken(address wallet, bytes32 identityId);
    /// @notice The wallet was reported lost and can never be registered again.
    error IdentityWalletLost(address wallet);
    error IdentityWalletNotOf(address wallet, bytes32 identityId);
    error IdentityTooManyWallets(bytes32 identityId, uint256 max);
    /// @notice A revoked identity is final; `None` is not a status one can set.
    error IdentityStatusInvalid(bytes32 identityId, IdentityStatus current, IdentityStatus requested);
    error IdentityNotActive(bytes32 identityId, IdentityStatus status);
    error IdentityAttestationExpired(uint40 deadline);
    error IdentityAttestationWrongSender(address wallet, address sender);
    error IdentityAttestationProviderInvalid(address provider);
    error IdentityAttestationSignatureInvalid(address provider);
    error IdentityAttestationUsed(address provider, bytes32 nonce);
    /// @notice Recovery needs a replacement that is new or already a wallet of the same identity.
    error IdentityRecoveryTargetInvalid(address replacement);
    /// @notice A module's recovery hook may only run inside `recoverIdentityWallet`.
    error IdentityNotRecovering();
    error IdentityRecoveryHooksFull(uint256 max);
    /// @notice The registry holds its maximum number of identities.
    error IdentityRegistryFull(uint256 max);
    /// @notice A recovery hook must be a selector the diamond serves.
    error IdentityRecoveryHookNotRouted(bytes4 hook);

    // ---------------------------------------------------------------- providers

    /// @notice Creates `identityId` with its first wallet. Provider role.
    function registerIdentity(bytes32 identityId, address wallet, IdentityData calldata data) external;

    /// @notice Replaces the attested data (a renewed or changed KYC). Provider role.
    function updateIdentity(bytes32 identityId, IdentityData calldata data) external;

    /// @notice Suspends, re-activates or revokes (final) an identity. Provider role.
    function setIdentityStatus(bytes32 identityId, IdentityStatus status) external;

    /// @notice Links another wallet to an identity. Provider role.
    function addIdentityWallet(bytes32 identityId, address wallet) external;

    /// @notice Unlinks a wallet. Only the same identity may link it again (modules keep
    /// per-identity books). Tokens it holds stay unmovable by it until then (an agent can
    /// force them out). Provider role.
    function removeIdentityWallet(bytes32 identityId, address wallet) external;

    /// @notice Moves everything tied to `lost` (here and in every module with a recovery
    /// hook) to `replacement`, a new wallet or one of the same identity, and blocks `lost`
    /// for good. Provider role.
    function recoverIdentityWallet(bytes32 identityId, address lost, address replacement) external;

    // ---------------------------------------------------------------- self-service

    /// @notice Onboards the calling wallet with a provider's signed attestation: creates the
    /// identity, or updates its data and adds the wallet when it exists.
    function registerWithAttestation(Attestation calldata attestation, bytes calldata signature) external;

    // ---------------------------------------------------------------- views

    /// @notice Whether `wallet` may hold and move permissioned assets now (one storage read).
    function isVerified(address wallet) external view returns (bool);

    /// @notice Why `wallet` is or is not verified.
    function identityCodeOf(address wallet) external view returns (IdentityCode);

    /// @notice The identity `wallet` belongs or belonged to (zero when none), also for a
    /// lost or removed wallet.
    function identityOf(address wallet) external view returns (bytes32 identityId);

    function getIdentity(bytes32 identityId) external view returns (IdentityView memory);

    /// @notice The wallet a lost wallet was recovered to (zero when it was not).
    function recoveredWalletOf(address lost) external view returns (address replacement);

    function isAttestationUsed(address provider, bytes32 nonce) external view returns (bool);

    /// @notice The EIP-712 digest a provider signs for `attestation`.
    function attestationDigest(Attestation calldata attestation) external view returns (bytes32);

    function identityDomainSeparator() external view returns (bytes32);
}
