/// Byte layouts of the zip format (PKWARE APPNOTE 6.3.10): local and central headers, the
/// data descriptor, zip64 extra fields and end records. Little-endian throughout.
enum ZipFormat {
    static let localHeaderSignature: UInt32 = 0x0403_4b50
    static let centralHeaderSignature: UInt32 = 0x0201_4b50
    static let dataDescriptorSignature: UInt32 = 0x0807_4b50
    static let endOfCentralDirectorySignature: UInt32 = 0x0605_4b50
    static let zip64EndSignature: UInt32 = 0x0606_4b50
    static let zip64LocatorSignature: UInt32 = 0x0706_4b50
    static let max32: UInt64 = 0xFFFF_FFFF
    static let max16: Int = 0xFFFF

    static let methodStored: UInt16 = 0
    static let methodDeflate: UInt16 = 8
    static let flagDataDescriptor: UInt16 = 1 << 3
    static let flagUTF8: UInt16 = 1 << 11

    /// MS-DOS date and time of `epochSeconds` in UTC, clamped to the format's 1980–2107.
    static func dosDateTime(epochSeconds: Int64) -> (date: UInt16, time: UInt16) {
        let minimum: Int64 = 315_532_800  // 1980-01-01T00:00:00Z
        let seconds = max(minimum, min(epochSeconds, 4_354_819_199))
        let days = seconds / 86_400
        let rem = seconds % 86_400
        // Civil from days (Howard Hinnant).
        let z = days + 719_468
        let era = z / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        let date = UInt16((year - 1980) << 9 | month << 5 | day)
        let time = UInt16((rem / 3600) << 11 | ((rem % 3600) / 60) << 5 | (rem % 60) / 2)
        return (date, time)
    }
}

/// Appends little-endian integers to a byte array.
struct ByteWriter {
    var bytes: [UInt8] = []
    mutating func u16(_ v: UInt16) { bytes.append(UInt8(v & 0xff)); bytes.append(UInt8(v >> 8)) }
    mutating func u32(_ v: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((v >> UInt32(shift)) & 0xff)) }
    }
    mutating func u64(_ v: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8((v >> UInt64(shift)) & 0xff)) }
    }
    mutating func append(_ b: [UInt8]) { bytes += b }
}

/// What the central directory needs to know of one written entry.
struct CentralRecord {
    var name: [UInt8]
    var flags: UInt16
    var method: UInt16
    var crc: UInt32
    var compressedSize: UInt64
    var uncompressedSize: UInt64
    var localHeaderOffset: UInt64
    var executable: Bool

    func encoded(date: UInt16, time: UInt16) -> [UInt8] {
        var extra = ByteWriter()
        var fields = ByteWriter()
        if uncompressedSize >= ZipFormat.max32 { fields.u64(uncompressedSize) }
        if compressedSize >= ZipFormat.max32 { fields.u64(compressedSize) }
        if localHeaderOffset >= ZipFormat.max32 { fields.u64(localHeaderOffset) }
        if !fields.bytes.isEmpty {
            extra.u16(0x0001)
            extra.u16(UInt16(fields.bytes.count))
            extra.append(fields.bytes)
        }
        let zip64 = !extra.bytes.isEmpty
        var w = ByteWriter()
        w.u32(ZipFormat.centralHeaderSignature)
        w.u16(zip64 ? 0x032D : 0x0314)  // made by: Unix, spec 4.5 or 2.0
        w.u16(zip64 ? 45 : (method == ZipFormat.methodDeflate ? 20 : 10))
        w.u16(flags)
        w.u16(method)
        w.u16(time)
        w.u16(date)
        w.u32(crc)
        w.u32(UInt32(min(compressedSize, ZipFormat.max32)))
        w.u32(UInt32(min(uncompressedSize, ZipFormat.max32)))
        w.u16(UInt16(name.count))
        w.u16(UInt16(extra.bytes.count))
        w.u16(0)  // comment
        w.u16(0)  // disk
        w.u16(0)  // internal attributes
        let mode: UInt32 = 0o100000 | (executable ? 0o755 : 0o644)
        w.u32(mode << 16)
        w.u32(UInt32(min(localHeaderOffset, ZipFormat.max32)))
        w.append(name)
        w.append(extra.bytes)
        return w.bytes
    }
}
