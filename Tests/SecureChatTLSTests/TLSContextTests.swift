import Foundation
import Testing

@testable import SecureChatTLS

/// Configuration problems are found when the context is built, with a clear one-line message.
@Suite struct TLSContextTests {
    enum BadConfiguration: String, CaseIterable, Sendable {
        case missingCertificate
        case directoryAsCertificate
        case keyOfAnotherCertificate
        case unparsableCAFile
        case unparsableCRL
        case clientAuthenticationWithoutCA
        case crlWithoutCA

        func configuration(_ certificates: TestCertificates) -> TLSConfiguration {
            var configuration = TLSConfiguration.server(
                certificateChainPath: certificates.server.certificate,
                privateKeyPath: certificates.server.key,
                trustRootsPath: certificates.ca,
                clientAuthentication: .required
            )
            switch self {
            case .missingCertificate:
                configuration.certificateChainPath = "/nonexistent/server.pem"
            case .directoryAsCertificate:
                configuration.certificateChainPath = certificates.directory.path
            case .keyOfAnotherCertificate:
                configuration.privateKeyPath = certificates.goodClient.key
            case .unparsableCAFile:
                configuration.trustRootsPath = certificates.directory.appendingPathComponent("index.txt").path
            case .unparsableCRL:
                configuration.crlPath = certificates.ca
            case .clientAuthenticationWithoutCA:
                configuration.trustRootsPath = nil
            case .crlWithoutCA:
                configuration.clientAuthentication = .off
                configuration.trustRootsPath = nil
                configuration.crlPath = certificates.crl
            }
            return configuration
        }

        var expected: TLSError {
            switch self {
            case .missingCertificate: .fileNotFound
            case .directoryAsCertificate: .unreadableFile
            case .keyOfAnotherCertificate: .keyMismatch
            case .unparsableCAFile: .invalidCertificate
            case .unparsableCRL: .invalidCRL
            case .clientAuthenticationWithoutCA, .crlWithoutCA: .invalidConfiguration
            }
        }
    }

    @Test(arguments: BadConfiguration.allCases)
    func badConfigurationFailsAtConstruction(_ bad: BadConfiguration) throws {
        let certificates = try TestCertificates.shared()
        let error = try #require(throws: TLSError.self) {
            try TLSContext(configuration: bad.configuration(certificates))
        }
        #expect(error == bad.expected)
        #expect(!error.description.contains("\n"))
    }

    @Test func messagesNameTheProblemAndTheFile() throws {
        let certificates = try TestCertificates.shared()
        let missing = try #require(throws: TLSError.self) {
            try TLSContext(configuration: BadConfiguration.missingCertificate.configuration(certificates))
        }
        #expect(missing.description == "file not found: certificate /nonexistent/server.pem")
        let mismatch = try #require(throws: TLSError.self) {
            try TLSContext(configuration: BadConfiguration.keyOfAnotherCertificate.configuration(certificates))
        }
        #expect(mismatch.description.hasPrefix("private key does not match the certificate: "))
        #expect(mismatch.description.contains(certificates.goodClient.key))
    }

    @Test func clientWithoutCAUsesTheSystemTrustStore() throws {
        _ = try TLSContext(configuration: .client(serverHostname: "chat.example.org"))
    }
}
