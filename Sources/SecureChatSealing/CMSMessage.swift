internal import COpenSSL

/// A CMS `ContentInfo` (RFC 5652). Owns its `CMS_ContentInfo*`.
final class CMSMessage {
    let cms: OpaquePointer

    /// Takes ownership of `cms`.
    init(takingOwnership cms: OpaquePointer) {
        self.cms = cms
    }

    /// Parses DER.
    convenience init(der: [UInt8]) throws(SealingError) {
        OpenSSLErrorQueueReasons.clear()
        var consumed = 0
        let parsed = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor = buffer.baseAddress
            let parsed = d2i_CMS_ContentInfo(nil, &cursor, buffer.count)
            if let start = buffer.baseAddress, let cursor { consumed = cursor - start }
            return parsed
        }
        guard let parsed else { throw SealingError("it is not a CMS message") }
        // Bytes after the structure would travel along unsigned and unread: refuse them.
        guard consumed == der.count else {
            CMS_ContentInfo_free(parsed)
            throw SealingError("it has bytes after its CMS structure")
        }
        self.init(takingOwnership: parsed)
    }

    deinit {
        CMS_ContentInfo_free(cms)
    }

    /// The content type's NID, such as `NID_id_smime_ct_authEnvelopedData`.
    var typeNID: Int32 {
        CMS_get0_type(cms).map { OBJ_obj2nid($0) } ?? NID_undef
    }

    /// The DER encoding.
    func der() throws(SealingError) -> [UInt8] {
        let length = i2d_CMS_ContentInfo(cms, nil)
        guard length > 0 else { throw .openSSL("could not encode a CMS message") }
        var bytes = [UInt8](repeating: 0, count: Int(length))
        bytes.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            _ = i2d_CMS_ContentInfo(cms, &cursor)
        }
        return bytes
    }
}
