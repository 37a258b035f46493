import LambdaShiftCore
import FoundationEssentials
import Glibc

/// Reads a zip's central directory (zip64 included): to check a prebuilt package against
/// Lambda's limits without unpacking it.
package struct ZipDirectory: Sendable {
    package struct Entry: Sendable, Equatable {
        package var name: [UInt8]
        package var method: UInt16
        package var flags: UInt16
        package var crc: UInt32
        package var compressedSize: UInt64
        package var uncompressedSize: UInt64
        package var localHeaderOffset: UInt64
        package var externalAttributes: UInt32
        package var madeBy: UInt16
        package var modTime: UInt16
        package var modDate: UInt16
    }

    package var entries: [Entry]
    package var uncompressedSize: UInt64 { entries.reduce(0) { $0 + $1.uncompressedSize } }

    package static func read(path: String) throws -> ZipDirectory {
        guard let file = ReadOnlyFile(path: path) else {
            throw PackagingError("Cannot read the zip \(path): check the path given to --zip.")
        }
        let notZip = PackagingError("\(path) is not a zip archive: pass a .zip made by your build, or use --source.")
        let size = file.size
        let tailLength = min(size, 65_557)
        let tail = try file.read(at: size - tailLength, count: Int(tailLength))
        guard tail.count >= 22,
            let eocd = stride(from: tail.count - 22, through: 0, by: -1).first(where: { le32(tail, $0) == 0x0605_4b50 })
        else { throw notZip }
        var count = UInt64(le16(tail, eocd + 10))
        var centralSize = UInt64(le32(tail, eocd + 12))
        var centralOffset = UInt64(le32(tail, eocd + 16))
        if eocd >= 20, le32(tail, eocd - 20) == 0x0706_4b50 {
            let recordOffset = le64(tail, eocd - 20 + 8)
            let record = try file.read(at: recordOffset, count: 56)
            guard record.count == 56, le32(record, 0) == 0x0606_4b50 else { throw notZip }
            count = le64(record, 32)
            centralSize = le64(record, 40)
            centralOffset = le64(record, 48)
        }
        guard centralOffset + centralSize <= size else { throw notZip }
        let central = try file.read(at: centralOffset, count: Int(centralSize))
        var entries: [Entry] = []
        var i = 0
        while entries.count < count {
            guard i + 46 <= central.count, le32(central, i) == 0x0201_4b50 else { throw notZip }
            let nameLength = Int(le16(central, i + 28)), extraLength = Int(le16(central, i + 30)),
                commentLength = Int(le16(central, i + 32))
            guard i + 46 + nameLength + extraLength + commentLength <= central.count else { throw notZip }
            var entry = Entry(
                name: Array(central[(i + 46)..<(i + 46 + nameLength)]), method: le16(central, i + 10),
                flags: le16(central, i + 8),
                crc: le32(central, i + 16), compressedSize: UInt64(le32(central, i + 20)),
                uncompressedSize: UInt64(le32(central, i + 24)),
                localHeaderOffset: UInt64(le32(central, i + 42)), externalAttributes: le32(central, i + 38),
                madeBy: le16(central, i + 4),
                modTime: le16(central, i + 12), modDate: le16(central, i + 14))
            // zip64 extra: the 32-bit fields that are all ones, in order.
            var e = i + 46 + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let id = le16(central, e), length = Int(le16(central, e + 2))
                if id == 0x0001 {
                    var p = e + 4
                    if entry.uncompressedSize == 0xFFFF_FFFF { entry.uncompressedSize = le64(central, p); p += 8 }
                    if entry.compressedSize == 0xFFFF_FFFF { entry.compressedSize = le64(central, p); p += 8 }
                    if entry.localHeaderOffset == 0xFFFF_FFFF { entry.localHeaderOffset = le64(central, p) }
                }
                e += 4 + length
            }
            entries.append(entry)
            i = extraEnd + commentLength
        }
        return ZipDirectory(entries: entries)
    }

    static func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func le32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(le16(b, i)) | UInt32(le16(b, i + 2)) << 16 }
    static func le64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(le32(b, i)) | UInt64(le32(b, i + 4)) << 32 }
}
