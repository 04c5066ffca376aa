/// Whether a verified client certificate may log in as its CN, given the identity the store holds for that name.
///
/// Names are case-insensitive but a certificate identity belongs to one exact CN spelling: the one it was first
/// claimed with. Another CA-signed certificate with `CN=Alice` must not take over the data of `alice`, while a renewed
/// certificate with the same CN keeps working. A name registered with a password is claimed by the first certificate
/// whose CN matches it case-insensitively (it is the same name), and from then on that CN's spelling is the name's.
public enum CertificateNameRule {
    /// The error that refuses the certificate, or nil when it may log in.
    public static func refusal(for name: Username, stored: StoredIdentity?) -> ProtocolError? {
        guard let stored else {
            return name.mayBeTakenAnew ? nil : .nameNotStartingWithLetter(name)
        }
        switch stored.kind {
        case .password:
            return nil
        case .certificate:
            return stored.displayName == name.display
                ? nil : .certificateNameSpelledOtherwise(name, stored: stored.displayName)
        }
    }
}
