import EssentialsOnboarding
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

    /// Runs `body` with a simulator whose application has `registered` as its certificates and
    /// has been granted consent, and a way to build identity clients against it.
    func withTenant(
        registered: [Issued],
        _ body: (TenantSimulator, (ClientCertificate, any EngineClock) throws -> OnboardingServices) async throws -> Void
    ) async throws {
        var configuration = SimulatorConfiguration()
        configuration.application.certificates = registered.map(\.certificatePEM)
        try await TenantSimulator.withRunning(
            configuration: configuration, logger: Logger(label: "sim", factory: { _ in SwiftLogNoOpLogHandler() })
        ) { simulator, endpoints in
            try simulator.grantConsent(GraphPermission.allGraph)
            let serviceEndpoints = ServiceEndpoints(
                login: URL(string: endpoints.login)!, graph: URL(string: endpoints.graph)!,
                exchange: URL(string: endpoints.exchange)!, essentials: URL(string: endpoints.essentials)!)
            let tenant = try simulator.tenantId()
            try await body(simulator) { certificate, clock in
                try OnboardingServices(
                    httpClient: .shared, endpoints: serviceEndpoints,
                    credentials: OnboardingCredentials(
                        clientID: simulator.configuration.application.clientId, certificate: certificate,
                        essentialsUser: "admin@msp.example", essentialsPassword: "essentials-password"),
                    tenantID: tenant, clock: clock)
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
        try await withTenant(registered: []) { simulator, services in
            let journal = try TemporaryJournal()
            defer { journal.remove() }
            let engine = OnboardingEngine(
                journal: journal.journal, logger: Logger(label: "engine", factory: { _ in SwiftLogNoOpLogHandler() }))
            let graph = try EssentialsWorkflow.graph(
                services: try services(try issued.credential(), SystemClock()), configuration: SimulatedTenant.configuration)
            let result = try await engine.start(
                graph, id: "r", input: OnboardingInput(tenantID: try simulator.tenantId(), essentialsOrg: "contoso.com"),
                options: RunOptions(maxIdleWait: .zero))
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
