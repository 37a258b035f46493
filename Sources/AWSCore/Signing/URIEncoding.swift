/// Percent-encoding as SigV4 defines it: every byte but the RFC 3986 unreserved
/// characters (A-Z a-z 0-9 - . _ ~) becomes %XX with upper-case hex.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
package enum URIEncoding {
    private static let upperHex = Array("0123456789ABCDEF".utf8)

    private static func isUnreserved(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)
            || c == 0x2d || c == 0x2e || c == 0x5f || c == 0x7e
    }

    /// Encodes `text`; with `keepSlash`, `/` stays as it is (for paths).
    package static func encode(_ text: String, keepSlash: Bool = false) -> String {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        for c in text.utf8 {
            if isUnreserved(c) || (keepSlash && c == 0x2f) {
                out.append(c)
            } else {
                out.append(0x25)
                out.append(upperHex[Int(c >> 4)])
                out.append(upperHex[Int(c & 0x0f)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes %XX sequences; `+` stays a plus. Invalid sequences are kept literally.
    package static func decode(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out = [UInt8]()
        var i = 0
        func hexValue(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x41...0x46: c - 0x41 + 10
            case 0x61...0x66: c - 0x61 + 10
            default: nil
            }
        }
        while i < bytes.count {
            if bytes[i] == 0x25, i + 2 < bytes.count, let h = hexValue(bytes[i + 1]), let l = hexValue(bytes[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Builds a wire path from raw segments, each encoded once: `["my bucket", "a/b.zip"]`
    /// with `keepSlashInSegments` gives `/my%20bucket/a/b.zip`.
    package static func path(_ segments: [String], keepSlashInSegments: Bool = false) -> String {
        "/" + segments.map { encode($0, keepSlash: keepSlashInSegments) }.joined(separator: "/")
    }
}
