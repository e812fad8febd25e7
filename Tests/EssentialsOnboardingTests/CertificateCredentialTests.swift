import EssentialsOnboarding
import EssentialsOnboardingTesting
import Foundation
import Logging
import OnboardingEngine
import OnboardingEngineTesting
import TenantSimulator
import Testing
import X509
import _CryptoExtras

@Suite("Certificate credentials: signed client assertions instead of a secret", .timeLimit(.minutes(2)))
struct CertificateCredentialTests {
    /// A self-signed RSA certificate and its key, as an app registration's certificate credential.
    struct Issued {
        let certificatePEM: String
        let privateKeyPEM: String

        init() throws {
            let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            let name = try DistinguishedName { CommonName("Proofpoint Essentials M365 Integration") }
            let now = Date()
            let certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
                notValidBefore: now.addingTimeInterval(-60), notValidAfter: now.addingTimeInterval(86_400), issuer: name,
                subject: name, signatureAlgorithm: .sha256WithRSAEncryption, extensions: Certificate.Extensions(),
                issuerPrivateKey: Certificate.PrivateKey(key))
            certificatePEM = try certificate.serializeAsPEM().pemString
            privateKeyPEM = key.pemRepresentation
        }

        func credential(key: String? = nil) throws -> ClientCertificate {
            try ClientCertificate(certificatePEM: certificatePEM, privateKeyPEM: key ?? privateKeyPEM)
        }
    }

    /// Runs `body` with a simulated tenant whose application has `registered` as its certificates
    /// and has been granted consent, and a way to build clients that sign in with a certificate.
    func withTenant(
        registered: [Issued],
        _ body: (SimulatedTenant, (ClientCertificate, any EngineClock) throws -> OnboardingServices) async throws -> Void
    ) async throws {
        var configuration = SimulatorConfiguration()
        configuration.application.certificates = registered.map(\.certificatePEM)
        try await SimulatedTenant.with(configuration) { tenant in
            try tenant.simulator.grantConsent(GraphPermission.allGraph)
            try await body(tenant) { certificate, clock in
                try SimulatedTenant.services(
                    tenant.serviceEndpoints, tenantID: tenant.input.tenantID,
                    credentials: OnboardingCredentials(
                        clientID: SimulatedTenant.credentials.clientID, certificate: certificate,
                        essentialsUser: SimulatedTenant.credentials.essentialsUser,
                        essentialsPassword: SimulatedTenant.credentials.essentialsPassword),
                    clock: clock)
            }
        }
    }

    @Test func aRegisteredCertificateGetsATokenWithTheGrantedRoles() async throws {
        let issued = try Issued()
        try await withTenant(registered: [try Issued(), issued]) { _, services in
            let token = try await services(try issued.credential(), SystemClock()).identity.token(for: .graph)
            #expect(token.roles.contains("Domain.Read.All"))
            let exchange = try await services(try issued.credential(), SystemClock()).identity.token(for: .exchange)
            #expect(exchange.expiresAt > Date())
        }
        #expect(!"\(try issued.credential())".contains("PRIVATE KEY"), "the key is never printed")
    }

    @Test func anUnregisteredCertificateIsRefusedWithWordsASupportPersonCanActOn() async throws {
        let issued = try Issued()
        try await withTenant(registered: [try Issued()]) { _, services in
            let error = try await #require(throws: ServiceError.self) {
                try await services(try issued.credential(), SystemClock()).identity.token(for: .graph)
            }
            #expect(error.serviceCode == "AADSTS700027")
            #expect(error.message.contains("upload the certificate to the app registration"), "\(error.message)")
        }
    }

    @Test func anAssertionSignedWithAnotherKeyFailsSignatureValidation() async throws {
        let issued = try Issued()
        let impostor = try Issued()
        try await withTenant(registered: [issued]) { _, services in
            // The registered certificate's thumbprint, but a key that is not its own.
            let forged = try issued.credential(key: impostor.privateKeyPEM)
            let error = try await #require(throws: ServiceError.self) {
                try await services(forged, SystemClock()).identity.token(for: .graph)
            }
            #expect(error.serviceCode == "AADSTS700027")
            #expect(error.message.contains("failed signature validation"), "\(error.message)")
        }
    }

    @Test func anAssertionFromAClockHoursBehindIsOutsideItsTimeRange() async throws {
        let issued = try Issued()
        try await withTenant(registered: [issued]) { _, services in
            let behind = ManualClock(start: Date().addingTimeInterval(-7_200))
            let error = try await #require(throws: ServiceError.self) {
                try await services(try issued.credential(), behind).identity.token(for: .graph)
            }
            #expect(error.serviceCode == "AADSTS700024")
            #expect(error.message.contains("check this host's clock"))
        }
    }

    @Test func theWorkflowFailsAtConsentRatherThanWaitingWhenTheCertificateIsUnknown() async throws {
        let issued = try Issued()
        try await withTenant(registered: []) { tenant, services in
            let graph = try EssentialsWorkflow.graph(
                services: try services(try issued.credential(), SystemClock()), configuration: SimulatedTenant.configuration)
            let result = try await tenant.engine.start(
                graph, id: "r", input: tenant.input, options: RunOptions(maxIdleWait: .zero))
            #expect(result.state == .failed)
            #expect(result.task("admin-consent")?.lastError?.code == "AADSTS700027")
        }
    }

    @Test func aKeyThatIsNotPEMIsAConfigurationError() throws {
        let issued = try Issued()
        let error = try #require(throws: ServiceError.self) {
            try ClientCertificate(certificatePEM: issued.certificatePEM, privateKeyPEM: "not a key")
        }
        #expect(error.service == .configuration)
        #expect(throws: ServiceError.self) { try ClientCertificate(certificatePEM: "nope", privateKeyPEM: issued.privateKeyPEM) }
    }
}
